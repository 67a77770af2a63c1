"""How long one baseline game takes, where the time goes, and how much memory it holds.

    python benchmarks/bench_game.py [--runs 30] [--games 200] [--strategy-runs 20] [--greedy-games 5]

Prints figures; asserts nothing about them. Sections:

1. import time of `game.model` in a fresh interpreter (and the heaviest top-level imports);
2. wall time of a full game after imports (build the World + play every turn), over `--runs`
   seeds, every country playing its built-in default: median/min/max, the build/step split,
   µs per agent-step, games per second on one core (each finished world is released from
   Mesa's registry so that every game starts from the same heap; section 5 shows what happens
   when they are not);
3. games per second with Korea played by each built-in strategy (`make_controller("KOR",
   name)`): laissez_faire, team_korea and random over `--strategy-runs` seeds, greedy over
   `--greedy-games` (it previews each candidate move on a fork of the world);
4. the phases of `World.step` (begin_turn, the nine numbered phases, the time outside them),
   timed by patching the World methods on the class and the module functions of game.upstream
   and game.accelerators for the duration of the timed games (benchmarks/common.py);
5. memory: tracemalloc peak of one game, and RSS growth over `--games` games played one after
   another in one process, as the game is (Mesa 3.3 keeps every model alive through the
   class-level `mesa.Agent._ids` registry) and with that entry dropped after each game.
   Each RSS run is a fresh child process so the two do not share a heap;
6. snapshots (issue 15): CPU time (`time.thread_time`) of `World.fork()` at turn 10, beside the
   plain `copy.deepcopy` it replaced (measured in the same run with the fork's fast paths switched
   off, `plain_deepcopy`) and beside the cost of one turn of the same world: with the DataCollector
   tables off and on, over `--fork-seeds` worlds and `--fork-repeats` copies of each.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as dt
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
import weakref
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mesa
import numpy as np
from tqdm import tqdm

from agents.controllers import make_controller
from benchmarks.common import (
    PHASE_LABELS,
    PHASES,
    ROOT,
    STEP,
    PhaseTimer,
    fmt_seconds,
    revision,
    rss_bytes,
    summary,
    table,
)
from game import indicators, model, streams, text
from game.model import World
from game.scenario import load_scenario

# Korea's built-in strategies timed in section 3 (greedy separately: it is much slower).
STRATEGIES = ("laissez_faire", "team_korea", "random")


def play(scenario, seed: int, controllers: dict | None = None) -> tuple[World, float, float]:
    """One full game: returns the world, build seconds and stepping seconds."""
    t0 = time.perf_counter()
    world = World(scenario, seed, controllers=controllers)
    t1 = time.perf_counter()
    while not world.finished:
        world.step()
    return world, t1 - t0, time.perf_counter() - t1


# ------------------------------------------------------------------ 1. import time
def import_times(repeats: int) -> tuple[list[float], list[float]]:
    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        return time.perf_counter() - start

    bare = [run("pass") for _ in tqdm(range(repeats), desc="python -c pass", leave=False)]
    full = [run("import game.model") for _ in tqdm(range(repeats), desc="import game.model", leave=False)]
    return bare, full


def heaviest_imports(top: int) -> list[tuple[str, float]]:
    """The slowest imports under `game.model` two levels deep (python -X importtime), by
    cumulative time in seconds: what `import game.model` spends its time on."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import game.model"], cwd=ROOT,
                          check=True, capture_output=True, text=True)
    found: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or "cumulative" in line:
            continue
        raw = parts[2][1:]  # one space after the bar, then two per nesting level
        level = (len(raw) - len(raw.lstrip(" "))) // 2
        if 1 <= level <= 2:
            found.append((raw.strip(), int(parts[1]) / 1e6))
    return sorted(found, key=lambda kv: -kv[1])[:top]


# ------------------------------------------------------------------ 3. Korea's strategies
def strategy_section(scenario, runs: int, greedy_games: int, default_median: float) -> None:
    """Games per second with Korea played by each built-in strategy (other countries play their
    defaults). The fast strategies are interleaved seed by seed, so that load elsewhere on the
    machine does not land on one of them only."""
    seconds: dict[str, list[float]] = {name: [] for name in (*STRATEGIES, "greedy")}
    scores: dict[str, list[float]] = {name: [] for name in seconds}
    for name in STRATEGIES:  # warm-up: each strategy's first decisions
        world, _, _ = play(scenario, 10_000, {"KOR": make_controller("KOR", name)})
        world.close()
    with tqdm(total=runs * len(STRATEGIES) + greedy_games, desc="strategies", leave=False) as progress:
        for seed in range(runs):
            for name in STRATEGIES:
                world, build, step = play(scenario, seed, {"KOR": make_controller("KOR", name)})
                seconds[name].append(build + step)
                scores[name].append(world.scores["KOR"])
                world.close()
                progress.update(1)
        # Greedy: also time its previews (three timers over ~200 calls a game: negligible).
        timer = PhaseTimer()
        with timer.patched([STEP, (World, "preview", "preview"), (World, "finish_turn", "finish_turn")]):
            for seed in range(greedy_games):
                world, build, step = play(scenario, seed, {"KOR": make_controller("KOR", "greedy")})
                seconds["greedy"].append(build + step)
                scores["greedy"].append(world.scores["KOR"])
                world.close()
                progress.update(1)

    base = statistics.median(seconds["laissez_faire"])
    print(f"\n## Korea played by each built-in strategy (make_controller('KOR', name); other countries "
          f"play their defaults; {runs} seeds each, greedy {greedy_games})")
    rows = []
    for name, data in seconds.items():
        if not data:
            continue
        median, low, high = summary(data)
        rows.append([name, str(len(data)), fmt_seconds(median), f"{fmt_seconds(low)}-{fmt_seconds(high)}",
                     f"{1 / median:.1f}" if median < 1 else f"{1 / median:.2f}", f"{median / base:.2f}",
                     f"{statistics.median(scores[name]):.1f}"])
    headers = ["strategy", "games", "game, median", "min-max", "games/s", "x laissez_faire", "KOR score (median)"]
    print(table(headers, rows))
    previews = timer.calls["preview"]
    if previews and greedy_games:
        total = sum(seconds["greedy"])
        in_preview = timer.seconds["preview"]
        turns_in = timer.inside("preview", "finish_turn")
        print(f"greedy: {previews / greedy_games:.0f} previews a game ({previews / timer.calls['step']:.1f} a turn), "
              f"{fmt_seconds(in_preview / previews)} each; previews are {in_preview / total:.0%} of a greedy game, "
              f"of which the previewed turn (finish_turn) {turns_in / in_preview:.0%} and copying the world "
              f"(World.fork and setup, preview's own time) {timer.own['preview'] / in_preview:.0%}")
    print(f"(section 2's default game, Korea laissez-faire as its default: {fmt_seconds(default_median)})")


# ------------------------------------------------------------------ 6. snapshots
@contextlib.contextmanager
def plain_deepcopy():
    """`copy.deepcopy(world)` as it was before issue 15, for the length of the block: the hooks
    that make it a fork (World, the cause log, the streams, the strings' templates) are taken
    off the classes and a turn record's figures go back to copy.deepcopy; restored after."""
    hooks = [(model.World, "__deepcopy__"), (model.Cause, "__deepcopy__"), (streams.Streams, "__deepcopy__"),
             (text.Template, "__deepcopy__"), (text.Template, "__copy__")]
    saved = [(cls, name, cls.__dict__[name]) for cls, name in hooks]
    clone = indicators.clone
    try:
        for cls, name, _ in saved:
            delattr(cls, name)
        indicators.clone = copy.deepcopy
        yield
    finally:
        for cls, name, hook in saved:
            setattr(cls, name, hook)
        indicators.clone = clone


def cpu_times(make, repeats: int) -> list[float]:
    """CPU seconds of this thread for each of `repeats` calls (garbage collection included: a
    fork's garbage is part of its cost)."""
    seconds = []
    for _ in range(repeats):
        start = time.thread_time()
        make()
        seconds.append(time.thread_time() - start)
    return seconds


def snapshot_section(scenario, seeds: int, repeats: int, at: int = 10) -> None:
    """World.fork() at turn `at` against the deepcopy it replaced and one turn of play."""
    rows = []
    for tables in (False, True):
        forks, plains, turns, same = [], [], [], True
        for seed in tqdm(range(seeds), desc=f"forks, tables {'on' if tables else 'off'}", leave=False):
            world = World(scenario, seed, tables=tables)
            for _ in range(at):
                world.step()
            forks += cpu_times(world.fork, repeats)
            with plain_deepcopy():
                plains += cpu_times(lambda world=world: copy.deepcopy(world), repeats)
                before = copy.deepcopy(world)
            after = world.fork()
            start = time.thread_time()
            while not after.finished:
                after.step()
            turns.append((time.thread_time() - start) / (world.turns - at))
            while not before.finished:
                before.step()
            same = same and before.scores == after.scores and list(before.history) == list(after.history)
            world.close()
        fork, plain, turn = (statistics.median(x) for x in (forks, plains, turns))
        rows.append(["on" if tables else "off", f"{fmt_seconds(fork)} ({fmt_seconds(statistics.fmean(forks))})",
                     f"{fmt_seconds(plain)} ({fmt_seconds(statistics.fmean(plains))})", f"{plain / fork:.1f}",
                     fmt_seconds(turn), f"{fork / turn:.2f}", f"{plain / turn:.2f}",
                     fmt_seconds(turn * (scenario.scenario.turns - at)), "yes" if same else "NO"])
    print(f"\n## Snapshots: World.fork() at turn {at} ({seeds} worlds x {repeats} copies each; CPU time of this "
          f"thread, median (mean, with the garbage collections the copies set off))")
    headers = ["tables", "fork()", "deepcopy before issue 15", "x faster", "one turn", "fork / turn",
               "deepcopy / turn", f"the other {scenario.scenario.turns - at} turns", "same game"]
    print(table(headers, rows))


# ------------------------------------------------------------------ 5b. RSS child
def rss_child(scenario_name: str, games: int, release: bool) -> None:
    """Play `games` games in this process; print one JSON line of RSS and timing figures."""
    scenario = load_scenario(scenario_name)
    play(scenario, 10_000)  # warm-up: lazy imports, numpy caches
    gc.collect()
    before = rss_bytes()
    refs, seconds, mid = [], [], before
    for seed in tqdm(range(games), desc=f"{games} games ({'released' if release else 'as is'})", leave=False):
        world, build, step = play(scenario, seed)
        seconds.append(build + step)
        refs.append(weakref.ref(world))
        if release:
            world.close()
        del world
        if seed == games // 2 - 1:
            gc.collect()
            mid = rss_bytes()
    gc.collect()
    after = rss_bytes()
    tail = max(1, min(20, games // 2))
    print(json.dumps({"before": before, "mid": mid, "after": after, "alive": sum(r() is not None for r in refs),
                      "registry": len(mesa.Agent._ids), "tail": tail, "first": statistics.median(seconds[:tail]),
                      "last": statistics.median(seconds[-tail:])}))


def run_rss_child(scenario_name: str, games: int, release: bool) -> dict:
    args = [sys.executable, str(Path(__file__).resolve()), "--scenario", scenario_name,
            "--games", str(games), "--rss-child", "release" if release else "keep"]
    done = subprocess.run(args, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--runs", type=int, default=30, help="timed games (one seed each)")
    parser.add_argument("--games", type=int, default=200, help="games per RSS process")
    parser.add_argument("--import-repeats", type=int, default=10)
    parser.add_argument("--strategy-runs", type=int, default=20, help="seeds per fast Korean strategy")
    parser.add_argument("--greedy-games", type=int, default=5, help="games with Korea played by greedy")
    parser.add_argument("--fork-seeds", type=int, default=5, help="worlds whose turn-10 copies are timed")
    parser.add_argument("--fork-repeats", type=int, default=40, help="copies timed per world and kind")
    parser.add_argument("--rss-child", choices=("keep", "release"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.scenario, args.games, args.rss_child == "release")
        return

    print(f"# bench_game: {dt.date.today().isoformat()}, Python {platform.python_version()}, "
          f"Mesa {mesa.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs, {platform.machine()}; "
          f"{revision()}")
    scenario = load_scenario(args.scenario)

    # 1. import time
    bare, full = import_times(args.import_repeats)
    print(f"\n## Import (fresh interpreter, median of {args.import_repeats})")
    print(f"python -c 'import game.model': {fmt_seconds(statistics.median(full))} "
          f"(min {fmt_seconds(min(full))}); bare interpreter {fmt_seconds(statistics.median(bare))}; "
          f"import alone ~{fmt_seconds(statistics.median(full) - statistics.median(bare))}")
    heavy = heaviest_imports(8)
    print("slowest imports under game.model (-X importtime, cumulative, nested ones counted in their parent too): "
          + ", ".join(f"{name} {fmt_seconds(s)}" for name, s in heavy))

    # 2. one game
    play(scenario, 10_000)  # warm-up
    builds, steps, agents, turns = [], [], 0, 0
    for seed in tqdm(range(args.runs), desc="timed games", leave=False):
        world, build, step = play(scenario, seed)
        builds.append(build)
        steps.append(step)
        agents, turns = len(world.agents), world.turn
        world.close()
    totals = [b + s for b, s in zip(builds, steps, strict=True)]
    per_agent_step = [s / (agents * turns) for s in steps]
    print(f"\n## One game of '{args.scenario}' after imports ({args.runs} seeds; {agents} agents, {turns} turns)")
    rows = [[label, *(fmt_seconds(v) for v in summary(data))] for label, data in (
        ("game (build + turns)", totals), ("build World", builds), (f"{turns} steps", steps),
        ("one step", [s / turns for s in steps]), ("per agent-step", per_agent_step))]
    print(table(["", "median", "min", "max"], rows))
    total_median = statistics.median(totals)
    print(f"build share of a game: {statistics.median(builds) / total_median:.0%}; "
          f"games per second on one core: {1 / total_median:.1f}")

    # 3. Korea's strategies
    strategy_section(scenario, args.strategy_runs, args.greedy_games, total_median)

    # 4. phases
    timer = PhaseTimer()
    phase_runs = max(args.runs // 3, 5)
    collect = (mesa.DataCollector, "collect", "DataCollector.collect")
    with timer.patched([STEP, *PHASES, collect]):
        for seed in tqdm(range(phase_runs), desc="phase timing", leave=False):
            world = World(scenario, seed)
            while not world.finished:
                world.step()
            world.close()
    step_total = timer.seconds["step"]
    per_turn = phase_runs * turns
    print(f"\n## Phases of World.step ({phase_runs} games; World methods and module functions patched "
          f"while they play; one step {fmt_seconds(step_total / per_turn)} with the timers on)")
    rows = [[p, fmt_seconds(timer.seconds[p] / per_turn), f"{timer.seconds[p] / step_total:.0%}"]
            for p in PHASE_LABELS]
    rows.append(["  of which DataCollector.collect (in record)",
                 fmt_seconds(timer.inside("record", "DataCollector.collect") / per_turn),
                 f"{timer.inside('record', 'DataCollector.collect') / step_total:.0%}"])
    rows.append(["outside the phases (step's own code)", fmt_seconds(timer.own["step"] / per_turn),
                 f"{timer.own['step'] / step_total:.0%}"])
    print(table(["phase", "per turn", "share of step"], rows))
    if timer.missing:
        print(f"(not found, skipped: {', '.join(sorted(timer.missing))})")

    # 5. memory
    gc.collect()
    tracemalloc.start()
    base_current, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    world, _, _ = play(scenario, 1)
    current, peak = tracemalloc.get_traced_memory()
    ref = weakref.ref(world)
    del world
    gc.collect()
    retained, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    mb = 1024 * 1024
    print("\n## Memory")
    print(f"tracemalloc, one game: peak {(peak - base_current) / mb:.2f} MB, held at the end "
          f"{(current - base_current) / mb:.2f} MB, still held after `del world; gc.collect()` "
          f"{(retained - base_current) / mb:.2f} MB (world alive: {ref() is not None})")
    for release in (False, True):
        r = run_rss_child(args.scenario, args.games, release)
        growth = r["after"] - r["before"]
        label = "dropping mesa.Agent._ids[world] after each game" if release else "as is (Mesa 3.3)"
        halves = f"first half +{(r['mid'] - r['before']) / mb:.1f} MB, second +{(r['after'] - r['mid']) / mb:.1f} MB"
        print(f"RSS over {args.games} games, {label}: {r['before'] / mb:.1f} -> {r['after'] / mb:.1f} MB "
              f"(+{growth / mb:.1f} MB, {growth / args.games / 1024:.0f} kB a game; {halves}); worlds alive after "
              f"gc: {r['alive']}/{args.games}; median game time first {r['tail']} {fmt_seconds(r['first'])}, "
              f"last {r['tail']} {fmt_seconds(r['last'])}")

    # 6. snapshots
    snapshot_section(scenario, args.fork_seeds, args.fork_repeats)


if __name__ == "__main__":
    main()
