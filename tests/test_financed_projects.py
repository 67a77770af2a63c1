"""State-financed projects (docs/model.md, "Capacity": scheduled projects still to be paid for):
Rapidus's 2 nm line comes on line when Japan pays for it and slips when nobody does, the firm never
pays more than the cash it holds, and a slip is in the cause log so Why? can name it."""

from __future__ import annotations

import itertools
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.controllers import make_controller
from agents.producers import financed_project
from game.model import World
from game.scenario import Pipeline, Scenario, load_scenario


@cache
def baseline() -> Scenario:
    return load_scenario("baseline")


def rapidus_capacity(strategy: str, turns: int = 11, seed: int = 0) -> tuple[list[float], World]:
    world = World(baseline(), seed=seed, controllers={"JPN": make_controller("JPN", strategy)})
    capacity = []
    for _ in range(turns):
        world.step()
        capacity.append(world.by_name["Rapidus"].capacity)
    return capacity, world


def test_the_line_comes_when_due_if_japan_pays_for_it():
    """Japan's real programme puts equity into Rapidus as construction asks (cal 4d), so the line
    is on in 2027Q2 (the tenth quarter), not before."""
    capacity, world = rapidus_capacity("default")
    assert capacity[8] == 0.0 and capacity[9] == pytest.approx(18.0)
    assert world.by_name["Rapidus"].building == []
    # the quarter its last instalment was paid, the cause log says the line comes next quarter
    [paid] = [c for causes in world.causes for c in causes if c["key"] == "cause.project_paid"]
    assert paid["turn"] == 9 and "Rapidus" in paid["en"] and "라피더스" in paid["ko"]
    # and the quarter its capacity moves Japan's score names it (the turning points read that quarter)
    [online] = [c for causes in world.causes for c in causes if c["key"] == "cause.project_online"]
    assert online["turn"] == 10 and online["country"] == "JPN" and "leading_edge_capacity_share" in online["targets"]
    assert world.by_name["Rapidus"].opening == []


def test_an_unfunded_line_slips_and_the_log_says_why():
    """Doing nothing leaves Rapidus to pay from the ~US$4B it holds: it pays what it can, then the
    line stalls, and each short quarter is a cause Why? can show."""
    capacity, world = rapidus_capacity("laissez_faire")
    assert max(capacity) == 0.0
    [(amount, line, left, _)] = world.by_name["Rapidus"].building
    assert (amount, line) == (18.0, "2nm") and 0 < left < 5.1
    unpaid = [c for turn in world.causes for c in turn if c["key"] == "cause.project_unpaid"]
    assert unpaid and all(c["country"] == "JPN" for c in unpaid)
    assert "Rapidus" in unpaid[-1]["en"] and "라피더스" in unpaid[-1]["ko"]


def test_the_backer_sees_what_the_project_asks():
    """The observation tells a state what its financed firm's instalment is this quarter, which is
    how a controller (or a team at the desk) can fund it."""
    world = World(baseline(), seed=0)
    seen = world.governance.observe("JPN").home_firms["Rapidus"]
    assert seen["building_due"] == pytest.approx(5.1 / 9)


class Firm:
    """Just what Producer.pay_building reads and writes."""

    alive = True

    def __init__(self, cash: float, building: list[list]) -> None:
        self.cash, self.costs, self.building, self.pipeline = cash, 0.0, building, []

    def add_project(self, ready, size, line=None):
        self.pipeline.append([ready, size, line])


@settings(max_examples=200, deadline=None)
@given(cash=st.floats(-5, 10), to_pay=st.floats(0.01, 8), quarters=st.integers(1, 12),
       injections=st.lists(st.floats(0, 3), min_size=1, max_size=20))
def test_a_project_is_paid_from_cash_in_hand_and_comes_only_when_paid(cash, to_pay, quarters, injections):
    """Whatever money arrives: the firm never pays more than the cash it holds, what it pays is
    what the project's account loses (money is conserved), and the project comes on line the
    quarter after its last instalment, never earlier."""
    from agents.producers import Producer

    spec = Pipeline(amount=10.0, ready="2027Q1", to_pay=to_pay)
    firm = Firm(cash, [financed_project(spec, "2nm", 108 - quarters)])
    paid_total = 0.0
    for now, equity in enumerate(injections, start=100):
        firm.cash += equity
        firm.costs = 0.0
        before = firm.building[0][2] if firm.building else 0.0
        Producer.pay_building(firm, now)
        assert firm.costs <= max(firm.cash, 0.0) + 1e-12
        after = firm.building[0][2] if firm.building else 0.0
        assert firm.costs == pytest.approx(before - after, abs=1e-9)
        paid_total += firm.costs
        firm.cash -= firm.costs
        if firm.pipeline:
            assert firm.pipeline == [[now + 1, 10.0, "2nm"]] and not firm.building
            break
    assert paid_total <= to_pay + 1e-9
    assert bool(firm.pipeline) == (paid_total >= to_pay * (1 - 1e-9))


def test_project_equity_answers_only_a_project_the_firm_cannot_pay():
    """A state tops up a firm only for the instalment its financed project asks beyond its cash:
    a firm in debt with no such project (Micron, Intel) gets nothing from this rule, and one that
    holds enough gets nothing either."""
    from types import SimpleNamespace

    from agents.controllers import project_equity

    firms = {"Rapidus": {"alive": True, "building_due": 0.6, "cash": 0.2},
             "Micron": {"alive": True, "building_due": 0.0, "cash": -3.0},
             "Flush": {"alive": True, "building_due": 0.6, "cash": 2.0},
             "Gone": {"alive": False, "building_due": 0.6, "cash": -1.0}}
    obs = SimpleNamespace(home_firms=firms, usd_rate=155.0)
    [equity] = project_equity(obs, firms)
    assert equity.firm == "Rapidus" and equity.amount == pytest.approx(0.4 * 155.0 * 1e9)



# ---------------------------------------------------------------- projects the state decides

def china_game(controller, seed: int = 0) -> World:
    world = World(baseline(), seed=seed, controllers={"CHN": controller}, tables=False)
    while not world.finished:
        world.step()
    return world


def test_china_answers_its_designers_shortage_with_one_state_project_at_a_time():
    """China's programme (docs/model.md, "China's programme"): while a home designer is held back by
    HBM, the state pays for a project at CXMT (directed equity), and funds the next only once the
    last has come on line, so each accepted project is at least CXMT's lead time after the one
    before; meanwhile the quarter's injection is cash. The projects are capacity CXMT's own plan
    did not build: it ends the term with more lines than when the state gives the same money as
    cash."""
    from agents.controllers import ChinaProgramme
    from game.actions import Equity

    class CashOnly(ChinaProgramme):
        def decide(self, obs):
            return [Equity(firm=a.firm, amount=a.amount) if getattr(a, "build", False) else a
                    for a in super().decide(obs)]

    for seed in (0, 1):
        world = china_game(ChinaProgramme(), seed)
        built = [entry["turn"] for entry in world.governance.log if entry["country"] == "CHN" and not entry["refused"]
                 and (entry["action"] or {}).get("build") and entry["action"]["firm"] == "CXMT"]
        lead = world.by_name["CXMT"].lead_time
        assert built and all(b - a >= lead for a, b in itertools.pairwise(built))
        assert world.by_name["CXMT"].capacity > china_game(CashOnly(), seed).by_name["CXMT"].capacity + 5
