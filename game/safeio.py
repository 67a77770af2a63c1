"""Reading files a user hands the game (saves, scenarios) without letting a hostile one hurt it.

A save or scenario may come from anywhere: a classmate, a download, an editor gone wrong. Before
anything parses it, the file must be a regular file (not a FIFO that blocks forever, not
/dev/zero that never ends, not a directory), and it is read through a bounded read that stops one
byte past the limit whatever the file system says its size is. After parsing, the nesting depth
of the data is checked without recursion, so a document nested thousands of levels deep is a
clear refusal rather than a RecursionError somewhere inside the game.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_DEPTH = 64  # the deepest real save or scenario nests about 8 levels


class UnsafeFile(Exception):
    """A file the game refuses to read; the message names the file and the problem."""


def read_bounded(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; UnsafeFile otherwise.

    The file is opened without blocking (a FIFO would otherwise wait for a writer forever) and
    checked to be a regular file on the open descriptor (no race with a swap behind our back)."""
    where = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise UnsafeFile(f"{where}: no such file") from None
    except IsADirectoryError:
        raise UnsafeFile(f"{where}: is a folder, not a {what}") from None
    except OSError as exc:
        raise UnsafeFile(f"{where}: cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a device, pipe or socket"
            raise UnsafeFile(f"{where}: is {kind}, not a {what}")
        if info.st_size > limit:
            raise UnsafeFile(f"{where}: {info.st_size:,} bytes is over the {limit:,}-byte limit for a {what}")
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise UnsafeFile(f"{where}: over the {limit:,}-byte limit for a {what}")
        return b"".join(chunks)
    except OSError as exc:
        raise UnsafeFile(f"{where}: cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_text_bounded(path: Path, limit: int, what: str = "file") -> str:
    """`read_bounded` decoded as UTF-8; UnsafeFile for bytes that are not text."""
    try:
        return read_bounded(path, limit, what).decode("utf-8")
    except UnicodeDecodeError:
        raise UnsafeFile(f"{path}: not a text file (not UTF-8)") from None


def depth(value) -> int:
    """How deeply dicts and lists nest in `value` (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            items = item.values()
        elif isinstance(item, list | tuple):
            items = item
        else:
            continue
        level += 1
        deepest = max(deepest, level)
        stack.extend((v, level) for v in items if isinstance(v, dict | list | tuple))
    return deepest


def check_depth(value, where: str, limit: int = MAX_DEPTH) -> None:
    if depth(value) > limit:
        raise UnsafeFile(f"{where}: nested more than {limit} levels deep; not a file this game wrote")


def parse_guarded(parse, text: str, where: str):
    """`parse(text)` (json.loads, tomllib.loads, ...), with the RecursionError a deeply nested
    document raises inside the parser turned into a refusal, then the depth checked."""
    try:
        value = parse(text)
    except RecursionError:
        raise UnsafeFile(f"{where}: nested too deeply to read; not a file this game wrote") from None
    check_depth(value, where)
    return value
