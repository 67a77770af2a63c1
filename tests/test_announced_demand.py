"""HBM makers and packagers invest on their customers' announced generations, as foundries do
(docs/model.md, "Capacity"): a successor due within the lead time that needs more HBM or more
package area per unit raises what the supplier expects to be asked for, by its share of the
designer's orders."""

from __future__ import annotations

import pytest

from agents.producers import successor_due
from game.model import World
from game.scenario import load_scenario


@pytest.fixture(scope="module")
def first_quarter():
    world = World(load_scenario("baseline"), seed=4, tables=False)
    world.step()
    return world


def expected_change(world, producer, per_unit) -> float:
    """The rule by hand: each designer's share of its orders here last quarter x its demand x the
    successor's need per unit less its current chip's."""
    book = world.last_market[producer.GOOD]
    me = getattr(world, producer.GROUP).index(producer)
    total = 0.0
    for j, d in enumerate(world.designers):
        rows = book["buyer"] == j
        every, here = book["orders"][rows].sum(), book["orders"][rows & (book["supplier"] == me)].sum()
        successor = successor_due(d, world.now + 1, producer.lead_time)
        if d.alive and here > 0 and successor is not None:
            total += here / every * d.demand_est * (per_unit(successor) - per_unit(d.chip))
    return total


def test_cowos_expects_the_bigger_packages_of_nvidias_next_generation(first_quarter):
    world = first_quarter
    tsmc = next(p for p in world.packagers if p.name == "TSMC CoWoS")
    announced = tsmc.announced_demand(world.now + 1)
    assert announced > 0  # Blackwell Ultra (2025Q3): 15 chips a package wafer against 18
    assert announced == pytest.approx(expected_change(world, tsmc, lambda c: 1 / c.chips_per_package_wafer), rel=1e-12)
    line = tsmc.investment_lines(world.now + 1)[0]
    growth = min(max(tsmc.growth_est, 0.0), world.params.growth_expectation_cap)
    assert line[2] == pytest.approx((tsmc.demand_est + announced) * (1 + growth) ** tsmc.lead_time, rel=1e-12)


def test_hbm_makers_expect_more_gb_per_chip(first_quarter):
    world = first_quarter
    for maker in world.hbm_makers:
        announced = maker.announced_demand(world.now + 1)
        by_hand = expected_change(world, maker, lambda c: c.hbm_gb / 1000)
        assert announced == pytest.approx(by_hand, rel=1e-12, abs=1e-12)
    hynix = next(m for m in world.hbm_makers if m.name == "SK hynix")
    assert hynix.announced_demand(world.now + 1) > 0  # Nvidia: 110 GB a chip, 170 on Blackwell Ultra


def test_a_supplier_a_designer_does_not_order_from_expects_nothing_of_it(first_quarter):
    world = first_quarter
    china = next(p for p in world.packagers if p.name == "China OSAT")  # Huawei's and Cambricon's only
    book = world.last_market["packaging"]
    me = world.packagers.index(china)
    buyers = {world.designers[j].name for j, k in zip(book["buyer"], book["supplier"], strict=True)
              if k == me and j < len(world.designers)}
    assert "Nvidia" not in buyers
    assert china.announced_demand(world.now + 1) == pytest.approx(
        expected_change(world, china, lambda c: 1 / c.chips_per_package_wafer), abs=1e-12)
