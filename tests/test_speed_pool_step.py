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
