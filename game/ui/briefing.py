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


class Briefing:
    """A lesson's title, briefing and goals; for a campaign without a lesson, its description and
    how to play (a new player's first screen). `handle` says whether an event dismissed it."""

    def __init__(self, scenario, lang: str) -> None:
        self.scenario = scenario
        self.lang = lang

    def handle(self, event) -> bool:
        return event.type == pygame.KEYDOWN or (event.type == pygame.MOUSEBUTTONUP and event.button == 1)

    def draw(self, screen: pygame.Surface, fonts: Fonts) -> None:
        lesson, meta, ko = self.scenario.lesson, self.scenario.scenario, self.lang == "ko"
        screen.fill(BG)
        w, h = screen.get_size()
        pygame.draw.rect(screen, YELLOW, pygame.Rect(MARGIN - 30, 40, 6, h - 80))
        width = w - 2 * MARGIN
        x, y = MARGIN, 50
        kicker = "ui.briefing.title" if lesson is not None else "ui.howto.kicker"
        screen.blit(fonts.render(tr(kicker, self.lang), 16, DIM, bold=True), (x, y))
        y += 28
        y = _paragraph(screen, fonts, meta.title_ko if ko else meta.title_en, 30, YELLOW, x, y, width, bold=True)
        y += 14
        if lesson is None:
            text, heading = meta.description_ko if ko else meta.description_en, "ui.howto.title"
            points = [tr(f"ui.howto.{item}", self.lang) for item in HOW_TO_PLAY]
        else:
            text, heading = lesson.briefing_ko if ko else lesson.briefing_en, "ui.briefing.goals"
            points = lesson.goals_ko if ko else lesson.goals_en
        y = _paragraph(screen, fonts, text, 19, TEXT, x, y, width)
        y += 22
        screen.blit(fonts.render(tr(heading, self.lang), 20, YELLOW, bold=True), (x, y))
        y += 34
        for point in points:
            y = _paragraph(screen, fonts, point, 17, TEXT, x, y, width, bullet=True) + 6
        hint = fonts.render(tr("ui.briefing.hint", self.lang), 16, DIM)
        screen.blit(hint, hint.get_rect(bottomright=(w - MARGIN, h - 40)))


def draw_questions(screen: pygame.Surface, fonts: Fonts, rect: pygame.Rect, lesson, lang: str) -> None:
    """The lesson's discussion questions inside `rect` (the end-of-term screen's hook); lines
    that do not fit are left out rather than drawn over the buttons."""
    y = rect.y
    screen.blit(fonts.render(tr("ui.briefing.questions", lang), 17, TEXT, bold=True), (rect.x, y))
    y += 28
    for i, question in enumerate(lesson.questions_ko if lang == "ko" else lesson.questions_en):
        lines = fonts.wrap(f"{i + 1}. {question}", 14, rect.width - 8)
        for j, line in enumerate(lines):
            if y + 20 > rect.bottom:
                return
            screen.blit(fonts.render(line if j == 0 else "   " + line, 14, TEXT), (rect.x + 4, y))
            y += 19
        y += 4


def _paragraph(screen, fonts: Fonts, text: str, size: int, colour, x: int, y: int, width: int,
               bold: bool = False, bullet: bool = False) -> int:
    """Wrapped text from (x, y); returns the y under it."""
    indent = 22 if bullet else 0
    for i, line in enumerate(fonts.wrap(text, size, width - indent, bold)):
        if bullet and i == 0:
            screen.blit(fonts.render("•", size, YELLOW, bold=True), (x, y))
        surface = fonts.render(line, size, colour, bold)
        screen.blit(surface, (x + indent, y))
        y += surface.get_height() + 2
    return y
