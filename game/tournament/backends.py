"""Where batches run. Each backend takes the same batches and calls `record(rows)` for each
finished batch as it arrives (in completion order; the database and the leaderboard do not
depend on it, since every game's seed was drawn in the parent).

- local (default): concurrent.futures.ProcessPoolExecutor with an explicit multiprocessing
  context ("forkserver" with this package preloaded where available, else "spawn") and
  `max_tasks_per_child=1`: every batch runs in a fresh worker (Mesa 3.3 never frees a model:
  about 0.5 MB per game here), forked from the forkserver that has already imported the game.
  Why 1 and not 8: on Python 3.11 a value above 1 deadlocks the pool once a worker retires with
  tasks still queued (CPython gh-115634, fixed only in 3.13+ backports; seen here after 400 games).
  With 1, no idle-worker token is ever released, so every retired worker is replaced.
  A broken pool (a worker killed, or a strategy that exits the process)
  is detected: finished batches are kept, the pool is rebuilt, unfinished batches retried, and a
  game that kills its worker twice on its own is a forfeit.
- dask / ray: optional, not installed by default (see shared/notes/tournaments.md: on tasks of
  this size they cost ~0.4 s / 2-3 s to start, 170 / 710 MB idle, and add per-task overhead).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from game.tournament.tasks import Config, init_worker, run_batch

Record = Callable[[list[dict]], None]


class BackendMissing(RuntimeError):
    """The chosen backend's package is not installed; the message says how to install it."""


class Interrupted(Exception):
    """Ctrl-C: running batches were finished and recorded, the rest cancelled."""


@dataclass
class Batch:
    games: list[tuple[str, str, int]]
    attempts: int = 0


DIED_TWICE = "the worker process died during this game (killed, crashed or exited), twice"


def _dead_worker_rows(config: Config, batch: Batch, error: str = DIED_TWICE) -> list[dict]:
    return [{"strategy": s, "role": r, "seed": seed, "scenario": config.scenario, "outcome": "forfeit",
             "error": error[:2000],
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


TASKS_PER_CHILD = 1  # see the module docstring: >1 deadlocks on Python 3.11 (gh-115634)
RAY_MAX_CALLS = 8


def run_local(config: Config, batches: list[list], workers: int, record: Record,
              tasks_per_child: int = TASKS_PER_CHILD) -> None:
    queue = [Batch(list(b)) for b in batches]
    if workers == 0:  # in this process: no isolation, no recycling (debugging, benchmarks)
        for batch in queue:
            record(run_batch(config, batch.games))
        return
    ctx = mp_context()
    while queue:
        suspects, queue = _pool_run(config, ctx, workers, queue, record, tasks_per_child)
        if suspects:
            print(f"\na worker process died; re-running the {len(suspects)} batch(es) it may have taken "
                  "down, one at a time", file=sys.stderr)
        for batch in suspects:
            _isolate(config, ctx, batch, record)


def _isolate(config: Config, ctx, batch: Batch, record: Record) -> None:
    """Run a batch that was in flight when a worker died alone; if it breaks its worker again,
    each of its games alone; a game that breaks its worker alone is a forfeit."""
    broken, _ = _pool_run(config, ctx, 1, [batch], record)
    if not broken:
        return
    for game in batch.games if len(batch.games) > 1 else []:
        again, _ = _pool_run(config, ctx, 1, [Batch([game])], record)
        if again:
            record(_dead_worker_rows(config, again[0]))
    if len(batch.games) == 1:
        record(_dead_worker_rows(config, batch))


class CtrlC:
    """Ctrl-C as a flag the loop reads between waits, never as an exception raised inside the
    executor: a KeyboardInterrupt that lands while `wait()` holds some futures' locks leaves them
    held, and the pool's manager thread then blocks forever on the next result (a hang seen in
    the Ctrl-C test). The first press stops new batches and lets the running ones finish; a second
    press raises KeyboardInterrupt to abandon them. Outside the main thread it does nothing."""

    def __enter__(self) -> CtrlC:
        self.pressed, self.previous = False, None
        with contextlib.suppress(ValueError):  # signal handlers can only be set in the main thread
            self.previous = signal.signal(signal.SIGINT, self._press)
        return self

    def _press(self, signum, frame) -> None:
        if self.pressed:
            raise KeyboardInterrupt
        self.pressed = True
        print("\ninterrupted: letting the running batches finish (Ctrl-C again to abandon them)", file=sys.stderr)

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _pool_run(config: Config, ctx, workers: int, batches: list[Batch], record: Record,
              tasks_per_child: int = TASKS_PER_CHILD) -> tuple[list[Batch], list[Batch]]:
    """Run batches with at most workers + 1 in flight, recording each as it finishes. If the pool
    breaks, return (the batches in flight that did not finish, the batches not yet submitted).
    Ctrl-C: no new batch starts, queued ones are cancelled, running ones finish and are recorded,
    then Interrupted; a second Ctrl-C abandons the running ones."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=init_worker,
                               max_tasks_per_child=tasks_per_child)
    todo = deque(batches)
    inflight: dict = {}
    abandoned = False
    try:
        with CtrlC() as ctrl_c:
            while todo or inflight:
                if ctrl_c.pressed:
                    todo.clear()
                    for future in [f for f in inflight if f.cancel()]:
                        del inflight[future]
                while todo and len(inflight) <= workers:
                    batch = todo.popleft()
                    inflight[pool.submit(run_batch, config, batch.games)] = batch
                done, _ = wait(inflight, timeout=0.2, return_when=FIRST_COMPLETED)
                broken = []
                for future in done:
                    batch = inflight.pop(future)
                    try:
                        record(future.result())
                    except BrokenProcessPool:
                        broken.append(batch)
                if broken:
                    for future, batch in inflight.items():  # a broken pool fails everything in flight
                        try:
                            record(future.result())
                        except BrokenProcessPool:
                            broken.append(batch)
                    if ctrl_c.pressed:
                        raise Interrupted
                    return broken, list(todo)
            if ctrl_c.pressed:
                raise Interrupted
        return [], []
    except KeyboardInterrupt:  # the second Ctrl-C: leave the running batches behind
        abandoned = True
        raise Interrupted from None
    finally:
        pool.shutdown(wait=not abandoned, cancel_futures=True)


def require(backend: str) -> None:
    """Raise BackendMissing (with the pip command) unless the backend's package is importable."""
    import importlib.util

    if backend == "dask" and importlib.util.find_spec("distributed") is None:
        raise BackendMissing("--backend dask needs Dask, which is not installed: "
                             "pip install 'dask[distributed]' (or use the default --backend local)")
    if backend == "ray" and importlib.util.find_spec("ray") is None:
        raise BackendMissing("--backend ray needs Ray, which is not installed: pip install 'ray' "
                             "(about 285 MB; or use the default --backend local)")


CONNECT_TIMEOUT = 20  # seconds to reach a Dask scheduler given by --address


class Unreachable(RuntimeError):
    """--address names a cluster that cannot be reached; the message says what was tried."""


def _retry_alone(batch: list, error: BaseException, submit, record: Record, config: Config) -> None:
    """A batch whose worker died (after the cluster's own retries): each game runs again alone,
    and a game that fails alone forfeits, as with local processes."""
    if len(batch) > 1:
        for game in batch:
            submit([game])
    else:
        record(_dead_worker_rows(config, Batch(batch), f"the worker process died during this game: {error}"))


def run_dask(config: Config, batches: list[list], workers: int, record: Record, address: str | None) -> None:
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise BackendMissing("--backend dask needs Dask, which is not installed: "
                             "pip install 'dask[distributed]' (or use the default --backend local)") from None
    address = address or os.environ.get("DASK_SCHEDULER_ADDRESS")
    try:
        client = (Client(address, timeout=CONNECT_TIMEOUT) if address else
                  Client(n_workers=workers or 1, threads_per_worker=1, processes=True))
    except OSError as exc:  # includes TimeoutError
        raise Unreachable(f"--address {address}: cannot reach a Dask scheduler there ({exc}); start one with "
                          "`dask scheduler` and `dask worker ADDRESS`, or leave out --address") from None
    pending: dict = {}
    finished = as_completed()

    def submit(batch: list) -> None:
        future = client.submit(run_batch, config, batch, pure=False)
        pending[future] = batch
        finished.add(future)

    try:
        for batch in batches:
            submit(batch)
        for future in finished:
            batch = pending.pop(future)
            try:
                rows = future.result()
            except Exception as exc:  # KilledWorker: the batch took down its worker (three times)
                _retry_alone(batch, exc, submit, record, config)
            else:
                record(rows)
    except KeyboardInterrupt:
        raise Interrupted from None  # every finished batch is recorded; the rest run again next time
    finally:
        client.close()


def run_ray(config: Config, batches: list[list], workers: int, record: Record, address: str | None,
            tasks_per_child: int = RAY_MAX_CALLS) -> None:
    try:
        import ray
    except ImportError:
        raise BackendMissing("--backend ray needs Ray, which is not installed: pip install 'ray' "
                             "(about 285 MB; or use the default --backend local)") from None
    address = address or os.environ.get("RAY_ADDRESS")
    try:
        ray.init(address=address, num_cpus=None if address else workers or None, ignore_reinit_error=True,
                 include_dashboard=False, logging_level="ERROR")  # the leaderboard, not Ray's start-up chatter
    except ConnectionError as exc:
        raise Unreachable(f"--address {address}: cannot join a Ray cluster there ({exc}); start one with "
                          "`ray start --head`, or leave out --address (a cluster with token authentication "
                          "also needs its token on this machine)") from None
    remote = ray.remote(max_calls=tasks_per_child)(run_batch)  # max_calls recycles workers
    pending: dict = {}

    def submit(batch: list) -> None:
        pending[remote.remote(config, batch)] = batch

    try:
        for batch in batches:
            submit(batch)
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            batch = pending.pop(done[0])
            try:
                rows = ray.get(done[0])
            except ray.exceptions.RayError as exc:  # the worker died (after Ray's own retries)
                _retry_alone(batch, exc, submit, record, config)
            else:
                record(rows)
    except KeyboardInterrupt:
        raise Interrupted from None
    finally:
        ray.shutdown()
