"""Results in SQLite (stdlib sqlite3): one row per game, committed as each batch arrives, so an
interrupted tournament keeps every finished game and a re-run skips them.

Score components become columns `c_<component>` as they are first seen (the scenario's score
rule names them), so the table reads well in any SQLite browser or spreadsheet.
"""

from __future__ import annotations

import contextlib
import csv
import sqlite3
import time
from pathlib import Path

KEY = ("scenario", "role", "strategy", "seed")
BASE_COLUMNS = [
    ("scenario", "TEXT NOT NULL"), ("role", "TEXT NOT NULL"), ("strategy", "TEXT NOT NULL"),
    ("seed", "INTEGER NOT NULL"), ("outcome", "TEXT NOT NULL"), ("error", "TEXT"), ("total", "REAL"),
    ("turns", "INTEGER"), ("wall_time", "REAL"), ("cpu_time", "REAL"), ("refused", "INTEGER"),
    ("slowest_decision", "REAL"),
    ("worker_pid", "INTEGER"), ("worker_rss_mb", "REAL"), ("finished_at", "REAL"),
]


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        columns = ", ".join(f"{n} {t}" for n, t in BASE_COLUMNS)
        self.db.execute(f"CREATE TABLE IF NOT EXISTS games ({columns}, PRIMARY KEY ({', '.join(KEY)}))")
        self.db.commit()
        self._missing = [(n, t) for n, t in BASE_COLUMNS if n not in self.columns()]  # an older table

    def _add_missing_columns(self) -> None:
        """Columns added since a database was made (e.g. cpu_time), added before its first new row
        rather than on opening, so that a refused re-run changes nothing."""
        for name, kind in self._missing:
            self.db.execute(f'ALTER TABLE games ADD COLUMN "{name}" {kind}')
        self._missing = []

    def close(self) -> None:
        self.db.close()

    def meta(self) -> dict[str, str] | None:
        """The `meta` table (what the results depend on: tournament/meta.py); None for a database
        written before it existed."""
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone():
            return None
        return dict(self.db.execute("SELECT key, value FROM meta"))

    def write_meta(self, entries: dict[str, str]) -> None:
        with self.db:
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self.db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", sorted(entries.items()))

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM games").fetchone()[0]

    def columns(self) -> list[str]:
        return [r[1] for r in self.db.execute("PRAGMA table_info(games)")]

    def finished(self, scenario: str, role: str) -> set[tuple[str, int]]:
        """(strategy, seed) of every game already recorded for this scenario and role."""
        rows = self.db.execute("SELECT strategy, seed FROM games WHERE scenario=? AND role=?", (scenario, role))
        return {(s, int(seed)) for s, seed in rows}

    def add(self, rows: list[dict]) -> None:
        """Record finished games in one transaction (a re-recorded game keeps its first row)."""
        self._add_missing_columns()
        have = set(self.columns())
        for key in sorted({k for r in rows for k in r["components"]}):
            if f"c_{key}" not in have:
                self.db.execute(f'ALTER TABLE games ADD COLUMN "c_{key}" REAL')
                have.add(f"c_{key}")
        now = time.time()
        with self.db:
            for row in rows:
                values = {n: row.get(n) for n, _ in BASE_COLUMNS}
                values["finished_at"] = now
                values.update({f"c_{k}": v for k, v in row["components"].items()})
                names = list(values)
                self.db.execute(f"INSERT OR IGNORE INTO games ({', '.join(map(_quote, names))}) "
                                f"VALUES ({', '.join('?' * len(names))})", [values[n] for n in names])

    def rows(self, scenario: str | None = None, role: str | None = None) -> list[dict]:
        sql, args = "SELECT * FROM games", []
        where = [(c, v) for c, v in (("scenario", scenario), ("role", role)) if v is not None]
        if where:
            sql += " WHERE " + " AND ".join(f"{c}=?" for c, _ in where)
            args = [v for _, v in where]
        sql += " ORDER BY scenario, role, strategy, seed"
        cursor = self.db.execute(sql, args)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor]

    def export_csv(self, path: Path) -> Path:
        """The whole table, one line per game, in key order."""
        cursor = self.db.execute("SELECT * FROM games ORDER BY scenario, role, strategy, seed")
        tmp = Path(path).with_suffix(".csv.tmp")
        with tmp.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow([d[0] for d in cursor.description])
            writer.writerows(cursor)
        tmp.replace(path)
        return Path(path)


def set_aside(path: Path) -> Path:
    """Rename a database (checkpointed first, so its WAL is folded in) to results-<UTC time>.sqlite
    beside it: --restart starts afresh without destroying anyone's results."""
    path = Path(path)
    db = sqlite3.connect(path, timeout=30)
    with contextlib.suppress(sqlite3.DatabaseError):  # not a database at all: rename it as it is
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = path.with_name(f"{path.stem}-{stamp}{path.suffix}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.stem}-{stamp}-{n}{path.suffix}")
    path.replace(target)
    for extra in ("-wal", "-shm"):
        Path(f"{path}{extra}").unlink(missing_ok=True)
    return target


def _quote(name: str) -> str:
    return f'"{name}"'
