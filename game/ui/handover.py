"""Full-screen curtains that hide the game: the hand-over between hot-seat teams and the
teacher's pause.

A curtain is opaque on purpose: whatever the previous team staged on its desk must not be seen
by the next team, so nothing of the game is drawn under it (not a dimmed copy). A curtain is
dismissed by a key or a click (the hand-over) or only by the teacher (the pause).
"""

from __future__ import annotations

import pygame

from game.describe import country_name
from game.text import quarter_name, tr
from game.ui.fonts import Fonts

BG = (16, 22, 34)
TEXT = (230, 234, 240)
DIM = (150, 162, 176)
YELLOW = (240, 228, 66)


class Curtain:
    """An opaque screen with a headline, a line under it and a hint; `handle` says whether an
    event dismissed it."""

    dismissable = True

    def __init__(self, headline: str, line: str, hint: str) -> None:
        self.headline, self.line, self.hint = headline, line, hint

    def handle(self, event) -> bool:
        if not self.dismissable:
            return False
        return event.type == pygame.KEYDOWN or (event.type == pygame.MOUSEBUTTONUP and event.button == 1)

    def draw(self, screen: pygame.Surface, fonts: Fonts) -> None:
        screen.fill(BG)
        w, h = screen.get_size()
        band = pygame.Rect(0, h // 2 - 120, w, 240)
        pygame.draw.rect(screen, (24, 32, 48), band)
        pygame.draw.line(screen, YELLOW, band.topleft, band.topright, 2)
        pygame.draw.line(screen, YELLOW, band.bottomleft, band.bottomright, 2)
        head = fonts.render(self.headline, 44, YELLOW, bold=True)
        screen.blit(head, head.get_rect(center=(w // 2, band.y + 70)))
        line = fonts.render(self.line, 20, TEXT)
        screen.blit(line, line.get_rect(center=(w // 2, band.y + 138)))
        hint = fonts.render(self.hint, 16, DIM)
        screen.blit(hint, hint.get_rect(center=(w // 2, band.y + 196)))


def handover(world, code: str, lang: str, why: str = "desk") -> Curtain:
    """"Pass to team Japan": before a team's turn at the desk (`why` "desk") or before it
    answers an event (`why` "choice")."""
    name = country_name(world, code, lang)
    if why == "choice":
        line = tr("ui.handover.choice", lang).format(country=name)
    else:
        when = quarter_name(world.now + 1, lang)
        line = tr("ui.handover.desk", lang).format(country=name, date=when)
    return Curtain(tr("ui.handover.title", lang).format(country=name), line, tr("ui.handover.hint", lang))


def pause(lang: str) -> Curtain:
    curtain = Curtain(tr("ui.teacher.paused", lang), tr("ui.teacher.paused_line", lang),
                      tr("ui.teacher.paused_hint", lang))
    curtain.dismissable = False
    return curtain
