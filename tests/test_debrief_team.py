"""Every team gets a debrief on its own objective (issue 17): `report --team CODE`, by default the
save's first team played by people. A US team's debrief reports the US objective's components,
its score and grade, and its no-action game (the same seed with the USA alone doing nothing new);
with several teams a table gives each on its own objective beside its own no-action game; the
Markdown report and `sim`'s summary read the team's objective too. A country the game has not is
a usage error (exit 2) that writes nothing. Korea's debrief for a Korea game is tests/test_debrief.py's."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.controllers import Controller, make_controller
from game.actions import CapacitySupport, ExportControl
from game.baseline_run import BaselineRun
from game.difficulty import Difficulty
from game.model import World
from game.report.debrief import breakdowns, debrief, finals
from game.report.page import Words, render, teams_section
from game.saves import controller_names, document, load_game, write_save
from game.scenario import load_scenario
from game.score import component_id
from game.summary import text_summary
from game.ui.report import report_markdown
from tests.clitools import run_cli
from tests.test_debrief import Page
from tests.test_korean_text import KoreanText, check

TURNS = 6


class USATeam(Controller):
    """A US team: export controls on HBM to China and capacity support in its first quarter."""

    name = "player"

    def __init__(self) -> None:
        self.plan = [[ExportControl(good="hbm", to_countries=["CHN"]), CapacitySupport(firm="Intel Foundry", rate=0.5),
                      CapacitySupport(firm="Micron", rate=0.5)]]

    def decide(self, obs):
        return self.plan.pop(0) if self.plan else []


def played_save(path: Path, teams: tuple[str, ...]) -> Path:
    controllers = {c: USATeam() if c == "USA" else make_controller(c, "team_korea" if c == "KOR" else "default")
                   for c in teams}
    world = World(load_scenario("baseline"), seed=7, controllers=controllers, difficulty=Difficulty("normal", teams))
    try:
        for _ in range(TURNS):
            world.step()
        names = {**controller_names(world), **{c: "player" for c in teams}}  # people's seats, as the desk saves them
        return write_save(path, document(world, "baseline", names))
    finally:
        world.close()


def alone(code: str, difficulty: Difficulty) -> World:
    """The no-action game of `code`, played independently: that country by laissez_faire, at the
    game's difficulty."""
    world = World(load_scenario("baseline"), seed=7, controllers={code: make_controller(code, "laissez_faire")},
                  difficulty=difficulty)
    for _ in range(TURNS):
        world.step()
    return world


@pytest.fixture(scope="module")
def usa_save(tmp_path_factory) -> Path:
    return played_save(tmp_path_factory.mktemp("usa") / "usa.json", ("USA",))


@pytest.fixture(scope="module")
def teams_save(tmp_path_factory) -> Path:
    return played_save(tmp_path_factory.mktemp("teams") / "teams.json", ("KOR", "USA", "JPN"))


def test_a_us_teams_debrief_reads_the_us_objective_against_its_own_no_action_game(usa_save):
    world = load_game(usa_save, continuing=False)[0]
    report = debrief(world, "baseline")  # no --team: the save's team
    baseline = alone("USA", world.difficulty)
    try:
        assert report.team == "USA" and report.teams == []  # one team: no table of teams
        assert report.whatif.history == baseline.history, "the what-if is the USA doing nothing, on the same seed"
        spec = world.scenario.score.for_country("USA")
        assert [r["key"] for r in breakdowns(report)] == [component_id(c) for c in spec.components]
        final = finals(report)
        assert final["played"] == world.scores["USA"] and final["whatif"] == baseline.scores["USA"]
        assert final["difference"] != 0.0, "the US team's decisions moved its score"
        html = render(report, ("en",))
    finally:
        baseline.close()
        report.whatif.close()
        world.close()
    page = Page(html)
    assert page.sections == ["what-if", "breakdown", "turning-points", "indicators", "decisions", "causes"]
    words = page.words
    assert "Debrief report: United States" in words and "United States on its own objective" in words
    assert "What if: the United States does nothing new" in words, "English gives the name its article"
    assert "what if the United States had done nothing new" in words
    assert all(c.label_en in words for c in spec.components)
    assert "Team Korea index" not in words


def test_every_team_is_shown_on_its_own_objective_beside_its_own_no_action_game(teams_save):
    world = load_game(teams_save, continuing=False)[0]
    report = debrief(world, "baseline", "JPN")
    try:
        assert report.team == "JPN" and [r.code for r in report.teams] == ["KOR", "USA", "JPN"]
        for result in report.teams:
            baseline = alone(result.code, world.difficulty)
            try:
                assert result.played == world.scores[result.code]
                assert result.whatif == baseline.scores[result.code], result.code
            finally:
                baseline.close()
        words = Page(teams_section(report, Words(("en",)))).words
        assert "The teams' results, each on its own objective" in words and "Team Korea index" in words
        baselines = {c: BaselineRun(world.scenario, 7, c) for c in ("KOR", "USA", "JPN")}
        try:
            markdown = report_markdown(world, "baseline", "en", "USA", ["KOR", "USA", "JPN"],
                                       {c: run.upto(world.turn) for c, run in baselines.items()})
        finally:
            for run in baselines.values():
                run.close()
        usa = next(r for r in report.teams if r.code == "USA")
        assert f"**United States on its own objective: {usa.played:.1f} / 100" in markdown
        assert f"Doing nothing new (same seed): {usa.whatif:.1f}" in markdown
        assert "| Japan | Japan on its own objective |" in markdown
        summary = text_summary(world, "en")
        assert "Team Korea index:" in summary and "United States on its own objective:" in summary
    finally:
        report.whatif.close()
        world.close()


def test_report_team_picks_the_country_and_a_bad_one_exits_2_writing_nothing(teams_save, tmp_path):
    out = tmp_path / "usa.html"
    code, _, err = run_cli("report", str(teams_save), "--out", str(out), "--team", "usa", "--lang", "ko")
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    words = Page(html).words
    assert "디브리핑 보고서: 미국" in words and "미국 목표 점수" in words and "팀별 결과" in words
    korean = KoreanText()
    korean.feed(html)
    check({f"US debrief {i}": text for i, text in enumerate(korean.text)})
    bad = tmp_path / "bad.html"
    code, _, err = run_cli("report", str(teams_save), "--out", str(bad), "--team", "XYZ")
    assert code == 2 and "--team XYZ: no country XYZ in this game" in err and not bad.exists()
