"""Where batches run. Each backend takes the same batches and calls `record(rows)` for each
finished batch as it arrives (in completion order; the database and the leaderboard do not
depend on it, since every game's seed was drawn in the parent).

- local (default): concurrent.futures.ProcessPoolExecutor with an explicit multiprocessing
  context ("forkserver" with this package preloaded where available, else "spawn"). Workers live
  for the whole run (no `max_tasks_per_child`): a fresh worker per batch cost ~5 ms of pool
  overhead a game (the fork and a cold first game), and since each world is released from Mesa's
  registry (`World.close`) a long-lived worker stays flat. Plug-ins never run in a worker (their
  sandboxes are per batch), so their faults cannot spoil one; a worker whose own process a game may
  have left unsound (worker.unsound: the decision alarm interrupted in-process code, a SystemExit or
  KeyboardInterrupt, MemoryError) says so with its batch's rows, and the pool is then drained and
  started afresh: it plays no other batch. A worker that dies breaks the pool, which is rebuilt as
  before. `tasks_per_child=1` (a fresh worker per batch) is kept for comparison; a value above 1
  deadlocks the pool on Python 3.11 once a worker retires with tasks still queued (CPython
  gh-115634), so it is refused.
  Each worker tells the parent over a pipe when it starts and as each game starts (tasks.beat).
  With that the parent enforces a per-game hard limit from outside (`game_limit`: a worker whose
  game runs longer is killed, the game forfeits, the tournament goes on), knows which game each
  broken worker was playing (that game alone is re-run, and forfeits if it breaks its worker
  again; the others are simply re-run), and can kill every worker on a second Ctrl-C.
- dask / ray: optional, not installed by default (see shared/notes/tournaments.md: on tasks of
  this size they cost ~0.4 s / 2-3 s to start, 170 / 710 MB idle, and add per-task overhead).
  Plug-ins play from sandboxes there too (the decision limit holds); the per-game hard limit
  and the second Ctrl-C's kill are local only.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import forkserver

from game.tournament.tasks import Config, forfeit_rows, init_worker, run_batch, run_local_batch

Record = Callable[[list[dict]], None]


class BackendMissing(RuntimeError):
    """The chosen backend's package is not installed; the message says how to install it."""


class Interrupted(Exception):
    """Ctrl-C: running batches were finished and recorded (or abandoned on a second Ctrl-C), the
    rest cancelled."""


@dataclass
class Batch:
    games: list[tuple]  # tasks.py: (strategy, role, seed), or a cross-play game's
    attempts: int = 0  # pools that broke before it started a game


DIED_TWICE = "the worker process died during this game (killed, crashed or exited), twice"
NEVER_STARTED = "the worker process died before this batch started, three times"


def _dead_worker_rows(config: Config, batch: Batch, error: str = DIED_TWICE) -> list[dict]:
    return [row for game in batch.games for row in forfeit_rows(config, game, error)]


def mp_context():
    """forkserver (workers fork from a server that has already imported the game: a cheap start,
    and a cheap replacement for a broken pool) where the platform has it; spawn elsewhere. Never
    fork: Mesa sets spawn globally, and a worker forked from the parent would inherit its threads."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["game.tournament.worker"])
        return ctx
    return multiprocessing.get_context("spawn")


def start_forkserver() -> None:
    """Start the forkserver now, with Ctrl-C ignored. It hands every child it forks the SIGINT
    handling it started with, so its workers then ignore Ctrl-C from their first instruction;
    started with the default, a press while a worker is being born raised KeyboardInterrupt in it
    before its initializer ran, and printed a traceback. (Early, too: it imports the game while
    the parent checks the strategies.) Elsewhere, init_worker ignores Ctrl-C as a worker starts."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    mp_context()
    previous = None
    with contextlib.suppress(ValueError):  # only the main thread may set handlers
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


TASKS_PER_CHILD: int | None = None  # workers live for the run; 1: a fresh one per batch; >1 deadlocks on 3.11
RAY_MAX_CALLS = 8


class CtrlC:
    """Ctrl-C for the whole tournament command. While games run (`flags()`), a press only sets a
    flag the loop reads between waits, never an exception raised inside the executor: a
    KeyboardInterrupt that lands while `wait()` holds some futures' locks leaves them held, and
    the pool's manager thread then blocks forever. The first press stops new batches and lets the
    running ones finish; the second abandons them (the loop kills the workers). Where the games
    play in this process (`in_process`: no loop can look at a flag until the batch ends) the
    second press raises KeyboardInterrupt. Outside the games (checking strategies, drawing the
    board) a press raises KeyboardInterrupt at once. Outside the main thread it does nothing."""

    def __init__(self) -> None:
        self.presses = 0
        self.previous = None
        self.playing = self.in_process = False

    @property
    def pressed(self) -> bool:
        return self.presses > 0

    @property
    def abandon(self) -> bool:
        return self.presses > 1

    def __enter__(self) -> CtrlC:
        with contextlib.suppress(ValueError):  # signal handlers can only be set in the main thread
            self.previous = signal.signal(signal.SIGINT, self._press)
        return self

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)

    @contextlib.contextmanager
    def flags(self, in_process: bool = False):
        self.playing, self.in_process = True, in_process
        try:
            yield self
        finally:
            self.playing = self.in_process = False

    def _press(self, signum, frame) -> None:
        self.presses += 1
        if not self.playing:
            raise KeyboardInterrupt
        if self.presses == 1:
            print("\ninterrupted: letting the running batches finish (Ctrl-C again to abandon them)", file=sys.stderr)
        elif self.presses == 2:
            print("\ninterrupted again: stopping the running batches", file=sys.stderr)
            if self.in_process:
                raise KeyboardInterrupt


def run_local(config: Config, batches: list[list], workers: int, record: Record,
              tasks_per_child: int | None = TASKS_PER_CHILD, game_limit: float | None = None,
              ctrl_c: CtrlC | None = None) -> None:
    """`game_limit`: seconds a single game may take in a worker before the parent kills it (None:
    no limit). With `workers` 0 the games play in this process: no isolation, no hard limit.
    `tasks_per_child`: None, workers live for the run; 1, a fresh worker per batch.
    `ctrl_c`: the command's (run.py installs one for the whole run); else one for these games."""
    if tasks_per_child not in (None, 1):
        raise ValueError(f"tasks_per_child={tasks_per_child}: None or 1 (above 1 the pool deadlocks on "
                         "Python 3.11, CPython gh-115634)")
    if ctrl_c is None:
        with CtrlC() as ctrl_c:
            return run_local(config, batches, workers, record, tasks_per_child, game_limit, ctrl_c)
    todo = deque(Batch(list(b)) for b in batches)
    if workers == 0:  # in this process (debugging, benchmarks)
        with ctrl_c.flags(in_process=True):
            try:
                while todo and not ctrl_c.pressed:
                    record(run_batch(config, todo.popleft().games))
            except KeyboardInterrupt:
                raise Interrupted from None
            if todo:
                raise Interrupted
        return
    start_forkserver()
    ctx = mp_context()
    with ctrl_c.flags():
        while todo:
            suspects = _pool_run(config, ctx, workers, todo, record, ctrl_c, game_limit, tasks_per_child)
            if suspects:
                print(f"\na worker process died; re-running alone the {len(suspects)} game(s) it may have "
                      "been playing", file=sys.stderr)
            for game in suspects:
                alone = deque([Batch([game])])
                while alone:
                    if _pool_run(config, ctx, 1, alone, record, ctrl_c, game_limit, tasks_per_child):
                        record(_dead_worker_rows(config, Batch([game])))


@dataclass
class Flight:
    """The parent's view of one batch in flight: which game its worker last said it started."""
    batch: Batch
    tag: int
    game: int | None = None
    pid: int | None = None
    since: float = 0.0


@dataclass
class Beats:
    """Reads the workers' heartbeats (tasks.beat) from the pool's pipe."""
    reader: object
    workers: set[int] = field(default_factory=set)

    def read(self, flights: dict[int, Flight]) -> None:
        while self.reader.poll():
            try:
                tag, index, pid = json.loads(self.reader.recv_bytes())
            except (EOFError, OSError, ValueError):
                return
            self.workers.add(pid)
            flight = flights.get(tag)
            if flight is not None:
                flight.game, flight.pid, flight.since = index, pid, time.monotonic()

    def kill_all(self) -> None:
        for pid in self.workers:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def _pool_run(config: Config, ctx, workers: int, todo: deque, record: Record, ctrl_c: CtrlC,
              game_limit: float | None, tasks_per_child: int | None = TASKS_PER_CHILD) -> list[tuple]:
    """Run batches from `todo` with at most workers + 1 in flight, recording each as it finishes,
    until `todo` is empty, the pool breaks, or a worker asks to be replaced (then no new batch
    starts, the running ones finish, and the caller starts a new pool for the rest). On a break,
    every unfinished batch goes back to the front of `todo` (without the games it had finished:
    their rows died with the worker), a game that overran `game_limit` is recorded as a forfeit,
    and the games the broken workers were playing for no known reason are returned (to be re-run
    alone). Ctrl-C: no new batch starts, queued ones are cancelled, running ones finish and are
    recorded, then Interrupted; a second Ctrl-C kills the workers and raises Interrupted at once."""
    reader, writer = ctx.Pipe(duplex=False)
    beats = Beats(reader)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=init_worker, initargs=(writer,),
                               max_tasks_per_child=tasks_per_child)
    inflight: dict = {}  # future -> Flight
    flights: dict[int, Flight] = {}
    overdue: Flight | None = None
    orderly = renew = False
    try:
        while (todo and not renew) or inflight:
            if ctrl_c.abandon:
                raise Interrupted
            if ctrl_c.pressed:
                todo.clear()
                for future in [f for f in inflight if f.cancel()]:
                    del flights[inflight.pop(future).tag]
            while todo and len(inflight) <= workers and not ctrl_c.pressed and not renew:
                batch = todo.popleft()
                tag = len(flights) and max(flights) + 1
                flight = flights[tag] = Flight(batch, tag)
                inflight[pool.submit(run_local_batch, config, batch.games, tag)] = flight
            if not inflight:
                break
            done, _ = wait(inflight, timeout=0.2, return_when=FIRST_COMPLETED)
            beats.read(flights)
            if game_limit and overdue is None:
                overdue = next((f for f in flights.values() if f.game is not None
                                and time.monotonic() - f.since > game_limit), None)
                if overdue is not None:  # the pool will break: every unfinished batch goes back
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(overdue.pid, signal.SIGKILL)
            broken = []
            for future in done:
                flight = inflight.pop(future)
                try:
                    rows, unsound = future.result()
                except BrokenProcessPool:
                    broken.append(flight)
                    continue
                del flights[flight.tag]
                renew = renew or (unsound and tasks_per_child is None)  # with 1 it retires anyway
                _record_or_requeue(rows, flight, todo, record)
            if broken:
                for future, flight in inflight.items():  # a broken pool fails everything in flight
                    try:
                        _record_or_requeue(future.result()[0], flight, todo, record)
                    except BrokenProcessPool:
                        broken.append(flight)
                inflight.clear()
                beats.read(flights)
                orderly = True
                if ctrl_c.pressed:
                    raise Interrupted
                return _after_break(config, broken, overdue, todo, record, game_limit)
        orderly = True  # every batch it started has finished (with todo left over: a worker asked to go)
        if ctrl_c.pressed:
            raise Interrupted
        return []
    finally:
        if not orderly and inflight:  # Ctrl-C twice, or an error (e.g. recording): abandon the running batches
            _abandon(beats, flights, inflight)
        pool.shutdown(wait=True, cancel_futures=True)
        reader.close()
        writer.close()


def _record_or_requeue(rows: list[dict] | None, flight: Flight, todo: deque, record: Record) -> None:
    """A finished batch's rows are recorded; a batch an unsound worker declined (rows None) goes
    back to the front of `todo`, for the next pool."""
    if rows is None:
        todo.appendleft(flight.batch)
    else:
        record(rows)


def _abandon(beats: Beats, flights: dict[int, Flight], inflight: dict) -> None:
    """Kill every worker and let the pool see it broken before it is shut down. Order matters on
    Python 3.11: a shutdown that wakes the pool's manager thread first sends it down the orderly
    path, which joins the surviving workers, and a worker waiting for the task queue's lock that a
    killed worker held never returns (a hang); shutdown(wait=False) instead races the manager
    thread, which may crash replacing a retired worker. Once the manager has seen a dead worker it
    terminates the others, fails every future and ends, so the shutdown after it is immediate."""
    beats.read(flights)
    beats.kill_all()
    wait(inflight, timeout=10)


def _after_break(config: Config, broken: list[Flight], overdue: Flight | None, todo: deque, record: Record,
                 game_limit: float | None) -> list[tuple]:
    """Sort out the batches a broken pool failed (see _pool_run); returns the suspects."""
    suspects, again = [], []
    for flight in broken:
        games = flight.batch.games
        if flight.game is None:  # never started a game: the break was not its doing
            flight.batch.attempts += 1
            if flight.batch.attempts >= 3:
                record(_dead_worker_rows(config, flight.batch, NEVER_STARTED))
            else:
                again.append(flight.batch)
            continue
        current = games[flight.game]
        rest = games[:flight.game] + games[flight.game + 1:]
        if rest:
            again.append(Batch(rest))
        if flight is overdue:
            record(_dead_worker_rows(config, Batch([current]),
                                     f"the game did not finish within the hard limit of {game_limit:g} s a game "
                                     "(the tournament killed its worker process)"))
        elif overdue is not None:  # we broke the pool: the other games were only in the way
            again.append(Batch([current]))
        else:
            suspects.append(current)
    todo.extendleft(reversed(again))
    return suspects


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
