"""World.fork (issue 15): a cheap copy that shares the scenario and copies everything else.

The contract: a fork is independent (stepping or changing it never touches the world it came
from) and plays the same game (stepped with the same controllers, it ends exactly where the
world would have). Checked on public outputs (`sim --json`'s document, scores, indicators,
history, the cause log and the action log) and on a digest of the world's entire state, and
game.snapshot's copy against copy.deepcopy on the cases deepcopy defines.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import types
import weakref
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from agents.controllers import make_controller
from game.actions import ChipIncentive, FoundrySubsidy, Procurement
from game.model import World
from game.scenario import Scenario, content_hash, load_scenario
from game.snapshot import clone
from game.streams import Streams
from game.summary import to_json


@cache
def baseline() -> Scenario:
    return load_scenario("baseline")


def world_at(turn: int, seed: int = 2, strategy: str = "team_korea", tables: bool = True) -> World:
    world = World(baseline(), seed=seed, controllers={"KOR": make_controller("KOR", strategy)}, tables=tables)
    for _ in range(turn):
        world.step()
    return world


def finish(world: World) -> World:
    if world.in_turn:
        world.step()
    while not world.finished:
        world.step()
    return world


def outputs(world: World) -> dict:
    """What a game shows of itself: the `--json` document, scores and indicators, every turn's
    snapshot, the cause log as read in both languages, and the action log."""
    return {"json": to_json(world), "scores": world.scores, "indicators": world.indicators,
            "history": list(world.history),
            "causes": [[(c["key"], c["en"], c["ko"]) for c in turn] for turn in world.causes],
            "log": repr(world.governance.log)}


def _canon(obj, seen: dict[int, int]):
    """A structure of plain values that says everything about `obj`'s state, aliasing included
    (an object seen before is written as a reference to its first visit), and nothing about
    where it lives in memory."""
    if obj is None or isinstance(obj, bool | int | str | bytes):
        return obj
    if isinstance(obj, float | np.floating | np.integer | np.bool_):
        return repr(obj)
    if isinstance(obj, type | types.FunctionType | types.BuiltinFunctionType):
        return f"<{getattr(obj, '__qualname__', obj)}>"
    if id(obj) in seen:
        return ["ref", seen[id(obj)][0]]
    # the object is kept with its number: a temporary (an array's `tolist()`) freed while the walk
    # goes on could hand its id to a later one, which would then be written as a reference to it
    seen[id(obj)] = (len(seen), obj)
    if isinstance(obj, Streams):  # a fork rebuilds a stream when it first draws: compare the states
        return ["Streams", obj.seed, _canon(obj.states(), seen)]
    if isinstance(obj, np.ndarray):
        return ["array", str(obj.dtype), obj.shape, _canon(obj.tolist(), seen)]
    if isinstance(obj, np.random.Generator):
        return ["Generator", repr(obj.bit_generator.state)]
    if isinstance(obj, random.Random):
        return ["Random", repr(obj.getstate())]
    if isinstance(obj, types.MethodType):
        return ["method", obj.__func__.__qualname__, _canon(obj.__self__, seen)]
    if isinstance(obj, weakref.WeakKeyDictionary):
        return ["weakkeys", [_canon(k, seen) for k in list(obj)]]
    if isinstance(obj, BaseModel):
        return [type(obj).__qualname__, obj.model_dump_json()]
    if isinstance(obj, dict):
        items = [[_canon(k, seen), _canon(v, seen)] for k, v in obj.items()]
        extra = _canon(vars(obj), seen) if hasattr(obj, "__dict__") else None
        return [type(obj).__qualname__, items, extra]
    if isinstance(obj, list | tuple):
        return [type(obj).__qualname__, [_canon(v, seen) for v in obj]]
    if isinstance(obj, set | frozenset):
        return [type(obj).__qualname__, sorted(json.dumps(_canon(v, {}), default=repr) for v in obj)]
    state = dict(sorted(vars(obj).items())) if hasattr(obj, "__dict__") else {}
    for cls in type(obj).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if hasattr(obj, slot) and slot not in ("__dict__", "__weakref__"):
                state[slot] = getattr(obj, slot)
    return [type(obj).__qualname__, [[k, _canon(v, seen)] for k, v in state.items()]]


def digest(world: World) -> str:
    """SHA-256 of the world's whole state (`_canon`): equal digests, equal worlds."""
    text = json.dumps(_canon(vars(world), {}), default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------ the same game
@pytest.mark.parametrize("turn", [0, 1, 10, 19])
def test_a_fork_plays_the_same_game_as_its_world(turn):
    """Forked at the start, mid-term and one turn before the end, the world and its fork each
    played to the end (controllers copied with the world) end exactly where a world never
    forked ends."""
    straight = finish(world_at(0))
    world = world_at(turn)
    fork = world.fork()
    assert digest(fork) == digest(world)
    assert outputs(finish(fork)) == outputs(straight)
    assert outputs(finish(world)) == outputs(straight)
    assert digest(fork) == digest(world)


@pytest.mark.parametrize("strategy", ["random", "adaptive"])
def test_a_fork_continues_every_random_draw(strategy):
    """The random strategy draws from its country's generator, events and shocks from the
    world's streams: a fork continues each where the world is, so the two games stay one."""
    world = world_at(6, seed=11, strategy=strategy, tables=False)
    fork = world.fork()
    assert fork.streams.states() == world.streams.states()
    assert outputs(finish(fork)) == outputs(finish(world))
    assert fork.streams.states() == world.streams.states()


def test_a_fork_made_mid_quarter_closes_it_as_the_world_does():
    """Forked while a quarter is open (controllers have decided, a desk submitted Actions), the
    fork closes the quarter and plays on as the world does."""
    world = world_at(7)
    world.open_quarter()
    world.governance.submit("KOR", [ChipIncentive(rate=0.2)])
    fork = world.fork()
    assert fork.in_turn
    assert outputs(finish(fork)) == outputs(finish(world))


def test_a_fork_of_a_fork_plays_the_same_game():
    world = world_at(4)
    grandchild = world.fork().fork()
    world.step()
    child = world.fork()
    assert outputs(finish(grandchild)) == outputs(finish(child)) == outputs(finish(world))


def test_tables_of_a_fork_are_its_own_and_the_same():
    """The DataCollector rows: the fork's go on from the world's, and the world's do not grow."""
    world = world_at(5)
    rows = len(world.datacollector.get_model_vars_dataframe())
    fork = finish(world.fork())
    assert len(world.datacollector.get_model_vars_dataframe()) == rows
    finish(world)
    assert fork.datacollector.get_model_vars_dataframe().equals(world.datacollector.get_model_vars_dataframe())
    assert fork.datacollector.get_agent_vars_dataframe().equals(world.datacollector.get_agent_vars_dataframe())


# ------------------------------------------------------------------ independence
def test_playing_and_changing_a_fork_leaves_the_world_exactly_as_it_was():
    world = world_at(8, strategy="laissez_faire")  # its budget free for the fork's Actions
    world.scores, world.history[-1], world.causes[-1][0]["en"]
    before = digest(world)
    fork = world.fork()
    fork.open_quarter()
    mix = {"leader": 0.4, "domestic": 0.5, "other": 0.1}
    budget = fork.planned_procurement(fork.countries["KOR"])
    verdicts = fork.governance.submit("KOR", [FoundrySubsidy(rate=0.1), ChipIncentive(rate=0.1),
                                              Procurement(budget=budget, mix=mix)])
    assert all(v.accepted for v in verdicts), verdicts
    finish(fork)
    # and by hand, everywhere a reader could reach
    fork.designers[0].variants["KOR"] = {"perf": 1.0, "price": 1.0, "ready": 0.0}
    fork.designers[0].hbm_suppliers.append("nobody")
    fork.countries["KOR"].policy.rd_grants["Rebellions"] = 1e12
    fork.installed[:] = 0
    fork.last_market["wafer"]["price"][:] = 0
    fork.history[3]["shares"]["hbm"]["SK hynix"] = -1
    fork.causes[2][0]["params"]["changed"] = True
    fork.qualification.clear()
    fork.export_rules.active.clear()
    fork.governance.log.clear()
    fork.streams("demand").random(5)
    fork.rng.random(3)
    fork.random.random()
    assert digest(fork) != before  # the digest sees every one of these
    assert digest(world) == before
    assert world.turn == 8 and fork.turn == world.turns
    assert outputs(finish(world)) == outputs(finish(world_at(0, strategy="laissez_faire")))


def test_changing_the_world_leaves_its_fork_as_it_was():
    world = world_at(3)
    fork = world.fork()
    before = digest(fork)
    finish(world)
    assert digest(fork) == before


def test_a_fork_shares_the_scenario_and_nothing_changes_it():
    scenario = baseline()
    fresh = content_hash(load_scenario("baseline"))
    world = world_at(9)
    fork = world.fork()
    assert fork.scenario is world.scenario and fork.source_scenario is world.source_scenario
    assert fork.params is world.params
    assert fork.designers[0].chip is world.designers[0].chip  # specs the agents hold are the scenario's
    assert fork.designers[0] is not world.designers[0] and fork.governance is not world.governance
    assert fork.agents is not world.agents and set(fork.agents).isdisjoint(world.agents)
    assert all(agent.model is fork for agent in fork.agents)
    finish(fork)
    finish(world)
    assert content_hash(scenario) == content_hash(world.scenario) == fresh


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), turn=st.integers(0, 19),
       strategy=st.sampled_from(["laissez_faire", "team_korea", "random", "adaptive"]))
def test_any_fork_plays_the_same_game_and_leaves_its_world_alone(seed, turn, strategy):
    world = world_at(turn, seed=seed, strategy=strategy, tables=False)
    before = digest(world)
    fork = world.fork()
    finish(fork)
    assert digest(world) == before
    assert outputs(finish(world)) == outputs(fork)


def test_preview_plays_on_a_fork_and_the_world_keeps_its_game():
    """World.preview (greedy, event choices) forks: the world's own game is unchanged."""
    world = world_at(5, tables=False)
    world.open_quarter()
    before = digest(world)
    ahead = world.preview("KOR", [ChipIncentive(rate=0.3)], quarters=3)
    assert 0 <= ahead <= 100
    assert digest(world) == before


# ------------------------------------------------------------------ game.snapshot against copy.deepcopy
class Plain:
    def __init__(self, **fields) -> None:
        self.__dict__.update(fields)


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a, b) -> None:
        self.a, self.b = a, b


class WithState:
    def __init__(self, items) -> None:
        self.items = items

    def __getstate__(self):
        return {"items": self.items, "note": "via state"}

    def __setstate__(self, state) -> None:
        self.items, self.note = state["items"], state["note"]


def test_clone_copies_as_deepcopy_does():
    """Aliasing and cycles kept, tuples of atomics kept, slotted and stateful classes copied by
    their own protocol, arrays and generators independent with the same contents."""
    shared = [1.0, 2.0]
    node = Plain(values=shared, again=shared, array=np.arange(3.0), pair=(1, "a"), nested=(shared, 2),
                 slotted=Slotted(shared, {"k": 1}), stateful=WithState(shared), keys={("a", 1): shared},
                 rng=np.random.default_rng(5), random=random.Random(5), frozen=frozenset({1, 2}))
    node.me = node
    node.method = node.__init__
    copied = clone(node, {})
    reference = copy.deepcopy(node)
    for made in (copied, reference):
        assert made is not node and made.me is made
        assert made.values == shared and made.values is not shared and made.again is made.values
        assert made.nested[0] is made.values and made.slotted.a is made.values
        assert made.stateful.items is made.values and made.stateful.note == "via state"
        assert made.keys[("a", 1)] is made.values
        assert made.pair is node.pair
        assert made.method.__self__ is made
        np.testing.assert_array_equal(made.array, node.array)
        assert made.array is not node.array
    assert copied.rng.random() == reference.rng.random() == node.rng.random()
    assert copied.random.random() == reference.random.random() == node.random.random()
    copied.values.append(3.0)
    assert shared == [1.0, 2.0]
