"""Glossary: what HBM, a foundry, yield, CoWoS, CUDA lock-in, an export control, H100e... mean,
in both languages (strings `ui.gloss.<term>` and `ui.gloss.<term>.name`).

Two ways in: hovering a hotspot (a map legend entry, a bottleneck tag, a term in a panel; the
screens register the rectangles they draw a term in) shows that term's card beside the pointer;
the top-bar "?" button or F1 opens the whole glossary. pygame_gui 0.6's UILabel takes no tool
tip, so the cards are drawn natively, like the map's tooltips.
"""

from __future__ import annotations

import pygame

from game.text import tr

TERMS = ("hbm", "foundry", "wafer", "yield", "cowos", "accelerator", "cuda", "export_control", "h100e",
         "learning_curve", "bottleneck", "fab_abroad")
TEXT = (230, 234, 240)
DIM = (150, 162, 176)
YELLOW = (240, 228, 66)
BLUE = (86, 180, 233)


def card_lines(fonts, term: str, lang: str, width: int, smaller: int = 0) -> list[tuple[str, int, tuple, bool]]:
    """(text, size, colour, bold) lines of one term's card, wrapped to `width` pixels, `smaller`
    points under the usual sizes."""
    lines = [(tr(f"ui.gloss.{term}.name", lang), 15 - smaller, YELLOW, True)]
    lines += [(part, 14 - smaller, TEXT, False)
              for part in fonts.wrap(tr(f"ui.gloss.{term}", lang), 14 - smaller, width)]
    return lines


def draw_card(screen, fonts, term: str, lang: str, near, bounds: pygame.Rect, width: int = 360) -> pygame.Rect:
    """One term's card beside the point `near`, kept inside `bounds`; returns where it went."""
    lines = card_lines(fonts, term, lang, width)
    height = sum(fonts.render(t, s, c, b).get_height() for t, s, c, b in lines) + 14
    box = pygame.Rect(near[0] + 16, near[1] + 12, width + 20, height)
    box.clamp_ip(bounds)
    if box.collidepoint(near):
        box.bottom = near[1] - 8
        box.clamp_ip(bounds)
    pygame.draw.rect(screen, (12, 16, 24), box, border_radius=6)
    pygame.draw.rect(screen, BLUE, box, 2, border_radius=6)
    y = box.y + 7
    for text, size, colour, bold in lines:
        label = fonts.render(text, size, colour, bold)
        screen.blit(label, (box.x + 10, y))
        y += label.get_height()
    return box


class Glossary:
    """Hotspots (screen rect -> term) and the full glossary panel."""

    RECT = pygame.Rect(40, 64, 800, 700)

    def __init__(self, fonts) -> None:
        self.fonts = fonts
        self.open = False
        self.hotspots: list[tuple[pygame.Rect, str]] = []
        self._placed: dict[tuple, list] = {}

    def term_at(self, pos) -> str | None:
        if pos is None:
            return None
        return next((term for rect, term in self.hotspots if rect.collidepoint(pos)), None)

    def draw_hover(self, screen, pos, lang: str, bounds: pygame.Rect) -> str | None:
        """The card of the hotspot under the pointer, if any; returns its term."""
        term = self.term_at(pos)
        if term is not None:
            draw_card(screen, self.fonts, term, lang, pos, bounds)
        return term

    def draw_panel(self, screen, lang: str) -> None:
        """Every term, in two or three columns, as large as fits the panel."""
        if not self.open:
            return
        rect = self.RECT
        pygame.draw.rect(screen, (12, 16, 24), rect, border_radius=8)
        pygame.draw.rect(screen, BLUE, rect, 2, border_radius=8)
        screen.blit(self.fonts.render(tr("ui.gloss.title", lang), 20, YELLOW, True), (rect.x + 16, rect.y + 10))
        hint = self.fonts.render(tr("ui.gloss.hint", lang), 12, DIM)
        screen.blit(hint, (rect.right - hint.get_width() - 14, rect.y + 16))
        top = rect.y + 16 + max(hint.get_height(), self.fonts.font(20, True).get_linesize())
        key = (lang, tuple(rect), top)
        placed = self._placed.get(key)
        if placed is None:  # worked out once per language and panel (wrapping costs a few ms)
            for columns, smaller in self._arrangements(rect):  # the largest text that fits the panel
                placed = self._place(lang, rect, top, columns, smaller)
                if max(y for _, y, _ in placed) <= rect.bottom - 8:
                    break
            self._placed[key] = placed
        for x, y, lines in placed:
            for text, size, colour, bold in lines:
                label = self.fonts.render(text, size, colour, bold)
                y -= label.get_height()
            for text, size, colour, bold in lines:
                label = self.fonts.render(text, size, colour, bold)
                screen.blit(label, (x, y))
                y += label.get_height()

    def _arrangements(self, rect: pygame.Rect):
        """Two columns at the usual size first; then three where the panel is wide enough;
        then smaller text (a 1024x600 window at 150%)."""
        wide = rect.width >= round(900 * self.fonts.scale)
        for smaller in range(1, 8):
            yield 2, smaller
            if wide:
                yield 3, smaller

    def _place(self, lang: str, rect: pygame.Rect, top: int, columns: int, smaller: int) -> list:
        """[(x, bottom y, lines)] of each term's card, filling the shortest column each time."""
        width = (rect.width - 16 - 16 * columns) // columns
        heights = [top] * columns
        placed = []
        for term in TERMS:
            col = heights.index(min(heights))
            lines = card_lines(self.fonts, term, lang, width, smaller)
            y = heights[col] + sum(self.fonts.render(t, s, c, b).get_height() for t, s, c, b in lines)
            placed.append((rect.x + 16 + col * (width + 16), y, lines))
            heights[col] = y + 10
        return placed
