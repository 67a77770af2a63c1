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
