"""The speed-ups of the firms' investment path give the numbers the code they replaced gave, bit
for bit.

The references below are that code (game/wafers.py and agents/producers.py at dea35e0), kept here
rather than in the game: the pool's forecast (`Pool.forecast_orders`, worked out quarter by
quarter, each wanted quarter's orders on its own) is compared with its reference on worlds at
several quarters of several scenarios and strategies (tests/test_speed_wafers.py's), for several
sets of horizons, with the phase's choice given and without. Floats are compared by their repr, so
-0.0 and 0.0 differ."""

from __future__ import annotations

import numpy as np
import pytest

from game import market, wafers
from game.model import World
from tests.test_speed_wafers import CASES, exact, world_at


# ------------------------------------------------------------------ the references (dea35e0)
def reference_grow_and_migrate(demand: dict[str, float], open_classes: tuple[str, ...], growth: float,
                               migration: float) -> None:
    grown = 1 + growth
    for node in demand:
        demand[node] *= grown
    for older, newer in zip(open_classes[-2::-1], open_classes[::-1], strict=False):
        moving = migration * demand.get(older, 0.0)
        demand[older] = demand.get(older, 0.0) - moving
        demand[newer] = demand.get(newer, 0.0) + moving


def reference_repick(old, target, allowed, any_allowed, inertia: float) -> np.ndarray:
    mix = (1 - inertia) * np.where(allowed, old, 0.0) + inertia * target
    total = mix.sum(axis=-1, keepdims=True)
    mixed = np.divide(mix, total, out=target.copy(), where=total > 0)
    return np.where(any_allowed, mixed, old)


def reference_forecast_orders(pool: wafers.Pool, world: World, horizons, choice=None) -> dict:
    foundries = world.foundries
    segments = list(pool.segments)
    parts = np.array([pool.segments[segment] for segment in segments])
    demand = {node: float(wafers) for node, wafers in pool.demand.items()}
    classes = pool.classes
    wanted_at = set(horizons)
    out = {}
    if not classes or not wanted_at:
        return {k: {} for k in wanted_at}
    exports = np.array(pool.export_table(world), dtype=bool).reshape(len(segments), len(foundries))
    utility, target_now = choice if choice is not None else pool.choice(world)
    price = np.array([[f.nodes[c]["price"] if c in f.nodes else 0.0 for f in foundries] for c in classes])
    listed = np.array([[f.nodes[c]["list_price"] if c in f.nodes else 0.0 for f in foundries] for c in classes])
    elasticity = world.params.pool_price_elasticity
    shares = np.array([[pool.shares[node][segment] for segment in segments] for node in classes])
    opens = np.array([[f.nodes[c]["opens"] if c in f.nodes and f.alive else np.inf for f in foundries]
                      for c in classes])
    targets = {}
    for k in range(max(wanted_at) + 1):
        running = opens <= world.now + k
        key = running.tobytes()
        if key not in targets:
            allowed = running[:, None, :] & exports[None, :, :]
            target = target_now if k == 0 else market.logit_shares(utility, allowed)
            targets[key] = (allowed, allowed.any(axis=-1, keepdims=True), target,
                            tuple(c for c, row in zip(classes, running.any(axis=1).tolist(), strict=True) if row))
        allowed, any_allowed, target, open_classes = targets[key]
        reference_grow_and_migrate(demand, open_classes, pool.spec.growth, pool.spec.migration)
        shares = reference_repick(shares, target, allowed, any_allowed, world.params.other_demand_inertia)
        if k not in wanted_at:
            continue
        paid = (shares * price[:, None, :]).sum(axis=-1)
        list_paid = (shares * listed[:, None, :]).sum(axis=-1)
        response = np.ones_like(paid)
        if elasticity > 0:
            priced = (paid > 0) & (list_paid > 0)
            response[priced] = (paid[priced] / list_paid[priced]) ** -elasticity
        wanted = np.array([max(demand.get(c, 0.0), 0.0) for c in classes])[:, None] * parts[None, :] * response
        orders = (wanted[:, :, None] * shares).sum(axis=1)
        out[k] = {c: orders[i] for i, c in enumerate(classes)}
    return out


# ------------------------------------------------------------------ the pool's forecast
HORIZONS = ([7, 8, 10], [0], [10, 0, 3], [1, 2, 5, 15, 24], [-1], [-2, 4], [])


@pytest.mark.parametrize("case", CASES)
def test_the_forecast_is_the_reference_forecast(case) -> None:
    """Every set of horizons (unsorted, repeated, beyond a process's opening, below 0), with the
    phase's choice and without: the same quarters, classes and bits."""
    world = world_at(*case)
    pool = world.pool
    choice = pool.choice(world)
    for horizons in HORIZONS:
        for given in (choice, None):
            assert exact(pool.forecast_orders(world, horizons, given)) == \
                exact(reference_forecast_orders(pool, world, horizons, given))


def test_the_forecast_of_a_pool_without_demand_on_a_class() -> None:
    """A class the pool has no demand for yet (2 nm at the start) starts the forecast at none, as
    the dict read it; so does one whose demand is dropped here."""
    world = world_at("baseline", 3, "team_korea", 1)
    pool = world.pool
    assert pool.classes[-1] not in pool.demand
    assert exact(pool.forecast_orders(world, [0, 6, 12])) == exact(reference_forecast_orders(pool, world, [0, 6, 12]))
    del pool.demand[next(c for c in pool.classes[1:] if c in pool.demand)]
    assert exact(pool.forecast_orders(world, [0, 6, 12])) == exact(reference_forecast_orders(pool, world, [0, 6, 12]))


@pytest.mark.parametrize("case", CASES[::3])
def test_the_frame_holds_the_export_table(case) -> None:
    world = world_at(*case)
    frame = world.pool.frame(world)
    assert frame.exports.tolist() == world.pool.export_table(world)
    with pytest.raises(ValueError):
        frame.exports[0, 0] = not frame.exports[0, 0]


def test_the_games_take_the_short_re_pick() -> None:
    """The scenario's pool is tame (`wafers._tame`, `_tame_pull`): the forecast re-picks its
    shares by `_repick_tame`, which the tests above compare with the reference."""
    world = world_at("baseline", 3, "team_korea", 6)
    pool = world.pool
    opens = wafers._class_tables(world.foundries, pool.classes)[-1]
    utility, target = pool.choice(world)
    steps = wafers._forecast_steps(opens, pool.frame(world).exports, utility, target, world.now, 12,
                                   world.params.other_demand_inertia)
    assert wafers._tame(wafers._share_table(pool.shares, pool.classes, list(pool.segments)),
                        1 - world.params.other_demand_inertia)
    assert all(step.tame for step in steps)


@pytest.mark.parametrize("inertia", [0.0, 1e-320, 0.5, 1.0, 1.5, -0.25])
def test_an_untamed_inertia_forecasts_as_the_reference(inertia: float) -> None:
    """An inertia of 0 (no pull: a row whose shares are all barred sums to 0), one so small its
    pull underflows, or one out of [0, 1]: the forecast takes `_repick`'s steps where the short
    re-pick would not give the same numbers, and the same numbers either way."""
    world = world_at("lesson_export_controls", 1, "adaptive", 7)
    world.params = world.params.model_copy(update={"other_demand_inertia": inertia})
    pool = world.pool
    for horizons in ([0, 4, 9], [12]):
        assert exact(pool.forecast_orders(world, horizons)) == exact(reference_forecast_orders(pool, world, horizons))


@pytest.mark.parametrize("odd", [-0.0, -1e-3, 1.5, np.nan, np.inf])
def test_odd_shares_forecast_as_the_reference(odd: float) -> None:
    """A share that is -0.0, negative, above 1, NaN or infinite (none a game makes): the forecast
    falls back to `_repick`'s steps and gives the reference's numbers."""
    world = world_at("baseline", 5, "random", 9)
    pool = world.pool
    node = pool.classes[1]
    segment = next(iter(pool.segments))
    pool.shares[node][segment] = pool.shares[node][segment].copy()
    pool.shares[node][segment][0] = odd
    with np.errstate(all="ignore"):
        assert exact(pool.forecast_orders(world, [0, 3, 10])) == \
            exact(reference_forecast_orders(pool, world, [0, 3, 10]))
