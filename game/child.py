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
import select
import signal
import struct
import sys
import time
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


def _start_server(serve: Callable[[int, int, int], None]) -> tuple[int, int, int, int]:
    """Fork a server child running `serve(request pipe, answer pipe, cancel pipe)` (its ends) in a
    process group of its own; return (its pid, the write end of its request pipe, the non-blocking
    read end of its answer pipe, the write end of its cancel pipe)."""
    requests_read, requests_write = os.pipe()
    answers_read, answers_write = os.pipe()
    cancels_read, cancels_write = os.pipe()

    def child() -> None:
        os.setpgid(0, 0)
        for fd in (requests_write, answers_read, cancels_write):
            os.close(fd)
        serve(requests_read, answers_write, cancels_read)

    pid = _fork_running(child)
    with contextlib.suppress(OSError):  # (the child does it too: whichever runs first)
        os.setpgid(pid, pid)
    for fd in (requests_read, answers_write, cancels_read):
        os.close(fd)
    os.set_blocking(answers_read, False)
    os.set_blocking(cancels_write, False)
    return pid, requests_write, answers_read, cancels_write


def fork_server(answer: Callable[[bytes], bytes]) -> tuple[int, int, int, int]:
    """A child that answers requests: each request frame written to it is answered, one at a
    time, by `answer(request)` run in a worker the child forks for it (so the child's own state,
    the parent's at the fork, is the same for every request), and the answer comes back as a
    frame: exactly one per request, in order (`split_answer`: the worker's CPU seconds, then its
    answer, empty if the worker was ended by `cancel_work`, or died, before it had written it
    whole). Returns (its pid, the write end of its request
    pipe, the non-blocking read end of its answer pipe, the write end of its cancel pipe). The
    child leads its own process group (`stop_server` ends it with its worker) and ends when the
    request pipe is closed."""
    return _start_server(lambda requests, answers, cancels: _serve(answer, requests, answers, cancels))


def _serve(answer: Callable[[bytes], bytes], requests: int, answers: int, cancels: int) -> None:
    """The server's loop. Each request's worker writes its answer to a pipe of its own, which the
    server reads to the end and relays as one frame once the worker has exited cleanly, so a
    worker killed in mid-write leaves no half frame in the answer pipe. Meanwhile the server
    watches its cancel pipe for the number of the request it serves (the first is 1)."""
    served = 0
    while (request := read_frame(requests)) is not None:
        served += 1
        read, write = os.pipe()
        worker = os.fork()
        if worker == 0:
            for fd in (read, answers):  # (a server that dies leaves the window's answer pipe at its end)
                os.close(fd)
            _answer_and_exit(answer, request, write)
        os.close(write)
        parts, watched = [], [read, cancels]
        while True:
            ready, _, _ = select.select(watched, [], [])
            if cancels in ready:
                words = os.read(cancels, 4096)  # 8-byte numbers, each written whole
                if not words:  # the window closed it: no more cancels
                    watched = [read]
                elif served in {int.from_bytes(words[i:i + 8], "little") for i in range(0, len(words), 8)}:
                    os.kill(worker, signal.SIGKILL)  # (not waited for yet: its pid is still its own)
            if read in ready:
                if not (chunk := os.read(read, 1 << 16)):
                    break
                parts.append(chunk)
        os.close(read)
        _, status, usage = os.wait4(worker, 0)
        said = b"".join(parts) if os.waitstatus_to_exitcode(status) == 0 else b""
        write_all(answers, frame(struct.pack("<d", usage.ru_utime + usage.ru_stime) + said))


def inline_server(answer: Callable[[bytes, Callable[[], bool]], bytes],
                  idle: Callable[[], None] | None = None) -> tuple[int, int, int, int]:
    """`fork_server`'s child, answering each request itself rather than in a worker forked for it:
    `answer(request, stopped)` runs in the server, and `stopped()` says whether `cancel_work` has
    asked to end this request; the answer looks at it between the steps of its work and gives up
    with an empty answer. The same pipes and frames as `fork_server` (its pid, request pipe,
    answer pipe, cancel pipe; `split_answer`'s CPU seconds and answer; one frame per request, in
    order), so the same caller reads either.

    Why: a worker forked from the server shares every page with it, and Python writes reference
    counts on whatever it reads, so each worker copied again every page its work touched (a
    20-quarter forecast: 68 ms of CPU in a fresh worker against 52 ms played in-process, most of
    the difference page faults). The server copies those pages once, on its first request, and
    keeps them: `answer` must therefore leave what it was given as it found it (the forecast plays
    on a `World.fork()` of its world). The price is that a request is ended only between steps,
    not at once (a forecast checks every quarter, ~1-3 ms), and an answer that crashes the
    interpreter ends the server (its caller then starts another, as for a server that died).

    `idle()`, if given, runs after each answer is written, before the server waits for the next
    request: work that every request starts with and that can be done ahead (the forecast's copy
    of its world), off the time a request waits. What it raises is ignored (the request then does
    the work itself)."""
    return _start_server(lambda requests, answers, cancels: _serve_inline(answer, requests, answers, cancels, idle))


def _serve_inline(answer: Callable[[bytes, Callable[[], bool]], bytes], requests: int, answers: int,
                  cancels: int, idle: Callable[[], None] | None = None) -> None:
    """`inline_server`'s loop: each request answered here, its CPU measured, its frame written."""
    served = 0
    ended: set[int] = set()  # the numbers of the requests the window asked to end
    watching = True  # the cancel pipe is open

    def stopped() -> bool:
        nonlocal watching
        while watching and select.select([cancels], [], [], 0)[0]:
            words = os.read(cancels, 4096)  # 8-byte numbers, each written whole
            if not words:  # the window closed it: no more cancels
                watching = False
                break
            ended.update(int.from_bytes(words[i:i + 8], "little") for i in range(0, len(words), 8))
        return served in ended

    while (request := read_frame(requests)) is not None:
        served += 1
        started = time.process_time()
        said = b""
        if not stopped():
            try:
                said = answer(request, stopped)
            except Exception:  # as a worker that failed: an empty answer, the server goes on
                said = b""
        write_all(answers, frame(struct.pack("<d", time.process_time() - started) + said))
        if idle is not None:
            with contextlib.suppress(Exception):
                idle()


def split_answer(data: bytes) -> tuple[float, bytes]:
    """A `fork_server` answer frame's bytes: (the CPU seconds its worker used, what it answered;
    empty if it was ended first), so that the work a cancelled request cost is counted too."""
    return struct.unpack("<d", data[:8])[0], data[8:]


def _answer_and_exit(answer: Callable[[bytes], bytes], request: bytes, write: int) -> None:
    """In a server's worker: the answer to the server's pipe, then leave (70 if it failed)."""
    code = 0
    try:
        write_all(write, answer(request))
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def cancel_work(cancels: int, number: int) -> None:
    """Ask a `fork_server` child (its cancel pipe) to end the worker of its `number`th request if
    that is the one it runs, or as soon as it starts it; its answer frame is then empty, unless
    the worker had finished first."""
    with contextlib.suppress(OSError):  # (a server that has ended: its run fails as before)
        os.write(cancels, number.to_bytes(8, "little"))


def stop_server(pid: int, *pipes: int) -> None:
    """End a `fork_server` child, the worker it is running, and its pipes."""
    for end in (os.killpg, os.kill):
        with contextlib.suppress(OSError):
            end(pid, 9)
    for fd in pipes:
        with contextlib.suppress(OSError):
            os.close(fd)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, 0)
