"""A lesson's debrief as a handout (issue 17, item 2): the part before the appendix prints on at
most four A4 pages even with both languages, and `report --one-page` gives each team one page in
its language: its score on its own objective against its own doing-nothing game, the lesson's key
quantities, its decisions and the questions."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from game.report.onepage import OnePageError, one_page_html
from game.saves import load_game
from tests.clitools import run_cli
from tests.test_korean_text import KoreanText, check

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed; install it with "
                                    "`apt-get install -y -qq chromium` (.ci/run does)")


@pytest.fixture(scope="module")
def save(tmp_path_factory) -> Path:
    """Lesson 2 played by team_korea, which decides something nearly every quarter (the longest
    decisions table a lesson gets from the built-in players)."""
    path = tmp_path_factory.mktemp("lesson") / "lesson2.json"
    code, _, err = run_cli("sim", "--scenario", "lesson_priming_water", "--control", "KOR=team_korea",
                           "--save", str(path))
    assert code == 0, err
    return path


def pdf_pages(tmp_path: Path, page: Path) -> int:
    pdf = tmp_path / f"{page.stem}.pdf"
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
                             f"--print-to-pdf={pdf}", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


@needs_chromium
def test_the_lesson_handout_before_the_appendix_prints_on_four_pages_in_both_languages(save, tmp_path):
    out = tmp_path / "debrief.html"
    code, _, err = run_cli("report", str(save), "--out", str(out), "--lang", "both")
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    cut = html.index('<section id="appendix"')  # the appendix starts on a page of its own
    handout = tmp_path / "handout.html"
    handout.write_text(html[:cut] + html[html.index("</body>"):], encoding="utf-8")
    assert pdf_pages(tmp_path, handout) <= 4
    assert pdf_pages(tmp_path, out) > pdf_pages(tmp_path, handout)  # the appendix is still there, after it


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_one_page_per_team_prints_on_one_page(save, tmp_path, lang):
    out = tmp_path / f"team_{lang}.html"
    code, _, err = run_cli("report", str(save), "--out", str(out), "--lang", lang, "--one-page")
    assert code == 0, err
    assert pdf_pages(tmp_path, out) == 1


def test_one_page_compares_the_team_with_its_own_doing_nothing_game(save):
    world = load_game(save)[0]
    try:
        korea = KoreanText()
        korea.feed(one_page_html(world, "lesson_priming_water", ("en",)))
        text = "\n".join(korea.text)
        assert f"{world.scores['KOR']:.1f}" in text  # Korea's own score at the end
        assert "Samsung SF2 yield" in text and "without the subsidy" in text  # the lesson's key quantities
        assert "Foundry price-gap subsidy" in text  # its decisions
        usa = KoreanText()
        usa.feed(one_page_html(world, "lesson_priming_water", ("en",), team="USA"))
        words = "\n".join(usa.text)
        assert "Lead in AI chips" in words and "Korea's share of the world's AI compute" not in words  # its own rule
        assert f"{world.scores['USA']:.1f}" in words
        acted = any(e["country"] == "USA" and e.get("action") for e in world.governance.log)
        assert ("made no decision of its own" in words) == (not acted)  # its AI's decisions are its own too
        with pytest.raises(OnePageError, match="no country XYZ"):
            one_page_html(world, "lesson_priming_water", ("en",), team="XYZ")
    finally:
        world.close()


def test_one_page_reads_as_korean(save):
    world = load_game(save)[0]
    try:
        page = KoreanText()
        page.feed(one_page_html(world, "lesson_priming_water", ("ko",)))
    finally:
        world.close()
    check({f"one page {i}": text for i, text in enumerate(page.text)})


def test_a_one_page_for_a_country_the_game_has_not_is_a_usage_error_and_writes_nothing(save, tmp_path):
    out = tmp_path / "x.html"
    code, _, err = run_cli("report", str(save), "--out", str(out), "--one-page", "--team", "XYZ")
    assert code == 2 and "no country XYZ" in err and not out.exists()
