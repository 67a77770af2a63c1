"""No frame when nothing changes (issue 16 item 7): a still screen is not redrawn or flipped
while no event arrives; input, a moving map or an arriving forecast bring frames back. The CPU
this saves is measured in benchmarks/bench_idle.py, not here."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import pygame
import pytest
from uitools import post, running_app

import game.ui.app as gameapp
from game.ui.session import Session


@pytest.fixture
def app(tmp_path):
    with running_app(Session("baseline", 7, saves_dir=tmp_path)) as game:
        game.choice_script = [0] * 20
        game.end_turn()
        if game.forecasts is not None:
            game.update(0.0)
            game.forecasts.wait()
        game.frame()
        yield game


def settle(app) -> None:
    """As if the last input was long ago, the forecasts done, the notices gone."""
    app.update(0.0)
    if app.forecasts is not None:
        app.forecasts.wait()
    app.update(0.0)
    app.toast = ("", 0.0)
    app.last_input = app.t - 60.0
    pygame.event.clear()


def test_a_still_screen_draws_nothing_until_an_event_arrives(app):
    app.toggle_charts()
    settle(app)
    draws = []
    real = app.draw
    app.draw = lambda: (draws.append(app.t), real())
    assert not any(app.tick(0.25) for _ in range(8)), "two seconds of nothing: no frame"
    assert draws == []
    assert app.next_frame_in() > 0.5, "and the loop may sleep"
    post(pygame.MOUSEMOTION, pos=(300, 300), rel=(1, 0), buttons=(0, 0, 0))
    assert app.tick(0.02) and len(draws) == 1, "input draws a frame at once"
    assert app.next_frame_in() == 0, "and frames follow while the pointer may be hovering"


def test_the_map_moves_for_a_while_after_input_then_rests(app):
    settle(app)
    app.last_input = app.t  # just touched
    assert app.animating
    assert app.tick(1 / 30 + 0.001), "the flows' next step is a frame"
    app.last_input = app.t - gameapp.ANIMATE_SECONDS - 1
    assert not app.animating and not app.tick(0.1), "at rest after half a minute without input"
    app.animate = False
    app.last_input = app.t
    app.tick(2.0)
    assert not app.animating, "animation switched off keeps the map still"


def test_the_main_loop_flips_no_frame_on_a_still_screen(app, monkeypatch):
    app.toggle_charts()
    settle(app)
    flips = []
    monkeypatch.setattr(pygame.display, "flip", lambda: flips.append(1))
    pygame.time.set_timer(pygame.QUIT, 1500, loops=1)
    app.run()
    assert len(flips) <= 1, f"{len(flips)} frames shown in 1.5 s without input (the QUIT itself may draw one)"
