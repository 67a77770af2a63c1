"""The levers: typed, validated, costed Actions through the one seam (`governance.submit`).

Every lever works for the country that may pull it and takes effect after the scenario's lag;
every invalid Action is refused with a reason and changes nothing; random Actions never break
the game; and each lever the seeds rely on moves the world through its mechanism, shown by
paired runs (same seed, one difference)."""

from __future__ import annotations

import copy
import math
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from game.actions import (
    ACTION_KINDS,
    Action,
    BrokerLink,
    CapacitySupport,
    ChipIncentive,
    Convergence,
    Equity,
    ExportControl,
    FoundrySubsidy,
    Procurement,
    RDGrant,
    ServiceIncentive,
    TradeStance,
    parse_action,
)
from game.calendar import parse_quarter
from game.model import World
from game.scenario import Scenario, load_scenario
from game.text import tr

MIX = {"leader": 0.5, "domestic": 0.4, "other": 0.1}


@cache
def baseline() -> Scenario:
    return load_scenario("baseline")


def fresh(seed: int = 0, scenario: Scenario | None = None, controllers: dict | None = None) -> World:
    """A new game in the policy phase of its first quarter: the controllers have decided and a
    test may submit Actions as a player at the desk would; `world.step()` plays the rest of it."""
    world = World(scenario or baseline(), seed=seed, controllers=controllers)
    world.open_quarter()
    return world


def next_policy_phase(world: World) -> None:
    """Finish this quarter and open the next up to its policy phase (lagged Actions enacted)."""
    world.step()
    world.open_quarter()


def plan(world: World) -> float:
    """The national computing centre's planned quarterly purchase, in won."""
    return world.governance.observe("KOR").plan_procurement


def initial_cash(name: str) -> float:
    s = baseline()
    return next(f.cash for group in (s.designers, s.foundries, s.hbm_makers, s.packagers, s.component_suppliers)
                for f in group if f.name == name)


def policy(world: World, country: str = "KOR"):
    return world.countries[country].policy


def snapshot(world: World):
    """Everything an accepted Action could change: policies, budgets, the pending queue, firms'
    cash, supply links and export rules."""
    return copy.deepcopy((
        {c: (vars(k.policy), k.spent, k.spent_total, k.cash) for c, k in world.countries.items()},
        [(due, c, a.model_dump()) for due, c, a in world.governance.pending],
        {n: a.cash for n, a in world.by_name.items()},
        {s.name: dict(s.link_strength) for s in world.component_suppliers},
        len(world.export_rules.active),
        dict(world.governance.one_off_this_quarter),
        sum(len(t) for t in world.causes),
    ))


# ------------------------------------------------------------------ every lever works

# kind -> (country that pulls it, the Action, "is it in force?")
LEVERS = {
    "foundry_subsidy": ("KOR", lambda w: FoundrySubsidy(rate=0.5),
                        lambda w: policy(w).foundry_subsidy == 0.5),
    "procurement": ("KOR", lambda w: Procurement(budget=plan(w), mix=MIX),
                    lambda w: policy(w).procurement_budget is not None and policy(w).procurement_mix == MIX),
    "chip_incentive": ("KOR", lambda w: ChipIncentive(rate=0.3), lambda w: policy(w).chip_incentive == 0.3),
    "service_incentive": ("KOR", lambda w: ServiceIncentive(rate=0.2), lambda w: policy(w).service_incentive == 0.2),
    "rd_grant": ("KOR", lambda w: RDGrant(designer="Rebellions", amount=29e9),
                 lambda w: policy(w).rd_grants == {"Rebellions": 29e9}),
    "broker_link": ("KOR", lambda w: BrokerLink(designer="Rebellions", supplier="Zalman"),
                    lambda w: w.by_name["Zalman"].link_strength.get("Rebellions", 0.0) == 1.0),
    "convergence": ("KOR", lambda w: Convergence(industry="Steel", intensity=0.6),
                    lambda w: policy(w).convergence == {"Steel": 0.6}),
    "capacity_support": ("KOR", lambda w: CapacitySupport(firm="SK hynix", rate=0.1),
                         lambda w: policy(w).capacity_support == {"SK hynix": 0.1}),
    "trade_stance": ("KOR", lambda w: TradeStance(stance="us_aligned"),
                     lambda w: policy(w).trade_stance == "us_aligned"),
    # Only the US has export-control reach in the baseline: a 0.3 H100e chip is legal in China
    # under the Oct 2022/2023 rules (threshold 0.35) and illegal after a new round at 0.
    "export_control": ("USA", lambda w: ExportControl(good="accelerator", to_countries=["CHN"], perf_above=0.0),
                       lambda w: not w.export_rules.allows("accelerator", "USA", "CHN", 0.3)),
    "equity": ("KOR", lambda w: Equity(firm="Rebellions", amount=10e9),
               lambda w: math.isclose(w.by_name["Rebellions"].cash,
                                      initial_cash("Rebellions") + 10e9 / 1450.0 / 1e9, rel_tol=1e-12)),
}


def test_every_action_kind_has_a_lever_with_a_lag_in_the_baseline():
    assert set(ACTION_KINDS) == set(LEVERS)
    assert set(baseline().levers.lags) == set(ACTION_KINDS)


@pytest.mark.parametrize("kind", ACTION_KINDS)
def test_every_lever_is_accepted_and_takes_effect_after_its_lag(kind):
    country, make, in_force = LEVERS[kind]
    world = fresh()
    lag = world.scenario.levers.lags[kind]
    action = make(world)
    assert action.kind == kind
    assert not in_force(world)

    [verdict] = world.governance.submit(country, [action])
    assert verdict.accepted and verdict.reason is None
    for _ in range(lag):  # pending until the policy phase of the quarter its lag ends in
        assert not in_force(world)
        assert any(a == action and c == country for _, c, a in world.governance.pending)
        next_policy_phase(world)
    assert in_force(world)
    assert not any(a == action for _, _, a in world.governance.pending)

    enacted = [e for turn in world.causes for e in turn if e["key"] == "cause.action" and e["country"] == country]
    assert any(e["params"]["kind"] == tr(f"lever.{kind}", "en") for e in enacted)


def test_lags_come_from_the_scenario():
    """The same Procurement takes 3 quarters when the scenario says so."""
    s = baseline()
    levers = s.levers.model_copy(update={"lags": {**s.levers.lags, "procurement": 3}})
    world = fresh(scenario=s.model_copy(update={"levers": levers}))
    budget = plan(world)
    assert world.governance.submit("KOR", [Procurement(budget=budget, mix={"domestic": 1.0})])[0].accepted
    for _ in range(2):
        next_policy_phase(world)
        assert policy(world).procurement_budget is None
    next_policy_phase(world)
    assert policy(world).procurement_budget == budget
    assert policy(world).procurement_mix == {"domestic": 1.0}


def test_lag_zero_foundry_subsidy_is_in_force_at_once():
    world = fresh()
    assert world.scenario.levers.lags["foundry_subsidy"] == 0
    assert world.governance.submit("KOR", [FoundrySubsidy(rate=0.5)])[0].accepted
    assert policy(world).foundry_subsidy == 0.5
    assert [a for _, c, a in world.governance.pending if c == "KOR"] == []


def test_lag_one_procurement_waits_for_the_next_policy_phase():
    world = fresh()
    assert world.scenario.levers.lags["procurement"] == 1
    action = Procurement(budget=plan(world), mix=MIX)  # submitted in 2025Q1, in force from 2025Q2's policy phase
    assert world.governance.submit("KOR", [action])[0].accepted
    assert policy(world).procurement_budget is None
    assert [(due, a) for due, c, a in world.governance.pending if c == "KOR"] == [(parse_quarter("2025Q2"), action)]
    world.step()
    assert policy(world).procurement_budget is None
    world.open_quarter()
    assert world.date == "2025Q2"
    assert policy(world).procurement_budget == action.budget and policy(world).procurement_mix == MIX


def test_equity_raises_cash_by_amount_over_usd_rate_and_is_paid_from_the_budget():
    world = fresh()
    korea = world.countries["KOR"]
    spent = korea.spent
    assert world.governance.submit("KOR", [Equity(firm="FuriosaAI", amount=40e9)])[0].accepted
    assert world.by_name["FuriosaAI"].cash == pytest.approx(initial_cash("FuriosaAI") + 40e9 / korea.usd_rate / 1e9)
    assert korea.spent == pytest.approx(spent + 40e9)


def test_directed_equity_pays_for_a_project_on_the_line_whose_orders_were_largest():
    """`Equity(build=True)`: the state's capital becomes capacity on the producer's line whose
    customers were shortest last quarter (orders against what it had), capacity = the dollars over
    its capex per unit, on line after its lead time; the cash given is paid out over the build as
    instalments, so it is spent on exactly this project (money conserved), and the project arrives."""
    world = fresh()
    for _ in range(3):
        next_policy_phase(world)
    korea, samsung = world.countries["KOR"], world.by_name["Samsung Foundry"]
    asked = {n: s["asked"] / s["available"] for n, s in samsung.nodes.items() if s["available"] > 0}
    line = max(asked, key=lambda n: (asked[n], samsung.order.index(n)))
    cash, pipeline, owed = samsung.cash, list(samsung.pipeline), sum(n * pay for n, pay in samsung.payments)
    amount = 290e9  # won: US$ 0.2 B
    assert world.governance.submit("KOR", [Equity(firm="Samsung Foundry", amount=amount, build=True)])[0].accepted
    usd = amount / korea.usd_rate / 1e9
    assert samsung.cash == pytest.approx(cash + usd)
    [project] = [p for p in samsung.pipeline if p not in pipeline]
    # at home (no site abroad)
    assert project == [world.now + samsung.lead_time, pytest.approx(usd / samsung.capex_per_unit), line, None]
    assert sum(n * pay for n, pay in samsung.payments) == pytest.approx(owed + usd)
    capacity = samsung.nodes[line]["capacity"]
    for _ in range(samsung.lead_time):
        next_policy_phase(world)
    world.step()  # the quarter it is due: commissioned as the producers decide
    assert project not in samsung.pipeline
    assert samsung.nodes[line]["capacity"] >= capacity + usd / samsung.capex_per_unit - 1e-9


def test_plain_equity_builds_nothing_the_firm_did_not_plan():
    """Without `build`, equity is cash: no project is added when it is paid."""
    world = fresh()
    samsung = world.by_name["Samsung Foundry"]
    pipeline = list(samsung.pipeline)
    assert world.governance.submit("KOR", [Equity(firm="Samsung Foundry", amount=290e9)])[0].accepted
    assert samsung.pipeline == pipeline


def test_broker_link_costs_its_one_off_price_when_it_takes_effect():
    world = fresh()
    link = BrokerLink(designer="FuriosaAI", supplier="Zalman")
    cost = world.countries["KOR"].to_local(world.scenario.levers.broker_link_cost_usd)
    assert link.one_off_cost(world, world.countries["KOR"]) == pytest.approx(cost)
    assert world.governance.submit("KOR", [link])[0].accepted
    next_policy_phase(world)
    assert world.by_name["Zalman"].link_strength["FuriosaAI"] == 1.0
    assert world.governance.one_off_this_quarter["KOR"] == pytest.approx(cost)


def test_rd_grant_is_paid_to_the_designer_each_quarter():
    world, without = fresh(), fresh()
    assert world.governance.submit("KOR", [RDGrant(designer="Rebellions", amount=29e9)])[0].accepted
    for _ in range(2):
        world.step()
        without.step()
    rebellions = world.by_name["Rebellions"]
    assert rebellions.rd_stock == pytest.approx(2 * 29e9 / 1450.0 / 1e9)
    assert without.by_name["Rebellions"].rd_stock == 0
    assert rebellions.ecosystem > without.by_name["Rebellions"].ecosystem  # developer tools funded
    world.open_quarter()
    assert world.governance.submit("KOR", [RDGrant(designer="Rebellions", amount=0.0)])[0].accepted
    assert policy(world).rd_grants == {}  # a zero grant ends the programme


# ------------------------------------------------------------------ refusals change nothing

def steps(n):
    def setup(world):
        for _ in range(n):
            world.step()
    return setup


def established_link(world):
    world.governance.submit("KOR", [BrokerLink(designer="Rebellions", supplier="Zalman")])
    next_policy_phase(world)


def without_equity_lever(scenario: Scenario) -> Scenario:
    lags = {k: v for k, v in scenario.levers.lags.items() if k != "equity"}
    return scenario.model_copy(update={"levers": scenario.levers.model_copy(update={"lags": lags})})


# id -> (country, Action, setup, words the reason contains)
def every_lever(world) -> None:
    """The world's scenario with every lever of `lags` offered to every state (no `offered` table)."""
    levers = world.scenario.levers.model_copy(update={"offered": {}})
    world.scenario = world.scenario.model_copy(update={"levers": levers})


REFUSALS = {
    "rd_grant_over_budget": ("KOR", lambda w: RDGrant(designer="Rebellions", amount=1e15), None, "over budget"),
    "equity_over_budget": ("KOR", lambda w: Equity(firm="Rebellions", amount=1e15), None, "over budget"),
    "procurement_over_budget_once_open": (
        "KOR", lambda w: Procurement(budget=2 * w.countries["KOR"].budget_per_quarter, mix=MIX), steps(4),
        "over budget"),
    "unknown_designer": ("KOR", lambda w: RDGrant(designer="Nobody", amount=1e9), None, "unknown chip designer"),
    "foreign_designer": ("KOR", lambda w: RDGrant(designer="Nvidia", amount=1e9), None, "not a Korea firm"),
    "foreign_producer": ("KOR", lambda w: CapacitySupport(firm="TSMC", rate=0.1), None, "not a Korea firm"),
    "foreign_equity": ("KOR", lambda w: Equity(firm="Nvidia", amount=1e9), None, "not a Korea firm"),
    "equity_builds_no_designer": ("KOR", lambda w: Equity(firm="Rebellions", amount=1e9, build=True), None,
                                  "makes no wafers, HBM or packages"),
    "equity_builds_at_no_foreign_producer": ("KOR", lambda w: Equity(firm="TSMC", amount=1e9, build=True), None,
                                             "not a Korea firm"),
    "unknown_industry": ("KOR", lambda w: Convergence(industry="TSMC", intensity=0.5), None, "unknown industry"),
    "korea_has_no_export_controls": ("KOR", lambda w: ExportControl(good="hbm", to_countries=["CHN"]), None,
                                     "Korea has no such lever in this scenario: Export control"),
    "the_usa_has_no_priming_water": ("USA", lambda w: FoundrySubsidy(rate=0.5), None,
                                     "United States has no such lever in this scenario"),
    "the_gulf_supports_no_capacity": ("GCC", lambda w: CapacitySupport(firm="TSMC", rate=0.1), None,
                                      "has no such lever in this scenario"),
    "export_control_to_itself": ("USA", lambda w: ExportControl(good="hbm", to_countries=["USA"]), None, "itself"),
    "export_control_unknown_destination": ("USA", lambda w: ExportControl(good="hbm", to_countries=["XYZ"]), None,
                                           "unknown destination"),
    "export_control_no_destination": ("USA", lambda w: ExportControl(good="hbm", to_countries=[]), None,
                                      "at least one destination"),
    "mix_not_100": ("KOR", lambda w: Procurement(budget=1e11, mix={"leader": 0.5, "domestic": 0.4}), None, "100%"),
    "unknown_vendor_group": ("KOR", lambda w: Procurement(budget=1e11, mix={"samsung": 1.0}), None,
                             "unknown vendor group"),
    # a scenario that offers every lever to every state: each Action's own check still refuses
    "no_national_centre": ("USA", lambda w: Procurement(budget=1e9), every_lever, "no national computing centre"),
    "no_llm_market": ("USA", lambda w: ServiceIncentive(rate=0.1), every_lever, "no modelled LLM market"),
    "no_foundry": ("GCC", lambda w: FoundrySubsidy(rate=0.5), every_lever, "no foundry"),
    "broker_link_foreign_supplier": ("KOR", lambda w: BrokerLink(designer="Rebellions", supplier="Imported cooling"),
                                     None, "not a Korea firm"),
    "broker_link_already_established": ("KOR", lambda w: BrokerLink(designer="Rebellions", supplier="Zalman"),
                                        established_link, "already work together"),
    "unknown_country": ("XYZ", lambda w: FoundrySubsidy(rate=0.5), None, "unknown country"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_invalid_action_is_refused_with_a_reason_and_changes_nothing(case):
    country, make, setup, says = REFUSALS[case]
    world = fresh()
    if setup:
        setup(world)
    if not world.in_turn:
        world.open_quarter()
    action = make(world)
    before = snapshot(world)
    logged = len(world.governance.log)

    [verdict] = world.governance.submit(country, [action])
    assert not verdict.accepted
    assert isinstance(verdict.reason, str) and says in verdict.reason
    assert snapshot(world) == before
    assert world.governance.log[logged:] == [
        {"turn": world.turn, "date": world.date, "country": country, "source": "desk",
         "action": action.model_dump(), "refused": verdict.reason}]


def test_lever_missing_from_the_scenario_is_refused():
    world = fresh(scenario=without_equity_lever(baseline()))
    before = snapshot(world)
    [verdict] = world.governance.submit("KOR", [Equity(firm="Rebellions", amount=1e9)])
    assert not verdict.accepted and "not in this scenario" in verdict.reason
    assert snapshot(world) == before


def test_each_action_of_a_bundle_is_judged_on_its_own():
    world = fresh()
    verdicts = world.governance.submit("KOR", [RDGrant(designer="Nobody", amount=1e9), FoundrySubsidy(rate=0.25)])
    assert [v.accepted for v in verdicts] == [False, True]
    assert policy(world).foundry_subsidy == 0.25 and policy(world).rd_grants == {}


def test_bundle_over_budget_in_total_refuses_the_action_that_breaks_it():
    world = fresh()
    korea = world.countries["KOR"]
    half = 0.6 * korea.budget_per_quarter
    verdicts = world.governance.submit("KOR", [Equity(firm="Rebellions", amount=half),
                                               Equity(firm="FuriosaAI", amount=half)])
    assert [v.accepted for v in verdicts] == [True, False]
    assert world.by_name["FuriosaAI"].cash == pytest.approx(initial_cash("FuriosaAI"))


def test_a_cut_is_never_refused_for_money_even_when_programmes_outgrow_the_budget():
    world = fresh()
    korea = world.countries["KOR"]
    grant = 0.4 * korea.budget_per_quarter
    assert all(v.accepted for v in world.governance.submit("KOR", [RDGrant(designer="Rebellions", amount=grant),
                                                                   RDGrant(designer="FuriosaAI", amount=grant)]))
    korea.budget_per_quarter *= 0.3  # the programmes in force ask for more than the budget, even after the cut
    [raise_it] = world.governance.submit("KOR", [RDGrant(designer="Rebellions", amount=grant * 1.1)])
    assert not raise_it.accepted and "over budget" in raise_it.reason
    assert world.governance.check_bundle("KOR", [RDGrant(designer="FuriosaAI", amount=0.0)]) is None
    [cut] = world.governance.submit("KOR", [RDGrant(designer="FuriosaAI", amount=0.0)])
    assert cut.accepted, cut.reason
    assert "FuriosaAI" not in world.governance.policy_in_force("KOR").rd_grants or \
        world.governance.policy_in_force("KOR").rd_grants["FuriosaAI"] == 0.0


def test_procurement_larger_than_the_whole_budget_is_refused_before_the_centre_opens():
    world = fresh()
    before = snapshot(world)
    huge = 2 * world.countries["KOR"].budget_per_quarter
    [verdict] = world.governance.submit("KOR", [Procurement(budget=huge, mix={"domestic": 1.0})])
    assert not verdict.accepted and "over budget" in verdict.reason
    assert snapshot(world) == before


def test_something_that_is_not_an_action_is_refused_not_raised():
    world = fresh()
    before = snapshot(world)
    [verdict] = world.governance.submit("KOR", [{"kind": "foundry_subsidy", "rate": 0.5}])
    assert not verdict.accepted and "not an Action" in verdict.reason
    assert snapshot(world) == before


def test_export_control_never_blocks_a_countrys_home_trade():
    world = fresh()
    assert world.governance.submit("USA", [ExportControl(good="wafer", to_countries=["KOR"])])[0].accepted
    next_policy_phase(world)
    assert not world.export_rules.allows("wafer", "USA", "KOR")
    assert world.export_rules.allows("wafer", "KOR", "KOR")


# ------------------------------------------------------------------ construction and JSON form

@pytest.mark.parametrize("build", [
    lambda: FoundrySubsidy(rate=1.5),
    lambda: FoundrySubsidy(rate=-0.1),
    lambda: FoundrySubsidy(rate=float("nan")),
    lambda: ChipIncentive(rate=0.9),
    lambda: ServiceIncentive(rate=0.51),
    lambda: CapacitySupport(firm="SK hynix", rate=0.6),
    lambda: Convergence(industry="Steel", intensity=1.01),
    lambda: RDGrant(designer="Rebellions", amount=-1.0),
    lambda: RDGrant(designer="Rebellions", amount=float("inf")),
    lambda: Equity(firm="Rebellions", amount=1e17),
    lambda: Procurement(budget=1e11, mix={"leader": 1.5}),
    lambda: Procurement(budget=-1.0),
    lambda: TradeStance(stance="hostile"),
    lambda: ExportControl(good="chips", to_countries=["CHN"]),
    lambda: ExportControl(good="hbm", to_countries=["CHN"], perf_above=-1.0),
    lambda: FoundrySubsidy(rate=0.5, bonus=1),
    lambda: FoundrySubsidy(),
], ids=lambda f: "")
def test_out_of_range_or_malformed_actions_cannot_be_built(build):
    with pytest.raises(ValidationError):
        build()


def test_actions_are_frozen():
    action = FoundrySubsidy(rate=0.5)
    with pytest.raises(ValidationError):
        action.rate = 0.9


def test_parse_action_round_trips_procurement():
    data = {"kind": "procurement", "budget": 1e11, "mix": {"leader": 0.5, "domestic": 0.4, "other": 0.1}}
    action = parse_action(data)
    assert isinstance(action, Procurement)
    assert action.budget == 1e11 and action.mix == data["mix"]
    assert action.model_dump() == data
    assert parse_action(action.model_dump()) == action


@pytest.mark.parametrize("kind", ACTION_KINDS)
def test_parse_action_round_trips_every_lever(kind):
    _, make, _ = LEVERS[kind]
    action = make(fresh())
    again = parse_action(action.model_dump())
    assert again == action and type(again) is type(action)
    assert parse_action(action.model_dump(mode="json")) == action


@pytest.mark.parametrize("data", [
    {"kind": "nuke", "rate": 1.0},
    {"rate": 0.5},
    {"kind": "foundry_subsidy", "rate": 0.5, "extra": True},
    {"kind": "procurement", "budget": 1e11, "mix": {"leader": 1.0}, "vendor": "Nvidia"},
    {"kind": "rd_grant", "designer": "Rebellions"},
    {"kind": "trade_stance", "stance": "neutral"},
])
def test_parse_action_refuses_unknown_kinds_and_fields(data):
    with pytest.raises(ValidationError):
        parse_action(data)


# ------------------------------------------------------------------ random Actions never break the game

COUNTRIES = ("KOR", "USA", "CHN", "TWN", "JPN", "EU", "GCC", "ROW")
NAMES = ("Rebellions", "FuriosaAI", "Nvidia", "Huawei", "Samsung Foundry", "TSMC", "SK hynix", "Samsung", "CXMT",
         "Micron", "Rapidus", "SMIC", "Intel Foundry", "Samsung AVP", "TSMC CoWoS", "Zalman", "Imported cooling",
         "Steel", "Autos", "Shipbuilding", "National AI Computing Centre", "Nobody", "")

weird = st.sampled_from([float("nan"), float("inf"), -1.0, 2.0])
rates = st.one_of(st.floats(0, 1), st.floats(-0.5, 1.5), weird)
money = st.one_of(st.floats(0, 1e12), st.floats(0, 1e17), weird)
names = st.sampled_from(NAMES)
destinations = st.lists(st.sampled_from((*COUNTRIES, "XYZ")), max_size=3)

ACTION_DATA = st.one_of(
    st.fixed_dictionaries({"kind": st.just("foundry_subsidy"), "rate": rates}),
    st.fixed_dictionaries({"kind": st.just("procurement"), "budget": money,
                           "mix": st.dictionaries(st.sampled_from(("leader", "domestic", "other", "samsung")), rates,
                                                  max_size=3)}),
    st.fixed_dictionaries({"kind": st.sampled_from(("chip_incentive", "service_incentive")), "rate": rates}),
    st.fixed_dictionaries({"kind": st.just("rd_grant"), "designer": names, "amount": money}),
    st.fixed_dictionaries({"kind": st.just("broker_link"), "designer": names, "supplier": names}),
    st.fixed_dictionaries({"kind": st.just("convergence"), "industry": names, "intensity": rates}),
    st.fixed_dictionaries({"kind": st.just("capacity_support"), "firm": names, "rate": rates}),
    st.fixed_dictionaries({"kind": st.just("trade_stance"),
                           "stance": st.sampled_from(("us_aligned", "balanced", "china_open", "hostile"))}),
    st.fixed_dictionaries({"kind": st.just("export_control"),
                           "good": st.sampled_from(("wafer", "hbm", "packaging", "accelerator", "chips")),
                           "to_countries": destinations, "perf_above": st.floats(-1, 5)}),
    st.fixed_dictionaries({"kind": st.just("equity"), "firm": names, "amount": money}),
    st.fixed_dictionaries({"kind": st.sampled_from(("bogus", "foundry_subsidy")), "rate": rates,
                           "extra": st.integers()}),
)

TURNS = 5
PLAN = st.lists(st.tuples(st.integers(0, TURNS - 1), st.sampled_from((*COUNTRIES, "XYZ")), st.booleans(),
                          ACTION_DATA), max_size=14)


class Scripted:
    """A controller that hands the model the Actions a test planned for each turn."""

    name = "scripted"

    def __init__(self) -> None:
        self.by_turn: dict[int, list[Action]] = {}

    def decide(self, obs):
        return self.by_turn.get(obs.turn, [])

    def choose(self, event, obs):
        return 0


def check_world(world: World) -> None:
    for code, country in world.countries.items():
        assert country.spent <= country.budget_per_quarter * (1 + 1e-9) + 1e-6, code
        assert 0 <= country.spent_total <= country.available_total + country.budget_per_quarter + 1e-6, code
    for key, value in world.current_columns.items():
        if isinstance(value, float):
            assert math.isfinite(value), key


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), plan_=PLAN)
def test_random_actions_through_the_seam_never_break_the_game(seed, plan_):
    controllers = {c: Scripted() for c in COUNTRIES}
    world = fresh(seed=seed, controllers=controllers)
    direct: dict[int, list[tuple[str, Action]]] = {}
    for turn, country, via_controller, data in plan_:
        try:
            action = parse_action(data)
        except ValidationError:
            continue  # refused at construction: it never reaches the model
        if via_controller and country in controllers:
            controllers[country].by_turn.setdefault(turn, []).append(action)
        else:
            direct.setdefault(turn, []).append((country, action))

    for turn in range(TURNS):
        for country, action in direct.get(turn, []):
            before = snapshot(world)
            [verdict] = world.governance.submit(country, [action])
            if verdict.accepted:
                assert verdict.reason is None
            else:
                assert isinstance(verdict.reason, str) and verdict.reason
                assert snapshot(world) == before
            check_world(world)
        world.step()
        check_world(world)
    refused = [e for e in world.governance.log if e["refused"] is not None]
    assert all(isinstance(e["refused"], str) and e["refused"] for e in refused)
    assert 0 <= world.scores["KOR"] <= 100


# ------------------------------------------------------------------ effects act through mechanisms

PAIRED_SEEDS = (0, 1, 2)


def play(seed: int, actions: list[Action] = (), scenario: Scenario | None = None, turns: int = 20,
         country: str = "KOR", record=None) -> tuple[World, list]:
    world = fresh(seed=seed, scenario=scenario)
    verdicts = world.governance.submit(country, list(actions))
    assert all(v.accepted for v in verdicts), [v.reason for v in verdicts]
    rows = []
    for _ in range(turns):
        world.step()
        if record:
            rows.append(record(world))
    return world, rows


def samsung_foundry(world):
    f = world.by_name["Samsung Foundry"]
    nodes = {node: (state["volume"], f.die_yield(node, f.reference_area)) for node, state in f.nodes.items()}
    return world.date, f.volume, f.yield_, nodes


@cache
def foundry_subsidy_pair(seed: int):
    return (play(seed, record=samsung_foundry)[1],
            play(seed, [FoundrySubsidy(rate=1.0)], record=samsung_foundry)[1])


@pytest.mark.parametrize("seed", PAIRED_SEEDS)
def test_foundry_subsidy_never_lowers_samsung_foundry_volume_or_its_3nm_yield(seed):
    """The subsidy never costs Samsung wafers, nor yield on 3 nm, where the subsidised designs run
    (the only class where its good die is dearer than a foreign one). Another process may run a
    few wafers fewer (outside customers answer the prices the subsidy moved), and then its yield
    is lower by as little: each process's yield follows its own volume, never another's."""
    without, with_subsidy = foundry_subsidy_pair(seed)
    for (date, volume, _, nodes), (_, volume_s, _, nodes_s) in zip(without, with_subsidy, strict=True):
        assert volume_s >= volume - 1e-9, date
        assert nodes_s["3nm"][0] >= nodes["3nm"][0] - 1e-9 and nodes_s["3nm"][1] >= nodes["3nm"][1] - 1e-12, date
        for node, (node_volume, node_yield) in nodes.items():
            if nodes_s[node][0] >= node_volume:
                assert nodes_s[node][1] >= node_yield - 1e-12, (date, node)


def test_foundry_subsidy_raises_samsung_foundry_volume_and_yield_before_2027():
    raised = []
    for seed in PAIRED_SEEDS:
        without, with_subsidy = foundry_subsidy_pair(seed)
        raised.append(any(s[1] > w[1] + 1e-6 and s[2] > w[2] for w, s in zip(without, with_subsidy, strict=True)
                          if parse_quarter(w[0]) < parse_quarter("2027Q1")))
    assert all(raised)


def korean_designers_revenue(world):
    return world.by_name["Rebellions"].revenue + world.by_name["FuriosaAI"].revenue


@pytest.mark.parametrize("seed", PAIRED_SEEDS)
def test_domestic_procurement_share_raises_home_designers_revenue_and_home_compute(seed):
    budget = plan(fresh(seed))
    leader, leader_rows = play(seed, [Procurement(budget=budget, mix={"leader": 1.0})],
                               record=korean_designers_revenue)
    domestic, domestic_rows = play(seed, [Procurement(budget=budget, mix={"domestic": 1.0})],
                                   record=korean_designers_revenue)
    assert sum(domestic_rows) > 2 * sum(leader_rows)
    assert domestic_rows[-1] > leader_rows[-1]
    assert (domestic.indicators["KOR"]["domestic_compute_share"]
            > leader.indicators["KOR"]["domestic_compute_share"] + 0.1)
    # the state paid the same for both: only the mix differs
    assert domestic.countries["KOR"].spent_total == pytest.approx(leader.countries["KOR"].spent_total, rel=1e-9)


def chinese_accelerators(world):
    return world.by_name["Huawei"].output + world.by_name["Cambricon"].output


def test_hbm_export_control_lowers_chinese_accelerator_output():
    """On every paired seed China's designers build less with the HBM control than without it, and
    over the seeds together at least a tenth less. (Seed by seed the cut varies: CXMT builds ahead
    of Huawei's announced chips, a seed's events move it, and since China's state pays for projects
    at CXMT when its designers are short of HBM (directed equity) the state answers part of the
    cut: ~18% over these seeds, ~28% before; one seed's cut is not the claim.)"""
    s = baseline()
    rules = [r for r in s.export_controls if r.good != "hbm"]
    assert len(rules) == len(s.export_controls) - 1
    with_total = without_total = 0.0
    for seed in PAIRED_SEEDS:
        _, with_control = play(seed, record=chinese_accelerators)
        _, without_control = play(seed, scenario=s.model_copy(update={"export_controls": rules}),
                                  record=chinese_accelerators)
        assert sum(with_control) < sum(without_control), seed
        with_total, without_total = with_total + sum(with_control), without_total + sum(without_control)
    assert with_total < 0.9 * without_total


@pytest.mark.parametrize("seed", PAIRED_SEEDS)
def test_packaging_shortfall_makes_packaging_nvidias_binding_input(seed):
    s = baseline()
    short = s.model_copy(update={"packagers": [p.model_copy(update={"capacity": 0.1 * p.capacity})
                                               for p in s.packagers]})
    normal, _ = play(seed, turns=1)
    shortfall, _ = play(seed, scenario=short, turns=1)
    assert normal.history[0]["bottleneck"]["Nvidia"] != "packaging"
    assert shortfall.history[0]["bottleneck"]["Nvidia"] == "packaging"
    assert shortfall.by_name["Nvidia"].output < normal.by_name["Nvidia"].output


# ------------------------------------------------------------------ the seam cannot be fooled


def test_between_quarters_an_action_is_refused_and_nothing_is_logged():
    """A save re-plays the log quarter by quarter: an Action taken between quarters could not be
    re-played, so it is refused (and not logged) rather than making an unloadable save."""
    world = fresh()
    world.step()  # the first quarter is over; the second is not open
    before, logged = snapshot(world), len(world.governance.log)
    [verdict] = world.governance.submit("KOR", [FoundrySubsidy(rate=0.5)])
    assert not verdict.accepted and "no quarter is being decided" in verdict.reason
    assert snapshot(world) == before and len(world.governance.log) == logged


def test_an_action_submitted_at_the_desk_saves_and_replays(tmp_path):
    from game.saves import document, load_game, write_save

    world = fresh(seed=3)
    assert world.governance.submit("KOR", [FoundrySubsidy(rate=0.4), Equity(firm="Rebellions", amount=5e9)])[0].accepted
    for _ in range(3):
        world.step()
    write_save(tmp_path / "g.json", document(world, "baseline"))
    loaded, _ = load_game(tmp_path / "g.json")
    assert loaded.countries["KOR"].policy.foundry_subsidy == 0.4
    assert document(loaded, "baseline") == document(world, "baseline")


CHEATS = {
    "negative grant": lambda: RDGrant.model_construct(designer="Rebellions", amount=-1e12),
    "NaN rate": lambda: FoundrySubsidy.model_construct(rate=float("nan")),
    "rate above 1": lambda: FoundrySubsidy.model_construct(rate=7.0),
    "negative equity": lambda: Equity.model_construct(firm="Rebellions", amount=-5e12),
    "missing field": lambda: Equity.model_construct(amount=1e9),
    "wrong kind": lambda: FoundrySubsidy.model_construct(kind="equity", rate=0.5),
}


@pytest.mark.parametrize("cheat", CHEATS)
def test_an_action_built_around_validation_is_refused(cheat):
    world = fresh()
    before = snapshot(world)
    [verdict] = world.governance.submit("KOR", [CHEATS[cheat]()])
    assert not verdict.accepted and "not a valid Action" in verdict.reason
    assert snapshot(world) == before
    assert world.governance.observe("KOR").check([CHEATS[cheat]()]) is not None


def test_a_subclass_that_reports_no_cost_is_not_an_action():
    class FreeEquity(Equity):
        def one_off_cost(self, world, country):
            return 0.0

    world = fresh()
    before = snapshot(world)
    [verdict] = world.governance.submit("KOR", [FreeEquity(firm="Rebellions", amount=1e15)])
    assert not verdict.accepted and "not an Action" in verdict.reason
    assert snapshot(world) == before


def test_what_is_applied_is_the_rebuilt_action_not_the_object_handed_in():
    class Sneaky(FoundrySubsidy):
        pass

    world = fresh()
    genuine_one = FoundrySubsidy(rate=0.3)
    assert world.governance.submit("KOR", [genuine_one])[0].accepted
    logged = world.governance.log[-1]["action"]
    assert logged == {"kind": "foundry_subsidy", "rate": 0.3}
    assert not world.governance.submit("KOR", [Sneaky(rate=0.9)])[0].accepted
    assert policy(world).foundry_subsidy == 0.3


def test_actions_beyond_the_quarter_limit_are_refused_together_and_logged_once():
    from game.governance import Governance

    world = fresh()
    limit = Governance.MAX_ACTIONS_PER_QUARTER
    flood = [TradeStance(stance="balanced")] * (limit + 10_000)
    logged = len(world.governance.log)
    verdicts = world.governance.submit("KOR", flood)
    assert len(verdicts) == len(flood)
    assert all("more than" in v.reason for v in verdicts[limit:])
    assert len(world.governance.log) - logged == limit + 1  # the refused flood is one entry
    world.step()
    world.open_quarter()  # a new quarter, a new allowance
    assert world.governance.submit("KOR", [FoundrySubsidy(rate=0.2)])[0].accepted


def test_a_state_sees_the_levers_it_has_and_a_lever_it_lacks_changes_nothing():
    world = fresh()
    if not world.in_turn:
        world.open_quarter()
    usa = world.governance.observe("USA")
    assert "export_control" in usa.levers and "foundry_subsidy" not in usa.levers
    assert "export_control" not in world.governance.observe("KOR").levers
    assert usa.check([FoundrySubsidy(rate=0.5)]) is not None
    assert usa.check([CapacitySupport(firm="Intel Foundry", rate=0.1)]) is None
