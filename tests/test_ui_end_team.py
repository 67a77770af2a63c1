"""The end-of-term screen for every team (issue 17), drawn once (issue 16): a team that plays
Japan sees Japan's objective, components, turning points and its own no-action game, not Korea's
index; hot-seat teams see each team's result from tabs or keys; Why? works for another country's
component; and a still end screen is not drawn again frame after frame."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import pygame
import pytest
from uitools import click, post, press, running_app

from game import score as scoring
from game import why
from game.actions import Equity
from game.report.debrief import what_if_world
from game.text import tr
from game.ui import report
from game.ui.session import Session


def japan_played(tmp_path, humans=("JPN",)) -> Session:
    """A baseline term in which Japan's team puts 300B yen of state equity into Rapidus in each of
    its first eight quarters (the 2 nm line gets built) and every other team changes nothing."""
    session = Session("baseline", 7, saves_dir=tmp_path, autosave=False, humans=humans)
    while not session.finished:
        staged = {"JPN": [Equity(firm="Rapidus", amount=300e9)]} if session.world.turn < 8 else {}
        session.end_turn(staged)
    return session


def texts_drawn(app) -> list[str]:
    """Every text the end screen renders when it is drawn from scratch."""
    seen: list[str] = []
    real = app.fonts.render

    def render(text, size=14, color=(230, 230, 230), bold=False):
        seen.append(text)
        return real(text, size, color, bold)

    app.fonts.render = render
    try:
        app.end.stamp = None  # drawn again
        app.draw()
    finally:
        app.fonts.render = real
    return seen


@pytest.fixture
def japan(tmp_path):
    with running_app(japan_played(tmp_path)) as app:
        app.frame()
        yield app


def test_a_japanese_team_sees_japans_objective_and_its_own_no_action_gap(japan):
    app, world = japan, japan.session.world
    assert app.end_buttons and app.end.code == "JPN"
    spec = world.scenario.score
    played = world.scores["JPN"]
    assert report.final_index(world, "JPN") == pytest.approx(played)
    # the no-action game is Japan's: the same seed with Japan changing nothing (the team's printed
    # page, report --one-page, replays the same game)
    whatif = what_if_world("baseline", world.seed_value, world.turn, world.difficulty, "JPN")
    try:
        nothing = whatif.scores["JPN"]
    finally:
        whatif.close()
    versus = app.end_versus
    assert versus["played"] == pytest.approx(played) and versus["whatif"] == pytest.approx(nothing)
    assert versus["difference"] == pytest.approx(played - nothing) and versus["difference"] > 5, \
        "Rapidus's line, bought with the equity, is the team's gain"
    assert versus["played_grade"] == scoring.grade(spec, played, "JPN")
    korea = report.no_action(world, app.charts.baseline_history(world))
    assert korea["whatif"] != pytest.approx(nothing), "not Korea's comparison"
    # its components, with their weights, points and contributions, each asking Why? for itself
    rule = spec.for_country("JPN")
    points = scoring.country_breakdown(spec, world.indicators, "JPN")
    rows = report.breakdown(world, "en", "JPN")
    assert [r["key"] for r in rows] == [scoring.component_id(c) for c in rule.components]
    assert [r["points"] for r in rows] == pytest.approx([points[r["key"]] for r in rows])
    assert sum(r["contribution"] for r in rows) == pytest.approx(played)
    assert [key for _, key in app.end_rows] == [f"component:JPN:{r['key']}" for r in rows]
    text = texts_drawn(app)
    gap = tr("ui.end.gap", "en").format(diff=played - nothing)
    assert any(t.startswith(f"Japan on its own objective {played:.1f} / 100") for t in text)
    assert any(gap in t and f"{nothing:.1f}" in t for t in text), "the no-action line names Japan's gap"
    assert any(t.startswith("Leading-edge fabs at home") for t in text)
    assert not any(tr("korea_index", "en") in t or tr("ui.end.breakdown", "en") in t for t in text)
    assert scoring.grade(spec, played, "JPN") in text, "the grade letter"
    # its turning points name its own components
    labels = [c.label_en for c in rule.components]
    points_of = report.turning_points(world, "en", code="JPN")
    assert points_of and all(line.split(" +")[0].split(" -")[0] in labels for tp in points_of
                             for line in tp["drivers"])
    assert [tp["delta"] for tp in points_of] == pytest.approx(
        [tp["after"] - tp["before"] for tp in points_of])
    # Korean, as a Korean reader reads it
    app.set_language("ko")
    app.frame()
    text = texts_drawn(app)
    assert any(t.startswith(f"일본 목표 점수 {played:.1f} / 100 - 등급") for t in text)
    assert any(t.startswith("일본 목표 점수 구성 요소별") for t in text)
    assert any(tr("ui.end.gap", "ko").format(diff=played - nothing) in t for t in text)


def test_a_click_on_japans_component_asks_why_it_moved(japan):
    app, world = japan, japan.session.world
    rect, key = app.end_rows[0]
    assert key == "component:JPN:leading_edge_capacity_share"
    click(app, rect.center)
    assert app.why.key == key and app.end_buttons
    assert app.why.lines[0][0] == f"{tr('ui.why.title', 'en')} Japan - Leading-edge fabs at home"
    values = why.series(world, key)
    assert values[-1] == pytest.approx(report.breakdown(world, "en", "JPN")[0]["points"])
    causes = [c for t in why.explain(world, key) for c in t["causes"]]
    assert any(c["country"] == "JPN" and c["key"] == "cause.action" for c in causes), "the equity that built it"
    assert all(c["country"] in ("JPN", "") for c in causes), "no other country's levers"


def test_why_reads_a_component_counted_on_another_country(tmp_path):
    """The USA's objective counts China's compute against it: its Why? follows China's compute
    and the Actions of either country."""
    world = japan_played(tmp_path).world
    key = why.component_key("USA", "CHN.compute_share")
    values = why.series(world, key)
    assert len(values) == world.turns
    assert values == pytest.approx([scoring.country_breakdown(world.scenario.score, world.history.indicators(i),
                                                               "USA")["CHN.compute_share"]
                                    for i in range(world.turns)])
    assert why.label(world, key, "en") == "United States - China's compute kept small"
    for turn in why.explain(world, key):
        assert all(c["country"] in ("CHN", "USA", "") for c in turn["causes"] if c["source"] != "event")
    assert why.component_key("KOR", "hbm_share") == "component:hbm_share", "Korea's keys as before"


def test_hot_seat_teams_each_see_their_own_result(tmp_path):
    session = japan_played(tmp_path, humans=("KOR", "USA", "JPN"))
    world = session.world
    with running_app(session) as app:
        app.curtain = None
        app.frame()
        assert app.end.code == session.humans[app.team] == "KOR", "the team at the desk (a loaded game: the first)"
        assert [team for _, team in app.end.tabs] == [0, 1, 2]
        press(app, pygame.K_3)
        assert app.end.code == "JPN" and app.desk.session.code == "JPN", "the top bar follows the team shown"
        press(app, pygame.K_1)
        assert app.end.code == "KOR" and app.desk.session.code == "KOR"
        assert app.end_versus["whatif"] == pytest.approx(app.charts.baseline_history(world)[-1]["score"]["KOR"])
        assert any(t.startswith(f"{tr('korea_index', 'en')} ") for t in texts_drawn(app)), "Korea keeps its index"
        tab = next(rect for rect, team in app.end.tabs if team == 1)
        click(app, tab.center)
        assert app.end.code == "USA"
        assert any(key == "component:USA:CHN.compute_share" for _, key in app.end_rows)
        press(app, pygame.K_LEFT)
        press(app, pygame.K_LEFT)
        assert app.end.code == "JPN", "Left goes round"
        # the keyboard reaches each component: Down marks a row, W asks why
        press(app, pygame.K_DOWN)
        press(app, pygame.K_DOWN)
        assert app.end.selected == 1
        press(app, pygame.K_w)
        assert app.why.key == app.end_rows[1][1] == "component:JPN:compute_share"
        press(app, pygame.K_ESCAPE)
        assert app.why.key is None and app.end_buttons and app.menu is None
        app.teacher.score_shown = False
        app.frame()
        press(app, pygame.K_w)
        assert app.why.key is None and not app.end_rows, "the teacher hid the score: nothing shows it"


def test_a_still_end_screen_is_drawn_once(tmp_path, monkeypatch):
    session = Session("baseline", 7, ai="team_korea", saves_dir=tmp_path, autosave=False)
    while not session.finished:
        session.end_turn([])
    with running_app(session) as app:
        app.frame()
        assert app.end_buttons and app.end.renders == 1
        calls = []
        for name in ("breakdown", "turning_points", "no_action"):
            real = getattr(report, name)
            monkeypatch.setattr(report, name, lambda *a, _real=real, _name=name, **k: (calls.append(_name),
                                                                                      _real(*a, **k))[1])
        picture = pygame.image.tobytes(app.screen.subsurface(app.END_RECT), "RGB")
        for i in range(30):  # the pointer moving over the screen: frames, but the same picture
            post(pygame.MOUSEMOTION, pos=(200 + i, 300), rel=(1, 0), buttons=(0, 0, 0))
            app.frame()
        assert app.end.renders == 1 and calls == [], "frames blit the cached screen"
        assert pygame.image.tobytes(app.screen.subsurface(app.END_RECT), "RGB") == picture
        # a still screen draws no frame at all (the loop sleeps: tests/test_ui_idle.py)
        app.toast, app.last_input = ("", 0.0), app.t - 60.0
        pygame.event.clear()
        assert not any(app.tick(0.25) for _ in range(4))
        # drawn again when what it shows changes, once each time
        app.set_language("ko")
        app.frame()
        app.frame()
        assert app.end.renders == 2 and "breakdown" in calls
        app.teacher.score_shown = False
        app.frame()
        app.frame()
        assert app.end.renders == 3
        app.teacher.score_shown = True
        app.frame()
        assert app.end.renders == 4
        app.export_report()
        app.frame()
        app.frame()
        assert app.end.renders == 5, "the export's line makes room once"
        app.exporting.wait()
        app.frame()
        app.frame()
        assert app.exporting is None and app.debrief_path is not None
        assert app.end.renders == 6, "and the path of the written report once"


def test_a_japanese_teams_export_writes_its_own_page_beside_the_debrief(japan):
    """A Japanese team's Export is Japan's: the Markdown report and the debrief read Japan's
    objective against its own doing-nothing game, and Japan's one page for printing is written
    next to the debrief, the notice naming it."""
    from game.ui.exporter import team_page

    assert japan.end.code == "JPN"
    japan.export_report(wait=True)
    assert japan.debrief_path is not None and japan.debrief_path.exists()
    markdown = japan.report_path.read_text(encoding="utf-8")
    assert "**Japan on its own objective:" in markdown and "Doing nothing new (same seed):" in markdown
    debrief = japan.debrief_path.read_text(encoding="utf-8")
    assert "Debrief report: Japan" in debrief and "What if: Japan does nothing new" in debrief
    page = team_page(japan.debrief_path, "JPN")
    html = page.read_text(encoding="utf-8")
    assert page.exists() and "Japan" in html and "일본" in html
    assert page.name in japan.toast[0] and tr("ui.end.team_page", "en") in japan.toast[0]


def test_the_end_screen_reads_no_action_games_played_before_its_frame(tmp_path):
    """Every team's no-action game is played on when the window takes in a world or a quarter
    ends (the window's NoActionGames, one for the charts and the end screen), so drawing the end
    screen plays no quarter inside a frame (a whole one took ~85 ms)."""
    session = japan_played(tmp_path, humans=("KOR", "USA"))
    with running_app(session) as app:
        assert app.no_action.played() == {"KOR": 20, "USA": 20}, "both played to the last quarter"
        runs = [app.no_action.run(session.world, code) for code in ("KOR", "USA")]
        played = []
        for run in runs:
            run.world.step = lambda run=run: played.append(run)
        app.curtain = None
        app.frame()  # the end screen: its no-action comparison and its term chart
        press(app, pygame.K_2)  # the USA's
        assert app.end.code == "USA" and app.end_versus is not None and played == [], "read, not played"


def test_a_quarter_played_moves_the_no_action_games_on_with_it(tmp_path):
    session = Session("baseline", 7, saves_dir=tmp_path, autosave=False, humans=("USA",))
    with running_app(session) as app:
        app.curtain = None
        app.end_turn()
        assert session.world.turn == 1
        assert app.no_action.played() == {"KOR": 1, "USA": 1}


class _Writing:
    """An export that stays at one step (the window's frames while a debrief is written, without
    racing a real child process; tests/test_ui_export.py has the real one)."""

    step, step_number, elapsed, team = "charts", 3, 1.0, None

    def poll(self) -> bool:
        return False


def finished_baseline(tmp_path) -> Session:
    """The baseline's term played to its end by team_korea (seed 7): the end screen is up."""
    session = Session("baseline", 7, ai="team_korea", saves_dir=tmp_path, autosave=False)
    while not session.finished:
        session.end_turn([])
    return session


def test_the_game_under_the_end_screen_is_painted_once_not_every_frame(tmp_path):
    """The end screen is modal: the game under it (map, chart, news, top bar) is painted and
    shaded once, and the frames an export's progress line needs (four a second) or a pointer
    moving over the screen blit that picture instead of painting the whole game again."""
    with running_app(finished_baseline(tmp_path)) as app:
        app.frame()
        assert app.end_buttons
        painted = []
        real_map = app.map.draw
        app.map.draw = lambda *a, **k: (painted.append("map"), real_map(*a, **k))[1]
        outside = pygame.Rect(0, app.L.top, app.END_RECT.x, app.L.height - app.L.top)  # left of the screen
        under = pygame.image.tobytes(app.screen.subsurface(outside), "RGB")
        app.exporting = _Writing()
        try:
            app.toast, app.last_input = ("", 0.0), app.t - 60.0
            pygame.event.clear()
            drawn = sum(app.tick(1 / 60) for _ in range(120))  # two seconds of the export's line
            assert drawn >= 6, "the progress line still blinks"
            for i in range(20):  # and the pointer moving over the screen
                post(pygame.MOUSEMOTION, pos=(300 + i, 300), rel=(1, 0), buttons=(0, 0, 0))
                app.frame()
        finally:
            app.exporting = None
        assert painted == [] and app.end.backdrops == 1, "frames blit the shaded game, they do not paint it"
        assert pygame.image.tobytes(app.screen.subsurface(outside), "RGB") == under
        # painted again, once, when what the game under shows changes: the top bar's language
        app.set_language("ko")
        app.frame()
        app.frame()
        assert painted == ["map"] and app.end.backdrops == 2
        assert pygame.image.tobytes(app.screen.subsurface(outside), "RGB") != under
        # back to the map: the game is live again, painted every frame it needs
        app.end_dismissed = True
        app.close_end_screen()
        app.frame()
        app.frame()
        assert painted == ["map", "map", "map"]


def test_the_glossary_opens_over_the_end_screen_and_a_click_outside_closes_it(tmp_path):
    """F1 on the end screen shows the glossary over it (it was painted under the screen, hidden,
    while it kept the screen's keys), and a click outside it closes it without pressing the
    button under the pointer."""
    with running_app(finished_baseline(tmp_path)) as app:
        app.frame()
        assert app.end_buttons
        middle = app.glossary.RECT.clip(app.END_RECT).inflate(-40, -40)
        assert middle.width > 100 and middle.height > 100
        shut = pygame.image.tobytes(app.screen.subsurface(middle), "RGB")
        press(app, pygame.K_F1)
        assert app.glossary.open
        assert pygame.image.tobytes(app.screen.subsurface(middle), "RGB") != shut, "the glossary is seen"
        quit_button = next(b for b, key in app.end_buttons.items() if key == "quit")
        assert not app.glossary.RECT.collidepoint(quit_button.rect.center)
        click(app, quit_button.rect.center)
        assert not app.glossary.open and app.running, "the click closed the glossary, it did not quit"
        assert pygame.image.tobytes(app.screen.subsurface(middle), "RGB") == shut
