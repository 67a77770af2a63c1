"""Classroom lesson scenarios (assets/scenarios/lesson_*.toml, issue 7): each loads, fits a class
period, carries its lesson text in both languages, and - played with scripted choices - makes
its point in the model. Each point is checked with paired runs: the same seed, one difference.
"""

from __future__ import annotations

import re

import pytest

from benchmarks import bench_lessons as lessons_bench
from benchmarks.bench_lessons import AtStart, Procure, with_event
from game.actions import FoundrySubsidy
from game.model import World
from game.scenario import SCENARIO_DIR, ScenarioError, load_scenario, parse_scenario

LESSONS = ("lesson_bottlenecks", "lesson_priming_water", "lesson_procurement_chain", "lesson_export_controls")
HANGUL = re.compile("[\uac00-\ud7a3]")
SEED = 7


def play(scenario, controllers=None, each_turn=None) -> tuple[World, list]:
    """Play a scenario to its end on SEED; `each_turn(world)` is recorded after every quarter."""
    return lessons_bench.play(scenario, SEED, controllers, each_turn)


def fired(world) -> set[str]:
    return {c["params"].get("event") for turn in world.causes for c in turn if c["source"] == "event"}


# ---------------------------------------------------------------------------- files and text

@pytest.fixture(scope="module", params=LESSONS)
def lesson(request):
    return load_scenario(request.param)


def test_every_lesson_file_is_covered():
    assert {p.stem for p in SCENARIO_DIR.glob("lesson_*.toml")} == set(LESSONS)


def test_lesson_fits_a_class_period(lesson):
    meta = lesson.scenario
    assert meta.name in LESSONS
    assert meta.start == "2025Q1"
    assert 6 <= meta.turns <= 8


def test_lesson_text_is_bilingual(lesson):
    text = lesson.lesson
    assert text is not None, "a lesson scenario needs a [lesson] table"
    for en, ko in ((text.goals_en, text.goals_ko), (text.questions_en, text.questions_ko),
                   ([text.briefing_en], [text.briefing_ko]),
                   ([lesson.scenario.title_en], [lesson.scenario.title_ko])):
        assert len(en) == len(ko) >= 1, "each English item needs its Korean counterpart"
        for english, korean in zip(en, ko, strict=True):
            assert english.strip() and not HANGUL.search(english)
            assert HANGUL.search(korean), f"no Hangul in {korean!r}"
    assert len(text.goals_en) >= 3 and len(text.questions_en) >= 4


def test_baseline_has_no_lesson_and_the_lesson_table_is_strict():
    assert load_scenario("baseline").lesson is None
    text = (SCENARIO_DIR / "lesson_procurement_chain.toml").read_text(encoding="utf-8")
    bad = text.replace("\ngoals_en = [", "\ngoal_en = [", 1)
    with pytest.raises(ScenarioError, match=r"lesson\.goal_en: unknown field"):
        parse_scenario(bad, "lesson.toml")
    empty = text.replace("\nquestions_ko = [", "\nquestions_ko = []\nunused = [", 1)
    with pytest.raises(ScenarioError, match=r"lesson\."):
        parse_scenario(empty, "lesson.toml")


# ---------------------------------------------------------------------------- the lessons' points

def test_lesson_bottlenecks_hbm_cut_binds_and_lowers_output():
    """(1) Halving SK hynix's and Micron's HBM makes HBM Nvidia's binding input in most quarters
    of the outage (without it Nvidia is at times limited by demand; in the first quarter the
    other makers' spare lines and the designers' stocks absorb the cut), spreads the shortage to
    most designers from the second quarter, and lowers accelerator output; output recovers when
    the lines return."""
    cut = load_scenario("lesson_bottlenecks")
    intact = with_event(cut, "lesson_hbm_line_outage", factor=0.0)

    def row(world):
        return {"nvidia": world.by_name["Nvidia"].binding, "nvidia_out": world.by_name["Nvidia"].output,
                "total_out": sum(d.output for d in world.designers),
                "hbm_bound": sum(d.binding == "hbm" for d in world.designers if d.alive)}

    world, with_cut = play(cut, each_turn=row)
    _, without = play(intact, each_turn=row)
    assert "lesson_hbm_line_outage" in fired(world)
    outage = slice(1, 5)  # turns 2-5: 2025Q2-2026Q1
    assert sum(r["nvidia"] == "hbm" for r in with_cut[outage]) >= 3
    assert any(r["nvidia"] != "hbm" for r in without[outage])
    assert all(r["hbm_bound"] >= 5 for r in with_cut[2:5]), "the shortage should reach most designers"
    # Nvidia's output falls hardest once its stocks are spent (the outage's second and third
    # quarters); later the intact world is itself limited by demand at times (a bottleneck binds
    # only while demand exceeds it).
    first = slice(2, 4)
    assert sum(r["nvidia_out"] for r in with_cut[first]) < 0.85 * sum(r["nvidia_out"] for r in without[first])
    assert sum(r["nvidia_out"] for r in with_cut[outage]) < 0.95 * sum(r["nvidia_out"] for r in without[outage])
    assert sum(r["total_out"] for r in with_cut) < sum(r["total_out"] for r in without)
    assert with_cut[5]["nvidia_out"] > max(r["nvidia_out"] for r in with_cut[2:5]), "lines back in 2026Q2"


def test_lesson_priming_water_subsidy_raises_samsung_volume_and_yield():
    """(2) With the price-gap subsidy at 100% from the first quarter, Korean designers put more
    of their new generations at Samsung Foundry, whose cumulative volume and yield end higher
    than without it."""
    scenario = load_scenario("lesson_priming_water")
    subsidised, _ = play(scenario, {"KOR": AtStart(FoundrySubsidy(rate=1.0))})
    free, _ = play(scenario, {"KOR": AtStart()})
    s, f = subsidised.by_name["Samsung Foundry"], free.by_name["Samsung Foundry"]
    assert s.volume > f.volume
    assert s.yield_ > f.yield_
    for name in ("Rebellions", "FuriosaAI"):  # both launched a generation during the lesson
        sub_designer, free_designer = subsidised.by_name[name], free.by_name[name]
        at = sub_designer.foundries.index("Samsung Foundry")
        assert sub_designer.foundry_mix[at] > free_designer.foundry_mix[at] + 0.1
    assert subsidised.countries["KOR"].spent_total > free.countries["KOR"].spent_total


def test_lesson_procurement_chain_domestic_mix_lifts_the_chain():
    """(3) The national centre buying 50/40/10 (leader/domestic/other) ends with more of Korea's
    compute on home chips and a more complete chip -> LLM -> service chain than all-leader."""
    scenario = load_scenario("lesson_procurement_chain")
    mixed, _ = play(scenario, {"KOR": Procure({"leader": 0.5, "domestic": 0.4, "other": 0.1})})
    leader, _ = play(scenario, {"KOR": Procure({"leader": 1.0})})
    m, n = mixed.indicators["KOR"], leader.indicators["KOR"]
    assert m["domestic_compute_share"] > n["domestic_compute_share"] + 0.05
    assert m["chain_completeness"] > n["chain_completeness"]
    assert m["llm_domestic_chip_share"] > n["llm_domestic_chip_share"]


def test_lesson_export_controls_cut_nvidia_china_sales():
    """(4) The 2025Q2 round (compliant chips need a licence too) lowers the compute Nvidia
    installs at Chinese clouds, against the same round with a threshold no chip reaches; the
    alliance question is asked in 2025Q3."""
    scenario = load_scenario("lesson_export_controls")
    harmless = with_event(scenario, "us_controls_h20", perf_above=1000.0)

    def nvidia_in_china(world):
        buyer = [b.name for b in world.buyers].index("Chinese clouds")
        designer = [d.name for d in world.designers].index("Nvidia")
        return float(world.installed[buyer, designer])

    controlled, c_rows = play(scenario, each_turn=nvidia_in_china)
    open_, o_rows = play(harmless, each_turn=nvidia_in_china)
    assert {"us_controls_h20", "us_asks_allies"} <= fired(controlled)
    assert c_rows[0] == pytest.approx(o_rows[0])  # the same first quarter: the round acts from 2025Q2
    assert c_rows[-1] < 0.6 * o_rows[-1]
    chinese = ("Huawei", "Cambricon")
    assert sum(controlled.by_name[n].output for n in chinese) <= sum(open_.by_name[n].output for n in chinese) + 1e-9


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_scenarios_command_shows_each_lesson_briefing(capsys, lang):
    from game.cli import main

    assert main(["scenarios", "--lang", lang]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for name in LESSONS:
        text = load_scenario(name).lesson
        brief = text.briefing_ko if lang == "ko" else text.briefing_en
        assert name in out and " ".join(brief.split()) in out
