"""Issue 15: `World.note` builds its cause-log entry without `Cause.__init__`; the entry is the
one `Cause(world.render, ...)` builds (the same items in the same order, the same renderer)."""

from __future__ import annotations

import pytest

from game.model import Cause, World
from game.scenario import load_scenario


def test_a_note_is_the_cause_its_fields_make() -> None:
    world = World(load_scenario("baseline"), 2, tables=False)
    world.step()
    world.note("mechanism", "KOR", "cause.exit", firm="SK hynix", targets=["hbm_share"])
    world.note("event", "", "cause.exit", firm="Samsung")  # no targets: an empty list of its own
    made = world.causes[-1][-2:]
    expected = [Cause(world.render, turn=world.turn, date=world.date, source="mechanism", country="KOR",
                      key="cause.exit", targets=["hbm_share"], params={"firm": "SK hynix"}),
                Cause(world.render, turn=world.turn, date=world.date, source="event", country="",
                      key="cause.exit", targets=[], params={"firm": "Samsung"})]
    for entry, reference in zip(made, expected, strict=True):
        assert type(entry) is Cause
        assert list(entry.items()) == list(reference.items())
        assert vars(entry) == vars(reference)
        assert entry["en"] == reference["en"] and entry["ko"] == reference["ko"]
    assert made[1]["targets"] is not made[0]["targets"]


# ------------------------------------------------------------------ a world that does not explain
@pytest.mark.parametrize(("strategy", "quarters"), [("adaptive", 8), ("team_korea", 20)])
def test_a_world_that_does_not_explain_plays_the_same_game_with_no_cause_log(strategy, quarters) -> None:
    """`World.explains` False (a forecast's run, a preview's trial, a tournament's or a learning
    environment's game: `World(..., explains=False)`) writes no cause-log entry and
    changes nothing else: the same game, state for state, as the world that explains. Korea by
    `adaptive` (event answers with effects, Actions whose words the log would keep, previews) and
    by `team_korea` for the whole term (launches under the price-gap subsidy, supported and
    financed lines, the service incentive: notes whose figures only the log reads)."""
    from agents.controllers import make_controller
    from tests.test_fork import digest

    worlds = []
    for explains in (True, False):
        world = World(load_scenario("baseline"), 5, controllers={"KOR": make_controller("KOR", strategy)},
                      tables=False, explains=explains)
        for _ in range(quarters):
            world.step()
        worlds.append(world)
    told, quiet = worlds
    assert sum(len(quarter) for quarter in told.causes[1:]) > 50
    assert all(quarter == [] for quarter in quiet.causes[1:])
    assert "explains" not in vars(told)  # a world that explains is as it was before the flag
    for world in worlds:
        world.causes = None
        world.__dict__.pop("explains", None)
    assert digest(told) == digest(quiet)


def test_a_forecast_is_the_same_with_the_cause_log_or_without(monkeypatch) -> None:
    """`play_rest` tells its copy not to explain; the forecast it gives (scores, points, money)
    is the one a copy that explains gives."""
    from game import forecast as forecast_module
    from game.actions import FoundrySubsidy
    from game.session import Session

    session = Session("baseline", 4, autosave=False)
    for _ in range(12):
        session.end_turn([])
    quiet = forecast_module.forecast(session.world, "KOR", [FoundrySubsidy(rate=1.0)])
    monkeypatch.setattr(World, "explains", property(lambda self: True, lambda self, value: None))
    told = forecast_module.forecast(session.world, "KOR", [FoundrySubsidy(rate=1.0)])
    assert (quiet.scores, quiet.points, quiet.spent, quiet.owed) == (told.scores, told.points, told.spent, told.owed)
    session.close()
