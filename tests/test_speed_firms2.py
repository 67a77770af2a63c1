"""Issue 15, phase 3's second pass: what the firms read and decide gives the numbers the code it
replaced gave, bit for bit.

The pool's forecast keeps its patterns of running processes from one quarter to the next
(`wafers._Patterns`): compared here with the reference forecast (tests/test_speed_firms.py, the
code of dea35e0) quarter after quarter on one pool, through a process opening, an export rule
added and a foundry's exit, each of which must give new patterns."""

from __future__ import annotations

import numpy as np
import pytest

from game import wafers
from game.scenario import ExportControl
from tests.test_speed_firms import reference_forecast_orders
from tests.test_speed_wafers import exact, world_at

HORIZONS = [0, 3, 7, 8, 10, 12]


def _forecast_matches(world) -> None:
    pool = world.pool
    assert exact(pool.forecast_orders(world, HORIZONS)) == exact(reference_forecast_orders(pool, world, HORIZONS))


@pytest.mark.parametrize("case", [("baseline", 3, "team_korea"), ("lesson_export_controls", 1, "adaptive"),
                                  ("history_2024", 2, "default")])
def test_the_forecast_with_kept_patterns_is_the_reference_every_quarter(case) -> None:
    """One pool forecast every quarter of a game (its patterns kept across quarters) against the
    reference, which works every pattern out afresh."""
    world = world_at(*case, 0)
    while True:
        world.fund_the_quarter()  # phase 2: then the forecast reads what phase 3 reads
        _forecast_matches(world)
        world.finish_turn()
        if world.finished:
            break
        world.open_quarter()
    assert wafers._CACHES[world.pool].patterns.made  # the patterns were kept


def test_a_rule_an_exit_and_an_inertia_make_new_patterns() -> None:
    """What a pattern is made from changes under it: a wafer rule (a new export table), a foundry's
    exit (its processes never run) and another inertia (another weight on the old shares)."""
    world = world_at("baseline", 2, "team_korea", 4)
    _forecast_matches(world)
    patterns = wafers._CACHES[world.pool].patterns
    kept = dict(patterns.made)
    world.export_rules.add(ExportControl(name_en="test", name_ko="test", good="wafer",
                                         from_countries=[world.foundries[0].country], to_countries=["ROW"],
                                         since="2025Q1"))
    _forecast_matches(world)
    assert all(patterns.made.get(key) is not pattern for key, pattern in kept.items())
    world.foundries[1].alive = False
    _forecast_matches(world)
    world.params = world.params.model_copy(update={"other_demand_inertia": 0.37})
    _forecast_matches(world)
    assert all(p.keepmask.max() in (0.63, 1.0) for p in patterns.made.values())


def test_a_pattern_keeps_a_row_with_no_option_by_its_weight_of_one() -> None:
    """A row whose segment may buy the class nowhere (China's designers at 5 nm under the rules)
    weighs its old shares by 1.0 and adds a pull of +0.0: the short re-pick leaves it as it was."""
    world = world_at("lesson_export_controls", 1, "adaptive", 7)
    pool = world.pool
    _forecast_matches(world)
    patterns = list(wafers._CACHES[pool].patterns.made.values())
    assert any(p.no_option.any() for p in patterns)
    for pattern in patterns:
        assert (pattern.keepmask[pattern.no_option[..., 0]] == 1.0).all()
        old = np.random.default_rng(3).random(pattern.keepmask.shape)
        pull = np.where(pattern.allowed, 0.01, 0.0)
        new = wafers._repick_tame(old, pattern.keepmask, pull, pattern.any_allowed)
        assert new[pattern.no_option[..., 0]].tobytes() == old[pattern.no_option[..., 0]].tobytes()


def test_a_pull_off_zero_where_no_option_is_not_tame() -> None:
    """The short re-pick keeps a row with no option only if its pull there is +0.0 (a logit
    target's zeros): anything else there, -0.0 included, sends the forecast to `_repick`'s steps."""
    any_allowed = np.array([[[True], [False]]])
    no_option = ~any_allowed
    pull = np.array([[[0.2, 0.1], [0.0, 0.0]]])
    assert wafers._tame_pull(pull, any_allowed, no_option)
    for odd in (-0.0, 1e-300, 0.5):
        bent = pull.copy()
        bent[0, 1, 0] = odd
        assert not wafers._tame_pull(bent, any_allowed, no_option)
