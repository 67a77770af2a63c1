"""How the cost of a turn grows with the number of firms.

    python benchmarks/bench_scaling.py [--ks 1 10 100] [--turns 8] [--reps 5] [--sparse]

The world is the baseline cloned k times (benchmarks/synthetic.py: k parallel supply chains
meeting in shared markets; events, levers and the other countries' default policies act on
copy 0). `--sparse` clones it in the regional mode: copy i's open-market chips are sold only to
copy i's buyers, so every buyer's choice set stays the baseline's size (without it, every open
chip may be bought by every buyer: choice sets grow with k). For each k the script builds the World and plays the first
`--turns` quarters, `max(--reps, 100 // k)` times (interleaved across k) with different seeds, and prints firms,
agents, build time, median ms per turn, µs per agent-step and the growth against k = 1
(`x linear` is the growth divided by k: 1 means linear, k means quadratic).

Then it plays each k again with timers around every phase of `World.step` (begin_turn, the
nine numbered phases, of which 4-6 are the module functions game.upstream.clear_upstream_markets,
game.upstream.produce and game.accelerators.clear) and the helpers and market functions called
inside them, patched on the World class and as module attributes while the timed turns play
(benchmarks/common.py; game/ is not edited). It prints where a turn's time goes, as a call tree
with each part's own code, and how fast each part grows: the exponent b in time ~ k ** b
between successive k. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import itertools
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mesa
import numpy as np
from tqdm import tqdm

from benchmarks.common import PHASE_LABELS, PhaseTimer, fmt_seconds, revision, table
from benchmarks.synthetic import copy0_controllers, firm_count, scaled_scenario
from game.model import World


class TimedWorld(World):
    """A World that also records how long its calibration took while being built."""

    calibrate_seconds = 0.0

    def _calibrate(self) -> None:
        start = time.perf_counter()
        super()._calibrate()
        self.calibrate_seconds = time.perf_counter() - start


def prepare(k: int, repeats: int = 3, regional: bool = False) -> dict:
    """Build (and validate) the k-times scenario (`regional`: sparse choice sets); median
    seconds over `repeats`."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        scenario = scaled_scenario(k, regional=regional)
        seconds.append(time.perf_counter() - start)
    return {"k": k, "scenario": scenario, "firms": firm_count(scenario), "validate": statistics.median(seconds),
            "builds": [], "calibrations": [], "per_turn": [], "agents": 0}


def run_once(entry: dict, seed: int, turns: int) -> None:
    """Build the World and play `turns` quarters; append the timings to `entry`."""
    start = time.perf_counter()
    world = TimedWorld(entry["scenario"], seed, controllers=controllers(entry["k"], entry["scenario"]))
    built = time.perf_counter()
    for _ in range(turns):
        world.step()
    entry["per_turn"].append((time.perf_counter() - built) / turns)
    entry["builds"].append(built - start)
    entry["calibrations"].append(world.calibrate_seconds)
    entry["agents"] = len(world.agents)
    world.close()


def controllers(k: int, scenario) -> dict:
    """Other countries' default policies, with the firms they name pointed at copy 0."""
    return copy0_controllers(k, [c.id for c in scenario.countries])


def phase_profile(k: int, scenario, turns: int, reps: int) -> dict:
    """Seconds per turn of every timed part, inclusive and own, by call path, from `reps` timed
    runs. Only calls made inside `World.step` count (building the World is left out). The World
    is built with the timers on: Mesa 3.3 binds `step` on the instance when a model is made."""
    timer = PhaseTimer()
    for seed in range(reps):
        gc.collect()
        with timer.patched():
            world = World(scenario, seed, controllers=controllers(k, scenario))
            for _ in range(turns):
                world.step()
        world.close()
        del world
    n = reps * turns
    paths = {path: (v[0] / n, v[1] / n) for path, v in timer.paths.items() if path[0] == "step"}
    labels: dict[str, float] = {}
    for path, (seconds, _) in paths.items():
        if path[-1] not in path[:-1]:  # a part called from itself counts once
            labels[path[-1]] = labels.get(path[-1], 0.0) + seconds
    return {"paths": paths, "labels": labels, "missing": timer.missing}


def exponent(small: float, large: float, k_small: int, k_large: int) -> float:
    """b in time ~ k ** b between two clone factors."""
    if small <= 0 or large <= 0:
        return float("nan")
    return math.log(large / small) / math.log(k_large / k_small)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ks", type=int, nargs="+", default=[1, 10, 100], help="clone factors, smallest first")
    parser.add_argument("--turns", type=int, default=8, help="quarters played per run")
    parser.add_argument("--reps", type=int, default=5, help="least runs per k (small k get 100 // k)")
    parser.add_argument("--sparse", action="store_true",
                        help="regional copies: copy i's open chips sold to copy i's buyers only")
    args = parser.parse_args()
    ks = sorted(set(args.ks))

    print(f"# bench_scaling: {dt.date.today().isoformat()}, Python {platform.python_version()}, "
          f"Mesa {mesa.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs; "
          f"{revision()}; baseline cloned k times{' (regional: sparse choice sets)' if args.sparse else ''}, "
          f"first {args.turns} turns")
    reps = {k: max(args.reps, 100 // k) for k in ks}
    results = [prepare(k, regional=args.sparse) for k in tqdm(ks, desc="building scenarios", leave=False)]
    run_once(prepare(ks[0], 1, args.sparse), 10_000, args.turns)  # warm-up
    # The scenarios of every k stay alive all along: keep them out of the garbage collector's
    # full passes, which would otherwise cost more the more scenarios are held (not the game's cost).
    gc.collect()
    gc.freeze()
    # Interleaved rounds (one run of every k per round) so that a burst of load elsewhere on the
    # machine does not land on one k only.
    with tqdm(total=sum(reps.values()), desc="timed runs", leave=False) as progress:
        for seed in range(max(reps.values())):
            for entry in results:
                if seed < reps[entry["k"]]:
                    run_once(entry, seed, args.turns)
                    progress.update(1)
    for r in results:
        r.update(reps=len(r["per_turn"]), build=statistics.median(r["builds"]),
                 calibrate=statistics.median(r["calibrations"]), turn=statistics.median(r["per_turn"]),
                 turn_min=min(r["per_turn"]), turn_max=max(r["per_turn"]))
        r["agent_step"] = r["turn"] / r["agents"]

    base = results[0]
    rows = []
    for r in results:
        growth = r["turn"] / base["turn"]
        rows.append([str(r["k"]), str(r["firms"]), str(r["agents"]), str(r["reps"]),
                     fmt_seconds(r["validate"]), fmt_seconds(r["build"]), fmt_seconds(r["calibrate"]),
                     f"{r['turn'] * 1e3:.2f}", f"{r['turn_min'] * 1e3:.2f}-{r['turn_max'] * 1e3:.2f}",
                     f"{r['agent_step'] * 1e6:.1f}", f"{growth:.1f}", f"{growth / (r['k'] / base['k']):.2f}"])
    print("\n## Time per turn")
    print(table(["k", "firms", "agents", "runs", "validate", "build", "of which calibrate", "ms/turn",
                 "min-max", "µs/agent-step", f"growth vs k={base['k']}", "x linear"], rows))

    # phases
    profiles = {}
    for r in tqdm(results, desc="phase timing", leave=False):
        profiles[r["k"]] = phase_profile(r["k"], r["scenario"], args.turns, max(1, min(r["reps"], 5)))
    intervals = list(itertools.pairwise(ks))
    large = ks[-1]
    headers = ["part", *(f"k={k} ms/turn (share)" for k in ks), *(f"b {a}->{b}" for a, b in intervals)]

    def turn_total(k: int) -> float:
        return profiles[k]["paths"].get(("step",), (0.0, 0.0))[0]

    def cells(label: str, value: Callable[[int], float]) -> list[str]:
        row = [label]
        for k in ks:
            row.append(f"{value(k) * 1e3:.3f} ({value(k) / turn_total(k):.0%})")
        for a, b in intervals:
            row.append(f"{exponent(value(a), value(b), a, b):.2f}")
        return row

    def inclusive(path: tuple[str, ...]) -> Callable[[int], float]:
        return lambda k: profiles[k]["paths"].get(path, (0.0, 0.0))[0]

    def own(path: tuple[str, ...]) -> Callable[[int], float]:
        return lambda k: profiles[k]["paths"].get(path, (0.0, 0.0))[1]

    print("\n## Phases of World.step: ms per turn with the timers on, share of the turn, and b in "
          "time ~ k ** b (b = 1 linear, 2 quadratic)")
    rows = [cells(p, inclusive(("step", p))) for p in PHASE_LABELS]
    rows.append(cells("outside the phases (step's own code)", own(("step",))))
    rows.append(cells("turn (World.step)", inclusive(("step",))))
    print(table(headers, rows))
    overhead = ", ".join(f"k={r['k']} {turn_total(r['k']) * 1e3:.2f} ms ({r['turn'] * 1e3:.2f} ms without)"
                         for r in results)
    print(f"(a turn with every timer on: {overhead})")

    # The call tree under each phase, longest first at the largest k; a part with timed parts
    # inside it also gets an `(own code)` row. Parts under `min_share` of the turn at every k
    # are left out.
    every_path = set().union(*(p["paths"] for p in profiles.values()))
    min_share = 0.005

    def shown(value: Callable[[int], float]) -> bool:
        return any(value(k) >= min_share * turn_total(k) for k in ks)

    def tree(path: tuple[str, ...], depth: int, out: list[list[str]]) -> None:
        children = sorted((p for p in every_path if len(p) == len(path) + 1 and p[:-1] == path),
                          key=lambda p: -inclusive(p)(large))
        indent = "  " * depth
        out.append(cells(indent + path[-1], inclusive(path)))
        if not children:
            return
        if shown(own(path)):
            out.append(cells(f"{indent}  (own code)", own(path)))
        for child in children:
            if shown(inclusive(child)):
                tree(child, depth + 1, out)

    rows = []
    for phase in sorted(PHASE_LABELS, key=lambda p: -inclusive(("step", p))(large)):
        if shown(inclusive(("step", phase))):
            tree(("step", phase), 0, rows)
    print(f"\n## Inside the phases: the timed calls made from each part (inclusive), and the part's own "
          f"code (less those calls); parts under {min_share:.1%} of the turn at every k left out")
    print(table(headers, rows))

    market = sorted((label for label in set().union(*(p["labels"] for p in profiles.values()))
                     if label.startswith("market.")), key=lambda label: -profiles[large]["labels"].get(label, 0.0))
    print("\n## game.market maths summed over every place that calls it")
    print(table(headers, [cells(label, lambda k, label=label: profiles[k]["labels"].get(label, 0.0))
                          for label in market]))
    missing = set().union(*(p["missing"] for p in profiles.values()))
    if missing:
        print(f"(not found, skipped: {', '.join(sorted(missing))})")

    phase_time = {p: inclusive(("step", p)) for p in PHASE_LABELS}
    worst = max(PHASE_LABELS, key=lambda p: phase_time[p](large))
    if intervals:
        a, b = intervals[-1]
        fastest = max(PHASE_LABELS, key=lambda p: exponent(phase_time[p](a), phase_time[p](b), a, b))
        growth = results[-1]["turn"] / results[-2]["turn"]
        print(f"\nFrom k={a} to k={b} a turn grew {growth:.1f}x for {b // a}x the firms "
              f"(b = {exponent(results[-2]['turn'], results[-1]['turn'], a, b):.2f}); the fastest-growing phase is "
              f"{fastest} (b = {exponent(phase_time[fastest](a), phase_time[fastest](b), a, b):.2f}).")
    print(f"At k={large} the largest phase is {worst}: {phase_time[worst](large) * 1e3:.1f} ms of "
          f"{turn_total(large) * 1e3:.1f} ms a turn ({phase_time[worst](large) / turn_total(large):.0%}).")
    leaves = sorted((p for p in every_path if len(p) > 1), key=lambda p: -own(p)(large))[:6]
    parts = []
    for p in leaves:
        grow = f", b {exponent(own(p)(ks[-2]), own(p)(large), ks[-2], large):.2f}" if intervals else ""
        parts.append(f"{' > '.join(p[1:])} {own(p)(large) * 1e3:.1f} ms ({own(p)(large) / turn_total(large):.0%}"
                     f"{grow})")
    print(f"Largest own code at k={large}: " + "; ".join(parts) + ".")


if __name__ == "__main__":
    main()
