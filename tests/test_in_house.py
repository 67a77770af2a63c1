"""In-house chips (issue 13, "in-house chips ... chosen by internal cost per unit of compute";
docs/model.md, "Chip choice"): a designer with an `owner` sells to that buyer alone, at what one
more unit costs at today's input prices, so its owner weighs it against a merchant's list price
by cost per unit of compute, pays itself no margin at a launch and no scarcity rent when short.
A scenario that gives an in-house chip a list price, or a merchant chip none, is refused.
"""

from __future__ import annotations

from functools import cache

import pytest
from test_scenario import refusal
from test_scenario_hostile import changed, named

from game import accelerators
from game.model import World
from game.scenario import load_scenario

IN_HOUSE = ("Google TPU", "AWS Trainium")


@cache
def quarters(seed: int) -> tuple[dict, ...]:
    """Each quarter's chip market in a baseline game, as it closes: every designer's price (an
    in-house chip's is the one its owner paid in it; a merchant's has moved for next quarter), its
    unit cost then (input prices do not move while the chip market clears), its chip, what
    buyers wanted of it and what it sold."""
    world = World(load_scenario("baseline"), seed=seed, tables=False)
    rows = []
    clear = accelerators.clear

    def recorded(w) -> None:
        clear(w)
        rows.append({d.name: {"price": d.price, "cost": accelerators.unit_cost(w, d), "chip": d.chip.name,
                              "wanted": d.desired, "sold": d.sold, "owner": d.owner}
                     for d in w.designers})

    accelerators.clear = recorded
    try:
        while not world.finished:
            world.step()
    finally:
        accelerators.clear = clear
    assert len(rows) == world.turns
    return tuple(rows)


def test_the_baseline_names_google_and_amazon_as_owners_of_their_chips():
    scenario = load_scenario("baseline")
    owners = {d.name: d.owner for d in scenario.designers if d.owner}
    assert owners == {"Google TPU": "Google", "AWS Trainium": "Amazon"}
    for d in scenario.designers:
        if d.owner:
            assert d.sold_to == [d.owner]
            assert all(c.price is None for c in (d.chip, *d.roadmap))


@pytest.mark.parametrize("seed", [0, 3])
def test_an_in_house_chip_is_priced_at_its_unit_cost_every_quarter_launches_included(seed):
    rows = quarters(seed)
    chips = set()
    for row in rows:
        for name in IN_HOUSE:
            assert row[name]["price"] == pytest.approx(row[name]["cost"], rel=1e-12), name
            chips.add(row[name]["chip"])
    assert len(chips) >= 4  # each owner's chip launched at least once in the term: a launch is priced alike
    # a merchant's price is its list price, which excess demand moves above its cost
    assert any(row["Nvidia"]["price"] > 1.5 * row["Nvidia"]["cost"] for row in rows)


@pytest.mark.parametrize("seed", [0, 3])
def test_an_in_house_chip_in_short_supply_is_rationed_not_repriced(seed):
    """When the owner wants more than was built, it gets what there is and the price stays at
    the cost: no scarcity rent paid to itself (the quarter is one where the chip was short)."""
    rows = quarters(seed)
    short = [(row, name) for row in rows for name in IN_HOUSE if row[name]["wanted"] > row[name]["sold"] * 1.01]
    assert short, "no quarter with an in-house chip short of supply: the test would prove nothing"
    for row, name in short:
        assert row[name]["price"] == pytest.approx(row[name]["cost"], rel=1e-12)


def test_an_in_house_chip_with_a_list_price_is_refused():
    def edit(data):
        named(data["designers"], "Google TPU")["roadmap"][0]["price"] = 11.0
    message = refusal(changed(edit))
    assert "Next TPU: an in-house chip has no list price" in message and "leave price out" in message


def test_a_chip_on_the_market_without_a_price_is_refused():
    message = refusal(changed(lambda data: named(data["designers"], "Nvidia")["chip"].pop("price")))
    assert "a chip on the market needs a price" in message


def test_an_owner_must_be_the_only_buyer_it_is_sold_to():
    message = refusal(changed(lambda data: named(data["designers"], "AWS Trainium").update(
        sold_to=["Amazon", "US AI labs & neoclouds"])))
    assert "sold_to must be ['Amazon']" in message


def test_an_owner_that_is_no_buyer_is_refused():
    message = refusal(changed(lambda data: named(data["designers"], "AWS Trainium").update(
        owner="Amazon Web Services", sold_to=["Amazon Web Services"])))
    assert "AWS Trainium.sold_to: unknown buyer Amazon Web Services" in message
