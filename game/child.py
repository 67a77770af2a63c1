"""Work for a front end done in a forked child process, so the window's frames go on meanwhile
(the desk's forecast, the debrief's export): the child sees the parent's objects as they were at
the fork (copy-on-write, nothing pickled up front), writes what it has to say to a pipe, and
leaves with os._exit, running none of the parent's exit handlers (SDL, atexit, buffered output).

Only where fork is safe: Linux. On macOS a process that has started Cocoa (pygame's window) or
Accelerate must not run on after fork() without exec (Apple's frameworks are not fork-safe;
Python's own multiprocessing spawns there since 3.8), and Windows has no fork; callers then do
the work in a thread or in their own loop.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable

FORK_SAFE = hasattr(os, "fork") and sys.platform.startswith("linux")


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fork_running(child: Callable[[], None]) -> int:
    """Fork; in the child run `child()` niced (the window's frames come first on a busy machine)
    with the collector frozen (collecting would touch, and so copy, the parent's pages), then
    leave with os._exit (70 if it raised). Returns the child's pid, in the parent."""
    for stream in (sys.stdout, sys.stderr):  # or the child would print buffered text again
        with contextlib.suppress(Exception):
            stream.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.nice(5)
            gc.freeze()
            child()
        except BaseException:
            code = 70
        finally:
            os._exit(code)
    return pid


def fork_child(work: Callable[[int], None]) -> tuple[int, int]:
    """Run `work(write_fd)` in a child (`_fork_running`); return (its pid, the non-blocking read
    end of its pipe). `work` reports its own failures on the pipe."""
    read, write = os.pipe()

    def child() -> None:
        os.close(read)
        work(write)

    pid = _fork_running(child)
    os.close(write)
    os.set_blocking(read, False)
    return pid, read


# ------------------------------------------------------------------ a child that serves requests
# One fork of a big process costs its parent ~6 ms of page tables, and every page the parent then
# writes while the child shares it (Python writes reference counts everywhere) is copied: a frame
# after a fork took ~20-30 ms instead of ~5. A server child, forked once while what it serves stays
# the same (the desk's forecasts: once a turn), forks each request's worker itself, on the other
# core, so the window pays for one fork a turn, not one per request.

FRAME_HEADER = 8  # bytes of a frame's length, little-endian, before its bytes


def frame(data: bytes) -> bytes:
    return len(data).to_bytes(FRAME_HEADER, "little") + data


def read_frame(fd: int) -> bytes | None:
    """One frame from a blocking pipe; None at its end (the other side closed it)."""
    def exactly(size: int) -> bytes | None:
        parts, left = [], size
        while left:
            chunk = os.read(fd, left)
            if not chunk:
                return None
            parts.append(chunk)
            left -= len(chunk)
        return b"".join(parts)

    header = exactly(FRAME_HEADER)
    return None if header is None else exactly(int.from_bytes(header, "little"))


def split_frame(buffer: bytes) -> tuple[bytes, bytes] | None:
    """(the first whole frame's bytes, what follows it), or None while the frame is incomplete."""
    if len(buffer) < FRAME_HEADER:
        return None
    end = FRAME_HEADER + int.from_bytes(buffer[:FRAME_HEADER], "little")
    return (buffer[FRAME_HEADER:end], buffer[end:]) if len(buffer) >= end else None


def fork_server(answer: Callable[[bytes], bytes]) -> tuple[int, int, int]:
    """A child that answers requests: each request frame written to it is answered, one at a
    time, by `answer(request)` run in a worker the child forks for it (so the child's own state,
    the parent's at the fork, is the same for every request), and the answer comes back as a
    frame. Returns (its pid, the write end of its request pipe, the non-blocking read end of its
    answer pipe). The child leads its own process group (`stop_server` ends it with its worker)
    and ends when the request pipe is closed."""
    requests_read, requests_write = os.pipe()
    answers_read, answers_write = os.pipe()

    def child() -> None:
        os.setpgid(0, 0)
        os.close(requests_write)
        os.close(answers_read)
        _serve(answer, requests_read, answers_write)

    pid = _fork_running(child)
    with contextlib.suppress(OSError):  # (the child does it too: whichever runs first)
        os.setpgid(pid, pid)
    os.close(requests_read)
    os.close(answers_write)
    os.set_blocking(answers_read, False)
    return pid, requests_write, answers_read


def _serve(answer: Callable[[bytes], bytes], requests: int, answers: int) -> None:
    while (request := read_frame(requests)) is not None:
        worker = os.fork()
        if worker == 0:
            try:
                write_all(answers, frame(answer(request)))
            finally:
                os._exit(0)
        os.waitpid(worker, 0)


def stop_server(pid: int, requests: int, answers: int) -> None:
    """End a `fork_server` child, the worker it is running, and the pipes."""
    for end in (os.killpg, os.kill):
        with contextlib.suppress(OSError):
            end(pid, 9)
    for fd in (requests, answers):
        with contextlib.suppress(OSError):
            os.close(fd)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, 0)
