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
from game.score import country_breakdown
from game.tournament import sandbox, strategies, tasks
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


class Seat:
    """A seat's controller in a game, remembering whether a failure came out of it: in a cross-play
    game the seat whose strategy raised (or overran its limit) forfeits and the others are void."""

    def __init__(self, role: str, controller) -> None:
        self.role, self.controller, self.failed = role, controller, False

    def decide(self, obs):
        try:
            return self.controller.decide(obs)
        except BaseException:
            self.failed = True
            raise

    def choose(self, event, obs):
        try:
            return self.controller.choose(event, obs)
        except BaseException:
            self.failed = True
            raise


def play_lineup(config: Config, scenario, game: tuple, makes: list | None = None) -> list[dict]:
    """One game (tasks.py: one seat, or a cross-play game's several), a row per named seat; never
    raises for a strategy's fault. A fault in one seat's strategy forfeits that seat and voids the
    others; a fault no seat's controller raised (the game's own) forfeits every seat."""
    start, cpu = time.perf_counter(), time.process_time()
    named = tasks.seats(game)
    seed = game[2]
    rows = [{"strategy": strategy, "role": role, "seed": seed, "scenario": config.scenario,
             "lineup": tasks.lineup(game), "outcome": "ok", "error": None, "total": None, "components": {},
             "turns": 0, "refused": 0, "slowest_decision": None, "worker_pid": os.getpid()}
            for role, strategy in named]
    world = None
    controllers: list = [None] * len(named)
    own: list = []
    try:
        if makes is None:  # called on its own: this game's makers, and sandboxes closed with the game
            makes = own = [_maker(strategy, role, config) for role, strategy in named]
        for i, ((role, _), make) in enumerate(zip(named, makes, strict=True)):
            try:
                if isinstance(make, sandbox.Sandbox):
                    controllers[i] = sandbox.new_game(make, config.decision_timeout)
                else:
                    controllers[i] = Guarded(make(), config.decision_timeout)
            except BaseException:
                controllers[i] = Seat(role, None)
                controllers[i].failed = True
                raise
        seated = [c if isinstance(c, Seat) else Seat(role, c) for (role, _), c in zip(named, controllers, strict=True)]
        controllers = seated
        players = tuple(role for role, _ in named)
        world = World(scenario, seed, controllers={s.role: s for s in seated}, tables=False,
                      difficulty=Difficulty(config.difficulty, players), explains=False)  # rows read no causes
        while not world.finished:
            world.step()
        for row in rows:
            row["total"] = float(world.scores[row["role"]])
            row["components"] = _components(scenario, world, row["role"])
            row["scores"] = {c: float(v) for c, v in world.scores.items()}  # every country's, for welfare
            if config.quarters:
                row["quarters"] = quarter_rows(world, row["role"])
    except BaseException as exc:  # a strategy's fault (or a game it broke): this game is forfeit
        if _users_ctrl_c(exc):
            raise
        if not isinstance(exc, Exception) or isinstance(exc, MemoryError | RecursionError):
            _mark_unsound()
        culprits = {c.role for c in controllers if isinstance(c, Seat) and c.failed}
        rows = tasks.forfeit_rows(config, game, error_text(exc), os.getpid(), culprits=culprits)
    finally:  # however the game ended: its sandboxes stopped, its world released from Mesa's registry
        for made in own:
            if isinstance(made, sandbox.Sandbox):
                made.close()
        if world is not None:
            for row in rows:
                row["turns"] = world.turn
                row["refused"] = sum(1 for e in world.governance.log
                                     if e.get("country") == row["role"] and e.get("refused"))
            world.close()
    wall, used = time.perf_counter() - start, time.process_time() - cpu  # unlike wall time, CPU time is not
    for row, seat in zip(rows, controllers, strict=True):                # inflated by other work
        inner = seat.controller if isinstance(seat, Seat) else None
        if inner is not None:
            row["slowest_decision"] = inner.slowest
        row["wall_time"], row["cpu_time"] = wall, used
    return rows


def quarter_rows(world, role: str) -> list[dict]:
    """A seat's game quarter by quarter (the store's `quarters` table): its score after each
    quarter and the Actions it submitted in it, its controller's and its answers to events' choices
    (JSON, as the save's log has them; refused ones counted apart). Building every quarter's
    score costs ~3% more CPU a game (measured: 5.6 of 169 ms under load), so only on request."""
    import json

    by_turn: dict[int, list[dict]] = {}
    refused: dict[int, int] = {}
    for entry in world.governance.log:
        if entry.get("country") != role or not entry.get("action"):
            continue
        if entry.get("refused"):
            refused[entry["turn"]] = refused.get(entry["turn"], 0) + 1
        else:
            by_turn.setdefault(entry["turn"], []).append(entry["action"])
    return [{"turn": record.turn, "date": record.date, "score": float(record.scores[role]),
             "actions": json.dumps(by_turn.get(record.turn, []), sort_keys=True, separators=(",", ":")),
             "refused": refused.get(record.turn, 0)}
            for record in world.history._records]


def _components(scenario, world, role: str) -> dict[str, float]:
    """A seat's score components at the end of a game (the store's c_<component> columns)."""
    return {k: float(v) for k, v in country_breakdown(scenario.score, world.indicators, role).items()}


def _users_ctrl_c(exc: BaseException) -> bool:
    """A KeyboardInterrupt is the user's Ctrl-C only where Ctrl-C is not ignored: games played in
    the tournament's own process (--workers 0, --verify). In a worker it came from code."""
    return isinstance(exc, KeyboardInterrupt) and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN


def _maker(strategy: str, role: str, config: Config):
    """A plug-in's Sandbox (started with its first game), or a built-in's factory."""
    if strategies.is_plugin(strategy):
        return sandbox.Sandbox(strategy, role, config.cwd)
    return strategies.factory(strategy, role)


def play_batch(config: Config, games: list[tuple], on_game=None) -> list[dict]:
    """Games (tasks.py: (strategy, role, seed), or a cross-play game's tuples) in order, a row per
    named seat, on the parent's parsed scenario (else loaded here). `on_game(i)` is called as game i
    starts (the local backend's heartbeat)."""
    scenario = config.parsed or load_scenario(config.scenario)
    makers: dict[tuple[str, str], object] = {}
    rows = []
    try:
        for i, game in enumerate(games):
            if on_game is not None:
                on_game(i)
            named = tasks.seats(game)
            for role, strategy in named:
                if (strategy, role) not in makers:
                    try:
                        makers[strategy, role] = _maker(strategy, role, config)
                    except Exception as exc:  # a policy file that went missing since the parent checked it
                        makers[strategy, role] = exc
            made = [makers[strategy, role] for role, strategy in named]
            broken = next(((role, m) for (role, _), m in zip(named, made, strict=True) if isinstance(m, Exception)),
                          None)
            if broken is not None:
                rows += tasks.forfeit_rows(config, game, error_text(broken[1]), os.getpid(), 0.0,
                                           culprits=(broken[0],))
            else:
                rows += play_lineup(config, scenario, game, made)
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
