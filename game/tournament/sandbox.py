"""Plug-in strategies (`module:Class`, `path/file.py:Class`) play from a sandbox process.

The worker that holds the World forks one sandbox per plug-in strategy and batch, before it makes
any world, and talks to it over a `multiprocessing` Pipe (a socket pair):

- worker -> sandbox: pickled data only (the Observation's fields, the controller's random state,
  the event offering a choice). The sandbox may trust what the worker sends.
- sandbox -> worker: JSON only, read with a size cap (`MAX_REPLY_BYTES`), never unpickled. Actions
  travel as their fields and the worker re-parses each with `game.actions.parse_action` (exact
  Action types, every field validated again); anything else becomes an item the seam refuses as
  "not an action". A reply with more than `MAX_ACTIONS` Actions, too many bytes, or anything the
  protocol does not expect forfeits the game: nothing of it is applied.
- `obs.check(actions)` and `obs.preview(actions, quarters)` in the sandbox are requests that the
  worker answers against the live world, as the in-process callables would.
- `obs.rng` is one generator per game in the sandbox; its state comes from the world's generator
  before every call and goes back after, so a plug-in draws exactly what it would in-process.

Deadlines are enforced from outside: a watchdog thread in the worker kills the sandbox's process
group with SIGKILL when a call (loading, construction, decide, choose, with the requests it makes)
runs past its limit, and shuts the socket so the worker's read returns at once. Every error the
strategy raises (any BaseException: SystemExit, KeyboardInterrupt, ...) is caught in the sandbox
and reported; a sandbox that dies or misbehaves is killed and replaced for the next game. The
sandbox dies with its worker (PR_SET_PDEATHSIG on Linux).

What this protects is the game's integrity: a plug-in cannot reach the world (it lives in another
process), change what is recorded, or overrun its time. It does not protect the machine: the
plug-in is arbitrary Python running with the user's rights (docs/strategies.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import multiprocessing
import operator
import os
import signal
import socket
import sys
import threading
import time

from agents.plugins import error_text as strategy_error
from game.observation import Observation
from game.tournament.tasks import die_with_parent

MAX_ACTIONS = 64  # per decision, and per check or preview request
MAX_REPLY_BYTES = 1 << 20  # one message from a sandbox; 64 Actions take ~10 KB
LOAD_SECONDS = 60.0  # importing a plug-in's module (and, in the parent's check, making one instance)
OBSERVATION_FIELDS = tuple(f.name for f in dataclasses.fields(Observation) if f.name not in ("rng", "check", "preview"))


class StrategyFault(Exception):
    """The strategy failed (raised, returned junk, broke the protocol): the game is forfeit."""


class DecisionTimeout(StrategyFault):
    """A call took longer than the tournament allows."""


class StrategyRaised(StrategyFault):
    """The strategy's code raised in its sandbox; the text (exception and frames) is the sandbox's."""


def error_text(exc: BaseException) -> str:
    """The exception and the innermost frames (not this module's), short enough for a table cell.
    A fault found by the worker (a timeout, a broken protocol) is named without frames: they are
    the tournament's, not the strategy's."""
    if isinstance(exc, StrategyRaised):
        return str(exc)[:2000]
    if isinstance(exc, StrategyFault):
        return f"{type(exc).__name__}: {exc}"[:2000]
    return strategy_error(exc, skip=(__file__,))


# ---------------------------------------------------------------------------------------------- the worker's side

class Watchdog:
    """One thread per process that stops a sandbox whose call has passed its deadline. It sleeps
    until the deadline it knows; arming again wakes it only for an earlier deadline than that (or
    when it sleeps without one), so a call that ends well inside its limit costs two lock
    operations, not a thread switch."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._victim: Sandbox | None = None
        self._fired = False
        self._sleeps_until = math.inf  # when the thread will next look (inf: only when woken)
        self._thread: threading.Thread | None = None

    def arm(self, victim: Sandbox, seconds: float | None) -> None:
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sandbox-watchdog", daemon=True)
                self._thread.start()
            self._fired = False
            self._victim = victim
            self._deadline = None if seconds is None else time.monotonic() + seconds
            if self._deadline is not None and self._deadline < self._sleeps_until:
                self._cond.notify()

    def disarm(self) -> bool:
        """Stop watching; True if the deadline passed and the sandbox was stopped."""
        with self._cond:
            fired, self._fired = self._fired, False
            self._deadline = self._victim = None
            return fired

    def _run(self) -> None:
        with self._cond:
            while True:
                if self._deadline is None:
                    self._sleeps_until = math.inf
                    self._cond.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._sleeps_until = self._deadline
                    self._cond.wait(left)
                    continue
                self._victim.stop()
                self._fired, self._deadline = True, None


WATCHDOG = Watchdog()


class Unparsed:
    """What a sandbox sent in place of an Action, or an Action that fails validation: not an
    Action, so the seam refuses it ("not an action") and counts it, as it would in-process."""

    def __init__(self, text: str) -> None:
        self.text = text[:80]

    def __repr__(self) -> str:
        return self.text


def parse_actions(items, what: str) -> list:
    """The worker's reading of a list of actions from the sandbox: exact Action types or Unparsed."""
    from game.actions import parse_action

    if not isinstance(items, list):
        raise StrategyFault(f"{what}: the sandbox sent {type(items).__name__}, not a list of actions")
    if len(items) > MAX_ACTIONS:
        raise StrategyFault(f"{what}: {len(items)} actions, more than the {MAX_ACTIONS} allowed at once")
    actions = []
    for item in items:
        data = item.get("action") if isinstance(item, dict) else None
        if isinstance(data, dict):
            try:
                actions.append(parse_action(data))
                continue
            except Exception:  # pydantic's ValidationError, or a value pydantic cannot even read
                pass
        text = item.get("other") if isinstance(item, dict) else None
        actions.append(Unparsed(text if isinstance(text, str) else repr(data if data is not None else item)))
    return actions


class Sandbox:
    """The worker's handle on one sandbox process for one plug-in strategy."""

    def __init__(self, spec: str, role: str, cwd: str) -> None:
        self.spec, self.role, self.cwd = spec, role, cwd
        self.pid: int | None = None
        self.conn = None
        self._socket: socket.socket | None = None

    # -- life
    def start(self) -> None:
        ours, theirs = multiprocessing.Pipe()  # a socket pair on POSIX
        for stream in (sys.stdout, sys.stderr):  # or the child would print the worker's buffered text again
            with contextlib.suppress(Exception):
                stream.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the sandbox
            code = 0
            try:
                ours.close()
                _serve(theirs, self.spec, self.role, self.cwd, parent)
            except BaseException:
                code = 70
            finally:
                os._exit(code)
        theirs.close()
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # also done in the child: whichever runs first, the group exists
        self.pid, self.conn = pid, ours
        self._socket = socket.socket(fileno=os.dup(ours.fileno()))

    @property
    def running(self) -> bool:
        return self.pid is not None

    def stop(self) -> None:
        """Kill the sandbox's process group and cut the connection (from any thread)."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, signal.SIGKILL)
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)

    def close(self) -> str:
        """Kill and reap the sandbox; how it ended, in words."""
        if self.pid is None:
            return "not running"
        self.stop()
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:  # reaped by someone else (a host that waits for every child)
            status = None
        self._forget()
        return "ended" if status is None else _status_text(status)

    def _forget(self) -> None:
        self.conn.close()
        self._socket.close()
        self.pid = self.conn = self._socket = None

    def _exit_status(self, wait: float) -> int | None:
        """The sandbox's wait status if it has ended within `wait` seconds (it is then reaped and
        forgotten), else None. Its socket closes a moment before it can be reaped."""
        deadline = time.monotonic() + wait
        while True:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = self.pid, 0
            if pid:
                self._forget()
                return status
            if time.monotonic() > deadline:
                return None
            time.sleep(0.001)

    # -- calls
    def call(self, what: str, message: tuple, expect: str, limit: float | None,
             obs: Observation | None = None) -> dict:
        """Send a request and wait, with the deadline, for the final reply (whose "op" must be
        `expect`), answering the sandbox's check and preview requests on the way. The strategy's
        error or any breach raises StrategyFault; after anything but the strategy's own error the
        sandbox is stopped (start a new one)."""
        if self.pid is None:
            raise StrategyFault(f"{what}(): the strategy's sandbox is not running")
        try:
            self.conn.send(message)
        except OSError as exc:
            raise self._broken(what, exc, False) from None
        WATCHDOG.arm(self, limit)
        fired = False
        try:
            while True:
                try:
                    data = self.conn.recv_bytes(MAX_REPLY_BYTES)
                except (EOFError, OSError) as exc:
                    fired = WATCHDOG.disarm()
                    raise self._broken(what, exc, fired, limit) from None
                reply = _decode(data)
                if reply is None:
                    self.close()
                    raise StrategyFault(f"{what}(): the sandbox sent something that is not a request or a reply")
                op = reply.get("op")
                if op in ("check", "preview") and obs is not None:
                    answer = self._answer(reply, obs)
                    try:
                        self.conn.send(answer)
                    except OSError as exc:
                        fired = WATCHDOG.disarm()
                        raise self._broken(what, exc, fired, limit) from None
                    continue
                fired = WATCHDOG.disarm()
                if fired:
                    raise self._broken(what, None, True, limit)
                if op == "error":
                    raise StrategyRaised(str(reply.get("error"))[:2000])
                if op != expect:
                    self.close()
                    raise StrategyFault(f"{what}(): the sandbox sent '{op[:40]}' instead of its reply")
                return reply
        finally:
            WATCHDOG.disarm()

    def _broken(self, what: str, exc: BaseException | None, fired: bool, limit: float | None = None) -> StrategyFault:
        """Why the connection broke, as the forfeit's reason; the sandbox is gone afterwards."""
        if fired:
            self.close()
            return DecisionTimeout(f"{what}() did not return within the {limit:g} s limit "
                                   "(its sandbox process was killed)")
        status = self._exit_status(wait=0.5 if isinstance(exc, EOFError) else 0.0)
        if status is not None:
            return StrategyFault(f"{what}(): the strategy's sandbox process ended ({_status_text(status)})")
        self.close()
        if isinstance(exc, EOFError):
            return StrategyFault(f"{what}(): the strategy's sandbox closed its connection")
        return StrategyFault(f"{what}(): a reply larger than {MAX_REPLY_BYTES} bytes, or a broken message ({exc})")

    def _answer(self, request: dict, obs: Observation) -> tuple:
        """A check or preview request, answered against the live world (as the in-process
        callables would answer it). A request that no honest sandbox sends forfeits the game."""
        actions = parse_actions(request.get("actions"), f"obs.{request['op']}")
        if request["op"] == "check":
            return ("answer", obs.check(actions))
        quarters = request.get("quarters")
        if type(quarters) is not int:
            raise StrategyFault("obs.preview: quarters must be a whole number")
        try:
            return ("answer", float(obs.preview(actions, quarters)))
        except Exception as exc:  # what the world raised would have reached the strategy in-process
            return ("raise", f"{type(exc).__name__}: {exc}")


class SandboxedController:
    """The controller the World sees for a plug-in: each decision is a call to its sandbox."""

    def __init__(self, sandbox: Sandbox, limit: float | None) -> None:
        self.sandbox, self.limit = sandbox, limit
        self.slowest = 0.0
        self.decisions = 0
        self.name = sandbox.spec

    def __deepcopy__(self, memo):  # World.preview copies the world, controllers included, then drops them
        return self

    def _timed(self, what: str, message: tuple, expect: str, obs: Observation) -> dict:
        start = time.perf_counter()
        reply = self.sandbox.call(what, message, expect, self.limit, obs)
        elapsed = time.perf_counter() - start
        self.decisions += 1
        self.slowest = max(self.slowest, elapsed)
        if self.limit and elapsed > self.limit:
            raise DecisionTimeout(f"{what}() took {elapsed:.3f} s, over the {self.limit:g} s limit")
        try:
            obs.rng.bit_generator.state = reply.get("rng")
        except Exception:
            raise StrategyFault(f"{what}(): the sandbox sent back no valid random state") from None
        return reply

    def decide(self, obs: Observation) -> list:
        reply = self._timed("decide", ("decide", _fields(obs), obs.rng.bit_generator.state), "actions", obs)
        return parse_actions(reply.get("actions"), "decide()")

    def choose(self, event, obs: Observation) -> int:
        reply = self._timed("choose", ("choose", event, _fields(obs), obs.rng.bit_generator.state), "choice", obs)
        index = reply.get("index")
        if type(index) is not int:
            raise StrategyFault("choose(): the sandbox sent no choice")
        return index


def new_game(sandbox: Sandbox, limit: float | None) -> SandboxedController:
    """A fresh instance of the strategy in its sandbox (a new sandbox, loading the strategy's
    module, if there is none yet or the last one was stopped)."""
    if not sandbox.running:
        sandbox.start()
        try:
            sandbox.call("import", ("load",), "ok", LOAD_SECONDS)
        except StrategyFault:
            sandbox.close()  # the next game tries a fresh one
            raise
    sandbox.call("__init__", ("new",), "ok", limit)
    return SandboxedController(sandbox, limit)


def inspect_spec(spec: str, role: str, cwd: str) -> tuple[str | None, str | None]:
    """Load a plug-in and make one instance in a sandbox: what went wrong (None if it works; a spec
    that names nothing loadable comes back as the loader's own message) and the instance's short
    label: its `name` attribute as the sandbox reported it (a string of at most LABEL_CHARS), else None."""
    sandbox = Sandbox(spec, role, cwd)
    sandbox.start()
    try:
        sandbox.call("import", ("load",), "ok", LOAD_SECONDS)
        reply = sandbox.call("__init__", ("new",), "ok", LOAD_SECONDS)
    except StrategyFault as exc:
        return str(exc), None
    finally:
        sandbox.close()
    name = reply.get("name") if isinstance(reply, dict) else None
    return None, name[:LABEL_CHARS] if isinstance(name, str) and name.strip() else None


LABEL_CHARS = 40  # a strategy's label in the tournament's tables


def _fields(obs: Observation) -> dict:
    return {name: getattr(obs, name) for name in OBSERVATION_FIELDS}


def _decode(data: bytes) -> dict | None:
    try:
        reply = json.loads(data)
    except (ValueError, RecursionError):  # not JSON (or nested past Python's recursion limit)
        return None
    return reply if isinstance(reply, dict) and isinstance(reply.get("op"), str) else None


def _status_text(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return f"killed by {signal.Signals(number).name}"
        except ValueError:
            return f"killed by signal {number}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


# ---------------------------------------------------------------------------------------------- the sandbox's side

def _serve(conn, spec: str, role: str, cwd: str, parent: int) -> None:
    """The sandbox process: detach from the worker's resources, then serve calls until killed."""
    os.setpgid(0, 0)
    _die_with_parent(parent)
    keep = conn.fileno()
    os.closerange(3, keep)  # the worker's pipes to its pool, its database handles, ...: none of its business
    os.closerange(keep + 1, max(keep + 1, os.sysconf("SC_OPEN_MAX")))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the tournament's to handle
    if cwd and cwd not in sys.path:  # module:Class strategies from the user's folder
        sys.path.insert(0, cwd)
    from game.tournament import strategies

    make = instance = generator = None
    while True:
        message = conn.recv()
        op = message[0]
        try:
            if op == "load":
                try:
                    make = strategies.factory(spec, role)
                except strategies.SpecError as exc:
                    _send(conn, {"op": "error", "error": strategies.LOADER_SAYS + str(exc)})
                    continue
                _send(conn, {"op": "ok"})
            elif op == "new":
                instance = make()
                if not callable(getattr(instance, "decide", None)):
                    raise TypeError(f"strategy '{spec}' has no decide(observation) method")
                generator = None
                name = getattr(instance, "name", None)
                _send(conn, {"op": "ok", "name": name[:LABEL_CHARS] if isinstance(name, str) else None})
            elif op == "decide":
                obs, generator = _observation(conn, message[1], message[2], generator)
                actions = list(instance.decide(obs) or [])
                if len(actions) > MAX_ACTIONS:
                    raise ValueError(f"decide() returned {len(actions)} actions; at most {MAX_ACTIONS} a decision")
                _send(conn, {"op": "actions", "actions": _dump(actions), "rng": generator.bit_generator.state})
            elif op == "choose":
                obs, generator = _observation(conn, message[2], message[3], generator)
                choose = getattr(instance, "choose", None)
                index = 0 if choose is None else int(choose(message[1], obs))
                _send(conn, {"op": "choice", "index": index, "rng": generator.bit_generator.state})
        except BaseException as exc:  # anything the strategy raises, SystemExit and KeyboardInterrupt included
            _send(conn, {"op": "error", "error": error_text(exc)})


def _observation(conn, fields: dict, state: dict, generator):
    """The Observation a plug-in sees: the worker's data, the game's generator for this
    controller (one object per game, its state set from the world's), and requests for check
    and preview."""
    import numpy as np

    if generator is None:
        generator = np.random.Generator(np.random.PCG64())
    generator.bit_generator.state = state

    def check(actions):
        return _request(conn, {"op": "check", "actions": _dump(list(actions))})

    def preview(actions, quarters=1):
        quarters = operator.index(quarters)  # a whole number (numpy's too), as range() needs in-process
        return _request(conn, {"op": "preview", "actions": _dump(list(actions)), "quarters": quarters})

    return Observation(**fields, rng=generator, check=check, preview=preview), generator


def _request(conn, request: dict):
    if len(request["actions"]) > MAX_ACTIONS:
        raise ValueError(f"obs.{request['op']}(): {len(request['actions'])} actions, at most {MAX_ACTIONS} at once")
    _send(conn, request)
    kind, value = conn.recv()
    if kind == "raise":
        raise RuntimeError(value)
    return value


def _dump(actions: list) -> list[dict]:
    """Actions as their fields; anything else as its repr (the worker refuses it as not an action)."""
    from game.actions import Action

    items = []
    for action in actions:
        try:
            item = {"action": action.model_dump()} if isinstance(action, Action) else {"other": repr(action)[:80]}
        except Exception:
            item = {"other": object.__repr__(action)[:80]}
        items.append(item)
    return items


def _send(conn, message: dict) -> None:
    conn.send_bytes(json.dumps(message, default=_jsonable).encode())


def _jsonable(value):
    with contextlib.suppress(Exception):
        return value.item()  # a numpy scalar
    return repr(value)[:80]


def _die_with_parent(parent: int) -> None:
    """Linux: SIGKILL this process when the worker that forked it dies (a stopped, killed or
    crashed worker leaves no sandbox behind)."""
    die_with_parent()
    if os.getppid() != parent:  # the worker died before the line above
        os._exit(0)

