"""An event's dialog shows the stakes (issue 16, item 6): the budget left this quarter, and for
each answer its cost, the budget it leaves and the expected score a year on against the answer
that changes least (game/choice_preview.py), in both languages."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

from pathlib import Path

import pygame
import pytest
from uitools import post, press

from game.choice_preview import AHEAD, outlooks
from game.model import World
from game.scenario import load_scenario
from game.text import quarter_name
from game.ui.app import SIZE, GameApp
from game.ui.session import Session


def force_event(world, event_id: str) -> None:
    events = world.scenario.events
    i = next(i for i, e in enumerate(events) if e.id == event_id)
    events[i] = events[i].model_copy(update={"probability": 1.0, "start": world.quarter_label(world.start),
                                             "conditions": []})


def test_each_answer_is_costed_and_judged_a_year_ahead_on_a_fork():
    world = World(load_scenario("baseline"), seed=7, tables=False)
    for _ in range(4):
        world.step()
    world.open_quarter()
    event = next(e for e in world.scenario.events if e.id == "middle_east_compute_deal")
    before = world.fork()
    found, when = outlooks(world, "KOR", event)
    assert when == world.now + AHEAD - 1
    back, out = found
    assert out.reference and not back.reference, "staying out changes least"
    assert back.cost_now == pytest.approx(110e9) and out.cost_now == 0.0
    assert back.left == pytest.approx(out.left - 110e9)
    assert back.score is not None and out.score is not None and back.refused is None
    assert world.preview("KOR", [], AHEAD) == pytest.approx(out.score)
    assert world.turn == before.turn and world.countries["KOR"].left == before.countries["KOR"].left, "untouched"
    world.close()
    before.close()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_dialog_shows_the_budget_left_and_each_answers_outlook(tmp_path, lang):
    pygame.init()
    screen = pygame.display.set_mode(SIZE)
    app = GameApp(Session("baseline", 7, saves_dir=tmp_path, autosave=False), lang, screen)
    app.frame()
    world = app.session.world
    force_event(world, "middle_east_compute_deal")
    frames = []

    def look(game, buttons):
        frames.append(len(buttons))
        if len(frames) == 3:
            shots = Path(os.environ.get("DESK_SHOTS", tmp_path))
            pygame.image.save(game.screen, shots / f"event_dialog_{lang}.png")
            post(pygame.KEYDOWN, key=pygame.K_2, mod=0, unicode="2", scancode=0)

    app.modal_hook = look
    press(app, pygame.K_RETURN)
    budget, lines = app.choice_lines
    date = quarter_name(world.start + AHEAD - 1, lang)
    if lang == "en":
        assert budget.startswith("Budget left this quarter after the programmes in force: ")
        assert lines[0].startswith("Costs 110.0B KRW now, leaves ") and f"expected score in {date}: " in lines[0]
        assert "against 'Stay out')" in lines[0] and lines[1].startswith("Costs 0.0B KRW now")
    else:
        assert budget.startswith("시행 중인 정책을 뺀 이번 분기 남은 예산: 6,060억 원 중 ")
        assert lines[0].startswith("지금 비용 1,100억 원, 남는 예산 ") and f"{date} 예상 점수 " in lines[0]
        assert "('참여하지 않음'보다 " in lines[0]
    assert [e["choice"] for e in world.governance.log if e.get("source") == "choice"] == [1]
    app.close()
    pygame.quit()


# ---------------------------------------------------------------------- the dialog is a state of the main loop

def paused_app(tmp_path, autosave: bool = False):
    """A game whose first quarter stops at Korea's question: End Turn pressed, one frame run."""
    pygame.init()
    app = GameApp(Session("baseline", 7, saves_dir=tmp_path, autosave=autosave), "en", pygame.display.set_mode(SIZE))
    app.modal_hook = None  # nobody answers unless the test does
    force_event(app.session.world, "middle_east_compute_deal")
    app.frame()
    post(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r", scancode=0)
    app.frame()
    return app


def test_the_quarter_waits_at_the_question_while_the_loop_goes_on_and_idles(tmp_path):
    app = paused_app(tmp_path)
    world = app.session.world
    try:
        assert world.in_turn and world.question.event == "middle_east_compute_deal"
        assert app.asking is not None and [b.text for b in app.asking.buttons][1] == "2. Stay out"
        assert not [e for e in world.governance.log if e["source"] == "choice"], "not answered yet"
        for _ in range(3):
            app.frame()  # frames come back: no loop of the dialog's own holds the window
        app.last_input = app.t - 60.0
        app.update(0.0)
        pygame.event.clear()
        assert not any(app.tick(0.25) for _ in range(8)), "a still dialog: no frame until input"
        assert app.next_frame_in() > 0.5
        post(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r", scancode=0)
        app.frame()  # not an answer: the desk's End Turn cannot reach the game meanwhile
        assert world.question is not None and world.turn == 1 and world.in_turn
        post(pygame.KEYDOWN, key=pygame.K_2, mod=0, unicode="2", scancode=0)
        assert app.tick(0.02), "input draws a frame"
        assert not world.in_turn and world.turn == 1 and app.asking is None
        assert [(e["event"], e["choice"]) for e in world.governance.log if e["source"] == "choice"] == \
            [("middle_east_compute_deal", 1)]
        assert app.session.reports[-1].choices == [("middle_east_compute_deal", 1)]
    finally:
        app.close()
        pygame.quit()


def test_the_main_loop_shows_the_question_and_takes_the_click(tmp_path):
    app = paused_app(tmp_path)
    world = app.session.world
    clicked = []

    def click_first(game, buttons):
        if buttons and not clicked:
            target = next(b for b, i in buttons.items() if i == 0)
            clicked.append(target.text)
            post(pygame.MOUSEMOTION, pos=target.rect.center, rel=(0, 0), buttons=(0, 0, 0))
            post(pygame.MOUSEBUTTONDOWN, pos=target.rect.center, button=1)
            post(pygame.MOUSEBUTTONUP, pos=target.rect.center, button=1)

    app.modal_hook = click_first
    pygame.time.set_timer(pygame.QUIT, 1500, loops=1)
    try:
        app.run()
        assert clicked == ["1. Back Korean NPUs with state financing"]
        assert not world.in_turn and world.turn == 1
        assert [e["choice"] for e in world.governance.log if e["source"] == "choice"] == [0]
    finally:
        app.close()
        pygame.quit()


def test_closing_the_window_at_a_question_takes_the_first_choice_and_finishes_the_quarter(tmp_path):
    app = paused_app(tmp_path, autosave=True)
    world = app.session.world
    try:
        post(pygame.QUIT)
        app.frame()
        assert not app.running and not world.in_turn and world.turn == 1
        assert [e["choice"] for e in world.governance.log if e["source"] == "choice"] == [0]
        assert list((tmp_path / "desktop").glob("autosave-*.json")), "the quarter is autosaved"
    finally:
        app.close()
        pygame.quit()


def test_a_long_answer_outlook_fits_the_dialog(tmp_path):
    """An answer's outlook is one line: "Costs 0.0B KRW now, leaves 260.7B KRW; expected score in
    2026Q4: 30.7 (+0.9 against 'Keep the centre's mix')" ran out of a 700-pixel dialog; the dialog
    takes the room the window has."""
    from test_ui_text_fit import widget_problems

    pygame.init()
    screen = pygame.display.set_mode(SIZE)
    app = GameApp(Session("baseline", 7, saves_dir=tmp_path, autosave=False), "en", screen)
    app.frame()
    force_event(app.session.world, "nvidia_allocation_offer")
    seen = []

    def look(game, buttons):
        if buttons and not seen:
            seen.append(widget_problems(game._modal_manager, screen.get_rect(), "event dialog"))
        post(pygame.KEYDOWN, key=pygame.K_1, mod=0, unicode="1", scancode=0)

    app.modal_hook = look
    press(app, pygame.K_RETURN)
    assert seen and any("against 'Keep the centre's mix'" in line for line in app.choice_lines[1])
    assert not seen[0], seen[0]
    app.close()
    pygame.quit()


# ---------------------------------------------------------------------- the dialog at the player's text size

def dialog_at(tmp_path, size, scale: float, lang: str, answers: int = 2):
    """A game at `size` and text size `scale` paused at the Middle East deal's question (with its
    answers repeated to `answers`), the dialog open."""
    import json

    (tmp_path / "settings.json").write_text(json.dumps({"ui_scale": scale, "lang": lang}))
    pygame.init()
    app = GameApp(Session("baseline", 7, saves_dir=tmp_path, autosave=False), lang, pygame.display.set_mode(size))
    app.modal_hook = None
    world = app.session.world
    force_event(world, "middle_east_compute_deal")
    if answers != 2:
        events = world.scenario.events
        i = next(i for i, e in enumerate(events) if e.id == "middle_east_compute_deal")
        choices = list(events[i].choices)
        events[i] = events[i].model_copy(update={"choices": [choices[k % 2] for k in range(answers)]})
    app.frame()
    post(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r", scancode=0)
    app.frame()
    assert app.asking is not None
    return app


@pytest.mark.parametrize("scale", [1.0, 1.5])
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_dialog_speaks_at_the_players_text_size(tmp_path, scale, lang):
    """The question's dialog is drawn at the text size the player chose (it was 100% whatever the
    setting: a UIManager of its own with the default theme), each line wrapped to the panel, the
    panel inside the window, at 1024x600."""
    app = dialog_at(tmp_path, (1024, 600), scale, lang)
    dialog = app.asking
    try:
        assert dialog.scale == scale, "two answers fit at 1024x600 at any text size"
        assert {b.font.point_size for b in dialog.buttons} == {round(15 * scale)}
        window = pygame.Rect((0, 0), app.L.size)
        assert window.contains(dialog.panel.rect), (dialog.panel.rect, window)
        for element in dialog.panel.get_container().elements:
            text = getattr(element, "text", "")
            if text:
                assert element.font.size(text)[0] <= element.rect.width, (text, element.rect.width)
    finally:
        app.close()
        pygame.quit()


def test_a_question_with_many_answers_takes_a_smaller_size_to_fit(tmp_path):
    """Six answers at 1024x600 and 150% would run past the window: the dialog steps its text size
    down until it fits (below 100% only where 100% does not fit, as here), and says so through
    `scale`."""
    app = dialog_at(tmp_path, (1024, 600), 1.5, "en", answers=6)
    dialog = app.asking
    try:
        assert 0.7 <= dialog.scale < 1.5 and len(dialog.buttons) == 6
        assert pygame.Rect((0, 0), app.L.size).contains(dialog.panel.rect)
        assert {b.font.point_size for b in dialog.buttons} == {round(15 * dialog.scale)}
    finally:
        app.close()
        pygame.quit()
