"""An event's question as a state of the window's one loop (issues 16 and 18).

The quarter pauses in the model at the question (`World.answer` resumes it), so the window goes
on with its own loop meanwhile: `GameApp` hands this dialog the events (`handle`), lets it move
its widgets (`update`) and draws it (`draw`) instead of the game, until an answer comes back.
No event loop runs inside the turn.

What it shows: the event's title and text, the budget left this quarter, and one button per
answer (keys 1-9 too) with what the answer does, what it costs now, the budget it leaves and the
expected score a year on (`GameApp.choice_outlook`). The world is half-way through its quarter,
so nothing of it is drawn behind the dialog: the backdrop is the last frame the window showed
(the desk before End Turn, or the hand-over curtain), dimmed, under a UIManager of its own, so
the desk's widgets cannot be touched meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UILabel, UIPanel

from game.describe import describe_action
from game.text import tr
from game.ui.fonts import Fonts, gui_theme

WIDTH = 700  # the panel's least width (the window's, where that is narrower)
MAX_WIDTH = 900  # at 100%, wider where the window has room: an answer's outlook is one long line
LEAST_SCALE = 0.7  # the smallest text size a dialog too tall for the window steps down to
SHADE = (0, 0, 0, 170)


class QuestionDialog:
    """One question on the screen: `handle(event)` gives the index of the answer chosen (a click
    on its button or its number key), None otherwise.

    At the player's text size (`scale`, 100-150%): every line is wrapped to the panel's width at
    the theme's font for that size, and the panel is as tall as its lines; where the window is too
    short for it (many answers at 1024x600) the dialog takes a smaller size, a tenth at a time, down
    to LEAST_SCALE (70%: six answers at 1024x600 do not fit at 100%). `manager_for(scale)` gives
    the UIManager of a text size (the window keeps one per size between questions)."""

    def __init__(self, event, lang: str, size: tuple[int, int], world, outlook: tuple[str, list[str]],
                 manager_for: Callable[[float], pygame_gui.UIManager] | None = None, scale: float = 1.0) -> None:
        self.event = event
        self.size = size
        self.backdrop: pygame.Surface | None = None  # the last frame shown, dimmed: taken at the first draw
        self.buttons: dict[UIButton, int] = {}
        manager_for = manager_for or (lambda k: pygame_gui.UIManager(size, gui_theme(k)))
        self.scale = scale
        width, rows = self._rows(event, lang, world, outlook, self.scale)
        while self.scale > LEAST_SCALE and _height(rows) > size[1] - 16:
            self.scale = max(LEAST_SCALE, round(self.scale - 0.1, 2))
            width, rows = self._rows(event, lang, world, outlook, self.scale)
        self.manager = manager_for(self.scale)
        self.manager.set_locale(lang)
        self.panel = self._build(width, rows)

    def _rows(self, event, lang: str, world, outlook: tuple[str, list[str]], scale: float) -> tuple[int, list]:
        """The panel's width and its rows, top to bottom: (kind, text, object id, height, indent),
        each text wrapped to its width at the widgets' font for `scale` (gui_theme)."""
        ko = lang == "ko"
        budget_line, lines = outlook
        title, text = (event.title_ko, event.text_ko) if ko else (event.title_en, event.text_en)
        width = min(self.size[0] - 48, round(MAX_WIDTH * scale))  # "... (+0.9 against 'Keep the centre's mix')"
        width = max(width, min(WIDTH, self.size[0] - 16))
        measure = Fonts(scale)  # the widgets' own sizes (gui_theme): 15, the small ones 13

        def wrapped(kind: str, line: str, object_id: str, indent: int, size: int, bold: bool = False) -> list:
            room = width - 28 - indent - 8  # the label's own padding
            step = measure.font(size, bold).get_linesize() + 4
            return [(kind, part, object_id, step, indent) for part in measure.wrap(line, size, room, bold)]

        rows = wrapped("label", tr("ui.event.decision", lang), "#small", 0, 13)
        rows += wrapped("label", title, "#section", 0, 15, bold=True)
        rows += wrapped("label", text, "#body", 0, 13)
        rows += wrapped("label", budget_line, "#small", 0, 13)
        for i, choice in enumerate(event.choices):
            label = f"{i + 1}. {choice.label_ko if ko else choice.label_en}"
            rows.append(("button", label, None, measure.font(15).get_linesize() + 12, i))
            what = ", ".join(describe_action(a, lang, world) for a in choice.actions)
            rows += wrapped("label", what or tr("ui.event.no_action", lang), "#small", 10, 13)
            rows += wrapped("label", lines[i], "#small", 10, 13)
        return width, rows

    def _build(self, width: int, rows: list) -> UIPanel:
        """The panel `width` wide: its `rows` (`_rows`: kicker, title, text, budget line, then per
        answer its button, its Actions and its outlook), each line its own label (wrapped, so each
        has room for its text)."""
        manager = self.manager
        rect = pygame.Rect(0, 0, width, _height(rows))
        rect.center = (self.size[0] // 2, self.size[1] // 2)
        rect.top = max(rect.top, 8)
        panel = UIPanel(rect, manager=manager, object_id="#menu")
        y = 8
        for kind, text, object_id, height, extra in rows:
            if kind == "button":
                button = UIButton(pygame.Rect(14, y + 2, width - 32, height - 4), text, manager=manager,
                                  container=panel)
                self.buttons[button] = extra
            else:
                UILabel(pygame.Rect(14 + extra, y, width - 28 - extra, height), text, manager=manager,
                        container=panel, object_id=object_id)
            y += height
        return panel

    def handle(self, event) -> int | None:
        """The answer `event` gives (a number key 1-9, a click on an answer's button), or None."""
        count = len(self.buttons)
        if event.type == pygame.KEYDOWN and pygame.K_1 <= event.key < pygame.K_1 + min(count, 9):
            return event.key - pygame.K_1
        self.manager.process_events(event)
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element in self.buttons:
            return self.buttons[event.ui_element]
        return None

    def update(self, dt: float) -> None:
        self.manager.update(dt)

    def draw(self, screen: pygame.Surface) -> None:
        if self.backdrop is None:
            self.backdrop = screen.copy()
            shade = pygame.Surface(self.size, pygame.SRCALPHA)
            shade.fill(SHADE)
            self.backdrop.blit(shade, (0, 0))
        screen.blit(self.backdrop, (0, 0))
        self.manager.draw_ui(screen)

    def close(self) -> None:
        """The widgets go (the manager is kept by the app for the next question)."""
        self.panel.kill()
        self.manager.update(0.0)


def _height(rows: list) -> int:
    """A dialog's panel height for its rows (`QuestionDialog._rows`): 8 px above them, 14 under."""
    return 22 + sum(row[3] for row in rows)
