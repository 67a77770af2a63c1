"""The debrief report (`main.py report SAVE --out FILE.html`): every section, valid embedded
charts and font, both languages, the what-if equal to an independent laissez_faire game, and bad
input refused with exit code 2 and no file written."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from agents.controllers import Controller, make_controller
from game import fontfiles, saves
from game.actions import FoundrySubsidy
from game.difficulty import Difficulty
from game.model import World
from game.reasons import in_language
from game.report.debrief import debrief, players, quarter_rows
from game.saves import load_game
from game.scenario import load_scenario
from tests.clitools import run_cli

TURNS = 8
SECTIONS = ("what-if", "breakdown", "indicators", "decisions", "causes")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


class Page(HTMLParser):
    """What a reader and a browser get from the page: text by language, sections, images, links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.images: list[str] = []
        self.external: list[str] = []
        self.headings: list[str] = []
        self.text: list[str] = []
        self._in: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._in.append(tag)
        if tag == "section":
            self.sections.append(attrs.get("id", ""))
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        for key in ("src", "href"):
            if key in attrs and not attrs[key].startswith("data:"):
                self.external.append(attrs[key])
        if tag in ("link", "script", "iframe"):
            self.external.append(tag)

    def handle_endtag(self, tag):
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data):
        if self._in and self._in[-1] == "style":
            return
        self.text.append(data)
        if any(t in ("h1", "h2", "h3") for t in self._in):
            self.headings.append(data)

    @property
    def words(self) -> str:
        return " ".join(self.text)


@pytest.fixture(scope="module")
def save(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("save") / "game.json"
    code, _, err = run_cli("sim", "--control", "KOR=team_korea", "--turns", str(TURNS), "--save", str(path))
    assert code == 0, err
    return path


@pytest.fixture(scope="module")
def report(save, tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("report") / "debrief.html"
    code, stdout, err = run_cli("report", str(save), "--out", str(out))
    assert code == 0, err
    assert str(out) in stdout
    return out, out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def played(save) -> World:
    return load_game(save)[0]


def test_the_report_has_every_section_and_every_quarter(report, played):
    _, html = report
    page = Page(html)
    assert page.sections == list(SECTIONS)
    dates = [h["date"] for h in played.history]
    assert dates[0] == "2025Q1" and len(dates) == TURNS
    for date in dates:  # a row per quarter in the decisions table, a heading per quarter in the cause log
        assert page.headings.count(date) == 1, date
        assert f'<th scope="row"><span lang="en">{date}</span>' in html, date
    assert f"{dates[0]} – {dates[-1]}" in page.words
    assert "2025년 1분기 – " in page.words, "the term in Korean quarters, not 2025Q1 in Korean text"
    assert "Event</span></span> <span class=\"en\" lang=\"en\">Event - " not in html, "the tag says it once"
    assert ">Event - " not in html and ">사건 - " not in html
    assert "team_korea" in page.words and "seed" in page.words.lower()


def test_both_languages_are_on_the_page_by_default(report):
    page = Page(report[1])
    for english, korean in (("Decisions and events, quarter by quarter", "분기별 결정과 사건"),
                            ("The score, component by component", "점수 구성 요소별 분석"),
                            ("Team Korea: AI Chip Conductor · Debrief report",
                             "팀 코리아: AI 칩 컨덕터 · 디브리핑 보고서")):
        assert english in page.headings and korean in page.headings
    assert 'lang="ko"' in report[1] and 'lang="en"' in report[1]
    causes = report[1][report[1].index('id="causes"'):]
    assert "By component: " in causes and "구성 요소별 기여: " in causes, \
        "under a quarter's date, what each component gave to the score (as the Why? panel says it)"


def test_every_image_is_a_valid_embedded_png_and_nothing_is_fetched(report):
    page = Page(report[1])
    assert len(page.images) == 4  # the index with its what-if, shares, the chain, compute and prices
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        data = base64.b64decode(src.split(",", 1)[1], validate=True)
        image = Image.open(io.BytesIO(data))
        image.verify()
        assert image.format == "PNG" and image.size[0] >= 800 and image.size[1] >= 250
    assert page.external == []
    assert all(u.startswith("data:") for u in re.findall(r"url\(\"?([^)\"]+)", report[1]))


def test_the_font_is_embedded_and_cut_to_the_page(report):
    html = report[1]
    fonts = re.findall(r'src: url\("data:font/woff;base64,([A-Za-z0-9+/=]+)"\)', html)
    assert len(fonts) == 2  # regular and bold
    needed = {ord(c) for c in "".join(Page(html).text) if HANGUL.match(c)}
    assert len(needed) > 100
    for data in fonts:
        font = TTFont(io.BytesIO(base64.b64decode(data)))
        cmap = font.getBestCmap()
        assert needed <= set(cmap), "every Hangul syllable on the page is in the embedded font"
        assert len(font.getGlyphOrder()) < 1500, "subset, not the whole 17,000-glyph font"
    assert len(html.encode()) < 1_500_000


def test_the_what_if_is_an_independent_laissez_faire_game(report, played):
    alone = World(load_scenario("baseline"), seed=7, controllers={"KOR": make_controller("KOR", "laissez_faire")})
    for _ in range(TURNS):
        alone.step()
    assert debrief(played, "baseline").whatif.history == alone.history
    code, out, _ = run_cli("sim", "--control", "KOR=laissez_faire", "--turns", str(TURNS), "--json")
    assert code == 0
    cli_total = json.loads(out)["final"]["korea_index"]["total"]
    whatif_total = alone.history[-1]["korea_index"]["total"]
    assert cli_total == round(whatif_total, 6)
    played_total = played.history[-1]["korea_index"]["total"]
    section = report[1].split('id="what-if"', 1)[1].split("</section>", 1)[0]
    cells = re.findall(r'<td class="num">(?:<span class="[a-z]*">)?([+-]?\d+\.\d)', section)
    assert cells == [f"{played_total:.1f}", f"{whatif_total:.1f}", f"{played_total - whatif_total:+.1f}"]
    assert played_total - whatif_total > 1.0, "team_korea's policy shows against doing nothing"


def test_the_breakdown_adds_up_to_each_runs_index(report, played):
    section = report[1].split('id="breakdown"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr><td>.*?</tr>", section)
    assert len(rows) == len(played.scenario.score.components)
    numbers = [[float(x) for x in re.findall(r'<td class="num">(?:<span class="[a-z]*">)?([+-]?\d+\.\d)', r)]
               for r in rows]
    weights = [float(w) for r in rows for w in re.findall(r'<td class="num">(\d+)%', r)]
    assert sum(weights) == pytest.approx(100, abs=len(rows))
    whatif = debrief(played, "baseline").whatif
    for column, world in ((1, played), (3, whatif)):  # contribution columns
        total = world.history[-1]["korea_index"]["total"]
        assert sum(n[column] for n in numbers) == pytest.approx(total, abs=0.1 * len(rows))


def test_every_logged_action_and_event_is_in_the_quarter_tables(played):
    rows = [r for _, quarter in quarter_rows(played) for r in quarter]
    logged = [e for e in played.governance.log if e.get("action") is not None]
    assert sum(r.kind in ("decision", "refused", "bundle") for r in rows) == len(logged)
    fired = [c for turn in played.causes[1:] for c in turn if c["source"] == "event"]
    assert [r.text["en"] for r in rows if r.kind == "event"] == [c["en"] for c in fired]
    for row, entry in zip((r for r in rows if r.kind in ("decision", "refused", "bundle")), logged, strict=True):
        assert (row.kind == "refused") == bool(entry["refused"])
        if entry["refused"]:
            assert entry["refused"] in row.text["en"] and in_language(entry["refused"], "ko") in row.text["ko"]
            assert HANGUL.search(in_language(entry["refused"], "ko")), "the model's reason is in Korean too"
        assert HANGUL.search(row.text["ko"]) and not HANGUL.search(row.text["en"])


def test_a_country_whose_logged_actions_are_its_own_is_shown_as_played_by_a_person():
    class Person(Controller):  # what the desktop game's PlayerController records: laissez_faire
        def decide(self, obs):
            return [FoundrySubsidy(rate=0.3)] if obs.turn == 0 else []

    world = World(load_scenario("baseline"), seed=3, controllers={"KOR": Person()})
    world.step()
    roles = {code: (name, person) for code, name, person in players(world)}
    assert roles["KOR"] == ("laissez_faire", True)
    assert roles["ROW"] == ("default", False) and roles["USA"] == ("default", False)
    assert roles["KOR"] != roles["ROW"]  # a strategy's own name, not a person's, for a state no one plays


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_one_language_only(save, tmp_path, lang):
    out = tmp_path / f"{lang}.html"
    code, _, err = run_cli("report", str(save), "--out", str(out), "--lang", lang)
    assert code == 0, err
    page = Page(out.read_text(encoding="utf-8"))
    words = page.words
    if lang == "en":
        assert not HANGUL.search(words) and "Decisions and events, quarter by quarter" in page.headings
    else:
        assert "분기별 결정과 사건" in page.headings and "Decisions and events, quarter by quarter" not in words
        assert len(HANGUL.findall(words)) > 1000


def _truncated(good: str) -> str:
    return good[: len(good) // 2]


def _tampered(good: str) -> str:
    doc = json.loads(good)
    firm = next(iter(doc["state"]["firms"]))
    doc["state"]["firms"][firm]["cash"] += 1.0
    return json.dumps(doc)


def _nan(good: str) -> str:
    return good.replace('"seed": 7', '"seed": NaN', 1)


@pytest.mark.parametrize("make", [_truncated, _tampered, _nan, lambda good: "[1, 2, 3]",
                                  lambda good: '{"format": "something else"}', lambda good: "\x00\xff" * 10])
def test_a_bad_save_exits_2_and_writes_nothing(save, tmp_path, make):
    bad = tmp_path / "bad.json"
    bad.write_text(make(save.read_text(encoding="utf-8")), encoding="utf-8", errors="surrogateescape")
    out = tmp_path / "out" / "report.html"
    out.parent.mkdir()
    out.write_text("the previous report", encoding="utf-8")
    code, stdout, err = run_cli("report", str(bad), "--out", str(out))
    assert code == 2 and err.startswith("error: ") and str(bad) in err and "Traceback" not in err
    assert stdout == ""
    assert out.read_text(encoding="utf-8") == "the previous report"
    assert [p.name for p in out.parent.iterdir()] == ["report.html"], "no temporary file left behind"


def test_a_missing_save_or_one_that_climbs_out_of_its_folder_is_refused(tmp_path):
    for name, problem in ((str(tmp_path / "nowhere.json"), "no such file"), ("../x.json", "climb")):
        code, _, err = run_cli("report", name, "--out", str(tmp_path / "r.html"))
        assert code == 2 and problem in err
    assert not (tmp_path / "r.html").exists()


def test_out_into_a_missing_folder_or_not_html_is_a_clear_error(save, tmp_path):
    missing = tmp_path / "no" / "such" / "folder" / "r.html"
    code, _, err = run_cli("report", str(save), "--out", str(missing))
    assert code == 2 and "does not exist" in err and str(missing.parent) in err
    assert not (tmp_path / "no").exists()
    code, _, err = run_cli("report", str(save), "--out", str(tmp_path / "r.pdf"))
    assert code == 2 and ".html" in err and not (tmp_path / "r.pdf").exists()
    code, _, err = run_cli("report", str(save), "--out", str(tmp_path))
    assert code == 2 and "folder" in err
    code, _, err = run_cli("report", str(save))
    assert code == 2 and "--out" in err


def test_the_print_stylesheet_starts_each_big_section_on_a_new_a4_page(report):
    html = report[1]
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "@page { size: A4" in style
    media = style.split("@media print", 1)[1]
    assert "section.major { break-before: page; }" in media
    assert html.count('class="major"') == 4  # every section after the first page


@cache
def _full_cmap() -> frozenset[int]:
    with TTFont(str(fontfiles.regular())) as font:
        return frozenset(font.getBestCmap())


@settings(max_examples=6, deadline=None)
@given(st.text(alphabet=st.sampled_from("가각간팀코리아지수한국점유율 ABCxyz0189%.,→·"), min_size=1, max_size=40))
def test_a_subset_font_keeps_every_character_of_its_text(text):
    font = TTFont(io.BytesIO(fontfiles.subset_woff(fontfiles.regular(), text)))
    kept = set(font.getBestCmap())
    assert {ord(c) for c in text if ord(c) in _full_cmap()} <= kept
    assert len(kept) <= len(set(text)) + 5


def test_the_debrief_core_loads_neither_pygame_nor_matplotlib_until_a_report_is_drawn():
    code = ("import sys, game.report.debrief, game.describe, game.fontfiles; "
            "print(sorted(m for m in ('pygame', 'matplotlib', 'fontTools.subset') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_a_save_of_a_game_not_yet_begun_has_nothing_to_report(tmp_path):
    world = World(load_scenario("baseline"), seed=7)
    save = saves.write_save(tmp_path / "new.json", saves.document(world, "baseline"))
    code, _, err = run_cli("report", str(save), "--out", str(tmp_path / "r.html"))
    assert code == 2 and "nothing to report" in err and not (tmp_path / "r.html").exists()


def test_a_teachers_triggered_event_is_a_row_then_fires_the_next_quarter():
    world = World(load_scenario("baseline"), seed=7)
    world.step()
    assert world.governance.trigger("video_demand_surge") is None
    world.step()
    (first, rows1), (second, rows2) = quarter_rows(world)
    assert second == "2025Q2"
    teacher = [r for r in rows1 if r.kind == "teacher"]
    assert first == "2025Q1" and len(teacher) == 1
    assert "Generative video takes off" in teacher[0].text["en"] and HANGUL.search(teacher[0].text["ko"])
    assert any(r.kind == "event" and "Generative video takes off" in r.text["en"] for r in rows2)


def test_the_what_if_is_played_at_the_games_difficulty(tmp_path):
    save, out = tmp_path / "hard.json", tmp_path / "hard.html"
    assert run_cli("sim", "--difficulty", "hard", "--control", "KOR=team_korea", "--turns", "3",
                   "--save", str(save))[0] == 0
    played = load_game(save)[0]
    alone = World(load_scenario("baseline"), seed=7, controllers={"KOR": make_controller("KOR", "laissez_faire")},
                  difficulty=Difficulty("hard"))
    for _ in range(3):
        alone.step()
    assert debrief(played, "baseline").whatif.history == alone.history
    code, json_out, _ = run_cli("sim", "--difficulty", "hard", "--control", "KOR=laissez_faire", "--turns", "3",
                                "--json")
    assert code == 0
    assert json.loads(json_out)["final"]["korea_index"]["total"] == round(alone.history[-1]["korea_index"]["total"], 6)
    assert run_cli("report", str(save), "--out", str(out))[0] == 0
    words = Page(out.read_text(encoding="utf-8")).words
    assert "Hard: Your budget x0.7; every rival's x1.3" in words
    assert "어려움: 내 예산 0.7배, 경쟁국 예산은 1.3배" in words


def test_a_hot_seat_team_that_did_nothing_is_still_shown_as_people():
    teams = Difficulty("normal", ("KOR", "JPN"))
    world = World(load_scenario("baseline"), seed=3, controllers={"JPN": Controller()}, difficulty=teams)
    world.step()
    roles = {code: person for code, _, person in players(world)}
    assert roles["JPN"] and not roles["KOR"] and not roles["ROW"] and not roles["USA"]


def test_reports_release_their_worlds_from_mesas_registry(save, tmp_path):
    """Each report re-plays the save and plays the what-if; neither may stay pinned in Mesa's
    agent-id registry (`mesa.Agent._ids`, ~0.6 MB a game) once the page is written."""
    import mesa

    from game.report.debrief import report_from_save, write_report

    report_from_save(save, tmp_path / "warm.html", "en")
    before = len(mesa.Agent._ids)
    for i in range(3):
        report_from_save(save, tmp_path / f"again-{i}.html", "en")
    assert len(mesa.Agent._ids) == before, "the command line's report keeps no world"
    world = load_game(save)[0]
    with_game = len(mesa.Agent._ids)
    for i in range(3):  # the end-of-term screen's Export: the game stays, its what-if goes
        write_report(world, "baseline", tmp_path / f"export-{i}.html", "en")
    assert len(mesa.Agent._ids) == with_game and world in mesa.Agent._ids
    world.close()
    assert len(mesa.Agent._ids) == before
