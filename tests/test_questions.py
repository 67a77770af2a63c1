"""A quarter pauses at an event's question (issues 16 and 18): a person's seat answers later,
through `World.answer`, and no event loop waits inside the turn. The game answered through the
pause is the game whose seats gave the same answers at once, byte for byte; its save re-plays;
a fork of a paused world plays on as the world does; bad answers change nothing."""

from __future__ import annotations

import json

import pytest

from game.actions import ChipIncentive
from game.model import QuestionPending, World
from game.saves import SaveError, document, load_game, world_state, write_save
from game.scenario import load_scenario
from game.session import PlayerController, Session

ASKED = ("middle_east_compute_deal", "us_asks_allies")  # both ask Korea


def certain(world, *event_ids: str) -> None:
    """Make scenario events certain from the first quarter on (copies of the scenario's events)."""
    events = world.scenario.events
    for event_id in event_ids:
        i = next(i for i, e in enumerate(events) if e.id == event_id)
        events[i] = events[i].model_copy(update={"probability": 1.0, "conditions": [],
                                                 "start": world.quarter_label(world.start)})


def choices_of(world, event_id: str) -> int:
    return len(next(e for e in world.scenario.events if e.id == event_id).choices)


def paused_game(turns: int, answers: dict[str, int]) -> tuple[Session, list]:
    """A session played with `pause`: each question answered from `answers` (else its last
    choice) once the quarter has stopped at it. Returns the session and the questions met."""
    session = Session("baseline", 7, autosave=False)
    met = []
    for _ in range(turns):
        assert session.end_turn([ChipIncentive(rate=0.1)] if session.world.turn == 1 else [], pause=True) is None \
            or session.question is None
        while session.question is not None:
            question = session.question
            met.append((session.world.turn, question.event))
            session.answer(answers.get(question.event, choices_of(session.world, question.event) - 1),
                           question.event)
        if session.world.in_turn:
            session.finish_turn()
    return session, met


def scripted_game(turns: int, answers: dict[str, int]) -> Session:
    """The same game with every answer given at once (the seat's script)."""
    session = Session("baseline", 7, autosave=False)
    session.player.script = dict(answers)
    for _ in range(turns):
        session.end_turn([ChipIncentive(rate=0.1)] if session.world.turn == 1 else [])
    return session


def the_bytes(world) -> str:
    return json.dumps(document(world, "baseline"), ensure_ascii=False, allow_nan=False, indent=1)


def causes(world) -> list:
    return [[(c["key"], c["source"], c["country"], c["params"]) for c in turn] for turn in world.causes]


def test_a_game_answered_through_the_pause_is_the_game_answered_at_once(tmp_path):
    paused, met = paused_game(12, {})
    quarters = [turn for turn, _ in met]
    assert len(met) >= 3 and len(set(quarters)) < len(quarters), "seed 7 asks twice in one quarter"
    answers = {event: choices_of(paused.world, event) - 1 for _, event in met}
    scripted = scripted_game(12, answers)
    try:
        assert the_bytes(paused.world) == the_bytes(scripted.world), "state, log, checkpoints: byte for byte"
        assert causes(paused.world) == causes(scripted.world)
        assert paused.world.steps == scripted.world.steps == 12, "Mesa counts one step a quarter"
        assert [r.choices for r in paused.reports] == [r.choices for r in scripted.reports]
        path = write_save(tmp_path / "paused.json", document(paused.world, "baseline"))
        loaded, _ = load_game(path, tables=False)  # re-played and checked turn by turn
        assert world_state(loaded) == world_state(paused.world)
        loaded.close()
    finally:
        paused.close()
        scripted.close()


def test_a_paused_quarter_resumes_at_the_next_event_not_from_the_start():
    world = World(load_scenario("baseline"), seed=7, tables=False, controllers={"KOR": live_seat()})
    certain(world, *ASKED)
    world.open_quarter()
    assert world.in_turn and world.question.event == ASKED[0] and world.question.chooser == "KOR"
    fired = [c["params"].get("event") for c in world.causes[-1] if c["source"] == "event"]
    assert fired[-1] == ASKED[0], "the pass stopped at the event that asks"
    assert not any(e["source"] == "controller" for e in world.governance.log), "no controller has decided yet"
    assert world.answer(0, ASKED[0]) is False and world.question.event == ASKED[1], "on to the next question"
    assert world.answer(1) is True and world.question is None
    assert [(e["event"], e["choice"]) for e in world.governance.log if e["source"] == "choice"] == \
        [(ASKED[0], 0), (ASKED[1], 1)]
    assert [c["params"].get("event") for c in world.causes[-1] if c["source"] == "event"].count(ASKED[0]) == 1
    world.step()
    assert world.turn == 1 and not world.in_turn
    world.close()


def live_seat() -> PlayerController:
    seat = PlayerController()
    seat.live = True
    return seat


def test_step_refuses_a_quarter_waiting_for_its_answer_and_counts_no_step():
    world = World(load_scenario("baseline"), seed=7, tables=False, controllers={"KOR": live_seat()})
    certain(world, ASKED[0])
    with pytest.raises(QuestionPending, match="middle_east_compute_deal"):
        world.step()
    assert world.steps == 0 and world.in_turn and world.question is not None
    with pytest.raises(QuestionPending):
        world.step()
    assert world.steps == 0
    world.answer(1)
    world.step()
    assert world.steps == 1 and world.turn == 1
    world.close()


@pytest.mark.parametrize(("index", "event", "error"), [
    (2, None, ValueError), (-1, None, ValueError), (True, None, ValueError), ("0", None, ValueError),
    (0, "us_asks_allies", ValueError)])
def test_a_bad_answer_changes_nothing(index, event, error):
    world = World(load_scenario("baseline"), seed=7, tables=False, controllers={"KOR": live_seat()})
    certain(world, ASKED[0])
    world.open_quarter()
    before = (world_state(world), list(world.governance.log), causes(world), world.streams.states())
    with pytest.raises(error):
        world.answer(index, event)
    assert (world_state(world), list(world.governance.log), causes(world), world.streams.states()) == before
    assert world.question.event == ASKED[0]
    world.answer(0)
    with pytest.raises(RuntimeError, match="no question"):
        world.answer(0)
    world.close()


def test_nothing_is_handed_in_at_the_desk_or_saved_while_a_question_waits(tmp_path):
    session = Session("baseline", 7, autosave=False)
    certain(session.world, ASKED[0])
    assert session.end_turn([], pause=True) is None
    verdicts = session.world.governance.submit("KOR", [ChipIncentive(rate=0.2)])
    assert not verdicts[0].accepted and "waits for the answer" in verdicts[0].reason
    with pytest.raises(SaveError, match="being played"):
        session.save(tmp_path / "mid.json")
    with pytest.raises(RuntimeError, match="being played"):
        session.end_turn([])
    session.answer(0)
    report = session.finish_turn()
    assert report.choices == [(ASKED[0], 0)] and session.save(tmp_path / "after.json").exists()
    session.close()


def test_a_fork_of_a_paused_world_is_paused_at_the_same_question_and_plays_on_the_same():
    world = World(load_scenario("baseline"), seed=7, tables=False, controllers={"KOR": live_seat()})
    certain(world, *ASKED)
    world.open_quarter()
    fork = world.fork()
    assert fork.question == world.question and fork.in_turn
    for game in (world, fork):
        game.answer(1)
        game.answer(0)
        game.step()
        for _ in range(3):
            game.step()  # the seat stays live: a question in these quarters would pause them both alike
    assert world_state(fork) == world_state(world) and fork.governance.log == world.governance.log
    assert causes(fork) == causes(world)
    world.close()
    fork.close()


def test_the_answers_outlook_is_judged_on_a_fork_of_the_paused_world_which_it_leaves_alone():
    from game.choice_preview import outlooks, stakes

    world = World(load_scenario("baseline"), seed=7, tables=False, controllers={"KOR": live_seat()})
    certain(world, ASKED[0])
    world.open_quarter()
    event = next(e for e in world.scenario.events if e.id == ASKED[0])
    before = (world_state(world), list(world.governance.log), world.streams.states())
    found, _ = outlooks(world, "KOR", event)
    budget, lines = stakes(world, "KOR", event, "ko", (found, world.now + 3))
    assert budget.startswith("시행 중인 정책을 뺀") and len(lines) == len(event.choices)
    assert (world_state(world), list(world.governance.log), world.streams.states()) == before
    assert world.question.event == ASKED[0]
    world.close()


def test_controllers_that_answer_at_once_never_pause_a_quarter():
    """Every AI, a re-played log and a seat that is not live answer inside the quarter, as before."""
    session = Session("baseline", 7, autosave=False, humans=("KOR", "JPN"))
    certain(session.world, *ASKED)
    report = session.end_turn({})
    assert report is not None and session.question is None and len(report.choices) == 2
    session.close()
