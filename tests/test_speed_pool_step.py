"""Issue 15: `Pool.move` takes the forecast's first re-pick (game.wafers._keep_first_step) only
where it is the re-pick `move` would work out, bit for bit."""

from __future__ import annotations

import copy

import pytest

from game import wafers
from tests.test_speed_firms import reference_repick
from tests.test_speed_wafers import CASES, exact, world_at


def _moved(world, keep_first: bool, change=None) -> str:
    """The pool's shares after phase 3's forecast and move on a copy of `world` (the forecast's
    first step kept for the move, or not); `change` alters the copy between the two."""
    trial = copy.deepcopy(world)
    pool = trial.pool
    choice = pool.choice(trial)
    pool.forecast_orders(trial, [0, 3, 7], choice)
    kept = wafers._CACHES[pool].first_step
    assert kept is not None and kept.choice is choice
    if not keep_first:
        wafers._CACHES[pool].first_step = None
    if change is not None:
        change(pool)
    pool.move(trial, choice)
    assert wafers._CACHES[pool].first_step is None  # taken (or dropped) once
    return exact({node: {s: pool.shares[node][s] for s in pool.segments} for node in pool.classes})


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in CASES])
def test_move_with_the_forecast_s_first_step_is_move_without(case) -> None:
    world = world_at(*case)
    assert _moved(world, True) == _moved(world, False)


def test_the_move_is_the_reference_re_pick() -> None:
    world = world_at("baseline", 3, "team_korea", 6)
    pool = copy.deepcopy(world).pool
    segments = list(pool.segments)
    old = wafers._share_table(pool.shares, pool.classes, segments)
    _, target = pool.choice(world)
    frame = pool.frame(world)
    new = reference_repick(old, target, frame.allowed, frame.any_allowed, world.params.other_demand_inertia)
    moved = _moved(world, True)
    assert moved == exact({node: {s: new[k, i] for i, s in enumerate(segments)} for k, node in enumerate(pool.classes)})


def test_shares_changed_after_the_forecast_are_re_picked_afresh() -> None:
    world = world_at("baseline", 3, "team_korea", 6)
    node = world.pool.classes[-1]
    segment = next(iter(world.pool.segments))

    def nudge(pool) -> None:
        row = pool.shares[node][segment].copy()
        row[row.argmax()] *= 0.5
        pool.shares[node][segment] = row

    assert _moved(world, True, nudge) == _moved(world, False, nudge)
    assert _moved(world, True, nudge) != _moved(world, True)


def test_another_choice_is_not_taken() -> None:
    world = world_at("baseline", 3, "team_korea", 6)
    trial = copy.deepcopy(world)
    pool = trial.pool
    choice = pool.choice(trial)
    pool.forecast_orders(trial, [0, 3], choice)
    other = pool.choice(trial)
    frame = pool.frame(trial)
    old = wafers._share_table(pool.shares, pool.classes, list(pool.segments))
    assert wafers._first_step_taken(pool, other, frame, old, trial.params.other_demand_inertia) is None


# ------------------------------------------------------------------ the wafer book's pool rows
def reference_pool_rows(world, where: dict, designers: int) -> tuple[list, ...]:
    """`_clear_wafers`' loop over the pool's order book before `_pool_rows` (an edge at a time)."""
    foundries = world.foundries
    buyer, supplier, orders, per_wafer, subsidy = [], [], [], [], []
    segments = list(world.pool.segments)
    row = {segment: designers + k for k, segment in enumerate(segments)}
    area = world.params.reference_die_area
    reference = world.params.usable_wafer_area / area
    subsidised = {s: s in world.countries and world.countries[s].policy.foundry_subsidy > 0 for s in segments}
    good_per_wafer: dict[int, float] = {}
    for segment, node, held, wanted in world.pool.order_book(world):
        j = row[segment]
        paying = subsidised[segment]
        for i, amount in zip(held, wanted, strict=True):
            k = where[i, node]
            good = good_per_wafer.get(k)
            if good is None:
                good = good_per_wafer[k] = reference * foundries[i].die_yield(node, area)
            buyer.append(j)
            supplier.append(k)
            orders.append(amount)
            per_wafer.append(good)
            subsidy.append(wafers.home_subsidy_per_die(world, foundries[i], node, segment, expected=False)
                           if paying else 0.0)
    return buyer, supplier, orders, per_wafer, subsidy


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in CASES])
def test_the_pool_rows_are_the_edge_by_edge_rows(case) -> None:
    from game import upstream

    world = world_at(*case)
    nodes = [(i, node) for i, f in enumerate(world.foundries) for node in f.order]
    where = {(i, node): k for k, (i, node) in enumerate(nodes)}
    designers = len(world.designers)
    rows: tuple[list, ...] = ([7], [1], [0.5], [2.0], [0.25])  # a designer's row already in the book
    upstream._pool_rows(world, where, designers, *rows)
    expected = reference_pool_rows(world, where, designers)
    assert exact(rows) == exact(tuple([first[0], *rest] for first, rest in zip(([7], [1], [0.5], [2.0], [0.25]),
                                                                              expected, strict=True)))
    assert len(rows[0]) > 1


def test_a_subsidising_state_s_pool_rows() -> None:
    from game import upstream

    world = world_at("baseline", 3, "team_korea", 4)
    world.countries["KOR"].policy.foundry_subsidy = 0.6  # the price-gap subsidy at its home foundry
    nodes = [(i, node) for i, f in enumerate(world.foundries) for node in f.order]
    where = {(i, node): k for k, (i, node) in enumerate(nodes)}
    rows: tuple[list, ...] = ([], [], [], [], [])
    upstream._pool_rows(world, where, len(world.designers), *rows)
    expected = reference_pool_rows(world, where, len(world.designers))
    assert exact(rows) == exact(expected)
    assert any(rows[4])  # Korea's segment is paid the subsidy at its home foundry
