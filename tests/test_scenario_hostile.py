"""Scenario contents that must be refused (issue 12): values that overflow or vanish later, a
designer with nothing to make its chip with, a name given twice (the second silently winning),
score and lever keys naming nothing, events that can never fire or name unknown things, and
dates past the calendar. Each is refused when the file loads, with a message naming the field.
"""

from __future__ import annotations

import copy

import pytest
from test_scenario import SOURCE, baseline_data, refusal, to_toml

from game.scenario import load_scenario, parse_scenario


def changed(edit) -> str:
    """The baseline as TOML after `edit(data)` changed its data."""
    data = baseline_data()
    edit(data)
    return to_toml(data)


def named(items: list[dict], name: str) -> dict:
    return next(item for item in items if item.get("name", item.get("id")) == name)


# ---------------------------------------------------------------------------- values


@pytest.mark.parametrize("rate", [1e-300, 0.0001, 1e7, 1e300])
def test_an_implausible_exchange_rate_is_refused(rate):
    """At 1e-300 won per dollar the budget becomes inf dollars (the cash of Korea's firms turned
    inf); a rate must lie between 0.001 and 1,000,000 local units per US$."""
    message = refusal(changed(lambda d: d["countries"][0].update(usd_rate=rate)))
    assert "countries[0] (KOR).usd_rate" in message
    assert "0.001" in message or "1000000" in message


@pytest.mark.parametrize("rate", [0.3, 1450.0, 25_000.0, 500_000.0])
def test_real_exchange_rates_are_accepted(rate):
    """From the Kuwaiti dinar (~0.3 per US$) to the weakest currencies in use."""
    scenario = parse_scenario(changed(lambda d: d["countries"][0].update(usd_rate=rate)), SOURCE)
    assert scenario.countries[0].usd_rate == rate


@pytest.mark.parametrize("growth", [-1.5, -1.0, -0.6, 1.5])
def test_foundry_pool_growth_outside_halving_to_doubling_is_refused(growth):
    """At -1 or below the non-AI wafer demand vanishes or turns negative; a quarter's growth
    must lie in [-0.5, +1.0] (halving to doubling)."""
    message = refusal(changed(lambda d: d["foundry_pool"].update(growth=growth)))
    assert "foundry_pool.growth" in message


@pytest.mark.parametrize("bias", [{"JPN": 1.0}, {"USA": -1.0}])
def test_a_pool_home_bias_for_no_segment_or_below_zero_is_refused(bias):
    """A home bias must name a segment of `foundry_pool.home` (one for Japan, which has no
    segment, would silently do nothing) and cannot push a segment away from its own foundries."""
    message = refusal(changed(lambda d: d["foundry_pool"].update(home_bias=bias)))
    assert "foundry_pool.home_bias" in message


def test_foundry_mature_growth_is_bounded_the_same_way():
    message = refusal(changed(lambda d: d["foundries"][0].update(mature_growth=-2.0)))
    assert "foundries[0] (TSMC).mature_growth" in message


# ---------------------------------------------------------------------------- what a chip needs


@pytest.mark.parametrize("field", ["foundries", "packagers"])
def test_a_designer_with_no_foundry_or_packager_is_refused(field):
    """No foundry was a ZeroDivisionError (the equal split 1/len), no packager a ValueError
    (the cheapest packaging price of nothing)."""
    message = refusal(changed(lambda d: named(d["designers"], "Google TPU").update({field: []})))
    assert f"designers[2] (Google TPU).{field}: a designer needs at least one of its {field}" in message


def test_a_roadmap_generation_with_no_foundry_is_refused():
    def edit(data):
        named(data["designers"], "Google TPU")["roadmap"][0]["foundries"] = []

    message = refusal(changed(edit))
    assert "designers[2] (Google TPU).roadmap[0] (Next TPU).foundries" in message
    assert "at least 1" in message


def test_a_designer_whose_chips_carry_hbm_needs_an_hbm_maker():
    message = refusal(changed(lambda d: named(d["designers"], "Google TPU").update(hbm_suppliers=[])))
    assert "designers[2] (Google TPU): hbm_suppliers" in message
    assert "carries HBM" in message


def test_a_designer_without_hbm_needs_no_hbm_maker_and_plays():
    """An SRAM-only chip (hbm_gb = 0, no HBM generations) may list no HBM maker: the turn copes."""
    from game.model import World

    def edit(data):
        tpu = named(data["designers"], "Google TPU")
        tpu.update(hbm_suppliers=[], roadmap=[])
        tpu["chip"]["hbm_gb"] = 0.0

    world = World(parse_scenario(changed(edit), SOURCE), seed=1)
    world.step()
    world.step()
    assert world.by_name["Google TPU"].binding != "hbm"
    world.close()


def test_a_supplier_listed_twice_by_one_designer_is_refused():
    message = refusal(changed(lambda d: named(d["designers"], "Google TPU").update(
        packagers=["TSMC CoWoS", "TSMC CoWoS"])))
    assert "designers[2] (Google TPU).packagers: packagers listed twice: TSMC CoWoS" in message


# ---------------------------------------------------------------------------- nothing twice


def test_a_country_given_twice_is_refused():
    """Before, the second KOR silently replaced the first (its budget was the one played)."""
    def edit(data):
        twin = copy.deepcopy(data["countries"][0])
        twin["budget_per_quarter"] = 9e12
        data["countries"].append(twin)

    assert "countries: ids must be unique; repeated: KOR" in refusal(changed(edit))


def test_an_industry_given_twice_is_refused():
    """Two Steel industries counted the sector's GDP effect twice."""
    def edit(data):
        data["industries"].append(copy.deepcopy(named(data["industries"], "Steel")))

    message = refusal(changed(edit))
    assert "names must be unique" in message and "Steel" in message


def test_an_industry_named_like_a_firm_is_refused():
    """Firms and industries share one namespace in the model (World.by_name)."""
    message = refusal(changed(lambda d: d["industries"][0].update(name="TSMC")))
    assert "names must be unique" in message and "TSMC" in message


def test_an_event_id_given_twice_is_refused():
    def edit(data):
        data["events"].append(copy.deepcopy(data["events"][0]))

    assert "events: ids must be unique; repeated: video_demand_surge" in refusal(changed(edit))


def test_two_llm_markets_for_one_country_are_refused():
    def edit(data):
        data["llm_markets"].append(copy.deepcopy(data["llm_markets"][0]))

    assert "llm_markets: one market per country; repeated: KOR" in refusal(changed(edit))


def test_a_qualification_given_twice_is_refused():
    def edit(data):
        data["qualifications"].append({**data["qualifications"][0], "level": 1.0})

    assert "qualifications: one level per supplier, designer and generation; repeated: SK hynix / Nvidia / HBM3" \
        in refusal(changed(edit))


def test_a_roadmap_generation_given_twice_is_refused():
    def edit(data):
        roadmap = named(data["designers"], "Google TPU")["roadmap"]
        roadmap.append(copy.deepcopy(roadmap[0]))

    assert "roadmap: generation Next TPU listed twice" in refusal(changed(edit))


# ---------------------------------------------------------------------------- the score


def test_indicator_keys_are_exactly_what_country_indicators_returns():
    from game.indicators import INDICATOR_KEYS
    from game.model import World

    world = World(load_scenario("baseline"), seed=0, tables=False)
    try:
        assert tuple(world.indicators["KOR"]) == INDICATOR_KEYS
        world.step()
        assert all(tuple(values) == INDICATOR_KEYS for values in world.indicators.values())
    finally:
        world.close()


def test_a_score_component_naming_no_indicator_is_refused():
    """A misspelt key scored 0 for ever (indicators.get(key, 0.0))."""
    message = refusal(changed(lambda d: d["score"]["components"][0].update(key="hbm_shares")))
    assert "score.components[0].key: unknown indicator 'hbm_shares'" in message
    assert "hbm_share" in message.split("the indicators are", 1)[1]


def test_all_zero_score_weights_are_refused():
    def edit(data):
        for component in data["score"]["components"]:
            component["weight"] = 0.0

    assert "every weight is 0" in refusal(changed(edit))


def test_a_score_component_with_low_equal_to_high_is_refused():
    message = refusal(changed(lambda d: d["score"]["components"][1].update(low=0.3, high=0.3)))
    assert "score.components[1]: low and high are both 0.3" in message


def test_an_indicator_scored_twice_is_refused():
    def edit(data):
        data["score"]["components"].append(copy.deepcopy(data["score"]["components"][0]))

    assert "indicator hbm_share scored twice" in refusal(changed(edit))


def test_a_country_objective_for_no_country_is_refused():
    def edit(data):
        data["score"]["XYZ"] = copy.deepcopy(data["score"]["USA"])

    assert "score: unknown country XYZ" in refusal(changed(edit))


def test_a_component_reading_an_unknown_country_is_refused():
    def edit(data):
        data["score"]["USA"]["components"][2]["of"] = "ZZZ"

    message = refusal(changed(edit))
    assert "score.USA.components.compute_share.of" in message and "ZZZ" in message


def test_a_country_objective_with_a_misspelt_indicator_is_refused():
    message = refusal(changed(lambda d: d["score"]["CHN"]["components"][0].update(key="domestic_compute")))
    assert "unknown indicator 'domestic_compute'" in message


# ---------------------------------------------------------------------------- levers


def test_an_unknown_lever_in_lags_is_refused():
    message = refusal(changed(lambda d: d["levers"]["lags"].update(foundry_subsidies=1)))
    assert "levers.lags: unknown lever foundry_subsidies" in message
    assert "foundry_subsidy" in message.split("the levers are", 1)[1]


def test_a_state_offered_a_lever_the_scenario_does_not_have_is_refused():
    message = refusal(changed(lambda d: d["levers"]["lags"].pop("equity")))
    assert "levers: offered.KOR: lever equity is not in lags" in message


def test_levers_offered_to_no_country_are_refused():
    message = refusal(changed(lambda d: d["levers"]["offered"].update(XYZ=["procurement"])))
    assert "levers.offered: unknown country XYZ" in message


def test_a_lever_without_a_lag_is_withheld_by_the_scenario():
    """A kind left out of `lags` is a lever this scenario does not offer: the file loads, and the
    Action is refused in play, naming the lever."""
    from game.actions import Equity
    from game.model import World

    def withhold(data):
        data["levers"]["lags"].pop("equity")
        for kinds in data["levers"]["offered"].values():
            if "equity" in kinds:
                kinds.remove("equity")

    scenario = parse_scenario(changed(withhold), SOURCE)
    world = World(scenario, seed=0, tables=False)
    try:
        world.begin_turn()
        [verdict] = world.governance.submit("KOR", [Equity(firm="Rebellions", amount=1e9)])
        assert not verdict.accepted and "equity" in str(verdict.reason)
    finally:
        world.close()


def test_a_procurement_leader_that_is_not_a_designer_is_refused():
    message = refusal(changed(lambda d: d["levers"].update(leader="Nvidai")))
    assert "levers.leader: unknown designer Nvidai" in message


# ---------------------------------------------------------------------------- events


def test_an_event_ending_before_it_starts_is_refused():
    message = refusal(changed(lambda d: d["events"][0].update(start="2027Q1", end="2026Q4")))
    assert "events[0] (video_demand_surge): end 2026Q4 is before start 2027Q1" in message


def _event(data: dict, event_id: str) -> dict:
    return named(data["events"], event_id)


@pytest.mark.parametrize(("event_id", "edit", "says"), [
    ("taiwan_earthquake", lambda e: e.update(conditions=[{"key": "korea.happiness", "op": ">", "value": 0.5}]),
     "unknown indicator 'korea.happiness'"),
    ("taiwan_earthquake", lambda e: e.update(conditions=[{"key": "firm.Nobody.cash", "op": ">", "value": 0.5}]),
     "unknown firm key 'firm.Nobody.cash'"),
    ("taiwan_earthquake", lambda e: e.update(conditions=[{"key": "firm.TSMC.mood", "op": ">", "value": 0.5}]),
     "unknown firm key 'firm.TSMC.mood'"),
    ("taiwan_earthquake", lambda e: e.update(conditions=[{"key": "policy.KOR.lottery", "op": "==", "value": "won"}]),
     "unknown policy key 'policy.KOR.lottery'"),
    ("taiwan_earthquake", lambda e: e.update(conditions=[{"key": "policy.KOR.copy", "op": "==", "value": "x"}]),
     "unknown policy key 'policy.KOR.copy'"),
    ("samsung_hbm3e_nvidia", lambda e: e.update(probability_key="firm.Samsung.mood"),
     "unknown firm key 'firm.Samsung.mood'"),
    ("taiwan_earthquake", lambda e: e["effects"][0].update(targets=["Nobody Fab"]), "unknown target 'Nobody Fab'"),
    ("japan_materials_restriction", lambda e: e["effects"][0].update(targets=["country:XYZ"]),
     "unknown country in target 'country:XYZ'"),
    ("samsung_hbm3e_nvidia", lambda e: e["effects"][0].update(supplier="Nobody HBM"), "unknown firm 'Nobody HBM'"),
    ("samsung_hbm3e_nvidia", lambda e: e["effects"][0].pop("designer"), "a qualification effect needs"),
    ("us_controls_h20", lambda e: e["effects"][0].update(to_countries=["Atlantis"]), "unknown country 'Atlantis'"),
    ("us_controls_h20", lambda e: e["effects"][0].update(from_countries=[]), "an export_control effect needs"),
    ("us_asks_allies", lambda e: e.update(chooser="XYZ"), "unknown chooser 'XYZ'"),
    ("middle_east_compute_deal", lambda e: e["choices"][0]["actions"][0].update(amount=-1.0),
     "choices[0] holds an invalid action"),
])
def test_an_event_naming_unknown_things_is_refused_when_the_file_loads(event_id, edit, says):
    """These were found only when a World was built (game.events.reference_problems), with a
    message that named the scenario but not the file; now the loader says it first."""
    def change(data):
        edit(_event(data, event_id))

    message = refusal(changed(change))
    assert f"events.{event_id}: {says}" in message


def test_the_columns_an_event_may_read_are_the_snapshot_columns():
    """The loader's list of readable indicators is the World's (flattened snapshot)."""
    from game.model import World
    from game.scenario import snapshot_columns

    for name in ("baseline", "lesson_bottlenecks"):
        scenario = load_scenario(name)
        world = World(scenario, seed=0, tables=False)
        try:
            assert snapshot_columns(scenario) == set(world.current_columns)
        finally:
            world.close()


# ---------------------------------------------------------------------------- the calendar


@pytest.mark.parametrize("quarter", ["2025Q5", "2025Q0", "2025q1", "25Q1", "\uff12\uff10\uff12\uff15Q1",
                                     "\u0662\u0660\u0662\u0665Q1", "2025Q1\n"])
def test_a_quarter_that_is_not_one_is_refused(quarter):
    """Four ASCII digits, Q, 1 to 4 (full-width or Arabic-Indic digits passed before)."""
    message = refusal(changed(lambda d: d["scenario"].update(start=quarter)))
    assert "scenario.start" in message and "is not a quarter such as 2025Q1" in message


def test_a_term_running_past_the_calendar_is_refused():
    """Quarter labels have four-digit years: 200 turns from 9990Q1 would reach the year 10039."""
    message = refusal(changed(lambda d: d["scenario"].update(start="9990Q1", turns=200)))
    assert "scenario: turns: 200 quarters from 9990Q1 run past 9999Q4" in message


def test_a_term_ending_in_the_last_quarter_is_accepted():
    scenario = parse_scenario(changed(lambda d: d["scenario"].update(start="9995Q1", turns=20)), SOURCE)
    assert scenario.scenario.turns == 20
