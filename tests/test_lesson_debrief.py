"""A lesson's debrief as a handout (issue 17 item 2): the lesson first (goals, the key-quantity
table of game/lesson_compare.py, the questions with an answer key from this game's numbers),
Korea's decisions, then an appendix; charts that label every quarter of a lesson, never print a
tick label twice and show the grade lines they promise; and, in Chromium, the handout part of an
8-quarter lesson on at most four A4 pages in either language."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import pytest

from game.lesson_compare import compare_save
from game.lesson_text import answer_key, blocks
from game.report.charts import grade_window, percent_decimals, quarter_ticks
from game.report.debrief import people_first, quarter_rows
from game.saves import load_game, read_save
from game.scenario import load_scenario
from tests.clitools import run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def lesson_save(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lesson")
    save = folder / "lesson.json"
    code, _, err = run_cli("sim", "--scenario", "lesson_priming_water", "--control", "KOR=team_korea",
                           "--save", str(save))
    assert code == 0, err
    return save


@pytest.fixture(scope="module")
def handout(lesson_save) -> dict[str, str]:
    pages = {}
    for lang in ("both", "en", "ko"):
        out = lesson_save.parent / f"report-{lang}.html"
        code, _, err = run_cli("report", str(lesson_save), "--out", str(out), "--lang", lang)
        assert code == 0, err
        pages[lang] = out.read_text(encoding="utf-8")
    return pages


def test_the_lesson_comes_first_and_the_routine_programmes_go_to_the_appendix(handout):
    sections = re.findall(r'<section id="([a-z-]+)"', handout["both"])
    assert sections == ["lesson", "what-if", "decisions", "appendix", "breakdown", "indicators", "causes"]
    lesson = load_scenario("lesson_priming_water").lesson
    first = handout["both"].split('<section id="lesson">', 1)[1].split("</section>", 1)[0]
    for goal in (*lesson.goals_en, *lesson.goals_ko):
        assert escape(goal) in first


def test_the_table_and_the_answer_key_are_the_cores_for_this_game(handout, lesson_save):
    save = read_save(lesson_save)
    comparison = compare_save(save, load_scenario(save.scenario.name))
    assert not comparison.same_game
    for lang in ("en", "ko"):
        section = handout[lang].split('<section id="lesson">', 1)[1].split("</section>", 1)[0]
        for block in blocks(comparison, lang):
            assert escape(block.verdict) in section
            for row in block.rows:
                assert all(f">{escape(cell)}<" in section for cell in row[1:]), row
        for question, sentences in answer_key(comparison, lang):
            assert escape(question) in section
            for sentence in sentences:
                assert escape(sentence) in section
    # the answers carry this game's numbers: the yield at the end, as the table shows it
    yield_row = blocks(comparison, "en")[0].summary
    assert f"{yield_row[1]} in this game" in " ".join(s for _, ss in answer_key(comparison, "en") for s in ss)


def test_every_row_is_either_the_peoples_or_in_the_appendix(lesson_save):
    world, _ = load_game(lesson_save, continuing=False, tables=False)
    quarters = quarter_rows(world)
    mine, others = people_first(world, quarters)
    for (date, rows), (_, a), (_, b) in zip(quarters, mine, others, strict=True):
        assert len(rows) == len(a) + len(b), date
        assert all(r.country == "KOR" or r.kind in ("event", "teacher") for r in a)
        assert all(r.country != "KOR" for r in b)
    assert any(b for _, b in others), "the other governments' programmes are in the appendix"
    world.close()


def test_lesson_charts_label_every_quarter_and_no_tick_twice():
    dates = [f"{2025 + i // 4}Q{i % 4 + 1}" for i in range(8)]
    ticks, labels = quarter_ticks(dates, 3, ("en",))
    assert ticks == list(range(8)) and len(set(labels)) == 8
    assert labels[0] == "Q1\n2025" and labels[4] == "Q1\n2026" and labels[1] == "Q2\n2025"
    long = [f"{2025 + i // 4}Q{i % 4 + 1}" for i in range(20)]
    assert len(quarter_ticks(long, 5, ("en",))[0]) <= 5
    # Korean as a Korean writes a quarter on an axis (game.text.quarter_tick), the year first;
    # a page in both languages puts the Korean label under the English one, as every chart text
    assert quarter_ticks(dates, 3, ("ko",))[1][:2] == ["25년\n1분기", "25년\n2분기"]
    assert quarter_ticks(dates, 3, ("en", "ko"))[1][0] == "Q1\n2025\n25년\n1분기"
    ticks, labels = quarter_ticks(long, 10, ("ko",))
    assert ticks == list(range(0, 20, 2)) and labels[:2] == ["25년 1분기", "25년 3분기"]
    assert quarter_ticks(long, 3, ("en", "ko"))[1] == ["2025Q1\n25년 1분기", "2027Q1\n27년 1분기", "2029Q1\n29년 1분기"]
    for ticks in ([0.0, 0.0005, 0.001, 0.0015, 0.002], [0.0, 0.02, 0.04], [0.0, 0.2, 0.4, 0.6], [0.0, 0.001, 0.002]):
        decimals = percent_decimals(ticks)
        shown = [f"{t * 100:.{decimals}f}%" for t in ticks]
        assert len(set(shown)) == len(shown), shown
    assert percent_decimals([0.0, 0.2, 0.4]) == 0


def test_the_index_axis_reaches_the_grade_lines_around_the_game():
    grades = {"A": 70.0, "B": 55.0, "C": 40.0, "D": 25.0}
    bottom, top = grade_window(28.0, 36.9, grades, 2.0)
    assert bottom < 25.0 < 40.0 < top
    assert grade_window(80.0, 90.0, grades, 2.0)[0] < 70.0


def print_pages(html: str, tmp_path: Path, name: str) -> int:
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    pdf = tmp_path / f"{name}.pdf"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                    page.as_uri()], capture_output=True, timeout=120, check=True)
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install -y -qq chromium)")
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_handout_of_an_8_quarter_lesson_prints_on_four_a4_pages(handout, tmp_path, lang):
    html = handout[lang]
    cut = html.index('<section id="appendix"')
    handout_part = html[:cut] + "</body></html>"
    assert print_pages(handout_part, tmp_path, f"handout-{lang}") <= 4
    assert print_pages(html, tmp_path, f"whole-{lang}") > 4  # the appendix starts its own page
