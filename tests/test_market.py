"""Market maths (game/market.py): the promises every market in the game relies on.

Property tests check invariants a player would notice if broken (a supplier shipping more than
it can make, shares that do not add up, a NaN price); example tests pin hand-computed numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game import market

EPS = 1e-9
FAST = settings(max_examples=150, deadline=None)

quantity = st.floats(0, 100, allow_nan=False, allow_subnormal=False)
finite = st.floats(allow_nan=False, allow_infinity=False)


# ---------------------------------------------------------------------------- strategies


@st.composite
def order_book(draw, with_reserved: bool = False):
    """Edges (supplier index, order) over 1-4 suppliers, with capacities and optional reservations."""
    n_suppliers = draw(st.integers(1, 4))
    n_edges = draw(st.integers(1, 8))
    supplier = np.array(draw(st.lists(st.integers(0, n_suppliers - 1), min_size=n_edges, max_size=n_edges)))
    orders = np.array(draw(st.lists(quantity, min_size=n_edges, max_size=n_edges)))
    capacity = np.array(draw(st.lists(quantity, min_size=n_suppliers, max_size=n_suppliers)))
    reserved = None
    if with_reserved:
        reserved = np.array(draw(st.lists(quantity, min_size=n_edges, max_size=n_edges)))
    return orders, supplier, capacity, reserved


@st.composite
def spill_book(draw):
    """Unique buyer-supplier edges with orders, spill caps, capacities and maybe reservations."""
    n_buyers = draw(st.integers(1, 4))
    n_suppliers = draw(st.integers(1, 4))
    pairs = [(b, s) for b in range(n_buyers) for s in range(n_suppliers)]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=len(pairs), unique=True))
    n = len(chosen)
    buyer = np.array([b for b, _ in chosen])
    supplier = np.array([s for _, s in chosen])
    orders = np.array(draw(st.lists(quantity, min_size=n, max_size=n)))
    spill_cap = np.array(draw(st.lists(quantity, min_size=n, max_size=n)))
    capacity = np.array(draw(st.lists(quantity, min_size=n_suppliers, max_size=n_suppliers)))
    reserved = None
    if draw(st.booleans()):
        reserved = np.array(draw(st.lists(quantity, min_size=n, max_size=n)))
    return orders, buyer, supplier, capacity, n_buyers, spill_cap, reserved


@st.composite
def grouped_utilities(draw, utility=finite):
    """Edge utilities with a group (buyer) per edge; every group has at least one edge."""
    n_groups = draw(st.integers(1, 4))
    group = list(range(n_groups)) + draw(st.lists(st.integers(0, n_groups - 1), max_size=8))
    group = np.array(draw(st.permutations(group)))
    values = np.array(draw(st.lists(utility, min_size=len(group), max_size=len(group))))
    return values, group, n_groups


# ---------------------------------------------------------------------------- allocate


@FAST
@given(order_book(with_reserved=True), st.booleans())
def test_allocate_never_overships_or_overfills(book, use_reserved):
    """No order is filled beyond what was asked, nothing negative, no supplier beyond capacity."""
    orders, supplier, capacity, reserved = book
    filled = market.allocate(orders, supplier, capacity, reserved if use_reserved else None)
    assert np.all(np.isfinite(filled))
    assert np.all(filled >= 0)
    assert np.all(filled <= orders + EPS)
    shipped = np.bincount(supplier, filled, len(capacity))
    assert np.all(shipped <= capacity + EPS)


@FAST
@given(order_book(with_reserved=True), st.booleans())
def test_allocate_fills_everything_when_capacity_suffices(book, use_reserved):
    """A supplier with enough capacity for all its orders fills each of them in full."""
    orders, supplier, capacity, reserved = book
    asked = np.bincount(supplier, orders, len(capacity))
    capacity = np.maximum(capacity, asked)
    filled = market.allocate(orders, supplier, capacity, reserved if use_reserved else None)
    np.testing.assert_allclose(filled, orders, rtol=1e-12, atol=EPS)


@FAST
@given(order_book(with_reserved=True))
def test_allocate_is_pro_rata_for_unreserved_edges(book):
    """Customers of one supplier without a contract get the same fill ratio: no favourites."""
    orders, supplier, capacity, reserved = book
    reserved[::2] = 0.0  # every other edge has no long-term contract
    filled = market.allocate(orders, supplier, capacity, reserved)
    for s in range(len(capacity)):
        plain = (supplier == s) & (reserved == 0) & (orders > 1e-6)
        if plain.sum() >= 2:
            ratio = filled[plain] / orders[plain]
            np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9, atol=1e-12)


def test_allocate_pro_rata_example():
    """30 units of capacity against orders of 10, 20, 30: everyone gets half."""
    filled = market.allocate(np.array([10.0, 20.0, 30.0]), np.array([0, 0, 0]), np.array([30.0]))
    np.testing.assert_allclose(filled, [5.0, 10.0, 15.0])


def test_allocate_serves_reserved_quantities_first():
    """A long-term contract (6 of 10 units reserved) is served before the pro-rata rest.

    Capacity 10, both customers order 8. The contract holder gets its 6, the remaining 4 are
    split pro rata over the unserved 2 + 8: 0.8 and 3.2. Without the contract it would be 5/5.
    """
    orders = np.array([8.0, 8.0])
    supplier = np.array([0, 0])
    capacity = np.array([10.0])
    filled = market.allocate(orders, supplier, capacity, reserved=np.array([6.0, 0.0]))
    np.testing.assert_allclose(filled, [6.8, 3.2])
    np.testing.assert_allclose(market.allocate(orders, supplier, capacity), [5.0, 5.0])


def test_allocate_scales_oversubscribed_reservations():
    """Contracts for more than the capacity are scaled down together, never beyond capacity."""
    filled = market.allocate(np.array([8.0, 8.0]), np.array([0, 0]), np.array([10.0]),
                             reserved=np.array([8.0, 8.0]))
    np.testing.assert_allclose(filled, [5.0, 5.0])


def test_allocate_with_no_capacity_ships_nothing():
    """A supplier with zero capacity (a fab not yet built) fills nothing and produces no NaN."""
    filled = market.allocate(np.array([3.0, 0.0]), np.array([0, 1]), np.array([0.0, 0.0]))
    np.testing.assert_array_equal(filled, [0.0, 0.0])


# ---------------------------------------------------------------------------- clear_with_spill


@FAST
@given(spill_book())
def test_spill_respects_capacity_orders_and_spill_caps(book):
    """Spilling never ships beyond capacity, never gives an edge more than max(order, spill_cap),
    and never gives a buyer more in total than it ordered."""
    orders, buyer, supplier, capacity, n_buyers, spill_cap, reserved = book
    filled = market.clear_with_spill(orders, buyer, supplier, capacity, n_buyers, spill_cap, reserved)
    assert np.all(np.isfinite(filled))
    assert np.all(filled >= 0)
    assert np.all(filled <= np.maximum(orders, spill_cap) + EPS)
    assert np.all(np.bincount(supplier, filled, len(capacity)) <= capacity + EPS)
    assert np.all(np.bincount(buyer, filled, n_buyers) <= np.bincount(buyer, orders, n_buyers) + EPS)


@FAST
@given(spill_book())
def test_spill_changes_nothing_when_capacity_suffices(book):
    """With enough capacity everywhere, every order is filled exactly and nothing is spilled."""
    orders, buyer, supplier, capacity, n_buyers, spill_cap, reserved = book
    capacity = np.maximum(capacity, np.bincount(supplier, orders, len(capacity)))
    filled = market.clear_with_spill(orders, buyer, supplier, capacity, n_buyers, spill_cap, reserved)
    np.testing.assert_allclose(filled, orders, rtol=1e-12, atol=EPS)


def test_spill_moves_unmet_demand_up_to_the_spill_cap():
    """A buyer short at a sold-out supplier gets the rest elsewhere, but only as far as qualified.

    The buyer orders 10 from A (capacity 4) and nothing from B (capacity 100, qualified for 5):
    A ships 4, B picks up 5 of the 6 missing, one unit stays unmet.
    """
    filled = market.clear_with_spill(
        orders=np.array([10.0, 0.0]), buyer=np.array([0, 0]), supplier=np.array([0, 1]),
        capacity=np.array([4.0, 100.0]), n_buyers=1, spill_cap=np.array([10.0, 5.0]))
    np.testing.assert_allclose(filled, [4.0, 5.0])


def test_spill_is_limited_by_the_other_suppliers_spare_capacity():
    """B has only 3 units spare after its own customer: the spilling buyer gets those 3."""
    filled = market.clear_with_spill(
        orders=np.array([10.0, 0.0, 7.0]), buyer=np.array([0, 0, 1]), supplier=np.array([0, 1, 1]),
        capacity=np.array([4.0, 10.0]), n_buyers=2, spill_cap=np.array([10.0, 10.0, 7.0]))
    np.testing.assert_allclose(filled, [4.0, 3.0, 7.0])


def test_spill_not_allowed_when_spill_cap_is_zero():
    """Where switching is not allowed (spill_cap 0) the shortfall simply stays unmet."""
    filled = market.clear_with_spill(
        orders=np.array([10.0, 0.0]), buyer=np.array([0, 0]), supplier=np.array([0, 1]),
        capacity=np.array([4.0, 100.0]), n_buyers=1, spill_cap=np.array([10.0, 0.0]))
    np.testing.assert_allclose(filled, [4.0, 0.0])


# ---------------------------------------------------------------------------- logit shares


OVERFLOW_OK = pytest.mark.filterwarnings("ignore:overflow encountered in subtract:RuntimeWarning")
"""-1.7e308 - 1.7e308 overflows to -inf inside logit_shares: numpy warns, the share is still a clean 0."""


@OVERFLOW_OK
@FAST
@given(st.integers(1, 4).flatmap(lambda cols: st.tuples(
    st.lists(st.lists(finite, min_size=cols, max_size=cols), min_size=1, max_size=4),
    st.lists(st.lists(st.booleans(), min_size=cols, max_size=cols), min_size=4, max_size=4))))
def test_logit_shares_are_a_distribution_over_allowed_options(data):
    """Each row sums to 1 if any option is allowed, else 0; disallowed options get 0; no NaN,
    whatever the size of the utilities."""
    rows, masks = data
    utility = np.array(rows)
    allowed = np.array(masks[: len(rows)])
    shares = market.logit_shares(utility, allowed)
    assert not np.isnan(shares).any()
    assert np.all(shares >= 0)
    assert np.all(shares[~allowed] == 0)
    expected = np.where(allowed.any(axis=1), 1.0, 0.0)
    np.testing.assert_allclose(shares.sum(axis=1), expected, atol=1e-12)


def test_logit_shares_examples():
    """exp(0) : exp(ln 3) = 1 : 3; a disallowed option is ignored even with the best utility."""
    shares = market.logit_shares(np.array([[0.0, math.log(3.0), 50.0]]), np.array([[True, True, False]]))
    np.testing.assert_allclose(shares, [[0.25, 0.75, 0.0]])


@OVERFLOW_OK
@pytest.mark.parametrize(
    ("utility", "expected"),
    [([1e300, -1e300], [1.0, 0.0]), ([1e300, 1e300], [0.5, 0.5]), ([-1e300, -1e300], [0.5, 0.5]),
     ([-1.7e308, 1.7e308], [0.0, 1.0])],
)
def test_logit_shares_huge_utilities_do_not_overflow(utility, expected):
    """Extreme utilities (a chip 1e300 times better) still give clean shares, never NaN."""
    shares = market.logit_shares(np.array(utility), np.array([True, True]))
    np.testing.assert_allclose(shares, expected)


def test_logit_shares_row_with_no_option_is_zero():
    """A buyer with nothing it may buy (all options export-controlled) buys nothing."""
    shares = market.logit_shares(np.array([[1.0, 2.0], [1.0, 2.0]]), np.array([[False, False], [True, False]]))
    np.testing.assert_array_equal(shares, [[0.0, 0.0], [1.0, 0.0]])


@OVERFLOW_OK
@FAST
@given(grouped_utilities())
def test_group_logit_sums_to_one_per_group(case):
    """A buyer's shares over its suppliers always add up to exactly one order, without NaN."""
    utility, group, n_groups = case
    shares = market.group_logit(utility, group, n_groups)
    assert not np.isnan(shares).any()
    assert np.all(shares >= 0)
    np.testing.assert_allclose(np.bincount(group, shares, n_groups), 1.0, atol=1e-12)


def test_group_logit_example():
    """Group 0 splits 1 : 3; group 1 has a single edge, which takes everything."""
    shares = market.group_logit(np.array([0.0, math.log(3.0), 5.0]), np.array([0, 0, 1]), 2)
    np.testing.assert_allclose(shares, [0.25, 0.75, 1.0])


# ---------------------------------------------------------------------------- cap_shares


@FAST
@given(grouped_utilities(st.floats(-5, 5)), st.data())
def test_cap_shares_respects_caps_and_keeps_totals(case, data):
    """No supplier takes more than it is qualified for; a group's orders are kept whole when
    qualified room exists (total = min(1, sum of caps))."""
    utility, group, n_groups = case
    shares = market.group_logit(utility, group, n_groups)
    caps = np.array(data.draw(st.lists(st.floats(0, 1), min_size=len(shares), max_size=len(shares))))
    out = market.cap_shares(shares, caps, group, n_groups)
    assert np.all(out >= 0)
    assert np.all(out <= caps + EPS)
    expected = np.minimum(1.0, np.bincount(group, caps, n_groups))
    np.testing.assert_allclose(np.bincount(group, out, n_groups), expected, atol=1e-9)


@FAST
@given(grouped_utilities(st.floats(-5, 5)))
def test_cap_shares_leaves_uncapped_shares_alone(case):
    """Caps that do not bind change nothing."""
    utility, group, n_groups = case
    shares = market.group_logit(utility, group, n_groups)
    np.testing.assert_array_equal(market.cap_shares(shares, np.ones_like(shares), group, n_groups), shares)


def test_cap_shares_example_hands_excess_pro_rata():
    """A maker qualified for a third keeps a third; its excess 0.6 - 1/3 goes 3 : 1 to the others."""
    out = market.cap_shares(np.array([0.6, 0.3, 0.1]), np.array([1 / 3, 1.0, 1.0]), np.array([0, 0, 0]), 1)
    np.testing.assert_allclose(out, [1 / 3, 0.5, 1 / 6])


def test_cap_shares_all_capped_leaves_part_unplaced():
    """If every supplier is capped, only the qualified share (0.2 + 0.3) can be ordered."""
    out = market.cap_shares(np.array([0.5, 0.5]), np.array([0.2, 0.3]), np.array([0, 0]), 1)
    np.testing.assert_allclose(out, [0.2, 0.3])


# ---------------------------------------------------------------------------- adjust_price


def _price(price, demand, supply, response=0.25, limit=0.06, floor=0.0):
    arr = np.atleast_1d
    return market.adjust_price(arr(np.asarray(price, float)), arr(np.asarray(demand, float)),
                               arr(np.asarray(supply, float)), response, limit,
                               arr(np.asarray(floor, float)))


@pytest.mark.parametrize(
    ("demand", "supply", "floor", "expected"),
    [
        (110.0, 100.0, 0.0, 102.5),  # 10% excess demand x k = 0.25 -> +2.5%
        (90.0, 100.0, 0.0, 97.5),  # 10% excess supply -> -2.5%
        (200.0, 100.0, 0.0, 106.0),  # +25% clipped to the 6% step limit
        (0.0, 100.0, 0.0, 94.0),  # no demand: -25% clipped to -6%
        (50.0, 100.0, 99.0, 99.0),  # would fall to 94, held at the floor (unit cost)
        (100.0, 100.0, 0.0, 100.0),  # balanced market: unchanged
        (0.0, 0.0, 0.0, 100.0),  # no supply, no demand: unchanged
    ],
)
def test_adjust_price_examples(demand, supply, floor, expected):
    """p' = p (1 + k (D - S) / S), clipped to the step limit, never below the floor."""
    np.testing.assert_allclose(_price(100.0, demand, supply, floor=floor), [expected])


def test_adjust_price_zero_supply_rises_without_nan():
    """Demand for something nobody can make raises the price, without dividing by zero."""
    new = _price(100.0, 5.0, 0.0)
    assert np.isfinite(new).all()
    assert new[0] > 100.0


def test_adjust_price_zero_supply_rises_by_the_full_limit():
    """Docstring: 'With no supply and some demand the price rises by the limit'."""
    np.testing.assert_allclose(_price(100.0, 5.0, 0.0), [106.0])


price_case = st.tuples(
    st.floats(0.01, 1e6), st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0.01, 2), st.floats(0, 0.5),
    st.floats(0, 1e6))


@FAST
@given(price_case)
def test_adjust_price_bounded_by_floor_and_step(case):
    """The price never goes below the floor, and apart from jumping to the floor it never moves
    more than the step limit in one quarter."""
    price, demand, supply, response, limit, floor = case
    new = _price(price, demand, supply, response, limit, floor)[0]
    assert np.isfinite(new)
    assert new >= floor
    if new > floor:
        assert abs(new / price - 1) <= limit + 1e-12


@FAST
@given(st.floats(0.01, 1e6), st.floats(0.01, 1e6), st.floats(1e-6, 10), st.floats(0.01, 2),
       st.floats(1e-3, 0.5))
def test_adjust_price_follows_excess_demand(price, supply, excess, response, limit):
    """Excess demand raises the price; excess supply lowers it (floor at zero)."""
    assert _price(price, supply * (1 + excess), supply, response, limit)[0] > price
    shortfall = min(excess, 0.99)
    assert _price(price, supply * (1 - shortfall), supply, response, limit)[0] < price


# ---------------------------------------------------------------------------- leontief

INPUTS = ("demand", "dies", "hbm", "packaging")


def test_leontief_output_is_the_scarcest_input():
    """A designer with 80k dies but more of everything else makes 80k chips, dies-bound."""
    output, binding = market.leontief(np.array([[100.0, 80.0, 120.0, 90.0], [70.0, 90.0, np.inf, 60.0]]), INPUTS)
    np.testing.assert_array_equal(output, [80.0, 60.0])
    assert binding == ["dies", "packaging"]


def test_leontief_ties_go_to_the_first_column():
    """Enough of everything is reported as demand-bound, not as whichever input ties."""
    output, binding = market.leontief(np.array([[50.0, 50.0, 50.0, 50.0], [60.0, 50.0, 50.0, np.inf],
                                                [50.0, 50.0 * (1 + 1e-12), 80.0, 80.0]]), INPUTS)
    np.testing.assert_array_equal(output, [50.0, 50.0, 50.0])
    assert binding == ["demand", "dies", "demand"]


@FAST
@given(st.lists(st.lists(st.floats(0, 1e9), min_size=4, max_size=4), min_size=1, max_size=6))
def test_leontief_binding_is_the_first_minimum(rows):
    """Output is the row minimum; the binding input is the first column at that minimum."""
    limits = np.array(rows)
    output, binding = market.leontief(limits, INPUTS)
    np.testing.assert_array_equal(output, limits.min(axis=1))
    for row, name in zip(limits, binding, strict=True):
        col = INPUTS.index(name)
        threshold = row.min() * (1 + 1e-9) + 1e-12
        assert row[col] <= threshold
        assert np.all(row[:col] > threshold)
        if np.sum(row <= threshold) == 1:
            assert col == int(np.argmin(row))


# ---------------------------------------------------------------------------- fit_constants


def _softmax(values: np.ndarray) -> np.ndarray:
    weights = np.exp(values - values.max())
    return weights / weights.sum()


@FAST
@given(st.integers(2, 6).flatmap(lambda n: st.tuples(
    st.lists(st.floats(-3, 3), min_size=n, max_size=n), st.lists(st.floats(0.01, 1), min_size=n, max_size=n))))
def test_fit_constants_reproduces_target_shares(case):
    """Calibration: the fitted constants make the logit reproduce the starting market shares."""
    utility, raw = (np.array(v) for v in case)
    target = raw / raw.sum()
    constants = market.fit_constants(lambda c: _softmax(utility + c), target)
    np.testing.assert_allclose(_softmax(utility + constants), target, atol=1e-6)


def test_fit_constants_with_an_outside_option():
    """Berry's classic case: shares 50/30 with 20% buying nothing; needs the iteration, not one step."""
    utility = np.array([1.0, -0.5])
    target = np.array([0.5, 0.3])

    def predict(c):
        weights = np.exp(utility + c)
        return weights / (1.0 + weights.sum())

    constants = market.fit_constants(predict, target)
    np.testing.assert_allclose(predict(constants), target, atol=1e-6)
    # closed form: exp(u + c) = s / s0
    np.testing.assert_allclose(utility + constants, np.log(target / 0.2), atol=1e-6)


@FAST
@given(st.floats(0.005, 0.05), st.floats(0.5, 4.0), st.floats(0.05, 5.0))
def test_fit_constants_for_segments_that_lean_home(small_segment, home_bias, beyond_home):
    """The foundry pool's case: segments weighted by size, each leaning to its home supplier,
    one segment barred from the big suppliers. A small supplier whose share is larger than its
    home segment must win buyers elsewhere; the fit reproduces the shares within the budget of
    iterations (the plain contraction needs hundreds of steps here; the accelerated one, tens)."""
    segments = {"big": (1 - small_segment, np.array([True, True, True]), np.array([0.0, 0.0, 0.0])),
                "small": (small_segment, np.array([False, False, True]), np.array([0.0, 0.0, home_bias]))}
    small_share = small_segment * (1 + beyond_home)  # more than its home segment can buy
    target = np.array([0.8 * (1 - small_share), 0.2 * (1 - small_share), small_share])
    calls = []

    def predict(c):
        calls.append(1)
        return sum(w * market.logit_shares(bias + c, allowed) for w, allowed, bias in segments.values())

    constants = market.fit_constants(predict, target, iterations=100)
    np.testing.assert_allclose(predict(constants), target, atol=1e-8)
    assert len(calls) < 300


# ---------------------------------------------------------------------------- normalised


def test_normalised_shares_and_empty_market():
    """Market shares of 1 and 3 are 25% and 75%; a market with no trade has all-zero shares."""
    np.testing.assert_allclose(market.normalised(np.array([1.0, 3.0])), [0.25, 0.75])
    np.testing.assert_array_equal(market.normalised(np.zeros(3)), np.zeros(3))


# ---------------------------------------------------------------------------- scalar kernels (issue 15)
# Small markets run as Python loops over floats; the numpy originals are kept as the reference.
# The loops must give the very same bits (tests/test_speed_identity.py plays whole games both ways).

wide = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@FAST
@given(order_book(with_reserved=True), st.booleans())
def test_scalar_allocate_is_the_numpy_one_bit_for_bit(book, use_reserved):
    orders, supplier, capacity, reserved = book
    reserved = reserved if use_reserved else None
    assert same_bits(market.allocate(orders, supplier, capacity, reserved),
                     market._allocate_numpy(orders, supplier, capacity, reserved))


@FAST
@given(spill_book())
def test_scalar_clear_with_spill_is_the_numpy_one_bit_for_bit(book):
    assert same_bits(market.clear_with_spill(*book[:5], spill_cap=book[5], reserved=book[6]),
                     market._clear_with_spill_numpy(*book[:5], spill_cap=book[5], reserved=book[6]))


@FAST
@given(grouped_utilities(st.floats(-5, 5)), st.data())
def test_scalar_cap_shares_is_the_numpy_one_bit_for_bit(grouped, data):
    values, group, n_groups = grouped
    shares = market.group_logit(values, group, n_groups)
    caps = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.1, 1 / 3, 0.5, 1.0]), min_size=len(group),
                                       max_size=len(group))))
    assert same_bits(market.cap_shares(shares, caps, group, n_groups),
                     market._cap_shares_numpy(shares, caps, group, n_groups))


@FAST
@given(grouped_utilities(st.floats(-5, 5)), st.data())
def test_list_kernels_are_the_array_ones_bit_for_bit(grouped, data):
    """The list forms the HBM market calls (game.upstream._hbm_orders and its passes) give the
    array functions' bits: the group logit (its exp numpy's), the caps, the spill."""
    values, group, n_groups = grouped
    shares = market.group_logit_lists(values.tolist(), group.tolist(), n_groups)
    assert same_bits(np.array(shares, dtype=np.float64), market.group_logit(values, group, n_groups))
    caps = data.draw(st.lists(st.sampled_from([0.0, 0.1, 1 / 3, 0.5, 1.0]), min_size=len(group), max_size=len(group)))
    capped = market.cap_shares_lists(shares, caps, group.tolist(), n_groups)
    assert same_bits(np.array(capped, dtype=np.float64),
                     market._cap_shares_numpy(np.array(shares), np.array(caps), group, n_groups))


@FAST
@given(spill_book())
def test_list_clear_with_spill_is_the_numpy_one_bit_for_bit(book):
    orders, buyer, supplier, capacity, n_buyers, spill_cap, reserved = book
    filled = market.clear_with_spill_lists(orders.tolist(), buyer.tolist(), supplier.tolist(),
                                           capacity.astype(np.float64).tolist(), n_buyers, spill_cap.tolist(),
                                           None if reserved is None else reserved.tolist())
    assert same_bits(np.array(filled, dtype=np.float64),
                     market._clear_with_spill_numpy(*book[:5], spill_cap=spill_cap, reserved=reserved))


@FAST
@given(st.integers(1, 20).flatmap(lambda n: st.tuples(*[st.lists(st.one_of(quantity, st.just(0.0)), min_size=n,
                                                                 max_size=n) for _ in range(4)])),
       st.floats(0, 2), st.floats(0, 0.5))
def test_scalar_adjust_price_is_the_numpy_one_bit_for_bit(columns, response, limit):
    price, demand, supply, floor = (np.array(c) for c in columns)
    assert same_bits(market.adjust_price(price, demand, supply, response, limit, floor),
                     market._adjust_price_numpy(price, demand, supply, response, limit, floor))


@FAST
@given(st.lists(wide, min_size=1, max_size=12))
def test_logit_all_is_logit_shares_with_every_option_allowed(values):
    utility = np.array(values)
    assert same_bits(market.logit_all(utility), market.logit_shares(utility, np.ones(len(values), bool)))


@FAST
@given(st.lists(st.floats(-1e16, 1e16, allow_nan=False), min_size=0, max_size=128))
def test_numpy_sum_is_ndarray_sum(values):
    """The scalar spill's stopping test adds its extras as numpy's pairwise sum does."""
    assert market._numpy_sum(list(values)) == np.array(values, dtype=np.float64).sum()


def test_large_or_odd_inputs_take_the_numpy_path():
    """Past SCALAR_MAX edges, or with arrays that are not 1-d float64, the numpy code runs."""
    n = market.SCALAR_MAX + 1
    orders, supplier, capacity = np.ones(n), np.zeros(n, dtype=int), np.array([n / 2])
    assert same_bits(market.allocate(orders, supplier, capacity), market._allocate_numpy(orders, supplier, capacity))
    assert not market._small(np.ones(3, dtype=np.float32))
    assert not market._small(np.ones((2, 2)))
    assert market._small(np.ones(3), np.arange(3), None)
