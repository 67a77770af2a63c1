"""Issue 15: the accelerator market and the firms' decisions, made cheaper without changing a bit.

Each rewrite is compared, value and type, with the code it replaced (kept here as the
reference) on the worlds of whole games: the purchasing rows of a procurement mandate, a chip's
unit cost, a line's capacity wanted when the capacity-support lever is zero, the designers'
orders an HBM maker's or packager's announced demand reads (summed once a quarter for all of
them, in loops), a producer's investment line and an HBM maker's unit cost (loops, not sums
over generators). The games
themselves are compared with the anchor's digests by /work/tools/digest.py (and by
tests/test_speed_identity.py for the scalar kernels).
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest

from agents.controllers import make_controller
from agents.producers import DesignerOrders, Producer, successor_due
from game import accelerators, market, wafers
from game.model import World
from game.scenario import load_scenario


@cache
def quarters(name: str, strategy: str, seed: int = 1) -> list[World]:
    """A fork of the world after each quarter of a game."""
    world = World(load_scenario(name), seed, controllers={"KOR": make_controller("KOR", strategy)}, tables=False)
    out = []
    while not world.finished:
        world.step()
        out.append(world.fork())
    return out


GAMES = [("baseline", "team_korea"), ("baseline", "laissez_faire"), ("lesson_export_controls", "team_korea")]


def _same(a, b) -> bool:
    """The same values of the same types (a float's repr names numpy's float64)."""
    return repr(a) == repr(b)


def _unit_cost_reference(world, d) -> float:
    """accelerators.unit_cost as it was (generators, sum and min)."""
    chip = d.chip
    foundry_cost = sum(mix * wafers.die_cost(world, world.by_name[f], chip)
                       for f, mix in zip(d.foundries, d.foundry_mix, strict=True) if mix > 0)
    quotes = [world.by_name[h].quoted(chip.hbm_gen) for h in d.hbm_suppliers]
    hbm_price = min((q for q in quotes if q is not None), default=0.0)
    packaging = min(world.by_name[p].price for p in d.packagers) / chip.chips_per_package_wafer
    return foundry_cost + chip.hbm_gb * hbm_price / 1000 + packaging + chip.other_bom


@pytest.mark.parametrize(("name", "strategy"), GAMES)
def test_a_chips_unit_cost_is_the_reference(name, strategy):
    for world in quarters(name, strategy):
        for d in world.designers:
            assert _same(accelerators.unit_cost(world, d), _unit_cost_reference(world, d))


def _purchase_rows_reference(world, budget, allowed, under_mix):
    """accelerators.purchase_rows as it was: a row appended at a time."""
    if not any(under_mix):
        return np.arange(len(world.buyers)), np.array(budget, dtype=float), np.array(allowed)
    leader = world.scenario.levers.leader if world.scenario.levers else None
    is_leader = np.array([d.name == leader for d in world.designers])
    rows, row_budget, row_allowed = [], [], []
    for i, buyer in enumerate(world.buyers):
        if not under_mix[i]:
            rows.append(i)
            row_budget.append(budget[i])
            row_allowed.append(allowed[i])
            continue
        mix = world.countries[buyer.country].policy.procurement_mix
        home = world.home_chip[i]
        groups = {"leader": is_leader, "domestic": home & ~is_leader, "other": ~home & ~is_leader}
        for group, share in mix.items():
            if share > 0:
                rows.append(i)
                row_budget.append(budget[i] * share)
                row_allowed.append(allowed[i] & groups[group])
    return np.array(rows, dtype=int), np.array(row_budget), np.array(row_allowed).reshape(len(rows), -1)


def test_the_purchasing_rows_of_a_mandate_are_the_reference():
    rng = np.random.default_rng(15)
    mandated = 0
    for world in quarters("baseline", "team_korea"):
        allowed, _, _ = accelerators.chip_terms(world)
        budget = rng.random(len(world.buyers)) * 10.0 ** rng.integers(-3, 3, size=len(world.buyers))
        under_mix = accelerators.mandated(world)
        mandated += any(under_mix)
        got = accelerators.purchase_rows(world, budget, allowed, under_mix)
        expected = _purchase_rows_reference(world, budget, allowed, under_mix)
        for a, b in zip(got, expected, strict=True):
            assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    assert mandated > 0


def test_a_line_without_the_lever_wants_what_it_wanted_with_a_zero_lever():
    """line_project does not ask for the capacity wanted with the lever when its rate is zero:
    the answer is the one `max(without, with)` gave."""
    world = quarters("baseline", "laissez_faire")[4]
    producer = next(p for p in world.producers if isinstance(p, Producer) and p.invests)
    for margin in (0.001, 0.05, 3.0):
        for standing in (0.0, 0.25):
            without, wanted, size = producer.line_project(123.4, margin, 100.0, standing, 0.0, world.params)
            reference = max(without, producer.capacity_wanted(123.4, margin, standing + 0.0, world.params))
            assert _same(wanted, reference)
            assert _same(size, min(reference - 100.0, world.params.invest_max_step
                                   * max(100.0, producer.step_base(), 1e-9)))


def test_logits_of_stacked_blocks_are_each_blocks_own():
    """`_logit_blocks` gives each (utility, allowed) block the bits `logit_shares` gives it alone:
    any pattern of barred options, a row with none allowed, utilities far apart, missing blocks."""
    rng = np.random.default_rng(17)
    for _ in range(300):
        columns = int(rng.integers(1, 20))
        blocks = []
        for _ in range(int(rng.integers(1, 4))):
            if rng.random() < 0.25:
                blocks.append(None)
                continue
            rows = int(rng.integers(1, 8))
            utility = rng.normal(0.0, 10.0 ** rng.integers(-3, 3), size=(rows, columns))
            allowed = rng.random((rows, columns)) > rng.random()
            allowed[0] = False if rng.random() < 0.2 else allowed[0]
            blocks.append((utility, allowed))
        for block, shares in zip(blocks, accelerators._logit_blocks(*blocks), strict=True):
            if block is None:
                assert shares is None
            else:
                assert shares.tobytes() == market.logit_shares(*block).tobytes()


def _announced_demand_reference(producer, now: int) -> float:
    """Producer.announced_demand as it was: the order book read with np.bincount, per producer."""
    book = producer.model.last_market.get(producer.GOOD, {})
    if "orders" not in book:
        return 0.0
    me = getattr(producer.model, producer.GROUP).index(producer)
    designers = producer.model.designers
    n = len(designers)
    buyer, orders = book["buyer"], book["orders"]
    mine = book["supplier"] == me
    every = np.bincount(buyer, orders, n + 1)[:n].tolist()
    here = np.bincount(buyer[mine], orders[mine], n + 1)[:n].tolist()
    total = 0.0
    for j, designer in enumerate(designers):
        if here[j] <= 0 or not designer.alive:
            continue
        successor = successor_due(designer, now, producer.lead_time)
        if successor is not None:
            change = producer.need_per_unit(successor) - producer.need_per_unit(designer.chip)
            total += here[j] / every[j] * designer.demand_est * change
    return total


def _producer_line_reference(producer, now: int) -> list[tuple]:
    """Producer.investment_lines as it was (a generator of one line, its projects added by sum()),
    its expected orders grown over the lead time as Producer.invest grew them."""
    demand = producer.demand_est
    expected = 0.0
    if demand:
        demand = max(demand + _announced_demand_reference(producer, now), 0.0)
        growth = min(max(producer.growth_est, 0.0), producer.model.params.growth_expectation_cap)
        expected = demand * (1 + growth) ** producer.lead_time
    planned = producer.capacity + sum(p[1] for p in producer.pipeline) + sum(b[0] for b in producer.building)
    # the margin at the expected price (docs/model.md, "Capacity"): the price rule stepped once a quarter
    # over the lead time, on an excess demand going in a straight line from today's (smoothed orders
    # against the capacity now) to the expected one (orders expected against the capacity planned),
    # floored at the unit cost each step; one step on the expected excess with no capacity now or then
    params = producer.model.params
    u, step, cost = params.normal_utilisation, params.price_step_limit, producer.unit_cost
    supply, now = planned * u, producer.capacity * u
    if supply > 0 and now > 0:
        start, end = ((producer.demand_est or 0.0) - now) / now, (expected - supply) / supply
        price = producer.price
        for k in range(1, producer.lead_time + 1):
            move = min(max(params.price_response * (start + (end - start) * k / producer.lead_time), -step), step)
            price = max(price * (1 + move), cost)
    else:
        move = min(max(params.price_response * (expected - supply) / supply, -step), step) if supply > 0 else \
            (step if expected > 0 else 0.0)
        price = max(producer.price * (1 + move), cost)
    return [(None, planned, expected, (price - cost) / 1000)]


def _hbm_unit_cost_reference(maker) -> float:
    """HBMMaker.unit_cost as it was (sums over generators)."""
    shipped = sum(g["output"] for g in maker.gens.values())
    if shipped <= 0:
        return maker.gen_cost(maker.reference)
    return sum(g["output"] * maker.gen_cost(n) for n, g in maker.gens.items()) / shipped


@pytest.mark.parametrize(("name", "strategy"), GAMES)
def test_the_designers_orders_are_the_order_books_sums(name, strategy):
    """DesignerOrders adds each designer's orders as np.bincount did, in all and per supplier, and a
    producer's announced demand and investment line are the same whether it shares the quarter's
    DesignerOrders with the others or works them out alone."""
    seen = 0
    for world in quarters(name, strategy):
        n = len(world.designers)
        orders = DesignerOrders(world)
        for good, group in (("hbm", world.hbm_makers), ("packaging", world.packagers)):
            book = world.last_market[good]
            every, by_supplier = orders.of(good)
            assert _same(every, np.bincount(book["buyer"], book["orders"], n + 1)[:n].tolist())
            for me in range(len(group)):
                mine = book["supplier"] == me
                # (ints where no edge is its: bincount of no weights; the same zeros for the rule)
                here = [float(o) for o in np.bincount(book["buyer"][mine], book["orders"][mine], n + 1)[:n]]
                assert _same(by_supplier.get(me, [0.0] * n), here)
        for producer in (*world.hbm_makers, *world.packagers):
            for now in (world.now, world.now + 1):
                reference = _announced_demand_reference(producer, now)
                assert _same(producer.announced_demand(now, orders), reference)
                assert _same(producer.announced_demand(now), reference)
                assert _same(producer.investment_lines(now, orders), _producer_line_reference(producer, now))
                seen += reference != 0.0
        for maker in world.hbm_makers:
            assert _same(maker.unit_cost, _hbm_unit_cost_reference(maker))
    assert seen > 0  # some customer announced a generation: the comparison is not of zeros


def test_the_quarters_designer_orders_are_not_kept_on_the_world():
    """firms_decide's DesignerOrders lives for the phase only: nothing in the world holds one after
    a quarter (a save, a fork or a rewind could otherwise carry last quarter's sums)."""
    world = quarters("baseline", "team_korea")[3].fork()
    world.step()
    held = [value for value in vars(world).values() if isinstance(value, DesignerOrders)]
    held += [value for agent in (*world.producers, *world.designers) for value in vars(agent).values()
             if isinstance(value, DesignerOrders)]
    assert held == []


def test_what_is_left_of_a_budget_is_max_of_the_spare_and_zero():
    """Country.left, written without the max() call, is `max(budget - spent, 0.0)` bit for bit:
    a negative spare, a zero of either sign, infinities and NaN."""
    country = quarters("baseline", "team_korea")[0].fork().countries["KOR"]  # not the shared world
    values = (0.0, -0.0, 1.5, -1.5, 1e-300, -1e-300, math.inf, -math.inf, math.nan, 3e12)
    for budget in values:
        for spent in values:
            country.budget_per_quarter, country.spent = budget, spent
            assert repr(country.left) == repr(max(budget - spent, 0.0))
