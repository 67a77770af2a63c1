"""Where each part of the game goes, computed from the window's real size and the text size.

The game used to draw a fixed 1280x800 picture that SDL stretched (black borders at 16:9, a
mouse that missed in full screen); now every screen asks a `Layout` for its rectangles, so a
1920x1080 window shows a bigger map and wider panels, and 1024x600 still fits. The proportions
are those of the 1280x800 design (at 100% text, 1280x800 gives exactly the old rectangles, which
the tests' pixel positions rely on); the desk and the top bar grow with the text, since their
rows are text.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from game.argtypes import MAX_WINDOW as MAX_SIZE  # noqa: F401  (the range, said once)
from game.argtypes import MIN_WINDOW as MIN_SIZE  # noqa: F401
from game.argtypes import parse_window as parse_size  # noqa: F401

DEFAULT_SIZE = (1280, 800)
WINDOW_SIZES = ("1024x600", "1280x800", "1600x900", "1920x1080", "fullscreen")  # the title's settings


def growth(size: tuple[int, int]) -> float:
    """How much larger than 1920x1080 a window is (the smaller of width / 1920 and height / 1080,
    at least 1): the layout's fixed lengths (a button's 44 px) are drawn for windows up to 1080p
    and grow by this on a 1440p or 4K screen, as the text does (title.view_scale)."""
    return max(1.0, min(size[0] / 1920, size[1] / 1080))


@dataclass(frozen=True)
class Layout:
    """The rectangles of the main screen for a window of `size` at text size `scale`."""

    size: tuple[int, int]
    scale: float
    top: int  # the height of the top bar
    map: pygame.Rect
    chart: pygame.Rect  # the index chart under the map
    ticker: pygame.Rect  # the news, beside the chart
    desk: pygame.Rect
    left: pygame.Rect  # map + chart + ticker (the charts screen covers it)
    end: pygame.Rect  # the end-of-term screen

    @classmethod
    def of(cls, size: tuple[int, int], scale: float = 1.0) -> Layout:
        w, h = size
        top = max(40, round(26 * scale) + 12)
        # the desk: 400 px at 1280 wide, wider with bigger text, never more than 45% of the window
        desk_w = min(max(round(w * 0.3125), round(300 * scale), 340), round(480 * max(scale, 1.0)), round(w * 0.45))
        left_w = w - desk_w
        body = h - top
        bottom = min(max(round(body * 260 / 760), round(190 * scale)), round(body * 0.45))
        chart_w = round(left_w * 430 / 880)
        mx, my = round(min(60, w * 0.047)), round(min(20, h * 0.025))
        return cls(
            size=(w, h), scale=scale, top=top,
            map=pygame.Rect(0, top, left_w, body - bottom),
            chart=pygame.Rect(0, h - bottom, chart_w, bottom),
            ticker=pygame.Rect(chart_w, h - bottom, left_w - chart_w, bottom),
            desk=pygame.Rect(left_w, top, desk_w, body),
            left=pygame.Rect(0, top, left_w, body),
            end=pygame.Rect(mx, top + my, w - 2 * mx, h - top - 2 * my),
        )

    @property
    def width(self) -> int:
        return self.size[0]

    @property
    def height(self) -> int:
        return self.size[1]

    def overlay(self, width: int, height: int, over_desk: bool = False) -> pygame.Rect:
        """A panel drawn over the map (Why?, the glossary): its preferred size, made to fit with a
        margin the map's side of the window (Why?, drawn under the desk's widgets, which stay in
        view beside it: at 1024x600 or large text its 800 px ran under the desk, lines cut), or
        the window (`over_desk`: the glossary, a reference sheet drawn over the desk too), placed
        near the top left as before."""
        room = self.width - 80 if over_desk else self.left.width - 56
        grow = growth(self.size)  # a window over 1080p: its text is larger by this (title.view_scale)
        w = min(round(width * grow * max(self.scale / grow, 1.0) ** 0.5), room)
        h = min(round(height * grow), self.height - self.top - 44)
        return pygame.Rect(40, self.top + 24, w, h)

    def centred(self, width: int, height: int, margin: int = 12) -> pygame.Rect:
        """A dialog of at most `width` x `height`, shrunk to the window, in its middle."""
        rect = pygame.Rect(0, 0, min(width, self.width - 2 * margin), min(height, self.height - 2 * margin))
        rect.center = (self.width // 2, self.height // 2)
        return rect
