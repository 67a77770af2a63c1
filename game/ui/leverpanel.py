"""The lever preview beside the desk: hover a lever (or focus it with the keyboard) and see what it
acts through, when it first acts, its cost this quarter and over the rest of the term, and its
expected effect on each index component from the live forecast (game/lever_preview.py works all
of it out; this only lays it out).

The panel is drawn to the left of the desk, level with the lever's row, over the map and the news
but never over the index chart, so the chart's forecast lines stay in sight while a slider moves.
Its surface is built only when what it shows changes (the lever, its setting, a new forecast, the
language): a frame blits it.
"""

from __future__ import annotations

import pygame

from game import lever_preview

TEXT = (230, 234, 240)
DIM = (170, 180, 192)
YELLOW = (240, 228, 66)
UP = (143, 214, 148)
DOWN = (255, 138, 101)
TONES = {"head": YELLOW, "text": TEXT, "dim": DIM, "up": UP, "down": DOWN}
BG = (22, 30, 44)
BORDER = (240, 228, 66)
WIDTH = 390


class LeverPanel:
    def __init__(self, fonts) -> None:
        self.fonts = fonts
        self.key: str | None = None  # the lever shown
        self.lines: list[tuple[str, str]] = []  # the text shown (tests read it)
        self.title = ""
        self._made: tuple | None = None
        self._surface: pygame.Surface | None = None
        self.max_width: int | None = None  # the room left of the desk (the window's): the panel is no wider

    @property
    def text(self) -> str:
        """Everything the panel says, one line each (tests, accessibility)."""
        return "\n".join([self.title, *(t for t, _ in self.lines)])

    def show(self, world, code: str, key: str | None, desk, forecasts, lang: str) -> None:
        """Work out what the panel shows for `key` (None hides it); cheap when nothing changed."""
        if key is None:
            self.key, self._made = None, None
            return
        actions, reason = desk.actions, desk.reason
        in_force = forecasts.in_force if forecasts is not None else None
        staged = forecasts.latest() if forecasts is not None and reason is None and actions else None
        pending = forecasts is not None and forecasts.busy and bool(actions)
        # with other levers moved too, this lever's own effect: the bundle against the bundle
        # without its Actions (a forecast asked for behind the desk's own, cached by the scheduler)
        own = lever_preview.own_actions(actions, key)
        others = [a for a in actions if all(a is not mine for mine in own)]
        if not own:
            staged = None  # this lever is not moved: no effect of its own to show
        elif others and staged is not None:
            in_force = forecasts.ask(others)
            pending = pending or in_force is None
        made = (key, id(world), world.turn, lang, tuple(map(repr, actions)), reason, id(in_force), id(staged),
                desk.values.get(key), pending, self.max_width)
        if made == self._made:
            return
        self.key, self._made = key, made
        p = lever_preview.preview(world, code, key, actions)
        self.title = desk.lever_title(key)
        self.lines = lever_preview.lines(world, code, p, lang, in_force, staged, pending=pending and bool(own),
                                         refused=reason is not None, others=len(others) if own else 0)
        self._surface = self._render(self.fonts)

    def _render(self, fonts) -> pygame.Surface:
        width = round(WIDTH * fonts.scale)
        if self.max_width is not None:  # (1024x600 with the largest text: 585 px wide in 560 px of room)
            width = min(width, self.max_width)
        inner = width - 20
        rows: list[tuple[pygame.Surface, int]] = []
        for line in fonts.wrap(self.title, 15, inner, bold=True):
            rows.append((fonts.render(line, 15, YELLOW, bold=True), 0))
        for text, tone in self.lines:
            indent = len(text) - len(text.lstrip())
            size = 14 if tone != "dim" else 13
            for i, line in enumerate(fonts.wrap(text.strip(), size, inner - 14, bold=tone == "head")):
                rows.append((fonts.render(line, size, TONES[tone], bold=tone == "head"),
                             14 if indent or i else 0))
        height = sum(s.get_height() + 1 for s, _ in rows) + 16
        surface = pygame.Surface((width, height)).convert()
        surface.fill(BG)
        pygame.draw.rect(surface, BORDER, surface.get_rect(), 1, border_radius=4)
        y = 8
        for label, indent in rows:
            surface.blit(label, (10 + indent, y))
            y += label.get_height() + 1
        return surface

    def draw(self, screen: pygame.Surface, row: pygame.Rect | None, right: int, top: int, bottom: int) -> None:
        """The panel with its right edge at `right`, level with the lever's `row`, within
        `top`..`bottom`."""
        if self.key is None or self._surface is None:
            return
        surface = self._surface
        y = (row.centery - surface.get_height() // 3) if row is not None else top
        y = max(top, min(y, bottom - surface.get_height()))
        rect = surface.get_rect(topright=(right, y))
        screen.blit(surface, rect)
        if row is not None:  # a pointer from the panel to the lever
            pygame.draw.line(screen, BORDER, (rect.right, max(min(row.centery, rect.bottom - 6), rect.y + 6)),
                             (row.x, row.centery), 1)
        self.rect = rect
