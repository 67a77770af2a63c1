"""Results in SQLite (stdlib sqlite3): one row per game, committed as each batch arrives, so an
interrupted tournament keeps every finished game and a re-run skips them.

Score components become columns `c_<component>` as they are first seen (the scenario's score
rule names them), and every country's score at the end of the game (each on its own objective,
for the welfare panel of tournament/evaluation.py) columns `s_<country>`, so the table reads well
in any SQLite browser or spreadsheet. Every identifier
is quoted (`quote`), so any component name is safe in the SQL.

Every SQLite failure leaves as a StoreError saying which kind it is (SQLite's own error codes,
not its wording): a full disk, a damaged file, a read-only folder, or a file that is no database.
The file is checked (`PRAGMA quick_check`) when it is opened, before anything is played.
"""

from __future__ import annotations

import contextlib
import csv
import os
import sqlite3
import time
from pathlib import Path


class StoreError(Exception):
    """The results database cannot be used. `kind`: "full", "damaged", "read_only",
    "not_database" or "io"; `detail`: SQLite's or the system's words."""

    def __init__(self, kind: str, path: Path, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.kind, self.path, self.detail = kind, Path(path), detail


KINDS = {sqlite3.SQLITE_FULL: "full", sqlite3.SQLITE_CORRUPT: "damaged", sqlite3.SQLITE_NOTADB: "not_database",
         sqlite3.SQLITE_READONLY: "read_only", sqlite3.SQLITE_PERM: "read_only", sqlite3.SQLITE_CANTOPEN: "read_only"}


def classify(exc: sqlite3.Error, path: Path) -> StoreError:
    code = getattr(exc, "sqlite_errorcode", None)
    kind = KINDS.get(code & 0xFF, "io") if code is not None else "io"
    if kind == "read_only" and code & 0xFF == sqlite3.SQLITE_CANTOPEN and writable(path):
        kind = "io"  # cannot open for another reason (a folder in the way, too many open files)
    return StoreError(kind, path, str(exc))


def writable(database: Path) -> bool:
    """Can games be recorded here: the folder (for the journal files) and the file, if it exists."""
    database = Path(database)
    return os.access(database.parent, os.W_OK) and (not database.exists() or os.access(database, os.W_OK))


@contextlib.contextmanager
def _guarded(path: Path):
    try:
        yield
    except sqlite3.Error as exc:
        raise classify(exc, path) from None

# `lineup` is "" for a one-seat game (every other country plays its default) and names every named
# seat of a cross-play game ("KOR=a | USA=b", tasks.lineup): the same strategy on the same seed is
# another game against other opponents. A table from before cross-play (no lineup in its key) is
# rebuilt with it, in one transaction, before its first new row.
KEY = ("scenario", "role", "strategy", "seed", "lineup")
ORDER = "scenario, lineup, role, strategy, seed"
BASE_COLUMNS = [
    ("scenario", "TEXT NOT NULL"), ("role", "TEXT NOT NULL"), ("strategy", "TEXT NOT NULL"),
    ("seed", "INTEGER NOT NULL"), ("lineup", "TEXT NOT NULL DEFAULT ''"), ("outcome", "TEXT NOT NULL"),
    ("error", "TEXT"), ("total", "REAL"),
    ("turns", "INTEGER"), ("wall_time", "REAL"), ("cpu_time", "REAL"), ("refused", "INTEGER"),
    ("slowest_decision", "REAL"),
    ("worker_pid", "INTEGER"), ("worker_rss_mb", "REAL"), ("finished_at", "REAL"),
]


class Store:
    def __init__(self, path: Path) -> None:
        """Open (or create) the database; StoreError if it cannot hold games (checked first: a
        read-only folder, a file that is not a database, damaged pages)."""
        self.path = Path(path)
        if not writable(self.path):
            raise StoreError("read_only", self.path, "the folder or the file is read-only")
        with _guarded(self.path):
            self.db = sqlite3.connect(self.path, timeout=30)
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                problems = [r[0] for r in self.db.execute("PRAGMA quick_check(5)")]
                if problems != ["ok"]:
                    raise StoreError("damaged", self.path, "; ".join(problems))
                columns = ", ".join(f"{quote(n)} {t}" for n, t in BASE_COLUMNS)
                self.db.execute(f"CREATE TABLE IF NOT EXISTS games ({columns}, "
                                f"PRIMARY KEY ({', '.join(map(quote, KEY))}))")
                self.db.commit()
                self._missing = [(n, t) for n, t in BASE_COLUMNS if n not in self.columns()]  # an older table
                self._old_key = self._key() != list(KEY)
            except BaseException:
                self.db.close()
                raise

    def _add_missing_columns(self) -> None:
        """Columns added since a database was made (e.g. cpu_time), added before its first new row
        rather than on opening, so that a refused re-run changes nothing. A table whose key lacks
        `lineup` is rebuilt with today's key (its rows keep every value; lineup "")."""
        if self._old_key:
            self._rebuild()
            self._old_key, self._missing = False, []
            return
        for name, kind in self._missing:
            self.db.execute(f"ALTER TABLE games ADD COLUMN {quote(name)} {kind}")
        self._missing = []

    def _order(self) -> str:
        """Rows in key order (a table from before cross-play, not yet rebuilt, has no lineup)."""
        return ORDER if "lineup" in self.columns() else ORDER.replace("lineup, ", "")

    def _key(self) -> list[str]:
        info = self.db.execute("PRAGMA table_info(games)").fetchall()
        return [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]

    def _rebuild(self) -> None:
        """SQLite cannot change a primary key in place: a new table with today's columns and key,
        the old rows copied over, the old table dropped, all or nothing."""
        info = self.db.execute("PRAGMA table_info(games)").fetchall()
        old = [r[1] for r in info]
        extra = [(r[1], r[2] or "REAL") for r in info if r[1] not in dict(BASE_COLUMNS)]
        columns = ", ".join(f"{quote(n)} {t}" for n, t in BASE_COLUMNS + extra)
        copied = ", ".join(quote(n) for n in old)
        self.db.execute("BEGIN")
        try:
            self.db.execute("ALTER TABLE games RENAME TO games_before_lineup")
            self.db.execute(f"CREATE TABLE games ({columns}, PRIMARY KEY ({', '.join(map(quote, KEY))}))")
            self.db.execute(f"INSERT INTO games ({copied}) SELECT {copied} FROM games_before_lineup")
            self.db.execute("DROP TABLE games_before_lineup")
            self.db.commit()
        except BaseException:
            self.db.rollback()
            raise

    def close(self) -> None:
        self.db.close()

    def meta(self) -> dict[str, str] | None:
        """The `meta` table (what the results depend on: tournament/meta.py); None for a database
        written before it existed."""
        with _guarded(self.path):
            if not self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone():
                return None
            return dict(self.db.execute("SELECT key, value FROM meta"))

    def write_meta(self, entries: dict[str, str]) -> None:
        with _guarded(self.path), self.db:
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self.db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", sorted(entries.items()))

    def count(self) -> int:
        with _guarded(self.path):
            return self.db.execute("SELECT COUNT(*) FROM games").fetchone()[0]

    def columns(self) -> list[str]:
        with _guarded(self.path):
            return [r[1] for r in self.db.execute("PRAGMA table_info(games)")]

    def finished_keys(self, scenario: str) -> set[tuple[str, str, str, int]]:
        """(lineup, role, strategy, seed) of every row recorded for this scenario: a game is done
        when each of its seats has its row (a cross-play game's rows are added together)."""
        lineup = "lineup" if "lineup" in self.columns() else "''"
        with _guarded(self.path):
            rows = self.db.execute(f"SELECT {lineup}, role, strategy, seed FROM games WHERE scenario=?", (scenario,))
            return {(line, role, strategy, int(seed)) for line, role, strategy, seed in rows}

    def add(self, rows: list[dict]) -> None:
        """Record finished games in one transaction (a re-recorded game keeps its first row)."""
        with _guarded(self.path):
            self._add_missing_columns()
            have = set(self.columns())
            added = sorted({f"c_{k}" for r in rows for k in r["components"]}) \
                + sorted({f"s_{k}" for r in rows for k in r.get("scores") or {}})
            for name in added:
                if name not in have:
                    self.db.execute(f"ALTER TABLE games ADD COLUMN {quote(name)} REAL")
                    have.add(name)
            now = time.time()
            with self.db:
                for row in rows:
                    values = {n: row.get(n) for n, _ in BASE_COLUMNS}
                    values["lineup"] = row.get("lineup") or ""
                    values["finished_at"] = now
                    values.update({f"c_{k}": v for k, v in row["components"].items()})
                    values.update({f"s_{k}": v for k, v in (row.get("scores") or {}).items()})
                    names = list(values)
                    self.db.execute(f"INSERT OR IGNORE INTO games ({', '.join(map(quote, names))}) "
                                    f"VALUES ({', '.join('?' * len(names))})", [values[n] for n in names])
                    if row.get("quarters"):
                        self._add_quarters(row)

    QUARTER_COLUMNS = (("scenario", "TEXT"), ("lineup", "TEXT"), ("role", "TEXT"), ("strategy", "TEXT"),
                       ("seed", "INTEGER"), ("turn", "INTEGER"), ("date", "TEXT"), ("score", "REAL"),
                       ("actions", "TEXT"), ("refused", "INTEGER"))

    def _add_quarters(self, row: dict) -> None:
        """A game's seat quarter by quarter (`--quarters`), in the `quarters` table, made when first
        needed; inside `add`'s transaction, so a batch's games and their quarters land together."""
        columns = ", ".join(f"{quote(n)} {t}" for n, t in self.QUARTER_COLUMNS)
        self.db.execute(f"CREATE TABLE IF NOT EXISTS quarters ({columns}, PRIMARY KEY "
                        "(scenario, lineup, role, strategy, seed, turn))")
        key = (row["scenario"], row.get("lineup") or "", row["role"], row["strategy"], row["seed"])
        self.db.executemany("INSERT OR IGNORE INTO quarters VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [(*key, q["turn"], q["date"], q["score"], q["actions"], q["refused"])
                             for q in row["quarters"]])

    def has_quarters(self) -> bool:
        with _guarded(self.path):
            return self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='quarters'").fetchone() \
                is not None

    def quarter_rows(self, scenario: str | None = None) -> list[dict]:
        """The `quarters` table (empty if no game recorded it), in key order."""
        if not self.has_quarters():
            return []
        sql, args = "SELECT * FROM quarters", []
        if scenario is not None:
            sql, args = sql + " WHERE scenario=?", [scenario]
        with _guarded(self.path):
            cursor = self.db.execute(sql + " ORDER BY scenario, lineup, role, strategy, seed, turn", args)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r, strict=True)) for r in cursor]

    def export_quarters(self, path: Path) -> Path:
        """quarters.csv: the `quarters` table, one line per seat per quarter (OSError if it cannot be written)."""
        rows = self.quarter_rows()
        tmp = Path(path).with_suffix(".csv.tmp")
        with tmp.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow([n for n, _ in self.QUARTER_COLUMNS])
            writer.writerows([r[n] for n, _ in self.QUARTER_COLUMNS] for r in rows)
        tmp.replace(path)
        return Path(path)

    def rows(self, scenario: str | None = None, role: str | None = None) -> list[dict]:
        sql, args = "SELECT * FROM games", []
        where = [(c, v) for c, v in (("scenario", scenario), ("role", role)) if v is not None]
        if where:
            sql += " WHERE " + " AND ".join(f"{c}=?" for c, _ in where)
            args = [v for _, v in where]
        sql += " ORDER BY " + self._order()
        with _guarded(self.path):
            cursor = self.db.execute(sql, args)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r, strict=True)) for r in cursor]

    def export_csv(self, path: Path) -> Path:
        """The whole table, one line per game, in key order (OSError if it cannot be written)."""
        tmp = Path(path).with_suffix(".csv.tmp")
        with _guarded(self.path):
            cursor = self.db.execute("SELECT * FROM games ORDER BY " + self._order())
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


def quote(name: str) -> str:
    """An SQL identifier, quoted as SQLite documents it (a double quote inside is doubled), so a
    column named after any score component (quotes, spaces, SQL included) is only a name."""
    return '"' + name.replace('"', '""') + '"'
