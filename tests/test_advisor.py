"""The advisor (issue 16, item 4): each piece of advice comes from the state a government can
see, names a lever its state has, and reads as written in both languages."""

from __future__ import annotations

import re

import pytest

from agents.controllers import make_controller
from game.actions import ExportControl
from game.advisor import advise
from game.model import World
from game.scenario import load_scenario


def world(turns: int = 0, **controllers) -> World:
    made = {c: make_controller(c, s) for c, s in controllers.items()}
    w = World(load_scenario("baseline"), seed=1, controllers=made, tables=False)
    for _ in range(turns):
        w.step()
    return w


def keys(w: World, country: str = "KOR") -> dict[str, str]:
    return {a.key: a.lever for a in advise(w, country)}


def test_before_the_first_quarter_it_says_the_centre_opens_later_and_demand_binds():
    advice = keys(world())
    assert advice["centre_not_open"] == "procurement"
    assert advice["bound_demand"] == "chip_incentive"
    text = {a.key: a.text("ko") for a in advise(world(), "KOR", "ko")}
    assert "2025년 4분기에 문을 엽니다" in text["centre_not_open"]


def test_programmes_the_budget_cannot_fund_are_named_with_their_share():
    w = world(4, KOR="team_korea(scale=3)")
    advice = [a for a in advise(w, "KOR") if a.key == "underfunded"]
    funded = w.governance.funded_shares(w.countries["KOR"], last=False)
    lowest = min(funded, key=funded.get)
    assert advice and advice[0].lever == lowest and advice[0].params["share"] == f"{100 * funded[lowest]:.0f}"
    assert "underfunded" not in keys(world(4, KOR="laissez_faire"))


def test_a_rivals_export_control_that_reaches_our_firms_and_state_money_into_a_competitor():
    w = world(4)  # China's Big Fund puts equity into SMIC and CXMT in the fifth quarter
    w.open_quarter()
    w.governance.submit("USA", [ExportControl(good="hbm", to_countries=["CHN"])], source="controller")
    w.close_quarter()
    advice = {a.key: a for a in advise(w, "KOR")}
    assert advice["control_reaches_us"].lever == "trade_stance"
    assert "the United States put a new export control on HBM to China" in advice["control_reaches_us"].text("en")
    assert "rival_support" in advice  # China's programme puts equity into CXMT and SMIC
    assert advice["rival_support"].params["firm"] in ("CXMT", "SMIC", "Intel Foundry", "Micron")
    assert "control_reaches_us" not in keys(w, "GCC"), "the US rules do not reach Gulf firms"


def test_an_idle_budget_is_pointed_out_after_two_quarters():
    assert "idle_budget" not in keys(world(1, KOR="laissez_faire"))
    assert keys(world(3, KOR="laissez_faire"))["idle_budget"] == "chip_incentive"


def test_advice_only_names_levers_the_countrys_state_has():
    w = world(4)
    for country in w.countries:
        offered = set(w.scenario.levers.offered_to(country))
        assert all(a.lever in offered for a in advise(w, country))
    assert all(a.lever in {"procurement", "equity"} for a in advise(w, "GCC"))


@pytest.mark.parametrize("turns", [0, 2, 5])
def test_advice_reads_as_written_in_both_languages(turns):
    w = world(turns, KOR="team_korea(scale=3)")
    for country in ("KOR", "USA", "CHN"):
        for item in advise(w, country, "ko"):
            text = item.text("ko")
            assert "|" not in text and "{" not in text and not re.search(r"\((이|가|은|는|을|를|으로)\)", text)
            assert not re.search(r"\b(KOR|USA|CHN|Q[1-4])\b", text)
        for item in advise(w, country, "en"):
            text = item.text("en")
            assert "{" not in text and not re.search(r"[가-힣]", text) and text[0].isupper()
