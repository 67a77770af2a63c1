"""What runs inside a worker process: a batch of games, each isolated from the others.

Built-in strategies and `policy:PATH` (the game's own code and data) play in this process, under a
SIGALRM limit per decision in the main thread. Plug-ins (`module:Class`, `path/file.py:Class`)
play from a sandbox process (tournament/sandbox.py): this process holds the world and the
sandbox only ever sees copies of observations. A game whose strategy raises anything (any
BaseException), overruns the decision time limit, or breaks the sandbox's protocol is a forfeit:
recorded with its error, and the batch goes on. Invalid Actions are refused by the seam
(game.governance) and only counted. A local worker plays batch after batch; after a game that may
have left it unsound (`unsound()`) it is replaced. The forkserver preloads this module once.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from game.difficulty import Difficulty
from game.model import World
from game.scenario import load_scenario
from game.score import breakdown
from game.tournament import sandbox, strategies
from game.tournament.sandbox import DecisionTimeout, error_text
from game.tournament.tasks import Config

# Set once something may have left this process unsound for further games: the decision alarm
# interrupted in-process code at an arbitrary point, or a game ended in a BaseException that is not an
# ordinary Exception (SystemExit, KeyboardInterrupt, ...) or in MemoryError/RecursionError. The local
# backend keeps its workers alive across batches (backends.py) and replaces a worker that says so.
_unsound = False


def unsound() -> bool:
    """Whether this process should play no further batch (see `_unsound`)."""
    return _unsound


def _mark_unsound() -> None:
    global _unsound
    _unsound = True


def _on_alarm(signum, frame):
    _mark_unsound()  # the exception lands wherever the strategy was, perhaps inside shared game state
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


def play_game(config: Config, scenario, strategy: str, role: str, seed: int, make=None) -> dict:
    """One game; never raises for a strategy's fault: the row says ok or forfeit. `make` is the
    strategy's maker from play_batch (a zero-argument factory, or a plug-in's Sandbox)."""
    start, cpu = time.perf_counter(), time.process_time()
    row = {"strategy": strategy, "role": role, "seed": seed, "scenario": config.scenario,
           "outcome": "ok", "error": None, "total": None, "components": {}, "turns": 0, "refused": 0,
           "slowest_decision": None, "worker_pid": os.getpid()}
    world = controller = own = None
    try:
        if make is None:  # called on its own: this game's maker, and a sandbox closed with the game
            make = own = _maker(strategy, role, config)
        if isinstance(make, sandbox.Sandbox):
            controller = sandbox.new_game(make, config.decision_timeout)
        else:
            controller = Guarded(make(), config.decision_timeout)
        world = World(scenario, seed, controllers={role: controller}, tables=False,
                      difficulty=Difficulty(config.difficulty, (role,)))
        while not world.finished:
            world.step()
        row["total"] = float(world.scores[role])
        row["components"] = {k: float(v) for k, v in breakdown(scenario.score, world.indicators[role]).items()}
    except BaseException as exc:  # the strategy's fault (or a game it broke): this game is forfeit
        if _users_ctrl_c(exc):
            raise
        if not isinstance(exc, Exception) or isinstance(exc, MemoryError | RecursionError):
            _mark_unsound()
        row["outcome"], row["error"] = "forfeit", error_text(exc)
    finally:  # however the game ended: its sandbox stopped, its world released from Mesa's registry
        if isinstance(own, sandbox.Sandbox):
            own.close()
        if world is not None:
            row["turns"] = world.turn
            row["refused"] = sum(1 for e in world.governance.log if e.get("country") == role and e.get("refused"))
            world.close()
    if controller is not None:
        row["slowest_decision"] = controller.slowest
    row["wall_time"] = time.perf_counter() - start
    row["cpu_time"] = time.process_time() - cpu  # unlike wall time, not inflated by other work
    return row


def _users_ctrl_c(exc: BaseException) -> bool:
    """A KeyboardInterrupt is the user's Ctrl-C only where Ctrl-C is not ignored: games played in
    the tournament's own process (--workers 0, --verify). In a worker it came from code."""
    return isinstance(exc, KeyboardInterrupt) and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN


def _maker(strategy: str, role: str, config: Config):
    """A plug-in's Sandbox (started with its first game), or a built-in's factory."""
    if strategies.is_plugin(strategy):
        return sandbox.Sandbox(strategy, role, config.cwd)
    return strategies.factory(strategy, role)


def play_batch(config: Config, games: list[tuple[str, str, int]], on_game=None) -> list[dict]:
    """Games (strategy, role, seed) in order, on the parent's parsed scenario (else loaded here).
    `on_game(i)` is called as game i starts (the local backend's heartbeat)."""
    scenario = config.parsed or load_scenario(config.scenario)
    makers: dict[tuple[str, str], object] = {}
    rows = []
    try:
        for i, (strategy, role, seed) in enumerate(games):
            if on_game is not None:
                on_game(i)
            key = (strategy, role)
            if key not in makers:
                try:
                    makers[key] = _maker(strategy, role, config)
                except Exception as exc:  # a policy file that went missing since the parent checked it
                    makers[key] = exc
            made = makers[key]
            if isinstance(made, Exception):
                rows.append({"strategy": strategy, "role": role, "seed": seed, "scenario": config.scenario,
                             "outcome": "forfeit", "error": error_text(made), "total": None, "components": {},
                             "turns": 0, "refused": 0, "slowest_decision": None, "worker_pid": os.getpid(),
                             "wall_time": 0.0})
            else:
                rows.append(play_game(config, scenario, strategy, role, seed, made))
    finally:
        for made in makers.values():
            if isinstance(made, sandbox.Sandbox):
                made.close()
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
