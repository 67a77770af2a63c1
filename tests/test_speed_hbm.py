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
from tests.test_market import grouped_utilities, same_bits, spill_book

FAST = settings(max_examples=150, deadline=None)
share = st.floats(0, 1e6, allow_nan=False, allow_subnormal=False)


@FAST
@given(st.integers(1, 6).flatmap(lambda m: st.integers(1, 12).flatmap(
    lambda k: st.lists(st.lists(share, min_size=k, max_size=k), min_size=m, max_size=m))))
def test_a_reservation_rows_sums_are_numpys_matrix_sums(rows):
    """`_clear_hbm` keeps older generations' reservations as each maker's row summed up to a
    generation (`upstream._kept_for_older`), and `_reserve_lines` scales by each row's total
    (`market._numpy_sum(row)`): numpy added them as `reserve[:, :k].sum(axis=1)` on the maker x
    generation matrix."""
    matrix = np.array(rows, dtype=np.float64)
    kept = upstream._kept_for_older(rows)
    assert len(kept) == matrix.shape[1] + 1
    for k in range(matrix.shape[1] + 1):
        assert kept[k] == matrix[:, :k].sum(axis=1).tolist()
    assert [market._numpy_sum(row) for row in rows] == matrix.sum(axis=1).tolist()


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


@FAST
@given(spill_book(), st.integers(1, 3))
def test_the_spill_with_totals_is_the_numpy_spill_bit_for_bit(book, passes):
    """`market.clear_with_spill_totals` (the HBM books' spill, one loop per step) fills what
    `_clear_with_spill_numpy` fills, and what it hands back as each buyer's and each supplier's
    total is np.bincount of what it filled."""
    orders, buyer, supplier, capacity, n_buyers, spill_cap, reserved = book
    filled, got, shipped = market.clear_with_spill_totals(
        orders.tolist(), buyer.tolist(), supplier.tolist(), capacity.astype(np.float64).tolist(), n_buyers,
        spill_cap.tolist(), None if reserved is None else reserved.tolist(), passes)
    reference = market._clear_with_spill_numpy(orders, buyer, supplier, capacity, n_buyers, spill_cap, reserved,
                                               passes)
    assert same_bits(np.array(filled, dtype=np.float64), reference)
    assert same_bits(np.array(got, dtype=np.float64), np.bincount(buyer, reference, n_buyers))
    assert same_bits(np.array(shipped, dtype=np.float64), np.bincount(supplier, reference, len(capacity)))


@FAST
@given(grouped_utilities(st.floats(-5, 5)), st.data())
def test_capped_logit_orders_are_the_numpy_shares_times_the_need(grouped, data):
    """`market.capped_logit_orders` (a HBM book's orders) is each group's need times
    `cap_shares(group_logit(...))`, with caps of 1 (nothing to redistribute) and with any caps."""
    values, group, n_groups = grouped
    need = data.draw(st.lists(share, min_size=n_groups, max_size=n_groups))
    for caps in ([1.0] * len(group), data.draw(st.lists(st.sampled_from([0.0, 0.1, 1 / 3, 0.5, 1.0]),
                                                        min_size=len(group), max_size=len(group)))):
        shares = market._cap_shares_numpy(market.group_logit(values, group, n_groups), np.array(caps), group,
                                          n_groups)
        orders = market.capped_logit_orders(values.tolist(), group.tolist(), n_groups, caps, need)
        assert same_bits(np.array(orders, dtype=np.float64), np.array(need)[group] * shares)


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
