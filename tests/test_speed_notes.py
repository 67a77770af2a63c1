"""Issue 15: `World.note` builds its cause-log entry without `Cause.__init__`; the entry is the
one `Cause(world.render, ...)` builds (the same items in the same order, the same renderer)."""

from __future__ import annotations

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
