"""Text at 100% and 150% without clipping (issue 16 item 7): every screen of the desktop game is
drawn at 1024x600 and 1920x1080, at both text sizes, in both languages, and

- every pygame_gui label and button has room for its text (the text's width at the widget's
  own font against the widget's rect) and lies inside the window and its panel;
- every piece of text the game draws itself (everything rendered by game.ui.fonts.Fonts) lies
  inside the window and inside the smallest panel of that screen its first pixel falls in (a
  legend that runs out of its chart, a line out of its panel, a button label past the edge);
- and reads: 4.5:1 against the colour under it (WCAG AA, the background sampled before the text
  is drawn), which catches a light label on a light box that tests/test_ui_contrast.py's lists
  of colours would miss.

The screens: title (main, new game, settings), the campaign briefing, the map with the desk
and a lever's preview, a firm's and a country's panel, the charts with the scoreboard, Why?,
the glossary, the Esc menu, the teacher's panel, a lesson's panel, an event's dialog and the
end-of-term screen.
"""

from __future__ import annotations

import gc
import json
import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

from collections import Counter

import pygame
import pytest
from pygame_gui.elements import UIButton, UILabel, UIScrollingContainer
from test_ui_contrast import contrast
from uitools import answered

import game.ui.app as app_module
from game.describe import country_name
from game.mapdata import place_name
from game.ui import charts as charts_module
from game.ui import endscreen as endscreen_module
from game.ui import whypanel as whypanel_module
from game.ui.app import GameApp
from game.ui.session import Session

SIZES = [(1024, 600), (1920, 1080)]
SCALES = [1.0, 1.5]
LANGS = ["en", "ko"]
AA = 4.5


class Recorder:
    """Text surfaces drawn (by id, from Fonts' cache) and where they went."""

    def __init__(self) -> None:
        self.texts: dict[int, tuple[str, tuple]] = {}  # id(surface) -> (text, colour)
        self.drawn: list[tuple[str, pygame.Rect, float, str]] = []  # text, rect, contrast, where
        self.where = ""

    def watch(self, fonts) -> None:
        """Every surface `fonts` renders is remembered as text (fit() renders through render())."""
        real = fonts.render

        def render(text, size=14, color=(230, 230, 230), bold=False):
            surface = real(text, size, color, bold)
            self.texts[id(surface)] = (text, tuple(color)[:3])
            return surface

        fonts.render = render

    def blitted(self, target: pygame.Surface, source, dest, area=None, offset=(0, 0)) -> None:
        found = self.texts.get(id(source))
        if found is None:
            return
        text, colour = found
        rect = pygame.Rect(dest if len(dest) == 2 else dest[:2], source.get_size())
        if area is not None:
            rect.size = pygame.Rect(area).size
        rect.move_ip(offset)
        clip = target.get_clip()
        if clip != target.get_rect():  # drawn into a clipped (scrolled) area: only what shows counts
            rect = rect.clip(clip.move(offset))
            if rect.width <= 0 or rect.height <= 0:
                return
        # the background: the commonest colour under the text before it is drawn
        under = rect.move(-offset[0], -offset[1]).clip(target.get_rect())
        bg = None
        if under.width > 0 and under.height > 0:
            pixels = pygame.image.tobytes(target.subsurface(under), "RGB")
            counts = Counter(pixels[i:i + 3] for i in range(0, len(pixels), 3 * 7))
            bg = tuple(counts.most_common(1)[0][0])
        ratio = contrast(colour, bg) if bg is not None and text.strip() else 21.0
        self.drawn.append((text, rect, ratio, self.where))


class Screen(pygame.Surface):
    """The window's picture, recording every text blitted onto it."""

    recorder: Recorder | None = None  # copies of the screen (a dialog's backdrop) record nothing

    def blit(self, source, dest, area=None, special_flags=0):
        if self.recorder is not None:
            self.recorder.blitted(self, source, dest, area)
        return super().blit(source, dest, area, special_flags)


class Cached(pygame.Surface):
    """A picture drawn once and blitted onto the window at `offset` (the end screen's): its text
    recorded where it will show."""

    recorder: Recorder | None = None
    offset = (0, 0)

    def blit(self, source, dest, area=None, special_flags=0):
        if self.recorder is not None:
            self.recorder.blitted(self, source, dest, area, offset=self.offset)
        return super().blit(source, dest, area, special_flags)


def record_end_screen(monkeypatch, recorder: Recorder) -> None:
    """The end screen draws onto a cached surface (game/ui/endscreen.py): one that records."""
    def new_surface(self, size):
        surface = Cached(size, 0, pygame.display.get_surface())
        surface.recorder, surface.offset = recorder, self.origin
        return surface

    monkeypatch.setattr(endscreen_module.EndScreen, "new_surface", new_surface)


def widget_problems(manager, window: pygame.Rect, where: str) -> list[str]:
    problems = []
    sprites = manager.get_sprite_group().sprites()
    scrolled_in = {id(c.get_container()) for c in sprites if isinstance(c, UIScrollingContainer)}
    for element in sprites:
        if not getattr(element, "visible", True) or not isinstance(element, (UILabel, UIButton)):
            continue
        if "horizontal_slider" in element.element_ids[:-1]:  # a slider's arrows: glyphs, not text
            continue
        rect = element.rect
        if not element.alive() or rect.width <= 0:
            continue
        text = element.text or ""
        holder = element.ui_container
        clip = holder.get_rect() if holder is not None else window
        if id(holder) in scrolled_in:  # in a scrolled list: only the part in view is drawn, by design
            if not rect.colliderect(clip):
                continue
        elif not window.contains(rect):
            problems.append(f"{where}: widget '{text}' {rect} leaves the window")
        elif holder is not manager.get_root_container() and not clip.inflate(2, 2).contains(rect):
            problems.append(f"{where}: widget '{text}' {rect} leaves its panel {clip}")
        font = getattr(element, "font", None)
        if not text or font is None:
            continue
        width, height = font.size(text)
        room = rect.width - (6 if isinstance(element, UIButton) else 0)
        if width > room:
            problems.append(f"{where}: '{text}' needs {width} px, its {type(element).__name__} has {room}")
        if height > rect.height + 2:
            problems.append(f"{where}: '{text}' is {height} px tall, its box {rect.height}")
    return problems


def text_problems(recorder: Recorder, window: pygame.Rect, panels: list[pygame.Rect], where: str,
                  overlays: dict[str, pygame.Rect] | None = None) -> list[str]:
    """Each text inside the window and its panel: an overlay's own text (drawn while the overlay
    draws, `Recorder.where`) inside the overlay; other text inside the smallest panel its first
    pixel falls in, unless an overlay was drawn over it."""
    overlays = overlays or {}
    problems = []
    for text, rect, ratio, at in recorder.drawn:
        if not text.strip():
            continue
        if not window.contains(rect):
            problems.append(f"{where}/{at}: '{text}' {rect} runs out of the window")
            continue
        if at in overlays:
            box = overlays[at]
        elif any(o.collidepoint(rect.topleft) for o in overlays.values()):
            continue  # under an overlay: covered
        else:
            holders = [p for p in panels if p.collidepoint(rect.topleft)]
            box = min(holders, key=lambda p: p.width * p.height) if holders else window
        if not box.inflate(2, 2).contains(rect):
            problems.append(f"{where}/{at}: '{text}' {rect} runs out of its panel {box}")
        if ratio < AA:
            problems.append(f"{where}/{at}: '{text}' contrast {ratio:.2f}:1")
    # no two texts of one panel on top of each other (squeezed axes, a legend over its dates)
    shown = [(text, rect.inflate(-4, -6), at) for text, rect, _, at in recorder.drawn if text.strip()]
    for i, (text, rect, at) in enumerate(shown):
        for other, rect2, at2 in shown[i + 1:]:
            if at == at2 and rect.colliderect(rect2) and not (at == "under" and any(
                    o.colliderect(rect) for o in overlays.values())):
                problems.append(f"{where}/{at}: '{text}' {rect} overlaps '{other}' {rect2}")
    return problems


def report(problems: list[str]) -> str:
    """Each problem once (the same label is often wrong on several screens), with its first screen."""
    seen: dict[str, str] = {}
    for problem in problems:
        where, _, what = problem.partition(": ")
        seen.setdefault(what, where)
    return "\n".join(f"{where}: {what}" for what, where in seen.items())


def tagged(recorder: Recorder, name: str, function):
    """`function`, with the text it draws recorded as `name`'s."""
    def call(*args, **kwargs):
        before, recorder.where = recorder.where, name
        try:
            return function(*args, **kwargs)
        finally:
            recorder.where = before
    return call


@pytest.fixture
def window(request, tmp_path):
    size, scale, lang = request.param
    (tmp_path / "settings.json").write_text(json.dumps({"ui_scale": scale, "lang": lang}))
    pygame.init()
    pygame.display.set_mode(size)
    screen = Screen(size, 0, pygame.display.get_surface())
    screen.recorder = Recorder()
    yield size, scale, lang, screen, tmp_path
    gc.collect()  # the games' fonts freed while pygame runs: their files are closed
    pygame.quit()


CASES = [(size, scale, lang) for size in SIZES for scale in SCALES for lang in LANGS]
IDS = [f"{s[0]}x{s[1]}-{int(k * 100)}-{lang}" for s, k, lang in CASES]
# a 4K window (full screen on a 4K display) draws at twice the chosen size (title.view_scale): its
# fixed lengths grow with it (layout.growth); two cases of the widest checks, the rest run at 1080p
BIG = [((3840, 2160), 1.5, "en"), ((3840, 2160), 1.0, "ko")]
BIG_IDS = [f"{s[0]}x{s[1]}-{int(k * 100)}-{lang}" for s, k, lang in BIG]
# the sizes between, on the smallest window (the trade-stance row and two "! HBM" tags broke there)
MID = [((1024, 600), 1.15, "en"), ((1024, 600), 1.3, "ko")]
MID_IDS = [f"{s[0]}x{s[1]}-{round(k * 100)}-{lang}" for s, k, lang in MID]


def draw_and_check(app, screen, where: str, panels: list[pygame.Rect], managers=(), widgets=True,
                   overlays: dict[str, pygame.Rect] | None = None) -> list[str]:
    recorder = screen.recorder
    recorder.drawn, recorder.where = [], "under"  # overlays tag their own text while they draw
    app.update(0.0)
    app.draw()
    window = screen.get_rect()
    if callable(overlays):  # a panel that places itself while drawing
        overlays = overlays()
    if callable(panels):
        panels = panels()
    found = text_problems(recorder, window, [window, *panels], where, overlays)
    for manager in ((app.manager,) if widgets else ()) + tuple(managers):
        found += widget_problems(manager, window, where)
    return found


@pytest.mark.parametrize("window", CASES + BIG + MID, ids=IDS + BIG_IDS + MID_IDS, indirect=True)
def test_every_game_screen_fits_its_text(window, monkeypatch):
    size, _, lang, screen, saves = window
    recorder = screen.recorder
    real_blit = charts_module.Charts._blit

    def charts_blit(self, surface, image, pos):  # the charts draw onto a cached surface first
        local = (pos[0] + self.offset[0], pos[1] + self.offset[1])  # where on the cached surface
        recorder.blitted(surface, image, local, offset=(-self.offset[0], -self.offset[1]))
        real_blit(self, surface, image, pos)

    monkeypatch.setattr(charts_module.Charts, "_blit", charts_blit)
    record_end_screen(monkeypatch, recorder)
    session = Session("lesson_bottlenecks", 7, saves_dir=saves)
    app = GameApp(session, lang, screen)
    recorder.watch(app.fonts)
    app.choice_script = [0] * 40
    L = app.L
    monkeypatch.setattr(app_module, "draw_country", tagged(recorder, "country", app_module.draw_country))
    app._detail = tagged(recorder, "firm", app._detail)
    app._end_screen = tagged(recorder, "end", app._end_screen)
    app.why.draw = tagged(recorder, "why", app.why.draw)
    app.glossary.draw_panel = tagged(recorder, "glossary", app.glossary.draw_panel)
    app.lever_panel.draw = tagged(recorder, "lever", app.lever_panel.draw)
    app.lesson.draw = tagged(recorder, "lesson", app.lesson.draw)
    main = [pygame.Rect(0, 0, size[0], L.top), L.map, L.chart, L.ticker, L.desk]
    problems = []
    if app.curtain is not None:  # a lesson opens with its briefing
        recorder.watch(app.fonts)
        problems += draw_and_check(app, screen, "briefing", [], widgets=False)  # a curtain over the widgets
        app.curtain = None
    app.desk.focused = None
    for _ in range(3):
        app.end_turn()
    app.update(0.0)
    if app.forecasts is not None:
        app.forecasts.wait()
    problems += draw_and_check(app, screen, "map+desk", main)
    # over budget (the desk says by how much, and of what budget): a budget of a tenth of what the
    # programmes in force cost, so both amounts are as long as a real shortfall's
    country = session.country
    budget = country.budget_per_quarter
    country.budget_per_quarter = app.desk.cost / 10
    app.desk.refresh()
    problems += draw_and_check(app, screen, "desk over budget", main)
    country.budget_per_quarter = budget
    app.desk.refresh()
    key = next(iter(app.desk.widgets.values()))[0] if app.desk.widgets else None
    row = app.desk.row_rect(key) if key else None
    if row is not None:
        app.pointer = row.center
        app.update(0.0)
        lever = lambda: {"lever": app.lever_panel.rect} if getattr(app.lever_panel, "rect", None) else {}  # noqa: E731
        problems += draw_and_check(app, screen, "lever preview", main, overlays=lever)
        app.pointer = None
    app.detail = app.map.markers[0].name
    problems += draw_and_check(app, screen, "firm panel", main, overlays={"firm": app.DETAIL_RECT})
    app.detail, app.country_panel = None, "KOR"
    problems += draw_and_check(app, screen, "country panel", main, overlays={"country": app.COUNTRY_RECT})
    app.country_panel = None
    app.toggle_charts()
    charts = lambda: [pygame.Rect(0, 0, size[0], L.top), L.left, L.desk, *[r for _, r in app.charts.cells]]  # noqa: E731
    problems += draw_and_check(app, screen, "charts", charts)
    if app.charts.paged:  # a short screen: the components on a second page
        app.charts.flip_page(1)
        problems += draw_and_check(app, screen, "charts page 2", charts)
        app.charts.flip_page(-1)
    app.toggle_charts()
    app.why.open("index")
    problems += draw_and_check(app, screen, "why", main, overlays={"why": app.why.RECT})
    app.why.close()
    explain = whypanel_module.why.explain  # nothing moved it: the panel's paragraph saying so is wrapped
    monkeypatch.setattr(whypanel_module.why, "explain", lambda world, key: [])
    app.why.open("index")
    problems += draw_and_check(app, screen, "why, nothing moved it", main, overlays={"why": app.why.RECT})
    app.why.close()
    monkeypatch.setattr(whypanel_module.why, "explain", explain)
    app.glossary.open = True
    problems += draw_and_check(app, screen, "glossary", main, overlays={"glossary": app.glossary.RECT})
    shared = app.glossary.RECT.clip(L.desk).inflate(-8, -8)  # where it covers the desk, it is on top
    if shared.width > 0 and shared.height > 0:
        corner = screen.get_at((shared.right - 1, shared.bottom - 1))[:3]
        if corner != (12, 16, 24):
            problems.append(f"glossary: the desk shows through it at {shared.bottomright} ({corner})")
    app.glossary.open = False
    app.open_menu()
    problems += draw_and_check(app, screen, "menu", main)
    app.close_menu()
    app.teacher.open()
    problems += draw_and_check(app, screen, "teacher", [], [app.teacher.manager], widgets=False)
    app.teacher.close()
    app.lesson.open()
    problems += draw_and_check(app, screen, "lesson", main, overlays={"lesson": app.lesson.rect})
    app.lesson.close()
    # an event's dialog (the quarter paused at its question), looked at on its first frame and answered
    world = session.world
    index, event = next((i, e) for i, e in enumerate(world.scenario.events)
                        if e.choices and e.id not in world.governance.fired)
    world.scenario.events[index] = event.model_copy(update={"probability": 1.0, "conditions": [],
                                                            "start": world.quarter_label(world.start)})
    seen = []

    def look(game, buttons):
        if not seen and buttons:
            seen.append(widget_problems(game._modal_manager, screen.get_rect(), "event dialog"))
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_1, mod=0, unicode="1", scancode=0))

    app.modal_hook = look
    app.choice_script = []
    app.end_turn()
    answered(app)
    problems += seen[0]
    app.choice_script = [0] * 40
    while not session.finished:
        session.end_turn([])
    app.rebuild()
    problems += draw_and_check(app, screen, "end screen", main, overlays={"end": app.END_RECT})
    app.close()
    assert not problems, report(problems)


@pytest.mark.parametrize("window", CASES + BIG, ids=IDS + BIG_IDS, indirect=True)
def test_the_title_screen_fits_its_text(window):
    from game.ui.title import TitleScreen

    _, _, lang, screen, saves = window
    title = TitleScreen(screen, lang, saves)
    screen.recorder.watch(title.fonts)
    problems = []
    for page in ("main", "new", "settings"):
        title.page = page
        title.build()
        screen.recorder.drawn, screen.recorder.where = [], page
        title.manager.update(0.0)
        title.draw()
        problems += text_problems(screen.recorder, screen.get_rect(), [screen.get_rect()], f"title {page}")
        problems += widget_problems(title.manager, screen.get_rect(), f"title {page}")
    assert not problems, report(problems)


def game_at(window, turns: int) -> GameApp:
    """A baseline game (seed 7) after `turns` quarters of doing nothing new, in the window."""
    _, _, lang, screen, saves = window
    session = Session("baseline", 7, saves_dir=saves, autosave=False)
    for _ in range(turns):
        session.end_turn({})
    app = GameApp(session, lang, screen)
    app.curtain = None
    return app


def finished_game(window, monkeypatch, humans: tuple[str, ...] = ("KOR",)) -> GameApp:
    """A baseline game (seed 7) played to its end by `humans` doing nothing new, in the window,
    its end screen's text recorded (tagged "end")."""
    _, _, lang, screen, saves = window
    record_end_screen(monkeypatch, screen.recorder)
    session = Session("baseline", 7, saves_dir=saves, autosave=False, humans=humans)
    while not session.finished:
        session.end_turn({})
    app = GameApp(session, lang, screen)
    screen.recorder.watch(app.fonts)
    app.curtain = None
    app._end_screen = tagged(screen.recorder, "end", app._end_screen)
    return app


@pytest.mark.parametrize("window", CASES, ids=IDS, indirect=True)
def test_another_teams_end_screen_fits_its_text(window, monkeypatch):
    """Hot-seat teams at the end of the term: Japan's result (the team at the desk) and the
    United States' (the longest component names), with the row of team tabs."""
    size, _, lang, screen, _ = window
    app = finished_game(window, monkeypatch, ("KOR", "USA", "JPN"))
    session, recorder = app.session, screen.recorder
    L = app.L
    main = [pygame.Rect(0, 0, size[0], L.top), L.map, L.chart, L.ticker, L.desk]
    problems = []
    for team in (2, 1):
        app.seat(team)
        problems += draw_and_check(app, screen, f"end screen {session.humans[team]}", main,
                                   overlays={"end": app.END_RECT})
        assert app.end.tabs and app.end.code == session.humans[team]
        name = country_name(session.world, session.humans[team], lang)
        shown = [text for text, _, _, at in recorder.drawn if at == "end"]
        assert any(text.startswith(f"{name} ") or f" {name}" in text for text in shown), "its text was checked"
    app.close()
    assert not problems, report(problems)


@pytest.mark.parametrize("window", CASES, ids=IDS, indirect=True)
def test_the_race_names_every_country_whole_or_by_its_code(window):
    """The charts' race: a row too narrow for "Middle East (UAE, Saudi Arabia)" shows the map's
    "Middle East", else "GCC" (the code --seat and the tournaments use), not "Middle Ea…" or "M…"."""
    _, _, lang, screen, saves = window
    session = Session("baseline", 7, saves_dir=saves, autosave=False)
    session.end_turn({})
    app = GameApp(session, lang, screen)
    screen.recorder.watch(app.fonts)
    app.curtain = None
    app.toggle_charts()
    screen.recorder.drawn = []
    app.update(0.0)
    app.draw()
    world = session.world
    rendered = [text for text, _ in screen.recorder.texts.values()]  # the charts draw on a cached surface
    for runner in app.charts.race_rows:
        shown = {f"{runner.rank}. {name}" for name in
                 (country_name(world, runner.code, lang), place_name(world, runner.code, lang), runner.code)}
        row = [text for text in rendered if text.startswith(f"{runner.rank}. ")]
        assert set(row) & shown and set(row) <= shown, f"rank {runner.rank} ({runner.code}) reads {row}"
    # a share chart's legend too narrow for "SK hynix 55%" says "SK 55%" (its first word), not "SK h… 55%"
    # (the Korean name, "SK하이닉스", is one word)
    share = f"{world.history[-1]['shares']['hbm']['SK hynix']:.0%}"
    if lang == "en":
        assert {f"SK hynix {share}", f"SK {share}"} & set(rendered), [t for t in rendered if share in t]
    app.close()


@pytest.mark.parametrize("window", CASES, ids=IDS, indirect=True)
def test_bottleneck_tags_and_names_keep_off_the_maps_legend(window):
    """A designer held back by an input is tagged ("! HBM") under its marker, or above it where
    the legend is below: on a small map (1024x600 at 150%) the US designers' tag covered the
    legend's first row (the baseline, seed 7, in 2027Q2). And no country's name is under the
    legend or a marker (at 1024x600 TSMC's marker hid the end of "Taiwan")."""
    _, _, lang, screen, saves = window
    session = Session("baseline", 7, saves_dir=saves, autosave=False)
    app = GameApp(session, lang, screen)
    app.curtain = None
    app.choice_script = [0] * 40
    for _ in range(9):
        app.end_turn()
    app.update(0.0)
    app.draw()
    tags = [rect for rect, term in app.map.terms if term == "bottleneck"]
    assert tags, "designers are held back by an input then"
    legend = app.map.legend_rect
    assert legend is not None and all(not tag.colliderect(legend) for tag in tags), (tags, legend)
    assert all(app.L.map.contains(tag) for tag in tags)
    marks = [pygame.Rect(m.pos[0] - m.radius, m.pos[1] - m.radius, 2 * m.radius, 2 * m.radius)
             for m in (*app.map.markers, *app.map.sites)]
    covered = {code: rect for code, rect in app.map.label_rects.items()
               if rect.colliderect(legend) or rect.collidelist(marks) != -1}
    assert not covered, f"the legend or a marker covers these names: {covered}"
    app.close()


@pytest.mark.parametrize("window", CASES, ids=IDS, indirect=True)
def test_the_charts_legends_keep_their_names(window):
    """A chart's legend names what it draws in words a reader can read, at every window and text
    size: each share chart's firm by its whole name or its first word ("Samsung 7%"), never two
    letters and dots (at 1024x600 with the largest text two columns of 46 px cut them so; the
    legend now takes one column, dropping the smallest other firms' lines with their names); the
    index chart's two lines by name; each price by its good's name; each index component by
    whole words."""
    from game.score import rule_of
    from game.text import tr

    _, _, lang, screen, _ = window
    app = game_at(window, 3)
    session = app.session
    screen.recorder.watch(app.fonts)
    app.toggle_charts()
    app.update(0.0)
    app.draw()
    world = session.world
    rendered = {text for text, _ in screen.recorder.texts.values()}  # drawn onto the charts' cached surface
    assert not [t for t in rendered if t.endswith("%") and "…" in t], "a share legend cut"
    for market in ("foundry", "hbm", "accelerator"):
        drawn = [key.split(":", 2)[2] for key, _ in app.charts.lines if key.startswith(f"share:{market}:")]
        assert len(drawn) >= 3 and drawn == app.charts.shown_firms(world, market)[:len(drawn)], "Korean firms first"
        for name in drawn:
            label = world.by_name[name].name_ko if lang == "ko" else name
            share = f"{world.history[-1]['shares'][market].get(name, 0.0):.0%}"
            assert {f"{label} {share}", f"{label.split()[0]} {share}"} & rendered, (market, label, share)
    for key in ("ui.charts.you", "ui.charts.baseline"):
        assert any(text.startswith(tr(key, lang)) for text in rendered), tr(key, lang)
    for good in ("wafer", "hbm", "accelerator"):
        assert tr(f"ui.short.{good}", lang) in rendered, good
    # the index components' small charts: each name's first line whole words ("Foundry share",
    # not "Foundr" / "y share" where five columns were too narrow for a word)
    if app.charts.paged:
        app.charts.flip_page(1)
        app.update(0.0)
        app.draw()
        rendered = {text for text, _ in screen.recorder.texts.values()}
    for component in rule_of(world.scenario, "KOR").components:
        name = component.label_ko if lang == "ko" else component.label_en
        first = [t for t in rendered if t and name.startswith(t.rstrip("…"))]
        assert first, name
        assert any(len(t) == len(name) or name[len(t)] == " " for t in first if not t.endswith("…")), (name, first)
    app.close()


@pytest.mark.parametrize("window", [c for c in CASES if c[0] == (1024, 600)],
                         ids=[i for c, i in zip(CASES, IDS, strict=True) if c[0] == (1024, 600)], indirect=True)
def test_the_end_screen_says_the_no_action_score_whole(window, monkeypatch):
    """The end screen's comparison with doing nothing (issue 16 item 5) is read whole and at the
    text size the player chose: beside the dates where it fits, else wrapped under them (at
    1024x600 with the largest text it was shrunk to 11 px and cut: "Your programmes cost 1.7
    points against doing…")."""
    from game.text import tr

    _, _, lang, screen, _ = window
    app = finished_game(window, monkeypatch)
    recorder = screen.recorder
    recorder.drawn = []
    app.update(0.0)
    app.draw()
    versus = app.end_versus
    assert versus is not None
    nothing = tr("ui.end.no_action", lang).format(score=versus["whatif"], grade=versus["whatif_grade"])
    shown = [text for text, _, _, at in recorder.drawn if at == "end"]
    assert nothing in " ".join(shown), shown
    # its lines, or the one line it shares with what the programmes changed (not the grade's letter)
    pieces = [text for text in shown if len(text) > 2 and (text in nothing or nothing in text)]
    assert pieces, shown
    full = app.fonts.font(14, True)
    fitted = {text: width for text, width, _ in app.fonts.fitted}
    for text in pieces:  # at its size: neither shrunk nor cut
        assert fitted.get(text) == full.size(text)[0], (text, fitted.get(text), full.size(text)[0])
    app.close()


@pytest.mark.parametrize("window", CASES, ids=IDS, indirect=True)
def test_a_countrys_panel_shows_every_line(window):
    """A country's panel shows all it has to say, at every window and text size: where the map
    alone is too short (1024x600 at 150% left out Korea's firms, its fabs and its export controls
    without a sign), the panel reaches over the chart and the news, still inside the window, its
    text a point or two smaller if that is still too short, never under 11 px."""
    from game.ui import countrypanel

    _, _, lang, screen, _ = window
    app = game_at(window, 3)
    session = app.session
    for code in ("KOR", "USA", "CHN"):
        app.country_panel = code
        rect = app.COUNTRY_RECT
        assert screen.get_rect().contains(rect) and rect.top >= app.L.map.top, rect
        lines = countrypanel.country_lines(session.world, code, lang)
        placed, whole = countrypanel.fitting(app.fonts, rect, lines)
        assert whole, (code, [text for style, text in lines if style == "head"])
        assert min(round(size * app.fonts.scale) for _, style, size, *_ in placed if style == "text") >= 11
        drawn = " ".join(text for text, *_ in placed)
        assert all(text in drawn for style, text in lines if style == "head"), code
    app.close()


@pytest.mark.parametrize("window", CASES, ids=IDS, indirect=True)
def test_the_first_lever_and_its_preview_are_in_view(window):
    """The desk opens with a lever in view, and its preview stands inside the window: at 1024x600
    with the largest text the advice and the scheduled Actions filled the desk's whole view (the
    levers only by scrolling), and the preview, 390 px x 1.5 wide, began left of the window's
    edge. (The preview draws on a surface of its own, which the text checks above do not see.)"""
    _, _, _, screen, _ = window
    app = game_at(window, 1)
    app.update(0.0)
    app.draw()
    view = app.desk.scroll.rect
    rows = [(key, app.desk.row_rect(key)) for key in app.desk.rows]
    key, row = next((k, r) for k, r in rows if r is not None)
    assert view.contains(row), (key, row, view)
    app.pointer = row.center
    app.update(0.0)
    app.draw()
    assert app.lever_panel.key == key
    assert screen.get_rect().contains(app.lever_panel.rect), (app.lever_panel.rect, screen.get_rect())
    assert app.lever_panel.rect.right <= app.L.desk.x, "left of the desk"
    app.close()


@pytest.mark.parametrize("window", CASES, ids=IDS, indirect=True)
def test_the_teachers_panel_speaks_at_the_chosen_text_size(window):
    """The teacher's panel (F2) is drawn at the window's text size like the game's own widgets (it
    was 100% whatever the setting: a UIManager of its own with the default theme), inside the
    window; an event's title too long for its button is shortened with its whole text as the
    button's tool tip."""
    _, scale, lang, screen, _ = window
    app = game_at(window, 3)
    session = app.session
    app.teacher.open()
    try:
        assert screen.get_rect().contains(app.teacher.root.rect)
        sizes = {button.font.point_size for button, (key, _) in app.teacher.buttons.items() if key != "pause"}
        assert sizes == {round(15 * app.ui_scale)} and app.ui_scale >= scale, sizes  # (larger over 1080p)
        events = {e.id: (e.title_ko if lang == "ko" else e.title_en) for e in session.world.scenario.events}
        for button, (key, value) in app.teacher.buttons.items():
            if key == "event" and button.text.endswith("…"):
                assert button.tool_tip_text.startswith(events[value]), (button.text, button.tool_tip_text)
    finally:
        app.close()


@pytest.mark.parametrize("window", CASES, ids=IDS, indirect=True)
def test_a_lessons_briefing_stays_above_its_hint(window):
    """Every lesson's briefing keeps its text above "Press any key ..." at every window and text
    size: where one page would set it under three quarters of its size, the goals take a second
    page (a key turns it; the last key starts the game). At 1024x600 and 150% the text of lesson
    2 ran on under the hint and off the screen."""
    from game.scenario import load_scenario
    from game.text import tr
    from game.ui.briefing import Briefing

    _, scale, lang, screen, _ = window
    fonts = app_module.Fonts(scale)
    w, h = screen.get_size()
    room = h - 48 - fonts.render(tr("ui.briefing.hint", lang), 16, (0, 0, 0)).get_height()
    for name in ("lesson_bottlenecks", "lesson_export_controls", "lesson_priming_water", "lesson_procurement_chain"):
        briefing = Briefing(load_scenario(name), lang)
        briefing.draw(screen, fonts)
        k, pages = briefing._layout(fonts, w, room)
        parts = [("text", "goals")] if pages == 1 else [("text",), ("goals",)]
        assert all(briefing._page(None, fonts, w, k, p) <= room for p in parts), (name, k, pages)
        key = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE)
        assert [briefing.handle(key) for _ in range(pages)] == [False] * (pages - 1) + [True], name


def test_a_window_over_1080p_draws_larger_in_proportion():
    """The text size a window draws at is the chosen one up to 1920x1080, and that times how much
    larger the window is beyond it (a 4K screen: twice), so a full-screen 4K game is the 1080p
    picture, not a corner of 15 px text; the layout's fixed lengths grow alike."""
    from game.ui.layout import growth
    from game.ui.title import view_scale

    assert view_scale(1.3, (1024, 600)) == 1.3 and view_scale(1.5, (1920, 1080)) == 1.5
    assert view_scale(1.0, (3840, 2160)) == 2.0 and view_scale(1.5, (3840, 2160)) == 3.0
    assert view_scale(1.0, (2560, 1440)) == pytest.approx(4 / 3, abs=1e-3)
    assert growth((3840, 1080)) == 1.0, "as wide as two 1080p screens, no taller: the text keeps its size"
