"""The teacher's panel (F2, or the Esc menu): pause the class, trigger any event of the scenario
for discussion, rewind to the start of an earlier turn, show or hide the score.

It has a UIManager of its own, drawn over everything (the pause curtain included), so while it
is open no click or key reaches the game's widgets. Every control acts through the session:
an event is triggered through governance (logged, so saves re-play it) and a rewind re-plays
the game's log; pause and hiding the score change only what is drawn and accepted as input.
"""

from __future__ import annotations

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UILabel, UIPanel, UIScrollingContainer

from game.reasons import in_language
from game.text import quarter_name, tr
from game.ui.fonts import Fonts, gui_theme, shorten

WIDTH, HEIGHT = 1000, 620  # at 100%; wider with bigger text, never past the window
ROW = 36


class TeacherPanel:
    """At the window's text size (`app.ui_scale`, as the game's own widgets): a label or button
    whose box cannot grow shows `fonts.shorten`'s text, the whole text as its tool tip."""

    def __init__(self, app, size: tuple[int, int]) -> None:
        self.app = app
        self.size = size
        self.scale = getattr(app, "ui_scale", 1.0)
        self.W = min(round(WIDTH * max(self.scale, 1.0) ** 0.5), size[0] - 24)  # fits 1024x600
        self.H = min(round(HEIGHT * max(self.scale, 1.0) ** 0.5), size[1] - 24)
        self.manager = pygame_gui.UIManager(size, gui_theme(self.scale))
        self.fonts = Fonts(self.scale)  # the widgets' own font sizes (gui_theme), to shorten their text
        self.is_open = False
        self.paused = False
        self.score_shown = True
        self.message = ""
        self.buttons: dict = {}  # UIButton -> (what it does, its event id or turn)
        self.root: UIPanel | None = None

    # ------------------------------------------------------------------ opening
    def toggle(self) -> None:
        self.close() if self.is_open else self.open()

    def open(self) -> None:
        self.is_open = True
        self.build()

    def close(self) -> None:
        self.is_open = False
        if self.root is not None:
            self.root.kill()
        self.root = None
        self.buttons = {}

    def build(self) -> None:
        """Every widget from the session's state now, in the game's current language."""
        if self.root is not None:
            self.root.kill()
        app, lang, m = self.app, self.app.lang, self.manager
        m.set_locale(lang)
        session, world = app.session, app.session.world
        rect = pygame.Rect(0, 0, self.W, self.H)
        rect.center = (self.size[0] // 2, self.size[1] // 2)
        self.root = UIPanel(rect, manager=m, object_id="#menu")
        self.buttons = {}
        px = self.px
        UILabel(pygame.Rect(16, 8, self.W - 32, px(32)), tr("ui.teacher.title", lang), manager=m,
                container=self.root, object_id="#section")
        tops = [("pause", "ui.teacher.resume" if self.paused else "ui.teacher.pause"),
                ("score", "ui.teacher.show_score" if not self.score_shown else "ui.teacher.hide_score")]
        if world.scenario.lesson is not None:
            tops.append(("briefing", "ui.teacher.briefing"))
        tops.append(("close", "ui.teacher.close"))
        y = 8 + px(32) + 6
        width = min(px(186), (self.W - 32 - 10 * (len(tops) - 1)) // len(tops))
        for i, (key, text) in enumerate(tops):
            button = self._button(pygame.Rect(16 + i * (width + 10), y, width, px(38)), tr(text, lang), self.root,
                                  "#end_turn" if key == "pause" else None)
            self.buttons[button] = (key, None)
        y += px(38) + px(12)
        col = (self.W - 48) // 2
        row = px(ROW)
        lists = pygame.Rect(0, y + px(30), col + 8, self.H - px(74) - (y + px(30)))
        # events: one button each, its title in the current language and where it stands
        UILabel(pygame.Rect(16, y, col, px(28)), tr("ui.teacher.events", lang), manager=m, container=self.root,
                object_id="#section")
        events = UIScrollingContainer(lists.move(12, 0), manager=m, container=self.root, allow_scroll_x=False)
        for i, (event, status) in enumerate(session.events()):
            title = event.title_ko if lang == "ko" else event.title_en
            text = f"{title} - {tr(f'ui.teacher.{status}', lang)}" if status != "ready" else title
            button = self._button(pygame.Rect(4, i * row, col - 20, row - 4), text, events)
            if status != "ready" or world.finished:
                button.disable()
            self.buttons[button] = ("event", event.id)
        events.set_scrollable_area_dimensions((col - 12, len(world.scenario.events) * row))
        # rewind: the start of every earlier turn (re-played from the log, so every turn is reachable)
        x2 = 32 + col
        UILabel(pygame.Rect(x2, y, col, px(28)), tr("ui.teacher.rewind", lang), manager=m, container=self.root,
                object_id="#section")
        turns = UIScrollingContainer(lists.move(x2 - 4, 0), manager=m, container=self.root, allow_scroll_x=False)
        for turn in range(world.turn - 1, -1, -1):  # the latest first
            text = tr("ui.teacher.rewind_to", lang).format(date=quarter_name(world.start + turn, lang),
                                                           turn=turn + 1)
            button = self._button(pygame.Rect(4, (world.turn - 1 - turn) * row, col - 20, row - 4), text, turns)
            self.buttons[button] = ("rewind", turn)
        if world.turn == 0:
            UILabel(pygame.Rect(4, 0, col - 20, row), tr("ui.teacher.no_rewind", lang), manager=m, container=turns,
                    object_id="#small")
        turns.set_scrollable_area_dimensions((col - 12, max(world.turn, 1) * row))
        self.status = UILabel(pygame.Rect(16, self.H - px(66), self.W - 32, px(28)),
                              shorten(self.fonts.font(13), self.message, self.W - 44), manager=m, container=self.root,
                              object_id="#small")

    def px(self, value: float) -> int:
        """A length at 100% text at the panel's text size."""
        return round(value * self.scale)

    def _button(self, rect: pygame.Rect, text: str, container, object_id: str | None = None) -> UIButton:
        """A button whose text is shortened to its box (the whole text its tool tip where cut)."""
        shown = shorten(self.fonts.font(17 if object_id == "#end_turn" else 15, object_id == "#end_turn"), text,
                        rect.width - 16)
        return UIButton(rect, shown, manager=self.manager, container=container, object_id=object_id,
                        tool_tip_text=text if shown != text else None)

    # ------------------------------------------------------------------ input
    def handle(self, event) -> None:
        """Every event while the panel is open comes here (and nowhere else)."""
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE, pygame.K_F2):
            self.close()
            return
        self.manager.process_events(event)
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element in self.buttons:
            self.press(*self.buttons[event.ui_element])

    def press(self, key: str, value) -> None:
        app, lang = self.app, self.app.lang
        if key == "close":
            self.close()
            return
        if key == "pause":
            self.paused = not self.paused
        elif key == "score":
            self.score_shown = not self.score_shown
        elif key == "briefing":
            app.show_briefing()
            self.close()
            return
        elif key == "event":
            reason = app.session.trigger(value)
            event = next(e for e in app.session.world.scenario.events if e.id == value)
            title = event.title_ko if lang == "ko" else event.title_en
            self.message = in_language(reason, lang) or tr("ui.teacher.triggered", lang).format(title=title)
        elif key == "rewind":
            try:
                app.session.rewind(value)
            except ValueError as exc:
                self.message = str(exc)
            else:
                app.after_rewind()
                self.message = tr("ui.teacher.rewound", lang).format(
                    date=quarter_name(app.session.world.now + 1, lang))
        self.build()

    # ------------------------------------------------------------------ frame
    def update(self, dt: float) -> None:
        if self.is_open:
            self.manager.update(dt)

    def draw(self, screen: pygame.Surface) -> None:
        if self.is_open:
            shade = pygame.Surface(self.size, pygame.SRCALPHA)
            shade.fill((0, 0, 0, 150))
            screen.blit(shade, (0, 0))
            self.manager.draw_ui(screen)


def draw_hidden(screen: pygame.Surface, fonts, rect: pygame.Rect, lang: str) -> None:
    """What stands where the score would be while the teacher hides it."""
    text = fonts.render(tr("ui.score_hidden", lang), 16, (150, 162, 176))
    screen.blit(text, text.get_rect(center=rect.center))
