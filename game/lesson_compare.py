"""A lesson's key quantities, quarter by quarter, in the game played and in its counterfactual.

A lesson scenario declares its question as data (`[[lesson.quantities]]`, `[lesson.counterfactual]`,
game/scenario.py): which numbers prove its point and what game they are compared with. This is the
one place that measures them, so the lesson panel of the desktop game, `sim --compare`, the
debrief and benchmarks/bench_lessons.py show the same numbers.

How the two games are played. Both are re-played from the game's governance log on fresh worlds
with the same scenario, seed and difficulty, the way a save is re-played (game/saves.py
`play_log`): the game's own log gives the game quarter by quarter (every quantity read from the
live world after each quarter, whatever the quantity is); the counterfactual plays the same log
with one difference - an event's effect changed in the scenario, or one country's Actions of one
kind left out or changed. Every other decision, by people and AIs alike, is the same, and every
random draw is the same (game/streams.py: one stream per source of chance), so the gap between the
two columns is what the one difference did, not noise.

Why re-play the log rather than let the AIs decide again in the counterfactual: a student's game
has only its log (its people's decisions cannot be asked again), and "everything else the same"
is the comparison a lesson states. The cost is two short games (8 quarters, well under a second).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from game.actions import parse_action
from game.calendar import parse_quarter
from game.difficulty import NORMAL_GAME, Difficulty
from game.lesson_quantities import read
from game.model import World
from game.saves import LogEntry, LogReplayer, log_entries, play_log
from game.scenario import Counterfactual, KeyQuantity, Scenario
from game.text import display_width, korean_amount, korean_number, pad, quarter_name, tr

Value = float | str


class CompareError(Exception):
    """A comparison that cannot be made (no lesson question in the scenario); the message is for
    the user as it is."""


# ---------------------------------------------------------------------- the counterfactual

def counterfactual_scenario(scenario: Scenario, change: Counterfactual) -> Scenario:
    """The scenario of the counterfactual: for `event_effect`, the event's first effect with the
    changed values (the event still fires and draws the same random numbers); otherwise the same."""
    if change.change != "event_effect":
        return scenario
    events = [e.model_copy(update={"effects": [e.effects[0].model_copy(update=change.effect or {}),
                                               *e.effects[1:]]}) if e.id == change.event else e
              for e in scenario.events]
    return scenario.model_copy(update={"events": events})


def counterfactual_log(log: list[LogEntry], change: Counterfactual) -> tuple[list[LogEntry], int]:
    """The log of the counterfactual and how many accepted Actions it changed (a refused one changed
    is refused again, or is a different decision the game never made: not counted): the country's
    Actions of the kind left out or changed (at the desk or from its controller; an Action an
    event's answer brings is the answer's, and stays)."""
    if change.change == "event_effect":
        return list(log), 0
    out, changed = [], 0
    for entry in log:
        ours = (entry.country == change.country and entry.source in ("controller", "desk")
                and entry.action is not None and entry.action.get("kind") == change.action)
        if not ours:
            out.append(entry)
        elif change.change == "without_actions":
            changed += entry.refused is None
        else:
            action = {**entry.action, **copy.deepcopy(change.fields or {})}
            parse_action(action)  # a changed Action must still be one (its fields were checked on load)
            out.append(entry.model_copy(update={"action": action}))
            changed += entry.refused is None and action != entry.action
    return out, changed


# ---------------------------------------------------------------------- playing

def replay_values(scenario: Scenario, seed: int, difficulty: Difficulty, log: list[LogEntry], turns: int,
                  quantities: list[KeyQuantity]) -> list[list[Value]]:
    """Re-play `log` for `turns` quarters on a fresh world; each quarter's value of each quantity
    ([quantity][quarter])."""
    countries = [c.id for c in scenario.countries]
    replayers = {c: LogReplayer("log", c, log) for c in countries}
    world = World(scenario, seed=seed, controllers=replayers, tables=False, difficulty=difficulty)
    values: list[list[Value]] = [[] for _ in quantities]

    def record(_turn: int) -> bool:
        for column, spec in zip(values, quantities, strict=True):
            column.append(read(world, spec))
        return False

    try:
        play_log(world, log, min(turns, world.turns), scenario.scenario.name, record)
    finally:
        world.close()
    return values


@dataclass(frozen=True)
class QuantityTable:
    """One key quantity in both games: a value per quarter, and the lesson's summary of each."""

    spec: KeyQuantity
    game: list[Value]
    other: list[Value]
    quarters: list[int]  # quarter indices (game.calendar), one per value

    def summary(self, values: list[Value]) -> float:
        """The lesson's summary of one game's values: the last quarter's, a total or a count,
        over the spec's window (the whole game so far without one)."""
        spec = self.spec
        picked = [v for q, v in zip(self.quarters, values, strict=True) if self._inside(q)]
        if not picked:
            return float("nan")
        if spec.summary == "count":
            return float(sum(v == spec.equals for v in picked))
        if spec.summary == "sum":
            return float(sum(float(v) for v in picked))
        return float(picked[-1])

    def _inside(self, quarter: int) -> bool:
        if self.spec.window is None:
            return True
        return parse_quarter(self.spec.window[0]) <= quarter <= parse_quarter(self.spec.window[1])

    @property
    def summaries(self) -> tuple[float, float]:
        return self.summary(self.game), self.summary(self.other)

    @property
    def holds(self) -> bool | None:
        """Does this game differ from the counterfactual in the direction the lesson teaches?
        None before the summary's window has begun."""
        game, other = self.summaries
        if game != game or other != other:  # NaN: nothing to sum up yet
            return None
        tolerance = 1e-9 * max(1.0, abs(game), abs(other))
        return {"higher": game > other + tolerance, "lower": game < other - tolerance,
                "not_higher": game <= other + tolerance, "not_lower": game >= other - tolerance}[self.spec.direction]


@dataclass(frozen=True)
class Comparison:
    """A lesson's key quantities in a game and its counterfactual, quarter by quarter.
    `changed`: the log entries the counterfactual changed (0 for an event's effect, whose
    difference is in the scenario); 0 for an Action counterfactual means this game never used the
    lever, so both games are the same game."""

    scenario: Scenario
    change: Counterfactual
    tables: list[QuantityTable]
    changed: int

    @property
    def same_game(self) -> bool:
        return self.change.change != "event_effect" and self.changed == 0


def compare(scenario: Scenario, seed: int, difficulty: Difficulty, log: list[LogEntry], turns: int) -> Comparison:
    """The lesson's key quantities for the first `turns` quarters of the game that `log` records
    (on `scenario` as written, before difficulty) and of its counterfactual."""
    lesson = scenario.lesson
    if lesson is None or lesson.counterfactual is None:
        raise CompareError(f"scenario '{scenario.scenario.name}' has no lesson question to compare "
                           "(no [[lesson.quantities]] and [lesson.counterfactual]); the lessons are lesson_*")
    change = lesson.counterfactual
    other_log, changed = counterfactual_log(log, change)
    game = replay_values(scenario, seed, difficulty, log, turns, lesson.quantities)
    other = replay_values(counterfactual_scenario(scenario, change), seed, difficulty, other_log, turns,
                          lesson.quantities)
    start = parse_quarter(scenario.scenario.start)
    quarters = [start + i for i in range(len(game[0]) if game else 0)]
    tables = [QuantityTable(spec, g, o, quarters) for spec, g, o in zip(lesson.quantities, game, other, strict=True)]
    return Comparison(scenario, change, tables, changed)


def compare_world(world: World) -> Comparison:
    """The comparison for the quarters `world` has played (the desktop game, `sim --compare`)."""
    return compare(world.source_scenario, world.seed_value, world.difficulty,
                   log_entries(world.governance.log), world.turn)


def compare_save(save, scenario: Scenario) -> Comparison:
    """The comparison for a save (game/saves.py SaveFile) of `scenario` (the debrief)."""
    difficulty = Difficulty(save.difficulty.level, tuple(save.difficulty.players))
    return compare(scenario, save.seed, difficulty, list(save.log), save.turn)


def play_and_compare(scenario: Scenario, seed: int, controllers: dict | None = None,
                     difficulty: Difficulty = NORMAL_GAME) -> Comparison:
    """Play a whole lesson with `controllers` (others: their defaults), then compare (benchmarks)."""
    world = World(scenario, seed=seed, controllers=controllers or {}, tables=False, difficulty=difficulty)
    try:
        while not world.finished:
            world.step()
        return compare_world(world)
    finally:
        world.close()


# ---------------------------------------------------------------------- words and numbers

def _signed(text: str, value: float) -> str:
    return text if text.startswith("-") or value == 0 else "+" + text


def format_value(spec: KeyQuantity, value: Value, lang: str) -> str:
    """A value as the table writes it: shares in percent, counts in thousands in English and in
    Korean units in Korean (7,560 not 7.56천), money in US$ billions or 억 달러, a bottleneck by its
    short name (a table cell: "demand", not the map's "demand (inputs suffice)")."""
    if isinstance(value, str):
        return tr(f"lesson.binding.{value}", lang) if spec.unit == "binding" else value
    return _number(spec, value, lang)


def _number(spec: KeyQuantity, value: float, lang: str, signed: bool = False) -> str:
    d = spec.decimals
    if spec.unit == "percent":
        text = f"{value * 100:.{d}f}"
        text = "0" if float(text) == 0 else text
        return (_signed(text, float(text)) if signed else text) + ("%p" if signed and lang == "ko" else
                                                                    " pp" if signed else "%")
    if lang == "ko" and spec.unit in ("k_units", "k_h100e", "k_wafers"):
        text = korean_number(value * 1000)
    elif lang == "ko" and spec.unit == "usd_b":
        text = korean_amount(value * 1e9) if abs(value * 1e9) >= 1e4 else "0"
    else:
        text = f"{value:,.{d}f}"
        if float(text.replace(",", "")) == 0:
            text = "0"
    return _signed(text, value) if signed and text != "0" else text


def format_difference(spec: KeyQuantity, game: Value, other: Value, lang: str) -> str:
    """This game minus the counterfactual: "=" / "≠" for a bottleneck, a signed number otherwise
    (percentage points for a share)."""
    if isinstance(game, str) or isinstance(other, str):
        return "=" if game == other else "≠"
    return _number(spec, float(game) - float(other), lang, signed=True)


def unit_text(spec: KeyQuantity, lang: str) -> str:
    """The unit a quantity's numbers are in ("" when each value carries it: percent, bottleneck)."""
    return tr(f"lesson.unit.{spec.unit}", lang)


def label(spec: KeyQuantity, lang: str) -> str:
    """The quantity's label with its unit: "Nvidia's accelerators built (thousand units)"."""
    name = spec.label_ko if lang == "ko" else spec.label_en
    unit = unit_text(spec, lang)
    return f"{name} ({unit})" if unit else name


def summary_text(table: QuantityTable, lang: str) -> str:
    """What the summary row sums up: "total 2025Q2-2026Q1", "quarters with HBM", "last quarter"."""
    spec = table.spec
    window = ""
    if spec.window is not None:
        first, last = (quarter_name(parse_quarter(q), lang) for q in spec.window)
        window = f"{first}-{last}"
    key = f"lesson.summary.{spec.summary}" + ("_window" if window else "")
    value = format_value(spec, spec.equals, lang) if spec.equals is not None else ""
    return tr(key, lang).format(window=window, value=value)


def format_summary(table: QuantityTable, value: float, lang: str) -> str:
    if value != value:
        return "-"
    if table.spec.summary == "count":
        return tr("lesson.quarters_one" if value == 1 else "lesson.quarters", lang).format(n=int(value))
    return _number(table.spec, value, lang)


def summary_difference(table: QuantityTable, lang: str) -> str:
    game, other = table.summaries
    if game != game or other != other:
        return "-"
    if table.spec.summary == "count":
        return f"{int(game - other):+d}" if game != other else "0"
    return _number(table.spec, game - other, lang, signed=True)


def readable(table: QuantityTable) -> bool:
    """Can a student read the summary's difference at the precision the table shows it (a share
    of 7.936% against 7.934% at two decimals reads "0 pp": the model's direction, not a lesson)?"""
    text = summary_difference(table, "en")
    return text not in ("-", "0") and any(c in "123456789" for c in text)


def as_taught(table: QuantityTable) -> bool:
    """The lesson's point as a student reads it: the taught direction, by a difference readable
    at the precision shown for "higher"/"lower"; for "no higher"/"no lower" a difference too small
    to read (38,264 against 38,262 units shown as 38.3 thousand both) is no difference."""
    if not table.holds:
        return table.spec.direction.startswith("not_") and table.holds is not None and not readable(table)
    return table.spec.direction.startswith("not_") or readable(table)


def verdict(table: QuantityTable, comparison: Comparison, lang: str) -> str:
    """Does this game show the lesson's point on this quantity: as taught, too small to read yet,
    not as taught, or no difference because this game never used the lever."""
    if comparison.same_game:
        return tr("lesson.verdict.same_game", lang)
    holds = table.holds
    if holds is None:
        return tr("lesson.verdict.not_yet", lang)
    if holds and table.spec.direction in ("higher", "lower") and not readable(table):
        return tr("lesson.verdict.too_small", lang).format(
            direction=tr(f"lesson.direction.{table.spec.direction}", lang))
    key = "lesson.verdict.holds" if as_taught(table) else "lesson.verdict.differs"
    return tr(key, lang).format(direction=tr(f"lesson.direction.{table.spec.direction}", lang))


@dataclass(frozen=True)
class Block:
    """One quantity's table, as text: what every front end shows (the terminal, the lesson
    panel, the debrief), so that they cannot disagree."""

    title: str
    rows: list[tuple[str, str, str, str]]  # (quarter, this game, counterfactual, difference)
    summary: tuple[str, str, str, str]  # (what is summed up, this game, counterfactual, difference)
    verdict: str


def blocks(comparison: Comparison, lang: str) -> list[Block]:
    """Each key quantity's quarter-by-quarter rows, its summary row and its verdict, in `lang`."""
    out = []
    for table in comparison.tables:
        spec = table.spec
        rows = [(quarter_name(q, lang), format_value(spec, g, lang), format_value(spec, o, lang),
                 format_difference(spec, g, o, lang))
                for q, g, o in zip(table.quarters, table.game, table.other, strict=True)]
        game, other = table.summaries
        summary = (summary_text(table, lang), format_summary(table, game, lang), format_summary(table, other, lang),
                   summary_difference(table, lang))
        out.append(Block(label(spec, lang), rows, summary, verdict(table, comparison, lang)))
    return out


def headings(comparison: Comparison, lang: str) -> tuple[str, str, str, str]:
    """The column headings: quarter, this game, the counterfactual's label, difference."""
    change = comparison.change
    return (tr("lesson.col.quarter", lang), tr("lesson.col.game", lang),
            change.label_ko if lang == "ko" else change.label_en, tr("lesson.col.difference", lang))


def text_table(comparison: Comparison, lang: str) -> str:
    """The comparison for a terminal: one aligned block per key quantity (Hangul counted as two
    columns), then the note when this game never used the lever."""
    head = headings(comparison, lang)
    parts = [tr("lesson.compare.title", lang).format(
        title=comparison.scenario.scenario.title_ko if lang == "ko" else comparison.scenario.scenario.title_en,
        other=head[2])]
    if comparison.same_game:
        parts.append(same_game_note(comparison, lang))
    for block in blocks(comparison, lang):
        lines = [head, *block.rows, block.summary]
        widths = [max(display_width(line[i]) for line in lines) for i in range(4)]
        text = [block.title]
        for n, line in enumerate(lines):
            if n == len(lines) - 1:
                text.append("  " + "-" * (sum(widths) + 6))
            text.append("  " + "  ".join(pad(cell, widths[i], right=i > 0) for i, cell in enumerate(line)))
        text.append(f"  {block.verdict}")
        parts.append("\n".join(text))
    return "\n\n".join(parts)


def same_game_note(comparison: Comparison, lang: str) -> str:
    """Why both columns are equal: this game never used the lever the counterfactual takes away."""
    return tr("lesson.compare.same_game", lang).format(lever=tr(f"lever.{comparison.change.action}", lang))


# ---------------------------------------------------------------------- the answer key

def _runs(table: QuantityTable, values: list[Value], lang: str) -> str:
    """A bottleneck quarter by quarter, equal neighbours merged: "2025Q1-2025Q2 demand, 2025Q3 HBM"."""
    parts: list[str] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            first, last = quarter_name(table.quarters[start], lang), quarter_name(table.quarters[i - 1], lang)
            when = first if start == i - 1 else f"{first}-{last}"
            parts.append(f"{when} {format_value(table.spec, values[start], lang)}")
            start = i
    return ", ".join(parts)


def answer_sentences(comparison: Comparison, table: QuantityTable, lang: str) -> list[str]:
    """What this game's numbers say about one key quantity, as sentences for the answer key: the
    quarters of a bottleneck, and the summary in both games with their difference (the verdict is
    the table's, right above it on the page)."""
    spec, other_label = table.spec, headings(comparison, lang)[2]
    name = spec.label_ko if lang == "ko" else spec.label_en
    out = []
    if isinstance(table.game[0] if table.game else 0.0, str):
        out.append(tr("lesson.answer.sequence", lang).format(label=name, game=_runs(table, table.game, lang),
                                                             counterfactual=other_label,
                                                             other=_runs(table, table.other, lang)))
    game, other = table.summaries
    amount = tr(f"lesson.amount.{spec.unit}", lang)

    def with_unit(value: str) -> str:  # "US$1.96 billion", "432만 2,679개"; a count of quarters says so itself
        if spec.summary == "count" or value == "-":
            return value
        if value[0] in "+-" and not amount.startswith("{v}"):  # the sign before the currency: -US$0.7 billion
            return value[0] + amount.format(v=value[1:])
        return amount.format(v=value)

    out.append(tr("lesson.answer.summary", lang).format(
        label=name, summary=summary_text(table, lang), game=with_unit(format_summary(table, game, lang)),
        counterfactual=other_label, other=with_unit(format_summary(table, other, lang)),
        difference=with_unit(summary_difference(table, lang))))
    return out


def answer_key(comparison: Comparison, lang: str) -> list[tuple[str, list[str]]]:
    """Each debrief question with the sentences of the key quantities that answer it (the lesson's
    `answers`), computed from the game played; a question no quantity answers is for discussion."""
    lesson = comparison.scenario.lesson
    questions = lesson.questions_ko if lang == "ko" else lesson.questions_en
    key = []
    for number, question in enumerate(questions, start=1):
        sentences = [s for table in comparison.tables if number in table.spec.answers
                     for s in answer_sentences(comparison, table, lang)]
        key.append((question, sentences or [tr("lesson.answer.none", lang)]))
    return key
