"""The code-review findings of issue 13, each as the behaviour a user depends on (a foundry's
announced demand, which replaces a chip rather than adding to it, is in tests/test_capacity_plan.py):
standing support planned as it is paid, no
requests for exited firms, compliant variants never sold below cost, HBM generations a maker does
not offer left unquoted, and HBM lines shared among generations by their orders."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.model import World
from game.scenario import Scenario, load_scenario


@cache
def baseline() -> Scenario:
    return load_scenario("baseline")


def world_at(turns: int = 0, seed: int = 0, scenario: Scenario | None = None) -> World:
    world = World(scenario or baseline(), seed=seed)
    for _ in range(turns):
        world.step()
    return world


# ------------------------------------------------------------------ 3. exited firms' instalments


def test_an_exited_firms_instalments_are_not_requested():
    """A firm that exits keeps no claim on the capacity-support programme: the quarter's request
    (which sets every programme's funded share) holds only the instalments of firms still alive."""
    world = world_at(1)
    korea = world.countries["KOR"]
    alive, doomed = world.by_name["SK hynix"], world.by_name["Samsung"]
    korea.commit_support(alive, 0.4, 4)
    korea.commit_support(doomed, 0.8, 4)
    instalment = korea.to_local(0.1)
    assert world.programme_requests(korea)["capacity_support"] == pytest.approx(3 * instalment)
    doomed.alive = False  # exits in phase 8; the next quarter's phase 2 plans programmes
    assert korea.committed_support() == pytest.approx(instalment)
    assert world.programme_requests(korea)["capacity_support"] == pytest.approx(instalment)
    korea.new_quarter()
    korea.plan_programmes(world.programme_requests(korea))
    korea.pay_commitments()
    owed, paid = korea.programmes["capacity_support"]
    assert owed == pytest.approx(instalment) and paid == pytest.approx(instalment)


# ------------------------------------------------------------------ 4. compliant variants' cost floor


def test_a_compliant_variant_is_never_sold_below_its_unit_cost():
    """A variant unit comes out of the flagship's inventory (dies, HBM, packaging, the rest of the
    bill), so like the flagship it is never priced below that unit cost: a variant priced far
    below it is lifted to it when the quarter's prices move, and stays at or above it."""
    from game.accelerators import unit_cost

    world = world_at(1)
    nvidia = world.by_name["Nvidia"]
    assert "CHN" in nvidia.variants
    nvidia.variants["CHN"]["price"] = 0.01 * unit_cost(world, nvidia)
    for _ in range(4):
        world.step()
        for variant in nvidia.variants.values():
            assert variant["price"] >= unit_cost(world, nvidia) * (1 - 1e-12), (world.date, variant)


def test_a_newly_designed_variant_is_priced_at_least_at_cost():
    """A variant designed when a rule bites starts at its performance-scaled price, but never below
    the flagship's unit cost, which it shares."""
    from game.accelerators import unit_cost

    world = world_at(1)
    amd = world.by_name["AMD"]
    amd.variants.pop("CHN", None)
    amd.price = 0.05 * unit_cost(world, amd)  # a list price far below cost: the scaled price would be too
    world.design_variants()
    assert "CHN" in amd.variants
    assert amd.variants["CHN"]["price"] >= unit_cost(world, amd)


# ------------------------------------------------------------------ 2. standing support, planned as paid


@cache
def invested_world(seed: int, turns: int) -> World:
    return world_at(turns, seed)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(case=st.sampled_from([(1, 11), (0, 6), (2, 9)]),
       firm=st.sampled_from(["SK hynix", "Samsung", "Samsung Foundry", "TSMC", "Micron"]),
       room=st.floats(0.0, 30.0), allowance=st.floats(0.0, 2.0), rate=st.floats(0.05, 0.6))
def test_standing_support_is_paid_as_planned_and_the_bill_stays_affordable(case, firm, room, allowance, rate):
    """A producer sizes its projects counting on the standing programme's share (CHIPS Act,
    K-Chips Act credits) and scales them to what it can afford. That share is what it is paid,
    from the allowance left, so its bill never exceeds what its affordability test allowed, and
    the programme never pays more than its allowance, however short the allowance or the cash."""
    world = invested_world(*case)
    producer = world.by_name[firm]
    state = world.countries[producer.country]
    saved = (producer.cash, [list(p) for p in producer.payments], [list(p) for p in producer.pipeline],
             producer.invested, producer.support_decided, state.support_left_usd, state.support_paid_usd,
             state.capex_support)
    try:
        owed = sum(left * pay for left, pay in producer.payments)
        producer.cash = owed + room - producer.borrow_limit
        state.support_left_usd, state.capex_support = allowance, rate
        affordable = producer.headroom() - owed
        paid_before, projects = state.support_paid_usd, len(producer.payments)
        producer.invest(world.params, state, world.now)
        paid = state.support_paid_usd - paid_before
        assert paid <= allowance + 1e-12
        assert state.support_left_usd == pytest.approx(allowance - paid, abs=1e-12)
        if len(producer.payments) > projects:
            left, instalment = producer.payments[-1]
            assert left * instalment <= affordable + 1e-9, (left * instalment, affordable)
            cost = producer.invested * producer.capex_per_unit
            assert paid <= rate * cost + 1e-9  # never more than the programme's rate on what was built
    finally:
        (producer.cash, producer.payments, producer.pipeline, producer.invested, producer.support_decided,
         state.support_left_usd, state.support_paid_usd, state.capex_support) = saved


# ------------------------------------------------------------------ 5. unoffered HBM generations


def test_an_hbm_generation_a_maker_does_not_offer_yet_has_no_price():
    """CXMT lists HBM3 from 2026Q4: until then it is not quoted at all (not floored at a cost per
    GB of stacks nobody makes), however HBM3 trades at other makers; when it goes on sale it is
    quoted at its list price, the maker's price times the generation's ratio."""
    world = world_at(0)
    cxmt = world.by_name["CXMT"]
    opens = cxmt.gens["HBM3"]["available"]
    assert opens > world.start
    assert cxmt.quoted("HBM3") is None
    while world.now < opens - 1:
        world.step()
        assert cxmt.quoted("HBM3") is None, world.date
    assert any(m.quoted("HBM3") for m in world.hbm_makers if m is not cxmt)
    world.step()
    assert world.now == opens
    if cxmt.alive:  # quoted at its list price, then moved by the quarter's market (never below cost)
        price = cxmt.quoted("HBM3")
        assert price is not None
        assert price == pytest.approx(cxmt.gens["HBM3"]["list_price"]) or price >= cxmt.gen_cost("HBM3") * (1 - 1e-12)


def test_unquoted_generations_leave_costs_and_saves_readable(tmp_path):
    """Readers cope with a generation that has no price: a chip's unit cost reads only the makers
    quoting its generation, and a game with unquoted generations saves and loads."""
    from game.accelerators import unit_cost
    from game.saves import document, read_save, write_save

    world = world_at(2)
    assert any(state["price"] is None for m in world.hbm_makers for state in m.gens.values())
    for designer in world.designers:
        assert unit_cost(world, designer) > 0
    path = write_save(tmp_path / "game.json", document(world, "baseline"))
    saved = read_save(path)
    assert saved.state["firms"]["CXMT"]["gens"]["HBM3"]["price"] is None


# ------------------------------------------------------------------ 6. HBM lines shared by orders


def korea_laissez_faire(seed: int) -> World:
    from game.cli import make_controllers

    scenario = baseline()
    return World(scenario, seed=seed,
                 controllers=make_controllers({"KOR": "laissez_faire"}, [c.id for c in scenario.countries]))


def test_hbm3e_designers_are_served_when_hbm4_arrives():
    """The review's case (seed 1, Korea laissez-faire): in 2027Q1 SK hynix's HBM4 orders alone
    could take all its lines. Lines are shared by the orders for each generation, so SK hynix
    still ships HBM3E and both Korean designers, built on HBM3E, make chips that quarter (newest
    first, it shipped only HBM4 and they built nothing)."""
    world = korea_laissez_faire(1)
    while world.date != "2027Q1":
        world.step()
    hynix = world.hbm_makers.index(world.by_name["SK hynix"])
    shipped = world.last_market["hbm"]["by_generation"]
    assert shipped["HBM4"][hynix] > 0 and shipped["HBM3E"][hynix] > 0
    for name in ("Rebellions", "FuriosaAI"):
        assert world.by_name[name].output > 0, name


@pytest.mark.parametrize("seed", [1, 3])
def test_a_flood_of_newer_orders_does_not_starve_an_older_generation(seed):
    """However much the newest generation asks, a maker's lines go to each generation pro rata to
    the lines its own orders would take: while HBM4 is short, designers on HBM3E get about the same
    share of what they ordered as HBM4's designers do, not what HBM4 left (nothing)."""
    from game import upstream

    world = korea_laissez_faire(seed)
    while world.date != "2027Q2":
        world.step()
    for d in world.designers:
        d.hbm_stock = {}
    lines = sum(m.lines for m in world.hbm_makers)
    wants = {"HBM4": 3.0 * lines, "HBM3E": 0.3 * lines}
    needs = np.array([wants.get(d.chip.hbm_gen, 0.0) if d.alive else 0.0 for d in world.designers])
    newer = [j for j, d in enumerate(world.designers) if needs[j] > 0 and d.chip.hbm_gen == "HBM4"]
    older = [j for j, d in enumerate(world.designers) if needs[j] > 0 and d.chip.hbm_gen == "HBM3E"]
    assert newer and older
    received = upstream._clear_hbm(world, needs)
    fill_newer = received[newer].sum() / needs[newer].sum()
    fill_older = received[older].sum() / needs[older].sum()
    assert fill_newer < 0.5  # HBM4 is short
    assert fill_older > 0.5 * fill_newer, (fill_older, fill_newer)
    for maker in world.hbm_makers:  # and no maker ships more than its lines make
        made = sum(g["output"] / g["yield"] for g in maker.gens.values() if g["yield"] > 0)
        assert made <= maker.lines * (1 + 1e-9)
