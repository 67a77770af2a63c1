"""Sleeping until input: the loops of the title and the game wait here instead of drawing frames
nobody needs (issue 16: 60 frames a second on a still screen took 28-40% of a core).

`pygame.event.wait(timeout)` would be the obvious call, but SDL 2 implements it for the dummy
driver (and some others) by polling every millisecond, which alone costs 2-3% of a core; short
sleeps with a look at the queue between them cost a tenth of that and answer within 15 ms.
"""

from __future__ import annotations

import time

import pygame

POLL = 0.015  # seconds between looks at the event queue while asleep: under a frame at 60 Hz


def sleep_until_input(seconds: float) -> bool:
    """Sleep up to `seconds`, returning as soon as an event is queued (True) or at the end (False)."""
    end = time.perf_counter() + seconds
    while True:
        if pygame.event.peek():  # pumps the window system's events into the queue too
            return True
        left = end - time.perf_counter()
        if left <= 0:
            return False
        time.sleep(min(POLL, left))
