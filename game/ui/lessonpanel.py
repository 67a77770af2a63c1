"""The lesson panel (L, or the top bar's Lesson button, in a lesson scenario): the lesson's key
quantities quarter by quarter, this game against the lesson's counterfactual (issue 17).

The numbers are game/lesson_compare.py's `blocks`, the same text `sim --compare` prints and the
debrief shows, so the three cannot disagree; this only lays them out. On screen the quarters run
across (eight columns and a summary column) and each quantity takes three rows (this game, the
counterfactual, the difference), so a whole 8-quarter lesson fits without scrolling at the normal
text size. The comparison re-plays two short games (well under a second for 8 quarters); it is made
when the panel opens and again only when the turn, the log or the world changes.

A modal state with handle/draw like the other panels: while open it takes every event (the
game's keys do nothing), L, Esc or a click closes it, the wheel and Up/Down scroll.
"""

from __future__ import annotations

import pygame

from game.lesson_compare import Comparison, compare_world
from game.lesson_text import Block, blocks, headings, same_game_note
from game.text import quarter_name, tr
from game.ui.fonts import Fonts

BG = (12, 16, 24)
TEXT = (230, 234, 240)
DIM = (150, 162, 176)
YELLOW = (240, 228, 66)
GRID = (48, 58, 72)
OTHER = (170, 178, 190)  # the counterfactual: the no-action grey of the charts
HOLDS = (143, 214, 148)
DIFFERS = (255, 138, 101)
LABEL_W, SUMMARY_W, PAD = 210, 176, 18


class LessonPanel:
    """The key-quantity table over the window below the top bar."""

    def __init__(self, fonts: Fonts, rect: pygame.Rect) -> None:
        self.fonts = fonts
        self.rect = pygame.Rect(rect)
        self.is_open = False
        self.scroll = 0
        self.comparison: Comparison | None = None
        self.stamp: tuple | None = None
        self.overflow: list[str] = []  # cells that did not fit their column at the smallest size (tests)
        self.drawn: list[str] = []  # every text drawn in the last frame (tests)

    def open(self) -> None:
        self.is_open, self.scroll = True, 0

    def close(self) -> None:
        self.is_open = False

    def handle(self, event) -> bool:
        """One event while open; True when it closes the panel."""
        if event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_l, pygame.K_ESCAPE):
                return True
            if event.key in (pygame.K_UP, pygame.K_DOWN):
                self.scroll = max(0, self.scroll + (40 if event.key == pygame.K_DOWN else -40))
        elif event.type == pygame.MOUSEWHEEL:
            self.scroll = max(0, self.scroll - 40 * event.y)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            return True
        return False

    def compare(self, world) -> Comparison | None:
        """The comparison for the quarters played (None before the first), re-made only when the
        world, its turn or its log changed (a rewind, a load, a teacher's event)."""
        stamp = (world, world.turn, len(world.governance.log))
        if stamp != self.stamp:
            self.comparison = compare_world(world) if world.turn > 0 else None
            self.stamp = stamp
        return self.comparison

    # ------------------------------------------------------------------ drawing
    def _text(self, screen, text: str, size: int, colour, pos, width: int | None = None, bold: bool = False,
              right: bool = False) -> int:
        """Draw `text` at `pos`, shrunk (down to 10 px on screen) to fit `width`; returns its height."""
        surface = self.fonts.render(text, size, colour, bold)
        while width is not None and surface.get_width() > width and round((size - 1) * self.fonts.scale) >= 10:
            size -= 1
            surface = self.fonts.render(text, size, colour, bold)
        if width is not None and surface.get_width() > width:
            self.overflow.append(text)
            surface = self.fonts.fit(text, size, colour, width, bold)  # still too wide: shortened, not overlapping
        x, y = pos
        screen.blit(surface, (x + width - surface.get_width(), y) if right and width is not None else (x, y))
        self.drawn.append(text)
        return surface.get_height()

    def draw(self, screen: pygame.Surface, world, lang: str) -> None:
        if not self.is_open:
            return
        self.overflow, self.drawn = [], []
        rect = self.rect
        pygame.draw.rect(screen, BG, rect, border_radius=8)
        pygame.draw.rect(screen, YELLOW, rect, 2, border_radius=8)
        lesson_title = world.scenario.scenario.title_ko if lang == "ko" else world.scenario.scenario.title_en
        x, y, width = rect.x + PAD, rect.y + 12, rect.width - 2 * PAD
        y += self._text(screen, tr("ui.lesson.title", lang), 14, DIM, (x, y), width, bold=True)
        y += self._text(screen, lesson_title, 20, YELLOW, (x, y), width, bold=True) + 4
        comparison = self.compare(world)
        if comparison is None:
            self._text(screen, tr("ui.lesson.none", lang), 16, TEXT, (x, y + 10), width)
            self._hint(screen, lang)
            return
        head = headings(comparison, lang)
        for line in self.fonts.wrap(tr("ui.lesson.subtitle", lang).format(other=head[2]), 14, width):
            y += self._text(screen, line, 14, TEXT, (x, y), width)
        if comparison.same_game:
            for line in self.fonts.wrap(same_game_note(comparison, lang), 14, width):
                y += self._text(screen, line, 14, DIFFERS, (x, y), width)
        y += 8
        top = y
        body = pygame.Rect(rect.x + 2, top, rect.width - 4, rect.bottom - 30 - top)
        screen.set_clip(body)
        content = self._table(screen, blocks(comparison, lang), comparison, head, lang, x, top - self.scroll, width)
        screen.set_clip(None)
        self.scroll = max(0, min(self.scroll, content - (body.bottom - top)))
        self._hint(screen, lang, more=content - self.scroll > body.height)

    def _table(self, screen, table: list[Block], comparison: Comparison, head, lang: str, x: int, y: int,
               width: int) -> int:
        """The quarters across, three rows per quantity; returns the height drawn."""
        start = y
        quarters = comparison.tables[0].quarters
        n = max(len(quarters), comparison.scenario.scenario.turns, 1)  # columns that stay put as quarters come
        column = (width - LABEL_W - SUMMARY_W) // n
        cols = [x + LABEL_W + i * column for i in range(n)]
        summary_x = x + LABEL_W + n * column
        head_h = max(17, self.fonts.font(13, True).get_linesize())  # line heights of the text size in use
        row_h = max(21, self.fonts.font(14, True).get_linesize() + 1)
        note_h = max(14, self.fonts.font(12).get_linesize())
        # the heading: each quarter (year over quarter in Korean, which is long), then the summary
        for i, q in enumerate(quarters):
            name = quarter_name(q, lang)
            parts = name.split(" ", 1) if lang == "ko" else [name]
            for j, part in enumerate(parts):
                self._text(screen, part, 13, DIM, (cols[i], y + head_h * j), column - 8, bold=True, right=True)
        y += head_h * (2 if lang == "ko" else 1) + 4
        pygame.draw.line(screen, GRID, (x, y), (x + width, y))
        y += 6
        labels = (head[1], head[2], head[3])
        for block, qt in zip(table, comparison.tables, strict=True):
            title_h = self._text(screen, block.title, 16, YELLOW, (x, y), width - SUMMARY_W, bold=True)
            summary_lines = self.fonts.wrap(block.summary[0], 12, SUMMARY_W - 8)
            for k, line in enumerate(summary_lines[:2]):
                self._text(screen, line, 12, DIM, (summary_x, y + 2 + note_h * k), SUMMARY_W - 8, right=True)
            y += max(title_h, note_h * min(len(summary_lines), 2)) + 4
            holds = qt.holds
            for r, name in enumerate(labels):
                colour = (TEXT, OTHER, HOLDS if holds and not comparison.same_game else
                          DIFFERS if holds is False else DIM)[r]
                self._text(screen, name, 14, colour, (x + 10, y), LABEL_W - 16, bold=r == 0)
                for i, row in enumerate(block.rows):
                    self._text(screen, row[r + 1], 14, colour, (cols[i], y), column - 8, right=True, bold=r == 0)
                self._text(screen, block.summary[r + 1], 14, colour, (summary_x, y), SUMMARY_W - 8, right=True,
                           bold=True)
                y += row_h
            colour = HOLDS if holds and not comparison.same_game else DIFFERS if holds is False else DIM
            y += self._text(screen, block.verdict, 13, colour, (x + 10, y), width - 10) + 12
            pygame.draw.line(screen, GRID, (x, y - 6), (x + width, y - 6))
        return y - start

    def _hint(self, screen, lang: str, more: bool = False) -> None:
        hint = tr("ui.lesson.hint", lang) + (f"  ({tr('ui.lesson.more', lang)})" if more else "")
        label = self.fonts.fit(hint, 12, DIM, self.rect.width - 28)
        screen.blit(label, (self.rect.right - label.get_width() - 14, self.rect.bottom - label.get_height() - 6))
        self.drawn.append(hint)
