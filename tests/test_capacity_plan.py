"""A foundry plans each process against a forecast of its orders when a project started now comes on
line (docs/model.md, "Capacity"): the pool's orders by the pool's own rule (`Pool.forecast_orders`) and its
AI customers' plans (`Foundry.expected_orders`), not the recent growth of the process's own orders
(which, compounded over a seven-quarter lead time on a ramping process, built TSMC's 2 nm to
~510 thousand wafers a quarter used two-thirds and let wafer prices fall to cost)."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.producers import DesignerOrders
from game import wafers
from game.model import World
from game.scenario import Generation, Scenario, load_scenario


@cache
def baseline() -> Scenario:
    return load_scenario("baseline")


def world_at(turns: int = 0, seed: int = 0) -> World:
    world = World(baseline(), seed=seed, tables=False)
    for _ in range(turns):
        world.step()
    return world


# ------------------------------------------------------------------ the pool's forecast orders


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["7nm", "5nm", "3nm", "2nm"]), st.floats(0, 1e4), min_size=1),
       st.floats(0, 0.2), st.floats(0, 0.5), st.integers(0, 4))
def test_a_quarter_of_growth_and_migration_moves_demand_without_making_or_losing_any(demand, growth, migration,
                                                                                   opened):
    """Migration moves wafers between classes; only growth adds them; no class goes negative."""
    classes = ("7nm", "5nm", "3nm", "2nm")[: opened + 1]
    before = sum(demand.values())
    after = dict(demand)
    wafers._grow_and_migrate(after, classes, growth, migration)
    assert sum(after.values()) == pytest.approx(before * (1 + growth), rel=1e-12, abs=1e-9)
    assert all(v >= 0 for v in after.values())


def _pool_orders_now(world: World) -> dict[str, list[float]]:
    """What the pool orders this quarter, per class and foundry (`Pool.orders`)."""
    out = {c: [0.0] * len(world.foundries) for c in world.pool.classes}
    for _, node, i, amount in world.pool.orders(world):
        out[node][i] += amount
    return out


@pytest.mark.parametrize("turns", [0, 3, 9])
def test_the_forecasts_first_quarter_is_what_the_pool_then_orders(turns):
    """Read in phase 3 (before the pool moves), the forecast's quarter 0 is the pool's own move and
    orders of this quarter: the same demand, re-pick and price response (nothing it reads changes
    between phase 3 and the wafer market)."""
    world = world_at(turns)
    seen = {}
    real_move = wafers.Pool.move

    def move(pool, w, choice=None):
        seen["forecast"] = pool.forecast_orders(w, [0, 2])
        fresh = pool.choice(w)  # what move works out itself: the phase's reused choice is the same
        assert choice is not None and all((a == b).all() for a, b in zip(choice, fresh, strict=True))
        real_move(pool, w, choice)
        seen["orders"] = _pool_orders_now(w)

    pool = world.pool
    pool.move = move.__get__(pool)
    try:
        world.step()
    finally:
        del pool.move
    for node, row in seen["orders"].items():
        assert list(seen["forecast"][0][node]) == pytest.approx(row, rel=1e-9, abs=1e-9), node
    assert sum(sum(row) for row in seen["orders"].values()) > 0


def test_the_pool_is_forecast_to_move_to_a_process_before_it_opens():
    """Before Samsung's SF2 opens (2025Q4), the pool's forecast already has 2 nm orders for it
    when its first fab would come on line: migration to the newest class and the pool's re-pick
    towards the process once it runs, not the zero orders it has today."""
    world = world_at(0)
    samsung = world.by_name["Samsung Foundry"]
    assert world.now < samsung.nodes["2nm"]["opens"]
    forecast = world.pool.forecast_orders(world, [0, samsung.lead_time])
    i = world.foundries.index(samsung)
    assert forecast[0]["2nm"][i] == 0.0
    assert forecast[samsung.lead_time]["2nm"][i] > 1.0


def test_the_forecast_reads_the_pool_and_changes_nothing():
    world = world_at(2)
    pool = world.pool
    before = ({c: float(v) for c, v in pool.demand.items()},
              {c: {s: a.copy() for s, a in by.items()} for c, by in pool.shares.items()})
    pool.forecast_orders(world, range(11))
    assert {c: float(v) for c, v in pool.demand.items()} == before[0]
    for c, by in pool.shares.items():
        for s, a in by.items():
            assert (a == before[1][c][s]).all()


# ------------------------------------------------------------------ a foundry's expected orders


def only_successor(world: World, designer_name: str, **update):
    """Leave `designer_name` the only designer with a roadmap: its current chip again (same node,
    die and foundries unless `update` says otherwise), due next quarter."""
    designer = world.by_name[designer_name]
    for d in world.designers:
        d.roadmap = []
    fields = designer.chip.model_dump()
    fields.update(launch="2025Q2", foundries=list(designer.foundries), **update)
    successor = Generation(**fields)
    designer.roadmap = [successor]
    return designer, successor


def no_roadmaps(world: World) -> None:
    for d in world.designers:
        d.roadmap = []


def test_a_successor_on_the_same_node_replaces_the_chip_it_succeeds():
    """A foundry builds for its customers' tape-outs, but a designer's next generation replaces the
    wafers of the chip it succeeds: the same chip again, at the same foundries, changes nothing the
    node expects, however large the designer's demand."""
    world = world_at(0)
    tsmc = world.by_name["TSMC"]
    nvidia = world.by_name["Nvidia"]
    for demand in (nvidia.demand_est, 10 * nvidia.demand_est):
        nvidia.demand_est = demand
        no_roadmaps(world)
        without = tsmc.expected_orders(list(tsmc.nodes), world.now)
        only_successor(world, "Nvidia")
        assert tsmc.expected_orders(list(tsmc.nodes), world.now) == pytest.approx(without, rel=1e-12)


def test_a_successor_with_a_smaller_die_lowers_what_the_node_expects():
    """More good dies a wafer for the same demand: the successor needs fewer wafers than the chip
    it replaces, so the node expects fewer."""
    world = world_at(0)
    tsmc = world.by_name["TSMC"]
    nvidia = world.by_name["Nvidia"]
    node = nvidia.chip.node
    no_roadmaps(world)
    without = tsmc.expected_orders([node], world.now)[node]
    only_successor(world, "Nvidia", dies_per_wafer=2 * nvidia.chip.dies_per_wafer, die_area=None)
    assert tsmc.expected_orders([node], world.now)[node] < without


def test_a_designer_moving_to_a_newer_node_takes_its_orders_off_the_old_one():
    """A designer whose successor is on another node leaves its current node within the lead time:
    the old node expects its wafers gone and the new one expects them, and no line expects
    negative orders."""
    world = world_at(0)
    tsmc = world.by_name["TSMC"]
    nvidia = world.by_name["Nvidia"]
    old = nvidia.chip.node
    newer = next(n for n in tsmc.order[tsmc.order.index(old) + 1:])
    no_roadmaps(world)
    without = tsmc.expected_orders([old, newer], world.now)
    only_successor(world, "Nvidia", node=newer)
    moved = tsmc.expected_orders([old, newer], world.now)
    assert moved[old] < without[old]
    assert moved[newer] > without[newer]
    for _, _, expected, _ in tsmc.investment_lines(world.now):
        assert expected >= 0


def test_a_customers_growth_is_extrapolated_over_the_lead_time_up_to_the_cap():
    """Customers' wafers here grow at their own smoothed demand growth for the lead time, at most
    `growth_expectation_cap` a quarter: the pool's part does not move with it."""
    world = world_at(2)
    tsmc = world.by_name["TSMC"]
    node = world.by_name["Nvidia"].chip.node
    no_roadmaps(world)
    cap = world.params.growth_expectation_cap
    expected = {}
    for growth in (0.0, cap / 2, cap, 3 * cap):
        for designer in world.designers:
            designer.growth_est = growth
        expected[growth] = tsmc.expected_orders([node], world.now)[node]
    i = world.foundries.index(tsmc)
    pool = world.pool.forecast_orders(world, [tsmc.lead_time])[tsmc.lead_time][node][i]
    base = expected[0.0] - pool
    assert base > 0
    assert expected[cap / 2] - pool == pytest.approx(base * (1 + cap / 2) ** tsmc.lead_time, rel=1e-9)
    assert expected[3 * cap] == pytest.approx(expected[cap], rel=1e-12)


def test_the_phase_shares_one_forecast_and_a_foundry_alone_reads_the_same(monkeypatch):
    """firms_decide's DesignerOrders works the pool's forecast out once for every foundry (every
    investing foundry's lead time at once); a foundry asked on its own makes its own and expects
    the same."""
    world = world_at(3)
    alone = {f.name: f.expected_orders(list(f.nodes), world.now) for f in world.foundries}
    runs = []
    real = wafers.Pool.forecast_orders

    def counted(pool, w, horizons, choice=None):
        runs.append(sorted(horizons))
        return real(pool, w, horizons, choice)

    monkeypatch.setattr(wafers.Pool, "forecast_orders", counted)
    shared = DesignerOrders(world)
    for foundry in world.foundries:
        assert foundry.expected_orders(list(foundry.nodes), world.now, shared) == alone[foundry.name]
    assert runs == [sorted({f.lead_time for f in world.foundries if f.invests})]


def test_a_ramping_process_is_not_planned_off_its_own_ramp():
    """The process's recent order growth is not what it plans on: doubling every node's last
    orders (what the old rule smoothed and compounded) changes no foundry's expected orders."""
    world = world_at(4)
    before = {f.name: f.expected_orders(list(f.nodes), world.now) for f in world.foundries}
    for f in world.foundries:
        for state in f.nodes.values():
            state["asked"] *= 2
    assert {f.name: f.expected_orders(list(f.nodes), world.now) for f in world.foundries} == before


# ------------------------------------------------------------------ the margin a unit short loses


@settings(max_examples=100, deadline=None)
@given(price=st.floats(1, 50), cost=st.floats(1, 50), expected=st.floats(0, 500), planned=st.floats(0, 500))
def test_the_expected_margin_follows_the_price_rule_on_the_expected_shortage(price, cost, expected, planned):
    """A unit short loses the margin at the price the market's rule gives the orders expected
    against the capacity planned (docs/model.md, "Capacity"): never negative, at today's price
    when the line will be used at its normal rate, above it when short, below (to the cost) when
    slack, and more the shorter the line."""
    world = world_at()
    samsung = world.by_name["Samsung Foundry"]
    params = world.params
    margin = samsung.expected_margin(price, cost, expected, planned)
    assert margin >= 0
    assert margin <= (price * (1 + params.price_step_limit) - min(price, cost)) / 1000 + 1e-12
    supply = planned * params.normal_utilisation
    if supply > 0 and expected > supply and price > cost:
        assert margin > (price - cost) / 1000
    if supply > 0 and expected < supply:
        assert margin <= max(price - cost, 0.0) / 1000 + 1e-12
    assert samsung.expected_margin(price, cost, expected + 50, planned) >= margin


@settings(max_examples=100, deadline=None)
@given(price=st.floats(1, 50), cost=st.floats(1, 50), asked=st.floats(0, 500), running=st.floats(1, 500),
       expected=st.floats(0, 500), planned=st.floats(1, 500))
def test_the_expected_price_steps_over_the_lead_time_from_todays_excess_to_the_expected_one(
        price, cost, asked, running, expected, planned):
    """With lines running now, the planner steps the price rule once a quarter over its lead time,
    the excess demand moving in a straight line from today's to the one expected when the project
    comes on line (docs/model.md, "Capacity"): the same excess all the way is the one-step rule
    compounded; more orders expected never lower the margin; it is never negative and never above
    the rule's largest rise over the lead time."""
    world = world_at()
    samsung = world.by_name["Samsung Foundry"]
    params = world.params
    lead, u, k, limit = samsung.lead_time, params.normal_utilisation, params.price_response, params.price_step_limit
    margin = samsung.expected_margin(price, cost, expected, planned, asked, running)
    assert 0 <= margin <= (max(price, cost) * (1 + limit) ** lead - cost) / 1000 + 1e-9
    assert samsung.expected_margin(price, cost, expected + 50, planned, asked, running) >= margin
    # today's excess equal to the expected one: each quarter the same step, floored at the cost
    same = samsung.expected_margin(price, cost, expected, planned, expected * running / planned, running)
    step = min(max(k * (expected - planned * u) / (planned * u), -limit), limit)
    then = price
    for _ in range(lead):
        then = max(then * (1 + step), cost)
    assert same == pytest.approx((then - cost) / 1000, rel=1e-9, abs=1e-12)


def test_a_line_short_now_and_then_expects_more_than_one_step_of_the_rule():
    """Samsung's SF2 at its cost, short today and expected short when a project comes on line: the
    price it plans on has risen for the whole lead time (seven steps), where the one-step rule,
    read with no capacity running, expects a single step."""
    world = world_at()
    samsung = world.by_name["Samsung Foundry"]
    state = samsung.nodes["2nm"]
    cost = state["unit_cost"]
    one_step = samsung.expected_margin(cost, cost, 100.0, 50.0)
    path = samsung.expected_margin(cost, cost, 100.0, 50.0, 100.0, 50.0)
    limit = world.params.price_step_limit
    assert one_step == pytest.approx(cost * limit / 1000)
    assert path == pytest.approx(cost * ((1 + limit) ** samsung.lead_time - 1) / 1000)
    # slack today and then: a line at its cost expects no margin
    assert samsung.expected_margin(cost, cost, 20.0, 50.0, 20.0, 50.0) == 0


def test_a_line_at_its_cost_floor_is_extended_when_its_customers_plans_say_it_will_be_short():
    """Samsung's SF2 is priced at its cost while it ramps; with orders expected above what it will
    have, it expects a margin and plans a project, which today's margin (zero) never allowed."""
    world = world_at()
    samsung = world.by_name["Samsung Foundry"]
    state = samsung.nodes["2nm"]
    state["price"] = state["unit_cost"]
    assert samsung.expected_margin(state["price"], state["unit_cost"], 100.0, 50.0) > 0
    assert samsung.expected_margin(state["price"], state["unit_cost"], 20.0, 50.0) == 0
