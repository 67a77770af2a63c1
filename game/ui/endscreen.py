"""The end-of-term screen: the grade and score of the team at the desk on its own objective, its
components, the game beside the same seed's no-action game, the turning points, a lesson's
questions, the term chart, and the buttons (export, map, title, quit).

Whose result. A team is judged on its country's objective (`[score.<country>]`, game/score.py):
a team playing Japan sees Japan's score, components and turning points, and its own no-action game
(the same seed with Japan changing nothing, every other country by its default:
game/baseline_run.py), not Korea's. Korea keeps the Team Korea index by name. Every country is
graded, by its own bands or else by `[score].grades`, so the grade letter is the score module's
for any team. With hot-seat teams a row of tabs (a click, Left/Right or the team's number) shows
each team's result; the team shown is the team at the desk, so the top bar and the index chart
follow it.

Drawn once. Everything is drawn onto a cached surface (`render`) that a frame blits; it is drawn
again only when something it shows changes (the world, the language, the team, the window or
text size, the teacher hiding the score, an export starting or ending, the row the keyboard is
on). The export's progress line is a small surface of its own, redrawn when its text or blink
changes. `renders` counts the full redraws (tests/test_ui_end_team.py).

The game under it is still too: the screen is modal (the map takes no clicks, its flows rest), so
the window paints the map, charts and top bar once, shaded, into `backdrop`, and a frame blits
that picture again until what the game under shows changes (`backdrops` counts the paints). An
export's progress line is redrawn four times a second; without this each of those frames, and
each frame of a pointer moving over the screen, painted the whole game again only to shade it.
"""

from __future__ import annotations

from collections.abc import Callable

import pygame

from game.baseline_run import NoActionGames
from game.calendar import parse_quarter
from game.describe import country_name, index_name
from game.text import quarter_tick, tr
from game.ui import briefing, report
from game.ui.charts import BASE, BG, DIM, GRID, PANEL, PLAYER, PLOT, TEXT, YELLOW, dashed
from game.ui.scale import index_range
from game.ui.teacher import draw_hidden
from game.ui.whypanel import when

INK = BG  # dark text on a yellow tab
TAB = (40, 50, 64)
FOCUS = (86, 180, 233)  # the keyboard's row (Okabe-Ito sky blue, as the app's focus ring)
UP, DOWN = (143, 214, 148), (255, 138, 101)
KEY = (255, 0, 255)  # the cached surface's transparent colour: the corners outside the rounded panel
TERM_SPAN = 20.0  # the end screen's index chart shows at least this many points (game/ui/scale.py)
SHADE = (96, 96, 96)  # the game under the screen multiplied by 96/256: as black at alpha 160, no alpha surface
BUTTONS = (("export", "ui.end.export"), ("map", "ui.end.view_map"), ("title", "ui.menu.title_screen"),
           ("quit", "ui.menu.quit"))
TEAM_KEYS = (pygame.K_1, pygame.K_2, pygame.K_3, pygame.K_4, pygame.K_5, pygame.K_6, pygame.K_7, pygame.K_8,
             pygame.K_9)


def grade_bands(world, code: str) -> list[tuple[str, float]]:
    """The grade lines drawn on a country's index chart: its grades above 0 (the scenario's
    `[score]` bands, or the country's own), best first."""
    if world.scenario.score is None:
        return []
    bands = world.scenario.score.grades_for(code)
    return sorted(((g, low) for g, low in bands.items() if low > 0), key=lambda b: -b[1])


def fit(font, head: str, tail: str, width: int) -> str:
    """`head` + `tail` in `width` pixels: the head shortened with "..." if it must be, the tail
    (a component's weight) always whole. Each step drops a character, so it ends."""
    if font.size(head + tail)[0] <= width:
        return head + tail
    while head and font.size(head + "..." + tail)[0] > width:
        head = head[:-1]
    return head.rstrip() + "..." + tail


def buttons(manager, rect: pygame.Rect, lang: str) -> dict:
    """The screen's buttons along the bottom of `rect`: {button: what it does}."""
    from pygame_gui.elements import UIButton

    made = {}
    grow = getattr(manager, "ui_growth", 1.0)  # larger on a window over 1080p (layout.growth)
    w = (rect.width - 40 - 12 * (len(BUTTONS) - 1)) // len(BUTTONS)
    for i, (key, text) in enumerate(BUTTONS):
        button = UIButton(pygame.Rect(rect.x + 20 + i * (w + 12), rect.bottom - round(60 * grow), w, round(44 * grow)),
                          tr(text, lang),
                          manager=manager, starting_height=20, object_id="#end_turn" if key == "export" else None)
        made[button] = key
    return made


class EndScreen:
    """The end-of-term screen of one game window: its cached picture, what a click or a key on it
    means. Every team's no-action game is the window's `NoActionGames`, shared with the charts."""

    def __init__(self, fonts, no_action: NoActionGames | None = None) -> None:
        self.growth = 1.0  # the window's (layout.growth): the buttons' row is this much taller
        self.fonts = fonts
        self.no_action = no_action if no_action is not None else NoActionGames()  # the window's, shared
        self.surface: pygame.Surface | None = None
        self.stamp: tuple | None = None
        self.renders = 0  # full redraws (a frame that only blits the cache adds nothing)
        self.origin = (0, 0)  # where the cached surface goes on the window
        self.rows: list[tuple[pygame.Rect, str]] = []  # (window rect, Why? key) of the component rows
        self.tabs: list[tuple[pygame.Rect, int]] = []  # (window rect, team index) of the team tabs
        self.versus: dict | None = None  # the no-action comparison shown
        self.term_plot: pygame.Rect | None = None  # the term chart's plot, window coordinates
        self.questions_rect: pygame.Rect | None = None  # a lesson's questions, window coordinates
        self.selected: int | None = None  # the component row the keyboard is on
        self.code = PLAYER  # the team shown
        self._line: tuple[tuple, pygame.Surface, tuple[int, int]] | None = None  # the export line's cache
        self._under: tuple[tuple, pygame.Surface] | None = None  # (what it shows, the shaded game under)
        self.backdrops = 0  # paints of the game under the screen (a frame that only blits adds nothing)

    # ------------------------------------------------------------------ data
    def no_action_history(self, world, code: str) -> list[dict]:
        """`code`'s no-action game up to the world's turn (the window's NoActionGames)."""
        return self.no_action.history(world, code)

    def close(self) -> None:
        """Release the no-action games (World.close); a later draw plays them again."""
        self.no_action.close()

    def new_surface(self, size: tuple[int, int]) -> pygame.Surface:
        """The surface the screen is drawn on once (a test swaps in one that records the text)."""
        return pygame.Surface(size).convert()

    # ------------------------------------------------------------------ input
    def key(self, key: int, teams: int, team: int) -> tuple[str, object] | None:
        """What a key does here: ("team", index) for Left/Right or a team's number with several
        teams; ("row", index) for Up/Down (the row is marked); ("why", key) for W or Enter on a
        marked row, W alone asks about the whole score. None: not the end screen's key."""
        if teams > 1 and key in (pygame.K_LEFT, pygame.K_RIGHT):
            return "team", (team + (1 if key == pygame.K_RIGHT else -1)) % teams
        if teams > 1 and key in TEAM_KEYS[:teams]:
            return "team", TEAM_KEYS.index(key)
        if key in (pygame.K_UP, pygame.K_DOWN) and self.rows:
            step = 1 if key == pygame.K_DOWN else -1
            start = -1 if step > 0 else len(self.rows)
            self.selected = ((self.selected if self.selected is not None else start) + step) % len(self.rows)
            return "row", self.selected
        if key in (pygame.K_w, pygame.K_RETURN, pygame.K_KP_ENTER) and self.selected is not None \
                and self.selected < len(self.rows):
            return "why", self.rows[self.selected][1]
        if key == pygame.K_w:
            return "why", "index" if self.code == PLAYER else f"score:{self.code}"
        return None

    def row_at(self, pos) -> str | None:
        return next((key for rect, key in self.rows if rect.collidepoint(pos)), None)

    def tab_at(self, pos) -> int | None:
        return next((team for rect, team in self.tabs if rect.collidepoint(pos)), None)

    # ------------------------------------------------------------------ drawing
    def backdrop(self, screen: pygame.Surface, shows: tuple, paint: Callable[[pygame.Surface], None]) -> None:
        """The game under the screen, shaded: `paint(screen)` and the shade once for what it
        `shows` (a tuple the window makes of whatever the game under can show, compared with
        ==), kept, and blitted by the frames after it until `shows` changes."""
        if self._under is None or self._under[0] != shows or self._under[1].get_size() != screen.get_size():
            paint(screen)
            screen.fill(SHADE, special_flags=pygame.BLEND_RGB_MULT)
            self._under = (shows, screen.copy())
            self.backdrops += 1
        else:
            screen.blit(self._under[1], (0, 0))

    def forget_backdrop(self) -> None:
        """Drop the game under (the screen closed): the next time it opens the game is painted again."""
        self._under = None

    def draw(self, screen: pygame.Surface, world, lang: str, rect: pygame.Rect, *, teams: list[str], team: int,
             score_shown: bool, exporting=None, debrief_path=None, t: float = 0.0) -> None:
        """The cached screen (drawn again only if what it shows changed) over the game under it
        (`backdrop`, which the window draws first), and the export's progress line."""
        code = teams[team] if teams else PLAYER
        if code != self.code:
            self.selected = None  # another team's components
        self.code = code
        stamp = (world, world.turn, lang, tuple(teams), team, tuple(rect), self.fonts.scale, score_shown,
                 debrief_path, exporting is not None, self.selected)  # the world itself: ids may be reused
        if self.surface is None or stamp != self.stamp:
            self.render(world, lang, rect, teams, team, score_shown, exporting is not None, debrief_path)
            self.stamp = stamp
        screen.blit(self.surface, rect)
        if exporting is not None:
            self._export_line(screen, rect, lang, exporting, t)

    def render(self, world, lang: str, rect: pygame.Rect, teams: list[str], team: int, score_shown: bool,
               exporting: bool, debrief_path) -> None:
        """Everything onto a new cached surface, in its own coordinates (the hit rectangles are
        kept in the window's). Grade and score at the top, the team tabs under them, the score by
        component over the term chart on the left, the turning points (and a lesson's questions)
        on the right, room for the buttons along the bottom. Every height comes from the rect and
        the text size, so it holds at 1024x600 and 150%."""
        self.renders += 1
        self.origin = rect.topleft
        surface = self.new_surface(rect.size)
        surface.fill(KEY)
        surface.set_colorkey(KEY)  # (not RLEACCEL: text blended onto an RLE surface differs by a shade)
        self.surface = surface
        self.rows, self.tabs, self.versus, self.term_plot, self.questions_rect = [], [], None, None, None
        fonts, code = self.fonts, self.code
        box = surface.get_rect()
        pygame.draw.rect(surface, PANEL, box, border_radius=8)
        pygame.draw.rect(surface, YELLOW, box, 2, border_radius=8)
        short = box.height < 640  # a 1024x600 or 1280x720 window: a tighter header
        x, y = 28, 12 if short else 18
        inner = box.width - 56
        head = fonts.fit(tr("ui.end.title", lang), 26, YELLOW, inner // 2, bold=True)
        surface.blit(head, (x, y))
        if not score_shown:
            draw_hidden(surface, fonts, box, lang)
            return
        total = report.final_index(world, code)
        letter = report.final_grade(world, code)
        big = fonts.render(letter, 64 if short else 96, YELLOW, bold=True) if letter else None
        if big is not None:
            surface.blit(big, big.get_rect(topright=(box.right - 40, 4)))
        right = box.right - (56 + big.get_width() if big is not None else 40)  # the score ends left of the grade
        room = right - (x + head.get_width() + 24)
        what = index_name(world, code, lang)
        line = f"{what} {total:.1f} / 100" + (f" - {tr('ui.end.grade', lang)}" if letter else "")
        score_text = fonts.fit(line, 20, TEXT, room, bold=True)
        surface.blit(score_text, score_text.get_rect(topright=(right, y + head.get_height() - score_text.get_height())))
        term = f"{when(world.history[0]['date'], lang)} - {when(world.date, lang)}" if world.history else ""
        span = fonts.render(term, 15, DIM)
        y += head.get_height() + 2
        surface.blit(span, (x, y))
        versus = report.no_action(world, self.no_action_history(world, code), code)  # the same seed
        if versus is not None:
            diff = versus["difference"]
            kind = "ui.end.gap_none" if abs(diff) < 0.05 else "ui.end.gap" if diff > 0 else "ui.end.gap_negative"
            gap = tr(kind, lang).format(diff=abs(diff) if diff < 0 else diff)  # "0.0 points lower" says nothing
            nothing = tr("ui.end.no_action", lang).format(score=versus["whatif"], grade=versus["whatif_grade"])
            y = self._versus(surface, x, y, right, span, [nothing, gap])
            self.versus = versus
        else:
            y += span.get_height()
        if len(teams) > 1:  # the tabs under the dates, left of the grade letter
            y = self._tabs(surface, world, lang, teams, team, x, y + (4 if short else 10), right - x)
        y = max(y, big.get_height() if big is not None else 0) + (6 if short else 14)
        top = y  # the two columns start here
        buttons_top = box.bottom - round(60 * self.growth)  # the buttons' row (`buttons`)
        bottom = buttons_top - (fonts.font(13).get_linesize() + 6 if debrief_path is not None or exporting else 8)
        left_w = (inner - 32) * 48 // 100
        x2 = x + left_w + 32
        width = box.right - 30 - x2
        chart = self._components(surface, world, lang, x, y, left_w, bottom)
        turning = report.turning_points(world, lang, code=code)  # the chart marks them, the column lists them
        if chart is not None:  # room for the term chart under the rows
            self._term_chart(surface, world, lang, chart, {tp["date"] for tp in turning})
        self._turning_points(surface, world, lang, x2, top, width, bottom, turning)
        if debrief_path is not None and not exporting:
            where = fonts.fit(f"{tr('ui.end.exported', lang)}: {debrief_path.resolve()}", 13, DIM, box.width - 40)
            surface.blit(where, (20, buttons_top - where.get_height() - 4))
        self._to_window()

    def _versus(self, surface, x: int, y: int, right: int, span: pygame.Surface, parts: list[str]) -> int:
        """The no-action comparison (`parts`: the no-action game's score, what the programmes
        changed): on the dates' line, right-aligned, where it fits there at its size; else under
        the dates, each part wrapped to the header's width at that size (a 1024x600 window with
        the largest text would have shrunk it to 11 px and cut it). Returns the y under it."""
        fonts = self.fonts
        line = "  ·  ".join(parts)
        beside = right - x - span.get_width() - 24
        if fonts.font(14, True).size(line)[0] <= beside:
            label = fonts.fit(line, 14, BASE, beside, bold=True)
            surface.blit(label, label.get_rect(topright=(right, y)))
            return y + span.get_height()
        y += span.get_height() + 2
        for part in parts:
            for text in fonts.wrap(part, 14, right - x, bold=True):
                label = fonts.fit(text, 14, BASE, right - x, bold=True)
                surface.blit(label, (x, y))
                y += label.get_height()
        return y

    def _to_window(self) -> None:
        """The hit rectangles from the cached surface's coordinates to the window's."""
        dx, dy = self.origin
        self.rows = [(r.move(dx, dy), key) for r, key in self.rows]
        self.tabs = [(r.move(dx, dy), i) for r, i in self.tabs]
        if self.term_plot is not None:
            self.term_plot = self.term_plot.move(dx, dy)
        if self.questions_rect is not None:
            self.questions_rect = self.questions_rect.move(dx, dy)

    def _tabs(self, surface, world, lang: str, teams: list[str], team: int, x: int, y: int, inner: int) -> int:
        """A tab a team, in the hand-over order, the shown one in yellow, and how to change with
        keys beside them; returns the y under them."""
        fonts = self.fonts
        labels = [f"{i + 1} {country_name(world, code, lang)}" for i, code in enumerate(teams)]
        hint = tr("ui.end.teams_hint", lang).format(n=len(teams))
        font = fonts.font(15, True)
        widths = [font.size(text)[0] + 24 for text in labels]
        room = inner - 8 * (len(teams) - 1)
        if sum(widths) > room:  # many teams or big text: equal tabs, names shrunk to them
            widths = [room // len(teams)] * len(teams)
        height = font.get_linesize() + 8
        left = x
        for i, (text, w) in enumerate(zip(labels, widths, strict=True)):
            tab = pygame.Rect(left, y, w, height)
            chosen = i == team
            pygame.draw.rect(surface, YELLOW if chosen else TAB, tab, border_radius=6)
            label = fonts.fit(text, 15, INK if chosen else TEXT, w - 16, bold=True)
            surface.blit(label, label.get_rect(center=tab.center))
            self.tabs.append((tab, i))
            left += w + 8
        small = fonts.render(hint, 13, DIM)
        if small.get_width() <= x + inner - left - 8:  # the keys, where there is room
            surface.blit(small, (left + 8, y + (height - small.get_height()) // 2))
        return y + height

    def _components(self, surface, world, lang: str, x: int, y: int, left_w: int,
                    bottom: int) -> pygame.Rect | None:
        """The score by component: a bar per component (points of 100) and what it adds to the
        total; a click on a row (or Up/Down and W) asks why it moved. Returns the room for the
        term chart under the rows, None where the rows need it all."""
        fonts, code = self.fonts, self.code
        rows = report.breakdown(world, lang, code)
        title = tr("ui.end.breakdown", lang) if code == PLAYER else \
            tr("ui.end.breakdown_of", lang).format(country=country_name(world, code, lang))
        heading = fonts.fit(title, 17, TEXT, left_w, bold=True)
        surface.blit(heading, (x, y))
        y += heading.get_height() + 2
        adds = tr("ui.end.contribution" if code == PLAYER else "ui.end.contribution_score", lang)
        col = fonts.fit(f"{tr('ui.end.points', lang)} / {adds}", 12, DIM, left_w)
        surface.blit(col, (x + left_w - col.get_width(), y))
        hint = tr("ui.end.why_hint", lang)
        if fonts.font(12).size(hint)[0] <= left_w - col.get_width() - 16:  # how to ask why, where it fits
            surface.blit(fonts.render(hint, 12, DIM), (x, y))
        y += col.get_height()
        # the rows as tall as there is room for; in a short window with big text the term chart
        # gives way first (the charts screen has it), then the rows' text gets smaller
        chart_title = fonts.font(15, True).get_linesize() + 6
        n = max(len(rows), 1)
        chart = bottom - y - n * fonts.font(14).get_linesize() >= 90 + chart_title
        room = bottom - y - (90 + chart_title if chart else 0)
        size = 14
        while size > 9 and fonts.font(size).get_linesize() * n > room:
            size -= 1
        line_h = fonts.font(size).get_linesize()
        row_h = max(line_h, min(round(24 * max(fonts.scale, 1.0)), room // n))
        value_w = fonts.font(size).size("100  +10.0")[0]
        bar_w = max(40, min(round(100 * self.growth), left_w // 5))  # (a 4K window: twice as long, as its text)
        bar_x = x + left_w - value_w - 12 - bar_w
        for i, row in enumerate(rows):
            label = fit(fonts.font(size), row["label"], f" ({row['weight'] * 100:.0f}%)", bar_x - x - 8)
            surface.blit(fonts.render(label, size, TEXT), (x, y + (row_h - line_h) // 2))
            mid = y + row_h // 2
            bar_h = round(12 * self.growth)
            pygame.draw.rect(surface, TAB, (bar_x, mid - bar_h // 2, bar_w, bar_h))
            filled = round(bar_w * min(max(row["points"], 0), 100) / 100)
            pygame.draw.rect(surface, YELLOW, (bar_x, mid - bar_h // 2, filled, bar_h))
            value = fonts.render(f"{row['points']:.0f}  +{row['contribution']:.1f}", size, TEXT)
            surface.blit(value, (x + left_w - value.get_width(), y + (row_h - line_h) // 2))
            hit = pygame.Rect(x, y, left_w, row_h)
            if i == self.selected:
                pygame.draw.rect(surface, FOCUS, hit.inflate(8, 0), 2, border_radius=4)
            self.rows.append((hit, row["why"]))
            y += row_h
        if not chart:
            return None
        plot_top = y + 8 + chart_title
        return pygame.Rect(x, plot_top, left_w, bottom - plot_top - fonts.font(12).get_linesize() - 2)

    def _turning_points(self, surface, world, lang: str, x2: int, top: int, width: int, bottom: int,
                        turning: list[dict]) -> None:
        """The quarters that moved the score most, each with the components that moved it and
        the levers, events and mechanisms behind them; a lesson's questions under them."""
        fonts, code = self.fonts, self.code
        y = top
        title = tr("ui.end.turning_points" if code == PLAYER else "ui.end.turning_points_score", lang)
        surface.blit(fonts.fit(title, 17, TEXT, width, bold=True), (x2, y))
        y += fonts.font(17, True).get_linesize() + 4
        tp_bottom = bottom
        lesson = world.scenario.lesson
        if lesson is not None:
            tp_bottom = top + (bottom - top) * 55 // 100
            self.questions_rect = pygame.Rect(x2, tp_bottom + 8, width, bottom - tp_bottom - 8)
            briefing.draw_questions(surface, fonts, self.questions_rect, lesson, lang)
        big_h, small_h = fonts.font(15, True).get_linesize(), fonts.font(13).get_linesize()
        for tp in turning:
            if y + big_h > tp_bottom:
                break
            colour = UP if tp["delta"] >= 0 else DOWN
            line = f"{when(tp['date'], lang)}: {tp['before']:.1f} → {tp['after']:.1f} ({tp['delta']:+.1f})"
            surface.blit(fonts.fit(line, 15, colour, width, bold=True), (x2, y))
            y += big_h
            # what moved it: the components and the levers, events and mechanisms behind each
            rows = [(text, TEXT) for text in tp["drivers"]]
            untold = [e for e in tp["events"] if not any(e in d for d in tp["drivers"])]  # events not named above
            if untold or not (tp["events"] or tp["drivers"]):
                rows.append(("; ".join(untold) or tr("ui.end.no_event", lang), DIM))
            for text, tone in rows:
                for i, part in enumerate(fonts.wrap(text, 13, width - 16)[:2]):
                    if y + small_h > tp_bottom:
                        break
                    surface.blit(fonts.render(("- " if i == 0 else "  ") + part, 13, tone), (x2 + 8, y))
                    y += small_h
            y += 6

    def _term_chart(self, surface, world, lang: str, plot: pygame.Rect, marked: set[str]) -> None:
        """The score over the whole term with the grade bands (their labels in a margin of their
        own, left of the plot: no line crosses them), the no-action game dashed, turning points
        marked. `plot` is in the cached surface's coordinates; `term_plot` keeps the window's."""
        fonts, code = self.fonts, self.code
        name = tr("ui.chart.title", lang)
        if code != PLAYER:
            team = tr("ui.top.team", lang).format(country=country_name(world, code, lang))
            name = f"{team} - {tr('ui.top.score', lang)}"
        title = fonts.fit(name, 15, TEXT, plot.width, bold=True)
        surface.blit(title, (plot.x, plot.y - title.get_height() - 4))
        bands = grade_bands(world, code)
        labels = [f"{g} {low:.0f}" for g, low in bands] + ["100"]  # grade floors, the axis's ends
        margin = max(fonts.font(12).size(text)[0] for text in labels) + 10
        plot = pygame.Rect(plot.x + margin, plot.y, plot.width - margin, plot.height)
        self.term_plot = plot
        pygame.draw.rect(surface, PLOT, plot)
        series = report.score_series(world, code)
        still = [h["score"].get(code, 0.0) for h in self.no_action_history(world, code)][:len(series)]
        # the scale fitted to the two lines (game/ui/scale.py), at least TERM_SPAN points: on 0-100 a
        # term that moved from 28 to 31 against doing nothing's 29 was a flat band of lines 20 px tall
        low, high = self.term_range = index_range([series, still], min_span=TERM_SPAN)

        def y_of(value: float) -> float:
            return plot.bottom - plot.height * (min(max(value, low), high) - low) / (high - low)

        last = None
        grades = [(f"{g} {floor:.0f}", floor, True) for g, floor in bands if low <= floor <= high]
        ends = [(f"{v:.0f}", v, False) for v in (low, high) if all(v != floor for _, floor, _ in grades)]
        for text, value, grade in sorted(grades + ends, key=lambda m: -m[1]):  # from the top: no overlaps
            y = y_of(value)
            if grade:  # a grade's floor: a line across the plot
                pygame.draw.line(surface, GRID, (plot.x, y), (plot.right, y), 1)
            label = fonts.render(text, 12, DIM)
            spot = label.get_rect(midright=(plot.x - 6, y))
            spot.top = min(max(spot.top, plot.top), plot.bottom - spot.height)  # the ends' inside: clear of
            # the title above the plot and the dates under it
            if last is None or spot.top >= last.bottom:  # a short chart: a label only where it fits
                surface.blit(label, spot)
                last = spot
        if len(series) < 2:
            return
        step = plot.width / (len(series) - 1)

        def xy(values):
            return [(plot.x + i * step, y_of(v)) for i, v in enumerate(values)]

        points = xy(series)
        dashed(surface, BASE, xy(still), 2, (8, 5))  # doing nothing new, the same seed
        pygame.draw.lines(surface, YELLOW, False, points, 3)
        legend = ((tr("ui.charts.you", lang), YELLOW), (tr("ui.charts.baseline", lang), BASE))
        named: list[pygame.Rect] = []  # text already in the plot: the legend, then turning points' dates
        for i, (text, colour) in enumerate(legend):
            values = series if i == 0 else still
            if not values:
                continue
            label = fonts.render(f"{text} {values[-1]:.1f}", 12, colour, bold=i == 0)
            spot = label.get_rect(topright=(plot.right - 6, plot.y + 2 + label.get_height() * i))
            surface.blit(label, spot)
            named.append(spot)
        for i, h in enumerate(world.history):
            if h["date"] in marked:
                pygame.draw.circle(surface, TEXT, (round(points[i][0]), round(points[i][1])), 6, 2)
                label = fonts.render(quarter_tick(parse_quarter(h["date"]), lang), 12, TEXT)
                # above the point, else below it (a point near the top right meets the legend); each
                # spot kept inside the chart, a date left out where neither is free (neighbouring
                # quarters: the first one's date only)
                for spot in (label.get_rect(midbottom=(points[i][0], points[i][1] - 8)),
                             label.get_rect(midtop=(points[i][0], points[i][1] + 8))):
                    spot.clamp_ip(plot)
                    if spot.collidelist(named) < 0:
                        surface.blit(label, spot)
                        named.append(spot)
                        break
        for i in (0, len(series) - 1):
            label = fonts.render(quarter_tick(parse_quarter(world.history[i]["date"]), lang), 12, DIM)
            surface.blit(label, label.get_rect(midtop=(min(max(points[i][0], plot.x + 24), plot.right - 24),
                                                       plot.bottom + 2)))

    def _export_line(self, screen, rect: pygame.Rect, lang: str, job, t: float) -> None:
        """The debrief being written: its real step, a bar of the steps (the one under way
        blinks), the seconds; a small surface redrawn when any of them changes."""
        from game.ui.exporter import STEPS

        text = tr("ui.export.progress", lang).format(step=tr(f"ui.export.{job.step}", lang), n=job.step_number,
                                                     total=len(STEPS), seconds=job.elapsed)
        blink = int(t * 2) % 2
        stamp = (text, job.step_number, blink, tuple(rect), lang)
        if self._line is None or self._line[0] != stamp:
            bar_w = 24 * len(STEPS)
            label = self.fonts.fit(text, 13, YELLOW, rect.width - 60 - bar_w)
            line = pygame.Surface((bar_w + 8 + label.get_width(), max(label.get_height(), 12))).convert()
            line.fill(PANEL)
            mid = line.get_height() // 2
            for i in range(len(STEPS)):
                cell = pygame.Rect(i * 24, mid - 5, 20, 10)
                pygame.draw.rect(line, YELLOW if i < job.step_number - 1 else (60, 72, 90), cell, border_radius=2)
                if i == job.step_number - 1:  # the step under way blinks
                    pygame.draw.rect(line, YELLOW, cell, 1 if blink else 0, border_radius=2)
            line.blit(label, (bar_w + 8, mid - label.get_height() // 2))
            at = (rect.x + 20, rect.bottom - 60 - line.get_height() - 4)
            self._line = (stamp, line, at)
        _, line, at = self._line
        screen.blit(line, at)
