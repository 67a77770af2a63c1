"""What the tournament's tests read from a results folder: its rows, those rows without what differs
from run to run, and how many games it holds so far."""

from __future__ import annotations

import sqlite3
from pathlib import Path

# A row's columns that differ from run to run (timings, processes) while the game's result does not.
VOLATILE = {"wall_time", "cpu_time", "worker_pid", "worker_rss_mb", "finished_at", "slowest_decision"}


def db_rows(folder: Path, order: str = "strategy, seed") -> list[dict]:
    """Every row of the games table in `folder`'s results.sqlite, in `order`."""
    db = sqlite3.connect(folder / "results.sqlite")
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(f"SELECT * FROM games ORDER BY {order}")]
    finally:
        db.close()


def stable(rows: list[dict]) -> list[dict]:
    """The rows without their VOLATILE columns."""
    return [{k: v for k, v in r.items() if k not in VOLATILE} for r in rows]


def recorded(folder: Path) -> int:
    """Games recorded so far; 0 also while the database is still being created (the file exists a
    moment before its table does)."""
    try:
        return len(db_rows(folder)) if (folder / "results.sqlite").exists() else 0
    except sqlite3.Error:
        return 0
