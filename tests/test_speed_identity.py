"""Issue 15's pure speed-ups leave every game exactly as it was.

Each speed-up keeps the slow way beside it as the reference: game.market's scalar kernels for
small markets have their numpy originals (`SCALAR_MAX = -1` runs numpy everywhere), `logit_all`
is `logit_shares` with an all-true mask, the accelerator market's grouped platform bases have
the one numpy expression (`GROUPED_CELLS = inf`), and a foundry's reading of its customers'
plans loops over every designer when `foundry_customers` lists them all. The games are played
both ways in the same process and compared bit for bit: a digest of the world's whole state
(tests/test_fork.py's canonical form, every float by its repr) and `sim --json`'s document.
Comparing in one process, rather than against golden digests, holds on every CPU (numpy's exp
and log may differ in the last bit between AVX2 and AVX-512 machines:
/work/shared/notes/measuring.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache

import numpy as np
import pytest

from agents.controllers import make_controller
from game import accelerators, market, model, upstream
from game.model import World
from game.scenario import Scenario, load_scenario
from game.summary import to_json
from tests.test_fork import _canon

STRATEGIES = ("default", "team_korea", "adaptive", "random")
SEEDS = range(10)


@cache
def scenario(name: str) -> Scenario:
    return load_scenario(name)


def state_digest(world: World) -> str:
    """The world's whole state (tests/test_fork.py's canonical form) and the `sim --json` document,
    less the export rules' memo of threshold tables (which tables it holds depends on who asked:
    the first world of a scenario in a process also asks while it fits the calibration) and the
    index of each foundry's possible customers (the reference lists every designer). The world
    is finished, so both are taken off first."""
    world.export_rules._tables = {}
    del world.foundry_customers  # an index the reference path fills differently (same game)
    text = json.dumps([_canon(vars(world), {}), to_json(world)], default=repr)
    return hashlib.sha256(_same_values(text).encode()).hexdigest()


def _same_values(text: str) -> str:
    """The canonical text with numpy's scalar types written as Python's: the scalar kernels
    return a Python float where numpy returns a np.float64 of the same bits, so which of the two
    a field holds depends on the path that last wrote it, not on the game (the bits are compared)."""
    text = re.sub(r"np\.float64\(([^()]*)\)", r"\1", text)
    return text.replace('"np.True_"', "true").replace('"np.False_"', "false")


def played(name: str, seed: int, strategy: str) -> str:
    world = World(scenario(name), seed, controllers={"KOR": make_controller("KOR", strategy)}, tables=False)
    while not world.finished:
        world.step()
    world.close()
    return state_digest(world)


_INIT = World.__init__


def _every_designer_a_customer(self, *args, **kwargs) -> None:
    """World.__init__, then every designer listed for every foundry: Foundry.expected_orders's loop
    over every designer, as it was before it read only the foundry's possible customers."""
    _INIT(self, *args, **kwargs)
    self.foundry_customers = {name: tuple(self.designers) for name in self.foundry_customers}


@pytest.fixture
def reference(monkeypatch):
    """Call it within a test to play the reference (numpy) path from then on."""
    def use() -> None:
        monkeypatch.setattr(market, "SCALAR_MAX", -1)
        monkeypatch.setattr(market, "logit_all", lambda u: market.logit_shares(u, np.ones(u.shape, bool)))
        monkeypatch.setattr(accelerators, "GROUPED_CELLS", float("inf"))
        monkeypatch.setattr(World, "__init__", _every_designer_a_customer)
        monkeypatch.setattr(model, "_OPENINGS", {})  # the reference plays its own opening quarters
    return use


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_the_scalar_kernels_play_the_same_games(strategy, reference):
    fast = [played("baseline", seed, strategy) for seed in SEEDS]
    reference()
    assert [played("baseline", seed, strategy) for seed in SEEDS] == fast


@pytest.mark.parametrize("name", ["history_2024", "lesson_export_controls", "lesson_bottlenecks"])
def test_the_same_in_other_scenarios(name, reference):
    fast = [played(name, seed, "default") for seed in range(3)]
    reference()
    assert [played(name, seed, "default") for seed in range(3)] == fast


def test_the_fast_path_is_taken():
    """The comparison above is not vacuous: a baseline game's markets go through the scalar
    kernels (small float64 edge lists) and the scalar logits (logit_all; the component suppliers'
    logit_all_lists)."""
    calls = {"lists": 0, "choice": 0, "logit_all": 0}
    lists, choice, logit_all = market._allocate_totals, upstream._clear_choice_lists, market.logit_all
    logit_lists = market.logit_all_lists

    def counted_lists(*args):
        calls["lists"] += 1
        return lists(*args)

    def counted_choice(*args):
        calls["choice"] += 1
        return choice(*args)

    def counted_logit_all(u):
        calls["logit_all"] += 1
        return logit_all(u)

    def counted_logit_lists(*args):
        calls["logit_all"] += 1
        return logit_lists(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(market, "_allocate_totals", counted_lists)
        patch.setattr(upstream, "_clear_choice_lists", counted_choice)
        patch.setattr(market, "logit_all", counted_logit_all)
        patch.setattr(market, "logit_all_lists", counted_logit_lists)
        patch.setattr(model, "_OPENINGS", {})  # its opening quarter is played, as it counted before
        world = World(scenario("baseline"), 0, tables=False)
        world.step()
        world.close()
    # the packaging market clears on lists (its allocation and at least one spill pass: how many
    # passes run depends on what is left unmet), as do the HBM books
    assert calls["choice"] >= 1 and calls["lists"] >= 2 and calls["logit_all"] > 3


def test_grouped_platform_bases_are_the_reference_bit_for_bit():
    """`_platform_bases` sums each distinct market once over its own buyers; on random markets
    (bases over 20 orders of magnitude, some zero, any pattern of barred pairs, shared columns)
    it gives the reference's bits."""
    rng = np.random.default_rng(15)
    for _ in range(500):
        buyers, platforms = int(rng.integers(1, 30)), int(rng.integers(2, 12))
        installed = (rng.random((buyers, platforms)) * 10.0 ** rng.integers(-3, 17, size=(buyers, platforms))
                     * (rng.random((buyers, platforms)) > 0.3))
        allowed = rng.random((buyers, platforms)) > rng.random()
        allowed[:, 1] = allowed[:, 0]  # two platforms sharing a market
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(accelerators, "GROUPED_CELLS", 0)
            grouped = accelerators._platform_bases(allowed, installed)
        reference = accelerators._platform_bases_reference(allowed, installed)
        assert grouped.tobytes() == reference.tobytes()


def test_a_ten_times_world_plays_the_same_turns(reference):
    """At 10x the baseline's firms (benchmarks/synthetic.py) the grouped platform bases run
    (90 platforms x 120 buyers x 90); three quarters, both ways, the same state."""
    from benchmarks.synthetic import copy0_controllers, scaled_scenario

    big = scaled_scenario(10)
    assert len(big.designers) ** 2 * len(big.buyers) > accelerators.GROUPED_CELLS

    def three_turns() -> str:
        world = World(big, 3, controllers=copy0_controllers(10), tables=False)
        for _ in range(3):
            world.step()
        return state_digest(world)

    fast = three_turns()
    reference()
    assert three_turns() == fast
