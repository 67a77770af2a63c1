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


def fork_child(work: Callable[[int], None]) -> tuple[int, int]:
    """Run `work(write_fd)` in a child; return (its pid, the non-blocking read end of its pipe).
    The child runs niced (the window's frames come first on a busy machine) with the collector
    frozen (collecting would touch, and so copy, the parent's pages), and exits 70 if `work`
    raises: `work` reports its own failures on the pipe."""
    read, write = os.pipe()
    for stream in (sys.stdout, sys.stderr):  # or the child would print buffered text again
        with contextlib.suppress(Exception):
            stream.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(read)
            os.nice(5)
            gc.freeze()
            work(write)
        except BaseException:
            code = 70
        finally:
            os._exit(code)
    os.close(write)
    os.set_blocking(read, False)
    return pid, read
