"""A lesson's question as data (issue 17 item 1): the key quantities and counterfactual each lesson
declares, validated strictly, and game/lesson_compare.py, the one function that measures them for
a played game against its counterfactual (the same seed and logged decisions, one difference)."""

from __future__ import annotations

import re

import pytest

from benchmarks.bench_lessons import PLAYS, holds, measure
from game.actions import FoundrySubsidy, Procurement
from game.lesson_compare import CompareError, compare_world, counterfactual_log, play_and_compare
from game.lesson_quantities import read
from game.lesson_text import blocks, format_value, text_table
from game.model import World
from game.saves import log_entries
from game.scenario import SCENARIO_DIR, ScenarioError, load_scenario, parse_scenario
from game.text import display_width

LESSONS = tuple(PLAYS)


@pytest.mark.parametrize("lesson", LESSONS)
@pytest.mark.parametrize("seed", [3, 11])
def test_each_key_quantity_differs_in_the_direction_the_lesson_teaches(lesson, seed):
    """The lesson as a class plays it, against the lesson's own counterfactual: every key quantity
    in the taught direction (and by the margin the lesson text states), and not by accident - the
    two games share the first quarter before the difference can act (an event's effect from its
    quarter, a lever from its lag)."""
    comparison = measure(lesson, seed)
    assert not comparison.same_game
    for i, table in enumerate(comparison.tables):
        assert len(table.game) == len(table.other) == load_scenario(lesson).scenario.turns
        assert holds(lesson, i, table), (table.spec.label_en, table.summaries)
    first = comparison.tables[0]
    if comparison.change.change == "event_effect":  # the event acts from 2025Q2: 2025Q1 is the same quarter
        assert first.game[0] == first.other[0]


def test_the_game_column_is_the_game_that_was_played():
    """The game re-played from its log gives, quarter by quarter, what the live world showed."""
    scenario = load_scenario("lesson_bottlenecks")
    world = World(scenario, seed=5, tables=False)
    spec = scenario.lesson.quantities
    live = []
    while not world.finished:
        world.step()
        live.append([read(world, q) for q in spec])
    comparison = compare_world(world)
    world.close()
    for i, table in enumerate(comparison.tables):
        assert table.game == [row[i] for row in live]


def test_an_unused_lever_makes_the_same_game_and_says_so():
    """Lesson 2's counterfactual takes Korea's foundry subsidy away: a game that never subsidised
    is its own counterfactual, every difference is 0 and the table says why."""
    comparison = play_and_compare(load_scenario("lesson_priming_water"), 7)
    assert comparison.same_game and comparison.changed == 0
    for table in comparison.tables:
        assert table.game == table.other
    for lang, words in (("en", "never used"), ("ko", "쓰지 않았")):
        assert words in text_table(comparison, lang)


def test_the_counterfactual_log_changes_only_the_named_countrys_actions_of_the_kind():
    scenario = load_scenario("lesson_procurement_chain")
    world = World(scenario, seed=2, tables=False)
    world.open_quarter()
    world.governance.submit("KOR", [Procurement(budget=1e11, mix={"leader": 0.5, "domestic": 0.5}),
                                    FoundrySubsidy(rate=0.3)])
    world.governance.submit("JPN", [Procurement(budget=1e9, mix={"domestic": 1.0})])
    log = log_entries(world.governance.log)
    world.close()
    changed, n = counterfactual_log(log, scenario.lesson.counterfactual)
    assert n == 1
    kinds = [(e.country, e.action["kind"], e.action.get("mix")) for e in changed if e.source == "desk"]
    assert kinds == [("KOR", "procurement", {"leader": 1.0}), ("KOR", "foundry_subsidy", None),
                     ("JPN", "procurement", {"domestic": 1.0})]
    dropped, n = counterfactual_log(log, load_scenario("lesson_priming_water").lesson.counterfactual)
    assert n == 1 and [e.action["kind"] for e in dropped if e.source == "desk"] == ["procurement", "procurement"]
    assert len(dropped) == len(log) - 1


def test_numbers_are_written_as_a_reader_writes_them():
    quantities = {q.unit: q for name in LESSONS for q in load_scenario(name).lesson.quantities}
    assert format_value(quantities["k_units"], 7.56, "ko") == "7,560"
    assert format_value(quantities["k_units"], 85.17, "ko") == "8만 5,170"
    assert format_value(quantities["percent"], 0.3811, "en").endswith("%")
    assert format_value(quantities["usd_b"], 0.72, "ko") == "7억 2,000만"
    assert format_value(quantities["binding"], "hbm", "ko") == "HBM"
    comparison = measure("lesson_bottlenecks", 7)
    ko = blocks(comparison, "ko")
    assert ko[0].rows[0][0] == "2025년 1분기" and "HBM이 병목인 분기 수" in ko[0].summary[0]
    assert "%p" in blocks(measure("lesson_procurement_chain", 7), "ko")[0].rows[-1][3]


def test_a_difference_too_small_to_read_is_not_called_the_lessons_point():
    from game.lesson_compare import Comparison, QuantityTable
    from game.lesson_text import readable, verdict

    scenario = load_scenario("lesson_priming_water")
    spec = scenario.lesson.quantities[1]  # a share shown with two decimals
    quarters = [8100, 8101]
    tiny = QuantityTable(spec, [0.0790, 0.079361], [0.0790, 0.079359], quarters)
    clear = QuantityTable(spec, [0.0790, 0.0799], [0.0790, 0.0790], quarters)
    comparison = Comparison(scenario, scenario.lesson.counterfactual, [tiny, clear], changed=1)
    assert tiny.holds and not readable(tiny) and readable(clear)
    assert "Too small" in verdict(tiny, comparison, "en") and "읽을 수 없을" in verdict(tiny, comparison, "ko")
    assert verdict(clear, comparison, "en").startswith("As the lesson teaches")
    output = scenario.lesson.quantities[2].model_copy(update={"direction": "not_higher"})  # wafers, one decimal
    noise = QuantityTable(output, [38.264], [38.262], quarters[:1])
    assert noise.holds is False and verdict(noise, comparison, "en").startswith("As the lesson teaches")
    more = QuantityTable(output, [38.4], [38.2], quarters[:1])
    assert verdict(more, comparison, "en").startswith("Not as the lesson teaches")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_terminal_table_is_aligned_in_both_languages(lang):
    text = text_table(measure("lesson_export_controls", 4), lang)
    for block in text.split("\n\n")[1:]:
        rows = [line for line in block.splitlines()[1:-1] if not set(line.strip()) <= {"-"}]
        assert len({display_width(line) for line in rows}) == 1, block


# ---------------------------------------------------------------------- hostile lesson tables

def lesson_text(name: str = "lesson_bottlenecks") -> str:
    return (SCENARIO_DIR / f"{name}.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "message"), [
    ('quantity = "output"', 'quantity = "nvidia_profit"', r"unknown quantity 'nvidia_profit'.*lesson quantities are"),
    ('quantity = "output"', 'quantity = "__class__"', r"unknown quantity '__class__'"),
    ('quantity = "all_designers_output"', 'quantity = "all_designers_output"\nfirm = "Nvidia"',
     r"takes no firm"),
    ('firm = "Nvidia"\nlabel_en = "Nvidia\'s accelerators', 'label_en = "Nvidia\'s accelerators', r"needs firm"),
    ('firm = "Nvidia"\nlabel_en = "Nvidia\'s bottleneck"', 'firm = "Nvidiaa"\nlabel_en = "Nvidia\'s bottleneck"',
     r"no designer 'Nvidiaa'"),
    ('firm = "Nvidia"\nlabel_en = "Nvidia\'s bottleneck"', 'firm = "TSMC"\nlabel_en = "Nvidia\'s bottleneck"',
     r"no designer 'TSMC'"),
    ('direction = "lower"', 'direction = "down"', r"direction"),
    ('window = ["2025Q2", "2026Q1"]\ndirection = "higher"', 'window = ["2025Q2", "2029Q1"]\ndirection = "higher"',
     r"not inside the lesson"),
    ('unit = "binding"', 'unit = "percent"', r"a category"),
    ('equals = "hbm"', '', r"give both or neither"),
    ('event = "lesson_hbm_line_outage"', 'event = "no_such_event"', r"no event 'no_such_event'"),
    ('effect = { factor = 0.0 }', 'effect = { factor = -1.0 }', r"counterfactual\.effect: factor"),
    ('effect = { factor = 0.0 }', 'effect = { kind = "pipeline" }', r"cannot be changed"),
    ('effect = { factor = 0.0 }', 'effect = { factor = 0.0, bogus = 1 }', r"bogus cannot be changed"),
    ('change = "event_effect"', 'change = "without_actions"', r"takes action"),
    ('label_ko = "사고가 없었다면"', 'label_ko = "사고가 없었다면"\nsneaky = 1', r"sneaky"),
])
def test_a_hostile_lesson_table_is_refused_with_a_clear_message(old, new, message):
    text = lesson_text()
    assert old in text, old
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(text.replace(old, new, 1), str(SCENARIO_DIR / "hostile.toml"))


@pytest.mark.parametrize(("old", "new", "message"), [
    ('action = "procurement"', 'action = "teleport"', r"unknown Action kind 'teleport'"),
    ('fields = { mix = { leader = 1.0 } }', 'fields = { price = 1.0 }', r"procurement has no field price"),
    ('indicator = "chain_completeness"', 'indicator = "happiness"', r"unknown indicator 'happiness'"),
    ('country = "KOR"\nindicator = "chain_completeness"', 'country = "XXX"\nindicator = "chain_completeness"',
     r"no country 'XXX'"),
])
def test_a_hostile_counterfactual_or_indicator_is_refused(old, new, message):
    text = lesson_text("lesson_procurement_chain")
    assert old in text, old
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(text.replace(old, new, 1), str(SCENARIO_DIR / "hostile.toml"))


def test_quantities_without_a_counterfactual_are_refused_and_a_plain_scenario_cannot_be_compared():
    text = lesson_text()
    cut = re.sub(r"\[lesson\.counterfactual\].*?(?=\n\[\[lesson\.quantities\]\])", "", text, count=1, flags=re.S)
    with pytest.raises(ScenarioError, match="together, or neither"):
        parse_scenario(cut, str(SCENARIO_DIR / "hostile.toml"))
    world = World(load_scenario("baseline"), seed=1, tables=False)
    world.step()
    with pytest.raises(CompareError, match="no lesson question"):
        compare_world(world)
    world.close()


# ---------------------------------------------------------------------- sim --compare

@pytest.mark.parametrize("lang", ["en", "ko"])
def test_sim_compare_prints_the_same_table_the_core_computes(capsys, lang):
    from agents.controllers import make_controller
    from game.cli import main

    assert main(["sim", "--scenario", "lesson_procurement_chain", "--compare", "--seed", "4", "--lang", lang,
                 "--control", "KOR=team_korea"]) == 0
    out = capsys.readouterr().out
    comparison = play_and_compare(load_scenario("lesson_procurement_chain"), 4,
                                  {"KOR": make_controller("KOR", "team_korea")})
    assert text_table(comparison, lang) in out
    for block in blocks(comparison, lang):
        assert block.title in out and block.verdict in out
        for row in block.rows:
            assert all(cell in out for cell in row)
    assert ("이번 게임" in out) == (lang == "ko")


@pytest.mark.parametrize("argv", [
    ["sim", "--compare"],  # the baseline has no lesson
    ["sim", "--scenario", "lesson_bottlenecks", "--compare", "--json"],
])
def test_sim_compare_without_a_lesson_or_with_json_is_a_usage_error(capsys, argv):
    from game.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --compare") and "Traceback" not in err


def test_sim_compare_on_a_loaded_save_of_a_plain_scenario_is_a_usage_error(capsys, tmp_path):
    from game.cli import main

    save = tmp_path / "plain.json"
    assert main(["sim", "--turns", "1", "--save", str(save)]) == 0
    capsys.readouterr()
    assert main(["sim", "--load", str(save), "--compare"]) == 2
    assert "not a lesson" in capsys.readouterr().err


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_korean_table_and_answer_key_read_as_korean(lesson):
    """The Korean scan of tests/test_korean_text.py over what the lesson panel, `sim --compare`
    and the debrief show: no particle placeholders, ids, country codes or decimal unit words."""
    from game.lesson_text import answer_key
    from tests.test_korean_text import check

    texts = {}
    for comparison in (measure(lesson, 5), play_and_compare(load_scenario(lesson), 5)):  # with and without the lever
        texts[f"{lesson} table"] = text_table(comparison, "ko")
        for i, (_question, sentences) in enumerate(answer_key(comparison, "ko")):
            texts[f"{lesson} answer {i + 1}"] = " ".join(sentences)
        check(texts)
