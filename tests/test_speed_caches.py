"""Issue 15's per-scenario caches (and small kernels) give every world what it would have worked out itself.

`World.opening_record` keeps the opening quarter's record per (scenario content, seed) and hands
each world a record of its own built from the same inputs (`TurnRecord.read_by`);
`calibration_key` keeps each scenario object's content hash. Compared here with the values a
world gets with the caches emptied, float for float (the same process, so the same CPU paths)."""

from __future__ import annotations

import json

import pytest

from agents.controllers import make_controller
from game import model
from game.model import World, calibration_key
from game.scenario import content_hash, load_scenario


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline")


def _opening(world: World) -> str:
    record = world.record_now
    return json.dumps([record.turn, record.date, record.snapshot, record.indicators, record.scores], default=repr)


def test_calibration_key_is_the_content_hash(baseline) -> None:
    assert calibration_key(baseline) == content_hash(baseline)
    other = load_scenario("baseline")  # another object of the same content: the same key, its own entry
    assert other is not baseline and calibration_key(other) == calibration_key(baseline)


def test_a_cached_opening_is_the_opening_played(baseline, monkeypatch) -> None:
    first = World(baseline, 11, controllers={"KOR": make_controller("KOR", "team_korea")}, tables=False)
    again = World(baseline, 11, tables=False)  # another strategy, the same seed: the kept opening
    assert again.record_now is not first.record_now
    assert again.record_now.by_name is again.by_name and again.record_now.scenario is again.scenario
    monkeypatch.setattr(model, "_OPENINGS", {})
    fresh = World(baseline, 11, tables=False)  # played afresh
    assert _opening(first) == _opening(again) == _opening(fresh)
    # a reader editing what it was handed changes no other world's record
    again.record_now.indicators["KOR"]["hbm_share"] = -1.0
    assert _opening(first) == _opening(fresh)


def test_each_seed_plays_its_own_opening(baseline, monkeypatch) -> None:
    monkeypatch.setattr(model, "_OPENINGS", {})
    for seed in (1, 2):
        World(baseline, seed, tables=False)
    assert len(model._OPENINGS) == 2
    cached = World(baseline, 2, tables=False)
    monkeypatch.setattr(model, "_OPENINGS", {})
    assert _opening(cached) == _opening(World(baseline, 2, tables=False))


def test_a_played_game_is_the_same_with_the_opening_kept(baseline, monkeypatch) -> None:
    def play() -> str:
        world = World(baseline, 4, controllers={"KOR": make_controller("KOR", "team_korea")}, tables=False)
        while not world.finished:
            world.step()
        world.close()
        return json.dumps(list(world.history), default=repr)

    World(baseline, 4, tables=False)  # the opening is kept now
    kept = play()
    monkeypatch.setattr(model, "_OPENINGS", {})
    assert kept == play()


def test_rival_sums_are_numpys_bit_for_bit(baseline) -> None:
    """World._rival_sums (update_race's rivals' totals) adds as `values[mask].sum()` does."""
    import numpy as np

    world = World(baseline, 0, tables=False)
    rng = np.random.default_rng(15)
    for _ in range(200):
        values = rng.random(len(world.buyers)) * 10.0 ** rng.integers(-3, 12, size=len(world.buyers))
        expected = [values[rivals].sum() for rivals in world.rival_mask]
        assert np.array(world._rival_sums(values)).tobytes() == np.array(expected).tobytes()
    world.close()
