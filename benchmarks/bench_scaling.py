"""How the cost of a turn grows with the number of firms.

    python benchmarks/bench_scaling.py [--ks 1 10 100] [--turns 8] [--reps 5]

The world is the baseline cloned k times (benchmarks/synthetic.py: k parallel supply chains
meeting in shared markets). For each k the script builds the World and plays the first
`--turns` quarters, `max(--reps, 100 // k)` times (interleaved across k) with different seeds, and prints firms,
agents, build time, median ms per turn, µs per agent-step and the growth against k = 1
(`x linear` is the growth divided by k: 1 means linear, k means quadratic).

Then it plays each k once more with timers wrapped around the nine phases of `World.step` and
the helpers inside them (instance attributes shadowing the bound methods; game/ is not
edited), and prints where a turn's time goes and how fast each part grows: the exponent b in
time ~ k ** b between the smallest and the largest k. Prints figures; asserts nothing.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mesa
import numpy as np
from tqdm import tqdm

import game.market
import game.model
from benchmarks.common import MARKET_FUNCTIONS, PARENT, PHASES, PhaseTimer, fmt_seconds, revision, table
from benchmarks.synthetic import firm_count, scaled_scenario
from game.model import World


class TimedWorld(World):
    """A World that also records how long its calibration took while being built."""

    calibrate_seconds = 0.0

    def _calibrate(self) -> None:
        start = time.perf_counter()
        super()._calibrate()
        self.calibrate_seconds = time.perf_counter() - start


def prepare(k: int, repeats: int = 3) -> dict:
    """Build (and validate) the k-times scenario; median seconds over `repeats`."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        scenario = scaled_scenario(k)
        seconds.append(time.perf_counter() - start)
    return {"k": k, "scenario": scenario, "firms": firm_count(scenario), "validate": statistics.median(seconds),
            "builds": [], "calibrations": [], "per_turn": [], "agents": 0}


def run_once(entry: dict, seed: int, turns: int) -> None:
    """Build the World and play `turns` quarters; append the timings to `entry`."""
    start = time.perf_counter()
    world = TimedWorld(entry["scenario"], seed)
    built = time.perf_counter()
    for _ in range(turns):
        world.step()
    entry["per_turn"].append((time.perf_counter() - built) / turns)
    entry["builds"].append(built - start)
    entry["calibrations"].append(world.calibrate_seconds)
    entry["agents"] = len(world.agents)
    mesa.Agent._ids.pop(world, None)  # let the world go (Mesa 3.3 keeps every model otherwise)


def phase_profile(scenario, turns: int, reps: int) -> dict[str, float]:
    """Seconds per turn of every phase, helper and market function (inclusive), from `reps`
    timed runs. Module functions are wrapped only while the turns are played."""
    timer = PhaseTimer()
    for seed in range(reps):
        gc.collect()
        world = World(scenario, seed)
        timer.attach(world)
        undo = [timer.attach_module(game.model, ("snapshot", "flatten")),
                timer.attach_module(game.market, MARKET_FUNCTIONS)]
        try:
            for _ in range(turns):
                world.step()
        finally:
            for restore in undo:
                restore()
        mesa.Agent._ids.pop(world, None)
        del world
    per_turn = {name: seconds / (reps * turns) for name, seconds in timer.seconds.items()}
    for phase in PHASES:  # the part of each phase outside the helpers timed inside it
        children = sum(per_turn.get(h, 0.0) for h, parent in PARENT.items() if parent == phase)
        if children:
            per_turn[f"{phase} (own code)"] = per_turn.get(phase, 0.0) - children
    return per_turn


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
    args = parser.parse_args()
    ks = sorted(set(args.ks))

    print(f"# bench_scaling: {dt.date.today().isoformat()}, Python {platform.python_version()}, "
          f"Mesa {mesa.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs; "
          f"{revision()}; baseline cloned k times, first {args.turns} turns")
    reps = {k: max(args.reps, 100 // k) for k in ks}
    results = [prepare(k) for k in tqdm(ks, desc="building scenarios", leave=False)]
    run_once(prepare(ks[0], 1), 10_000, args.turns)  # warm-up
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
        profiles[r["k"]] = phase_profile(r["scenario"], args.turns, max(1, min(r["reps"], 5)))
    intervals = list(itertools.pairwise(ks))
    large = ks[-1]

    def turn_total(k: int) -> float:
        return sum(profiles[k].get(p, 0.0) for p in PHASES)

    def rows_for(names: list[str]) -> list[list[str]]:
        out = []
        for name in names:
            cells = [name]
            for k in ks:
                seconds = profiles[k].get(name, 0.0)
                cells.append(f"{seconds * 1e3:.3f} ({seconds / turn_total(k):.0%})")
            for a, b in intervals:
                cells.append(f"{exponent(profiles[a].get(name, 0.0), profiles[b].get(name, 0.0), a, b):.2f}")
            out.append(cells)
        return out

    headers = [*(f"k={k} ms/turn (share)" for k in ks), *(f"b {a}->{b}" for a, b in intervals)]
    print("\n## Phases of World.step: ms per turn, share of the turn, and b in time ~ k ** b "
          "(b = 1 linear, 2 quadratic)")
    print(table(["phase", *headers], rows_for(list(PHASES))))

    helpers = [n for n in profiles[large] if n not in PHASES and n != "_missing"]
    helpers.sort(key=lambda n: -profiles[large][n])
    print("\n## Inside the phases (inclusive; `own code` = a phase less the helpers listed under it; "
          "market.* is summed over every phase that calls it; model.snapshot, model.flatten and "
          "datacollector.collect are inside record)")
    print(table(["part", *headers], rows_for(helpers)))
    if profiles[large].get("_missing"):
        print("(some methods were not found on World and were skipped)")

    worst = max(PHASES, key=lambda p: profiles[large].get(p, 0.0))
    if intervals:
        a, b = intervals[-1]
        fastest = max(PHASES, key=lambda p: exponent(profiles[a].get(p, 0.0), profiles[b].get(p, 0.0), a, b))
        growth = results[-1]["turn"] / results[-2]["turn"]
        print(f"\nFrom k={a} to k={b} a turn grew {growth:.1f}x for {b // a}x the firms "
              f"(b = {exponent(results[-2]['turn'], results[-1]['turn'], a, b):.2f}); the fastest-growing phase is "
              f"{fastest} (b = {exponent(profiles[a][fastest], profiles[b][fastest], a, b):.2f}).")
    print(f"At k={large} the largest phase is {worst}: {profiles[large][worst] * 1e3:.1f} ms of "
          f"{turn_total(large) * 1e3:.1f} ms a turn ({profiles[large][worst] / turn_total(large):.0%}).")

if __name__ == "__main__":
    main()
