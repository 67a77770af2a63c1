"""Tournament speed and memory: prints figures, asserts nothing.

    python benchmarks/bench_tournament.py [--seeds 250] [--more 500] [--workers 2] [--inprocess 100]

1. in this process (`--workers 0`, no pool): ms per game, and this process's RSS growth per game
   (Mesa 3.3 would keep every model; the worker releases each one);
2. the pool's own cost per task: no-op tasks through ProcessPoolExecutor with a fresh forked
   worker per task (`max_tasks_per_child=1`, as the tournament ran before issue 15) and with the
   workers kept alive (as it runs now);
3. the 1,000-game tournament (4 strategies x `--seeds` seeds, `--workers` processes): wall time,
   games per second, the sum of the games' own time in the workers, and the overhead per game
   (wall x workers - games' time) / games;
4. memory over thousands of games: the same tournament continued to `--seeds + --more` seeds;
   worker RSS after each batch (the `worker_rss_mb` column), by window of finished games.
Target (issue 6): 1,000 games in under 20 s on 2 cores.

    python benchmarks/bench_tournament.py --backends local,dask,ray [--seeds 250] [--more 500]

5. instead of 1-4: the same tournament on each backend in turn (dask and ray start their own
   local cluster with `--workers` single-threaded workers): wall time, overhead per game against
   the games' CPU time, and whether every backend's rows equal local processes' row for row;
   with `--more`, worker RSS over thousands of games on the Dask cluster (long-lived workers).

    python benchmarks/bench_tournament.py --scaling 100 [--rounds 2]

7. instead of 1-4: games per second of a tournament (4 strategies x N seeds) at 1 and 2 workers,
   with workers kept alive (now) and with a fresh worker per batch (`tasks_per_child=1`, before
   issue 15), in alternating rounds; beside it, the anchor measured in the same run: the same
   games in this process (no pool). Per configuration, medians over the rounds: games/s, the
   games' CPU time, and the pool overhead per game, (playing wall time x workers - the games' own
   wall time) / games, i.e. worker time not spent in a game; and whether every run's rows equal
   the in-process rows.

    python benchmarks/bench_tournament.py --sandbox 100

6. instead of 1-4: what the sandbox costs a plug-in. The same games of `team_korea` in this
   process (`--workers 0`), as the built-in and as a plug-in wrapping it (played from a sandbox
   process: observations, check requests and Actions over the pipe), alternating A, B, A, B:
   CPU seconds per game of this process and of its (reaped) sandboxes, and wall time.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STRATEGIES = ["team_korea", "laissez_faire", "all_nvidia", "random"]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def rows(folder: Path) -> list[tuple]:
    db = sqlite3.connect(folder / "results.sqlite")
    sql = "SELECT finished_at, wall_time, worker_rss_mb, cpu_time FROM games ORDER BY finished_at"
    out = db.execute(sql).fetchall()
    db.close()
    return out


def _noop() -> int:
    return os.getpid()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=250)
    parser.add_argument("--more", type=int, default=500, help="extra seeds for the memory run (4 games each)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--inprocess", type=int, default=100, help="games for section 1")
    parser.add_argument("--backends", help="comma-separated: compare these backends (section 5) instead")
    parser.add_argument("--sandbox", type=int, metavar="N", help="games a run: the sandbox's cost (section 6) instead")
    parser.add_argument("--scaling", type=int, metavar="N",
                        help="seeds a run: games/s at 1 and 2 workers, kept and fresh (section 7) instead")
    parser.add_argument("--rounds", type=int, default=2, help="with --scaling: alternating rounds")
    args = parser.parse_args()
    if args.scaling:
        worker_scaling(args.scaling, args.rounds)
        return
    if args.backends:
        compare_backends(args)
        return
    if args.sandbox:
        sandbox_cost(args.sandbox)
        return

    from concurrent.futures import ProcessPoolExecutor

    from game.tournament.backends import mp_context
    from game.tournament.run import Options, run_tournament
    from game.tournament.tasks import init_worker

    print(f"cores: {os.cpu_count()}, workers: {args.workers}, Python {sys.version.split()[0]}; "
          f"load average before: {os.getloadavg()[0]:.2f} (other work on the machine slows every figure)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # 1. in process
        import game.tournament.worker  # noqa: F401  (the game's imports are not growth per game)

        before = rss_mb()
        seeds = max(1, args.inprocess // len(STRATEGIES))
        start = time.perf_counter()
        run_tournament(Options(strategies=STRATEGIES, seeds=seeds, out=tmp / "inproc", workers=0,
                               progress=False, plots=False))
        wall = time.perf_counter() - start
        games = seeds * len(STRATEGIES)
        in_process_ms = 1000 * wall / games
        print(f"\n1. in this process: {games} games in {wall:.2f} s = {in_process_ms:.1f} ms/game "
              f"({games / wall:.1f} games/s on one core); RSS {before:.0f} -> {rss_mb():.0f} MB "
              f"(+{(rss_mb() - before) / games:.2f} MB per game: each finished world is released from Mesa)")

        # 2. pool cost per task: a fresh worker per task (before issue 15) and workers kept alive (now)
        ctx = mp_context()
        first = None
        for label, per_child in (("a fresh worker per task (max_tasks_per_child=1)", 1),
                                 ("workers kept alive (the tournament now)", None)):
            with ProcessPoolExecutor(args.workers, mp_context=ctx, max_tasks_per_child=per_child,
                                     initializer=init_worker) as pool:
                t0 = time.perf_counter()
                pool.submit(_noop).result()
                first = first if first is not None else time.perf_counter() - t0
                n = 200
                t0 = time.perf_counter()
                for future in [pool.submit(_noop) for _ in range(n)]:
                    future.result()
                per_task = (time.perf_counter() - t0) / n
            print(f"2. process pool, {label}: {1000 * per_task:.2f} ms per no-op task "
                  f"({1 / per_task:.0f} tasks/s on {args.workers} workers)")
        print(f"   (the first worker was ready after {first:.2f} s: the forkserver importing the game)")

        # 3. the 1,000-game tournament
        print(f"   load average now: {os.getloadavg()[0]:.2f}")
        out = tmp / "pool"
        start = time.perf_counter()
        outcome = run_tournament(Options(strategies=STRATEGIES, seeds=args.seeds, out=out, workers=args.workers,
                                         progress=False, plots=False))
        wall = time.perf_counter() - start
        games = outcome.played
        game_time = sum(r[1] for r in rows(out))
        overhead = (outcome.seconds * args.workers - game_time) / games
        print(f"3. tournament: {games} games ({len(STRATEGIES)} strategies x {args.seeds} seeds) on "
              f"{args.workers} workers: {outcome.seconds:.1f} s playing ({games / outcome.seconds:.1f} games/s), "
              f"{wall:.1f} s with the leaderboard and CSV; target < 20 s: "
              f"{'met' if outcome.seconds < 20 else 'MISSED'}")
        print(f"   the games' own time in the workers: {game_time:.1f} s = {1000 * game_time / games:.1f} ms/game "
              f"(vs {in_process_ms:.1f} ms in one process alone); floor on {args.workers} cores "
              f"{game_time / args.workers:.1f} s; overhead {1000 * overhead:.1f} ms per game "
              f"({100 * overhead * games / (outcome.seconds * args.workers):.0f}% of worker time: pickling, "
              f"the start and the uneven end; workers live for the run)")
        cpu = sum(r[3] for r in rows(out))
        print(f"   the games' CPU time: {cpu:.1f} s = {1000 * cpu / games:.1f} ms/game; on an otherwise idle machine "
              f"the games alone need {cpu / args.workers:.1f} s on {args.workers} cores (wall time above also "
              f"counts waiting for other work on the machine; load average now {os.getloadavg()[0]:.2f})")

        # 4. memory over thousands of games
        if args.more:
            t0 = time.perf_counter()
            more = run_tournament(Options(strategies=STRATEGIES, seeds=args.seeds + args.more, out=out,
                                          workers=args.workers, progress=False, plots=False))
            every = rows(out)
            print(f"4. memory: {len(every)} games in all ({more.played} more in {time.perf_counter() - t0:.1f} s); "
                  "worker RSS after each batch, median by window of finished games:")
            window = max(1, len(every) // 6)
            for i in range(0, len(every), window):
                chunk = [r[2] for r in every[i:i + window] if r[2] is not None]
                if chunk:
                    last = min(i + window, len(every))
                    print(f"   games {i + 1:>5}-{last:>5}: median {statistics.median(chunk):6.1f} MB, "
                          f"max {max(chunk):6.1f} MB")
            print(f"   parent RSS now {rss_mb():.0f} MB (it plays no games with --workers >= 1)")


def compare_backends(args) -> None:
    from game.tournament.run import Options, run_tournament

    print(f"cores: {os.cpu_count()}, workers: {args.workers}; load average before: {os.getloadavg()[0]:.2f}")
    results: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n, backend in enumerate(args.backends.split(",")):
            out = Path(tmp) / f"{n}-{backend}"
            start = time.perf_counter()
            outcome = run_tournament(Options(strategies=STRATEGIES, seeds=args.seeds, out=out, workers=args.workers,
                                             backend=backend, progress=False, plots=False))
            wall = time.perf_counter() - start
            results[backend], _, cpu = _results(out)
            games = outcome.played
            overhead = (wall * args.workers - cpu) / games
            same = "identical to local" if results[backend] == results.get("local", results[backend]) else "DIFFERENT"
            print(f"5. {backend:>5}: {games} games in {wall:.1f} s ({games / wall:.1f} games/s, cluster start "
                  f"included); games' CPU {1000 * cpu / games:.1f} ms/game; overhead {1000 * overhead:.1f} ms "
                  f"per game; rows {same}; load average {os.getloadavg()[0]:.2f}")
            if backend == "dask" and args.more:
                start = time.perf_counter()
                more = run_tournament(Options(strategies=STRATEGIES, seeds=args.seeds + args.more, out=out,
                                              workers=args.workers, backend=backend, progress=False, plots=False))
                every = rows(out)
                took = time.perf_counter() - start
                print(f"   dask memory: {len(every)} games ({more.played} more in {took:.1f} s), "
                      "worker RSS after each batch, by window of finished games (workers live all along):")
                window = max(1, len(every) // 6)
                for i in range(0, len(every), window):
                    chunk = [r[2] for r in every[i:i + window] if r[2] is not None]
                    print(f"   games {i + 1:>5}-{min(i + window, len(every)):>5}: median "
                          f"{statistics.median(chunk):6.1f} MB, max {max(chunk):6.1f} MB")


def _results(folder: Path) -> tuple[list[tuple], float, float]:
    """A run's rows (what a game gives: no times, no pids), and the sums of the games' wall and CPU time."""
    db = sqlite3.connect(folder / "results.sqlite")
    rows = db.execute("SELECT strategy, seed, outcome, total, turns, refused FROM games ORDER BY 1, 2").fetchall()
    wall, cpu = db.execute("SELECT SUM(wall_time), SUM(cpu_time) FROM games").fetchone()
    db.close()
    return rows, wall, cpu


def worker_scaling(seeds: int, rounds: int) -> None:
    """Section 7: games/s at 1 and 2 workers, workers kept alive against a fresh worker per batch."""
    from game.tournament.backends import start_forkserver
    from game.tournament.run import Options, run_tournament

    print(f"cores: {os.cpu_count()}, Python {sys.version.split()[0]}; {len(STRATEGIES)} strategies x {seeds} seeds "
          f"a run, {rounds} alternating rounds; load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start_forkserver()  # its one-off import of the game is not a per-game cost of the first run below
        run_tournament(Options(strategies=STRATEGIES[:1], seeds=2, out=tmp / "warm", workers=1, progress=False,
                               plots=False))
        anchor = run_tournament(Options(strategies=STRATEGIES, seeds=seeds, out=tmp / "anchor", workers=0,
                                        progress=False, plots=False))
        anchor_rows, _, anchor_cpu = _results(tmp / "anchor")
        games = len(anchor_rows)
        print(f"7. anchor, the same games in this process (no pool): {games / anchor.seconds:.1f} games/s, "
              f"{1000 * anchor_cpu / games:.1f} ms CPU a game")
        configs = [(workers, kept) for workers in (1, 2) for kept in (True, False)]
        figures: dict[tuple[int, bool], list[tuple[float, float, float]]] = {c: [] for c in configs}
        same = True
        for n in range(rounds):
            for workers, kept in configs:
                out = tmp / f"{n}-{workers}-{'kept' if kept else 'fresh'}"
                outcome = run_tournament(Options(strategies=STRATEGIES, seeds=seeds, out=out, workers=workers,
                                                 tasks_per_child=None if kept else 1, progress=False, plots=False))
                rows, wall, cpu = _results(out)
                same = same and rows == anchor_rows
                figures[(workers, kept)].append((games / outcome.seconds, (outcome.seconds * workers - wall) / games,
                                                 cpu / games))
        for workers, kept in configs:
            rate, overhead, cpu = (statistics.median(f[i] for f in figures[(workers, kept)]) for i in range(3))
            label = "workers kept alive" if kept else "a fresh worker per batch"
            print(f"   {workers} worker{'s' if workers > 1 else ' '}, {label:<24}: {rate:5.1f} games/s, "
                  f"pool overhead {1000 * overhead:5.2f} ms a game, games' CPU {1000 * cpu:.1f} ms a game")
        print(f"   rows {'identical' if same else 'DIFFERENT'} in every run and in process; "
              f"load average now {os.getloadavg()[0]:.2f}")


PLUGIN = """
from agents.controllers import make_controller


class TeamKorea:
    def __init__(self):
        self.inner = make_controller("KOR", "team_korea")

    def decide(self, obs):
        return self.inner.decide(obs)

    def choose(self, event, obs):
        return self.inner.choose(event, obs)
"""


def sandbox_cost(games: int, rounds: int = 2) -> None:
    from game.tournament.run import Options, run_tournament

    print(f"cores: {os.cpu_count()}; load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        plugin = Path(tmp) / "plugin.py"
        plugin.write_text(PLUGIN, encoding="utf-8")
        specs = {"built-in (in process)": "team_korea", "plug-in (sandboxed)": f"{plugin}:TeamKorea"}
        run_tournament(Options(strategies=list(specs.values()), seeds=2, out=Path(tmp) / "warm", workers=0,
                               progress=False, plots=False))  # imports, caches
        figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in specs}
        totals: dict[str, list] = {}
        for n in range(rounds):
            for name, spec in specs.items():
                out = Path(tmp) / f"{n}-{len(figures[name])}-{spec.rsplit(':', 1)[-1]}"
                before, start = os.times(), time.perf_counter()
                run_tournament(Options(strategies=[spec], seeds=games, out=out, workers=0, progress=False,
                                       plots=False))
                wall, after = time.perf_counter() - start, os.times()
                own = (after.user + after.system) - (before.user + before.system)
                children = (after.children_user + after.children_system) - (before.children_user +
                                                                             before.children_system)
                figures[name].append((own / games, children / games, wall / games))
                db = sqlite3.connect(out / "results.sqlite")
                totals[name] = db.execute("SELECT seed, total FROM games ORDER BY seed").fetchall()
                db.close()
        for name, runs in figures.items():
            own, children, wall = (statistics.median(r[i] for r in runs) for i in range(3))
            print(f"6. {name:>22}: CPU {1000 * own:.1f} ms/game here + {1000 * children:.1f} ms/game in sandboxes "
                  f"= {1000 * (own + children):.1f} ms; wall {1000 * wall:.1f} ms/game (median of {rounds})")
        (a, b) = (figures[name] for name in specs)
        extra_cpu = statistics.median(x[0] + x[1] for x in b) - statistics.median(x[0] + x[1] for x in a)
        extra_wall = statistics.median(x[2] for x in b) - statistics.median(x[2] for x in a)
        same = "identical" if len(set(map(tuple, totals.values()))) == 1 else "DIFFERENT"
        print(f"   a sandboxed plug-in costs {1000 * extra_cpu:+.1f} ms of CPU and {1000 * extra_wall:+.1f} ms of wall "
              f"time a game; totals {same}; load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
