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

import html

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UILabel, UIPanel, UITextBox

from game.describe import describe_action
from game.text import tr
from game.ui.fonts import gui_theme

WIDTH, ROW = 700, 80  # the panel's least width and the height of one answer (button, its Actions, its outlook)
MAX_WIDTH = 900  # wider where the window has room: an answer's outlook is one long line
SHADE = (0, 0, 0, 170)


class QuestionDialog:
    """One question on the screen: `handle(event)` gives the index of the answer chosen (a click
    on its button or its number key), None otherwise."""

    def __init__(self, event, lang: str, size: tuple[int, int], world, outlook: tuple[str, list[str]],
                 manager: pygame_gui.UIManager | None = None) -> None:
        self.event = event
        self.size = size
        self.manager = manager or pygame_gui.UIManager(size, gui_theme())
        self.manager.set_locale(lang)
        self.backdrop: pygame.Surface | None = None  # the last frame shown, dimmed: taken at the first draw
        self.buttons: dict[UIButton, int] = {}
        self.panel = self._build(event, lang, world, outlook)

    def _build(self, event, lang: str, world, outlook: tuple[str, list[str]]) -> UIPanel:
        """The panel: kicker, title, text, budget line, then per answer its button, its Actions and its outlook."""
        manager, ko = self.manager, lang == "ko"
        budget_line, lines = outlook
        title, text = (event.title_ko, event.text_ko) if ko else (event.title_en, event.text_en)
        width = max(WIDTH, min(self.size[0] - 48, MAX_WIDTH))  # "... (+0.9 against 'Keep the centre's mix')"
        rect = pygame.Rect(0, 0, width, 156 + ROW * len(event.choices))
        rect.center = (self.size[0] // 2, self.size[1] // 2)
        panel = UIPanel(rect, manager=manager, object_id="#menu")
        UILabel(pygame.Rect(14, 8, width - 28, 30), tr("ui.event.decision", lang), manager=manager,
                container=panel, object_id="#small")
        UILabel(pygame.Rect(14, 34, width - 28, 30), title, manager=manager, container=panel, object_id="#section")
        UITextBox(html.escape(text), pygame.Rect(10, 64, width - 24, 56), manager=manager, container=panel,
                  object_id="#reason")
        UILabel(pygame.Rect(14, 122, width - 28, 24), budget_line, manager=manager, container=panel,
                object_id="#small")
        for i, choice in enumerate(event.choices):
            top = 150 + i * ROW
            label = f"{i + 1}. {choice.label_ko if ko else choice.label_en}"
            button = UIButton(pygame.Rect(14, top, width - 32, 34), label, manager=manager, container=panel)
            self.buttons[button] = i
            what = ", ".join(describe_action(a, lang, world) for a in choice.actions)
            UILabel(pygame.Rect(24, top + 34, width - 48, 20), what or tr("ui.event.no_action", lang),
                    manager=manager, container=panel, object_id="#small")
            UILabel(pygame.Rect(24, top + 54, width - 48, 20), lines[i], manager=manager, container=panel,
                    object_id="#small")
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
