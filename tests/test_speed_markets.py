"""The market-clearing speed-ups' list kernels are their numpy originals, bit for bit.

`market.adjust_prices` takes the books' lists (numbers of any float type, or integers) and
answers a list: the same floats as `adjust_price` on float64 arrays of the same numbers, by the
scalar kernel up to SCALAR_MAX prices and numpy beyond. Whole games are compared both ways in
tests/test_speed_identity.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game import market

FAST = settings(max_examples=150, deadline=None)
quantity = st.floats(0, 100, allow_nan=False, allow_subnormal=False)
number = st.one_of(quantity, st.just(0.0), st.integers(0, 50), quantity.map(np.float64))


def bits(values: list[float]) -> bytes:
    assert all(type(v) is float for v in values)
    return np.array(values, dtype=np.float64).tobytes()


@FAST
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(*[st.lists(number, min_size=n, max_size=n)
                                                         for _ in range(4)])),
       st.floats(0, 2), st.floats(0, 0.5))
def test_adjust_prices_is_adjust_price_on_float64_arrays(columns, response, limit):
    price, demand, supply, floor = columns
    arrays = [np.array(c, dtype=np.float64) for c in columns]
    expected = market._adjust_price_numpy(arrays[0], arrays[1], arrays[2], response, limit, arrays[3])
    assert bits(market.adjust_prices(price, demand, supply, response, limit, floor)) == expected.tobytes()


@pytest.mark.parametrize("scalar_max", [-1, 32])
def test_adjust_prices_either_way(monkeypatch, scalar_max):
    """The numpy way (SCALAR_MAX = -1, the reference games) answers the same list."""
    monkeypatch.setattr(market, "SCALAR_MAX", scalar_max)
    out = market.adjust_prices([10.0, 4, 2.5], [5.0, 0.0, 3.0], [1.0, 0.0, 3.0], 0.5, 0.2, [1.0, 1.0, 3.0])
    assert out == [12.0, 4.0, 3.0] and all(type(v) is float for v in out)
