"""The accelerator market and its calibration on sparse choice sets (issue 15).

When `sold_to` splits buyers and chips into groups that trade only among themselves (the
regional worlds of benchmarks/synthetic.py), `accelerators.market_parts` clears the market part
by part instead of as one buyer x chip matrix. The parts' row sums add fewer zeros than the
dense rows, so the two paths agree to rounding: played from the same world, they are compared
within 1e-12 of each array's scale (or of one unit, where an array holds only rounding residues).
At game size the market is one part, the world itself, so the game's own arithmetic is
untouched; the numpy forms of the large-world helpers (the
calibration's masks, the installed bases by country, the rivals' sums) are the list forms'
floats, checked here bit for bit on a game.
"""

from __future__ import annotations

import numpy as np
import pytest

from agents.controllers import make_controller
from benchmarks.synthetic import copy0_controllers, scaled_scenario
from game import accelerators, market, model
from game.model import World
from game.scenario import load_scenario
from tests.test_speed_identity import state_digest

K = 3  # regional copies: 36 buyers x 27 chips, three groups


def regional_world(monkeypatch, dense: bool) -> World:
    """A k = 3 regional world, its market dense or in one part per copy (fitted afresh)."""
    monkeypatch.setattr(market, "BLOCKS_MIN_CELLS", 10**12 if dense else -1)
    monkeypatch.setattr(market, "BLOCK_CELLS", 1)
    monkeypatch.setattr(model, "_CALIBRATIONS", {})
    monkeypatch.setattr(model, "_OPENINGS", {})
    scenario = scaled_scenario(K, regional=True)
    return World(scenario, 3, controllers=copy0_controllers(K, [c.id for c in scenario.countries]), tables=False)


def close(a, b) -> None:
    """Equal to rounding: within 1e-12 of the array's scale, or of one of its units where every value
    is a rounding residue (a stock sold out to ~1e-14 thousand chips by one path and to 0 by the
    other: both nothing)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(float(np.abs(a).max(initial=0.0)), float(np.abs(b).max(initial=0.0)), 1.0)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * scale)


def compare(dense: World, sparse: World) -> None:
    """Everything the accelerator market and its calibration write, within rounding."""
    close(dense.chip_appeal, sparse.chip_appeal)
    close(dense.installed, sparse.installed)
    assert ("accelerator" in dense.last_market) == ("accelerator" in sparse.last_market)
    for key in ("sold", "price", "desired") if "accelerator" in dense.last_market else ():  # none before a quarter
        close(dense.last_market["accelerator"][key], sparse.last_market["accelerator"][key])
    for field in ("price", "inventory", "sold", "revenue", "ecosystem", "demand_est", "cash"):
        close([getattr(d, field) for d in dense.designers], [getattr(d, field) for d in sparse.designers])
    for field in ("budget", "ref_price", "target", "race", "training_compute", "domestic_training_compute"):
        close([getattr(b, field) for b in dense.buyers], [getattr(b, field) for b in sparse.buyers])
    for code in dense.countries:
        close(dense.countries[code].spent_total, sparse.countries[code].spent_total)
    keys = [[(c.get("key"), c.get("params", {}).get("buyer")) for c in turn] for turn in dense.causes]
    assert keys == [[(c.get("key"), c.get("params", {}).get("buyer")) for c in turn] for turn in sparse.causes]


def test_a_regional_world_clears_in_one_part_per_copy_and_the_game_in_one(monkeypatch):
    sparse = regional_world(monkeypatch, dense=False)
    parts = accelerators.market_parts(sparse)
    baseline = load_scenario("baseline")
    assert [(len(p.rows), len(p.cols)) for p in parts] == [(len(baseline.buyers), len(baseline.designers))] * K
    assert all(set(np.flatnonzero(sparse.sold_to_ok[p.rows].any(axis=0))) <= set(p.cols.tolist()) for p in parts)
    game = World(load_scenario("baseline"), 0, tables=False)
    assert accelerators.market_parts(game) is None  # one group: the dense market, as ever
    dense_copies = World(scaled_scenario(K), 0, controllers=copy0_controllers(K), tables=False)
    assert accelerators.market_parts(dense_copies) is None  # every buyer may buy every open chip


def test_the_parts_and_the_dense_market_play_the_same_game(monkeypatch):
    """Calibration, then four quarters, with Korea paying a home-chip incentive and mandating a
    procurement mix (so the parts share a state's budget and the cause log's notes)."""
    worlds = [regional_world(monkeypatch, dense) for dense in (True, False)]
    compare(*worlds)
    for world in worlds:
        policy = world.countries["KOR"].policy
        policy.chip_incentive = 0.3
        policy.procurement_mix = {"domestic": 0.5, "leader": 0.3, "other": 0.2}
    for _ in range(4):
        for dense, world in zip((True, False), worlds, strict=True):
            monkeypatch.setattr(market, "BLOCKS_MIN_CELLS", 10**12 if dense else -1)
            world.step()
        compare(*worlds)
    assert any(c.get("key") == "cause.chip_incentive" for turn in worlds[1].causes for c in turn)


@pytest.mark.parametrize("strategy", ["team_korea", "adaptive"])
def test_the_large_world_helpers_leave_a_game_as_it_was(monkeypatch, strategy):
    """The calibration's masks, the installed bases by country and the rivals' sums by numpy
    (as worlds past `market.LISTS_MAX_CELLS` build them) play a baseline game bit for bit."""
    def played(numpy_always: bool) -> str:
        monkeypatch.setattr(market, "LISTS_MAX_CELLS", -1 if numpy_always else 4096)
        monkeypatch.setattr(market, "SCALAR_MAX", -1 if numpy_always else 32)  # rivals' sums by numpy
        monkeypatch.setattr(model, "_CALIBRATIONS", {})
        monkeypatch.setattr(model, "_OPENINGS", {})
        world = World(load_scenario("baseline"), 2, controllers={"KOR": make_controller("KOR", strategy)},
                      tables=False)
        while not world.finished:
            world.step()
        world.close()
        return state_digest(world)

    assert played(True) == played(False)
