"""The 2024 back-cast (issue 13): assets/scenarios/history_2024.toml runs on the baseline's own behavioural
parameters, starts in 2024Q1 from end-2023, plays its four quarters, and benchmarks/bench_backcast.py turns
a game into its table. Fast: one seed, four quarters."""

from __future__ import annotations

import math
import sys
import tomllib
from pathlib import Path

import pytest

from game.model import World
from game.scenario import SCENARIO_DIR, content_hash, list_scenarios, load_scenario

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the benchmarks are scripts of the repository, not of the installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import bench_backcast as bench  # noqa: E402

NAME = "history_2024"


@pytest.fixture(scope="module")
def scenarios():
    return load_scenario(NAME), load_scenario("baseline")


def test_the_back_cast_runs_on_the_baselines_parameters(scenarios):
    history, baseline = scenarios
    assert history.params == baseline.params
    assert history.params.model_dump() == baseline.params.model_dump()
    # ... and not by luck of a merge: the file itself sets none of them
    assert "params" not in tomllib.loads((SCENARIO_DIR / f"{NAME}.toml").read_text(encoding="utf-8"))


def test_the_back_cast_is_its_own_world_starting_in_2024(scenarios):
    history, baseline = scenarios
    assert history.scenario.name == NAME
    assert (history.scenario.start, history.scenario.turns) == ("2024Q1", 4)
    assert content_hash(history) != content_hash(baseline)
    # the start state holds only the rules in force in January 2024: the Oct 2022 / Oct 2023 rules
    assert [(r.good, r.since) for r in history.export_controls] == [("accelerator", "2022Q4")]
    assert NAME in [s.scenario.name for s in list_scenarios()]


def test_the_back_cast_plays_and_the_december_hbm_rule_comes_in_its_last_quarter(scenarios):
    history, _ = scenarios
    world = World(history, seed=0, tables=False)
    for quarter in ("2024Q1", "2024Q2", "2024Q3"):
        world.step()
        assert world.date == quarter
        assert world.export_rules.allows("hbm", "KOR", "CHN")
    world.step()
    assert world.finished and world.date == "2024Q4"
    assert not world.export_rules.allows("hbm", "KOR", "CHN"), "the Dec 2024 HBM control is an event in 2024Q4"
    assert sum(d.revenue for d in world.designers) > 0
    world.close()


def test_the_benchmark_reads_every_headline_figure_from_a_game():
    games = bench.run(NAME, [0])
    table = bench.evaluate(games)
    by_name = {c.quantity: c for c in table}
    headline = [c for c in table if c.group == "big"]
    assert headline, "the moves issue 13 names are in the table"
    for check in headline:
        assert len(check.values) == 1 and not math.isnan(check.values[0]), check.quantity
        assert bench.verdict(check) != "not exposed"
    # a misspelt firm or market in any row would be published as "not exposed": none is
    assert [c.quantity for c in table if bench.verdict(c) == "not exposed"] == []
    assert by_name["Nvidia data-centre revenue, 2024 / 2023 (x)"].values[0] == pytest.approx(
        sum(q["revenue"]["Nvidia"] for q in games[0]["quarters"]) / bench.NVIDIA_DC_REVENUE_2023)
    text = bench.report(table, games, "# header\n")
    assert text.count("| quantity | reported (calibration row) | model: mean [min, max] | verdict | note |") >= 5
    assert "2024Q4" in text


def test_verdicts_on_constructed_values():
    check = bench.Check("x", "2-2.5", lambda g: 0.0, 2.0, 2.5)
    check.values = [2.1, 2.4, 2.6]
    assert bench.verdict(check) == "in range (2/3 seeds)"
    check.values = [1.0, 1.2]
    assert bench.verdict(check) == "MISS (below) (0/2 seeds)"
    move = bench.Check("move", "-3.2", lambda g: 0.0, -3.84, -2.56)
    move.values = [0.5, 0.7]
    assert bench.verdict(move) == "MISS (above), wrong direction (0/2 seeds)"
    up = bench.Check("up", "up", lambda g: 0.0, direction=+1, kind="direction")
    up.values = [0.3, -0.1, 0.2]
    assert bench.verdict(up) == "right direction (2/3 seeds)"
    fact = bench.Check("no", "no", lambda g: 0.0, direction=-1, kind="count")
    fact.values = [0.0, 1.0, 0.0]
    assert bench.verdict(fact) == "as reported (2/3 seeds)"
