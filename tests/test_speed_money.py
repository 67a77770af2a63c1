"""The capacity-support instalments paid with `fund` written out (`Country.pay_commitments`, issue
15) are the instalments paid through `fund`, bit for bit: the state's spending, cash and programme
record, the firms' cash, what support was paid and the projects left. The reference is the loop
as it was, kept here; whole games are compared too (tests/test_speed_identity.py's digests play
the baseline, where every state with supported projects pays through it)."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.base import Country


def reference_pay_commitments(country) -> None:
    """`Country.pay_commitments` before issue 15: one `fund` call per instalment."""
    still = []
    for commitment in country.commitments:
        _, instalment, firm = commitment
        if not firm.alive:
            continue
        paid = country.to_usd_billion(country.fund("capacity_support", instalment))
        firm.cash += paid
        country.support_paid_usd += paid
        commitment[0] -= 1
        if commitment[0] > 0:
            still.append(commitment)
    country.commitments = still


def a_state(budget, spent, rate, funded, planned, programmes, instalments):
    state = object.__new__(Country)
    state.budget_per_quarter, state.spent, state.spent_total, state.usd_rate = budget, spent, 7.0 + spent, rate
    state.funded, state.planned = funded, frozenset({"capacity_support"} if planned else ())
    state.cash, state.support_paid_usd = 0.25, 1.5
    state.programmes = {name: [owed, paid] for name, owed, paid in programmes}
    firms = [SimpleNamespace(alive=alive, cash=cash) for _, _, alive, cash in instalments]
    state.commitments = [[quarters, pay, firms[i]] for i, (quarters, pay, _, _) in enumerate(instalments)]
    return state


def bits(state) -> bytes:
    numbers = [state.spent, state.spent_total, state.cash, state.support_paid_usd,
               *(v for record in state.programmes.values() for v in record),
               *(x for q, pay, firm in state.commitments for x in (q, pay, firm.cash))]
    return np.array(numbers, dtype=np.float64).tobytes() + repr(list(state.programmes)).encode()


money = st.floats(0, 5e11, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(budget=money, spent=money, rate=st.sampled_from([1.0, 0.96, 7.3, 32.5, 155.0, 1450.0]),
       funded=st.floats(0, 1), planned=st.booleans(),
       programmes=st.lists(st.tuples(st.sampled_from(["capacity_support", "rd_grant", "procurement"]), money, money),
                           max_size=3, unique_by=lambda p: p[0]),
       instalments=st.lists(st.tuples(st.integers(1, 9), st.one_of(money, st.just(0.0)), st.booleans(),
                                      st.floats(-5, 50, allow_nan=False)), max_size=12))
def test_instalments_written_out_pay_what_fund_paid(budget, spent, rate, funded, planned, programmes, instalments):
    fast = a_state(budget, spent, rate, funded, planned, programmes, instalments)
    slow = copy.deepcopy(fast)
    fast.pay_commitments()
    reference_pay_commitments(slow)
    assert bits(fast) == bits(slow)
    assert [c[0] for c in fast.commitments] == [c[0] for c in slow.commitments]
    assert len(fast.commitments) == len(slow.commitments)
