"""The desktop game: one window, the strategy map, the Conductor's desk, the news ticker, the
Team Korea index chart, and an Esc menu (save, load, language, quit).

The loop is split so a test can drive it: `handle(event)` for one pygame event, `update(dt)`,
`draw()`, and `frame(dt)` = all of them for every queued event. The UI changes the model only by
ending a turn (Actions through the player's controller) or loading a save.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UILabel, UIPanel, UITextEntryLine

from game import score as scoring
from game.baseline_run import NoActionGames
from game.describe import country_name, index_name, money
from game.difficulty import levels as difficulty_levels
from game.forecast import ForecastScheduler, staged_key
from game.reasons import in_language
from game.saves import SaveError, save_path
from game.text import quarter_name, quarter_tick, tr
from game.ui import briefing, countrypanel, endscreen, handover
from game.ui.charts import BASE, Charts, dashed
from game.ui.countrypanel import draw_country
from game.ui.desk import Desk
from game.ui.endscreen import EndScreen, grade_bands
from game.ui.endscreen import fit as fit  # re-exported: the end screen's rows were fitted here
from game.ui.fonts import Fonts, gui_theme
from game.ui.glossary import Glossary
from game.ui.layout import DEFAULT_SIZE, Layout, growth
from game.ui.lessonpanel import LessonPanel
from game.ui.leverpanel import LeverPanel
from game.ui.mapview import MapView
from game.ui.pacing import sleep_until_input
from game.ui.question import QuestionDialog
from game.ui.report import export_report
from game.ui.scale import index_range, index_ticks
from game.ui.session import PLAYER, Session
from game.ui.teacher import TeacherPanel, draw_hidden
from game.ui.title import load_settings, ui_scale, view_scale
from game.ui.whypanel import WhyPanel

# The 1280x800 layout at 100% text (tests and benchmarks open a window of this size); a game
# lays itself out for its own window with `Layout.of(screen size, text size)`.
_DEFAULT = Layout.of(DEFAULT_SIZE)
SIZE = _DEFAULT.size
TOP = _DEFAULT.top
MAP_RECT, CHART_RECT, TICKER_RECT = _DEFAULT.map, _DEFAULT.chart, _DEFAULT.ticker
DESK_RECT, LEFT_RECT = _DEFAULT.desk, _DEFAULT.left  # LEFT: map + chart + ticker
BG = (10, 14, 22)
PANEL = (20, 28, 40)
TEXT = (230, 234, 240)
DIM = (150, 162, 176)
YELLOW = (240, 228, 66)
FOCUS = (86, 180, 233)  # keyboard focus ring (Okabe-Ito sky blue)
IN_FORCE = (86, 180, 233)  # the forecast with the programmes in force (Okabe-Ito sky blue, dashed)
STAGED = (230, 159, 0)  # the forecast with the staged settings (Okabe-Ito orange, solid)
ARROWS = (pygame.K_LEFT, pygame.K_RIGHT, pygame.K_UP, pygame.K_DOWN)
ACTIVE_SECONDS = 1.5  # after any input, every frame is drawn this long (hover fades, tool tips, a held slider)
ANIMATE_SECONDS = 30.0  # the map's flows move this long after the last input, then rest until the mouse moves
ANIMATION_FPS = 30  # the flows' particles: smooth enough, half the CPU of 60
IDLE_WAKE = 1.0  # a still screen wakes once a second to look (a frame only if something changed)
EXPORT_FPS = 4  # the export's progress line blinks twice a second and counts seconds: 4 frames a second show
# it, and a whole frame (map, desk, end screen) redrawn 60 times a second would take the core the export needs


class GameApp:
    def __init__(self, session: Session, lang: str = "en", screen: pygame.Surface | None = None) -> None:
        self.session = session
        self.lang = lang
        self.screen = screen or pygame.display.get_surface()
        # the text size from the title's settings, larger on a window over 1920x1080 (view_scale)
        self.chosen_scale = ui_scale(load_settings(session.saves_dir))
        self.ui_scale = view_scale(self.chosen_scale, self.screen.get_size())
        self.L = Layout.of(self.screen.get_size(), self.ui_scale)  # every rectangle, from the window's real size
        self.fonts = Fonts(self.ui_scale)
        self.manager = pygame_gui.UIManager(self.L.size, gui_theme(self.ui_scale))
        self.manager.ui_scale = self.ui_scale  # the desk lays its rows out for it
        self.manager.ui_growth = growth(self.screen.get_size())  # and its fixed lengths (layout.growth)
        self.map = MapView(self.L.map, self.fonts)
        self.no_action = NoActionGames()  # every team's no-action game, shared by the charts and the end screen
        self.charts = Charts(self.L.left, self.fonts, self.no_action)
        self.charts_open = False  # the charts screen covers the map, chart and ticker (C or the top-bar button)
        self.why = WhyPanel(self.fonts)  # "Why?" for a clicked indicator
        self.why.RECT = self.L.overlay(800, 640)
        self.glossary = Glossary(self.fonts)  # hover cards and the full glossary (F1 / "?")
        self.glossary.RECT = self.L.overlay(800, 700, over_desk=True)  # drawn over the desk (draw)
        self.pointer: tuple[int, int] | None = None  # the mouse, for the glossary's hover cards
        self.focus: str | None = None  # the panel the keyboard acts on (Tab cycles; None until Tab)
        self.save_entry: UITextEntryLine | None = None  # the Esc menu's save name
        self.save_name = ""  # the name last saved under (offered again)
        self._replace: Path | None = None  # an existing save the player was warned about once
        self.index_rect = pygame.Rect(0, 0, 0, 0)  # the index in the top bar (a click asks why)
        self.t = 0.0
        self.last_input = 0.0  # self.t of the last event (the loop draws while recent, then sleeps)
        self.last_draw = -1.0
        self.exporting = None  # the debrief being written in the background (game/ui/exporter.py)
        self.running = True
        self.to_title = False  # the player asked for the title screen (Esc menu)
        self.end_buttons: dict = {}  # the end-of-term screen's buttons (shown once the last quarter is played)
        self.end = EndScreen(self.fonts, self.no_action)  # drawn once into a cache (game/ui/endscreen.py)
        self.end.growth = self.manager.ui_growth
        self.end_dismissed = False
        self.detail: str | None = None  # the firm whose detail panel is open (click a marker; Tab cycles)
        self.country_panel: str | None = None  # the country whose panel is open (click it on the map)
        self._country_fits: tuple = (None, True)  # (what COUNTRY_RECT measured, whether it fitted the map)
        self.report_path: Path | None = None  # the Markdown summary; the HTML debrief beside it:
        self.debrief_path: Path | None = None
        self.menu: UIPanel | None = None
        self.menu_buttons: dict = {}
        self.dialog: UIPanel | None = None
        self.dialog_close: UIButton | None = None
        self.toast = ("", 0.0)
        self.ticker_scroll = 0
        self.animate = True
        self.top_buttons: dict = {}
        self.desk: Desk | None = None
        self.forecasts: ForecastScheduler | None = None  # the rest of the term re-played as levers move
        self.lever_panel = LeverPanel(self.fonts)  # the preview of the lever under the mouse or the keyboard
        self.prefetch_plan: tuple | None = None  # the lever and desk the forecasts were last prefetched for
        self.chart_range: tuple | None = None  # ((world, team, turn), (low, high)): the index chart's y-range
        self.choice_script: list[int] = []  # answers given without asking (demos, tests)
        self.modal_hook = None  # called with (app, the dialog's buttons: {} behind a hand-over) on each frame
        # of a quarter paused at a question (tests post their click or key there)
        self._modal_manager: pygame_gui.UIManager | None = None  # the dialog's own widgets (kept between questions)
        self.asking: QuestionDialog | None = None  # the question the quarter is paused at, on the screen
        self.choice_lines: tuple[str, list[str]] = ("", [])  # the last question's outlook (tests read it)
        self.teacher = TeacherPanel(self, self.L.size)  # F2 / Esc menu: pause, events, rewind, score
        self.lesson = LessonPanel(self.fonts, pygame.Rect(16, self.L.top + 8, self.L.width - 32,
                                                          self.L.height - self.L.top - 16))  # L
        self.curtain: handover.Curtain | briefing.Briefing | None = None  # hides the game (hand-over, briefing)
        self.desks: dict[str, Desk] = {}  # one per hot-seat team; self.desk is the one at the desk
        self.team = 0  # index in session.humans of the team at the desk
        self.staged: dict[str, list] = {}  # Actions committed this quarter by the teams before it
        self.rebuild()
        if self.session.world.scenario.lesson is not None and self.session.world.turn == 0:
            self.show_briefing()

    # ------------------------------------------------------------------ (re)building
    def rebuild(self, relabel: bool = False) -> None:
        """Everything that depends on the world; with `relabel`, also every widget's text."""
        self.map.rebuild(self.session.world, self.lang)
        humans = self.session.humans
        if list(self.desks) != list(humans):  # a new game or a loaded save with other teams
            for desk in self.desks.values():
                desk.root.kill()
            self.desks = {code: Desk(self.manager, self.L.desk, self.session.view(code), self.lang) for code in humans}
            self.team, self.staged = 0, {}
        for desk in self.desks.values():
            if relabel:
                staged = dict(desk.values)
                desk.lang = self.lang
                desk.reset_from_model()
                desk.values.update({k: v for k, v in staged.items() if k in desk.values})
                desk.build()
            else:
                desk.new_turn()
        self.seat(self.team)
        if not relabel:  # the no-action games on to this turn now (a quarter after End Turn), not inside a frame
            self.no_action.catch_up(self.session.world, (PLAYER, *humans))
        if relabel or not self.top_buttons:
            for button in self.top_buttons.values():
                button.kill()
            other = "en" if self.lang == "ko" else "ko"
            self.top_buttons = {}
            items = [("menu", tr("ui.menu.button", self.lang), None, 104),
                     ("lang", tr(f"ui.lang.{other}", self.lang), None, 104),
                     ("charts", tr("ui.charts.button", self.lang), None, 104),
                     ("gloss", tr("ui.gloss.button", self.lang), tr("ui.gloss.title", self.lang) + " (F1)", 32)]
            if self.has_lesson:
                items.append(("lesson", tr("ui.lesson.button", self.lang), tr("ui.lesson.title", self.lang) + " (L)",
                              76))
            right = self.L.width - 6  # right to left, each as wide as its text needs (at least its old width)
            for key, text, tip, least in items:
                width = max(least, self.button_text_width(text) + 20)
                right -= width
                self.top_buttons[key] = UIButton(pygame.Rect(right, 5, width, self.L.top - 10), text,
                                                 manager=self.manager, tool_tip_text=tip)
                right -= 6
        self.ticker_lines = self._ticker_lines()
        if relabel and self.menu is not None:
            self.open_menu()
        if self.session.finished and not self.end_dismissed:
            self.open_end_screen()
        elif self.end_buttons:
            self.close_end_screen()

    @property
    def has_lesson(self) -> bool:
        """A lesson scenario that declares its question: the Lesson button and L open its panel."""
        lesson = self.session.world.scenario.lesson
        return lesson is not None and lesson.counterfactual is not None

    def button_text_width(self, text: str) -> int:
        """The width of a widget's text at the theme's font (what pygame_gui will draw)."""
        return self.fonts.font(15).size(text)[0]

    def set_language(self, lang: str) -> None:
        self.lang = lang
        self.manager.set_locale(lang)
        self.rebuild(relabel=True)

    # ------------------------------------------------------------------ actions of the player
    def end_turn(self) -> bool:
        desk = self.desk
        if self.session.finished:
            self.notify(tr("ui.game_over", self.lang))
            return False
        if self.teacher.paused or self.session.question is not None:
            return False
        actions, _, reason = desk.assess()
        if reason:
            self.notify(f"{tr('ui.desk.refused', self.lang)}: {in_language(reason, self.lang)}")
            return False
        humans = self.session.humans
        self.staged[humans[self.team]] = actions
        if self.team + 1 < len(humans):  # the next team's turn at the desk, behind a hand-over screen
            self.pass_to(self.team + 1)
            return True
        self.draw()  # the backdrop a question's dialog shows while the quarter waits for an answer
        staged, self.staged = self.staged, {}
        if self.session.end_turn(staged, pause=True) is None:
            self.ask_question()  # the quarter is paused at an event's question: the dialog is the loop's state
        else:
            self.after_quarter()
        return True

    def after_quarter(self) -> None:
        """The quarter is played: every desk from the model, the news from the top, and in a
        hot-seat game the first team's hand-over."""
        self.rebuild()
        self.ticker_scroll = 0
        if len(self.session.humans) > 1 and not self.session.finished:
            self.pass_to(0)

    # ------------------------------------------------------------------ a question the quarter is paused at
    def ask_question(self) -> None:
        """Show the question the quarter is paused at (`session.question`) as the loop's state: the
        chooser's team takes the seat behind a hand-over first in a hot-seat game, then the dialog
        (`game/ui/question.py`) answers through `answer`. Scripted answers (`choice_script`: demos,
        tests) are given at once, without a dialog."""
        session = self.session
        while session.question is not None and self.choice_script:
            event = next(e for e in session.world.scenario.events if e.id == session.question.event)
            session.answer(min(max(self.choice_script.pop(0), 0), len(event.choices) - 1))
        question = session.question
        if question is None:
            self.finish_quarter()
            return
        if self.forecasts is not None:  # the turn is moving on: a forecast running now is out of date,
            self.forecasts.close()  # and none starts from a quarter half played (update_forecast waits)
        event = next(e for e in session.world.scenario.events if e.id == question.event)
        humans = session.humans
        if len(humans) > 1 and question.chooser in humans and question.chooser != humans[self.team]:
            self.team = humans.index(question.chooser)  # the chooser's team takes the seat, behind a hand-over
            self.curtain = handover.handover(session.world, question.chooser, self.lang, "choice")
        code = question.chooser if question.chooser in session.world.countries else session.code
        self.choice_lines = self.choice_outlook(event, code)  # the stakes of each answer, judged once
        self.asking = QuestionDialog(event, self.lang, self.L.size, session.world, self.choice_lines,
                                     self._modal_manager_for, self.ui_scale)

    def _modal_manager_for(self, scale: float) -> pygame_gui.UIManager:
        """The event dialog's own UIManager at a text size (kept between questions: a new one
        loads its fonts again)."""
        if self._modal_manager is None or self._modal_manager.ui_scale != scale:
            self._modal_manager = pygame_gui.UIManager(self.L.size, gui_theme(scale))
            self._modal_manager.ui_scale = scale
        return self._modal_manager

    def answer(self, index: int) -> None:
        """The player's answer: the quarter goes on, to the next question or to its end."""
        if self.asking is not None:
            self.asking.close()
            self.asking = None
        self.session.answer(index)
        self.ask_question()

    def finish_quarter(self) -> None:
        """Every question answered: the quarter is closed (and autosaved) and the game goes on."""
        self.session.finish_turn()
        self.after_quarter()

    def drop_question(self) -> None:
        """The world the dialog asked about is gone (a rewind, a load): the dialog goes with it."""
        if self.asking is not None:
            self.asking.close()
            self.asking = None

    # ------------------------------------------------------------------ hot-seat teams, briefing, teacher
    def seat(self, team: int) -> None:
        """Team `team` at the desk: its desk shown, every other team's hidden."""
        self.team = team
        self.desk = self.desks[self.session.humans[team]]
        for desk in self.desks.values():
            if desk is self.desk and not self.end_buttons:
                desk.root.show()
            else:
                desk.root.hide()

    def pass_to(self, team: int, why: str = "desk") -> None:
        """The hand-over screen to `team`, which then has the desk."""
        self.seat(team)
        self.curtain = handover.handover(self.session.world, self.session.humans[team], self.lang, why)

    def show_briefing(self) -> None:
        self.curtain = briefing.Briefing(self.session.world.scenario, self.lang)

    def after_rewind(self) -> None:
        """The session went back to an earlier turn: every desk from the model, the first team."""
        self.drop_question()
        self.staged, self.end_dismissed = {}, False
        self.team = 0
        self.rebuild()
        if len(self.session.humans) > 1:
            self.pass_to(0)

    def undo_turn(self) -> bool:
        """Ctrl+Z / the Esc menu: back to the start of the quarter just played, the desk as it was
        then (`Session.rewind` re-plays the game's log to one turn earlier, so the AI and the
        events decide exactly as they did). One player only: with hot-seat teams the other
        teams' turns would be undone too, so the teacher's rewind (F2) does that."""
        session, lang = self.session, self.lang
        if len(session.humans) > 1:
            self.notify(tr("ui.undo.teams", lang), 6.0)
            return False
        if session.world.turn == 0:
            self.notify(tr("ui.undo.none", lang))
            return False
        if self.exporting is not None:  # the debrief reads this world: it is not replaced meanwhile
            self.notify(tr("ui.undo.exporting", lang), 6.0)
            return False
        turn = session.world.turn - 1
        try:
            session.rewind(turn)
        except ValueError as exc:
            self.notify(tr("ui.undo.failed", lang).format(problem=exc), 6.0)
            return False
        self.after_rewind()
        self.notify(tr("ui.undo.done", lang).format(date=quarter_name(session.world.start + turn, lang)), 6.0)
        return True

    def intercept(self, event) -> bool:
        """The teacher's panel, the pause and a curtain take input before the game: True when
        the event is theirs (none of it reaches the game's widgets)."""
        if event.type == pygame.KEYDOWN and event.key == pygame.K_F2 and not self.teacher.is_open:
            self.teacher.open()
            return True
        if self.teacher.is_open:
            self.teacher.handle(event)
            return True
        if self.teacher.paused:
            return True
        if self.curtain is not None:
            if self.curtain.handle(event):
                self.curtain = None
            return True
        if self.asking is not None:  # modal: nothing reaches the game while the quarter waits
            chosen = self.asking.handle(event)
            if chosen is not None:
                self.answer(chosen)
            return True
        if self.lesson.is_open:
            if self.lesson.handle(event):
                self.lesson.close()
            return True
        # "Why?" on a hidden score would show it: those clicks are swallowed
        return not self.teacher.score_shown and event.type == pygame.MOUSEBUTTONDOWN and (
            self.index_rect.collidepoint(event.pos) or self.L.chart.collidepoint(event.pos)
            or (self.charts_open and self.hidden_charts_rect.collidepoint(event.pos)))

    @property
    def hidden_charts_rect(self) -> pygame.Rect:
        """The lower half of the charts screen (prices, the index, its components), covered
        while the teacher hides the score."""
        mid = 36 if self.charts.paged and self.charts.page == 1 else self.charts.band_tops()[0]  # components page
        return pygame.Rect(self.L.left.x, self.L.left.y + mid, self.L.left.width, self.L.left.height - mid)

    def quick_save(self) -> None:
        try:
            path = self.session.save()
        except (OSError, SaveError) as exc:
            self.notify(f"{tr('ui.save_failed', self.lang)}: {exc}")
            return
        self.notify(f"{tr('ui.saved', self.lang)}: {path}")

    def quick_load(self) -> None:
        try:
            self.session.load()
        except SaveError as exc:
            self.notify(f"{tr('ui.load_failed', self.lang)}: {exc}")
            return
        self.team, self.staged = 0, {}
        self.rebuild()
        self.notify(f"{tr('ui.loaded', self.lang)}: {self.session.quick_path}")

    def notify(self, text: str, seconds: float = 4.0) -> None:
        self.toast = (text, self.t + seconds)

    # ------------------------------------------------------------------ menu and dialogs
    def open_menu(self) -> None:
        """The Esc menu, as wide as its longest item and with rows as tall as the text needs,
        shrunk to the window (1024x600 at 150% still shows every row)."""
        self.close_menu()
        other = "en" if self.lang == "ko" else "ko"
        items = [("resume", tr("ui.menu.resume", self.lang)), ("undo", tr("ui.menu.undo", self.lang)),
                 ("save", tr("ui.menu.save", self.lang)),
                 ("load", tr("ui.menu.load", self.lang)), ("lang", tr(f"ui.lang.{other}", self.lang)),
                 ("teacher", tr("ui.menu.teacher", self.lang)),
                 ("title", tr("ui.menu.title_screen", self.lang)), ("quit", tr("ui.menu.quit", self.lang))]
        line = self.fonts.font(15).get_linesize()
        title_h = self.fonts.font(15, True).get_linesize() + 6
        label_h = self.fonts.font(13).get_linesize() + 2
        entry_h = max(38, line + 8)
        save_block = label_h + 2 + entry_h + 16
        inner = min(max(276, max(self.button_text_width(text) for _, text in items) + 24), self.L.width - 64)
        row = min(max(48, line + 16), (self.L.height - 40 - title_h - 14 - save_block) // len(items))
        self.menu_row = (row, max(row - 8, line + 4), label_h, entry_h)
        height = title_h + 14 + row * len(items) + save_block
        rect = pygame.Rect(0, 0, inner + 44, height)
        rect.center = (self.L.width // 2, self.L.height // 2)
        self.menu = UIPanel(rect, manager=self.manager, starting_height=10, object_id="#menu")
        UILabel(pygame.Rect(10, 8, inner + 20, title_h), tr("ui.menu.title", self.lang), manager=self.manager,
                container=self.menu, object_id="#section")
        self.menu_buttons = {}
        for i, (key, label) in enumerate(items):
            button = UIButton(pygame.Rect(20, title_h + 14 + i * row, inner, self.menu_row[1]), label,
                              manager=self.manager, container=self.menu)
            self.menu_buttons[button] = key
        self._save_as_row(title_h + 14 + row * len(items) + 2, inner)

    def _save_as_row(self, y: int, inner: int) -> None:
        """Under the menu's buttons: a name and a Save button (saves/<name>.json); Enter in the
        field saves too."""
        _, _, label_h, entry_h = self.menu_row
        UILabel(pygame.Rect(20, y, inner, label_h), tr("ui.menu.save_as", self.lang), manager=self.manager,
                container=self.menu, object_id="#small")
        save_w = max(84, self.button_text_width(tr("ui.menu.save_named", self.lang)) + 24)
        self.save_entry = UITextEntryLine(pygame.Rect(20, y + label_h + 2, inner - save_w - 6, entry_h),
                                          manager=self.manager, container=self.menu)
        self.save_entry.set_text(self.save_name or f"{self.session.scenario_name}-{self.session.world.date}")
        button = UIButton(pygame.Rect(20 + inner - save_w, y + label_h + 2, save_w, entry_h),
                          tr("ui.menu.save_named", self.lang), manager=self.manager, container=self.menu)
        self.menu_buttons[button] = "save_as"

    def save_named(self, name: str) -> Path | None:
        """Save under a bare name in the saves folder; a path, a bad name or the settings file
        is refused with the reason, and an existing save is only replaced when asked twice."""
        name = name.strip()
        try:
            if not name or "/" in name or "\\" in name or name.endswith(".json"):
                raise SaveError(tr("ui.save_as.bare", self.lang))
            try:
                path = save_path(name, self.session.saves_dir)
            except SaveError:
                raise SaveError(tr("ui.save_as.bare", self.lang)) from None  # its own words, in the UI's language
            if name.lower() in ("settings", "quicksave") or name.lower().startswith("report-"):
                raise SaveError(tr("ui.save_as.reserved", self.lang).format(name=name))
        except SaveError as exc:
            self.notify(f"{tr('ui.save_failed', self.lang)}: {exc}", 6.0)
            return None
        if path.exists() and self._replace != path:
            self._replace = path
            self.notify(tr("ui.save_as.exists", self.lang).format(name=name), 6.0)
            return None
        try:
            self.session.save(path)
        except (OSError, SaveError) as exc:
            self.notify(f"{tr('ui.save_failed', self.lang)}: {exc}", 6.0)
            return None
        self._replace, self.save_name = None, name
        self.notify(f"{tr('ui.saved', self.lang)}: {path}")
        self.close_menu()
        return path

    # ------------------------------------------------------------------ end of term
    @property
    def END_RECT(self) -> pygame.Rect:
        return self.L.end

    def open_end_screen(self) -> None:
        """After the last quarter: the result of the team at the desk on its own objective
        (game/ui/endscreen.py); buttons to export a report, look at the map again, go to the title
        screen or quit."""
        self.close_end_screen()
        if self.desk is not None and self.desk.root is not None:
            self.desk.root.hide()
        self.end_buttons = endscreen.buttons(self.manager, self.END_RECT, self.lang)

    def close_end_screen(self) -> None:
        for button in self.end_buttons:
            button.kill()
        self.end_buttons = {}
        self.end.forget_backdrop()  # the map is live again; a later end screen paints it afresh
        if self.desk is not None and self.desk.root is not None:
            self.desk.root.show()

    def export_report(self, wait: bool = False) -> Path | None:
        """The Markdown summary now, and beside it the bilingual HTML debrief written in the
        background (game/ui/exporter.py: a child process; its real step is shown on the end
        screen and the window goes on answering), both for the team the end screen shows, on its
        own objective against its own no-action game. `wait`: until the debrief is written (tests)."""
        from game.ui.exporter import Export, export_errors

        if self.exporting is not None:
            self.notify(tr("ui.export.busy", self.lang))
            return self.report_path
        self.notify(tr("ui.end.writing", self.lang), 6.0)
        try:
            world, code, teams = self.session.world, self.end.code, list(self.session.humans)
            baselines = {c: self.no_action.history(world, c)
                         for c in dict.fromkeys((code, *teams)) if c in world.countries}
            self.report_path = export_report(world, self.session.scenario_name, self.session.saves_dir, self.lang,
                                             code, teams, baselines)
            head, _, tail = self.report_path.stem.rpartition(f"-{self.lang}")
            self.exporting = Export(self.session.world, self.session.scenario_name,
                                    self.report_path.with_name(f"{head}-debrief{tail}.html"), team=self.end.code)
        except export_errors() as exc:
            self.notify(f"{tr('ui.end.export_failed', self.lang)}: {exc}")
            return None
        if wait:
            self.exporting.wait()
            self.collect_export()
        return self.report_path

    def collect_export(self) -> None:
        """Once a frame: has the debrief been written? Then say where (or why not)."""
        job = self.exporting
        if job is None or not job.poll():
            return
        self.exporting = None
        if job.error is not None:
            self.notify(f"{tr('ui.end.export_failed', self.lang)}: {job.error}", 8.0)
            return
        from game.ui.exporter import team_page

        self.debrief_path = job.path
        written = f"{tr('ui.end.exported', self.lang)}: {job.path.resolve()}"
        if job.team is not None and job.team != PLAYER:  # the team's own page beside Korea's debrief
            written += f"; {tr('ui.end.team_page', self.lang)}: {team_page(job.path, job.team).name}"
        self.notify(written, 8.0)

    def _end_screen(self, screen) -> None:
        """The end-of-term screen over the game: blitted from its cache, drawn again only when
        something it shows has changed (game/ui/endscreen.py)."""
        self.end.draw(screen, self.session.world, self.lang, self.END_RECT, teams=list(self.session.humans),
                      team=self.team, score_shown=self.teacher.score_shown,
                      exporting=self.exporting, debrief_path=self.debrief_path, t=self.t)

    # what the end screen showed last, as the tests and the window's clicks read it
    @property
    def end_rows(self) -> list[tuple[pygame.Rect, str]]:
        return self.end.rows

    @property
    def end_versus(self) -> dict | None:
        return self.end.versus

    @property
    def term_plot(self) -> pygame.Rect | None:
        return self.end.term_plot

    @property
    def questions_rect(self) -> pygame.Rect | None:
        return self.end.questions_rect

    # ------------------------------------------------------------------ detail panel of a firm
    @property
    def DETAIL_RECT(self) -> pygame.Rect:
        """A firm's panel, bottom left of the map; taller with bigger text, never taller than the map."""
        w, h = round(330 * max(self.ui_scale, 1.0)), min(round(230 * self.ui_scale), self.L.map.height - 16)
        return pygame.Rect(self.L.map.x + 8, self.L.map.bottom - h - 8, w, h)

    @property
    def COUNTRY_RECT(self) -> pygame.Rect:
        """Like DETAIL_RECT, but on the side of the map away from the country; over the chart and
        the news too where the map alone is too short for the whole panel (1024x600 at 150%
        left out its firms, fabs and export controls)."""
        spec = self.map.geometry["countries"].get(self.country_panel or "", {})
        x = self.map.to_screen(spec["anchor"])[0] if spec else 0
        width = min(round(560 * max(self.ui_scale, 1.0) ** 0.5), self.L.map.width - 16)
        left = self.L.map.x + 8 if x > self.L.map.centerx else self.L.map.right - 8 - width
        rect = pygame.Rect(left, self.L.map.y + 8, width, self.L.map.height - 16)
        code, world = self.country_panel, self.session.world
        if code in world.countries:
            key = (code, world, world.turn, self.lang, rect.size)
            if self._country_fits[0] != key:
                self._country_fits = (key, countrypanel.fits(self.fonts, rect, world, code, self.lang))
            if not self._country_fits[1]:
                rect.height = self.L.left.bottom - rect.y - 8
        return rect

    def cycle_detail(self, step: int = 1) -> None:
        """Tab / Shift+Tab: the next firm's detail panel (map order: foundries, HBM, packaging,
        designers)."""
        names = [m.name for m in self.map.markers]
        if not names:
            return
        i = names.index(self.detail) + step if self.detail in names else (0 if step > 0 else -1)
        self.detail = names[i % len(names)]

    def detail_lines(self, name: str) -> list[str]:
        marker = next(m for m in self.map.markers if m.name == name)
        lines = self.map.tooltip_lines(marker)
        agent = self.session.world.by_name[name]
        if isinstance(getattr(agent, "yield_", None), float):
            lines.insert(3, f"{tr('ui.tip.yield', self.lang)}: {agent.yield_:.0%}")
        return lines

    def share_key(self, name: str) -> str:
        """The game/why.py key of a firm's market share."""
        market = {"foundry": "foundry", "hbm_maker": "hbm", "packager": "packaging", "designer": "accelerator"}
        return f"share:{market[self.session.world.by_name[name].kind]}:{name}"

    def share_series(self, name: str) -> list[float]:
        marker = next(m for m in self.map.markers if m.name == name)
        market = {"foundry": "foundry", "hbm_maker": "hbm", "packager": "packaging", "designer": "accelerator"}
        return [h["shares"][market[marker.kind]].get(name, 0.0) for h in self.session.world.history]

    def _detail(self, screen) -> None:
        if self.detail is None or not any(m.name == self.detail for m in self.map.markers):
            return
        rect, lang = self.DETAIL_RECT, self.lang
        pygame.draw.rect(screen, (12, 16, 24), rect, border_radius=6)
        pygame.draw.rect(screen, YELLOW, rect, 2, border_radius=6)
        y = rect.y + 8
        spark_h = round(32 * max(self.ui_scale, 1.0) ** 0.5)
        caption_top = rect.bottom - 12 - spark_h - self.fonts.font(11).get_linesize()
        for i, line in enumerate(self.detail_lines(self.detail)[:8]):
            label = self.fonts.fit(line, 15 if i == 0 else 13, YELLOW if i == 0 else TEXT, rect.width - 20, bold=i == 0)
            if y + label.get_height() > caption_top:  # big text in a short panel: the lines that fit
                break
            screen.blit(label, (rect.x + 10, y))
            if line.startswith(tr("ui.tip.yield", lang)):
                self.map.terms.append((label.get_rect(topleft=(rect.x + 10, y)), "yield"))
            y += label.get_height() + (3 if i == 0 else 0)
        series = self.share_series(self.detail)
        spark = pygame.Rect(rect.x + 10, rect.bottom - 12 - spark_h, rect.width - 20, spark_h)
        pygame.draw.rect(screen, (24, 32, 46), spark)
        caption = self.fonts.render(tr("ui.detail.trend", lang), 11, DIM)
        screen.blit(caption, (spark.x, spark.y - caption.get_height()))
        if len(series) >= 2:
            low, high = min(series), max(series)
            span = max(high - low, 0.02 * max(high, 1e-6), 1e-9)  # a flat share stays a flat line mid-box
            low = low - (span - (high - low)) / 2
            pts = [(spark.x + spark.width * i / (len(series) - 1),
                    spark.bottom - 2 - (spark.height - 4) * (v - low) / span)
                   for i, v in enumerate(series)]
            pygame.draw.lines(screen, YELLOW, False, pts, 2)
            last = self.fonts.render(f"{series[-1]:.1%}", 11, YELLOW)
            screen.blit(last, (spark.right - last.get_width(), spark.y - last.get_height()))
        hint = self.fonts.render(tr("ui.detail.hint", lang), 11, DIM)
        screen.blit(hint, (rect.right - hint.get_width() - 8, rect.y + 8))

    def close_menu(self) -> None:
        if self.menu is not None:
            self.menu.kill()
        self.menu = None
        self.menu_buttons = {}

    def choice_outlook(self, event, code: str) -> tuple[str, list[str]]:
        """The budget left this quarter, and for each answer its cost, the budget it leaves and
        the index a few quarters on against the answer that changes least (game/choice_preview.py)."""
        from game.choice_preview import stakes

        return stakes(self.session.world, code, event, self.lang)

    # ------------------------------------------------------------------ input
    def handle(self, event) -> None:
        if event.type == pygame.QUIT:
            self.running = False
            if self.session.question is not None:  # closing the window answers with the first choice:
                self.curtain = None  # the quarter is finished (and autosaved) before the game ends
                self.choice_script = [0] * len(self.session.world.scenario.events)
                self.answer(0)
            return
        if self.intercept(event):
            return
        if event.type == pygame.KEYDOWN and not self._typing():
            if event.key == pygame.K_ESCAPE:
                if self.dialog is not None:
                    self._close_dialog()
                elif self.glossary.open:
                    self.glossary.open = False
                elif self.why.is_open and self.menu is None:
                    self.why.close()
                elif self.charts_open and self.menu is None:
                    self.toggle_charts()
                elif (self.detail is not None or self.country_panel is not None) and self.menu is None:
                    self.detail = self.country_panel = None
                elif self.menu is None:
                    self.open_menu()
                else:
                    self.close_menu()
                return
            if self.end_buttons and self.menu is None and self.end_key(event.key):
                return
            if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE) and self.menu is None:
                if self.dialog is not None:
                    self._close_dialog()
                else:
                    self.end_turn()
                return
            if event.key == pygame.K_TAB and self.menu is None and not self.end_buttons:
                self.cycle_focus(-1 if event.mod & pygame.KMOD_SHIFT else 1)
                return
            if event.key in ARROWS and self.focus is not None and self.menu is None and not self.end_buttons:
                self.arrow(event.key)
                return
            if event.key == pygame.K_w and self.menu is None and not self.end_buttons:
                self.why.open(self.share_key(self.detail) if self.focus == "map" and self.detail else "index")
                return
            if event.key == pygame.K_F1:
                self.glossary.open = not self.glossary.open
                return
            if event.key == pygame.K_c and self.menu is None and not self.end_buttons:
                self.toggle_charts()
                return
            if event.key in (pygame.K_PAGEDOWN, pygame.K_PAGEUP) and self.charts_open:
                self.charts.flip_page(1 if event.key == pygame.K_PAGEDOWN else -1)
                return
            if event.key == pygame.K_l and self.menu is None and self.has_lesson:
                self.why.close()
                self.lesson.open()
                return
            if event.key == pygame.K_z and event.mod & pygame.KMOD_CTRL and self.menu is None:
                self.undo_turn()
                return
            if event.key == pygame.K_F5:
                self.quick_save()
                return
            if event.key == pygame.K_F9:
                self.quick_load()
                return
        if event.type == pygame.MOUSEMOTION:
            self.pointer = event.pos
            over_map = self.L.map.collidepoint(event.pos) and not self.charts_open and not self.why.is_open
            self.map.hover = self.map.marker_at(event.pos) if over_map else None
            self.map.pointer = event.pos if over_map else None
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and self.menu is None \
                and not self.end_buttons and self.click_indicator(event.pos):
            return
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and self.menu is None \
                and self.end_buttons and self.end_why(event.pos):
            return
        if event.type == pygame.MOUSEWHEEL and self.why.is_open:
            self.why.wheel(event.y)
            return
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and self.L.map.collidepoint(event.pos) \
                and self.menu is None and not self.end_buttons and not self.charts_open:
            marker = self.map.marker_at(event.pos)
            if marker is not None and marker.site:  # a foreign firm's fabs: the host's panel lists its fabs
                self.detail, self.country_panel = None, marker.country
            elif marker is not None:
                self.detail, self.country_panel = marker.name, None
            elif self.country_panel is not None and self.COUNTRY_RECT.collidepoint(event.pos):
                pass
            elif not (self.detail is not None and self.DETAIL_RECT.collidepoint(event.pos)):
                self.detail = None
                self.country_panel = self.map.country_at(event.pos)
        if event.type == pygame.MOUSEWHEEL and self.L.ticker.collidepoint(pygame.mouse.get_pos()):
            self.ticker_scroll = max(0, self.ticker_scroll - event.y)
        self.manager.process_events(event)
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            self._button(event.ui_element)
        if event.type == pygame_gui.UI_TEXT_ENTRY_FINISHED and self.menu is not None \
                and event.ui_element is self.save_entry:
            self.save_named(event.text)
        if self.desk is not None and self.menu is None and self.desk.process(event) == "end_turn":
            self.end_turn()

    # ------------------------------------------------------------------ keyboard focus
    def panels(self) -> list[str]:
        return ["charts", "desk"] if self.charts_open else ["map", "desk", "ticker", "chart"]

    def cycle_focus(self, step: int = 1) -> None:
        """Tab / Shift+Tab: the next panel has the keyboard (map, desk, news, index chart)."""
        panels = self.panels()
        i = panels.index(self.focus) + step if self.focus in panels else (0 if step > 0 else -1)
        self.focus = panels[i % len(panels)]
        self.notify(tr(f"ui.focus.{self.focus}", self.lang), 3.0)
        if self.focus == "desk" and self.desk is not None and self.desk.focused is None:
            self.desk.focus_step(1)

    def arrow(self, key: int) -> None:
        """Arrow keys act on the focused panel: firms on the map (Left/Right), the desk's sliders
        (Up/Down choose, Left/Right move), the news (Up/Down scroll)."""
        horizontal = {pygame.K_LEFT: -1, pygame.K_RIGHT: 1}.get(key, 0)
        vertical = {pygame.K_UP: -1, pygame.K_DOWN: 1}.get(key, 0)
        if self.focus == "map":
            self.cycle_detail(horizontal or vertical)
            self.country_panel = None
        elif self.focus == "desk" and self.desk is not None:
            if vertical:
                self.desk.focus_step(vertical)
            else:
                self.desk.nudge(horizontal)
        elif self.focus == "ticker":
            self.ticker_scroll = max(0, self.ticker_scroll + (vertical or horizontal))

    def _focus_ring(self, screen) -> None:
        rect = {"map": self.L.map, "desk": self.L.desk, "ticker": self.L.ticker, "chart": self.L.chart,
                "charts": self.L.left}.get(self.focus or "")
        if rect is None or self.end_buttons or self.menu is not None:
            return
        pygame.draw.rect(screen, FOCUS, rect.inflate(-2, -2), 3)
        slider = self.desk.focus_rect() if self.focus == "desk" and self.desk is not None else None
        if slider is not None:
            pygame.draw.rect(screen, FOCUS, slider, 2, border_radius=4)

    def toggle_charts(self) -> None:
        self.charts_open = not self.charts_open
        if self.focus is not None and self.focus not in self.panels():
            self.focus = self.panels()[0]
        self.why.close()
        self.map.hover = None

    def end_why(self, pos) -> bool:
        """On the end-of-term screen: a breakdown row opens Why? for that component, a team's tab
        shows that team's result; a click outside an open panel closes it. True when the click
        was used."""
        if self.why.is_open or self.glossary.open:  # over the screen's rows and buttons: theirs
            if self.why.is_open and not self.why.RECT.collidepoint(pos):
                self.why.close()
            if self.glossary.open and not self.glossary.RECT.collidepoint(pos):
                self.glossary.open = False
            return True
        team = self.end.tab_at(pos)
        if team is not None:
            self.seat(team)  # the team shown is the team at the desk: the top bar and the chart follow
            return True
        key = self.end.row_at(pos)
        if key is not None:
            self.why.open(key)
        return key is not None

    def end_key(self, key: int) -> bool:
        """The end screen's keys (EndScreen.key): Left/Right or a team's number for another team's
        result, Up/Down to a component, W or Enter for its Why?. True when the key was used."""
        if self.why.is_open or self.glossary.open:
            return False
        action = self.end.key(key, len(self.session.humans), self.team)
        if action is None:
            return False
        what, value = action
        if what == "team":
            self.seat(value)
        elif what == "why" and self.teacher.score_shown:  # Why? on a hidden score would show it
            self.why.open(value)
        return True

    def click_indicator(self, pos) -> bool:
        """A click on something that answers "Why?": the index in the top bar or its chart, a
        firm's share in the detail panel, a chart line; a click outside an open panel closes
        it. True when the click was used."""
        if self.why.is_open or self.glossary.open:
            if not self.why.RECT.collidepoint(pos) and not self.glossary.RECT.collidepoint(pos):
                self.why.close()
                self.glossary.open = False
            return True
        key = None
        if self.index_rect.collidepoint(pos):
            key = "index"
        elif self.charts_open and self.L.left.collidepoint(pos):
            key = self.charts.key_at(pos)
        elif self.L.chart.collidepoint(pos):
            key = "index"
        elif self.detail is not None and self.DETAIL_RECT.collidepoint(pos):
            key = self.share_key(self.detail)
        if key is None:
            return False
        self.why.open(key)
        return True

    def _typing(self) -> bool:
        focused = self.manager.get_focus_set()
        return bool(focused) and any(isinstance(e, pygame_gui.elements.UITextEntryLine) for e in focused)

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.kill()
        self.dialog = None

    def _button(self, element) -> None:
        if element is self.top_buttons.get("charts"):
            self.toggle_charts()
        elif element is self.top_buttons.get("lesson"):
            self.why.close()
            self.lesson.open()
        elif element is self.top_buttons.get("gloss"):
            self.glossary.open = not self.glossary.open
        elif element is self.top_buttons.get("menu"):
            self.close_menu() if self.menu is not None else self.open_menu()
        elif element is self.top_buttons.get("lang"):
            self.set_language("en" if self.lang == "ko" else "ko")
        elif element is self.dialog_close:
            self._close_dialog()
        elif element in self.end_buttons:
            key = self.end_buttons[element]
            if key == "export":
                self.export_report()
            elif key == "map":
                self.end_dismissed = True
                self.close_end_screen()
            elif key == "title":
                self.to_title = True
                self.running = False
            elif key == "quit":
                self.running = False
        elif element in self.menu_buttons:
            key = self.menu_buttons[element]
            if key == "resume":
                self.close_menu()
            elif key == "undo":
                self.close_menu()
                self.undo_turn()
            elif key == "teacher":
                self.close_menu()
                self.teacher.open()
            elif key == "save":
                self.quick_save()
            elif key == "save_as":
                self.save_named(self.save_entry.get_text())
            elif key == "load":
                self.close_menu()
                self.quick_load()
            elif key == "lang":
                self.set_language("en" if self.lang == "ko" else "ko")
            elif key == "title":
                self.to_title = True
                self.running = False
            elif key == "quit":
                self.running = False

    # ------------------------------------------------------------------ frame
    def update(self, dt: float) -> None:
        self.t += dt
        self.collect_export()
        self.manager.update(dt)
        self.teacher.update(dt)
        if self.asking is not None:
            if self.session.question is None:  # the teacher rewound the paused quarter away
                self.drop_question()
            else:
                self.asking.update(dt)
        self.update_forecast()

    # ------------------------------------------------------------------ forecast and lever preview
    def _baseline_world(self):
        """The no-action game's world (the charts' own), for the forecast to play to the end."""
        return self.no_action.run(self.session.world).world

    def update_forecast(self) -> None:
        """Ask for the forecast of what the desk has staged when it changes, collect finished
        runs (game.forecast: in a child process, so this costs well under a millisecond), and
        work out the preview of the lever under the mouse or the keyboard."""
        desk = self.desk
        stepped = desk is not None and desk.stepped  # a slider moved in this frame's events
        if desk is not None:
            desk.stepped = False
        if desk is None or self.session.finished or self.curtain is not None or self.session.question is not None:
            # (a quarter paused at a question is half played: no forecast starts from it)
            self.lever_panel.show(self.session.world, PLAYER, None, desk, None, self.lang)
            self.prefetch_for(None)
            return
        code = desk.session.code
        if self.forecasts is None or self.forecasts.code != code:
            if self.forecasts is not None:
                self.forecasts.close()
            self.forecasts = ForecastScheduler(lambda: self.session.world, code,
                                               self._baseline_world if code == PLAYER else None)
        forecasts = self.forecasts
        forecasts.poll()
        if desk.reason is None and staged_key(desk.actions) != forecasts.wanted:
            forecasts.submit(desk.actions)
        desk.set_forecast(forecasts.current() if desk.reason is None else None)  # prices new subsidies
        key = None
        if self.menu is None and not self.end_buttons and not self.why.is_open and not self.glossary.open \
                and not self.lesson.is_open:
            key = desk.lever_at(self.pointer) if self.pointer is not None else None
            if key is None and self.focus == "desk":
                key = desk.focused
        if not (stepped and key is not None and key == self.lever_panel.key):
            # a frame that took a step of the lever the panel shows (the desk's costs and labels
            # worked out again) leaves the panel's new text to the next frame: each half fits a
            # frame, together a drag's step overran 16 ms (bench_forecast.py section 2)
            self.lever_panel.max_width = self.L.desk.x - 12  # from the window's left edge to the desk
            self.lever_panel.show(self.session.world, code, key, desk, forecasts, self.lang)
        self.prefetch_for(key)

    def prefetch_for(self, key: str | None) -> None:
        """Have the scheduler forecast, in the background, the settings of the lever the preview
        shows (`key`: hovered or under the keyboard's focus), the rest of the desk as it stands, so
        that a drag finds them cached (game.forecast: after the desk's own runs, capped); `None`
        stops it. Asked again only when the lever or the rest of the desk changes (not at each step
        of its own slider: the bundles are the same), or when the scheduler dropped the plan (a new
        turn or world)."""
        forecasts, desk = self.forecasts, self.desk
        if forecasts is None:
            return
        world = self.session.world
        plan = None if key is None else (key, id(world), world.turn,
                                         tuple(sorted((k, v) for k, v in desk.values.items() if k != key)))
        if plan != self.prefetch_plan or forecasts.prefetch_lever != key:
            self.prefetch_plan = plan
            forecasts.prefetch(key, desk.prefetch_bundles(key) if key is not None else ())

    def frame(self, dt: float = 1 / 60) -> None:
        for event in pygame.event.get():
            self.handle(event)
        self.update(dt)
        self.draw()
        self.hook_question()

    def hook_question(self) -> None:
        """`modal_hook(app, buttons)` once a frame while the quarter waits at a question, after the
        frame is drawn: the dialog's buttons (index by button), or {} behind the hand-over."""
        if self.modal_hook is not None and self.session.question is not None:
            shown = self.asking is not None and self.curtain is None and not self.teacher.paused
            self.modal_hook(self, self.asking.buttons if shown else {})

    def draw(self) -> None:
        screen = self.screen
        cover = handover.pause(self.lang) if self.teacher.paused else self.curtain
        if cover is not None:  # opaque: nothing of the game (a team's desk) shows through
            cover.draw(screen, self.fonts)
            self.teacher.draw(screen)
            return
        if self.asking is not None:  # the quarter is half played: the dialog over the last frame shown
            self.asking.draw(screen)
            self.teacher.draw(screen)
            return
        if self.end_buttons:  # modal: the game under it painted once, shaded (EndScreen.backdrop)
            self.end.backdrop(screen, self._under_end_screen(), self._game)
            self._end_screen(screen)
            self.manager.draw_ui(screen)
            # Why? and the glossary (F1, "?") over the screen and its buttons: a click goes to them
            # first (end_why), and under the screen the glossary was hidden while it held the keys
            self.why.draw(screen, self.session.world, self.lang)
            self.glossary.draw_panel(screen, self.lang)
        else:
            self._game(screen)
            if not self.why.is_open and not self.glossary.open and self.map.hover is None:
                self.glossary.hotspots = [] if self.charts_open else self.map.terms
                self.glossary.draw_hover(screen, self.pointer, self.lang, self.L.left)
            self.why.draw(screen, self.session.world, self.lang)
            self.manager.draw_ui(screen)
            # over the desk's widgets: while it is open a click anywhere is its (click_indicator)
            self.glossary.draw_panel(screen, self.lang)
        self._focus_ring(screen)
        if self.lever_panel.key is not None and self.desk is not None:
            self.lever_panel.draw(screen, self.desk.row_rect(self.lever_panel.key), self.L.desk.x - 6, self.L.top + 6,
                                  self.L.height - 6)
        self.lesson.draw(screen, self.session.world, self.lang)  # over the desk's widgets: a modal panel
        self.teacher.draw(screen)
        text, until = self.toast
        if text and self.t < until:
            label = self.fonts.render(text[:140], 15, TEXT)
            box = label.get_rect(midtop=(self.L.map.centerx, self.L.map.y + 8)).inflate(20, 10)
            pygame.draw.rect(screen, (30, 40, 60), box, border_radius=6)
            pygame.draw.rect(screen, YELLOW, box, 1, border_radius=6)
            screen.blit(label, label.get_rect(center=box.center))

    def _game(self, screen) -> None:
        """The game itself: the map with its chart, news and panels, or the charts; the top bar."""
        screen.fill(BG)
        if self.charts_open:
            self.charts.draw(screen, self.session.world, self.lang)
            if not self.teacher.score_shown:
                screen.fill(BG, self.hidden_charts_rect)
                draw_hidden(screen, self.fonts, self.hidden_charts_rect, self.lang)
        else:
            self.map.draw(screen, self.t, self.animate)
            self._chart(screen)
            self._ticker(screen)
            self._detail(screen)
            if self.country_panel is not None:
                draw_country(screen, self.fonts, self.COUNTRY_RECT, self.session.world, self.country_panel, self.lang)
        self._top_bar(screen)

    def _under_end_screen(self) -> tuple:
        """What the game under the end screen shows (EndScreen.backdrop paints it again when this
        changes): the world and quarter, the language, the team in the top bar, the window and
        text size, the teacher's hiding of the score, and which view and panels are open. The map
        takes no input under the screen, so nothing else moves there."""
        world = self.session.world
        code = self.desk.session.code if self.desk is not None else PLAYER
        return (world, world.turn, self.lang, code, tuple(self.screen.get_size()), self.fonts.scale,
                self.teacher.score_shown, self.charts_open, self.detail, self.country_panel)

    def _top_bar(self, screen) -> None:
        world, lang = self.session.world, self.lang
        pygame.draw.rect(screen, PANEL, pygame.Rect(0, 0, self.L.width, self.L.top))
        pygame.draw.line(screen, YELLOW, (0, self.L.top - 1), (self.L.width, self.L.top - 1), 1)
        x = 12
        title = self.fonts.render(tr("title_ui", lang), 18, YELLOW, bold=True)
        # larger text or a narrow window: the window's caption keeps the title, the bar the numbers
        if self.chosen_scale <= 1.0 and self.L.width >= 1200 * self.ui_scale:
            screen.blit(title, (x, (self.L.top - title.get_height()) // 2))
            x += title.get_width() + 24
        if world.finished:
            when = tr("ui.top.over", lang)
        else:
            when = tr("ui.top.quarter", lang).format(date=quarter_name(world.now + 1, lang), turn=world.turn + 1,
                                                      turns=world.turns)
        code = self.desk.session.code if self.desk is not None else PLAYER
        if len(self.session.humans) > 1:
            when = f"{tr('ui.top.team', lang).format(country=country_name(world, code, lang))} - {when}"
        score = world.scores.get(code, 0.0)
        country = world.countries[code]
        letter = scoring.grade(world.scenario.score, score, code) if world.scenario.score else "-"
        index = f"{tr('korea_index' if code == PLAYER else 'ui.top.score', lang)} {score:.1f} ({letter})"
        budget = f"{tr('ui.top.budget', lang)} {money(country.budget_per_quarter, lang, country.currency)}"
        if world.difficulty.level != "normal":  # the budget shown is already the level's: name it beside
            level = difficulty_levels()[world.difficulty.level]
            budget += f" ({level.name_ko if lang == 'ko' else level.name_en})"
        parts = [when, index if self.teacher.score_shown else tr("ui.top.score_hidden", lang), budget]
        right = min((b.relative_rect.x for b in self.top_buttons.values()), default=self.L.width) - 10
        for i, part in enumerate(parts):
            # each part shrunk (the budget last, then shortened) rather than drawn under the buttons
            # (a lesson's extra button, a team's name, a narrow window, big text)
            room = right - x if i == len(parts) - 1 else max(right - x - 120 * (len(parts) - 1 - i), 60)
            label = self.fonts.fit(part, 15, YELLOW if i == 1 else TEXT, room, bold=i == 1)
            screen.blit(label, (x, (self.L.top - label.get_height()) // 2))
            if i == 1:
                self.index_rect = label.get_rect(topleft=(x, (self.L.top - label.get_height()) // 2)).inflate(8, 8)
                pygame.draw.line(screen, YELLOW, self.index_rect.bottomleft, self.index_rect.bottomright, 1)
            x += label.get_width() + 22

    def _chart(self, screen) -> None:
        rect, lang = self.L.chart, self.lang
        pygame.draw.rect(screen, PANEL, rect)
        pygame.draw.rect(screen, (50, 60, 76), rect, 1)
        if not self.teacher.score_shown:
            draw_hidden(screen, self.fonts, rect, lang)
            return
        world = self.session.world
        code = self.session.humans[self.team]  # in hot-seat games, the team at the desk sees its own score
        series = [s["score"].get(code, 0.0) for s in world.history] or [world.scores.get(code, 0.0)]
        country = world.countries[code]
        title = tr("ui.chart.title", lang) if code == PLAYER else \
            f"{tr('ui.top.team', lang).format(country=country.name_ko if lang == 'ko' else country.name_en)}" \
            f" - {tr('ui.top.score', lang)}"
        value_w = self.fonts.font(15, True).size(f"{series[-1]:.1f}")[0] + 16  # the score, right of the title
        head = self.fonts.fit(title, 15, TEXT, rect.width - 20 - value_w, bold=True)  # a long team name
        screen.blit(head, (rect.x + 10, rect.y + 6))
        # margins from the text they hold: the title above, the dates below, the grades to the left
        small = self.fonts.font(12).get_linesize()
        left = 10 + self.fonts.font(12).size("A")[0] + 4 + self.fonts.font(11).size("100")[0] + 6
        top = max(34, head.get_height() + 12)
        plot = pygame.Rect(rect.x + max(40, left), rect.y + top, rect.width - max(40, left) - 16,
                           rect.height - top - max(28, small + 8))
        pygame.draw.rect(screen, (14, 20, 30), plot)
        forecasts = self.forecasts if self.forecasts is not None and self.forecasts.code == code else None
        no_action = forecasts.no_action if forecasts is not None else None
        if no_action is None and code == PLAYER:  # Korea's no-action game, as far as it is played
            no_action = [h["score"].get(PLAYER, 0.0) for h in self.no_action.history(world)]
        results = []  # the rest of the term re-played (game.forecast), from the last quarter played
        if forecasts is not None and world.turn < world.turns:
            desk = self.desk
            staged = forecasts.latest() if desk is not None and desk.reason is None and desk.actions else None
            for name, result, colour, pattern in (("staged", staged, STAGED, None),
                                                  ("in_force", forecasts.in_force, IN_FORCE, (5, 4))):
                if result is not None and result.scores:
                    results.append((name, result.scores, colour, pattern))
        # the y-range fits every line drawn and only widens during a turn (per team): the lines
        # change only when a forecast arrives, and the scale then moves at most that once
        key = (id(world), code, world.turn)
        kept = self.chart_range[1] if self.chart_range is not None and self.chart_range[0] == key else None
        low, high = index_range([series, no_action or [], *(r[1] for r in results)], kept)
        self.chart_range = (key, (low, high))
        area = plot.copy()  # the lines' room: below the legend's row, so no line (nor the top value) runs under it
        area.top += 2 + small + 2 + self.fonts.font(11).get_linesize() // 2
        area.height = plot.bottom - area.top

        def y_of(v: float) -> float:
            return area.bottom - area.height * (min(max(v, low), high) - low) / (high - low)

        grades = [(g, y_of(v), v) for g, v in grade_bands(world, code) if low <= v <= high]
        for g, y, _ in grades:  # only the grade lines inside the range, with their letter and value
            pygame.draw.line(screen, (48, 58, 72), (plot.x, y), (plot.right, y), 1)
            label = self.fonts.render(g, 12, DIM)
            screen.blit(label, (rect.x + 10, y - label.get_height() // 2))
        marks = [(y, v) for _, y, v in grades]
        for v in index_ticks(low, high):  # the scale's ends and middle, where no grade already says it
            y = y_of(v)
            if all(abs(y - other) >= small for other, _ in marks):
                marks.append((y, v))
                if low < v < high:
                    pygame.draw.line(screen, (30, 38, 50), (plot.x, y), (plot.right, y), 1)
        for y, v in marks:
            value = self.fonts.render(f"{v:.0f}", 11, DIM)
            screen.blit(value, (plot.x - 4 - value.get_width(), y - value.get_height() // 2))
        turns = max(world.turns, 1)

        def xy(values, first: int = 0) -> list[tuple[float, float]]:  # values after turns first+1, first+2, ...
            return [(plot.x + plot.width * (first + i + 1) / turns, y_of(v)) for i, v in enumerate(values)]

        points = xy(series)
        ghost = xy(no_action or [])
        dashed(screen, BASE, ghost, 2, (8, 5))  # the no-action game, as on the charts screen
        self.chart_lines = {"no_action": ghost}
        legend = [(tr("ui.charts.baseline", lang), BASE, (8, 5), no_action)] if ghost else []
        anchor = points[-1:] if world.turn > 0 else []
        for name, scores, colour, pattern in results:  # the dashes drawn over the solid line: both show
            line = anchor + xy(scores, world.turn)
            self.chart_lines[name] = line
            if pattern:
                dashed(screen, colour, line, 2, pattern)
            elif len(line) >= 2:
                pygame.draw.lines(screen, colour, False, line, 3)
            legend.insert(1, (tr(f"ui.chart.{name}", lang), colour, pattern, scores))
        if len(points) >= 2:
            pygame.draw.lines(screen, YELLOW, False, points, 3)
        for p in points[-1:]:
            pygame.draw.circle(screen, YELLOW, (round(p[0]), round(p[1])), 5)
        x = plot.right - 4
        for text, colour, pattern, values in reversed(legend):  # right to left: each with its value at the end
            label = self.fonts.render(f"{text} {values[-1]:.1f}" if values else text, 12, colour)
            x -= label.get_width()
            screen.blit(label, (x, plot.y + 2))
            mid = plot.y + 2 + label.get_height() // 2
            if pattern:
                dashed(screen, colour, [(x - 24, mid), (x - 4, mid)], 2, pattern)
            else:
                pygame.draw.line(screen, colour, (x - 24, mid), (x - 4, mid), 3)
            x -= 34
        start = self.fonts.render(quarter_tick(world.start, lang), 12, DIM)
        end = self.fonts.render(quarter_tick(world.start + world.turns - 1, lang), 12, DIM)
        screen.blit(start, (plot.x, plot.bottom + 4))
        screen.blit(end, (plot.right - end.get_width(), plot.bottom + 4))
        if series:
            now = self.fonts.render(f"{series[-1]:.1f}", 15, YELLOW, bold=True)
            screen.blit(now, (rect.right - now.get_width() - 10, rect.y + 6))

    def _ticker_lines(self) -> list[tuple[str, tuple[int, int, int]]]:
        """This quarter's news: the player's refused Actions, events, Actions and mechanisms."""
        world, lang = self.session.world, self.lang
        width = self.L.ticker.width - 28
        entries: list[tuple[str, tuple[int, int, int]]] = []
        report = self.session.reports[-1] if self.session.reports else None
        if report is not None:
            for verdict in report.verdicts:
                if verdict.get("refused"):
                    kind = tr(f"lever.{verdict['action']['kind']}", lang)
                    entries.append((f"{tr('ui.desk.refused', lang)} - {kind}: {in_language(verdict['refused'], lang)}",
                                    (255, 138, 101)))
        causes = world.causes[-1] if world.turn > 0 else []
        order = {"event": 0, "action": 1, "mechanism": 2}
        colours = {"event": YELLOW, "action": (120, 190, 255), "mechanism": (200, 205, 212)}
        for cause in sorted(causes, key=lambda c: order.get(c["source"], 3)):
            if cause["source"] == "action" and cause["country"] not in (*self.session.humans, ""):
                continue
            text = (cause.get(lang) or cause.get("en", "")).rstrip().removesuffix(":")  # an event with no effects
            entries.append((text, colours.get(cause["source"], TEXT)))
        if not entries:
            entries.append((tr("ui.ticker.empty", lang), DIM))
        lines = []
        for text, colour in entries:
            for i, line in enumerate(self.fonts.wrap(text, 14, width)):
                lines.append((("• " if i == 0 else "  ") + line, colour))
        return lines

    def _ticker(self, screen) -> None:
        rect, lang = self.L.ticker, self.lang
        pygame.draw.rect(screen, PANEL, rect)
        pygame.draw.rect(screen, (50, 60, 76), rect, 1)
        world = self.session.world
        date = quarter_name(world.now if world.turn > 0 else world.start, lang)
        more_w = self.fonts.font(12).size(tr("ui.ticker.more", lang).format(n=99))[0] + 16
        head = self.fonts.fit(f"{tr('ui.ticker.title', lang)} - {date}", 15, TEXT, rect.width - 20 - more_w, bold=True)
        screen.blit(head, (rect.x + 10, rect.y + 6))
        y = rect.y + max(32, head.get_height() + 10)
        line_h = max(round(19 * self.ui_scale), self.fonts.font(14).get_linesize())
        room = (rect.bottom - 8 - y) // line_h
        lines = self.ticker_lines
        self.ticker_scroll = min(self.ticker_scroll, max(len(lines) - room, 0))
        shown = lines[self.ticker_scroll:self.ticker_scroll + room]
        for text, colour in shown:
            screen.blit(self.fonts.render(text, 14, colour), (rect.x + 10, y))
            y += line_h
        if len(lines) > room:
            more = self.fonts.render(tr("ui.ticker.more", lang).format(n=len(lines) - room - self.ticker_scroll),
                                     12, DIM)
            screen.blit(more, (rect.right - more.get_width() - 10, rect.y + 8))

    def close(self) -> None:
        """The game is finished with (quit, or back to the title): its world and the charts'
        no-action game are released from Mesa's agent-id registry (`World.close`)."""
        if self.forecasts is not None:
            self.forecasts.close()
        if self.exporting is not None:  # the player asked for it: finished before the game goes
            if not self.exporting.wait(60.0):
                self.exporting.cancel()
            self.collect_export()
        self.no_action.close()
        self.session.close()
        self.fonts.close()

    def screenshot(self, path: Path) -> None:
        self.draw()
        pygame.image.save(self.screen, str(path))

    # ------------------------------------------------------------------ pacing: no frame when nothing changes
    @property
    def animating(self) -> bool:
        """The map's flows move: on the map (nothing over it) and within ANIMATE_SECONDS of the
        last input; then they rest, and the first mouse move wakes them."""
        return (self.animate and not self.charts_open and not self.end_buttons and self.curtain is None
                and self.asking is None and self.menu is None and not self.teacher.paused and not self.teacher.is_open
                and not self.why.is_open and not self.glossary.open and not self.lesson.is_open
                and self.t - self.last_input < ANIMATE_SECONDS)

    def _look(self) -> tuple:
        """What a frame shows that can change without an event: the forecasts arriving from their
        worker, the lever under the pointer, a notice appearing or running out."""
        forecasts = self.forecasts
        runs = (id(forecasts.in_force), id(forecasts.newest), forecasts.no_action is None) if forecasts else ()
        text, until = self.toast
        return (runs, self.lever_panel.key, bool(text) and self.t < until, self.session.world.turn,
                id(self.asking), id(self.curtain))

    def next_frame_in(self) -> float:
        """Seconds the loop may sleep waiting for input before a frame is due."""
        if self.t - self.last_input < ACTIVE_SECONDS or self._typing() \
                or (self.forecasts is not None and (self.forecasts.busy or self.forecasts.prefetching)) \
                or (self.modal_hook is not None and self.session.question is not None):  # a test answers
            return 0.0
        wait = IDLE_WAKE
        if self.animating:
            wait = min(wait, 1 / ANIMATION_FPS - (self.t - self.last_draw))
        if self.exporting is not None:
            wait = min(wait, 1 / EXPORT_FPS - (self.t - self.last_draw))
        text, until = self.toast
        if text and until > self.t:
            wait = min(wait, until - self.t + 0.01)
        return max(wait, 0.0)

    def tick(self, dt: float) -> bool:
        """One pass of the loop: the queued events, update, and a new frame only when something
        may look different: an event, the second and a half after one (hover fades, tool tips, a
        held slider), the flows' next step, a forecast, a notice, or the export's progress line
        (EXPORT_FPS). True when a frame was drawn
        (the caller flips it)."""
        events = pygame.event.get()
        for event in events:
            self.handle(event)
        if events:
            self.last_input = self.t + dt
        before = self._look()
        self.update(dt)
        due = bool(events) or self.t - self.last_input < ACTIVE_SECONDS or before != self._look() \
            or (self.animating and self.t - self.last_draw >= 1 / ANIMATION_FPS - 0.002) \
            or self._typing() or (self.exporting is not None and self.t - self.last_draw >= 1 / EXPORT_FPS - 0.002)
        if due:
            self.draw()
            self.last_draw = self.t
        self.hook_question()
        return due

    def run(self) -> None:
        clock = pygame.time.Clock()
        while self.running:
            wait = self.next_frame_in()
            if wait > 0:
                sleep_until_input(wait)  # asleep until input or the next frame is due
            dt = clock.tick(60) / 1000  # at most 60 frames a second while busy
            if self.tick(dt):
                pygame.display.flip()


# ---------------------------------------------------------------------- entry point

class NoDisplay(Exception):
    """SDL cannot open a window here."""


def open_window(headless: bool = False, window: str | None = None) -> pygame.Surface:
    """The game's window, `window` a size setting ("1920x1080", "fullscreen"; None: 1280x800).
    Without a display SDL falls back to an invisible offscreen (or dummy) driver; an interactive
    game nobody can see is refused with NoDisplay rather than left running. Only a screenshot run
    is headless on purpose (tests build GameApp themselves)."""
    from game.ui.title import window_mode

    if headless and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    try:
        pygame.display.init()
        if not headless and pygame.display.get_driver() in ("offscreen", "dummy"):
            pygame.display.quit()
            raise NoDisplay("no display: SDL found no video device, only its invisible offscreen driver")
        pygame.font.init()
        size, flags = window_mode(window)
        if flags and pygame.display.get_driver() in ("offscreen", "dummy"):  # "full screen" on no screen:
            size, flags = SIZE, 0  # the default window
        screen = pygame.display.set_mode(size, flags)
    except pygame.error as exc:
        raise NoDisplay(str(exc)) from None
    pygame.display.set_caption(tr("title", "en") + " / " + tr("title", "ko"))
    return screen


def autoplay_strategy(code: str) -> str:
    """What `--autoplay` plays the first team's country with: Korea the seeds' Team Korea, another
    country its real programme (`default`) where the game gives it one, else nothing new."""
    from agents.controllers import strategy_names

    if code == PLAYER:
        return "team_korea"
    return "default" if "default" in strategy_names(code) else "laissez_faire"


def play(scenario: str = "baseline", seed: int = 7, lang: str = "en", autoplay: int = 0,
         screenshot: str | None = None, saves_dir: Path | None = None, humans: tuple[str, ...] = (PLAYER,),
         difficulty: str = "normal", window: str | None = None) -> int:
    """`python main.py play`: the desktop game; with `autoplay` and `screenshot`, N turns of the
    first team's country by a built-in strategy (`autoplay_strategy`) and a PNG of the window,
    without a person or (if there is no display) a window. Without either, the title screen comes
    first. `window`: `--size WxH` or "fullscreen" (`--fullscreen`), else the title's setting, else
    1280x800."""
    if not autoplay and not screenshot:
        return play_from_title(scenario, seed, lang, saves_dir, humans, difficulty, window)
    screen = open_window(headless=screenshot is not None, window=window)
    kwargs = {"saves_dir": saves_dir} if saves_dir is not None else {}
    strategy = autoplay_strategy(humans[0]) if autoplay else None
    session = Session(scenario, seed, ai=strategy, autosave=not screenshot, humans=humans,
                      difficulty=difficulty, **kwargs)
    app = GameApp(session, lang, screen)
    if autoplay:
        started = time.perf_counter()
        for _ in range(min(autoplay, session.world.turns)):
            session.end_turn([])
        session.world.governance.controllers[session.code] = session.player  # the player takes over
        app.rebuild()
        app.update(1.3)
        took = time.perf_counter() - started
        world, code = session.world, session.code
        index = index_name(world, code, "en")
        print(f"played {world.turn} turns with {strategy} in {took:.2f}s; {index} {world.scores.get(code, 0.0):.1f}")
    if screenshot:
        app.update(0.0)
        try:
            app.screenshot(Path(screenshot))
        except pygame.error as exc:  # the command line checked the folder; a full disk is still possible
            pygame.quit()
            raise OSError(f"--screenshot {screenshot}: cannot write: {exc}") from None
        print(f"wrote {screenshot} (video driver: {pygame.display.get_driver()})")
        app.close()
        pygame.quit()
        return 0
    app.run()
    app.close()
    pygame.quit()
    return 0


def start_game(choice: tuple, seed: int, saves_dir: Path, humans: tuple[str, ...] = (PLAYER,)) -> Session:
    """A Session for what the title screen returned: a new game ("new", scenario, language,
    difficulty; `humans`: the hot-seat teams of `play --humans`) or a loaded save, whose teams and
    difficulty come back with it (SaveError if the save cannot be used)."""
    if choice[0] == "new":
        return Session(choice[1], seed, saves_dir=saves_dir, humans=humans, difficulty=choice[3])
    session = Session("baseline", seed, saves_dir=saves_dir)
    try:
        session.load(Path(choice[1]))
    except BaseException:
        session.close()
        raise
    return session


def play_from_title(scenario: str = "baseline", seed: int = 7, lang: str = "en",
                    saves_dir: Path | None = None, humans: tuple[str, ...] = (PLAYER,),
                    difficulty: str = "normal", window: str | None = None) -> int:
    """`python main.py` / `play` without --autoplay: the title screen, then the game; the Esc
    menu's "Main menu" comes back here. The window: `window` if given, else the settings'."""
    from game.ui.title import TitleScreen, load_settings

    saves_dir = Path(saves_dir) if saves_dir is not None else Path("saves")
    screen = open_window(window=window or load_settings(saves_dir).get("window"))
    message = ""
    while True:
        title = TitleScreen(screen, lang, saves_dir, scenario, difficulty)
        title.message = message
        choice = title.run()
        screen = title.screen
        if choice[0] == "quit":
            break
        lang = choice[2]
        try:
            session = start_game(choice, seed, saves_dir, humans)
        except SaveError as exc:
            message = f"{tr('ui.load_failed', lang)}: {exc}"
            continue
        message = ""
        app = GameApp(session, lang, screen)
        if choice[0] == "new" and app.curtain is None:
            app.show_briefing()  # a campaign opens with its description and how to play
        app.run()
        app.close()
        lang = app.lang
        if not app.to_title:
            break
    pygame.quit()
    return 0
