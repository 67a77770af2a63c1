"""The debrief written in the background, the window answering meanwhile (issue 16: the export
froze the window 4-9 s while its notice promised "a second or two").

The HTML debrief re-plays the no-action game, draws a dozen matplotlib charts and subsets the
fonts: seconds of CPU. It runs in a child process made with `os.fork()` (as game/forecast.py's
forecasts do, and where fork is unsafe in a thread): the child has its own copy of the finished
world, so nothing the window does can change what it reads, and it does not hold the window's
GIL. The child says which step it is on, one JSON line at a time on a pipe, so the progress shown
is the real step, not a guess; the window polls the pipe once a frame without waiting.

The Markdown summary is written first, in the window's process: it takes milliseconds and its
path is known at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from pathlib import Path

from game.child import FORK_SAFE, fork_child, write_all

STEPS = ("start", "replay", "charts", "write")  # what the child is doing, in order (strings ui.export.<step>)


def export_errors() -> tuple[type[BaseException], ...]:
    """What an export can fail with, for the window to catch (the report's own error, a disk's)."""
    from game.report.debrief import DebriefError

    return (OSError, DebriefError)


def build_debrief(world, scenario_name: str, out: Path, say, team: str | None = None) -> Path:
    """game/report/debrief.write_report for `team`'s country (its own objective against its own
    no-action game; Korea's when None), calling `say(step)` as each step starts. For a team of
    another country than Korea, its one-page summary beside it too (`team_page`, for printing:
    game/report/onepage.py)."""
    from game.report.debrief import write_report
    from game.saves import write_text_atomically

    path = write_report(world, scenario_name, out, progress=say, team=team)
    if team is not None and team != "KOR":
        from game.report.onepage import one_page_html

        write_text_atomically(team_page(out, team), one_page_html(world, scenario_name, ("en", "ko"), team))
    return path


def team_page(out: Path, team: str) -> Path:
    """Where a non-Korean team's own page goes, beside the debrief `out`."""
    return out.with_name(f"{out.stem}-{team}{out.suffix}")


def check_target(out: Path) -> None:
    """A folder that cannot be written is said at once (DebriefError), before any work."""
    from game.report.debrief import check_target as check

    check(out)


class Export:
    """One debrief being written. `poll()` once a frame; `step`, `elapsed`, `done`, `path`, `error`."""

    def __init__(self, world, scenario_name: str, out: Path, use_fork: bool | None = None,
                 team: str | None = None) -> None:
        check_target(out)
        self.out = out
        self.team = team  # a non-Korean team's own page is written beside the debrief
        self.step = "start"
        self.started = time.perf_counter()
        self.finished_at: float | None = None
        self.path: Path | None = None
        self.error: str | None = None
        self._lines: list[str] = []
        self._buffer = b""
        self.pid: int | None = None
        self.fd: int | None = None
        if FORK_SAFE if use_fork is None else use_fork:
            self._fork(world, scenario_name)
        else:
            self._thread(world, scenario_name)

    @property
    def done(self) -> bool:
        return self.finished_at is not None

    @property
    def elapsed(self) -> float:
        return (self.finished_at or time.perf_counter()) - self.started

    @property
    def step_number(self) -> int:
        return STEPS.index(self.step) + 1

    # ------------------------------------------------------------------ the worker
    def _fork(self, world, scenario_name: str) -> None:
        def work(write: int) -> None:  # in the child: write the page, report each step
            def say(step: str) -> None:
                write_all(write, (json.dumps({"step": step}) + "\n").encode())

            try:
                message = {"done": str(build_debrief(world, scenario_name, self.out, say, self.team))}
            except Exception as exc:  # reported to the window, which says it failed and why
                message = {"error": str(exc) or type(exc).__name__}
            write_all(write, (json.dumps(message) + "\n").encode())

        self.pid, self.fd = fork_child(work)

    def _thread(self, world, scenario_name: str) -> None:
        """Where fork is unsafe (macOS, Windows): the same steps in a thread of this process."""
        lock = threading.Lock()

        def say(step: str) -> None:
            with lock:
                self._lines.append(json.dumps({"step": step}))

        def work() -> None:
            try:
                message = {"done": str(build_debrief(world, scenario_name, self.out, say, self.team))}
            except Exception as exc:
                message = {"error": str(exc) or type(exc).__name__}
            with lock:
                self._lines.append(json.dumps(message))

        self._lock = lock
        threading.Thread(target=work, name="debrief-export", daemon=True).start()

    # ------------------------------------------------------------------ the window's side
    def poll(self) -> bool:
        """Read what the worker has said; True once it has finished (well or not)."""
        if self.done:
            return True
        lines: list[str] = []
        if self.fd is not None:
            ended = False
            while True:
                try:
                    chunk = os.read(self.fd, 4096)
                except BlockingIOError:
                    break
                if not chunk:
                    ended = True
                    break
                self._buffer += chunk
            *complete, self._buffer = self._buffer.split(b"\n")
            lines = [c.decode() for c in complete]
            if ended and not any('"done"' in line or '"error"' in line for line in lines):
                lines.append(json.dumps({"error": "the export stopped without finishing"}))
        else:
            with self._lock:
                lines, self._lines = self._lines, []
        for line in lines:
            message = json.loads(line)
            if "step" in message:
                self.step = message["step"]
            elif "done" in message:
                self.path = Path(message["done"])
                self._finish()
            elif "error" in message:
                self.error = message["error"]
                self._finish()
        return self.done

    def _finish(self) -> None:
        self.finished_at = time.perf_counter()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(self.pid, 0)

    def wait(self, timeout: float = 120.0) -> bool:
        """Poll until finished (tests, the command line); True when it finished in time."""
        end = time.perf_counter() + timeout
        while not self.poll() and time.perf_counter() < end:
            time.sleep(0.02)
        return self.done

    def cancel(self) -> None:
        """The game is left while the page is written: stop the child (a thread runs out alone;
        the page is written atomically, so no half file is left either way)."""
        if self.pid is not None and not self.done:
            with contextlib.suppress(OSError):
                os.kill(self.pid, 9)
            self.error = "cancelled"
            self._finish()
