"""Issue 15, phases 4-5 (game.upstream, game.market): list kernels that replace numpy calls on a
handful of numbers give the same bits as the code they replaced, kept here as the reference.

The whole games are compared with main's in /work/tools/digest.py (93 games' state every turn);
here each rewrite is compared with its original on random inputs and on games' quarters."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.controllers import make_controller
from game import market, upstream
from game.model import World
from game.scenario import load_scenario

FAST = settings(max_examples=200, deadline=None)


def bits(x: float) -> bytes:
    return struct.pack("<d", float(x))


utility = st.floats(-50, 50, allow_nan=False, allow_subnormal=False)
odd = st.sampled_from([math.inf, -math.inf, math.nan, 0.0, -0.0])


@FAST
@given(st.lists(st.one_of(utility, utility, utility, odd), min_size=1, max_size=12))
def test_the_list_logit_is_the_numpy_logit_bit_for_bit(row):
    """`market.logit_all_lists` (a designer's component suppliers) gives `logit_all`'s shares,
    NaN and infinite utilities included (they go to the masked logit)."""
    with np.errstate(all="ignore"):
        expected = market.logit_all(np.array(row, dtype=np.float64)).tolist()
        got = market.logit_all_lists(list(row))
    assert [bits(x) for x in got] == [bits(x) for x in expected]


def _component_supply_reference(world) -> list[tuple[float, dict[str, float]]]:
    """`upstream._component_supply` as it was at 7b44f35 (a numpy log per supplier, `logit_all`)."""
    params = world.params
    for s in world.component_suppliers:
        s.disrupted = bool(world.streams(f"components:{s.name}").random() >= s.reliability)
    spare = {s.name: s.capacity for s in world.component_suppliers}
    supply = []
    for d in world.designers:
        options = [world.by_name[n] for n in d.components if world.by_name[n].alive]
        if not options or d.target <= 0:
            supply.append((0.0, {}))
            continue
        utility = np.array([-params.supplier_cost_weight * np.log(s.price)
                            + params.link_weight * s.link_strength.get(d.name, 0.0) for s in options])
        got: dict[str, float] = {}
        short = 0.0
        for s, share in zip(options, market.logit_all(utility), strict=True):
            ordered = min(d.target * share, spare[s.name])
            delivered = ordered * (1 - s.disruption_loss) if s.disrupted else ordered
            got[s.name] = delivered
            spare[s.name] -= ordered
            short += d.target * share - delivered
        for s in options:
            if short <= 0:
                break
            if s.lead_time == 0 and not s.disrupted and s.link_strength.get(d.name, 0.0) >= 0.5:
                extra = min(short, spare[s.name])
                got[s.name] += extra
                spare[s.name] -= extra
                short -= extra
        supply.append((sum(got.values()), got))
    return supply


@pytest.mark.parametrize("strategy", ["team_korea", "laissez_faire"])
def test_the_component_supply_is_the_reference_every_quarter(strategy):
    """Each quarter of a game, on two forks of the world before phase 4: what each designer gets
    from its component suppliers, and from whom, to the bit."""
    world = World(load_scenario("baseline"), 2, controllers={"KOR": make_controller("KOR", strategy)}, tables=False)
    checked = 0
    while not world.finished:
        new, old = world.fork(), world.fork()
        fast, slow = upstream._component_supply(new), _component_supply_reference(old)
        assert len(fast) == len(slow)
        for (available, got), (available_ref, got_ref) in zip(fast, slow, strict=True):
            assert bits(available) == bits(available_ref)
            assert list(got) == list(got_ref)
            assert [bits(x) for x in got.values()] == [bits(x) for x in got_ref.values()]
            checked += bool(got)
        world.step()
    assert checked > 0
