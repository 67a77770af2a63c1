"""Undo of the last turn for a single player (issue 16 item 7): Ctrl+Z or the Esc menu's item
takes the game back to the start of the quarter just played (Session.rewind), the desk as it
was; a game of several teams refuses (the teacher's rewind is for that)."""

from __future__ import annotations

import gc
import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import pygame
import pytest
from uitools import click, hold, post, press

from game.text import tr
from game.ui.app import SIZE, GameApp
from game.ui.session import Session


@pytest.fixture
def screen():
    pygame.init()
    yield pygame.display.set_mode(SIZE)
    gc.collect()  # the games' fonts freed while pygame runs: their files are closed
    pygame.quit()


def ctrl_z(app) -> None:
    post(pygame.KEYDOWN, key=pygame.K_z, mod=pygame.KMOD_LCTRL, unicode="\x1a", scancode=0)
    app.frame()


def test_ctrl_z_undoes_the_last_turn_and_the_menu_item_the_one_before(tmp_path, screen):
    app = GameApp(Session("baseline", 7, saves_dir=tmp_path), "en", screen)
    app.choice_script = [0] * 20
    app.frame()
    app.end_turn()
    after_one = app.session.world.history[-1]
    app.desk.open_lever("rd_grant")
    app.frame()
    hold(app, app.desk.slider("rd_grant:Rebellions").right_button.rect.center, frames=6)
    assert app.desk.values["rd_grant:Rebellions"] > 0
    press(app, pygame.K_RETURN)
    world = app.session.world
    assert world.turn == 2 and world.countries["KOR"].policy.rd_grants
    ctrl_z(app)
    world = app.session.world
    assert world.turn == 1, "back to the start of the second quarter"
    assert world.history[-1] == after_one, "the first quarter exactly as it was played"
    assert not world.countries["KOR"].policy.rd_grants, "the grant of the undone turn is gone"
    assert app.desk.values["rd_grant:Rebellions"] == 0, "the desk shows the programmes in force then"
    assert not [e for e in world.governance.log if e["turn"] >= 2], "nothing of the undone turn is logged"
    assert app.toast[0] == tr("ui.undo.done", "en").format(date="2025Q2")
    press(app, pygame.K_ESCAPE)
    undo = next(b for b, key in app.menu_buttons.items() if key == "undo")
    click(app, undo.rect.center)
    assert app.session.world.turn == 0 and app.menu is None
    ctrl_z(app)
    assert app.session.world.turn == 0 and app.toast[0] == tr("ui.undo.none", "en"), "nothing left to undo"
    app.end_turn()
    assert app.session.world.turn == 1, "and the game goes on"
    app.close()


def test_undo_on_the_end_screen_reopens_the_last_quarter(tmp_path, screen):
    session = Session("baseline", 7, ai="team_korea", saves_dir=tmp_path, autosave=False)
    for _ in range(session.world.turns):
        session.end_turn([])
    session.world.governance.controllers["KOR"] = session.player
    app = GameApp(session, "ko", screen)
    app.frame()
    assert app.end_buttons
    ctrl_z(app)
    assert not app.session.finished and not app.end_buttons and app.desk.root.visible
    assert app.session.world.turn == app.session.world.turns - 1
    assert "되돌렸습니다" in app.toast[0]
    app.close()


def test_hot_seat_teams_cannot_undo(tmp_path, screen):
    app = GameApp(Session("baseline", 7, saves_dir=tmp_path, humans=("KOR", "JPN")), "en", screen)
    app.choice_script = [0] * 20
    app.curtain = None
    app.end_turn()
    app.end_turn()
    app.curtain = None
    assert app.session.world.turn == 1
    assert not app.undo_turn()
    assert app.session.world.turn == 1 and app.toast[0] == tr("ui.undo.teams", "en")
    app.close()
