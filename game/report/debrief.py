"""The debrief report: one self-contained HTML file a teacher can project or print after a game.

It gathers what happened (the governance log, the events, the cause log, the indicators, the
score) and what would have happened had Korea done nothing new: the same scenario and seed with
Korea played by `laissez_faire` and every other country by its `default`, exactly as
`sim --control KOR=laissez_faire` plays it. The difference between the two runs is the effect of
the player's policy, which is the point of the debrief; a single run cannot show it.

Markup lives in `game.report.page`, charts in `game.report.charts` (matplotlib is imported only
there). No pygame anywhere, so the command line and the desktop game share this module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from agents.controllers import PERSON, make_controller
from game.baseline_run import baseline_world
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
class Debrief:
    world: World  # the game played
    whatif: World  # the same scenario and seed, Korea by laissez_faire
    scenario_name: str
    lesson: Comparison | None = None  # a lesson's key quantities against its counterfactual (lesson_compare)

    @property
    def dates(self) -> list[str]:
        return [h["date"] for h in self.world.history]


def languages(choice: str) -> tuple[str, ...]:
    """`--lang both` (the default) puts Korean under English everywhere."""
    return LANGUAGES if choice == "both" else (choice,)


def what_if_world(scenario_name: str, seed: int, turns: int, difficulty: Difficulty = NORMAL_GAME) -> World:
    """The game Korea would have had doing nothing new: a fresh scenario (the played world may
    have changed its copy), Korea by `laissez_faire`, the others by `default`, `turns` quarters,
    at the game's difficulty (the same budgets: `sim --difficulty D --control KOR=laissez_faire`)."""
    world = baseline_world(load_scenario(scenario_name), seed, difficulty)  # the charts' no-action game
    for _ in range(turns):
        world.step()
    return world


def debrief(world: World, scenario_name: str) -> Debrief:
    if not world.history:
        raise DebriefError("the game has not played a quarter yet: nothing to report")
    if world.scenario.score is None:
        raise DebriefError(f"the scenario '{scenario_name}' has no [score] table: the debrief compares scores")
    lesson = world.scenario.lesson
    comparison = compare_world(world) if lesson is not None and lesson.counterfactual is not None else None
    return Debrief(world, what_if_world(scenario_name, world.seed_value, world.turn, world.difficulty), scenario_name,
                   comparison)


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
    """Each Team Korea index component for the game and the what-if: weight, points and
    contribution (the end-of-term screen's numbers, `game.ui.report.breakdown`)."""
    played = term.breakdown(report.world, "en")
    ko = term.breakdown(report.world, "ko")
    whatif = {row["key"]: row for row in term.breakdown(report.whatif, "en")}
    return [{"key": p["key"], "label": {"en": p["label"], "ko": k["label"]}, "weight": p["weight"],
             "points": p["points"], "contribution": p["contribution"],
             "whatif_points": whatif[p["key"]]["points"], "whatif_contribution": whatif[p["key"]]["contribution"]}
            for p, k in zip(played, ko, strict=True)]


def finals(report: Debrief) -> dict:
    """The final index and grade of both runs and their difference."""
    played, whatif = term.final_index(report.world), term.final_index(report.whatif)
    return {"played": played, "whatif": whatif, "difference": played - whatif,
            "played_grade": term.final_grade(report.world), "whatif_grade": term.final_grade(report.whatif)}


def report_html(world: World, scenario_name: str, lang: str = "both",
                logged_names: dict[str, str] | None = None, progress=None) -> str:
    """The page; `progress(step)` is told each step as it starts ("start": the chart library
    loads, "replay": the what-if is played, "charts": the page is drawn), for a window that shows
    how far an export in the background has got (game/ui/exporter.py)."""
    say = progress or (lambda step: None)
    say("start")
    from game.report.page import render  # matplotlib and fontTools only when a report is made

    say("replay")
    report = debrief(world, scenario_name)
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
                 logged_names: dict[str, str] | None = None, progress=None) -> Path:
    check_target(out)
    html = report_html(world, scenario_name, lang, logged_names, progress)
    if progress is not None:
        progress("write")
    try:
        return write_text_atomically(out, html)
    except OSError as exc:
        raise DebriefError(f"--out {out}: cannot write: {exc.strerror or exc}") from None


def report_from_save(save: Path, out: Path, lang: str = "both", force: bool = False, one_page: bool = False,
                     team: str | None = None) -> Path:
    """`main.py report SAVE --out FILE`: re-play the save (checked as `load_game` checks it) and
    write its report (`one_page`: a team's one-page summary, game/report/onepage.py). A bad save
    or team raises SaveError or DebriefError and writes nothing."""
    check_target(out)
    world, saved = load_game(save, force=force, continuing=False, tables=False)  # a plug-in's seat: its log
    try:
        if one_page:
            from game.report.onepage import one_page_html

            html = one_page_html(world, saved.scenario.name, languages(lang), team)
            try:
                return write_text_atomically(out, html)
            except OSError as exc:
                raise DebriefError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
        return write_report(world, saved.scenario.name, out, lang, saved.controllers)
    finally:
        world.close()
