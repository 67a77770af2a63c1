"""Every lesson's point on paired seeds (issue 13: "every lesson's point still holds on 20 seeds").

    python benchmarks/bench_lessons.py [--seeds 20] [--write]

tests/test_lessons.py checks each classroom lesson (assets/scenarios/lesson_*.toml) on one seed, as
a teacher plays it in class. This file plays the same paired comparisons on `--seeds` seeds (the
two games of a seed share every random draw: game/streams.py) and reports, per lesson, each
quantity the lesson's point rests on: the mean of the per-seed differences with its 95% Student-t
interval, and on how many seeds the point holds as the lesson states it. With `--write` the table
goes to docs/lessons_check.md, which the lesson texts' magnitudes can be compared against.

The comparisons (the same as the tests'):
1. bottlenecks: the HBM outage against the same event with no loss (factor 0);
2. priming water: the foundry subsidy at 100% from the first quarter against nothing;
3. procurement chain: the national centre buying 50/40/10 (leader/domestic/other) against all-leader;
4. export controls: the 2025Q2 round against the same round with a threshold no chip reaches.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agents.controllers import Controller  # noqa: E402
from benchmarks.bench_levers import t_interval  # noqa: E402
from benchmarks.common import revision  # noqa: E402
from benchmarks.reporting import publish  # noqa: E402
from game.actions import FoundrySubsidy, Procurement  # noqa: E402
from game.model import World  # noqa: E402
from game.scenario import Scenario, load_scenario  # noqa: E402

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
        return [Procurement(budget=obs.plan_procurement, mix=self.mix)] if obs.turn == 0 else []


def with_event(scenario: Scenario, event_id: str, **update) -> Scenario:
    """The scenario with one event's first effect changed: the event still fires and draws the
    same random numbers, so the paired runs differ in that one effect only."""
    events = [e.model_copy(update={"effects": [e.effects[0].model_copy(update=update), *e.effects[1:]]})
              if e.id == event_id else e for e in scenario.events]
    if events == list(scenario.events):
        raise ValueError(f"no event {event_id}")
    return scenario.model_copy(update={"events": events})


def play(scenario: Scenario, seed: int, controllers=None, each_turn: Callable | None = None):
    world = World(scenario, seed=seed, controllers=controllers or {}, tables=False)
    rows = []
    while not world.finished:
        world.step()
        if each_turn:
            rows.append(each_turn(world))
    world.close()
    return world, rows


@dataclass(frozen=True)
class Measure:
    """One quantity of a lesson's point: its value per seed (treated, control) and the rule that
    says whether the point holds on that seed."""

    label: str
    unit: str
    holds: str  # the rule, in words


def bottlenecks(seed: int) -> dict[str, tuple[float, float, bool]]:
    cut = load_scenario("lesson_bottlenecks")
    intact = with_event(cut, "lesson_hbm_line_outage", factor=0.0)

    def row(world):
        nvidia = world.by_name["Nvidia"]
        return nvidia.binding == "hbm", nvidia.output, sum(d.output for d in world.designers)

    _, a = play(cut, seed, each_turn=row)
    _, b = play(intact, seed, each_turn=row)
    outage = slice(1, 5)
    bound = (sum(r[0] for r in a[outage]), sum(r[0] for r in b[outage]))
    out = (sum(r[1] for r in a[outage]), sum(r[1] for r in b[outage]))
    total = (sum(r[2] for r in a), sum(r[2] for r in b))
    return {"nvidia_hbm_bound": (*bound, bound[0] >= 3),
            "nvidia_output_outage": (*out, out[0] < 0.95 * out[1]),
            "all_output": (*total, total[0] < total[1])}


def priming_water(seed: int) -> dict[str, tuple[float, float, bool]]:
    scenario = load_scenario("lesson_priming_water")

    def state(world):
        samsung = world.by_name["Samsung Foundry"]
        foreign = total = 0.0
        for segment, node, i, wafers in world.pool.orders(world):
            if segment != "KOR" and node == "2nm":
                total += wafers
                foreign += wafers if world.foundries[i] is samsung else 0.0
        korea = world.countries["KOR"]
        return (samsung.die_yield("2nm", world.params.reference_die_area), samsung.nodes["2nm"]["volume"],
                foreign / total if total else 0.0, korea.spent_total / korea.usd_rate / 1e9)

    sub, _ = play(scenario, seed, {"KOR": AtStart(FoundrySubsidy(rate=1.0))})
    free, _ = play(scenario, seed, {"KOR": AtStart()})
    s, f = state(sub), state(free)
    return {"sf2_yield": (s[0], f[0], s[0] > f[0]), "sf2_volume": (s[1], f[1], s[1] > f[1]),
            "sf2_foreign_share": (s[2], f[2], s[2] > f[2]), "spent": (s[3], f[3], s[3] > f[3])}


def procurement_chain(seed: int) -> dict[str, tuple[float, float, bool]]:
    scenario = load_scenario("lesson_procurement_chain")
    mixed, _ = play(scenario, seed, {"KOR": Procure({"leader": 0.5, "domestic": 0.4, "other": 0.1})})
    leader, _ = play(scenario, seed, {"KOR": Procure({"leader": 1.0})})
    m, n = mixed.indicators["KOR"], leader.indicators["KOR"]
    return {key: (m[key], n[key], m[key] > n[key] + margin)
            for key, margin in (("domestic_compute_share", 0.05), ("chain_completeness", 0.0),
                                ("llm_domestic_chip_share", 0.0))}


def export_controls(seed: int) -> dict[str, tuple[float, float, bool]]:
    scenario = load_scenario("lesson_export_controls")
    harmless = with_event(scenario, "us_controls_h20", perf_above=1000.0)

    def nvidia_in_china(world):
        buyer = [b.name for b in world.buyers].index("Chinese clouds")
        designer = [d.name for d in world.designers].index("Nvidia")
        return float(world.installed[buyer, designer])

    controlled, c = play(scenario, seed, each_turn=nvidia_in_china)
    free, o = play(harmless, seed, each_turn=nvidia_in_china)
    def chinese(world, field: str) -> float:
        return sum(getattr(d, field) for d in world.designers if d.country == "CHN")

    wanted, wanted_free = chinese(controlled, "target"), chinese(free, "target")
    built, built_free = chinese(controlled, "output"), chinese(free, "output")
    return {"nvidia_installed_in_china": (c[-1], o[-1], c[-1] < 0.6 * o[-1]),
            "chinese_designers_wanted": (wanted, wanted_free, wanted > wanted_free),
            "chinese_designers_output": (built, built_free, built <= built_free + 1e-9)}


LESSONS: dict[str, tuple[str, Callable, dict[str, Measure]]] = {
    "lesson_bottlenecks": ("HBM outage vs none", bottlenecks, {
        "nvidia_hbm_bound": Measure("quarters Nvidia is HBM-bound, outage quarters 2-5", "quarters", "outage >= 3"),
        "nvidia_output_outage": Measure("Nvidia's output over quarters 2-5", "k units", "outage < 95% of intact"),
        "all_output": Measure("all designers' output over the lesson", "k units", "outage lower"),
    }),
    "lesson_priming_water": ("subsidy 100% vs none", priming_water, {
        "sf2_yield": Measure("SF2 yield (reference die), end", "share", "higher"),
        "sf2_volume": Measure("SF2 cumulative wafers, end", "k wafers", "higher"),
        "sf2_foreign_share": Measure("Samsung's share of non-Korean 2 nm orders, end", "share", "higher"),
        "spent": Measure("Korea's spending over the lesson", "US$ B", "higher (the price)"),
    }),
    "lesson_procurement_chain": ("50/40/10 vs all-leader", procurement_chain, {
        "domestic_compute_share": Measure("compute on home chips, end", "share", "higher by > 0.05"),
        "chain_completeness": Measure("chip -> LLM -> service chain, end", "share", "higher"),
        "llm_domestic_chip_share": Measure("home LLMs' compute on home chips, end", "share", "higher"),
    }),
    "lesson_export_controls": ("2025Q2 round vs a harmless one", export_controls, {
        "nvidia_installed_in_china": Measure("Nvidia compute installed at Chinese clouds, end", "k H100e",
                                             "controlled < 60% of harmless"),
        "chinese_designers_wanted": Measure("Chinese designers' planned output, last quarter (the demand handed "
                                            "to them)", "k units", "higher"),
        "chinese_designers_output": Measure("Chinese designers' output, last quarter", "k units",
                                            "no higher: they lack the HBM and wafers to serve it"),
    }),
}


def fmt(x: float) -> str:
    return f"{x:+.3g}" if abs(x) >= 1e-3 or x == 0 else f"{x:+.2e}"


def run(seeds: int) -> tuple[list[str], float]:
    started = time.process_time()
    lines = ["| lesson | comparison | quantity | treated, mean | control, mean | difference [95% CI] | holds on |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for lesson, (comparison, measure, quantities) in LESSONS.items():
        results = [measure(seed) for seed in range(seeds)]
        for key, q in quantities.items():
            treated = [r[key][0] for r in results]
            control = [r[key][1] for r in results]
            mean, low, high = t_interval([a - b for a, b in zip(treated, control, strict=True)])
            held = sum(r[key][2] for r in results)
            lines.append(f"| {lesson} | {comparison} | {q.label} ({q.unit}) | {sum(treated) / seeds:.4g} | "
                         f"{sum(control) / seeds:.4g} | {fmt(mean)} [{fmt(low)}, {fmt(high)}] | "
                         f"{held}/{seeds} ({q.holds}) |")
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
              "Generated by `benchmarks/bench_lessons.py`: do not edit by hand. tests/test_lessons.py checks each "
              "lesson on one seed; this table plays the same paired comparisons on many (the two games of a seed "
              "share every random draw) and says on how many seeds each point holds as the lesson states it.", "",
              f"- command: `python benchmarks/bench_lessons.py --seeds {args.seeds}`",
              f"- date: {dt.date.today().isoformat()}; code version: `{revision()}`",
              f"- seeds: 0-{args.seeds - 1}; {cpu:.1f} s of CPU", ""]
    text = "\n".join(header + lines) + "\n"
    publish(text, DOC, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
