"""Issue 15, the HBM market (game.upstream._clear_hbm and its passes): its Python-float passes
do the same IEEE operations as the numpy expressions they replaced, bit for bit.

The games themselves are compared both ways (list kernels and numpy) in
tests/test_speed_identity.py; here are the equalities the passes rely on, on random inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.controllers import make_controller
from game import market, upstream
from game.model import World
from game.scenario import load_scenario

FAST = settings(max_examples=150, deadline=None)
share = st.floats(0, 1e6, allow_nan=False, allow_subnormal=False)


@FAST
@given(st.integers(1, 6).flatmap(lambda m: st.integers(1, 12).flatmap(
    lambda k: st.lists(st.lists(share, min_size=k, max_size=k), min_size=m, max_size=m))))
def test_a_reservation_rows_sums_are_numpys_matrix_sums(rows):
    """`_clear_hbm` keeps older generations' reservations as each maker's row summed up to a
    generation (`market._numpy_sum(row[:k])`), and `_reserve_lines` scales by each row's total:
    numpy added them as `reserve[:, :k].sum(axis=1)` on the maker x generation matrix."""
    matrix = np.array(rows, dtype=np.float64)
    for k in range(matrix.shape[1] + 1):
        assert [market._numpy_sum(row[:k]) for row in rows] == matrix[:, :k].sum(axis=1).tolist()


@FAST
@given(st.lists(st.floats(1e-6, 1e9), min_size=1, max_size=12), st.data())
def test_a_makers_log_is_the_same_wherever_it_is_taken(values, data):
    """`_hbm_orders` takes the log of each maker's price and capacity once, in one array of the
    makers' numbers, not once per edge in an array of the edges' numbers: numpy's log is
    elementwise, so a value's log does not depend on where it sits or how long the array is."""
    edges = data.draw(st.lists(st.integers(0, len(values) - 1), min_size=1, max_size=24))
    per_maker = np.log(np.array(values, dtype=np.float64)).tolist()
    per_edge = np.log(np.array(values, dtype=np.float64)[edges]).tolist()
    assert per_edge == [per_maker[i] for i in edges]


@pytest.fixture(scope="module")
def late_world():
    """A baseline game in 2027, when several HBM generations are on sale and ordered."""
    world = World(load_scenario("baseline"), 3, controllers={"KOR": make_controller("KOR", "team_korea")},
                  tables=False)
    while world.date != "2027Q2":
        world.step()
    return world


def _cleared(world: World) -> tuple:
    needs = np.array([d.input_needs() for d in world.designers]).reshape(-1, 3)[:, 1]
    received = upstream._clear_hbm(world, needs)
    book = world.last_market["hbm"]
    return (received.tobytes(), {k: (v.dtype, v.tobytes()) for k, v in book.items() if k != "by_generation"},
            {g: s.tobytes() for g, s in book["by_generation"].items()},
            [sorted(d.hbm_stock.items()) for d in world.designers],
            [(m.price, m.output, m.revenue, m.costs, sorted(m.gens.items())) for m in world.hbm_makers],
            [d.costs for d in world.designers])


def test_the_list_passes_clear_as_the_numpy_kernels_do(late_world, monkeypatch):
    """The quarter's HBM market cleared with the list kernels and with numpy's (SCALAR_MAX = -1),
    from the same state: the same book, stocks, prices and bills."""
    lists = repr(_cleared(late_world.fork()))  # every float by its repr: -0.0 is not 0.0
    monkeypatch.setattr(market, "SCALAR_MAX", -1)
    assert repr(_cleared(late_world.fork())) == lists
