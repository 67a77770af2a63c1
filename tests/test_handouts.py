"""Printable handouts (issue 17, item 3): a lesson's prediction worksheet and a role sheet per
country, read from the scenario so that a handout never promises what the game does not do;
`python main.py handouts` writes them, and bad input writes nothing and exits 2. In Chromium the
Korean pages print on at most two A4 pages without text running off the page."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache

import pytest

from game.lesson_quantities import read
from game.lesson_text import format_value
from game.model import World
from game.report.handouts import HandoutError, role_sheet_html, worksheet_html, write_handouts
from game.scenario import load_scenario
from game.text import tr
from tests.clitools import run_cli
from tests.test_korean_text import KoreanText, check

LESSONS = ("lesson_bottlenecks", "lesson_priming_water", "lesson_procurement_chain", "lesson_export_controls")


@cache
def scenario(name: str):
    return load_scenario(name)


def text_of(html: str) -> str:
    page = KoreanText()
    page.feed(html)
    return "\n".join(page.text)


@pytest.mark.parametrize("name", LESSONS)
def test_a_worksheet_asks_for_every_key_quantity_against_the_counterfactual(name):
    sc = scenario(name)
    lesson = sc.lesson
    english = text_of(worksheet_html(sc, ("en",)))
    for spec in lesson.quantities:
        assert spec.label_en in english
    assert lesson.counterfactual.label_en in english
    for question in lesson.questions_en:
        assert question in english
    assert lesson.briefing_en in english
    korean = text_of(worksheet_html(sc, ("ko",)))
    assert all(spec.label_ko in korean for spec in lesson.quantities)
    assert all(q in korean for q in lesson.questions_ko)


def test_the_worksheet_quotes_the_start_and_leaves_flows_for_after_the_first_quarter():
    sc = scenario("lesson_priming_water")
    page = text_of(worksheet_html(sc, ("en",)))
    world = World(sc, seed=7, tables=False)
    try:
        by_quantity = {spec.quantity: spec for spec in sc.lesson.quantities}
        yield_now = format_value(by_quantity["node_yield"], read(world, by_quantity["node_yield"]), "en")
    finally:
        world.close()
    assert yield_now in page  # SF2's yield at the start, as the lesson panel writes it
    # Samsung's share of foreign orders exists only once orders are placed: no misleading 0 at the start.
    assert page.count(tr("handout.after_first", "en")) == 2  # that share and the spending


def test_a_scenario_without_a_lesson_has_no_worksheet():
    with pytest.raises(HandoutError, match="not a lesson"):
        worksheet_html(scenario("baseline"), ("en",))


@pytest.mark.parametrize("country", ("KOR", "USA", "CHN", "ROW"))
def test_a_role_sheet_offers_exactly_the_levers_the_scenario_gives_that_country(country):
    sc = scenario("baseline")
    page = text_of(role_sheet_html(sc, country, ("en",)))
    offered = sc.levers.offered_to(country)
    for kind in ("foundry_subsidy", "procurement", "export_control", "equity", "trade_stance", "capacity_support"):
        assert (tr(f"handout.lever.{kind}", "en") in page) == (kind in offered), kind
    if not offered:
        assert tr("handout.levers.none", "en") in page
    for kind in offered:
        lag = sc.levers.lags[kind]
        expected = {0: tr("handout.lag.none", "en"), 1: tr("handout.lag.one", "en")}.get(
            lag, tr("handout.lag.many", "en").format(n=lag))
        row = page.split(tr(f"handout.lever.{kind}", "en"), 1)[1].split("\n", 2)
        assert expected in row[1], (kind, row[:2])


def test_the_us_objective_is_its_own_and_its_weights_make_a_whole():
    sc = scenario("baseline")
    html = role_sheet_html(sc, "USA", ("en",))
    page = text_of(html)
    rule = sc.score.for_country("USA")
    assert rule is not sc.score  # the USA is scored on its own objective, not Korea's index
    for component in rule.components:
        assert component.label_en in page
    weights = [int(w) for w in re.findall(r'<tr><td>(?:(?!</td>).)*</td><td class="num">(\d+)%</td>', html)]
    assert len(weights) == len(rule.components)
    assert abs(sum(weights) - 100) <= len(weights)  # each rounded to a whole percent
    assert "Intel Foundry" in page and "Nvidia" in page  # its firms
    assert "Rebellions" not in page


def test_korea_is_asked_the_events_it_answers():
    sc = scenario("baseline")
    page = text_of(role_sheet_html(sc, "KOR", ("en",)))
    for event in sc.events:
        if event.choices and event.chooser == "KOR":
            assert event.title_en in page
            assert all(choice.label_en in page for choice in event.choices)
    usa = text_of(role_sheet_html(sc, "USA", ("en",)))
    assert not any(e.title_en in usa for e in sc.events if e.choices and e.chooser == "KOR")


def test_korean_handouts_read_as_korean():
    sc = scenario("lesson_export_controls")
    pages = {"worksheet": worksheet_html(sc, ("ko",))}
    pages |= {f"role {c}": role_sheet_html(sc, c, ("ko",)) for c in ("KOR", "USA", "CHN")}
    texts = {}
    for name, html in pages.items():
        page = KoreanText()
        page.feed(html)
        texts |= {f"{name} {i}": text for i, text in enumerate(page.text)}
    check(texts)  # no 이(가), no KOR/USA or snake_case ids, glossary terms, Korean numbers


def test_the_command_writes_every_page_and_refuses_bad_input_unchanged(tmp_path):
    out = tmp_path / "class"
    code, _, err = run_cli("handouts", "--scenario", "lesson_priming_water", "--out", str(out), "--lang", "ko",
                           "--teams", "KOR,USA")
    assert code == 0, err
    names = sorted(p.name for p in out.iterdir())
    assert names == ["lesson_priming_water_role_KOR.html", "lesson_priming_water_role_USA.html",
                     "lesson_priming_water_worksheet.html"]
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    for args, message in ((("--teams", "KOR,XYZ"), "no country XYZ"),
                          (("--scenario", "no_such"), "no such scenario"),
                          (("--lang", "fr"), "invalid choice")):
        code, _, err = run_cli("handouts", "--scenario", "lesson_priming_water", "--out", str(out), *args)
        assert code == 2 and message in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    code, _, err = run_cli("handouts", "--out", str(tmp_path / "no" / "such"))
    assert code == 2 and "does not exist" in err


def test_write_handouts_checks_the_teams_before_writing(tmp_path):
    with pytest.raises(HandoutError, match="ZZZ"):
        write_handouts("baseline", tmp_path / "x", "en", ["KOR", "ZZZ"])
    assert not (tmp_path / "x").exists()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed; install it with "
                    "`apt-get install -y -qq chromium` (.ci/run does)")
def test_korean_handouts_print_on_two_a4_pages_at_most(tmp_path):
    written = write_handouts("lesson_priming_water", tmp_path, "ko", ["KOR", "USA"])
    for page in written:
        pdf = tmp_path / f"{page.stem}.pdf"
        result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                 f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
                                 f"--print-to-pdf={pdf}", page.as_uri()], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        data = pdf.read_bytes()
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
        assert boxes and all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in boxes), "A4"
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
        assert 1 <= pages <= 2, (page.name, pages)
