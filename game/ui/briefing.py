"""A lesson scenario's briefing and goals before the first quarter (a campaign's description and
how to play when a new game starts from the title), and a lesson's discussion questions on the
end-of-term screen, in the current language (scenario `[lesson]`).

The briefing is the teacher's script for the first two minutes, so it is a full screen that
waits for a key or a click rather than a corner panel students may skip past.
"""

from __future__ import annotations

import pygame

from game.text import tr
from game.ui.fonts import Fonts

BG = (14, 20, 30)
TEXT = (230, 234, 240)
DIM = (150, 162, 176)
YELLOW = (240, 228, 66)
MARGIN = 90


HOW_TO_PLAY = ("goal", "levers", "turn", "read", "keys")  # strings ui.howto.<item>: a new campaign's opening


READABLE = 0.76  # the least share of its size the text takes on one page before the goals get a page of their own
SMALLEST = 0.6  # the least it takes at all


class Briefing:
    """A lesson's title, briefing and goals; for a campaign without a lesson, its description and
    how to play (a new player's first screen). `handle` says whether an event dismissed it.

    One page, its text as large as fits above the hint; where that would set it under READABLE of
    its size (1024x600 at 150% text), two pages at the largest size both fit: the briefing, then
    the goals (each under the title), a key or a click turning the page."""

    def __init__(self, scenario, lang: str) -> None:
        self.scenario = scenario
        self.lang = lang
        self.page = 0  # of the two pages, where the briefing takes two
        self.pages = 1  # worked out at the first draw (it depends on the window and the text size)

    def handle(self, event) -> bool:
        if not (event.type == pygame.KEYDOWN or (event.type == pygame.MOUSEBUTTONUP and event.button == 1)):
            return False
        if self.page + 1 < self.pages:
            self.page += 1
            return False
        return True

    def draw(self, screen: pygame.Surface, fonts: Fonts) -> None:
        w, h = screen.get_size()
        hint = fonts.render(tr("ui.briefing.hint", self.lang), 16, DIM)
        room = h - 48 - hint.get_height()
        k, self.pages = self._layout(fonts, w, room)
        parts = ("text", "goals") if self.pages == 1 else (("text",), ("goals",))[self.page]
        if self.page + 1 < self.pages:
            hint = fonts.render(tr("ui.briefing.next", self.lang), 16, DIM)
        screen.fill(BG)
        pygame.draw.rect(screen, YELLOW, pygame.Rect(MARGIN - 30, 40, 6, h - 80))
        self._page(screen, fonts, w, k, parts)
        screen.blit(hint, hint.get_rect(bottomright=(w - MARGIN, h - 40)))

    def _layout(self, fonts: Fonts, w: int, room: int) -> tuple[float, int]:
        """(the share of its size the text takes, pages): one page at the largest share down to
        READABLE that fits `room`, else two at the largest down to SMALLEST that fits both (else
        SMALLEST, whatever runs past)."""
        shares = (1.0, 0.92, 0.84, READABLE, 0.68, SMALLEST)
        for k in shares[:shares.index(READABLE) + 1]:
            if self._page(None, fonts, w, k, ("text", "goals")) <= room:
                return k, 1
        for k in shares:
            if max(self._page(None, fonts, w, k, (part,)) for part in ("text", "goals")) <= room:
                return k, 2
        return SMALLEST, 2

    def _page(self, screen: pygame.Surface | None, fonts: Fonts, w: int, k: float,
              parts: tuple[str, ...] = ("text", "goals")) -> int:
        """Draw the title and `parts` (the briefing's text, its goals) with every text size times
        `k` (nothing drawn when `screen` is None); returns the y under the last line."""
        lesson, meta, ko = self.scenario.lesson, self.scenario.scenario, self.lang == "ko"
        width = w - 2 * MARGIN
        x, y = MARGIN, 50
        size = lambda v: max(round(v * k), 9)  # noqa: E731
        kicker = "ui.briefing.title" if lesson is not None else "ui.howto.kicker"
        label = fonts.render(tr(kicker, self.lang), size(16), DIM, bold=True)
        if screen is not None:
            screen.blit(label, (x, y))
        y += label.get_height() + 4
        y = _paragraph(screen, fonts, meta.title_ko if ko else meta.title_en, size(30), YELLOW, x, y, width,
                       bold=True)
        y += round(14 * k)
        if lesson is None:
            text, heading = meta.description_ko if ko else meta.description_en, "ui.howto.title"
            points = [tr(f"ui.howto.{item}", self.lang) for item in HOW_TO_PLAY]
        else:
            text, heading = lesson.briefing_ko if ko else lesson.briefing_en, "ui.briefing.goals"
            points = lesson.goals_ko if ko else lesson.goals_en
        if "text" in parts:
            y = _paragraph(screen, fonts, text, size(19), TEXT, x, y, width)
            y += round(22 * k)
        if "goals" in parts:
            label = fonts.render(tr(heading, self.lang), size(20), YELLOW, bold=True)
            if screen is not None:
                screen.blit(label, (x, y))
            y += label.get_height() + round(6 * k)
            for point in points:
                y = _paragraph(screen, fonts, point, size(17), TEXT, x, y, width, bullet=True) + round(6 * k)
        return y


def draw_questions(screen: pygame.Surface, fonts: Fonts, rect: pygame.Rect, lesson, lang: str) -> None:
    """The lesson's discussion questions inside `rect` (the end-of-term screen's hook); lines
    that do not fit are left out rather than drawn over the buttons."""
    y = rect.y
    head = fonts.fit(tr("ui.briefing.questions", lang), 17, TEXT, rect.width, bold=True)
    screen.blit(head, (rect.x, y))
    y += head.get_height() + 4
    step = fonts.font(14).get_linesize()  # the line height of the text size in use
    for i, question in enumerate(lesson.questions_ko if lang == "ko" else lesson.questions_en):
        lines = fonts.wrap(f"{i + 1}. {question}", 14, rect.width - 8)
        for j, line in enumerate(lines):
            if y + step > rect.bottom:
                return
            screen.blit(fonts.render(line if j == 0 else "   " + line, 14, TEXT), (rect.x + 4, y))
            y += step
        y += 4


def _paragraph(screen, fonts: Fonts, text: str, size: int, colour, x: int, y: int, width: int,
               bold: bool = False, bullet: bool = False) -> int:
    """Wrapped text from (x, y); returns the y under it (only measured when `screen` is None)."""
    indent = 22 if bullet else 0
    for i, line in enumerate(fonts.wrap(text, size, width - indent, bold)):
        surface = fonts.render(line, size, colour, bold)
        if screen is not None:
            if bullet and i == 0:
                screen.blit(fonts.render("•", size, YELLOW, bold=True), (x, y))
            screen.blit(surface, (x + indent, y))
        y += surface.get_height() + 2
    return y
