"""The desk tells the truth (issue 16, item 3): the centre's volume follows its plan unless the
player replaces it, and the desk says which; Actions waiting out their lag are listed with their
quarter; "cost this quarter" prices usage-based programmes not used yet. Core logic without a
window; tests/test_ui_desk_truth.py drives the same through the desktop desk."""

from __future__ import annotations

import pytest

from game.actions import ChipIncentive, FoundrySubsidy, Procurement
from game.desk_levers import procurement_status, read_settings, scheduled, staged_actions
from game.forecast import forecast
from game.lever_preview import unpaid_commitment, usage_this_quarter
from game.session import Session


@pytest.fixture
def session(tmp_path):
    s = Session("baseline", 7, saves_dir=tmp_path, autosave=False)
    yield s
    s.close()


def procurement(actions):
    return next(a for a in actions if a.kind == "procurement")


def test_a_mix_alone_keeps_the_centre_on_its_growing_plan(session):
    settings = read_settings(session)
    assert settings.follows_plan and settings.plan == settings.base["procurement.budget"] > 0
    values = {**settings.base, "procurement.leader": 50, "procurement.domestic": 40}
    action = procurement(staged_actions(settings, values, "en")[0])
    assert action.budget is None and action.mix["domestic"] == 0.4
    session.end_turn([action])
    world, korea = session.world, session.country
    for _ in range(6):  # past the centre's opening (2025Q4): it buys by its plan, which grows
        session.end_turn([])
    assert korea.policy.procurement_budget is None and korea.policy.procurement_mix["domestic"] == 0.4
    buyer = world.national_buyer("KOR")
    # between quarters, the plan of the quarter being decided
    assert world.planned_procurement(korea, korea.policy) == korea.to_local(buyer.planned_budget(world.deciding))
    assert world.planned_procurement(korea, korea.policy) > settings.plan * 1e9 * 1.01


def test_a_volume_moved_off_the_plan_replaces_it_and_the_plan_mark_brings_the_plan_back(session):
    settings = read_settings(session)
    cut = {**settings.base, "procurement.budget": 130}
    assert procurement(staged_actions(settings, cut, "en")[0]).budget == 130e9
    text = procurement_status(session, settings, cut, "en")
    assert text.startswith("Fixed at 130.0B KRW a quarter in place of the plan: 62% below the plan now")
    assert "62% 적습니다" in procurement_status(session, settings, cut, "ko")
    assert procurement_status(session, settings, settings.base, "en").startswith("Follows the plan:")
    session.end_turn([procurement(staged_actions(settings, cut, "en")[0])])
    fixed = read_settings(session)
    assert not fixed.follows_plan and fixed.base["procurement.budget"] == 130
    back = {**fixed.base, "procurement.budget": fixed.plan}
    assert procurement(staged_actions(fixed, back, "en")[0]).budget is None, "set at the plan: follows it again"
    assert procurement_status(session, fixed, back, "en").startswith("Follows the plan:")
    assert staged_actions(fixed, fixed.base, "en")[0] == [], "an untouched fixed volume stays as it is"


def test_actions_waiting_out_their_lag_are_listed_with_the_quarter_they_take_effect(session):
    assert scheduled(session, "en") == []
    session.end_turn([ChipIncentive(rate=0.2), FoundrySubsidy(rate=0.3)])  # lag 1 and lag 0
    world = session.world
    listed = scheduled(session, "en")
    assert listed == [(world.now + 1, "Home-chip incentive for LLM developers 20%")]
    assert world.governance.scheduled("KOR")[0][1] == ChipIncentive(rate=0.2)
    assert scheduled(session, "ko")[0][1] == "LLM 개발사 국산 칩 인센티브 20%"
    session.end_turn([])
    assert scheduled(session, "en") == [], "in force now"


def test_a_subsidy_not_used_yet_is_priced_by_the_forecast_as_the_quarter_will_cost_it(session):
    for _ in range(2):
        session.end_turn([])
    world, actions = session.world, [FoundrySubsidy(rate=0.5)]
    assert world.usage_estimate("KOR", world.governance.policy_in_force("KOR"), "foundry_subsidy") == 0
    assert usage_this_quarter(world, "KOR", [], None) == (0.0, "exact")
    assert usage_this_quarter(world, "KOR", actions, None) == (0.0, "pending")
    ahead = forecast(world, "KOR", actions)
    extra, state = usage_this_quarter(world, "KOR", actions, ahead)
    assert state == "estimated" and extra > 1e9
    session.end_turn(actions)
    owed, _ = session.country.programmes["foundry_subsidy"]
    assert extra == pytest.approx(owed, rel=1e-9), "the forecast plays the quarter the game plays"
    again = forecast(session.world, "KOR", [])  # now used: last quarter's use prices it
    assert usage_this_quarter(session.world, "KOR", [], again) == (0.0, "estimated")


def test_a_fixed_volume_before_the_centre_opens_costs_nothing_this_quarter(session):
    world = session.world
    actions = [Procurement(budget=130e9)]
    assert session.cost(actions) == pytest.approx(130e9), "the budget check counts the commitment"
    assert unpaid_commitment(world, "KOR", actions) == pytest.approx(130e9), "but nothing is paid yet"
    assert unpaid_commitment(world, "KOR", [Procurement()]) == 0.0
    for _ in range(4):
        session.end_turn([])
    assert unpaid_commitment(session.world, "KOR", actions) == 0.0, "open: the volume is paid"
