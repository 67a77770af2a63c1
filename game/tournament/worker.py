"""What runs inside a worker process: a batch of games, each isolated from the others.

A game whose strategy raises, or takes longer than the decision time limit on one decision
(decide or choose), is a forfeit: recorded with its error, and the batch goes on. Invalid Actions
are refused by the seam (game.governance) and only counted. Keep the imports here light: every
recycled worker pays for them (the forkserver preloads this module once).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback

from game.difficulty import Difficulty
from game.model import World
from game.scenario import load_scenario
from game.score import breakdown
from game.tournament import strategies
from game.tournament.tasks import Config


class DecisionTimeout(Exception):
    """A decision took longer than the tournament allows."""


def _on_alarm(signum, frame):
    raise DecisionTimeout("interrupted by the decision time limit")


class Guarded:
    """Wraps a strategy: times each decision, enforces the limit, makes choose() optional."""

    def __init__(self, inner, limit: float | None) -> None:
        self.inner = inner
        self.limit = limit
        self.slowest = 0.0
        self.decisions = 0
        self.name = getattr(inner, "name", type(inner).__name__)

    def _timed(self, what: str, fn, *args):
        limit = self.limit
        # A hard stop for a strategy that never returns: SIGALRM, in a worker's main thread only.
        alarm = bool(limit) and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        if alarm:
            previous = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, limit * 1.05 + 0.01)
        start = time.perf_counter()
        try:
            result = fn(*args)
        except DecisionTimeout:
            elapsed = time.perf_counter() - start
            raise DecisionTimeout(f"{what}() did not return within the {limit:g} s limit "
                                  f"(stopped after {elapsed:.3f} s)") from None
        finally:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
        elapsed = time.perf_counter() - start
        self.decisions += 1
        self.slowest = max(self.slowest, elapsed)
        if limit and elapsed > limit:
            raise DecisionTimeout(f"{what}() took {elapsed:.3f} s, over the {limit:g} s limit")
        return result

    def decide(self, obs):
        return self._timed("decide", self.inner.decide, obs)

    def choose(self, event, obs):
        choose = getattr(self.inner, "choose", None)
        return 0 if choose is None else self._timed("choose", choose, event, obs)


def _error_text(exc: BaseException) -> str:
    """The exception and the innermost frames, short enough for a table cell."""
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    where = " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}" for f in reversed(frames))
    text = f"{type(exc).__name__}: {exc}" + (f" (at {where})" if where else "")
    return text[:2000]


def play_game(config: Config, scenario, strategy: str, role: str, seed: int, make=None) -> dict:
    """One game; never raises for a strategy's fault: the row says ok or forfeit."""
    start, cpu = time.perf_counter(), time.process_time()
    row = {"strategy": strategy, "role": role, "seed": seed, "scenario": config.scenario,
           "outcome": "ok", "error": None, "total": None, "components": {}, "turns": 0, "refused": 0,
           "slowest_decision": None, "worker_pid": os.getpid()}
    world = guard = None
    try:
        make = make or strategies.factory(strategy, role)
        guard = Guarded(make(), config.decision_timeout)
        world = World(scenario, seed, controllers={role: guard}, tables=False,
                      difficulty=Difficulty(config.difficulty, (role,)))
        while not world.finished:
            world.step()
        row["total"] = float(world.scores[role])
        row["components"] = {k: float(v) for k, v in breakdown(scenario.score, world.indicators[role]).items()}
    except Exception as exc:  # the strategy's fault (or a game it broke): this game is forfeit
        row["outcome"], row["error"] = "forfeit", _error_text(exc)
    if world is not None:
        row["turns"] = world.turn
        row["refused"] = sum(1 for e in world.governance.log if e.get("country") == role and e.get("refused"))
    if guard is not None:
        row["slowest_decision"] = guard.slowest
    if world is not None:
        world.close()
    row["wall_time"] = time.perf_counter() - start
    row["cpu_time"] = time.process_time() - cpu  # unlike wall time, not inflated by other work
    return row



def play_batch(config: Config, games: list[tuple[str, str, int]]) -> list[dict]:
    """Games (strategy, role, seed) in order, on the parent's parsed scenario (else loaded here)."""
    if config.cwd and config.cwd not in sys.path:  # module:Class strategies from the user's folder
        sys.path.insert(0, config.cwd)
    scenario = config.parsed or load_scenario(config.scenario)
    makers: dict[tuple[str, str], object] = {}
    rows = []
    for strategy, role, seed in games:
        key = (strategy, role)
        if key not in makers:
            try:
                makers[key] = strategies.factory(strategy, role)
            except Exception as exc:  # user code that imported in the parent but not here
                makers[key] = exc
        made = makers[key]
        if isinstance(made, Exception):
            rows.append({"strategy": strategy, "role": role, "seed": seed, "scenario": config.scenario,
                         "outcome": "forfeit", "error": _error_text(made), "total": None, "components": {},
                         "turns": 0, "refused": 0, "slowest_decision": None, "worker_pid": os.getpid(),
                         "wall_time": 0.0})
        else:
            rows.append(play_game(config, scenario, strategy, role, seed, made))
    rss = _rss_mb()
    for row in rows:
        row["worker_rss_mb"] = rss
    return rows


def _rss_mb() -> float | None:
    """This process's resident memory after the batch (Linux; None elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, AttributeError):
        return None
