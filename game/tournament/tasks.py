"""What the parent hands to worker processes, importable without the game.

The parent never plays a game, so it need not import Mesa (~0.7 s of CPU, which at the start of a
run competes with the forkserver that does need it). Functions are pickled by name: `run_batch`
is a trampoline into `worker.play_batch`, which a worker forked from the forkserver has already
imported (and a Dask or Ray worker imports on its first batch).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import sys
from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    """What every game of a tournament shares (picklable: it travels to the workers)."""
    scenario: str
    decision_timeout: float | None  # seconds per decision; None: no limit
    cwd: str
    # The scenario as the parent parsed it (a game.scenario.Scenario): every worker plays the file
    # the meta table hashed even if it is edited mid-run, and unpickling (0.5 ms) beats parsing (7 ms).
    parsed: object = None
    difficulty: str = "normal"  # a level of assets/difficulty.toml; the role played is the player
    quarters: bool = False  # also record each named seat's score and Actions quarter by quarter (--quarters)


# A game is (strategy, role, seed): one named seat against every other country's default, or, in a
# cross-play (head-to-head) game, (strategies, roles, seed) with two tuples, one strategy per named seat
# in the scenario's country order. The parent plans them, a worker plays them, the store keys their
# rows by the lineup below.
LINEUP_SEPARATOR = " | "


def seats(game: tuple) -> list[tuple[str, str]]:
    """(role, strategy) of every named seat of a game."""
    strategy, role, _ = game
    if isinstance(role, tuple):
        return list(zip(role, strategy, strict=True))
    return [(role, strategy)]


def lineup(game: tuple) -> str:
    """The store's name for a game's lineup: "" for a one-seat game (the rows of every tournament
    before cross-play), else "KOR=a | USA=b": every named seat, so each combination is its own game."""
    strategy, role, _ = game
    if not isinstance(role, tuple):
        return ""
    return LINEUP_SEPARATOR.join(f"{r}={s}" for r, s in zip(role, strategy, strict=True))


def game_of(row: dict) -> tuple:
    """The game a stored row belongs to (the inverse of `lineup`; used by --verify)."""
    text = row.get("lineup") or ""
    if not text:
        return row["strategy"], row["role"], int(row["seed"])
    pairs = [part.partition("=") for part in text.split(LINEUP_SEPARATOR)]
    return tuple(s for _, _, s in pairs), tuple(r for r, _, _ in pairs), int(row["seed"])


def forfeit_rows(config: Config, game: tuple, error: str, pid: int | None = None, wall: float | None = None,
                 culprits: Collection[str] = ()) -> list[dict]:
    """Rows for a game that could not be played (to the end): every seat forfeits, or, when
    `culprits` names the seats at fault, those forfeit and the others are void (not counted for
    them: their strategies did nothing wrong)."""
    blamed = ", ".join(sorted(culprits))
    rows = []
    for role, strategy in seats(game):
        at_fault = not culprits or role in culprits
        rows.append({"strategy": strategy, "role": role, "seed": game[2], "scenario": config.scenario,
                     "lineup": lineup(game), "outcome": "forfeit" if at_fault else "void",
                     "error": error[:2000] if at_fault else f"not played: {blamed}'s strategy forfeited",
                     "total": None, "components": {}, "turns": 0, "refused": 0, "slowest_decision": None,
                     "worker_pid": pid, "wall_time": wall})
    return rows


# The local backend's line from the workers to the parent (a pipe's write end, given to each worker
# by the pool's initializer): "this worker exists" and "this batch is starting its game i", which
# the parent uses to enforce the per-game hard limit and to stop every worker on a second Ctrl-C.
# Each message is one write far below PIPE_BUF, so it is atomic: no lock that a killed worker
# could leave held.
_beats = None


def beat(tag: int | None, index: int | None) -> None:
    if _beats is not None:
        _beats.send_bytes(json.dumps([tag, index, os.getpid()]).encode())


def run_batch(config: Config, games: list[tuple], tag: int | None = None) -> list[dict]:
    from game.tournament.worker import play_batch

    return play_batch(config, games, None if tag is None or _beats is None else lambda i: beat(tag, i))


def run_local_batch(config: Config, games: list[tuple], tag: int) -> tuple[list[dict] | None, bool]:
    """The local backend's task: the batch's rows, and whether this worker must be replaced before
    it plays another batch (worker.unsound: a game may have left the process in a broken state).
    Local workers otherwise live for the whole run (backends.py). A worker already unsound when a
    batch reaches it (it took the batch from the pool's queue before the parent had read its last
    reply) plays none of it: rows None, and the parent queues the batch again for a new pool."""
    from game.tournament.worker import unsound

    if unsound():
        return None, True
    return run_batch(config, games, tag), unsound()


def init_worker(beats=None) -> None:
    """Workers leave Ctrl-C to the parent, which lets running batches finish and records them, and
    die with the process that forked them (so with the tournament: the forkserver exits with it).
    The objects inherited from the forkserver (the imported game) are frozen out of the cyclic
    garbage collector, which otherwise re-scans them in every full collection (~3% of a game)."""
    global _beats
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    gc.freeze()
    _beats = beats
    beat(None, None)


def die_with_parent() -> None:
    """Linux: this process gets SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
