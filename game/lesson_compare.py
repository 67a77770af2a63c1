"""A lesson's key quantities, quarter by quarter, in the game played and in its counterfactual.

A lesson scenario declares its question as data (`[[lesson.quantities]]`, `[lesson.counterfactual]`,
game/scenario.py): which numbers prove its point and what game they are compared with. This is the
one place that measures them, so the lesson panel of the desktop game, `sim --compare`, the
debrief and benchmarks/bench_lessons.py show the same numbers (game/lesson_text.py words them).

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
    world = World(scenario, seed=seed, controllers=replayers, tables=False, difficulty=difficulty,
                  explains=False)  # read for its quantities only
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
