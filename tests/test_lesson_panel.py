"""The lesson panel of the desktop game (issue 17): L or the Lesson button in a lesson scenario
shows the lesson's key quantities, this game against its counterfactual, quarter by quarter, in
both languages; every cell is game/lesson_compare.py's (the text `sim --compare` prints), fits its
column, and the panel is a modal state (the game's keys do nothing while it is open)."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

from pathlib import Path

import pygame
import pytest
from uitools import click, press

from game.lesson_compare import compare_world
from game.lesson_text import blocks, text_table
from game.text import tr
from game.ui.app import SIZE, GameApp
from game.ui.session import Session

SHOTS = Path(os.environ.get("LESSON_SHOTS", ""))  # set to keep the panel's screenshots somewhere


def lesson_app(tmp_path, scenario: str, turns: int, lang: str = "en") -> GameApp:
    pygame.init()
    screen = pygame.display.set_mode(SIZE)
    session = Session(scenario, 7, ai="team_korea", saves_dir=tmp_path, autosave=False)
    for _ in range(turns):
        session.end_turn([])
    app = GameApp(session, lang, screen)
    app.curtain = None  # the lesson's briefing: a class has read it
    app.frame()
    return app


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(("scenario", "turns"), [("lesson_bottlenecks", 5), ("lesson_priming_water", 8)])
def test_l_opens_the_lesson_table_with_the_cells_sim_compare_prints(tmp_path, scenario, turns, lang):
    app = lesson_app(tmp_path, scenario, turns, lang)
    before = app.screen.copy()
    press(app, pygame.K_l)
    assert app.lesson.is_open
    comparison = compare_world(app.session.world)
    drawn = set(app.lesson.drawn)
    for block in blocks(comparison, lang):
        assert block.title in drawn and block.verdict in drawn
        for row in block.rows:
            assert {row[1], row[2], row[3]} <= drawn
        assert set(block.summary[1:]) <= drawn
    assert len(comparison.tables[0].game) == turns
    assert not app.lesson.overflow, f"cells wider than their column: {app.lesson.overflow}"
    assert pygame.image.tobytes(app.screen, "RGB") != pygame.image.tobytes(before, "RGB")
    # the same numbers as the terminal's table
    terminal = text_table(comparison, lang)
    assert all(cell in terminal for block in blocks(comparison, lang) for row in block.rows for cell in row[1:])
    if SHOTS.parts:
        app.screenshot(SHOTS / f"lesson_panel_{scenario}_{lang}.png")
    press(app, pygame.K_ESCAPE)
    assert not app.lesson.is_open and app.menu is None  # Esc closed the panel, not opened the menu
    app.close()
    pygame.quit()


def test_the_panel_is_modal_and_the_button_opens_it(tmp_path):
    app = lesson_app(tmp_path, "lesson_export_controls", 2)
    button = app.top_buttons["lesson"]
    assert button.text == tr("ui.lesson.button", "en")
    click(app, button.rect.center)
    assert app.lesson.is_open
    turn = app.session.world.turn
    press(app, pygame.K_RETURN)  # End Turn does nothing behind the panel
    press(app, pygame.K_c)
    assert app.session.world.turn == turn and not app.charts_open and app.lesson.is_open
    press(app, pygame.K_l)
    assert not app.lesson.is_open
    press(app, pygame.K_RETURN)
    assert app.session.world.turn == turn + 1
    press(app, pygame.K_l)  # a quarter more: the table follows the game
    assert len(app.lesson.comparison.tables[0].game) == turn + 1
    app.close()
    pygame.quit()


def test_before_the_first_quarter_the_panel_says_so_and_a_plain_game_has_no_panel(tmp_path):
    app = lesson_app(tmp_path, "lesson_procurement_chain", 0, "ko")
    press(app, pygame.K_l)
    assert tr("ui.lesson.none", "ko") in app.lesson.drawn
    press(app, pygame.K_l)
    app.close()
    pygame.quit()
    pygame.init()
    plain = GameApp(Session("baseline", 7, saves_dir=tmp_path, autosave=False), "en", pygame.display.set_mode(SIZE))
    plain.curtain = None
    plain.frame()
    press(plain, pygame.K_l)
    assert not plain.lesson.is_open and "lesson" not in plain.top_buttons
    plain.close()
    pygame.quit()
