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
         "learning_curve", "bottleneck")
TEXT = (230, 234, 240)
DIM = (150, 162, 176)
YELLOW = (240, 228, 66)
BLUE = (86, 180, 233)


def card_lines(fonts, term: str, lang: str, width: int) -> list[tuple[str, int, tuple, bool]]:
    """(text, size, colour, bold) lines of one term's card, wrapped to `width` pixels."""
    lines = [(tr(f"ui.gloss.{term}.name", lang), 15, YELLOW, True)]
    lines += [(part, 14, TEXT, False) for part in fonts.wrap(tr(f"ui.gloss.{term}", lang), 14, width)]
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
        """Every term, two columns."""
        if not self.open:
            return
        rect = self.RECT
        pygame.draw.rect(screen, (12, 16, 24), rect, border_radius=8)
        pygame.draw.rect(screen, BLUE, rect, 2, border_radius=8)
        screen.blit(self.fonts.render(tr("ui.gloss.title", lang), 20, YELLOW, True), (rect.x + 16, rect.y + 10))
        hint = self.fonts.render(tr("ui.gloss.hint", lang), 12, DIM)
        screen.blit(hint, (rect.right - hint.get_width() - 14, rect.y + 16))
        width = (rect.width - 48) // 2
        columns = [rect.y + 46, rect.y + 46]
        for term in TERMS:
            col = 0 if columns[0] <= columns[1] else 1
            x, y = rect.x + 16 + col * (width + 16), columns[col]
            for text, size, colour, bold in card_lines(self.fonts, term, lang, width):
                label = self.fonts.render(text, size - 1, colour, bold)
                screen.blit(label, (x, y))
                y += label.get_height()
            columns[col] = y + 10
