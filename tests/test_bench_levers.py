"""The lever-effect benchmark (benchmarks/bench_levers.py): the harness runs on a short scenario, its
tables have the declared columns, its intervals are Student-t intervals, its seeds are paired, and its
INERT / WRONG SIGN flags say what they should on constructed inputs. Fast: an 8-turn lesson, 2 seeds."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the benchmarks are scripts of the repository, not of the installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import bench_levers as bench  # noqa: E402

SCENARIO = "lesson_procurement_chain"  # the baseline world, 8 turns
SEEDS = [0, 1]
MID = 4
CONFIGS = ["procurement@home100", "procurement@50-40-10", "convergence@full", "trade_stance@china_open"]


@pytest.fixture(scope="module")
def results():
    return bench.run(SCENARIO, SEEDS, CONFIGS, workers=1, mid=MID)


# ------------------------------------------------------------------ statistics, by hand

def test_the_t_interval_is_the_hand_computed_one():
    # mean 3, sd sqrt(2.5), se sqrt(2.5/5) = 0.70711; t(0.975, 4) = 2.776445 -> half-width 1.963243
    mean, low, high = bench.t_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    assert mean == pytest.approx(3.0)
    assert low == pytest.approx(3.0 - 1.963243, abs=1e-6)
    assert high == pytest.approx(3.0 + 1.963243, abs=1e-6)
    # two values: t(0.975, 1) = 12.7062; sd of (0.1, 0.3) = 0.141421, se 0.1 -> half-width 1.27062
    mean, low, high = bench.t_interval([0.1, 0.3])
    assert (mean, low, high) == pytest.approx((0.2, 0.2 - 1.270620, 0.2 + 1.270620), abs=1e-6)
    assert bench.t_quantile(19) == pytest.approx(2.093024, abs=1e-6)  # the 20-seed interval's quantile
    mean, low, high = bench.t_interval([4.0])
    assert mean == 4.0 and math.isnan(low) and math.isnan(high)


def test_verdicts_on_constructed_intervals():
    assert bench.verdict(0.01, 0.005, 0.015, +1, 0.001) == bench.OK
    assert bench.verdict(-0.01, -0.015, -0.005, -1, 0.001) == bench.OK  # expected down, went down
    assert bench.verdict(0.01, -0.001, 0.021, +1, 0.001) == bench.INERT  # interval includes zero
    assert bench.verdict(0.0005, 0.0004, 0.0006, +1, 0.001) == bench.INERT  # beyond noise, below threshold
    assert bench.verdict(-0.01, -0.015, -0.005, +1, 0.001) == bench.WRONG  # clearly the other way
    assert bench.verdict(0.01, 0.005, 0.015, -1, 0.001) == bench.WRONG
    assert bench.verdict(-0.0005, -0.0006, -0.0004, +1, 0.001) == bench.INERT  # wrong way but negligible
    assert bench.verdict(0.0, 0.0, 0.0, +1, 0.001) == bench.INERT  # exactly nothing
    assert bench.verdict(0.01, math.nan, math.nan, +1, 0.001) == bench.INERT  # one seed: no interval
    assert bench.lever_verdict([bench.OK, bench.OK]) == bench.OK
    assert bench.lever_verdict([bench.INERT, bench.INERT]) == bench.INERT
    assert bench.lever_verdict([bench.OK, bench.WRONG]) == bench.WRONG
    assert bench.lever_verdict([bench.INERT, bench.OK, bench.OK]) == "PARTLY INERT (1 of 3)"


def _constructed(diffs: dict[str, list[float]]) -> dict[int, dict]:
    """Results where metric "KOR.x" is 1.0 in the control and 1.0 + diff in each config."""
    seeds = range(len(next(iter(diffs.values()))))
    game = lambda x: {"mid": {"KOR.x": x}, "end": {"KOR.x": x}, "events": [], "refused": [], "funded": {}}  # noqa: E731
    return {s: {"control": game(1.0), **{name: game(1.0 + d[s]) for name, d in diffs.items()}} for s in seeds}


def test_flags_on_constructed_results():
    results = _constructed({"up": [0.010, 0.012, 0.011, 0.009], "down": [-0.010, -0.012, -0.011, -0.009],
                            "flat": [0.0, 0.0, 0.0, 0.0], "noisy": [0.02, -0.02, 0.015, -0.018],
                            "tiny": [0.0001, 0.0001, 0.0001, 0.0001]})
    configs = [bench.Config(name, name, "constructed", targets=(bench.Target("KOR.x", +1, 0.001),))
               for name in ("up", "down", "flat", "noisy", "tiny")]
    rows, flags = bench.target_rows(results, configs, MID)
    assert flags == {"up": bench.OK, "down": bench.WRONG, "flat": bench.INERT, "noisy": bench.INERT,
                     "tiny": bench.INERT}
    assert [len(r) for r in rows] == [len(bench.TARGET_COLUMNS)] * 5
    assert bench.paired(results, "up", "KOR.x") == pytest.approx([0.010, 0.012, 0.011, 0.009])
    # a context target is reported but never flags its lever
    context = bench.Config("down", "down", "constructed", targets=(bench.Target("KOR.x", +1, 0.001, judged=False),))
    rows, flags = bench.target_rows(results, [context], MID)
    assert flags == {"down": "not judged"} and "context" in rows[0][bench.TARGET_COLUMNS.index("verdict")]
    assert rows[0][bench.TARGET_COLUMNS.index("control at end")] == "1"


def test_a_setting_that_fails_is_reported_and_left_out(results):
    broken = {seed: {**games, CONFIGS[0]: {"error": "ValueError: no such firm"}} for seed, games in results.items()}
    text = bench.report(broken, MID)
    assert f"`{CONFIGS[0]}`: ValueError: no such firm" in text
    assert f"| {CONFIGS[1].split('@')[0]} |" in text  # the others are still there


def test_unpaired_histories_are_detected():
    results = _constructed({"a": [0.0, 0.0]})
    results[1]["a"]["events"] = [(3, "taiwan_earthquake")]
    assert bench.same_events(results, "a") == (1, 2)
    assert "taiwan_earthquake (treated only) x1" in bench.event_notes(results, [bench.Config("a", "a", "s")])[0]


# ------------------------------------------------------------------ the harness on a real scenario

def test_the_harness_runs_and_the_tables_have_the_declared_columns(results):
    assert set(results) == set(SEEDS)
    for games in results.values():
        assert set(games) == {"control", *CONFIGS}
    text = bench.report(results, MID)
    assert bench.markdown([h.replace("{mid}", str(MID)) for h in bench.TARGET_COLUMNS], []).splitlines()[0] in text
    declared = {c.name: c for c in bench.all_configs()}
    for name in CONFIGS:
        for target in declared[name].targets:
            assert f"| {target.metric}" in text, target.metric
            assert bench.paired(results, name, target.metric) is not None, f"{name}: {target.metric} not measured"
    from game.scenario import load_scenario

    components = [c.key for c in load_scenario(SCENARIO).score.components]
    index_header = next(line for line in text.splitlines() if line.startswith("| lever | setting | " + components[0]))
    assert index_header.split(" | ")[2:-2] == [*components, "total"]
    # effects are treated minus control, seed by seed
    for name in CONFIGS:
        expected = [g[name]["end"]["index.total"] - g["control"]["end"]["index.total"] for g in results.values()]
        assert bench.paired(results, name, "index.total") == pytest.approx(expected)
    assert "## 1." in text and "## 2." in text and "## Notes" in text
    # the dose-response pair: 100% home against 40% home, on the same seeds
    dose = bench.dose_rows(results, [declared[n] for n in CONFIGS])
    assert [r[:3] for r in dose] == [["procurement@home100", "procurement@50-40-10", t.metric]
                                     for t in declared["procurement@home100"].targets if t.judged]
    assert "### Dose-response" in text


def test_control_and_treated_games_of_a_seed_fire_the_same_events(results):
    histories = {seed: games["control"]["events"] for seed, games in results.items()}
    assert all(histories.values()), "no event fired: the pairing check would prove nothing"
    assert histories[SEEDS[0]] != histories[SEEDS[1]], "two seeds with one history: the seed is not used"
    for name in CONFIGS:
        assert bench.same_events(results, name) == (len(SEEDS), len(SEEDS)), name


def test_the_mid_term_is_measured_at_its_quarter(results):
    game = results[SEEDS[0]]["control"]
    assert game["mid"]["index.total"] != game["end"]["index.total"]


def test_worker_processes_give_the_numbers_of_one_process(results):
    pooled = bench.run(SCENARIO, SEEDS, CONFIGS[:1], workers=2, mid=MID)
    for seed in SEEDS:
        for name in ("control", CONFIGS[0]):
            assert pooled[seed][name]["end"] == results[seed][name]["end"]
            assert pooled[seed][name]["events"] == results[seed][name]["events"]


# ------------------------------------------------------------------ declarations and the plug-in

def test_every_action_kind_is_declared_with_targets():
    from game.actions import ACTION_KINDS

    configs = bench.lever_configs()
    assert set(ACTION_KINDS) <= {c.lever for c in configs}
    for config in configs:
        assert any(t.judged for t in config.targets), f"{config.name} has nothing it must move"
        assert all(t.sign in (-1, 1) and t.threshold > 0 for t in config.targets)
    assert len({c.name for c in bench.all_configs()}) == len(bench.all_configs())
    by_name = {c.name: c for c in configs}
    for config in configs:
        if config.dose_of:
            assert by_name[config.dose_of].lever == config.lever, config.name


def test_adaptive_is_compared_only_when_the_model_has_it(monkeypatch):
    import agents.controllers as controllers

    names = [c.name for c in bench.strategy_configs()]
    assert {"team_korea", "max_everything", "only_procurement"} <= set(names)
    assert ("adaptive" in names) == ("adaptive" in controllers.strategy_names("KOR"))
    monkeypatch.setattr(controllers, "strategy_names", lambda country: ["adaptive", "team_korea"])
    assert "adaptive" in [c.name for c in bench.strategy_configs()]
    monkeypatch.setattr(controllers, "strategy_names", lambda country: ["team_korea"])
    assert "adaptive" not in [c.name for c in bench.strategy_configs()]


def test_max_everything_pulls_every_korean_lever_at_its_fields_limit():
    from game.actions import CapacitySupport, ChipIncentive, Convergence, FoundrySubsidy, ServiceIncentive
    from game.model import World
    from game.scenario import load_scenario

    plugin = bench.load_plugin(bench.PLUGINS / "max_everything.py", "MaxEverything")
    seen = {}

    class Recording(plugin):
        def decide(self, obs):
            actions = super().decide(obs)
            seen.setdefault("actions", actions)
            if obs.turn == 1:
                seen["refused"] = obs.refused
            return actions

    world = World(load_scenario(SCENARIO), 0, controllers={"KOR": Recording()}, tables=False)
    try:
        world.step()
        world.step()
    finally:
        world.close()
    actions = seen["actions"]
    kinds = {a.kind for a in actions}
    assert kinds >= {"procurement", "foundry_subsidy", "chip_incentive", "service_incentive", "rd_grant",
                     "broker_link", "convergence", "capacity_support", "trade_stance", "equity"}
    for action in actions:
        if isinstance(action, FoundrySubsidy | ChipIncentive | ServiceIncentive | CapacitySupport):
            assert action.rate == bench._le(type(action), "rate")
        if isinstance(action, Convergence):
            assert action.intensity == bench._le(Convergence, "intensity")
    assert next(a for a in actions if a.kind == "procurement").mix == {"domestic": 1.0}
    assert min(a.amount for a in actions if a.kind in ("rd_grant", "equity")) > 0
    assert seen["refused"] == [], seen["refused"]


def test_accessors_say_not_exposed_instead_of_failing():
    class Bare:
        pass

    assert bench.firm_yield(Bare(), "Samsung Foundry") is None
    assert bench.other_customers(Bare(), "Samsung Foundry") is None
    assert bench.events_fired(Bare()) is None
    assert bench.home_firms(Bare(), "KOR") is None
    assert bench.fmt_ci(None) == "not exposed"


def test_priming_water_subsidises_quarters_1_to_8_and_then_stops():
    from game.actions import FoundrySubsidy
    from game.model import World
    from game.scenario import load_scenario

    plugin = bench.load_plugin(bench.PLUGINS / "priming_water.py", "PrimingWater")
    rates = {}

    class Recording(plugin):
        def decide(self, obs):
            rates[obs.turn] = obs.policy.foundry_subsidy  # in force after quarter obs.turn (the lever has no lag)
            return super().decide(obs)

    world = World(load_scenario("baseline"), 0, controllers={"KOR": Recording()}, tables=False)
    try:
        for _ in range(10):
            world.step()
    finally:
        world.close()
    top = bench._le(FoundrySubsidy, "rate")
    assert rates[0] == 0.0 and all(rates[q] == top for q in range(1, 9)), rates
    assert rates[9] == 0.0, rates
