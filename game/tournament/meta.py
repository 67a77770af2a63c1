"""What a tournament's results depend on, recorded in the database's `meta` table so that a
re-run into the same --out adds games only when they are comparable with the ones recorded.

A game row is a function of (scenario file, code, libraries, decision time limit, strategy code,
seed, role). The row's key holds the strategy spec, seed and role; everything else lives here.
Checked on resume (`CHECKED`, plus the digest of every strategy already recorded); a mismatch
names each difference and the way forward (another --out, or --restart). The rest is
informational. Adding strategies, seeds or roles to a database is fine: they are new rows.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import sys
from pathlib import Path

from agents.plugins import is_plugin, parse

FORMAT = "1"
ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("game", "agents")
# Never run while a game is played, so editing them leaves every recorded row valid: the desktop
# front end, the command line's parsing, and the tournament's own planning, storage and leaderboard
# (all but the modules that play games and write their rows, GAME_SIDE).
NOT_IN_GAMES = ("game/ui/", "game/cli.py", "game/tournament/")
GAME_SIDE = tuple(f"game/tournament/{m}.py" for m in ("worker", "tasks", "strategies", "backends", "sandbox"))
CHECKED = ("format", "scenario", "scenario_sha256", "turns", "difficulty", "code_version", "libraries",
           "decision_timeout")
STRATEGY_PREFIX = "strategy:"
PACKAGE = "team-korea-ai-chip-conductor"


def code_version() -> str:
    """The package version and a digest of the source files a game may run, so any edit to the
    model, the agents or the tournament's worker shows up (even one that keeps the version)."""
    digest = hashlib.sha256()
    files = sorted(p for d in SOURCES for p in (ROOT / d).rglob("*.py"))
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(NOT_IN_GAMES) and rel not in GAME_SIDE:
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    try:
        version = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return f"{version}+{digest.hexdigest()[:16]}"


def libraries() -> str:
    """Python, Mesa and NumPy versions: a new NumPy may change the last bits of a score."""
    found = []
    for name in ("mesa", "numpy"):
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} ?")
    return f"python {sys.version.split()[0]}, " + ", ".join(found)


def _file_digest(path: str | os.PathLike) -> str:
    return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()


def strategy_digest(spec: str) -> str:
    """A built-in is covered by code_version; a user's strategy by its own file's contents."""
    if spec.startswith("policy:"):
        return _file_digest(spec[len("policy:"):])
    if not is_plugin(spec):
        return "built-in"
    where, _, is_file = parse(spec)
    if is_file:
        return _file_digest(Path(where).expanduser())
    found = importlib.util.find_spec(where)
    origin = found.origin if found else None
    return _file_digest(origin) if origin and os.path.isfile(origin) else "module without a file"


def describe(scenario_name: str, scenario_sha256: str, turns: int, decision_timeout: float | None,
             strategies: list[str], roles: list[str], master_seed: int, difficulty: str = "normal") -> dict[str, str]:
    """This run's entries for the meta table (strings, as stored)."""
    entries = {
        "format": FORMAT,
        "scenario": scenario_name,
        "scenario_sha256": scenario_sha256,
        "turns": str(turns),
        "difficulty": difficulty,
        "code_version": code_version(),
        "libraries": libraries(),
        "decision_timeout": "none" if not decision_timeout else f"{decision_timeout:g}",
        "roles": ",".join(roles),
        "master_seed": str(master_seed),
    }
    entries.update({STRATEGY_PREFIX + s: strategy_digest(s) for s in strategies})
    return entries


def differences(recorded: dict[str, str], wanted: dict[str, str]) -> list[tuple[str, str, str]]:
    """(what, recorded, now) for every checked entry that differs; a strategy not recorded yet is
    not a difference (it adds rows of its own). Databases from before difficulty played "normal"."""
    recorded = {"difficulty": "normal", **recorded}
    keys = [k for k in CHECKED] + sorted(k for k in wanted if k.startswith(STRATEGY_PREFIX) and k in recorded)
    return [(k, recorded.get(k, "(not recorded)"), wanted[k]) for k in keys if recorded.get(k) != wanted[k]]


def merged(recorded: dict[str, str], wanted: dict[str, str]) -> dict[str, str]:
    """What to store after a compatible run: this run's entries, and the union of roles played."""
    entries = {**recorded, **wanted}
    roles = [r for r in recorded.get("roles", "").split(",") if r]
    entries["roles"] = ",".join(roles + [r for r in wanted["roles"].split(",") if r not in roles])
    return entries
