"""Controllers and the score: the conductor's strategy beats doing nothing, buying only Nvidia
and acting at random over many seeds, no single lever beats the balanced strategy, the greedy
controller decides through the seam and its lookahead leaves the world untouched, every score
follows its documented formula, and the cause log explains in both languages what moved what."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import statistics
from functools import cache

import pytest

from agents.controllers import KOREAN_STRATEGIES, Adaptive, Controller, TeamKorea, make_controller, strategy_names
from game.actions import BrokerLink, CapacitySupport, Procurement
from game.indicators import country_indicators
from game.model import World
from game.scenario import Scenario, load_scenario
from game.score import breakdown, component_points, grade
from game.summary import to_json

HANGUL = re.compile(r"[\uac00-\ud7a3]")
SEEDS = range(30)
ONE_LEVER = ("only_procurement", "only_foundry_subsidy", "only_chip_incentive", "only_service_incentive",
             "only_rd_grant", "only_convergence")


@cache
def baseline() -> Scenario:
    return load_scenario("baseline")


def play(strategy: str, seed: int) -> World:
    world = World(baseline(), seed=seed, controllers={"KOR": make_controller("KOR", strategy)})
    for _ in range(world.turns):
        world.step()
    return world


@cache
def final_score(strategy: str, seed: int) -> float:
    return play(strategy, seed).scores["KOR"]


@cache
def played(strategy: str, seed: int) -> World:
    return play(strategy, seed)


def paired_margin(better: str, worse: str) -> tuple[float, float]:
    """Mean and standard error of the per-seed difference of the Korean index."""
    differences = [final_score(better, s) - final_score(worse, s) for s in SEEDS]
    return statistics.fmean(differences), statistics.stdev(differences) / math.sqrt(len(differences))


# ------------------------------------------------------------------ the conductor wins

def test_built_in_korean_strategies_are_available_by_name():
    for name in ("laissez_faire", "all_nvidia", "team_korea", "random", "greedy", *ONE_LEVER):
        assert name in KOREAN_STRATEGIES
        assert make_controller("KOR", name).name == name
    assert "default" in strategy_names("USA")
    with pytest.raises(KeyError, match="team_korea"):
        make_controller("KOR", "bogus")


@pytest.mark.parametrize("rival", ["laissez_faire", "all_nvidia", "random"])
def test_team_korea_beats_rival_over_30_seeds(rival):
    mean, error = paired_margin("team_korea", rival)
    assert mean > 2 * error, (mean, error)
    assert mean > 0
    assert statistics.fmean(final_score("team_korea", s) for s in SEEDS) > statistics.fmean(
        final_score(rival, s) for s in SEEDS)


# Since money is conserved (no lever acts beyond what was paid), the seeds' 50/40/10 conductor no
# longer gets its incentives free, and 100% home-chip procurement alone scores higher: the index
# rewards home share and not the compute it costs. Issue 13 (mechanisms) and 14 (each country's own
# objectives) are to restore this property; strict, so that the day it holds again this is seen.
DOMINANT = pytest.mark.xfail(strict=True, reason="procurement dominates until issues 13/14 rebalance it")


@pytest.mark.parametrize("lever", [pytest.param(lv, marks=DOMINANT) if lv == "only_procurement" else lv
                                   for lv in ONE_LEVER])
def test_no_single_lever_beats_the_balanced_conductor(lever):
    mean, error = paired_margin("team_korea", lever)
    assert mean > 0, (lever, mean, error)


def test_all_nvidia_buys_only_from_the_leader():
    world = played("all_nvidia", 0)
    policy = world.countries["KOR"].policy
    assert policy.procurement_mix == {"leader": 1.0}
    # a mix alone: the centre keeps buying by its plan, which has grown since the opening
    assert policy.procurement_budget is None
    opening = World(baseline(), seed=0).governance.observe("KOR").plan_procurement
    assert world.planned_procurement(world.countries["KOR"]) > 1.2 * opening


def test_team_korea_sets_the_seeds_levers():
    policy = played("team_korea", 0).countries["KOR"].policy
    assert policy.procurement_mix == {"leader": 0.5, "domestic": 0.4, "other": 0.1}
    assert policy.foundry_subsidy > 0 and policy.chip_incentive > 0 and policy.service_incentive > 0
    assert set(policy.rd_grants) == {"Rebellions", "FuriosaAI"}
    assert set(policy.convergence) == {"Shipbuilding", "Steel", "Autos"}
    world = played("team_korea", 0)
    assert world.by_name["Zalman"].link_strength == {"Rebellions": 1.0, "FuriosaAI": 1.0}


def test_random_strategy_is_random_across_seeds_and_repeatable_within_one():
    histories = {json.dumps([e["action"] for e in played("random", s).governance.log
                             if e["country"] == "KOR" and e["source"] == "controller"]) for s in range(4)}
    assert len(histories) == 4
    again = play("random", 1)
    assert to_json(again) == to_json(played("random", 1))


# ------------------------------------------------------------------ greedy and preview

GREEDY_SEEDS = (0, 1)


@cache
def greedy(seed: int) -> World:
    return play("greedy", seed)


@pytest.mark.parametrize("seed", GREEDY_SEEDS)
def test_greedy_plays_a_whole_game_with_a_valid_score(seed):
    world = greedy(seed)
    assert world.turn == world.turns
    score = world.scores["KOR"]
    assert math.isfinite(score) and 0 <= score <= 100


@pytest.mark.parametrize("seed", GREEDY_SEEDS)
def test_greedy_decides_only_through_the_seam(seed):
    """Its decisions are in the action log; if it chose nothing, its game is laissez-faire's
    game exactly (its many previews on copies of the world changed nothing)."""
    world = greedy(seed)
    own = [e for e in world.governance.log if e["country"] == "KOR" and e["source"] == "controller"]
    if own:
        assert any(e["refused"] is None for e in own)
        assert world.countries["KOR"].policy != World(baseline(), seed=seed).countries["KOR"].policy
    else:
        assert to_json(world) == to_json(played("laissez_faire", seed))


def fingerprint(world: World) -> str:
    """Everything a turn can change, exactly."""
    return json.dumps({
        "history": repr(world.history),
        "agents": {n: [a.cash, a.capacity, a.output, a.price, a.revenue, a.alive] for n, a in world.by_name.items()},
        "countries": {c: [k.spent, k.spent_total, k.cash, repr(k.policy)] for c, k in world.countries.items()},
        "pending": repr(world.governance.pending),
        "log": len(world.governance.log),
        "causes": [len(t) for t in world.causes],
        "rng": repr(world.rng.bit_generator.state),
        "random": repr(world.random.getstate()),
        "rngs": {c: repr(r.bit_generator.state) for c, r in world.governance.rngs.items()},
        "clock": [world.turn, world.now, world.in_turn],
        "rules": len(world.export_rules.active),
        "installed": world.installed.tolist(),
    }, sort_keys=True, default=repr)


class Previewer(Controller):
    """Mid-turn, previews the conductor's plan and a do-nothing move, checks that the world did
    not change, and then does nothing."""

    name = "previewer"

    def __init__(self) -> None:
        self.world: World | None = None
        self.previews: list[tuple[float, float]] = []

    def decide(self, obs):
        before = fingerprint(self.world)
        plan = [a for a in TeamKorea().plan(obs) if obs.check([a]) is None]
        scores = (obs.preview(plan), obs.preview([]))
        assert fingerprint(self.world) == before
        self.previews.append(scores)
        return []


def test_preview_leaves_the_world_untouched():
    previewer = Previewer()
    world = World(baseline(), seed=3, controllers={"KOR": previewer})
    previewer.world = world
    for _ in range(8):
        world.step()
    assert len(previewer.previews) == 8
    assert all(0 <= s <= 100 for pair in previewer.previews for s in pair)
    plain = World(baseline(), seed=3)
    for _ in range(8):
        plain.step()
    assert to_json(world) == to_json(plain)


def test_preview_of_doing_nothing_is_the_next_quarters_score():
    previewer = Previewer()
    world = World(baseline(), seed=4, controllers={"KOR": previewer})
    previewer.world = world
    for _ in range(5):
        world.step()
        assert previewer.previews[-1][1] == pytest.approx(world.scores["KOR"], abs=1e-9)


# ------------------------------------------------------------------ scores

def points(value: float, low: float, high: float, invert: bool) -> float:
    """The documented rule: 0 at low, 100 at high, linear and clipped, inverted if lower is better."""
    p = 100 * min(max((value - low) / (high - low), 0.0), 1.0)
    return 100 - p if invert else p


@pytest.mark.parametrize("strategy", ["team_korea", "laissez_faire"])
def test_every_quarter_scores_every_country_by_the_documented_formula(strategy):
    world = played(strategy, 0)
    spec = world.scenario.score
    keys = [c.key for c in spec.components]
    codes = set(world.countries)
    assert len(world.history) == world.turns
    for entry in world.history:
        assert set(entry["score"]) == codes
        assert all(0 <= v <= 100 and math.isfinite(v) for v in entry["score"].values())
        index = entry["korea_index"]
        assert set(index) == {*keys, "total"}
        assert index["total"] == entry["score"]["KOR"]
        assert breakdown(spec, entry["korea"]) == {k: index[k] for k in keys}
        for c in spec.components:
            assert index[c.key] == pytest.approx(points(entry["korea"][c.key], c.low, c.high, c.invert))
            assert 0 <= index[c.key] <= 100
        weighted = sum(c.weight * index[c.key] for c in spec.components) / sum(c.weight for c in spec.components)
        assert index["total"] == pytest.approx(weighted, abs=1e-9)
    every = {code: country_indicators(world, code) for code in codes}
    for code in codes:  # every country's score is its own rule (Korea's: [score]) on its indicators
        rule = spec.for_country(code)
        assert (rule is spec) == (code == "KOR")
        expected = sum(c.weight * points(every[c.of or code][c.key], c.low, c.high, c.invert)
                       for c in rule.components)
        assert world.scores[code] == pytest.approx(expected / sum(c.weight for c in rule.components), abs=1e-9)


def test_score_components_are_measured_indicators():
    spec = baseline().score
    indicators = country_indicators(World(baseline(), seed=0), "KOR")
    assert {c.key for c in spec.components} <= set(indicators)
    assert sum(c.weight for c in spec.components) == pytest.approx(1.0)


@pytest.mark.parametrize(("value", "low", "high", "invert", "expected"), [
    (0.5, 0.0, 1.0, False, 50.0),
    (2.0, 0.0, 1.0, False, 100.0),
    (-1.0, 0.0, 1.0, False, 0.0),
    (0.7, 0.4, 1.0, True, 50.0),
    (0.3, 0.4, 1.0, True, 100.0),
    (0.3, 0.3, 0.3, False, 0.0),
])
def test_component_points_examples(value, low, high, invert, expected):
    assert component_points(value, low, high, invert) == pytest.approx(expected)


@pytest.mark.parametrize(("score", "letter"), [(100, "A"), (70, "A"), (69.9, "B"), (55, "B"), (40, "C"),
                                               (25, "D"), (24.9, "F"), (0, "F")])
def test_grades_follow_the_scenario_thresholds(score, letter):
    assert grade(baseline().score, score) == letter


# ------------------------------------------------------------------ the cause log

def test_cause_log_explains_the_conductors_levers_in_both_languages():
    world = played("team_korea", 0)
    indicator_keys = set(country_indicators(world, "KOR"))
    entries = [e for turn in world.causes for e in turn]
    keys = {e["key"] for e in entries}
    assert {"cause.procurement", "cause.chip_incentive", "cause.action"} <= keys
    for entry in entries:
        assert entry["en"].strip() and entry["ko"].strip(), entry
        assert not entry["en"].startswith(entry["key"]), entry  # the template filled in, not the fallback
        assert set(entry["targets"]) <= indicator_keys, entry
    for key in ("cause.procurement", "cause.chip_incentive", "cause.action"):
        chosen = [e for e in entries if e["key"] == key and e["country"] == "KOR"]
        assert chosen, key
        assert all(HANGUL.search(e["ko"]) for e in chosen), key
    for key in ("cause.procurement", "cause.chip_incentive"):
        for entry in (e for e in entries if e["key"] == key):
            assert entry["targets"] and "domestic_compute_share" in entry["targets"]
            assert entry["params"]["units"] > 0
            # a government's incentive buys its own country's chips: Korea's the NPUs, China's Huawei's
            home = {d.name: d.country for d in world.designers}
            assert home[entry["params"]["firm"]] == entry["country"], entry
    mandate = next(e for e in entries if e["key"] == "cause.procurement")
    assert "40%" in mandate["en"] and "mandate" in mandate["en"]


def test_cause_log_entries_belong_to_their_turn():
    world = played("team_korea", 0)
    assert len(world.causes) == world.turns + 1
    for number, turn in enumerate(world.causes[1:], start=1):
        for entry in turn:
            assert entry["turn"] == number
            assert entry["date"] == world.history[number - 1]["date"]


def test_laissez_faire_has_no_mandate_to_explain():
    world = played("laissez_faire", 0)
    keys = {e["key"] for turn in world.causes for e in turn if e["country"] == "KOR"}
    assert not keys & {"cause.procurement", "cause.chip_incentive", "cause.foundry_subsidy"}


# ------------------------------------------------------------------ the adaptive conductor

def observation_after(quarters: int, **changes):
    """Korea's real observation at the start of quarter `quarters + 1` of a laissez-faire game,
    with some fields replaced (what the adaptive conductor would read in another state)."""
    world = World(baseline(), seed=2)
    for _ in range(quarters):
        world.step()
    world.open_quarter()
    obs = world.governance.observe("KOR")
    return dataclasses.replace(obs, **changes), world


def korean_designers(obs) -> list[str]:
    return sorted(n for n, f in obs.home_firms.items() if f["kind"] == "designer" and f["alive"])


def test_adaptive_brokers_links_when_components_hold_a_home_designer_back():
    obs, _ = observation_after(5)
    plain = Adaptive().decide(dataclasses.replace(obs, bottlenecks={d: "demand" for d in korean_designers(obs)}))
    assert not any(isinstance(a, BrokerLink) for a in plain)
    held = dataclasses.replace(obs, bottlenecks={d: "components" for d in korean_designers(obs)})
    links = {(a.designer, a.supplier) for a in Adaptive().decide(held) if isinstance(a, BrokerLink)}
    assert {d for d, _ in links} == set(korean_designers(obs))


def test_adaptive_centre_buys_more_home_chips_while_they_can_deliver_and_fewer_when_an_input_binds():
    obs, _ = observation_after(4)
    designers = korean_designers(obs)

    def domestic_share(binding: str) -> float:
        conductor = Adaptive()
        plan = conductor.decide(dataclasses.replace(obs, bottlenecks={d: binding for d in designers}))
        return next(a for a in plan if isinstance(a, Procurement)).mix["domestic"]

    assert domestic_share("demand") > 0.5 > domestic_share("wafer")
    assert domestic_share("hbm") == domestic_share("wafer")


def test_adaptive_gives_up_capacity_support_first_when_the_budget_fell_short():
    obs, world = observation_after(3)
    world.countries["KOR"].policy.capacity_support["SK hynix"] = 0.1
    policy = world.countries["KOR"].policy.copy()
    # no price of the quarter before: the HBM price rule stays out of it, only the budget's is tested
    short = dataclasses.replace(obs, policy=policy, funded={"capacity_support": 0.6, "service_incentive": 0.6},
                                prices_before={})
    plan = Adaptive().decide(short)
    assert any(isinstance(a, CapacitySupport) and a.firm == "SK hynix" and a.rate == 0 for a in plan)
    assert not any(isinstance(a, CapacitySupport) and a.rate > 0 for a in plan)
    paid = Adaptive().decide(dataclasses.replace(short, funded={"capacity_support": 1.0}))
    assert not any(isinstance(a, CapacitySupport) and a.rate == 0 for a in paid)


def test_adaptive_aligns_with_the_side_that_sells_most_accelerators():
    obs, _ = observation_after(1)
    usa = {**obs.indicators, "USA": {**obs.indicators["USA"], "accelerator_share": 0.8}}
    assert Adaptive.stance(dataclasses.replace(obs, indicators=usa)) == "us_aligned"
    split = {**usa, "USA": {**usa["USA"], "accelerator_share": 0.4}, "CHN": {**usa["CHN"], "accelerator_share": 0.3}}
    assert Adaptive.stance(dataclasses.replace(obs, indicators=split)) == "balanced"


def test_reading_the_state_beats_every_fixed_setting_on_paired_seeds():
    """Issue 13's check: a conductor that reads budget, bottlenecks and prices scores clearly above
    every lever at its maximum from turn 1 (benchmarks/plugins/max_everything.py) and above the
    seeds' fixed plan, on the same seeds."""
    from agents.plugins import make_controller as plugin

    def score(controller, seed: int) -> float:
        world = World(baseline(), seed=seed, controllers={"KOR": controller}, tables=False)
        for _ in range(world.turns):
            world.step()
        world.close()
        return world.scores["KOR"]

    seeds = range(8)
    adaptive = [score(Adaptive(), s) for s in seeds]
    for rival in (lambda: plugin("KOR", "benchmarks/plugins/max_everything.py:MaxEverything"), TeamKorea):
        differences = [a - score(rival(), s) for a, s in zip(adaptive, seeds, strict=True)]
        mean, error = statistics.fmean(differences), statistics.stdev(differences) / math.sqrt(len(differences))
        assert mean - 3 * error > 0, (mean, error)


# ---------------------------------------------------------------- each country's own objective

def test_each_country_is_scored_by_its_own_objective_and_korea_by_the_team_korea_index():
    from game.score import country_breakdown, index

    scenario = load_scenario("baseline")
    world = World(scenario, seed=3, tables=False)
    for _ in range(4):
        world.step()
    spec = scenario.score
    assert set(spec.countries) == set(world.countries) - {"KOR"}, "every country but Korea has its own objective"
    assert world.scores["KOR"] == pytest.approx(index(spec, world.indicators["KOR"]))
    for country, rule in spec.countries.items():
        points = country_breakdown(spec, world.indicators, country)
        total = sum(c.weight for c in rule.components)
        assert world.scores[country] == pytest.approx(
            sum(c.weight * points[f"{c.of}.{c.key}" if c.of else c.key] for c in rule.components) / total)
    # the USA's objective counts China's compute against it: read from China's indicators
    usa = country_breakdown(spec, world.indicators, "USA")
    rival = next(c for c in spec.countries["USA"].components if c.of == "CHN")
    assert usa["CHN.compute_share"] == pytest.approx(
        component_points(world.indicators["CHN"]["compute_share"], rival.low, rival.high, rival.invert))
    world.close()


def test_compute_shares_sum_to_one_over_the_countries():
    world = World(load_scenario("baseline"), seed=0, tables=False)
    for _ in range(3):
        world.step()
    assert sum(i["compute_share"] for i in world.indicators.values()) == pytest.approx(1.0)
    assert sum(i["leading_edge_capacity_share"] for i in world.indicators.values()) == pytest.approx(1.0)
    world.close()


def test_a_rivals_compute_lowers_the_usas_score_and_nothing_else_of_it():
    """The USA's "China's compute kept small" component moves with China's compute alone."""
    from game.score import breakdown

    spec = load_scenario("baseline").score
    rule = spec.countries["USA"]
    mine = {"accelerator_share": 0.9, "compute_share": 0.8, "leading_edge_capacity_share": 0.02,
            "hbm_share": 0.2, "budget_used": 0.1}
    small = breakdown(rule, mine, {"CHN": {"compute_share": 0.01}})
    large = breakdown(rule, mine, {"CHN": {"compute_share": 0.12}})
    assert small["CHN.compute_share"] > large["CHN.compute_share"]
    assert {k: v for k, v in small.items() if k != "CHN.compute_share"} == \
        {k: v for k, v in large.items() if k != "CHN.compute_share"}


def test_the_gulfs_programme_keeps_buying_twice_its_growing_plan():
    """Its default doubles the sovereign funds' planned purchases (cal 4g) every quarter, not once:
    a volume set on turn 1 fell below the plan itself as the plan grew 8% a quarter."""
    world = World(baseline(), seed=2, tables=False)
    for _ in range(12):
        world.step()
    gulf = world.countries["GCC"]
    # the plan for the quarter being decided (the next one, between quarters), grown 8% a quarter
    plan = world.planned_procurement(gulf)
    budget = gulf.policy.procurement_budget
    # twice the plan as it was when the Action in force was decided (procurement's lag: one to three
    # quarters behind the next quarter's plan), never twice the opening plan (~2.5 times smaller by now)
    assert 2 * plan / 1.08 ** 3 * (1 - 1e-9) <= budget <= 2 * plan / 1.08 * (1 + 1e-9)
    world.close()


def test_a_state_whose_programme_is_the_standing_one_is_shown_no_observation():
    """Taiwan's and the EU's real programmes are the scenario's standing credits and plans: no
    Action, so governance builds them no observation each quarter (the turn loop's cost)."""
    from agents.controllers import StandingProgrammes

    for code in ("TWN", "EU"):
        controller = make_controller(code, "default")
        assert isinstance(controller, StandingProgrammes) and controller.name == "default"
        assert getattr(type(controller).decide, "acts_never", False)
