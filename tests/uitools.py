"""Driving the desktop game from tests with real pygame events (posted to the queue, handled by
the next frame exactly as a player's would be)."""

from __future__ import annotations

import contextlib
import gc

import pygame


def post(event_type, **attrs) -> None:
    pygame.event.post(pygame.event.Event(event_type, **attrs))


QUESTION_FRAMES = 300  # frames a test waits for its hook (or conftest's) to answer a question


def answered(app) -> None:
    """Frames until the quarter the last input played is no longer paused at an event's question:
    the dialog is a state of the window's loop, answered by the test's `modal_hook` (or conftest's,
    which presses 1), as a player answers it while the loop runs."""
    session = getattr(app, "session", None)
    for _ in range(QUESTION_FRAMES):
        if session is None or session.question is None:
            return
        app.frame()
    raise AssertionError(f"the question {session.question} was not answered in {QUESTION_FRAMES} frames")


def press(app, key) -> None:
    post(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0)
    post(pygame.KEYUP, key=key, mod=0, unicode="", scancode=0)
    app.frame()
    answered(app)


def click(app, pos) -> None:
    post(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0))
    post(pygame.MOUSEBUTTONDOWN, pos=pos, button=1)
    app.frame()
    post(pygame.MOUSEBUTTONUP, pos=pos, button=1)
    app.frame()
    app.frame()  # pygame_gui posts UI_BUTTON_PRESSED to the queue: the next frame handles it
    answered(app)


def hold(app, pos, frames: int, dt: float = 0.05) -> None:
    """Press the mouse on `pos` and keep it down for a few frames (a slider's arrow repeats)."""
    post(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(1, 0, 0))
    post(pygame.MOUSEBUTTONDOWN, pos=pos, button=1)
    for _ in range(frames):
        app.frame(dt)
    post(pygame.MOUSEBUTTONUP, pos=pos, button=1)
    app.frame(dt)


@contextlib.contextmanager
def running_app(session, lang: str = "en"):
    """A GameApp for `session` on a window of the default size (headless when the test set
    SDL_VIDEODRIVER=dummy before importing pygame); the game is closed and pygame shut down after,
    so its fonts' files are released."""
    from game.ui.app import SIZE, GameApp

    pygame.init()
    game = GameApp(session, lang, pygame.display.set_mode(SIZE))
    try:
        yield game
    finally:
        game.close()
        gc.collect()  # the game's fonts freed while pygame runs: their files are closed
        pygame.quit()
