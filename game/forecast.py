"""The rest of the term, re-played while the player is still moving a lever (issue 16).

A forecast plays the world on from where it stands to the last quarter of the term with the
player's country holding one set of settings: the desk's staged Actions handed in at the next
quarter (as End Turn would hand them), then nothing more, so the programmes in force and the
staged change run on. Every other country keeps playing by its own controller, as in the real
game, and event choices put to the player are answered as laissez_faire answers them (the
choice that commits the state to nothing). The forecast plays on a copy of the world, whose
random streams continue the same draws (game.streams), so the same settings always give the
same forecast, and a forecast of the programmes in force is exactly the game a player who ends
every remaining turn without a change would get (tested).

Where the run happens: re-playing the rest of a term costs tens of milliseconds, too long for a
frame, and a game in progress cannot be pickled to a worker (Mesa's DataCollector holds lambdas),
so `ForecastScheduler` runs each forecast in a forked process: the window forks one server a turn
(game.child.inline_server), which sees the world as it was at the fork (copy-on-write memory: no
copy is made up front) and plays each run itself on a `World.fork()` of it (~1-2 ms), writing the
result to its answer pipe. The desktop's frames run on in the parent while the server uses the
other core, and the window pays a fork's cost (page tables, and the copying of every page it
writes while a child shares it) once a turn, not once per slider step. (Until issue 15's twelfth
session the server forked a worker per run, game.child.fork_server: every worker copied again
each page its run touched, since Python writes reference counts on what it reads, and a
20-quarter forecast took 68 ms of CPU there against 52 ms played in-process; the server copies
those pages once, on its first run.) A burst of slider
events is coalesced as SDEverywhere's scheduler does it for En-ROADS: at most one run in progress
and one queued, the latest settings replacing the queued ones. Where `os.fork` is not safe
(macOS: see game/child.py) or does not exist (Windows) the scheduler runs each forecast in
`poll`, on `World.fork()`.

Prefetch: a forecast takes ~30-60 ms, so a slider dragged step by step shows each step's own
forecast late. While the player hovers a lever (or has it under the keyboard's focus) the desk
hands `prefetch` the bundles it would submit with that lever at each of its other settings (a
slider's, the trade stance's other stances, a link's toggled state), in
the order worth having them (game.desk_levers.prefetch_order), and the scheduler forecasts them
one at a time whenever nothing the desk asked for is running or waiting, up to PREFETCH_CAP per
lever a turn; a drag that reaches one finds it in the cache and the chart shows it that frame.
A prefetch run in progress is ended (game.child.cancel_work) as soon as the desk asks for a run,
at its next quarter (`play_rest` asks the server's `stopped` before each), so the desk's own
forecast waits for one quarter of it at most. Every prefetched forecast is the
exact forecast of its bundle, never an interpolation. Where the runs are played in `poll` (no
fork) there is no prefetch: it would block the frames.

No pygame here: the desktop desk draws the lines, and the classroom could serve them too.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from agents.controllers import Controller, LaissezFaire
from game.actions import Action
from game.child import FORK_SAFE, cancel_work, frame, inline_server, split_answer, split_frame, stop_server, write_all
from game.score import countries_read, country_breakdown

PREFETCH_CAP = 24  # prefetched forecasts per lever a turn: every setting of a 5%-step slider (20 besides the
# current one), every ~2 points of a 1-point one; at turn 0 ~1.3 s of the other core per lever hovered
CACHE_SIZE = 128  # forecasts kept per turn, least recently used dropped first: the hovered lever's
# prefetched 24, every other setting a drag across the widest slider (51 settings) can submit, the
# programmes in force and a preview's `ask` (77 in all) with room for the last lever hovered's 24 as
# well: a drag never evicts the prefetched forecast it is about to reach (~2 KB a forecast pickled)


@dataclass(frozen=True)
class Forecast:
    """The country's index over the rest of the term under one set of staged settings."""

    turn: int  # quarters played when the forecast started (its first value is turn + 1)
    staged: tuple[str, ...]  # the staged Actions, canonical JSON (empty: the programmes in force)
    scores: tuple[float, ...]  # the country's index after each quarter turn + 1 .. the last
    points: tuple[dict, ...]  # its index by component (points) after each of those quarters
    spent: dict[str, float] = field(default_factory=dict)  # programme -> local currency paid over them
    owed: tuple[dict, ...] = ()  # programme -> local currency it owed, each of those quarters (usage-based
    # programmes not used yet have no estimate from last quarter's use: the desk reads their cost here)
    cpu: float = 0.0  # CPU seconds the run took (in the child when forked)

    @property
    def final(self) -> dict[str, float]:
        """The components at the end of the term (empty if no quarter is left)."""
        return self.points[-1] if self.points else {}


def staged_key(actions: list[Action]) -> tuple[str, ...]:
    """The canonical form of a bundle of Actions: two bundles with the same key play the same."""
    return tuple(json.dumps(a.model_dump(), sort_keys=True) for a in actions)


class Holds(Controller):
    """The player's seat in a forecast: the staged Actions in the first quarter, nothing after
    (the settings are held); event choices as laissez_faire answers them."""

    name = "forecast"

    def __init__(self, actions: list[Action]) -> None:
        self.actions = list(actions)

    def decide(self, obs):
        actions, self.actions = self.actions, []
        return actions

    def choose(self, event, obs):
        return LaissezFaire().choose(event, obs)


class Stopped(Exception):
    """A run the window asked to end (`ForecastScheduler._cancel_prefetch`), given up between quarters."""


def play_rest(world, code: str, actions: list[Action], stopped: Callable[[], bool] | None = None) -> Forecast:
    """Play `world` itself (a copy: it is changed) to the end of the term with `code` holding
    `actions` staged now. Called between quarters, as the desk is. `stopped` (the server's: see
    game.child.inline_server) is asked before each quarter; when it says so the run raises `Stopped`."""
    if world.in_turn:
        raise RuntimeError("a forecast starts between quarters")
    started = time.process_time()
    turn = world.turn
    world.governance.controllers[code] = Holds(actions)
    world.explains = False  # the run is read for its numbers: no cause log (World.explains)
    spec = world.scenario.score
    read = countries_read(spec, code) if spec is not None and code in world.countries else []
    scores, points, spent, owed = [], [], {}, []
    while not world.finished:
        if stopped is not None and stopped():
            raise Stopped
        world.step()
        record = world.record_now  # only the country's score and what it reads are built
        scores.append(float(record.score_of(code)))
        points.append(country_breakdown(spec, record.indicators_of(read), code) if read else {})
        programmes = world.countries[code].programmes
        for name, (_, paid) in programmes.items():
            spent[name] = spent.get(name, 0.0) + paid
        owed.append({name: float(due) for name, (due, _) in programmes.items()})
    return Forecast(turn=turn, staged=staged_key(actions), scores=tuple(scores), points=tuple(points), spent=spent,
                    owed=tuple(owed), cpu=time.process_time() - started)


def forecast(world, code: str, actions: list[Action]) -> Forecast:
    """`play_rest` on a copy (`World.fork`): the world itself is untouched."""
    trial = world.fork()
    try:
        return play_rest(trial, code, actions)
    finally:
        trial.close()


def play_baseline(baseline_world, code: str) -> tuple[float, ...]:
    """The no-action game's index for every quarter of the term, playing on `baseline_world`
    (changed) from wherever it stands."""
    while not baseline_world.finished:
        baseline_world.step()
    return tuple(float(h["score"].get(code, 0.0)) for h in baseline_world.history)


@dataclass
class _Run:
    fd: int  # the turn's server's answer pipe
    key: tuple[str, ...]
    submitted: float  # perf_counter when it was asked for (a queued run: when it was queued)
    background: bool = False  # asked for by a preview (`ask`) or prefetched, not the desk's own bundle
    lever: str | None = None  # prefetched for this lever (the desk asked for it: None)
    cancelled: bool = False  # a prefetch ended because the desk asked for another run (its answer: empty)
    number: int = 0  # its request's number at the turn's server (the first is 1)
    answer: bytes | None = None  # the server's pickled answer, once whole (None: the server ended without one)


class ForecastScheduler:
    """Forecasts of the rest of the term, each in a child process, never more than one at a time.

    `submit(actions)` asks for the forecast of a staged bundle; `poll()` (every frame) collects
    what has finished and starts what waits, and returns the forecast of the latest submitted
    bundle when it arrives (else None). The forecast of the programmes in force (`in_force`) and
    the no-action game (`no_action`, if `baseline_of` is given) are made first, once per turn.

    `world_of` returns the game's world now (a load or a rewind replaces it: the scheduler sees a
    new world or turn and starts again); `baseline_of` the no-action game's world at any turn.
    """

    def __init__(self, world_of: Callable, code: str, baseline_of: Callable | None = None,
                 use_fork: bool | None = None) -> None:
        self.world_of = world_of
        self.code = code
        self.baseline_of = baseline_of
        self.use_fork = FORK_SAFE if use_fork is None else use_fork
        self.running: _Run | None = None
        self.queued: tuple[tuple[str, ...], list[Action], float] | None = None
        self.extra: tuple[tuple[str, ...], list[Action], float] | None = None  # `ask`'s, after the rest
        self.wanted: tuple[str, ...] | None = None  # the key of the latest submitted bundle
        self.cache: OrderedDict[tuple[str, ...], Forecast] = OrderedDict()
        self.in_force: Forecast | None = None
        self.newest: Forecast | None = None  # the desk's forecast shown last: arrived, or found in the cache
        self.no_action: tuple[float, ...] | None = None
        self.latency: list[tuple[float, float]] = []  # (wall seconds submit -> result, child CPU seconds)
        self.errors: list[str] = []
        self.runs = 0  # forecasts started for the desk, not prefetched (tests: a burst of submits starts few)
        self.prefetches = 0  # forecasts started ahead of a drag (`prefetch`)
        self.prefetch_lever: str | None = None  # the lever whose settings are prefetched (None: no prefetch)
        self._plan: Iterator[list[Action]] | None = None  # its bundles not yet taken
        self.prefetched: dict[str, int] = {}  # lever -> prefetch runs started this turn (at most PREFETCH_CAP)
        self.prefetch_cpu: dict[str, float] = {}  # lever -> child CPU seconds its prefetches took this turn
        self.delays: list[float] = []  # seconds the desk's latest bundle waited for a prefetch run in progress
        self.preempt = True  # a prefetch run is ended when the desk asks for a run (False: it finishes first)
        self.cancelled = 0  # prefetch runs ended before their end (the desk asked, or the plan changed)
        self.servers = 0  # server children forked (one a turn: game.child.fork_server)
        self._server: tuple[int, int, int, int] | None = None  # (pid, request, answer, cancel fds) this turn
        self._sent = 0  # requests written to this turn's server (a run's number, for `cancel_work`)
        self._answers = b""  # what the server has written that is not yet a whole answer
        self._spare = None  # in the turn's server: a copy of its world made while it waited (`_make_spare`)
        self._seen: tuple[int, int] | None = None
        self._in_force_asked = False  # the run for the programmes in force was started this turn

    # ------------------------------------------------------------------ asking
    def submit(self, actions: list[Action]) -> None:
        """Ask for the forecast with `actions` staged; replaces whatever was queued."""
        self._check_world()
        key = staged_key(actions)
        self.wanted = key
        if key in self.cache:  # (prefetched, or a setting the slider passed before): shown now
            self.cache.move_to_end(key)  # kept longest
            self.newest = self.cache[key]  # while later steps wait, the chart stays at this one
        if key in self.cache or (self.running is not None and self.running.key == key):
            self.queued = None
        else:
            self.queued = (key, list(actions), time.perf_counter())
        self._start_next()

    def ask(self, actions: list[Action]) -> Forecast | None:
        """The forecast with `actions` staged if it is known; else it is asked for behind the
        desk's own (the programmes in force and the latest submitted bundle come first), replacing
        an earlier such request, and None until it arrives. A lever's preview asks this way for
        the desk's bundle without its own lever, so that with several levers moved each shows its
        own effect. It never becomes the chart's forecast (`latest`)."""
        self._check_world()
        key = staged_key(actions)
        if not key:
            return self.in_force
        if key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        waiting = (self.running is not None and self.running.key == key) or \
            (self.queued is not None and self.queued[0] == key) or (self.extra is not None and self.extra[0] == key)
        if not waiting:
            self.extra = (key, list(actions), time.perf_counter())
            self._start_next()
        return None

    def current(self) -> Forecast | None:
        """The forecast of the latest submitted bundle, if it is known."""
        return self.cache.get(self.wanted) if self.wanted is not None else None

    def latest(self) -> Forecast | None:
        """The forecast to show for the latest bundle: its own once known, else (while a slider is
        still moving) the newest staged forecast of this turn, a step or two behind the slider."""
        if not self.wanted:
            return None
        found = self.current()
        if found is None and self.newest is not None and self.newest.staged:
            found = self.newest
        return found

    def prefetch(self, lever: str | None, bundles: Iterable[list[Action]] = ()) -> None:
        """Forecast `bundles` ahead of a drag: the desk's bundle with `lever` at each of its other
        settings, in the order given (taken one at a time, so the desk may work each out lazily),
        whenever nothing the desk asked for is running or waiting, at most PREFETCH_CAP runs per
        lever a turn. A new call replaces the plan and ends the prefetch run in progress (its
        setting is of the old plan); `None` ends both (the lever lost the pointer and the focus).
        No prefetch without fork."""
        self._check_world()
        self._cancel_prefetch()
        self.prefetch_lever = lever
        live = lever is not None and self.use_fork and not self.world_of().finished
        self._plan = iter(bundles) if live else None
        if live:  # (stopping starts nothing: the window stops it too while a quarter is half played)
            self._start_next()

    def _desk_running(self) -> bool:
        """A run is in progress that the desk waits for: its own, or a prefetch of its latest bundle."""
        run = self.running
        return run is not None and (run.lever is None or run.key == self.wanted)

    @property
    def busy(self) -> bool:
        """The desk waits for a forecast (prefetching alone is not busy: no "estimating" shown)."""
        return self._desk_running() or self.queued is not None or self.extra is not None

    @property
    def prefetching(self) -> bool:
        """A prefetch in progress or still to start: the window polls every frame meanwhile."""
        return (self.running is not None and self.running.lever is not None) or self._plan is not None

    def poll(self) -> Forecast | None:
        """Collect a finished run, start the next; the latest bundle's forecast when it arrives."""
        self._check_world()
        arrived = None
        if self.running is not None and self._collect(self.running):
            finished, self.running = self.running, None
            if finished.lever is not None and self.queued is not None:
                self.delays.append(time.perf_counter() - self.queued[2])
            arrived = self._finish(finished)
        arrived = self._start_next() or arrived
        if arrived is not None and arrived.staged == self.wanted:
            return arrived
        return None

    def wait(self, timeout: float = 30.0) -> Forecast | None:
        """Poll until nothing is running or queued (tests and benchmarks); the latest forecast."""
        end = time.perf_counter() + timeout
        result = None
        while self.busy and time.perf_counter() < end:
            result = self.poll() or result
            if self.running is not None and self.use_fork:
                select.select([self.running.fd], [], [], 0.05)
        return self.current() or result

    def close(self) -> None:
        """Stop a run in progress and this turn's server (a new turn, or the game is left or replaced)."""
        self.running, self.queued, self.extra = None, None, None
        self.prefetch_lever, self._plan = None, None
        if self._server is not None:
            stop_server(*self._server)
            self._server, self._answers = None, b""

    # ------------------------------------------------------------------ the runs
    def _check_world(self) -> None:
        """A new turn or a new world: every forecast is out of date."""
        world = self.world_of()
        seen = (id(world), world.turn)
        if seen == self._seen:
            return
        new_world = self._seen is None or self._seen[0] != id(world)
        self._seen = seen
        self.close()
        self.cache.clear()
        self.in_force = self.newest = None
        self._in_force_asked = False
        self.prefetched.clear()
        self.prefetch_cpu.clear()
        if new_world:
            self.no_action = None
        self.wanted = None

    def _start_next(self) -> Forecast | None:
        """Start the next run if none is running: the programmes in force first, then the desk's
        latest bundle, a preview's request, and last a prefetch. Without fork the runs are played
        here and now; the last one played is returned."""
        done = None
        self._preempt()
        while self.running is None and not self.world_of().finished:
            background, lever = False, None
            if not self._in_force_asked:
                self._in_force_asked = True
                job = ((), [], time.perf_counter())
            elif self.queued is not None:
                job, self.queued = self.queued, None
            elif self.extra is not None:
                job, self.extra, background = self.extra, None, True
            elif (job := self._next_prefetch()) is not None:
                background, lever = True, self.prefetch_lever
            else:
                break
            key, actions, submitted = job
            baseline = self.no_action is None and self.baseline_of is not None and not key
            if not self.use_fork:
                done = self._finish_inline(key, actions, submitted, baseline, background)
            else:
                self._fork(key, actions, submitted, baseline, background, lever)
        return done

    def _preempt(self) -> None:
        """End the prefetch run in progress if the desk (or a preview) waits: the server gives it
        up at its next quarter and answers with an empty frame, so the desk's run starts at
        the next poll instead of after the rest of the prefetch (up to a whole forecast)."""
        if self.preempt and (self.queued is not None or self.extra is not None):
            self._cancel_prefetch()

    def _cancel_prefetch(self) -> None:
        """Have the server end the prefetch run in progress, unless the desk now waits for it."""
        run = self.running
        if run is None or run.lever is None or run.cancelled or run.key == self.wanted or self._server is None:
            return
        run.cancelled = True
        self.cancelled += 1
        cancel_work(self._server[3], run.number)

    def _next_prefetch(self) -> tuple[tuple[str, ...], list[Action], float] | None:
        """The next bundle of the prefetch plan not forecast yet, while the lever's cap allows."""
        lever = self.prefetch_lever
        while self._plan is not None and self.prefetched.get(lever, 0) < PREFETCH_CAP:
            actions = next(self._plan, None)
            if actions is None:
                break
            key = staged_key(actions)
            if key not in self.cache:
                self.prefetched[lever] = self.prefetched.get(lever, 0) + 1
                return key, list(actions), time.perf_counter()
        self._plan = None
        return None

    def _payload(self, actions: list[Action], baseline: bool, stopped: Callable[[], bool]) -> dict:
        """The work of one run, done in the turn's server on copies (`World.fork`) of its world and
        of the no-action game, so that both are as they were for the next run. The copy of the
        world is the one the server made while it waited for this run (`_make_spare`), if any."""
        trial, self._spare = self._spare, None
        if trial is None:
            trial = self.world_of().fork()
        try:
            result = {"forecast": play_rest(trial, self.code, actions, stopped)}
        finally:
            trial.close()
        if baseline:
            base = self.baseline_of().fork()
            try:
                result["no_action"] = play_baseline(base, self.code)
            finally:
                base.close()
        return result

    def _fork(self, key, actions, submitted, baseline, background: bool = False, lever: str | None = None) -> None:
        """Ask this turn's server (forked on the turn's first run: the world as it stands between
        quarters, which no forecast changes) for the run; it plays it on a copy of that world."""
        request = frame(pickle.dumps((actions, baseline)))
        for _ in range(2):  # a server that has died since its last run is replaced once
            if self._server is None:
                self._server, self._sent = inline_server(self._answer, self._make_spare), 0
                self.servers += 1
            _, requests, answers, _ = self._server
            try:
                write_all(requests, request)
                break
            except OSError:
                stop_server(*self._server)
                self._server, self._answers = None, b""
        else:
            self.errors.append("the forecast's server did not take the request")
            return
        if lever is None:
            self.runs += 1
        else:
            self.prefetches += 1
        self._sent += 1
        self.running = _Run(fd=answers, key=key, submitted=submitted, background=background, lever=lever,
                            number=self._sent)

    def _make_spare(self) -> None:
        """In the turn's server, after an answer: the next run's copy of the world, made now so the
        run does not wait for it (a copy at turn 0 is ~4% of a 20-quarter forecast). The server's
        world does not change during the turn (runs play on copies), so the spare is the copy the
        run would have made."""
        if self._spare is None:
            self._spare = self.world_of().fork()

    def _answer(self, request: bytes, stopped: Callable[[], bool]) -> bytes:
        """In the turn's server: play the run (the server adds the CPU it cost); an empty answer
        for a run the window ended (`stopped`)."""
        try:
            actions, baseline = pickle.loads(request)  # our own bytes, from the window's process
            status, payload = "ok", self._payload(actions, baseline, stopped)
        except Stopped:
            return b""
        except Exception as exc:  # reported to the window, which shows no forecast
            status, payload = "error", f"{type(exc).__name__}: {exc}"
        return pickle.dumps((status, payload))

    def _collect(self, run: _Run) -> bool:
        """Read what the server has written; True once the run's answer is whole (or the server
        has ended without one: the run then fails and the next run starts a new server)."""
        while True:
            whole = split_frame(self._answers)
            if whole is not None:
                run.answer, self._answers = whole
                return True
            try:
                chunk = os.read(run.fd, 1 << 16)
            except BlockingIOError:
                return False
            if not chunk:
                stop_server(*self._server)
                self._server, self._answers = None, b""
                return True
            self._answers += chunk

    def _finish(self, run: _Run) -> Forecast | None:
        cpu, answer = split_answer(run.answer) if run.answer else (0.0, b"")  # (None: the server ended)
        if run.lever is not None:  # what the prefetch cost, an ended run's part included
            self.prefetch_cpu[run.lever] = self.prefetch_cpu.get(run.lever, 0.0) + cpu
        if run.cancelled and not answer:  # ended before it had an answer: nothing to keep
            return None
        try:
            status, payload = pickle.loads(answer)  # our own server's bytes, never a file's
        except Exception as exc:
            status, payload = "error", f"no answer from the forecast ({type(exc).__name__})"
        if status != "ok":
            self.errors.append(str(payload))
            return None
        return self._store(payload, run.submitted, cpu, run.background)

    def _finish_inline(self, key, actions, submitted, baseline, background: bool = False) -> Forecast:
        world = self.world_of()
        trial = world.fork()
        base = self.baseline_of().fork() if baseline else None
        try:
            payload = {"forecast": play_rest(trial, self.code, actions)}
            if base is not None:
                payload["no_action"] = play_baseline(base, self.code)
        finally:
            trial.close()
            if base is not None:
                base.close()
        self.runs += 1
        return self._store(payload, submitted, payload["forecast"].cpu, background)

    def _store(self, payload: dict, submitted: float, cpu: float, background: bool = False) -> Forecast:
        result: Forecast = payload["forecast"]
        if "no_action" in payload:
            self.no_action = payload["no_action"]
        if not result.staged:
            self.in_force = result
        self.cache[result.staged] = result
        if not background or result.staged == self.wanted:  # a preview's request or a prefetch is shown
            self.newest = result  # as the desk's forecast only once the desk has asked for it too
        while len(self.cache) > CACHE_SIZE:
            self.cache.popitem(last=False)
        self.latency.append((time.perf_counter() - submitted, cpu))
        return result
