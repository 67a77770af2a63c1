"""CoWoS-class packaging: contracts shape the orders a packager sees, and the packaging pool (demand
from products outside the modelled accelerators) is fitted to the anchor's reported share at the
start (docs/model.md, "Packaging")."""

from __future__ import annotations

import numpy as np
import pytest

from game.model import World
from game.scenario import load_scenario, parse_scenario
from tests.test_scenario import BASELINE_TEXT, SOURCE, edited, refusal


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline")


def opening_needs(world) -> np.ndarray:
    """Each designer's package-wafer need at the start: units0 / chips per package wafer."""
    return np.array([s.units0 / s.chip.chips_per_package_wafer for s in world.scenario.designers])


@pytest.mark.parametrize("name", ["baseline", "history_2024"])
def test_the_pool_gives_the_anchor_its_reported_share_at_the_start(name):
    """cal 1d: Nvidia ~40% of CoWoS in 2024 (history_2024); the baseline's 60% for 2025. At the
    opening needs, the anchor's need is that share of everything bought from the pool's packagers."""
    world = World(load_scenario(name), seed=0, tables=False)
    pool = world.packaging_pool
    needs = opening_needs(world)
    anchor = next(j for j, d in enumerate(world.designers) if d.name == pool.spec.anchor)
    listed_total = sum(needs[j] for j in pool.listing)
    assert pool.need(world, needs) > 0
    assert needs[anchor] / (listed_total + pool.need(world, needs)) == pytest.approx(pool.spec.anchor_share, rel=1e-12)
    assert {world.designers[j].name for j in pool.listing} >= {"Nvidia", "AMD", "Google TPU"}
    assert "Huawei" not in {world.designers[j].name for j in pool.listing}  # China's packagers only


def test_the_pool_buys_packaging_that_no_designer_pays_for(baseline):
    """The pool is a buyer after the designers: its package-wafers are shipped and paid to the
    packagers (money from outside the model), never billed to a designer or counted as theirs."""
    world = World(baseline, seed=3, tables=False)
    costs_before = [d.costs for d in world.designers]
    world.step()
    book = world.last_market["packaging"]
    n = len(world.designers)
    pool_rows = book["buyer"] == n
    assert pool_rows.any() and book["filled"][pool_rows].sum() > 0
    names = {world.packagers[k].name for k in book["supplier"][pool_rows]}
    assert names == set(baseline.packaging_pool.packagers)
    shipped = np.bincount(book["supplier"], book["filled"], len(world.packagers))
    assert np.all(shipped <= book["capacity"] * (1 + 1e-12))
    assert np.allclose(book["shipped"], shipped)
    assert all(d.costs >= c for d, c in zip(world.designers, costs_before, strict=True))


def test_a_contract_shapes_the_orders_the_packager_sees(baseline):
    """Nvidia's reservation at TSMC CoWoS (60% of its capacity) is ordered there first: TSMC sees
    at least the reserved quantity (or Nvidia's whole need) from Nvidia, where a logit over price
    and size alone sent part of it to the OSATs and Samsung."""
    world = World(baseline, seed=1, tables=False)
    tsmc = next(p for p in world.packagers if p.name == "TSMC CoWoS")
    reserved = tsmc.available * baseline.designers[0].reserved["TSMC CoWoS"]
    world.step()
    book = world.last_market["packaging"]
    nvidia, k = 0, world.packagers.index(tsmc)
    assert world.designers[nvidia].name == "Nvidia"
    at_tsmc = book["filled"][(book["buyer"] == nvidia) & (book["supplier"] == k)].sum()
    need = world.designers[nvidia].target / world.designers[nvidia].chip.chips_per_package_wafer
    assert at_tsmc >= min(reserved, need) * (1 - 1e-12)


def test_without_a_pool_only_designers_buy_packaging(baseline):
    world = World(baseline.model_copy(update={"packaging_pool": None}), seed=0, tables=False)
    world.step()
    assert world.packaging_pool.ratio == 0.0
    assert np.all(world.last_market["packaging"]["buyer"] < len(world.designers))


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('anchor_share = 0.60 ', 'anchor_share = 0.99 ', "the pool cannot be negative"),
    ('anchor_share = 0.60 ', 'anchor_share = 1.5 ', "packaging_pool.anchor_share"),
    ('anchor = "Nvidia"', 'anchor = "Nobody"', "packaging_pool.anchor: unknown designer Nobody"),
    ('anchor = "Nvidia"', 'anchor = "Huawei"', "Huawei lists none of the pool's packagers"),
    ('packagers = ["TSMC CoWoS", "ASE/SPIL & Amkor"]  # cal 1d: TSMC',
     'packagers = ["TSMC CoWoS", "Nowhere"]  # cal 1d: TSMC', "packaging_pool.packagers: unknown packager Nowhere"),
])
def test_a_bad_packaging_pool_is_refused_with_a_clear_message(old, new, expected):
    assert expected in refusal(edited(old, new))


def test_a_scenario_without_a_pool_still_loads():
    """The section is optional: a scenario without it has no pool (the previous game)."""
    start = BASELINE_TEXT.index("[packaging_pool]")
    end = BASELINE_TEXT.index("\n\n", start)
    assert parse_scenario(BASELINE_TEXT[:start] + BASELINE_TEXT[end:], SOURCE).packaging_pool is None
