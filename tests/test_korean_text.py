"""Korean as a Korean teacher writes it (issue 17, item 5).

Every Korean string a student can meet is scanned: the Korean strings file, every `*_ko` field of
the installed scenarios, and the Korean text of played games (the cause log behind the Why?
panel, the news ticker and `sim --explain`; the `sim --lang ko` summary; refusals; the Korean
debrief page). None may hold:

- a particle left for the reader to choose ("리벨리온이(가)", "중국(으)로"): game.text picks it;
- an internal id: a snake_case word (laissez_faire) or a country code (KOR, USA) instead of a name;
- a term the glossary (assets/strings/glossary.json) replaced with its one preferred word;
- a number in a unit word with decimals ("7.56천 개", "0.1백만 달러"), "0억 원", or "$84.35B"/"792.1k".

The particle and number helpers are tested against a small table of words a Korean reads aloud.
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

from agents.controllers import make_controller
from game.actions import BrokerLink, Equity, ExportControl, FoundrySubsidy
from game.model import World
from game.reasons import in_language
from game.scenario import load_scenario
from game.summary import cause_log, text_summary
from game.text import (
    STRINGS_DIR,
    attach,
    fill,
    final_sound,
    glossary,
    korean_money,
    korean_name,
    korean_number,
    particle,
    strategy_name,
    tr,
)

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "assets" / "scenarios").glob("*.toml"))
LESSONS = [p.stem for p in SCENARIOS if p.stem.startswith("lesson_")]
HANGUL = re.compile(r"[\uac00-\ud7a3]")

PLACEHOLDER = re.compile(r"(이\(가\)|가\(이\)|은\(는\)|는\(은\)|을\(를\)|를\(을\)|과\(와\)|와\(과\)"
                         r"|\(으\)로|\(이\)라|\(이\)나|\(이\)며|\(아\)야|\(이\)다)")
SNAKE = re.compile(r"(?<![\w./\\-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./\\-])")
NUMBER = re.compile(r"(\d+\.\d+\s*(천|만|백만|천만|억|십억|조)\s*(개|달러|원|위안|엔|장)?"
                    r"|\}\s*(천|백만|십억)\s*(개|달러|원)"       # a template that would write one: "{units:.2f}천 개"
                    r"|(?<![\d,])0억|\$[\d,.]+[BMk]\b|\d[\d,]*\.\d+[kMB]\b)")
FIELD = re.compile(r"\{[^{}]*\}")


@cache
def country_codes() -> frozenset[str]:
    return frozenset(c.id for c in load_scenario("baseline").countries)


def problems(text: str) -> list[str]:
    """What is wrong in one Korean text, by rule; an empty list when nothing is."""
    found = []
    if m := PLACEHOLDER.search(text):
        found.append(f"particle placeholder {m.group(0)!r}")
    if m := NUMBER.search(text):
        found.append(f"number {m.group(0)!r}")
    plain = FIELD.sub(" ", text)  # a template's {fields} are filled in, not read
    if m := SNAKE.search(plain):
        found.append(f"internal id {m.group(0)!r}")
    codes = [w for w in re.findall(r"(?<![\w=-])[A-Z]{2,3}(?![\w=])", plain) if w in country_codes()]
    if codes:
        found.append(f"country code {codes[0]!r}")
    for term in glossary():
        for avoid in term["avoid_ko"]:
            if avoid in text:
                found.append(f"glossary: {avoid!r} is {term['ko']!r}")
    return found


def check(texts: dict[str, str]) -> None:
    """Fail with every problem found, by where it was (a list a translator can work through)."""
    bad = [f"{where}: {p}\n    {text[:160]}" for where, text in texts.items() for p in problems(text)]
    assert not bad, f"{len(bad)} problem(s) in Korean text:\n" + "\n".join(bad)


# ------------------------------------------------------------------ the helpers
@pytest.mark.parametrize(("word", "i_ga", "eul_reul", "euro_ro"), [
    ("리벨리온", "이", "을", "으로"), ("엔비디아", "가", "를", "로"), ("서울", "이", "을", "로"),  # ㄹ takes 로
    ("HBM", "이", "을", "으로"),  # 에이치비엠
    ("TSMC", "가", "를", "로"), ("AMD", "가", "를", "로"), ("SK하이닉스", "가", "를", "로"),
    ("RNGD 후속 칩", "이", "을", "으로"), ("CoWoS", "가", "를", "로"), ("Nvidia", "가", "를", "로"),
    ("Google", "이", "을", "로"), ("Samsung", "이", "을", "으로"),  # 구글 (ㄹ), 삼성 (ㅇ)
    ("1", "이", "을", "로"), ("2", "가", "를", "로"), ("3", "이", "을", "으로"), ("6", "이", "을", "으로"),
    ("10", "이", "을", "으로"), ("100", "이", "을", "으로"), ("1,000", "이", "을", "으로"),
    ("20000", "이", "을", "으로"), ("2.5", "가", "를", "로"), ("30%", "가", "를", "로"),
    ("엔비디아(Nvidia)", "가", "를", "로"), ("'중국'", "이", "을", "으로"),
])
def test_a_particle_follows_the_sound_of_the_word_before_it(word, i_ga, eul_reul, euro_ro):
    assert (particle(word, "이"), particle(word, "가")) == (i_ga, i_ga)
    assert particle(word, "을") == eul_reul and particle(word, "으로") == euro_ro
    assert attach(word, "은") == word + ("은" if i_ga == "이" else "는")
    assert attach(word, "과") == word + ("과" if i_ga == "이" else "와")


def test_final_sound_reads_hangul_letters_and_digits():
    assert final_sound("칩") == "ㅂ" and final_sound("칠") == "ㄹ" and final_sound("") == ""
    assert final_sound("HBM") == "ㅁ" and final_sound("MCU") == "" and final_sound("7") == "ㄹ"


@pytest.mark.parametrize(("value", "text"), [
    (7560, "7,560"), (7.56e3, "7,560"), (85170, "8만 5,170"), (1e8, "1억"), (1.2e9, "12억"),
    (1.2e12, "1조 2,000억"), (123456789, "1억 2,346만"), (0, "0"), (-30000, "-3만"), (999.4, "999"),
])
def test_korean_numbers_count_in_man_eok_jo(value, text):
    assert korean_number(value) == text


def test_korean_money_has_no_fraction_of_a_unit():
    assert korean_money(1e8) == "1억 달러" and korean_money(1.2e9) == "12억 달러"
    assert korean_money(1.2e12, "KRW") == "1조 2,000억 원" and korean_money(6e9, "CNY") == "60억 위안"
    assert korean_money(1.5e8) == "1억 5,000만 달러" and korean_money(40, "USD") == "1만 달러 미만"
    # nothing at all is a bare digit, its unit attached as a Korean writes it (the desk's "이번 분기 비용")
    assert korean_money(0, "KRW") == "0원" and korean_money(0.0) == "0달러"



def test_templates_choose_particles_and_units():
    assert fill("{firm|이} {to|으로} {units:n3}개", firm="리벨리온", to="미국", units=7.56) \
        == "리벨리온이 미국으로 7,560개"
    assert fill("{s:.0%|를} 지원", s=0.3) == "30%를 지원"
    assert fill("{a:m6USD} 지급, {b:m6USD|을}", a=26.876, b=0.004) == "2,690만 달러 지급, 1만 달러 미만을"
    assert fill("'{name}'{name|~은} 예약된 이름", name="autosave") == "'autosave'는 예약된 이름"
    assert tr("refuse.linked", "ko").format(designer="리벨리온", supplier="잘만") \
        == "리벨리온과 잘만은 이미 함께 일하고 있습니다"
    assert tr("cause.procurement", "ko").format(firm="리벨리온", share=0.4, buyer="국가AI컴퓨팅센터", units=7.56) \
        == "리벨리온: 의무 구매 비율(국산 40%)에 따라 국가AI컴퓨팅센터에서 7,560개 추가 주문"
    assert korean_name("RNGD successor") == "RNGD 후속 칩" and strategy_name("laissez_faire", "ko") == "자유방임"
    assert strategy_name("laissez_faire", "en") == "laissez_faire"


def test_english_counts_agree_with_their_nouns():
    """`{n|+noun}`: "1 quarter", "2 quarters" (the cause log said "after 1 quarters")."""
    assert fill("after {n|+quarter} of tests", n=1) == "after 1 quarter of tests"
    assert fill("after {n|+quarter} of tests", n=6) == "after 6 quarters of tests"
    assert tr("effect.budget_shock", "en").format(count=1, factor=2.5, quarters=8) == \
        "budgets of 1 buyer ×2.5 for 8 quarters"


def test_the_checker_catches_what_the_issue_quotes():
    """The scan itself: each finding issue 17 quotes is caught, and good Korean passes."""
    for bad in ("리벨리온이(가) 생산", "중국(으)로의 수출", "AI: default_x", "[정책 KOR]", "점수: KOR 29.7, USA 41.7",
                "7.56천 개", "0.1백만 달러", "$84.35B", "792.1k", "0억 원", "선두 업체 비중", "병목 투입물",
                "가격 차이", "{units:.2f}천 개", "laissez_faire"):
        assert problems(bad), bad
    for good in ("리벨리온이 생산", "7,560개", "1억 달러", "1조 2,000억 원", "[한국 정책]", "HBM이 병목",
                 "AMD, TSMC"):
        assert not problems(good), (good, problems(good))


# ------------------------------------------------------------------ the strings
def test_glossary_terms_are_unique_and_in_both_languages():
    seen = set()
    for term in glossary():
        assert term["ko"] and term["en"] and HANGUL.search(term["ko"])
        assert term["ko"] not in seen and term["ko"] not in term["avoid_ko"]
        seen.add(term["ko"])
    assert (STRINGS_DIR / "README.md").exists(), "the template syntax is documented next to the strings"


def test_the_korean_strings_file():
    table = json.loads((STRINGS_DIR / "game.ko.json").read_text(encoding="utf-8"))["ko"]
    check({f"game.ko.json {key}": text for key, text in table.items()})


def _ko_fields(value, where: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_ko"):
                for i, text in enumerate(item if isinstance(item, list) else [item]):
                    if isinstance(text, str):
                        out[f"{where}.{key}[{i}]"] = text
            else:
                _ko_fields(item, f"{where}.{key}", out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _ko_fields(item, f"{where}[{i}]", out)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_the_scenarios_korean_fields(path):
    found: dict[str, str] = {}
    _ko_fields(tomllib.loads(path.read_text(encoding="utf-8")), path.name, found)
    assert found or path.stem == "history_2024"
    check(found)


# ------------------------------------------------------------------ played games
@cache
def played(name: str) -> World:
    """A lesson (or 8 quarters of the baseline) with Korea by team_korea: its levers, events and
    the mechanisms they drive all write cause-log entries."""
    scenario = load_scenario(name)
    world = World(scenario, seed=3, controllers={"KOR": make_controller("KOR", "team_korea")})
    for _ in range(min(8, world.turns)):
        world.step()
    return world


@pytest.mark.parametrize("name", [*LESSONS, "baseline"])
def test_the_korean_text_of_a_played_game(name):
    world = played(name)
    texts = {f"{name} cause {e['date']} {e['key']}": e["ko"] for turn in world.causes for e in turn}
    assert len(texts) > 10
    texts[f"{name} sim --explain"] = cause_log(world, "ko")
    texts[f"{name} sim summary"] = text_summary(world, "ko")
    check(texts)


def test_korean_refusals():
    world = World(load_scenario("baseline"), seed=1)
    world.open_quarter()
    results = world.governance.submit("KOR", [Equity(firm="Rebellions", amount=1e15), Equity(firm="Nvidia", amount=1e9),
                                              ExportControl(good="hbm", to_countries=["XYZ"])])
    link = BrokerLink(designer="Rebellions", supplier="Zalman")
    results += world.governance.submit("KOR", [link, link])
    results += world.governance.submit("USA", [FoundrySubsidy(rate=0.5)])  # a lever its state does not have
    expected = "이 시나리오에서 미국에는 이 레버가 없습니다: 파운드리 가격차 보조금"
    assert in_language(results[-1].reason, "ko") == expected
    texts = {f"refusal {i}": in_language(r.reason, "ko") for i, r in enumerate(results) if r.reason}
    assert texts
    check(texts)


class KoreanText(HTMLParser):
    """The text of a Korean-only debrief page, without its style sheet and embedded data."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text.append(data.strip())


def test_the_korean_debrief_page():
    from game.report.debrief import report_html

    page = KoreanText()
    page.feed(report_html(played("lesson_export_controls"), "lesson_export_controls", "ko"))
    assert len(page.text) > 50
    check({f"debrief text {i}": text for i, text in enumerate(page.text)})


def test_scenarios_list_lessons_in_order():
    from game.cli import run_scenarios

    class Args:
        lang = "ko"

    listing = run_scenarios(Args())
    numbers = [int(n) for n in re.findall(r"수업 (\d):", listing)]
    assert numbers == sorted(numbers) == [1, 2, 3, 4]


def test_the_desktop_games_korean_panels():
    """What the desktop game draws from the same game: every country's panel and the Why? panel's
    header, values and changes for each Korea indicator and each firm's share (pygame is imported
    but nothing is drawn)."""
    from game.ui.countrypanel import country_lines
    from game.ui.whypanel import change, fmt
    from game.why import label, series

    world = played("lesson_procurement_chain")
    texts = {f"country panel {code} {i}": text for code in world.countries
             for i, (_, text) in enumerate(country_lines(world, code, "ko"))}
    keys = [f"korea:{k}" for k in world.history[-1]["korea"]]
    keys += [f"share:{market}:{firm}" for market, shares in world.history[-1]["shares"].items() for firm in shares]
    for key in keys:
        values = series(world, key)
        texts[f"why {key}"] = (f"{label(world, key, 'ko')}: {fmt(key, values[-1], 'ko')} "
                               f"({change(key, values[0], values[-1], 'ko')})")
    assert any("만" in text or "억" in text for text in texts.values())
    check(texts)


def test_new_capacity_reads_with_its_unit():
    """The capacity-support cause names what is built in the producer's own unit: thousand
    wafers as 장, million GB as GB, in Korean units (never "34.7 착공" with no unit)."""
    from game.describe import capacity

    assert capacity("foundry", 34.7, "ko") == "3만 4,700장/분기"
    assert capacity("hbm_maker", 43.0, "ko") == "4,300만 GB/분기"
    assert capacity("packager", 1.2, "ko") == "1,200장/분기"
    assert capacity("foundry", 34.7, "en") == "34.7 k wafers/qtr"
    # three significant figures, as the English: not "2,375만 8,563 GB" or "20만 3,478장"
    assert capacity("hbm_maker", 23.758563, "ko") == "2,380만 GB/분기"
    assert capacity("foundry", 203.478, "ko") == "20만 3,000장/분기"
    assert capacity("foundry", 3.906, "ko") == "3,910장/분기"


def test_the_why_panel_and_the_classroom_write_quarters_prices_and_money_in_korean():
    """Why? in Korean: quarters as 2026년 4분기 (not 2026Q4) and prices in dollars counted in
    Korean units (not a bare 16.34); the classroom's objective table: money and counts in Korean
    units (2억 4,000만 달러), not 0.24 beside a label saying 십억 달러."""
    from game.ui.whypanel import when
    from game.web.room import indicator_text
    from game.why import change as change_text
    from game.why import fmt as value_text

    assert when("2026Q4", "ko") == "2026년 4분기" and when("2026Q4", "en") == "2026Q4"
    assert value_text("price:wafer", 16.34, "ko") == "1만 6,340 달러"
    assert change_text("price:wafer", 15.70, 16.31, "ko") == "+610 달러"
    assert change_text("price:hbm", 20.5, 20.5, "ko") == "±0"
    assert value_text("price:wafer", 16.34, "en") == "16.34"
    assert indicator_text("gdp_effect", 0.24, "ko") == "2억 4,000만 달러"
    assert indicator_text("gdp_effect", 0.24, "en") == "0.24"
    for key in ("gdp_effect", "industry_revenue", "domestic_designers_cash", "policy_support_paid",
                "compute_installed"):
        label = tr(f"web.ind.{key}", "ko")
        assert "십억" not in label and "천 H100" not in label, label


def test_a_producers_price_has_its_unit_on_the_map():
    """A foundry's, HBM maker's or packager's price on the map says what it is per (never a bare
    "17.00"), in dollars counted in Korean units in Korean."""
    from game.ui.mapview import producer_price

    assert producer_price("foundry", 17.0, "ko") == "웨이퍼 장당 1만 7,000 달러"
    assert producer_price("hbm", 20.5, "ko") == "GB당 20.5 달러"
    assert producer_price("foundry", 17.0, "en") == "$17.0k per wafer"
    assert producer_price("hbm", 20.5, "en") == "$20.50 per GB"


def test_a_countrys_budget_reads_per_quarter_first():
    """The country panel says 분기당 예산 25억 달러 (the unit of time before the amount, as Korean
    puts it), not '예산: 25억 달러 / 분기'."""
    from game.ui.countrypanel import country_lines

    world = played("lesson_procurement_chain")
    for code in world.countries:
        lines = [text for _, text in country_lines(world, code, "ko")]
        assert any(text.startswith("분기당 예산 ") for text in lines), (code, lines[:3])
        assert not any(text.endswith("/ 분기") for text in lines), (code, lines[:3])


def test_a_quarter_reads_as_each_language_writes_it():
    from game.calendar import parse_quarter
    from game.text import quarter_name

    assert quarter_name(parse_quarter("2025Q4"), "ko") == "2025년 4분기"
    assert quarter_name(parse_quarter("2027Q1"), "ko") == "2027년 1분기"
    assert quarter_name(parse_quarter("2025Q4"), "en") == "2025Q4"


def test_a_charts_axis_writes_a_short_quarter_in_each_language():
    from game.calendar import parse_quarter
    from game.text import quarter_tick

    assert quarter_tick(parse_quarter("2025Q1"), "ko") == "25년 1분기"
    assert quarter_tick(parse_quarter("2029Q4"), "ko") == "29년 4분기"
    assert quarter_tick(parse_quarter("2025Q1"), "en") == "2025Q1"


def test_korean_charts_and_end_screen_write_no_2025q1(tmp_path):
    """The axes of the index chart, the charts screen and the end screen's term chart (and its
    turning points) wrote "2025Q1" in a Korean game."""
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from uitools import running_app

    from game.ui.session import Session

    session = Session("lesson_bottlenecks", 7, ai="team_korea", saves_dir=tmp_path, autosave=False)
    while not session.finished:
        session.end_turn([])
    with running_app(session, "ko") as app:
        seen: list[str] = []
        real = app.fonts.render
        app.fonts.render = lambda text, *args, **kwargs: (seen.append(text), real(text, *args, **kwargs))[1]
        app.curtain = None
        app.draw()  # the map's index chart under the end screen, and the end screen
        app.close_end_screen()
        app.toggle_charts()
        app.draw()
    quarters = [t for t in seen if re.search(r"\d{2}년 \d분기", t)]
    assert quarters and not [t for t in seen if re.search(r"\d{4}Q\d", t)], quarters


def test_a_korean_debrief_and_report_write_no_2025q1(tmp_path, monkeypatch):
    """The debrief's charts labelled their quarters 2025Q1 in a Korean page, and its cause log
    and the end screen's Markdown report named them so in Korean text."""
    from game.report import charts
    from game.report.debrief import report_html
    from game.ui.report import report_markdown
    from game.ui.session import Session

    session = Session("lesson_bottlenecks", 7, ai="team_korea", saves_dir=tmp_path, autosave=False)
    while not session.finished:
        session.end_turn([])
    world = session.world
    ticks: list[str] = []
    real = charts.quarter_ticks
    monkeypatch.setattr(charts, "quarter_ticks",
                        lambda *args, **kwargs: (lambda made: (ticks.extend(made[1]), made)[1])(real(*args, **kwargs)))
    html = report_html(world, "lesson_bottlenecks", "ko")
    assert ticks and all("분기" in t for t in ticks), ticks
    assert not [t for t in ticks if re.search(r"\d{4}Q\d|Q\d", t)], ticks
    text = re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]*"', "", html))
    assert not re.findall(r"\d{4}Q\d", text), "the page's text (the cause log's quarters)"
    korean = report_markdown(world, "lesson_bottlenecks", "ko")
    assert "2025년 1분기~2026년 4분기, 8개 분기" in korean and not re.findall(r"\d{4}Q\d", korean)
    assert " -> " not in korean and " → " in korean  # turning points as the screens write them
    assert "- 2025Q1 - 2026Q4, 8 quarters" in report_markdown(world, "lesson_bottlenecks", "en")


def test_korean_screens_name_quarters_in_korean():
    """"2025Q2 분기의 정책 책상" was English notation inside a Korean sentence."""
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from game.model import World
    from game.scenario import load_scenario
    from game.ui.handover import handover

    world = World(load_scenario("baseline"), seed=1, tables=False)
    line = handover(world, "JPN", "ko").line
    assert "2025년 1분기 정책 책상" in line and "Q" not in line, line
    assert "2025Q1" in handover(world, "JPN", "en").line
    world.close()


def test_cause_lines_a_short_game_rarely_writes_read_as_korean():
    """Lines the played games above may not reach (issue 17): an HBM qualification passed, a
    compliant variant designed, the price-gap subsidy paid for the anchor customers."""
    from game.text import tr as translate

    world = World(load_scenario("baseline"), seed=1, tables=False)
    lines = {
        "qualification": world.render("cause.qualification_passed", {
            "supplier": "Samsung", "designer": "Nvidia", "generation": "HBM3E", "quarters": 5, "yield_": 0.62}, "ko"),
        "variant": world.render("cause.variant_designed", {
            "firm": "Nvidia", "market": "China", "market_ko": "중국", "perf": 0.48, "quarters": 2}, "ko"),
        "anchor subsidy": world.render("cause.foundry_subsidy", {
            "firm": str(translate("pool.anchor", "en")), "firm_ko": str(translate("pool.anchor", "ko")),
            "amount": 12.5}, "ko"),
        "designer subsidy": world.render("cause.foundry_subsidy", {"firm": "Rebellions", "amount": 3.2}, "ko"),
    }
    assert "삼성전자" in lines["qualification"] or "삼성" in lines["qualification"]
    assert "엔비디아가" in lines["variant"] and "중국" in lines["variant"]
    assert "앵커 고객" in lines["anchor subsidy"] and "리벨리온" in lines["designer subsidy"]
    check(lines)
    world.close()


def test_every_indicator_has_a_name_in_both_languages():
    """`sim` and Why? print each indicator by its `kor.<key>` string: a new indicator without one
    printed its raw key ("kor.compute_share: 0.004")."""
    from game.describe import KOREAN_INDICATORS
    from game.indicators import INDICATOR_KEYS
    from game.text import tr as translate

    for lang in ("en", "ko"):
        for key in INDICATOR_KEYS:
            assert str(translate(f"kor.{key}", lang)) != f"kor.{key}", (lang, key)
    for key in KOREAN_INDICATORS:
        assert str(translate(f"kor.{key}.plain", "ko")) != f"kor.{key}.plain", key
    world = played("lesson_bottlenecks")
    for lang in ("en", "ko"):
        assert "kor." not in text_summary(world, lang)


def test_a_non_korean_desk_names_its_own_score():
    """A country other than Korea is scored on its own objective, and its desk's preview, end
    screen and autoplay line call it that, not the Team Korea index."""
    from game.describe import index_name
    from game.model import World
    from game.scenario import load_scenario

    world = World(load_scenario("baseline"), seed=0)
    assert index_name(world, "KOR", "en") == "Team Korea index"
    assert index_name(world, "JPN", "en") == "Japan on its own objective"
    assert index_name(world, "JPN", "ko") == "일본 목표 점수"


def test_english_writes_a_shares_change_in_points():
    """A share's change is points in English ("+1.35 points"), as Korean writes %p; "+1.35%" would
    read as a relative change."""
    assert fill("adoption {p:+.2pt}", p=0.0135) == "adoption +1.35 points"
    line = tr("cause.convergence", "en").format(industry="Steel", points=0.0135)
    assert "+1.35 points" in line and "%" not in line


def test_the_charts_legend_writes_prices_with_their_units():
    """The charts screen's legend: $16.3k/wafer in English, dollars in Korean units in Korean
    (never '16.3 천 달러/웨이퍼')."""
    from game.ui.charts import price_legend

    assert price_legend("wafer", 16.338, "en") == "$16.3k/wafer"
    assert price_legend("wafer", 16.338, "ko") == "1만 6,338 달러/웨이퍼"
    assert price_legend("hbm", 18.22, "ko") == "18.22 달러/GB"
