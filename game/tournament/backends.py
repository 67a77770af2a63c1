"""Where batches run. Each backend takes the same batches and calls `record(rows)` for each
finished batch as it arrives (in completion order; the database and the leaderboard do not
depend on it, since every game's seed was drawn in the parent).

- local (default): concurrent.futures.ProcessPoolExecutor with an explicit multiprocessing
  context ("forkserver" with this package preloaded where available, else "spawn") and
  `max_tasks_per_child`, so worker processes are recycled (Mesa 3.3 never frees a model: about
  0.5 MB per game here). A broken pool (a worker killed, or a strategy that exits the process)
  is detected: finished batches are kept, the pool is rebuilt, unfinished batches retried, and a
  game that kills its worker twice on its own is a forfeit.
- dask / ray: optional, not installed by default (see shared/notes/tournaments.md: on tasks of
  this size they cost ~0.4 s / 2-3 s to start, 170 / 710 MB idle, and add per-task overhead).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from game.tournament.worker import Config, init_worker, play_batch

Record = Callable[[list[dict]], None]


class BackendMissing(RuntimeError):
    """The chosen backend's package is not installed; the message says how to install it."""


class Interrupted(Exception):  # noqa: N818 - reads as "the tournament was interrupted"
    """Ctrl-C: running batches were finished and recorded, the rest cancelled."""


@dataclass
class Batch:
    games: list[tuple[str, str, int]]
    attempts: int = 0


def _dead_worker_rows(config: Config, batch: Batch) -> list[dict]:
    return [{"strategy": s, "role": r, "seed": seed, "scenario": config.scenario, "outcome": "forfeit",
             "error": "the worker process died during this game (killed, crashed or exited), twice",
             "total": None, "components": {}, "turns": 0, "refused": 0, "slowest_decision": None,
             "worker_pid": None, "wall_time": None} for s, r, seed in batch.games]


def mp_context():
    """forkserver (workers fork from a server that has already imported the game: cheap
    recycling) where the platform has it; spawn elsewhere. Never fork: Mesa sets spawn globally
    and fork is incompatible with max_tasks_per_child."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["game.tournament.worker"])
        return ctx
    return multiprocessing.get_context("spawn")


def run_local(config: Config, batches: list[list], workers: int, record: Record,
              tasks_per_child: int = 8) -> None:
    pending = [Batch(list(b)) for b in batches]
    if workers == 0:  # in this process: no isolation, no recycling (debugging, benchmarks)
        for batch in pending:
            record(play_batch(config, batch.games))
        return
    ctx = mp_context()
    while pending:
        retry: list[Batch] = []
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=init_worker,
                                   max_tasks_per_child=tasks_per_child)
        futures = {pool.submit(play_batch, config, b.games): b for b in pending}
        pending = []
        try:
            remaining = set(futures)
            while remaining:
                done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                for future in done:
                    batch = futures[future]
                    try:
                        rows = future.result()
                    except BrokenProcessPool:
                        retry.append(batch)
                        continue
                    record(rows)
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            print("\ninterrupted: letting the running batches finish (Ctrl-C again to abandon them)",
                  file=sys.stderr)
            for future, _batch in futures.items():
                if not future.cancelled():
                    try:
                        record(future.result())
                    except BrokenProcessPool:
                        pass
            pool.shutdown(wait=True, cancel_futures=True)
            raise Interrupted from None
        pool.shutdown(wait=True, cancel_futures=True)
        for batch in retry:  # every batch in flight when the pool broke is suspect
            batch.attempts += 1
            if batch.attempts < 2:
                pending.append(batch)
            elif len(batch.games) > 1:  # isolate the culprit: one game per task
                pending += [Batch([g], attempts=1) for g in batch.games]
            else:
                record(_dead_worker_rows(config, batch))
        if retry:
            print(f"\na worker process died; {len(retry)} unfinished batch(es) will be retried", file=sys.stderr)


def run_dask(config: Config, batches: list[list], workers: int, record: Record, address: str | None) -> None:
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise BackendMissing("--backend dask needs Dask, which is not installed: "
                             "pip install 'dask[distributed]' (or use the default --backend local)") from None
    address = address or os.environ.get("DASK_SCHEDULER_ADDRESS")
    client = Client(address) if address else Client(n_workers=workers or 1, threads_per_worker=1, processes=True)
    try:
        futures = client.map(play_batch, [config] * len(batches), batches, pure=False)
        for _future, rows in as_completed(futures, with_results=True):
            record(rows)
    finally:
        client.close()


def run_ray(config: Config, batches: list[list], workers: int, record: Record, address: str | None,
            tasks_per_child: int = 8) -> None:
    try:
        import ray
    except ImportError:
        raise BackendMissing("--backend ray needs Ray, which is not installed: pip install 'ray' "
                             "(about 285 MB; or use the default --backend local)") from None
    ray.init(address=address or os.environ.get("RAY_ADDRESS"), num_cpus=None if address else workers or None,
             ignore_reinit_error=True)
    try:
        remote = ray.remote(max_calls=tasks_per_child)(play_batch)  # max_calls recycles workers
        refs = [remote.remote(config, b) for b in batches]
        while refs:
            done, refs = ray.wait(refs, num_returns=1)
            record(ray.get(done[0]))
    finally:
        ray.shutdown()
