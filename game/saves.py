"""Saves, autosaves and replays: one JSON document per save, never pickle, never eval.

A game is a function of (scenario, seed, Actions), so a save holds those (the scenario's name
and content hash, the seed, every Action and event choice, the controllers by name), plus the
random-generator states, the snapshot of every turn (`checkpoints`: shares, prices, bottlenecks,
indicators and scores) and the full state of the world. Loading re-plays the log on a fresh world
and checks every turn against its checkpoint and the end against the saved state: a save that
does not match itself is refused, and a game continued from a save is the same game as one played
without stopping, byte for byte, on the machine that made it.

Saves travel between machines: numbers are compared at the precision stated in game.precision
(numpy's exp and log differ in the last bit between CPUs, e.g. AVX2 and AVX-512, and the turn
carries that forward at ~1e-13), everything else exactly. A save loaded on another CPU continues
there as that CPU plays it. Format 1 saves held a SHA-256 digest per turn instead of checkpoints;
they still load (a digest is exact, so on another CPU their turns cannot be checked one by one,
and only the end state, checked within the precision, decides).

Every way a file can be wrong raises `SaveError` with the file's name and the problem; the game
that was running is never touched (loading builds a new world and returns it). A file is read
only if it is a regular file, within the size limit, nested no deeper than game.safeio allows.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from game.actions import parse_action
from game.difficulty import Difficulty
from game.precision import first_difference
from game.safeio import UnsafeFile, parse_guarded, read_text_bounded
from game.scenario import ScenarioError, load_scenario, scenario_hash, scenario_path

FORMAT = "team-korea-save"
FORMAT_VERSION = 2
GAME_VERSION = "0.1.0"
MAX_BYTES = 20 * 1024 * 1024  # a 20-turn game saves in well under 1 MB
LARGEST_NUMBER = 1e18  # nothing in the world is this big in its units (budgets in won reach ~1e13)
SAVES_DIR = Path("saves")
AUTOSAVE_KEEP = 10
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class SaveError(Exception):
    """A save that cannot be used; the message names the file and the problem."""


class Strict(BaseModel):
    """No unknown keys, and no type coercion: "7" is not a seed, 4.0 is not a turn."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ScenarioRef(Strict):
    name: str = Field(min_length=1, max_length=200)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class RngStates(Strict):
    numpy: dict
    python: list
    controllers: dict[str, dict]


class LogEntry(Strict):
    turn: int = Field(ge=0, le=10_000)
    date: str = Field(pattern=r"^\d{4}Q[1-4]$")
    country: str = Field(min_length=1, max_length=8)
    source: str = Field(min_length=1, max_length=100)
    action: dict | None = None
    refused: str | None = None
    event: str | None = None
    choice: int | None = Field(default=None, ge=0, le=100)


class DifficultyRef(Strict):
    """Saves before difficulty existed read as normal, played by Korea."""

    level: str = Field(default="normal", pattern=r"^[a-z][a-z_]{0,19}$")
    players: list[Annotated[str, Field(pattern=r"^[A-Z]{2,3}$")]] = Field(default=["KOR"], max_length=50)


class SaveFile(Strict):
    format: str
    format_version: int = Field(ge=1)
    game_version: str
    scenario: ScenarioRef
    seed: int = Field(ge=0, lt=2**63)
    turn: int = Field(ge=0, le=10_000)
    controllers: dict[str, str]
    difficulty: DifficultyRef = DifficultyRef()
    rng: RngStates
    log: list[LogEntry]
    checkpoints: list[dict] | None = None  # format 2: each turn's snapshot, checked within the stated precision
    digests: list[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] | None = None  # format 1: exact SHA-256s
    state: dict


# ---------------------------------------------------------------------- paths

def save_path(name_or_path: str, folder: Path = SAVES_DIR) -> Path:
    """A bare name is a file in the saves folder (and may not leave it); anything with a folder
    or a .json suffix is a path the user chose."""
    if "/" in name_or_path or os.sep in name_or_path or name_or_path.endswith(".json"):
        path = Path(name_or_path)
        if ".." in path.parts:
            raise SaveError(f"{name_or_path}: a save path may not climb out of its folder with '..' "
                            "(give an absolute path instead)")
        return path
    if not NAME.match(name_or_path) or ".." in name_or_path:
        raise SaveError(f"{name_or_path}: not a save name (letters, digits, '-', '_', '.'; "
                        "or give a path ending in .json)")
    return folder / f"{name_or_path}.json"


# ---------------------------------------------------------------------- writing

def digest(state: dict) -> str:
    """An exact fingerprint of a state: equal only on the same machine (see game.precision)."""
    return hashlib.sha256(json.dumps(state, sort_keys=True, allow_nan=False).encode()).hexdigest()


def controller_names(world) -> dict[str, str]:
    return {code: getattr(c, "name", "default") for code, c in world.governance.controllers.items()}


def document(world, scenario_name: str, controllers: dict[str, str] | None = None) -> dict:
    """The save of `world` as a JSON-ready dict (deterministic: same game, same document).
    Between quarters only (SaveError otherwise): a save re-plays whole quarters, so one made
    while a quarter is open (a question waiting for its answer) could not be re-played."""
    if world.in_turn:
        raise SaveError(f"quarter {world.date} is being played: a game is saved between quarters")
    governance = world.governance
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "game_version": GAME_VERSION,
        "scenario": {"name": scenario_name, "sha256": world.scenario_sha256},
        "seed": world.seed_value,
        "turn": world.turn,
        "controllers": controllers or controller_names(world),
        "difficulty": {"level": world.difficulty.level, "players": list(world.difficulty.players)},
        "rng": {"numpy": world.rng.bit_generator.state,
                "python": _jsonable(world.random.getstate()),
                "controllers": {c: r.bit_generator.state for c, r in governance.rngs.items()}},
        "log": [_log_entry(e) for e in governance.log],
        "checkpoints": [_plain(s) for s in world.history],
        "state": world_state(world),
    }


def _log_entry(entry: dict) -> dict:
    return {k: entry[k] for k in ("turn", "date", "country", "source", "action", "refused", "event", "choice")
            if k in entry}


def _jsonable(value):
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


def write_save(path: Path, doc: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomically(path, json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=1))


def write_text_atomically(path: Path, text: str) -> Path:
    """A temporary file in the target's folder, flushed to disk, then renamed over the target: a
    reader never sees half a file, and a crash mid-write leaves the previous one intact."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def autosave(world, scenario_name: str, folder: Path = SAVES_DIR / "autosave") -> Path:
    """Write the next numbered autosave and keep only the newest AUTOSAVE_KEEP of them, whatever
    game wrote them (numbers only grow, so a new game never overwrites or loses to an old one)."""
    numbered = sorted((int(m.group(1)), p) for p in folder.glob("autosave-*.json")
                      if (m := re.fullmatch(r"autosave-(\d{6})\.json", p.name)))
    number = numbered[-1][0] + 1 if numbered else 1
    path = write_save(folder / f"autosave-{number:06d}.json", document(world, scenario_name))
    for _, old in numbered[: max(len(numbered) + 1 - AUTOSAVE_KEEP, 0)]:
        old.unlink(missing_ok=True)
    return path


# ---------------------------------------------------------------------- the world's state

PRODUCER_FIELDS = ("capacity", "available", "price", "cash", "alive", "pipeline", "building", "opening", "payments",
                   "demand_est", "growth_est", "orders", "outages", "output", "revenue")
# a foundry keeps no smoothed orders (it plans on the pool's forecast: Foundry.expected_orders)
FOUNDRY_DROPPED = ("demand_est", "growth_est", "orders")
FIELDS = {
    "foundry": (*(f for f in PRODUCER_FIELDS if f not in FOUNDRY_DROPPED), "nodes", "mature_revenue"),
    "hbm_maker": (*PRODUCER_FIELDS, "gens", "rd_stock"),
    "packager": PRODUCER_FIELDS,
    "designer": ("price", "cash", "alive", "ecosystem", "foundries", "foundry_mix", "demand_est", "growth_est",
                 "inventory", "dies", "hbm_stock", "hbm_perf", "perf_factor", "rd_stock", "rd_at_launch", "rd_boost",
                 "target", "binding", "output", "sold", "revenue"),
    "buyer": ("capacity", "budget", "shocks", "shock", "new_compute", "target", "ref_price", "backlog", "financing",
              "race", "wanted", "factor"),
    "llm_developer": ("capacity", "domestic_compute", "output"),
    "industry": ("adoption", "domestic_adoption", "programme", "gdp_effect"),
    "component_supplier": ("price", "cash", "alive", "link_strength", "output", "revenue"),
}


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.floating | np.integer | np.bool_):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def world_state(world) -> dict:
    """Everything that changes during a game, in plain JSON values."""
    firms = {}
    for agent in world.by_name.values():
        row = {f: _plain(getattr(agent, f)) for f in FIELDS[agent.kind]}
        if agent.kind == "designer":
            row["chip"] = agent.chip.name
            row["roadmap"] = [g.name for g in agent.roadmap]
        firms[agent.name] = row
    countries = {code: {"policy": _plain(vars(c.policy)), "spent": c.spent, "spent_total": c.spent_total,
                        "available_total": c.available_total, "support_left_usd": c.support_left_usd,
                        "support_paid_usd": c.support_paid_usd, "funded": c.funded,
                        "programmes": _plain(c.programmes),
                        "commitments": [[q, pay, firm.name] for q, pay, firm in c.commitments]}
                 for code, c in world.countries.items()}
    return {
        "turn": world.turn,
        "date": world.date,
        "firms": firms,
        "countries": countries,
        "installed": _plain(world.installed),
        "other_demand": world.other_demand,
        "pool": {"demand": _plain(world.pool.demand), "shares": _plain(world.pool.shares)},
        "qualification": {f"{s}|{d}|{g or ''}": v for (s, d, g), v in world.qualification.items()},
        "sampling": {f"{s}|{d}|{g or ''}": q for (s, d, g), q in world.sampling.items()},
        "export_controls": [r.model_dump() for r in world.export_rules.active],
        "fired_events": sorted(world.governance.fired),
        "pending": [{"quarter": q, "country": c, "action": a.model_dump()} for q, c, a in world.governance.pending],
        "llm_use": _plain(world.llm_use),
    }


# ---------------------------------------------------------------------- reading

def read_save(path: Path) -> SaveFile:
    """Read and validate a save file without touching any game."""
    where = str(path)
    try:
        text = read_text_bounded(path, MAX_BYTES, "save")
        data = parse_guarded(lambda t: json.loads(t, parse_constant=_refuse_constant,
                                                  object_pairs_hook=_no_duplicates), text, where)
    except UnsafeFile as exc:
        raise SaveError(str(exc)) from None
    except (json.JSONDecodeError, ValueError) as exc:
        raise SaveError(f"{where}: not a valid save (JSON): {exc}") from None
    if not isinstance(data, dict):
        raise SaveError(f"{where}: not a save (expected a JSON object)")
    if data.get("format") != FORMAT:
        raise SaveError(f"{where}: not a Team Korea save (format is {str(data.get('format'))[:40]!r})")
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SaveError(f"{where}: format_version is missing or not a whole number")
    if version > FORMAT_VERSION:
        raise SaveError(f"{where}: saved by a newer game (save format {version}; this game reads up to "
                        f"{FORMAT_VERSION}); update the game to load it")
    data = _with_added_fields(migrate(data, where))
    try:
        save = SaveFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise SaveError(f"{where}: {field}: {err['msg']}") from None
    _check_numbers(save.state, where, "state")
    turns = save.checkpoints if save.checkpoints is not None else save.digests
    if turns is None or (save.checkpoints is not None and save.digests is not None):
        raise SaveError(f"{where}: a save holds either checkpoints (format 2) or digests (format 1), one per turn")
    if len(turns) != save.turn:
        kind = "checkpoints" if save.checkpoints is not None else "digests"
        raise SaveError(f"{where}: {len(turns)} turn {kind} for {save.turn} turns")
    for i, entry in enumerate(save.log):
        if entry.action is not None:
            try:
                parse_action(entry.action)
            except ValidationError as exc:
                raise SaveError(f"{where}: log[{i}]: not a valid action: {exc.errors()[0]['msg']}") from None
    return save


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number a save may hold")


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicated key {next(k for k in keys if keys.count(k) > 1)!r}")
    return dict(pairs)


NON_NEGATIVE = {"capacity", "available", "inventory", "dies", "hbm_stock", "volume", "price", "other_demand",
                "installed", "adoption", "domestic_adoption", "budget", "spent", "spent_total"}


def _check_numbers(value, where: str, path: str, key: str = "") -> None:
    """No NaN or infinity (JSON cannot carry them anyway), nothing absurdly large, and no
    negative stocks, capacities or prices."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int | float):
        if abs(value) > LARGEST_NUMBER or (isinstance(value, float) and not math.isfinite(value)):
            raise SaveError(f"{where}: {path}: {value!r} is not a plausible number")
        if key in NON_NEGATIVE and value < 0:
            raise SaveError(f"{where}: {path}: {key} may not be negative ({value})")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _check_numbers(v, where, f"{path}.{k}", k if not isinstance(v, dict) else key)
        return
    if isinstance(value, list):
        for i, v in enumerate(value):
            _check_numbers(v, where, f"{path}[{i}]", key)
        return
    raise SaveError(f"{where}: {path}: unexpected value {value!r}")


def _format_1_to_2(doc: dict) -> dict:
    """Format 2 checks each turn against its snapshot within the stated precision; format 1 had
    an exact digest per turn, which a format-2 game still reads (see `replay`)."""
    return {**doc, "format_version": 2}


MIGRATIONS: dict[int, callable] = {1: _format_1_to_2}  # format version -> upgrade by one version

# Firm fields the state gained within a format, with the value a save written before them stands
# for (a producer's `opening`: lines paid for and opening next quarter, none in a game saved before
# the state-financed projects opened lines). Keyed by a field every such firm has had since format 2.
ADDED_FIRM_FIELDS: dict[str, dict[str, object]] = {"building": {"opening": []}}


def _with_added_fields(data: dict) -> dict:
    """A save written before a field was added to the firms' state reads as one with its default."""
    firms = data.get("state", {}).get("firms") if isinstance(data.get("state"), dict) else None
    if isinstance(firms, dict):
        for firm in firms.values():
            if isinstance(firm, dict):
                for marker, added in ADDED_FIRM_FIELDS.items():
                    if marker in firm:
                        for field, default in added.items():
                            firm.setdefault(field, copy.deepcopy(default))
    return data


def migrate(data: dict, where: str) -> dict:
    """Bring an older save up to the current format, one version at a time."""
    version = data["format_version"]
    while version < FORMAT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise SaveError(f"{where}: no way to read save format {version}")
        try:
            data = step(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SaveError(f"{where}: cannot upgrade save format {version}: {exc!r}") from None
        version = data.get("format_version") if isinstance(data, dict) else None
        if not isinstance(version, int):
            raise SaveError(f"{where}: the upgrade from save format {version} went wrong")
    return data


# ---------------------------------------------------------------------- loading and replaying

class LogReplayer:
    """A controller that repeats what the log says its country did (a save's re-play, and a
    lesson's counterfactual, which re-plays a changed copy of the log: game/lesson_compare.py)."""

    def __init__(self, name: str, country: str, log: list[LogEntry]) -> None:
        self.name = name
        self.turns: dict[int, list] = {}
        self.choices: dict[tuple[int, str], int] = {}
        for entry in log:
            if entry.country != country:
                continue
            if entry.source == "controller" and entry.action is not None:
                self.turns.setdefault(entry.turn, []).append(parse_action(entry.action))
            elif entry.source == "choice" and entry.event is not None and entry.choice is not None:
                self.choices[(entry.turn, entry.event)] = entry.choice

    def decide(self, obs):
        return self.turns.get(obs.turn + 1, [])

    def choose(self, event, obs):
        return self.choices.get((obs.turn + 1, event.id), 0)


def play_log(world, log: list[LogEntry], turns: int, where: str,
             after_turn: Callable[[int], bool] | None = None) -> None:
    """Play `turns` quarters of a world whose controllers re-play `log` (LogReplayer), handing in
    what the log says came from outside the controllers: the teacher's events (set again before
    the quarter they fire in, those logged after the last turn too) and the Actions handed in at
    the desk while a quarter was open. `after_turn(turn)` runs after each quarter; True stops.
    One loop for a save's re-play and a lesson's counterfactual, so both play a log the same way."""
    for turn in range(1, turns + 2):
        for entry in log:
            if entry.source == "teacher" and entry.turn == turn - 1:
                reason = world.governance.trigger(entry.event or "")
                if reason:
                    raise SaveError(f"{where}: log: a teacher's event: {reason}")
        if turn > turns:
            break
        world.open_quarter()
        for entry in log:  # Actions handed in while the quarter was open, after the controllers'
            if entry.source == "desk" and entry.turn == turn and entry.action is not None:
                world.governance.submit(entry.country, [parse_action(entry.action)], source="desk")
        world.step()
        if after_turn is not None and after_turn(turn):
            return


def log_entries(log: list[dict]) -> list[LogEntry]:
    """A live world's governance log (`world.governance.log`) as a save holds it."""
    return [LogEntry.model_validate(_log_entry(entry)) for entry in log]


def scenario_for(save: SaveFile, where: str, force: bool = False):
    name = save.scenario.name
    try:
        installed = scenario_path(name).exists()
    except ScenarioError:
        installed = False  # not even a scenario's name (a path that climbs out of the folder, ...)
    if not installed:
        raise SaveError(f"{where}: its scenario '{name}' is not installed")
    try:
        scenario = load_scenario(name)
        same = scenario_hash(name) == save.scenario.sha256
    except ScenarioError as exc:
        raise SaveError(f"{where}: its scenario cannot be read: {exc}") from None
    if not same and not force:
        raise SaveError(f"{where}: the installed scenario '{name}' differs from the one this game was saved "
                        "with; the replay would not be the same game. Use --force to load it anyway "
                        "(the replay is then checked turn by turn and refused if it diverges)")
    return scenario


def replay(save: SaveFile, where: str, force: bool = False, seats: dict | None = None, continuing: bool = True,
           tables: bool = True):
    """Re-play the log on a fresh world; returns (world, first diverging turn or None, what differs).

    Each turn is checked against its checkpoint within the stated precision (game.precision). A
    format-1 save has exact digests instead: a turn whose digest differs is reported only if the
    end state differs too (`_replayed`), since on another CPU every digest may differ.

    Every seat is re-played from the log, so a plug-in's game re-plays without its code. What
    plays on afterwards is each seat's built-in strategy made again by name, or, for a seat a
    plug-in played, the controller the user names again in `seats` (a save never runs the code it
    names). `continuing=False` (re-play only: the replay command, the report) leaves such a seat
    with the log, which has nothing after the last turn. `tables`: keep the DataCollector's
    tables (only `sim --csv` reads them; without them a turn costs ~14% less, the game is the same)."""
    from agents.controllers import make_controller
    from agents.plugins import is_plugin
    from game.model import World

    scenario = scenario_for(save, where, force)
    if save.turn > scenario.scenario.turns:
        raise SaveError(f"{where}: turn {save.turn} is past the end of the scenario's {scenario.scenario.turns}-turn "
                        "term; not a save this game wrote")
    countries = [c.id for c in scenario.countries]
    for field, given in (("controllers", save.controllers), ("rng.controllers", save.rng.controllers)):
        if set(given) != set(countries):
            missing, extra = sorted(set(countries) - set(given)), sorted(set(given) - set(countries))
            raise SaveError(f"{where}: {field} must name every country of the scenario"
                            + (f"; missing {', '.join(missing)}" if missing else "")
                            + (f"; unknown {', '.join(extra)}" if extra else ""))
    replayers = {c: LogReplayer(save.controllers.get(c, "default"), c, save.log) for c in countries}
    try:
        world = World(scenario, seed=save.seed, controllers=replayers, tables=tables,
                      difficulty=Difficulty(save.difficulty.level, tuple(save.difficulty.players)))
    except ScenarioError as exc:
        raise SaveError(f"{where}: difficulty: {exc}") from None
    digest_differs: int | None = None
    diverged: tuple[int, str] | None = None

    def checked(turn: int) -> bool:
        nonlocal digest_differs, diverged
        if save.checkpoints is not None:
            difference = first_difference(_plain(world.history[-1]), save.checkpoints[turn - 1])
            if difference:
                diverged = (turn, difference)
                return True
        elif digest_differs is None and digest(world.history[-1]) != save.digests[turn - 1]:
            digest_differs = turn
        return False

    play_log(world, save.log, save.turn, where, checked)
    if diverged is not None:
        world.close()
        return world, *diverged
    seats = seats or {}
    plugins = {c: name for c, name in save.controllers.items() if is_plugin(name)}
    if set(seats) - set(plugins):
        world.close()
        raise SaveError(f"{where}: --control with --load names only the seats a plug-in played "
                        f"({', '.join(sorted(plugins)) or 'none in this save'}); the other strategies come from "
                        "the save")
    unnamed = {c: name for c, name in plugins.items() if c not in seats}
    if unnamed and continuing:
        world.close()
        named = ",".join(f"{c}={name}" for c, name in unnamed.items())
        raise SaveError(f"{where}: this game was played by a plug-in ({named}), and a save never runs the code it "
                        f"names. To play on, name it again: python main.py sim --load {where} --control {named}")
    try:
        world.governance.controllers = {
            c: seats[c] if c in seats else replayers[c] if c in plugins
            else make_controller(c, save.controllers.get(c, "default")) for c in countries}
    except KeyError as exc:
        world.close()
        raise SaveError(f"{where}: {exc.args[0]}") from None
    for code, state in save.rng.controllers.items():
        try:
            world.governance.rngs[code].bit_generator.state = state
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            raise SaveError(f"{where}: rng.controllers.{code}: not a random-generator state ({exc})") from None
    return world, digest_differs, "digest"


@dataclass(frozen=True)
class Verification:
    """What re-playing a save found: how many turns it holds, the first turn that differs (None:
    every turn matches within the stated precision) and what differs there."""

    turns: int
    diverged: int | None
    why: str = ""


def _replayed(path: Path, force: bool, seats: dict | None = None, continuing: bool = True, tables: bool = True):
    """Read and re-play a save; returns (save, world, Verification)."""
    where = str(path)
    save = read_save(path)
    try:
        world, diverged, what = replay(save, where, force, seats, continuing, tables)
    except SaveError:
        raise
    except (ValueError, KeyError, TypeError, OverflowError, RuntimeError) as exc:
        raise SaveError(f"{where}: the saved game cannot be re-played: {exc}") from None
    if diverged is not None and what != "digest":
        why = (f"the game re-played from its log diverges from the save at turn {diverged} "
               f"(re-played against saved: {what})")
        return save, world, Verification(save.turn, diverged, why)
    difference = first_difference(_plain(world_state(world)), save.state, "state")
    diverges = "the game re-played from its log diverges from the save at turn"
    if difference:
        turn = diverged or save.turn
        found = Verification(save.turn, turn, f"{diverges} {turn}: the saved state does not match the game "
                                              f"re-played from its log (re-played against saved: {difference})")
    elif world.rng.bit_generator.state != save.rng.numpy:
        found = Verification(save.turn, save.turn, f"{diverges} {save.turn}: the saved random state does not "
                                                   "match the re-played game")
    else:
        found = Verification(save.turn, None)  # a format-1 digest that differs alone: another CPU
    if found.diverged is not None:
        world.close()
    return save, world, found


def load_game(path: Path, force: bool = False, seats: dict | None = None, continuing: bool = True,
              tables: bool = True):
    """A new world continuing the saved game; raises SaveError and touches nothing else. `seats`
    and `continuing`: the controllers for seats a plug-in played; `tables`: the DataCollector's
    (see `replay`)."""
    save, world, found = _replayed(path, force, seats, continuing, tables)
    if found.diverged is not None:
        raise SaveError(f"{path}: {found.why} (edited or corrupted, or saved by a different version of the model)")
    return world, save


def check(path: Path, force: bool = False) -> Verification:
    """Replay a save turn by turn and say what it found (the `replay` command)."""
    _, world, found = _replayed(path, force, continuing=False, tables=False)  # nothing reads them
    world.close()
    return found


def verify(path: Path, force: bool = False) -> tuple[int, int | None]:
    """Replay a save turn by turn; returns (turns checked, first diverging turn or None)."""
    found = check(path, force)
    return found.turns, found.diverged
