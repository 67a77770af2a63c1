"""What the parent hands to worker processes, importable without the game.

The parent never plays a game, so it need not import Mesa (~0.7 s of CPU, which at the start of a
run competes with the forkserver that does need it). Functions are pickled by name: `run_batch`
is a trampoline into `worker.play_batch`, which a worker forked from the forkserver has already
imported (and a Dask or Ray worker imports on its first batch).
"""

from __future__ import annotations

import gc
import signal
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


def run_batch(config: Config, games: list[tuple[str, str, int]]) -> list[dict]:
    from game.tournament.worker import play_batch

    return play_batch(config, games)


def init_worker() -> None:
    """Workers leave Ctrl-C to the parent, which lets running batches finish and records them.
    The objects inherited from the forkserver (the imported game) are frozen out of the cyclic
    garbage collector, which otherwise re-scans them in every full collection (~3% of a game)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()
