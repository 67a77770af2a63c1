"""The debrief report: one self-contained HTML file a teacher can project or print after a game.

It gathers what happened (the governance log, the events, the cause log, the indicators, the
score) and what would have happened had the team's country done nothing new: the same scenario
and seed with that country played by `laissez_faire` and every other country by its `default`
(for Korea exactly as `sim --control KOR=laissez_faire` plays it). The difference between the
two runs is the effect of the team's policy, which is the point of the debrief; a single run
cannot show it.

Whose debrief. Each country is scored by its own objective (`[score.<country>]`, game/score.py).
The debrief is written for one team (`report --team CODE`; by default the first country people
played in the save, else Korea): its score and grade on its own components, its no-action game,
and, for a country other than Korea, its turning points and the indicators its objective reads.
Korea's debrief keeps the Team Korea index and Korea's key indicators. When more than one team
played, a table gives every team's result on its own objective beside its own no-action game.

Markup lives in `game.report.page`, charts in `game.report.charts` (matplotlib is imported only
there). No pygame anywhere, so the command line and the desktop game share this module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from agents.controllers import PERSON, make_controller
from game.baseline_run import PLAYER, baseline_world
from game.describe import describe_action
from game.difficulty import NORMAL_GAME, Difficulty
from game.lesson_compare import Comparison, compare_world
from game.model import World
from game.reasons import in_language
from game.saves import load_game, write_text_atomically
from game.scenario import load_scenario
from game.text import LANGUAGES, tr
from game.ui import report as term  # pure (no pygame): the end-of-term breakdown and grade

WHAT_IF = "laissez_faire"
LANG_CHOICES = (*LANGUAGES, "both")


class DebriefError(Exception):
    """The report cannot be made or written; the message says why, for the user."""


@dataclass
class Row:
    """One line of a quarter's decisions table: who, what kind, and the text in each language."""

    country: str
    kind: str  # "event", "decision", "refused", "choice", "bundle" (an Action a choice brought), "teacher"
    text: dict[str, str] = field(default_factory=dict)


@dataclass
class TeamResult:
    """One team's country at the end, on its own objective, beside its own no-action game."""

    code: str
    played: float
    whatif: float
    played_grade: str
    whatif_grade: str

    @property
    def difference(self) -> float:
        return self.played - self.whatif


@dataclass
class Debrief:
    world: World  # the game played
    whatif: World  # the same scenario and seed, the team's country by laissez_faire
    scenario_name: str
    lesson: Comparison | None = None  # a lesson's key quantities against its counterfactual (lesson_compare)
    team: str = PLAYER  # whose objective the debrief reads
    teams: list[TeamResult] = field(default_factory=list)  # every team's result, when more than one played

    @property
    def dates(self) -> list[str]:
        return [h["date"] for h in self.world.history]


def languages(choice: str) -> tuple[str, ...]:
    """`--lang both` (the default) puts Korean under English everywhere."""
    return LANGUAGES if choice == "both" else (choice,)


def what_if_world(scenario_name: str, seed: int, turns: int, difficulty: Difficulty = NORMAL_GAME,
                  code: str = PLAYER) -> World:
    """The game `code`'s country (Korea unless named) would have had doing nothing new: a fresh
    scenario (the played world may have changed its copy), that country by `laissez_faire`, the
    others by `default`, `turns` quarters, at the game's difficulty (the same budgets: `sim
    --difficulty D --control KOR=laissez_faire` for Korea)."""
    world = baseline_world(load_scenario(scenario_name), seed, difficulty, code)  # the charts' no-action game
    for _ in range(turns):
        world.step()
    return world


def teams_of(world: World) -> list[str]:
    """The countries people played (the save's teams, `world.difficulty.players`), in their order."""
    return [c for c in world.difficulty.players if c in world.countries]


def team_of(world: World, team: str | None) -> str:
    """The country a report is for: the one named (DebriefError for a code the game has no
    country for), else the first played by people, else Korea."""
    if team is not None:
        if team not in world.countries:
            raise DebriefError(f"--team {team}: no country {team} in this game "
                               f"(its countries: {', '.join(world.countries)})")
        return team
    people = teams_of(world)
    return people[0] if people else (PLAYER if PLAYER in world.countries else next(iter(world.countries)))


def result_of(world: World, whatif: World, code: str) -> TeamResult:
    played, other = term.final_index(world, code), term.final_index(whatif, code)
    return TeamResult(code, played, other, term.final_grade(world, code), term.final_grade(whatif, code))


def debrief(world: World, scenario_name: str, team: str | None = None) -> Debrief:
    """The debrief of `team`'s country (`team_of`: by default the first team people played)."""
    if not world.history:
        raise DebriefError("the game has not played a quarter yet: nothing to report")
    if world.scenario.score is None:
        raise DebriefError(f"the scenario '{scenario_name}' has no [score] table: the debrief compares scores")
    code = team_of(world, team)
    lesson = world.scenario.lesson
    comparison = compare_world(world) if lesson is not None and lesson.counterfactual is not None else None
    whatif = what_if_world(scenario_name, world.seed_value, world.turn, world.difficulty, code)
    report = Debrief(world, whatif, scenario_name, comparison, code)
    teams = teams_of(world)
    if len(teams) > 1:  # every team on its own objective, beside its own no-action game
        for other in teams:
            if other == code:
                report.teams.append(result_of(world, whatif, code))
                continue
            alone = what_if_world(scenario_name, world.seed_value, world.turn, world.difficulty, other)
            try:
                report.teams.append(result_of(world, alone, other))
            finally:
                alone.close()
    return report


def players(world: World, logged_names: dict[str, str] | None = None) -> list[tuple[str, str, bool]]:
    """(country, strategy name, played by a person?) for every country. A save names a person's
    seat `player`. Saves from before that named it `laissez_faire`, a strategy that never submits
    an Action of its own, so such a country with Actions in the log was played by a person; so was
    a hot-seat team's country (`world.difficulty.players`) whose own AI has another name."""
    names = logged_names or {code: getattr(c, "name", "default") for code, c in
                             world.governance.controllers.items()}
    acted = {e["country"] for e in world.governance.log if e.get("source") == "controller"}
    teams = set(world.difficulty.players)

    def person(code: str) -> bool:
        if names.get(code) == PERSON:
            return True
        if names.get(code) != WHAT_IF:
            return False
        return code in acted or (code in teams and make_controller(code, "default").name != WHAT_IF)

    return [(code, names.get(code, "default"), person(code)) for code in world.countries]


def quarter_rows(world: World) -> list[tuple[str, list[Row]]]:
    """Per quarter: the events that fired, then every Action submitted (accepted or refused,
    with the reason) and every answer to an event, in the order the model saw them."""
    events = {e.id: e for e in world.scenario.events}
    quarters = []
    for turn, snapshot in enumerate(world.history, start=1):
        rows = [Row(c["country"], "event", {lang: c[lang] for lang in LANGUAGES})
                for c in world.causes[turn] if c["source"] == "event"] if turn < len(world.causes) else []
        for entry in (e for e in world.governance.log if e["turn"] == turn):
            code = entry["country"]
            country = world.countries.get(code)
            currency = country.currency if country is not None else "USD"
            if entry["source"] == "choice":
                event = events.get(entry["event"])
                if event is None or not event.choices:
                    continue
                choice = event.choices[min(entry["choice"], len(event.choices) - 1)]
                rows.append(Row(code, "choice", {
                    lang: tr("cause.choice", lang).format(title=event.title_ko if lang == "ko" else event.title_en,
                                                          choice=choice.label_ko if lang == "ko" else choice.label_en)
                    for lang in LANGUAGES}))
                continue
            if entry.get("action") is None:  # a teacher's triggered event (Governance.trigger)
                event = events.get(entry.get("event"))
                if event is not None:
                    rows.append(Row(code, "teacher", {lang: tr("debrief.teacher_event", lang).format(
                        title=event.title_ko if lang == "ko" else event.title_en) for lang in LANGUAGES}))
                continue
            kind = "refused" if entry.get("refused") else ("decision" if entry["source"] == "controller" else "bundle")
            text = {lang: describe_action(entry["action"], lang, world, currency) for lang in LANGUAGES}
            if entry.get("refused"):
                text = {lang: f"{t} — {in_language(entry['refused'], lang)}" for lang, t in text.items()}
            rows.append(Row(code, kind, text))
        quarters.append((snapshot["date"], rows))
    return quarters


def people_first(world: World, quarters: list[tuple[str, list[Row]]]) -> tuple[list, list]:
    """The quarter tables split in two: what the people's countries did, with the events and the
    teacher's triggers (a lesson handout's page), and the other governments' routine programmes
    (its appendix). Every row is in one of them."""
    people = set(world.difficulty.players)
    mine = [(date, [r for r in rows if r.country in people or r.kind in ("event", "teacher")])
            for date, rows in quarters]
    others = [(date, [r for r in rows if not (r.country in people or r.kind in ("event", "teacher"))])
              for date, rows in quarters]
    return mine, others


def quarter_causes(world: World) -> list[tuple[str, list[dict]]]:
    """The cause log per quarter (`world.causes`, already rendered in both languages)."""
    return [(snapshot["date"], world.causes[turn] if turn < len(world.causes) else [])
            for turn, snapshot in enumerate(world.history, start=1)]


def breakdowns(report: Debrief) -> list[dict]:
    """Each component of the team's objective (Korea's: the Team Korea index) for the game and
    the what-if: weight, points and contribution (the end-of-term screen's numbers,
    `game.ui.report.breakdown`)."""
    code = report.team
    played = term.breakdown(report.world, "en", code)
    ko = term.breakdown(report.world, "ko", code)
    whatif = {row["key"]: row for row in term.breakdown(report.whatif, "en", code)}
    return [{"key": p["key"], "label": {"en": p["label"], "ko": k["label"]}, "weight": p["weight"],
             "points": p["points"], "contribution": p["contribution"],
             "whatif_points": whatif[p["key"]]["points"], "whatif_contribution": whatif[p["key"]]["contribution"]}
            for p, k in zip(played, ko, strict=True)]


def finals(report: Debrief) -> dict:
    """The team's final score and grade in both runs and their difference."""
    result = result_of(report.world, report.whatif, report.team)
    return {"played": result.played, "whatif": result.whatif, "difference": result.difference,
            "played_grade": result.played_grade, "whatif_grade": result.whatif_grade}


def score_series(run: World, code: str) -> list[float]:
    """`code`'s score each quarter of `run` (the game or its what-if)."""
    return term.score_series(run, code)


def turning_points(report: Debrief, lang: str) -> list[dict]:
    """The quarters that moved the team's score most, with their events and what moved which
    component (the end screen's, `game.ui.report.turning_points`)."""
    return term.turning_points(report.world, lang, code=report.team)


def report_html(world: World, scenario_name: str, lang: str = "both",
                logged_names: dict[str, str] | None = None, progress=None, team: str | None = None) -> str:
    """The page; `progress(step)` is told each step as it starts ("start": the chart library
    loads, "replay": the what-if is played, "charts": the page is drawn), for a window that shows
    how far an export in the background has got (game/ui/exporter.py)."""
    say = progress or (lambda step: None)
    say("start")
    from game.report.page import render  # matplotlib and fontTools only when a report is made

    say("replay")
    report = debrief(world, scenario_name, team)
    try:
        say("charts")
        return render(report, languages(lang), logged_names)
    finally:
        report.whatif.close()  # the what-if is played for this page only: released from Mesa's registry


def check_target(out: Path) -> None:
    """Refuse an output path that cannot work before any game is re-played."""
    if out.suffix.lower() not in (".html", ".htm"):
        raise DebriefError(f"--out {out}: the report is HTML; give a file name ending in .html")
    if out.is_dir():
        raise DebriefError(f"--out {out}: is a folder; give a file name ending in .html")
    if not out.parent.is_dir():
        raise DebriefError(f"--out {out}: the folder {out.parent} does not exist (create it first)")
    if not os.access(out.parent, os.W_OK):
        raise DebriefError(f"--out {out}: the folder {out.parent} is not writable")


def write_report(world: World, scenario_name: str, out: Path, lang: str = "both",
                 logged_names: dict[str, str] | None = None, progress=None, team: str | None = None) -> Path:
    check_target(out)
    html = report_html(world, scenario_name, lang, logged_names, progress, team)
    if progress is not None:
        progress("write")
    try:
        return write_text_atomically(out, html)
    except OSError as exc:
        raise DebriefError(f"--out {out}: cannot write: {exc.strerror or exc}") from None


def report_from_save(save: Path, out: Path, lang: str = "both", force: bool = False, one_page: bool = False,
                     team: str | None = None) -> Path:
    """`main.py report SAVE --out FILE [--team CODE]`: re-play the save (checked as `load_game`
    checks it) and write its report for `team`'s country (`team_of`; `one_page`: a team's
    one-page summary, game/report/onepage.py). A bad save or team raises SaveError or
    DebriefError and writes nothing."""
    check_target(out)
    world, saved = load_game(save, force=force, continuing=False, tables=False)  # a plug-in's seat: its log
    try:
        team_of(world, team)  # a country the game has not: said before any page is made
        if one_page:
            from game.report.onepage import one_page_html

            html = one_page_html(world, saved.scenario.name, languages(lang), team)
            try:
                return write_text_atomically(out, html)
            except OSError as exc:
                raise DebriefError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
        return write_report(world, saved.scenario.name, out, lang, saved.controllers, team=team)
    finally:
        world.close()
