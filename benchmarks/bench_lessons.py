"""Every lesson's point on paired seeds (issue 13: "every lesson's point still holds on 20 seeds").

    python benchmarks/bench_lessons.py [--seeds 20] [--write]

Each lesson scenario declares its question as data: its key quantities, the direction it teaches
and its counterfactual (`[[lesson.quantities]]`, `[lesson.counterfactual]`). game/lesson_compare.py
measures them for a played game against its counterfactual - the same seed, scenario and logged
decisions, one difference - and is what the lesson panel, `sim --compare` and the debrief show.
This file plays each lesson on `--seeds` seeds with the scripted choice a class makes, hands each
game to that same function, and reports per key quantity the mean of this game's summary and the
counterfactual's, the mean per-seed difference with its 95% Student-t interval, and on how many
seeds the point holds: in the taught direction, and for some quantities by the margin the
lesson's text states (the rule column). With `--write` the table goes to docs/lessons_check.md.

The plays (the counterfactual is the lesson's own):
1. bottlenecks: every country by its default; against the outage at factor 0;
2. priming water: Korea's foundry subsidy at 100% from the first quarter; against the same game without it;
3. procurement chain: the national centre buying 50/40/10 (leader/domestic/other); against all-leader;
4. export controls: every country by its default; against the round with a threshold no chip reaches.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agents.controllers import Controller  # noqa: E402
from benchmarks.bench_levers import t_interval  # noqa: E402
from benchmarks.common import revision  # noqa: E402
from benchmarks.reporting import publish  # noqa: E402
from game.actions import FoundrySubsidy, Procurement  # noqa: E402
from game.lesson_compare import Comparison, counterfactual_scenario, play_and_compare  # noqa: E402
from game.lesson_text import as_taught, summary_text, unit_text  # noqa: E402
from game.model import World  # noqa: E402
from game.scenario import Counterfactual, Scenario, load_scenario  # noqa: E402

DOC = ROOT / "docs" / "lessons_check.md"


class AtStart(Controller):
    """These Actions in the first quarter, nothing after (events: the first choice)."""

    def __init__(self, *actions) -> None:
        self.actions = list(actions)

    def decide(self, obs):
        return list(self.actions) if obs.turn == 0 else []


class Procure(Controller):
    """The national centre at its planned volume with a set vendor mix, from the first quarter."""

    def __init__(self, mix: dict[str, float]) -> None:
        self.mix = mix

    def decide(self, obs):
        return [Procurement(mix=self.mix)] if obs.turn == 0 else []  # the mix; the plan runs on


def with_event(scenario: Scenario, event_id: str, **update) -> Scenario:
    """The scenario with one event's first effect changed (game.lesson_compare's
    `counterfactual_scenario`, the one place that does it): the event still fires and draws the
    same random numbers, so the paired runs differ in that one effect only."""
    if all(e.id != event_id for e in scenario.events):
        raise ValueError(f"no event {event_id}")
    change = Counterfactual(change="event_effect", label_en="changed", label_ko="바뀐 경우", event=event_id,
                            effect=update)
    return counterfactual_scenario(scenario, change)


def play(scenario: Scenario, seed: int, controllers=None, each_turn: Callable | None = None):
    world = World(scenario, seed=seed, controllers=controllers or {}, tables=False)
    rows = []
    while not world.finished:
        world.step()
        if each_turn:
            rows.append(each_turn(world))
    world.close()
    return world, rows


# What the class does in each lesson (None: every country by its default).
PLAYS: dict[str, tuple[str, Callable[[], dict] | None]] = {
    "lesson_bottlenecks": ("defaults", None),
    "lesson_priming_water": ("subsidy 100% from 2025Q1", lambda: {"KOR": AtStart(FoundrySubsidy(rate=1.0))}),
    "lesson_procurement_chain": ("centre 50/40/10", lambda: {"KOR": Procure({"leader": 0.5, "domestic": 0.4,
                                                                             "other": 0.1})}),
    "lesson_export_controls": ("defaults", None),
}

# Margins some lesson texts state beyond the direction (game, counterfactual summaries -> holds), by
# lesson and key-quantity index; the rest hold when the direction the lesson teaches holds.
MARGINS: dict[tuple[str, int], tuple[str, Callable[[float, float], bool]]] = {
    ("lesson_bottlenecks", 0): ("game >= 3", lambda g, o: g >= 3),
    ("lesson_bottlenecks", 1): ("game < 95% of counterfactual", lambda g, o: g < 0.95 * o),
    ("lesson_procurement_chain", 0): ("by > 5 points", lambda g, o: g > o + 0.05),
    ("lesson_export_controls", 0): ("game < 60% of counterfactual", lambda g, o: g < 0.6 * o),
}


def measure(lesson: str, seed: int) -> Comparison:
    """The lesson played on `seed` as the class plays it, against its counterfactual."""
    controllers = PLAYS[lesson][1]
    return play_and_compare(load_scenario(lesson), seed, controllers() if controllers else None)


def holds(lesson: str, index: int, table) -> bool:
    """The point on one seed: the direction the lesson teaches, and its stated margin if any."""
    game, other = table.summaries
    margin = MARGINS.get((lesson, index))
    return bool(table.holds) and (margin is None or margin[1](game, other))


def fmt(x: float) -> str:
    return f"{x:+.3g}" if abs(x) >= 1e-3 or x == 0 else f"{x:+.2e}"


def run(seeds: int) -> tuple[list[str], float]:
    started = time.process_time()
    lines = ["| lesson | this game vs counterfactual | key quantity | game, mean | counterfactual, mean | "
             "difference [95% CI] | in the taught direction (readable at the precision shown) | holds on (rule) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for lesson, (played, _) in PLAYS.items():
        results = [measure(lesson, seed) for seed in range(seeds)]
        change = results[0].change
        for i, first in enumerate(results[0].tables):
            spec = first.spec
            pairs = [r.tables[i].summaries for r in results]
            mean, low, high = t_interval([g - o for g, o in pairs])
            held = sum(holds(lesson, i, r.tables[i]) for r in results)
            direction = sum(bool(r.tables[i].holds) for r in results)
            seen = sum(as_taught(r.tables[i]) for r in results)  # what the verdict calls "as the lesson teaches"
            rule = spec.direction.replace("_", " ") + (f"; {MARGINS[(lesson, i)][0]}" if (lesson, i) in MARGINS
                                                       else "")
            unit = unit_text(spec, "en") or ("share" if spec.unit == "percent" else "")
            lines.append(f"| {lesson} | {played} vs {change.label_en} | {spec.label_en}, {summary_text(first, 'en')}"
                         f"{f' ({unit})' if unit else ''} | {sum(g for g, _ in pairs) / seeds:.4g} | "
                         f"{sum(o for _, o in pairs) / seeds:.4g} | {fmt(mean)} [{fmt(low)}, {fmt(high)}] | "
                         f"{direction}/{seeds} ({seen}/{seeds}) | {held}/{seeds} ({rule}) |")
    return lines, time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--write", action="store_true", help=f"also write {DOC.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error("--seeds must be at least 2 (an interval needs two differences)")
    lines, cpu = run(args.seeds)
    header = ["# Every lesson's point on paired seeds", "",
              "Generated by `benchmarks/bench_lessons.py`: do not edit by hand. Each lesson's key quantities and "
              "counterfactual are the lesson scenario's own (`[[lesson.quantities]]`, `[lesson.counterfactual]`), "
              "measured by game/lesson_compare.py, the function behind the lesson panel, `sim --compare` and the "
              "debrief: the counterfactual re-plays the game's logged decisions on the same seed with one "
              "difference (the two games share every random draw). The table says on how many seeds each point "
              "holds as the lesson states it.", "",
              f"- command: `python benchmarks/bench_lessons.py --seeds {args.seeds}`",
              f"- date: {dt.date.today().isoformat()}; code version: `{revision()}`",
              f"- seeds: 0-{args.seeds - 1}; {cpu:.1f} s of CPU", ""]
    text = "\n".join(header + lines) + "\n"
    publish(text, DOC, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
