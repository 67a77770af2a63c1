"""Issue 15's speed-ups of the wafer market and the non-AI pool give the numbers the code they
replaced gave, bit for bit.

The references below are that code (game/wafers.py and game/upstream.py at e058167), kept here
rather than in the game: each fast path is compared with its reference on worlds at several
quarters of several scenarios and strategies (a subsidised home segment, export rules that bar a
segment, processes that open mid-game). Floats are compared by their repr, so -0.0 and 0.0 differ.
The pool's frame cache (`Pool.frame`) is checked against the tables it holds, for when it must be
rebuilt, and for being no part of the world's state (tests/test_fork.py's digest)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from agents.controllers import make_controller
from game import market, wafers
from game.model import World
from game.policy import customer_side, stance_affinity, supplier_step
from game.scenario import ExportControl, Scenario, load_scenario
from tests.test_fork import digest

CASES = [("baseline", 3, "team_korea", turn) for turn in (0, 1, 6, 13, 19)] + [
    ("baseline", 5, "random", 9), ("lesson_export_controls", 1, "adaptive", 7), ("history_2024", 2, "default", 3)]


@cache
def scenario(name: str) -> Scenario:
    return load_scenario(name)


def world_at(name: str, seed: int, strategy: str, turn: int) -> World:
    """A world after `turn` quarters, with the next quarter opened up to its policy phase (so its
    `now` is the quarter the pool moves and orders in)."""
    world = World(scenario(name), seed, controllers={"KOR": make_controller("KOR", strategy)}, tables=False)
    for _ in range(turn):
        world.step()
    world.open_quarter()
    return world


def exact(value) -> str:
    """A structure's every float by its repr (arrays as lists of Python floats)."""
    if isinstance(value, np.ndarray):
        return f"array({value.dtype}, {exact(value.tolist())})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {exact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(exact(v) for v in value) + "]"
    return repr(value)


# ------------------------------------------------------------------ the references (e058167)
def reference_price_response(elasticity: float, shares, state: list) -> float:
    if elasticity <= 0 or not any(s > 0 for s in shares):
        return 1.0
    price = sum(s * n["price"] for s, n in zip(shares, state, strict=True) if s > 0)
    listed = sum(s * n["list_price"] for s, n in zip(shares, state, strict=True) if s > 0)
    return (price / listed) ** -elasticity if listed > 0 and price > 0 else 1.0


def reference_orders(pool: wafers.Pool, world: World) -> list:
    running = pool.running_table(world)
    exports = pool.export_table(world)
    row = {node: k for k, node in enumerate(pool.classes)}
    elasticity = world.params.pool_price_elasticity
    out = []
    for node, demand in pool.demand.items():
        if demand <= 0 or node not in pool.shares:
            continue
        runs = running[row[node]]
        state = [f.nodes.get(node) for f in world.foundries]
        for (segment, part), barred in zip(pool.segments.items(), exports, strict=True):
            shares = [share if on and ok else 0.0
                      for share, on, ok in zip(pool.shares[node][segment].tolist(), runs, barred, strict=True)]
            wanted = demand * part * reference_price_response(elasticity, shares, state)
            for i, share in enumerate(shares):
                if share > 0:
                    out.append((segment, node, i, wanted * share))
    return out


def reference_move(pool: wafers.Pool, world: World) -> None:
    growth = 1 + pool.spec.growth
    running = np.array(pool.running_table(world), dtype=bool).reshape(len(pool.classes), -1)
    exports = np.array(pool.export_table(world), dtype=bool).reshape(len(pool.segments), -1)
    allowed = running[:, None, :] & exports[None, :, :]
    open_classes = [c for c, row in zip(pool.classes, pool.running_table(world), strict=True) if any(row)]
    for node in pool.demand:
        pool.demand[node] *= growth
    for older, newer in zip(open_classes[-2::-1], open_classes[::-1], strict=False):
        moving = pool.spec.migration * pool.demand.get(older, 0.0)
        pool.demand[older] = pool.demand.get(older, 0.0) - moving
        pool.demand[newer] = pool.demand.get(newer, 0.0) + moving
    if not pool.classes:
        return
    inertia = world.params.other_demand_inertia
    segments = list(pool.segments)
    old = np.array([[pool.shares[node][segment] for segment in segments] for node in pool.classes])
    target = market.logit_shares(pool.utility_table(world), allowed)
    mix = (1 - inertia) * np.where(allowed, old, 0.0) + inertia * target
    total = mix.sum(axis=-1, keepdims=True)
    mixed = np.divide(mix, total, out=target.copy(), where=total > 0)
    new = np.where(allowed.any(axis=-1, keepdims=True), mixed, old)
    for k, node in enumerate(pool.classes):
        for s, segment in enumerate(segments):
            pool.shares[node][segment] = new[k, s]


def reference_stance_pull(world: World, segment: str) -> np.ndarray:
    side = customer_side(segment)
    if side == 0.0 or not world.scenario.levers:
        return np.zeros(len(world.foundries))
    pull = stance_affinity(world) * side
    return np.array([pull * supplier_step(world, f.country) for f in world.foundries])


def reference_utility_table(pool: wafers.Pool, world: World, nodes=None, segments=None, with_appeal=True):
    """Pool.utility_table as it was (at 4faa790): the cost repeated for every segment, the home bias
    and the stance's pull added through np.where on the located segments."""
    params = world.params
    foundries = world.foundries
    nodes = pool.classes if nodes is None else nodes
    segments = list(pool.segments) if segments is None else segments
    dies = params.usable_wafer_area / params.reference_die_area
    cost = np.array([[f.nodes[node]["price"] / (dies * f.die_yield(node, params.reference_die_area))
                      if node in f.nodes else 1.0 for f in foundries] for node in nodes]).reshape(len(nodes), -1)
    cost = np.repeat(cost[:, None, :], len(segments), axis=1)
    for s, segment in enumerate(segments):
        country = world.countries.get(segment) if segment is not None else None
        if country is None or country.policy.foundry_subsidy <= 0:
            continue
        home = [(i, f) for i, f in enumerate(foundries) if f.country == segment]
        for k, node in enumerate(nodes):
            for i, f in home:
                subsidy = wafers.home_subsidy_per_die(world, f, node, segment)
                if subsidy:
                    cost[k, s, i] = cost[k, s, i] - subsidy
    utility = -params.other_demand_cost_weight * np.log(np.maximum(cost, 1e-9))
    home = np.array([[f.country == segment for f in foundries] for segment in segments]).reshape(len(segments), -1)
    bias = np.array([world.scenario.foundry_pool.home_bias.get(segment, params.home_pool_bias)
                     for segment in segments])[:, None]
    pull = np.array([reference_stance_pull(world, segment) if segment is not None else np.zeros(len(foundries))
                     for segment in segments]).reshape(len(segments), -1)
    located = np.array([segment is not None for segment in segments])[:, None]
    utility = np.where(located, utility + bias * home, utility)
    utility = np.where(located, utility + pull, utility)
    if with_appeal:
        utility = utility + np.array([pool.appeal[node] for node in nodes]).reshape(len(nodes), 1, -1)
    return utility


def reference_gap_per_die(world: World, foundry, node: str, area: float, country: str) -> float:
    dies = world.params.usable_wafer_area / area if area else 1.0

    def cost(f):
        return f.nodes[node]["price"] / (dies * f.die_yield(node, area))

    foreign = [cost(f) for f in world.foundries if f.country != country and f.runs(node, world.now)
               and f.available > 0 and world.export_rules.allows("wafer", f.country, country)]
    return max(cost(foundry) - min(foreign), 0.0) if foreign else 0.0


def pool_state(pool: wafers.Pool) -> str:
    return exact([pool.demand, pool.shares])


# ------------------------------------------------------------------ the pool
@pytest.mark.parametrize("case", CASES)
def test_pool_orders_are_the_reference_orders(case) -> None:
    world = world_at(*case)
    world.pool.move(world)
    assert exact(world.pool.orders(world)) == exact(reference_orders(world.pool, world))


@pytest.mark.parametrize("case", CASES)
def test_pool_move_is_the_reference_move(case) -> None:
    world = world_at(*case)
    fork = world.fork()
    world.pool.move(world)
    reference_move(fork.pool, fork)
    assert pool_state(world.pool) == pool_state(fork.pool)


@pytest.mark.parametrize("case", CASES)
def test_the_utility_table_is_the_reference_table(case) -> None:
    """Every class and segment, the frame's home table (move's), a segment of None among them, one
    class and segment at a time (`utility`, the calibration's), with and without the appeal: the
    same bits and shape as the table worked out as it was."""
    world = world_at(*case)
    pool = world.pool
    segments = list(pool.segments)
    tables = [(pool.utility_table(world), reference_utility_table(pool, world)),
              (pool._utility(world, pool.classes, segments, pool.frame(world).home, True),
               reference_utility_table(pool, world))]
    for with_appeal in (True, False):
        mixed = [None, *segments[::-1]]
        tables.append((pool.utility_table(world, pool.classes[::-1], mixed, with_appeal),
                       reference_utility_table(pool, world, pool.classes[::-1], mixed, with_appeal)))
        for node in pool.classes:
            for segment in (*segments, None):
                tables.append((pool.utility_table(world, [node], [segment], with_appeal),
                               reference_utility_table(pool, world, [node], [segment], with_appeal)))
    for got, expected in tables:
        assert got.shape == expected.shape and got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("case", CASES[::2])
def test_gap_per_die_is_the_reference_gap(case) -> None:
    world = world_at(*case)
    for foundry in world.foundries:
        for node in foundry.order:
            for country in world.countries:
                for area in (world.params.reference_die_area, 8.5):
                    assert repr(wafers.gap_per_die(world, foundry, node, area, country)) == \
                        repr(reference_gap_per_die(world, foundry, node, area, country))


# ------------------------------------------------------------------ the frame cache
def frame_tables(pool: wafers.Pool, world: World) -> tuple:
    """What a frame holds, worked out afresh from the pool's tables."""
    running, exports = pool.running_table(world), pool.export_table(world)
    allowed = [[[on and ok for on, ok in zip(runs, barred, strict=True)] for barred in exports] for runs in running]
    options = {(node, segment): [i for i, ok in enumerate(row) if ok]
               for node, by_segment in zip(pool.classes, allowed, strict=True)
               for segment, row in zip(pool.segments, by_segment, strict=True)}
    open_classes = [c for c, runs in zip(pool.classes, running, strict=True) if any(runs)]
    return options, open_classes, allowed


def held(frame) -> tuple:
    return ({key: list(o) for key, o in frame.options.items()}, list(frame.open_classes), frame.allowed.tolist())


@pytest.mark.parametrize("case", CASES)
def test_the_frame_holds_the_tables_of_the_quarter(case) -> None:
    world = world_at(*case)
    frame = world.pool.frame(world)
    assert held(frame) == frame_tables(world.pool, world)
    assert frame.any_allowed.tolist() == np.array(frame.allowed).any(axis=-1, keepdims=True).tolist()
    bias = world.scenario.foundry_pool.home_bias
    assert frame.home.tolist() == [[bias.get(s, world.params.home_pool_bias) if f.country == s else 0.0
                                    for f in world.foundries] for s in world.pool.segments]
    assert world.pool.frame(world) is frame  # nothing it reads has changed
    with pytest.raises(ValueError):
        frame.allowed[0, 0, 0] = not frame.allowed[0, 0, 0]


def test_the_frame_is_rebuilt_when_a_process_opens_a_foundry_exits_or_a_rule_is_added() -> None:
    world = World(scenario("baseline"), 1, tables=False)
    pool = world.pool
    opening = min(f.nodes[n]["opens"] for f in world.foundries for n in f.order if f.nodes[n]["opens"] > world.now)
    frame = pool.frame(world)
    world.now = int(opening) - 1
    assert pool.frame(world) is frame  # no process opened in between
    world.now = int(opening)
    opened = pool.frame(world)
    assert opened is not frame and held(opened) == frame_tables(pool, world)
    world.foundries[0].alive = False
    exited = pool.frame(world)
    assert exited is not opened and held(exited) == frame_tables(pool, world)
    assert not any(0 in options for options in exited.options.values())
    world.foundries[0].alive = True
    world.export_rules.add(ExportControl(name_en="test", name_ko="test", good="wafer",
                                         from_countries=[world.foundries[0].country], to_countries=["ROW"],
                                         since="2025Q1"))
    barred = pool.frame(world)
    assert barred is not opened and held(barred) == frame_tables(pool, world)
    assert all(0 not in options for (_, segment), options in barred.options.items() if segment == "ROW")


def test_a_fork_builds_its_own_frame_and_the_cache_is_no_part_of_the_state() -> None:
    world = world_at("baseline", 2, "team_korea", 4)
    before = digest(world)
    frame = world.pool.frame(world)
    assert digest(world) == before
    fork = world.fork()
    assert fork.pool.frame(fork) is not frame
    assert held(fork.pool.frame(fork)) == held(frame)
