"""A race you can see (issue 16, item 5), the core half: every country's score on its own
objective ranked each quarter; the end of the term beside doing nothing; turning points that
name the levers, events and mechanisms behind the components that moved."""

from __future__ import annotations

import pytest

from agents.controllers import make_controller
from game.baseline_run import baseline_history
from game.lever_preview import component_label
from game.model import World
from game.race import race
from game.report.debrief import debrief, finals
from game.scenario import load_scenario
from game.text import tr
from game.ui import report


@pytest.fixture(scope="module")
def played():
    world = World(load_scenario("baseline"), seed=7, controllers={"KOR": make_controller("KOR", "team_korea")},
                  tables=False)
    while not world.finished:
        world.step()
    yield world
    world.close()


def test_every_country_is_ranked_by_its_own_score_every_quarter(played):
    runners = race(played, "en")
    assert [r.code for r in runners] == sorted(played.countries, key=lambda c: -played.scores[c])
    assert [r.rank for r in runners] == list(range(1, len(played.countries) + 1))
    korea = next(r for r in runners if r.code == "KOR")
    assert len(korea.scores) == played.turns
    assert korea.scores == tuple(h["score"]["KOR"] for h in played.history)
    assert korea.now == pytest.approx(played.scores["KOR"]) and korea.name == "Korea"
    assert korea.change == pytest.approx(korea.scores[-1] - korea.scores[-2])
    assert next(r for r in race(played, "ko") if r.code == "KOR").name == "한국"


def test_before_a_quarter_the_race_reads_the_opening_state():
    world = World(load_scenario("baseline"), seed=7, tables=False)
    runners = race(world, "en")
    assert all(len(r.scores) == 1 and r.change == 0.0 for r in runners)
    assert next(r for r in runners if r.code == "KOR").now == pytest.approx(world.scores["KOR"])
    world.close()


def test_the_end_of_term_comparison_is_the_debriefs(played):
    base = baseline_history(played.scenario, played.seed_value, played.turn)
    versus = report.no_action(played, base)
    assert versus is not None and versus["difference"] > 5, "team_korea beats doing nothing"
    done = finals(debrief(played, "baseline"))
    assert versus["whatif"] == pytest.approx(done["whatif"]) and versus["played"] == pytest.approx(done["played"])
    assert versus["whatif_grade"] == done["whatif_grade"]
    assert report.no_action(played, base[:-1]) is None, "not played as far: no comparison"


def test_turning_points_name_the_components_and_the_levers_that_moved_them(played):
    points = report.turning_points(played, "en")
    assert len(points) == 3 and all(tp["drivers"] for tp in points)
    levers = {tr(f"lever.{k}", "en") for k in ("capacity_support", "chip_incentive", "service_incentive",
                                               "procurement", "convergence", "foundry_subsidy")}
    text = " ".join(line for tp in points for line in tp["drivers"])
    assert any(lever in text for lever in levers), text
    index = [h["date"] for h in played.history].index(points[0]["date"])
    drivers = report.drivers(played, index, "en")
    moved = sorted(drivers, key=lambda d: -abs(d["points"]))
    assert drivers == moved and len(drivers) <= 2
    spec = played.scenario.score
    labels = {component_label(played, "KOR", c.key, "en") for c in spec.components}
    assert all(d["component"] in labels for d in drivers)
    ko = " ".join(line for tp in report.turning_points(played, "ko") for line in tp["drivers"])
    assert "점유율" in ko or "비중" in ko
    markdown = report.report_markdown(played, "baseline", "en")
    assert points[0]["drivers"][0] in markdown


def test_a_qualification_that_moved_a_component_is_named_by_its_maker(played):
    """A quarter's HBM qualifications are named by whose HBM passed ("SK hynix passes an HBM
    qualification"), once per maker, where the old line said "an HBM qualification passed"
    whoever it was, and a rival's counts for a market share (a Micron qualification lowers Korea's
    HBM share); the country's programmes at work come before the market's own causes."""
    named = {}
    for index in range(1, len(played.history)):
        for lang in ("en", "ko"):
            for d in report.drivers(played, index, lang):
                named.setdefault(lang, []).extend(d["causes"])
                makers = [c for c in d["causes"] if "HBM" in c]
                assert len(makers) == len(set(makers))
                levers = [i for i, c in enumerate(d["causes"]) if c in {tr(f"lever.{k}", lang) for k in (
                    "capacity_support", "procurement", "rd_grant")}]
                assert all(i <= min((j for j, c in enumerate(d["causes"]) if "HBM" in c), default=i) for i in levers)
    makers = {m.name for m in played.hbm_makers}
    # a market share moves with rivals' mechanisms too: where Korea's HBM share fell, the rivals'
    # qualifications come before the Korean makers', where it rose the Korean makers' first
    korean = {m.name for m in played.hbm_makers if m.country == "KOR"}
    suffix = " passes an HBM qualification"
    seen_rival = False
    for index in range(1, len(played.history)):
        for d in report.drivers(played, index, "en"):
            whose = [c.removesuffix(suffix) for c in d["causes"] if c.endswith(suffix)]
            rivals = [i for i, m in enumerate(whose) if m not in korean]
            own = [i for i, m in enumerate(whose) if m in korean]
            seen_rival = seen_rival or bool(rivals)
            if rivals and own:
                first, then = (rivals, own) if d["points"] < 0 else (own, rivals)
                assert max(first) < min(then), (played.history[index]["date"], d)
    assert seen_rival, "a rival's qualification is named where it moved Korea's share"
    en = [c for c in named["en"] if c.endswith("passes an HBM qualification")]
    assert en and all(c.removesuffix(" passes an HBM qualification") in makers for c in en)
    assert "an HBM qualification passed" not in named["en"]
    assert any(c.endswith("HBM 퀄 테스트 통과") and c.split(" HBM")[0] in {m.name_ko for m in played.hbm_makers}
               for c in named["ko"])


def test_why_a_market_share_moved_names_rivals_in_that_market_only(played):
    """Why? on Korea's HBM share lists rivals' HBM mechanisms (Micron's qualifications and new
    lines move the share as SK hynix's do), and no foundry's or packager's line: a new line's cause
    entry targets its own market's share (and a foundry's, the leading-edge capacity at home),
    where every line used to name the foundry and HBM shares both."""
    from game import why

    kinds = {f.name: f.kind for f in (*played.foundries, *played.hbm_makers, *played.packagers)}
    causes = [c for turn in why.explain(played, why.component_key("KOR", "hbm_share")) for c in turn["causes"]
              if c["source"] == "mechanism"]
    firms = {c["params"].get("firm") or c["params"].get("supplier") for c in causes}
    assert any(kinds.get(f) == "hbm_maker" and played.by_name[f].country != "KOR" for f in firms), firms
    assert not any(kinds.get(f) in ("foundry", "packager") for f in firms), firms
    # the same rule holds where the index is asked about as a whole (its components read shares)
    index = [c for turn in why.explain(played, "index") for c in turn["causes"] if c["source"] == "mechanism"]
    assert any(c["country"] not in ("KOR", "") and "hbm_share" in c["targets"] for c in index)
    for turn in played.causes:
        for c in turn:
            if c["key"] in ("cause.capacity_support", "cause.project_online", "cause.project_paid"):
                kind = kinds[c["params"]["firm"]]
                assert c["targets"][0] == {"foundry": "foundry_share", "hbm_maker": "hbm_share",
                                           "packager": "packaging_share"}[kind]


def test_an_index_s_move_is_split_exactly_into_its_components(played):
    """Why? of an index (the Team Korea index, a country's score on its own objective) says what
    each component gave to each quarter's move: weight x change in points / total weight, which
    add up to the index's move; the largest first, named by the country's rule in its language."""
    from game import why

    for key in ("index", "score:USA", "score:CHN"):
        turns = why.explain(played, key)
        assert turns
        for turn in turns:
            turn["parts"] = why.contributions(played, key, turn["turn"])
            if turn["before"] is None:
                assert turn["parts"] == [], "the first quarter has no quarter before it"
                continue
            total = sum(part for _, part in turn["parts"])
            assert total == pytest.approx(turn["after"] - turn["before"], abs=1e-9)
            sizes = [abs(part) for _, part in turn["parts"]]
            assert sizes == sorted(sizes, reverse=True)
    splits = (why.contributions(played, "score:USA", t["turn"]) for t in why.explain(played, "score:USA"))
    usa = next(parts for parts in splits if any(round(p, 1) for _, p in parts))
    line = why.parts_line(played, usa, "en")
    assert line.startswith("By component: ") and "United States" not in line, "the score's own country is not repeated"
    assert why.parts_line(played, usa, "ko").startswith("구성 요소별 기여: ")
    hbm = why.component_key("KOR", "hbm_share")
    assert all(why.contributions(played, hbm, t["turn"]) == [] for t in why.explain(played, hbm)), \
        "a component is not split further"


def test_sim_explain_says_what_each_component_gave_to_the_index_each_quarter(played):
    """`sim --explain` (game.summary.cause_log) puts the Team Korea index's move under each
    quarter's date with its components' parts, in the reader's language."""
    from game.summary import cause_log

    english = cause_log(played, "en").splitlines()
    moves = [line for line in english if line.strip().startswith("[Team Korea index]")]
    assert moves and all("By component: " in line and "→" in line for line in moves)
    assert english.index(moves[0]) > 0 and english[english.index(moves[0]) - 1].strip()[:4].isdigit(), \
        "right under a quarter's date"
    assert any(line.strip().startswith("[팀 코리아 지수]") and "구성 요소별 기여: " in line
               for line in cause_log(played, "ko").splitlines())


def test_the_readmes_cause_log_example_is_what_sim_explain_prints():
    """README's example of the index line under a quarter ("[Team Korea index] 29.0 → 29.6; By
    component: HBM share +0.4, ...") is `sim --turns 3 --explain`'s own output."""
    import re
    from pathlib import Path

    from clitools import run_cli

    readme = " ".join(Path(__file__).resolve().parent.parent.joinpath("README.md").read_text().split())
    example = re.search(r'\("(\[Team Korea index\][^"]*?), \.\.\."\)', readme)
    assert example, "the README shows an example line"
    code, out, err = run_cli("sim", "--turns", "3", "--explain")
    assert code == 0, err
    assert any(line.strip().startswith(example.group(1)) for line in out.splitlines()), example.group(1)
