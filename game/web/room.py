"""One classroom: one or several worlds (each a game.session.Session on the same scenario and
seed), the teams' seats in each, this quarter's submissions, the teacher's switches, and the
files that let a restarted server resume it.

No web library here: the server (game/web/app.py) turns requests into calls on a `Room` and its
answers into JSON, so the rules of the room (who may act for which team, what a submission is,
when a quarter is played) are plain Python, tested without a network.

A team's submission is the desk's settings (game/desk_levers.py); the Actions they make are
checked with governance's own refusal (`Session.refusal`, what the desktop desk shows) and
queued on the team's `PlayerController`, which hands them to `Governance.submit` when the
quarter is played, exactly as the desktop's End Turn does. A team that did not submit keeps
its programmes in force; a seat nobody holds is played by its country's AI (`stand_in`).

Several worlds (a class of 32 teams as four worlds of eight countries) play in lock-step: a
quarter is played in every world at once, so the projector compares them quarter by quarter.

An event that asks a seated team is asked live: the quarter pauses in that world at the question
(`World.question`), the team's desk shows it and the team answers (`answer`); every world's
quarter closes together once no question is left. A team's standing answer is taken without
asking; the teacher's End Quarter (or the decision timer) goes on without the answers still
awaited, taking for each its team's standing answer or the choice that changes least.

Persistence, after every change: `room.json` (seats as token hashes, this quarter's
submissions, switches, messages) and, after every quarter, each world's save (`game.json`,
`game-2.json`, ...: the normal save, game/saves.py, which `report`, `replay` and the desktop
game open). A restart loads the saves (re-played and checked turn by turn) and the room file;
a quarter that waited at a question is opened again as it was opened (the teams it was played
for as people are in the room file while it is open), so the teacher may free or move seats
while a question waits and a restart still plays the same quarter.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents.controllers import Controller, LaissezFaire, make_controller
from game.actions import parse_action
from game.advisor import advise
from game.choice_preview import outlooks, stakes
from game.describe import KOREAN_INDICATORS, country_name, describe_action, korean_indicator, money
from game.desk_levers import Lever, check_values, lever_sections, read_settings, staged_actions
from game.difficulty import Difficulty
from game.mapdata import KIND_MARKET, load_geometry, map_view
from game.model import World
from game.policy import STANCES
from game.reasons import in_language
from game.saves import SaveError, document, write_save, write_text_atomically
from game.scenario import load_scenario
from game.score import breakdown, component_id, grade
from game.session import Session
from game.text import quarter_name, tr
from game.why import (
    MARKET_INDICATOR,
    PRICE_MARKET,
    change,
    component_key,
    contributions,
    event_prefix,
    explain,
    fmt,
    parts_line,
    price_dollars,
    series,
)
from game.why import label as why_label

ROOM_FILE = "room.json"
GAME_FILE = "game.json"  # the first world's save; game-2.json, ... for the others
MAX_WORLDS = 8
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off a projector
MAX_MESSAGES = 20
MAX_TEACHER_TOKENS = 20
MAX_TEAMMATES = 8  # students watching one seat besides the one who submits
ANSWER_SECONDS = 90  # with a decision timer on, a question waits this long (at most the timer) for its answer


class RoomError(Exception):
    """A request the room refuses: an HTTP status and a strings key (`web.error.<key>`), so the
    person who made it reads why in their language. Nothing has changed when it is raised."""

    def __init__(self, status: int, key: str, **params) -> None:
        super().__init__(key)
        self.status, self.key, self.params = status, key, params

    def text(self, lang: str) -> str:
        return str(tr(f"web.error.{self.key}", lang)).format(**self.params)


class SetupError(Exception):
    """The command that starts a room cannot: a room folder made for another game, a broken
    room file. The message names the folder and what to do (the command line exits with 2)."""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


# ---------------------------------------------------------------------- the room file

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeatRecord(_Strict):
    token: str = Field(pattern=r"^[0-9a-f]{64}$")  # sha256 of the seat's token: the file holds no token
    name: str = Field(max_length=40)
    lang: str = Field(pattern=r"^(en|ko)$")
    viewers: list[str] = Field(default=[], max_length=8)  # teammates' token hashes: they watch the desk


class Submission(_Strict):
    turn: int = Field(ge=0)
    values: dict[str, int | float | bool | str]
    actions: list[dict]


class Message(_Strict):
    turn: int
    at: float
    text: str = Field(max_length=280)


class TableRecord(_Strict):
    seats: dict[str, SeatRecord | None]
    submissions: dict[str, Submission] = {}
    answers: dict[str, dict[str, int]] = {}  # team -> event id -> the choice it will take if the event fires
    live: list[str] | None = None  # a quarter open at a question: the teams that play it as people (no stand-in)


class RoomFile(_Strict):
    format: int = 2
    code: str = Field(pattern=r"^[A-Z0-9]{6}$")
    pin: str = Field(pattern=r"^[0-9]{6}$")
    scenario: str
    seed: int
    teams: list[str]
    lang: str
    turn: int = Field(ge=0)
    tables: list[TableRecord] = Field(min_length=1, max_length=MAX_WORLDS)  # one per world
    teacher_tokens: list[str] = []
    paused: bool = False
    scores_hidden: bool = False
    auto_advance: bool = True
    absent_ai: bool = False  # a seated team that has not submitted when the quarter is played: its AI decides
    messages: list[Message] = []
    timer: int | None = Field(default=None, ge=10, le=3600)  # seconds a quarter, None: no timer
    deadline: float | None = None  # when this quarter is played unless played before (epoch seconds)
    paused_left: float | None = None  # the timer's seconds left when the teacher paused
    # events the teacher triggered while the quarter waited at a question: the saves hold the quarter
    # before it, so a restart triggers them again once the quarter is open again
    triggered: list[str] = Field(default=[], max_length=64)


# ---------------------------------------------------------------------- the room

@dataclass
class Seat:
    token: str  # its hash: the student who submits for the team
    name: str
    lang: str
    viewers: list[str] = field(default_factory=list)  # teammates' token hashes: they see the same desk


@dataclass
class Table:
    """One world of the room: its game and its teams' seats and submissions."""

    index: int  # 0-based; pages say "World 1"
    session: Session
    seats: dict[str, Seat | None]
    submissions: dict[str, Submission] = field(default_factory=dict)
    answers: dict[str, dict[str, int]] = field(default_factory=dict)  # standing answers to events, by team
    ai: dict = field(default_factory=dict)  # an empty seat's stand-in, made when first needed
    outlook: tuple | None = None  # (turn, event id, outlooks) of the question waiting: judged once, on a fork
    live: list[str] | None = None  # while a quarter is open: the teams it is played for as people (no stand-in)

    @property
    def world(self) -> World:
        return self.session.world

    @property
    def file(self) -> str:
        return game_file(self.index)

    def record(self) -> TableRecord:
        return TableRecord(seats={c: SeatRecord(token=s.token, name=s.name, lang=s.lang, viewers=s.viewers)
                                  if s else None for c, s in self.seats.items()},
                           submissions=self.submissions, answers=self.answers,
                           live=self.live if self.world.in_turn else None)


class LoggedTeam(Controller):
    """A team country in a what-if: it does what the room's log says it did (its Actions quarter
    by quarter, its answers to events); an event it never met is answered as laissez_faire would."""

    name = "logged"

    def __init__(self, country: str, log: list[dict]) -> None:
        self.turns: dict[int, list[dict]] = {}
        self.choices: dict[str, int] = {}
        for entry in log:
            if entry["country"] != country:
                continue
            if entry["source"] == "controller" and entry.get("action"):
                self.turns.setdefault(entry["turn"], []).append(entry["action"])
            elif entry["source"] == "choice":
                self.choices[entry["event"]] = entry["choice"]

    def decide(self, obs):
        return [parse_action(a) for a in self.turns.get(obs.turn + 1, [])]

    def choose(self, event, obs):
        return self.choices.get(event.id, LaissezFaire().choose(event, obs))


def what_if(scenario_name: str, seed: int, teams: tuple[str, ...], world: World, code: str) -> float:
    """`code`'s final score had its team done nothing new (laissez_faire) while every other team
    did exactly what it did (the world's log re-played, the teacher's events too): the difference
    this team's own decisions made, apart from everyone else's."""
    log = world.governance.log
    controllers = {c: LoggedTeam(c, log) for c in teams if c != code}
    controllers[code] = make_controller(code, "laissez_faire")
    other = World(load_scenario(scenario_name), seed=seed, controllers=controllers, tables=False,
                  difficulty=Difficulty(world.difficulty.level, teams), explains=False)  # read for a score
    try:
        for turn in range(1, world.turn + 1):
            for entry in log:
                if entry["source"] == "teacher" and entry["turn"] == turn - 1:
                    other.governance.trigger(entry["event"])
            other.step()
        return float(other.scores[code])
    finally:
        other.close()


def game_file(index: int) -> str:
    return GAME_FILE if index == 0 else f"game-{index + 1}.json"


def _load_table(folder: Path, index: int, data: RoomFile, record: TableRecord) -> Table:
    path = folder / game_file(index)
    session = Session(data.scenario, seed=data.seed, humans=tuple(data.teams), autosave=False, saves_dir=folder)
    try:
        session.load(path)
    except SaveError as exc:
        session.close()
        raise SetupError(f"{path}: {exc}") from None
    if tuple(session.humans) != tuple(data.teams) or session.world.turn != data.turn:
        session.close()
        raise SetupError(f"{path} is not this room's game (teams {','.join(session.humans)}, turn "
                         f"{session.world.turn}; the room: {','.join(data.teams)}, turn {data.turn})")
    return Table(index=index, session=session,
                 seats={c: Seat(s.token, s.name, s.lang, list(s.viewers)) if s else None
                        for c, s in record.seats.items()},
                 submissions={c: s for c, s in record.submissions.items() if s.turn == data.turn and c in data.teams},
                 answers={c: dict(a) for c, a in record.answers.items() if c in data.teams},
                 live=[c for c in record.live if c in data.teams] if record.live is not None else None)


@dataclass
class Room:
    """Make one with `Room.open` (a new room, or the one `room_dir` holds)."""

    folder: Path
    tables: list[Table]
    code: str
    pin: str
    scenario_name: str
    seed: int
    teams: tuple[str, ...]
    lang: str
    teacher_tokens: list[str] = field(default_factory=list)
    paused: bool = False
    scores_hidden: bool = False
    auto_advance: bool = True
    absent_ai: bool = False
    messages: list[Message] = field(default_factory=list)
    triggered: list[str] = field(default_factory=list)  # see RoomFile.triggered
    timer: int | None = None
    deadline: float | None = None
    paused_left: float | None = None
    version: int = 0  # grows with every change: clients re-read what they show when it moves
    resumed: bool = False
    _no_action: list[dict[str, float]] | None = None
    _what_if: dict[tuple[int, str], float] | None = None
    _geometry: dict | None = None  # assets/map/world.json, read once for the projector's map

    # ------------------------------------------------------------------ making and resuming
    @classmethod
    def open(cls, folder: Path, scenario: str | None = None, teams: tuple[str, ...] | None = None,
             seed: int | None = None, lang: str | None = None, worlds: int | None = None) -> Room:
        """The room in `folder` if it has one (the flags given must agree with it), else a new
        room (defaults: baseline, KOR,USA,CHN,JPN, seed 7, Korean, one world; every world on the
        same seed). A scenario or country that does not exist is the scenario's own
        ScenarioError; a room file or save that cannot be used is a SetupError naming it."""
        folder = Path(folder)
        if (folder / ROOM_FILE).exists():
            return cls._resume(folder, scenario, teams, seed, lang, worlds)
        folder.mkdir(parents=True, exist_ok=True)
        scenario = scenario or "baseline"
        teams = tuple(teams or ("KOR", "USA", "CHN", "JPN"))
        seed = 7 if seed is None else seed
        tables: list[Table] = []
        try:
            for index in range(worlds or 1):
                session = Session(scenario, seed=seed, humans=teams, autosave=False, saves_dir=folder)
                tables.append(Table(index=index, session=session, seats=dict.fromkeys(session.humans)))
        except BaseException:
            for table in tables:
                table.session.close()
            raise
        room = cls(folder=folder, tables=tables, code="".join(secrets.choice(CODE_LETTERS) for _ in range(6)),
                   pin=f"{secrets.randbelow(10**6):06d}", scenario_name=scenario, seed=seed,
                   teams=tables[0].session.humans, lang=lang or "ko")
        room.save(game=True)
        return room

    @classmethod
    def _resume(cls, folder: Path, scenario, teams, seed, lang, worlds) -> Room:
        path = folder / ROOM_FILE
        try:
            data = RoomFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, ValidationError) as exc:
            raise SetupError(f"{path}: not a room file this game can resume ({str(exc).splitlines()[0]}); "
                             "move it away or choose another --room-dir") from None
        differs = [f"{flag} {given} (the room has {had})" for flag, given, had in
                   (("--scenario", scenario, data.scenario), ("--seed", seed, data.seed),
                    ("--teams", ",".join(teams) if teams else None, ",".join(data.teams)),
                    ("--worlds", worlds, len(data.tables)))
                   if given is not None and given != had]
        if differs:
            raise SetupError(f"{folder} holds a room made with other settings: {'; '.join(differs)}. "
                             "Start it with the same flags (or none), or choose another --room-dir")
        tables: list[Table] = []
        try:
            for index, record in enumerate(data.tables):
                tables.append(_load_table(folder, index, data, record))
        except BaseException:
            for table in tables:
                table.session.close()
            raise
        room = cls(folder=folder, tables=tables, code=data.code, pin=data.pin, scenario_name=data.scenario,
                   seed=data.seed, teams=tuple(data.teams), lang=lang or data.lang,
                   teacher_tokens=list(data.teacher_tokens), paused=data.paused, scores_hidden=data.scores_hidden,
                   auto_advance=data.auto_advance, absent_ai=data.absent_ai, messages=list(data.messages),
                   timer=data.timer,
                   deadline=data.deadline, paused_left=data.paused_left, resumed=True)
        pending = list(data.triggered) if any(t.live is not None for t in tables) else []
        if any(t.live is not None for t in tables):
            # The server stopped while the quarter waited at a question: the saves hold the quarter
            # before it, so it is opened again as it was opened (the same teams as people, their
            # submissions and answers, whoever sits where now) and waits at the same question.
            try:
                room._start_quarter(again=True)
                for event_id in pending:  # as the teacher triggered them, after the quarter opened
                    for table in room.tables:
                        table.session.trigger(event_id)
                room.triggered = pending
                if not room.questions():  # every question answered before the stop: it closes now
                    room._close_quarter()
            except BaseException:
                room.close()
                raise
        return room

    def save(self, game: bool = False) -> None:
        """The room file (always) and every world's save (`game`: after a quarter), each written
        atomically, so a server killed mid-write leaves the previous file whole. The version
        moves on with the clock too, so a page open across a restart still sees a change."""
        self.version = max(self.version + 1, time.time_ns() // 1_000_000)
        if game:
            for table in self.tables:
                write_save(self.folder / table.file, document(table.world, self.scenario_name))
        data = RoomFile(code=self.code, pin=self.pin, scenario=self.scenario_name, seed=self.seed,
                        teams=list(self.teams), lang=self.lang, turn=self.turn,
                        tables=[t.record() for t in self.tables], teacher_tokens=self.teacher_tokens,
                        paused=self.paused, scores_hidden=self.scores_hidden, auto_advance=self.auto_advance,
                        absent_ai=self.absent_ai, messages=self.messages, timer=self.timer, deadline=self.deadline,
                        paused_left=self.paused_left, triggered=self.triggered if self.playing else [])
        path = write_text_atomically(self.folder / ROOM_FILE, data.model_dump_json(indent=1))
        path.chmod(0o600)  # it holds the teacher's PIN

    def close(self) -> None:
        for table in self.tables:
            table.session.close()

    @property
    def world(self) -> World:
        """The first world (every world is at the same quarter: they are played together)."""
        return self.tables[0].world

    @property
    def session(self) -> Session:
        return self.tables[0].session

    @property
    def turn(self) -> int:
        """Quarters played to their end in every world (the saves' turn): a quarter paused at a
        question is not one of them yet."""
        return played(self.world)

    @property
    def playing(self) -> bool:
        """A quarter has begun and is not closed yet: it waits for an answer to an event."""
        return any(t.world.in_turn for t in self.tables)

    def questions(self) -> list[tuple[Table, object]]:
        """Every world's question waiting for its team's answer (game.governance.Question)."""
        return [(t, t.session.question) for t in self.tables if t.session.question is not None]

    def table(self, world: int) -> Table:
        if not 0 <= world < len(self.tables):
            raise RoomError(404, "world", world=world + 1)
        return self.tables[world]

    # ------------------------------------------------------------------ who is who
    def seat_of(self, token: str, submitting: bool = False) -> tuple[Table, str]:
        """The world and team a seat token sits at (the student who submits, or a teammate
        watching); RoomError 403 for a token this room never gave or has taken back (a freed or
        moved seat), and, when `submitting`, for a teammate's token (only one student submits)."""
        digest = token_hash(token)
        for table in self.tables:
            for code, seat in table.seats.items():
                if seat is None:
                    continue
                if hmac.compare_digest(seat.token, digest):
                    return table, code
                if any(hmac.compare_digest(v, digest) for v in seat.viewers):
                    if submitting:
                        raise RoomError(403, "viewer", name=seat.name)
                    return table, code
        raise RoomError(403, "token")

    def submits(self, token: str) -> bool:
        """Whether this seat token is the one that submits for its team."""
        digest = token_hash(token)
        return any(s is not None and hmac.compare_digest(s.token, digest)
                   for t in self.tables for s in t.seats.values())

    def check_code(self, code: str) -> None:
        if not hmac.compare_digest(code.strip().upper().encode(), self.code.encode()):
            raise RoomError(403, "room_code")

    def join(self, room_code: str, team: str, name: str, lang: str, teammate: bool = False, world: int = 0) -> str:
        """A seat for a student who knows the room code: its token (shown to nobody else). A
        free team's seat submits for it; `teammate` joins a taken one to watch the same desk."""
        self.check_code(room_code)
        table = self.table(world)
        if team not in table.seats:
            raise RoomError(404, "team", team=team)
        seat = table.seats[team]
        token = new_token()
        if seat is not None:
            if not teammate:
                raise RoomError(409, "seat_taken", team=self.country_name(team, lang))
            if len(seat.viewers) >= MAX_TEAMMATES:
                raise RoomError(409, "seat_full", team=self.country_name(team, lang), n=MAX_TEAMMATES)
            seat.viewers.append(token_hash(token))
            self.save()
            return token
        table.seats[team] = Seat(token_hash(token), name.strip() or self.country_name(team, lang), lang)
        self.save()
        return token

    def lobby(self, room_code: str, lang: str) -> dict:
        """The seats a student may pick, once the room code is right."""
        self.check_code(room_code)
        return {"worlds": len(self.tables),
                "teams": [{"world": t.index, "code": c, "name": self.country_name(c, lang), "free": s is None,
                           "team_name": s.name if s else "", "teammates": len(s.viewers) if s else 0}
                          for t in self.tables for c, s in t.seats.items()]}

    def teacher_login(self, pin: str) -> str:
        if not hmac.compare_digest(pin.strip().encode(), self.pin.encode()):
            raise RoomError(403, "pin")
        token = new_token()
        self.teacher_tokens = [*self.teacher_tokens, token_hash(token)][-MAX_TEACHER_TOKENS:]
        self.save()
        return token

    def check_teacher(self, token: str) -> None:
        digest = token_hash(token)
        if not any(hmac.compare_digest(digest, t) for t in self.teacher_tokens):
            raise RoomError(403, "teacher")

    # ------------------------------------------------------------------ reading
    def country_name(self, code: str, lang: str) -> str:
        return country_name(self.world, code, lang)

    def deciding(self, lang: str) -> str:
        """The quarter the teams decide now (the next one to be played, or the one being played
        while it waits for an answer)."""
        world = self.world
        return quarter_name(world.now + 1, lang) if not (world.finished or world.in_turn) \
            else quarter_name(world.now, lang)

    def score(self, table: Table, code: str) -> float | None:
        return None if self.scores_hidden else round(float(table.world.scores[code]), 1)

    @staticmethod
    def history(table: Table, code: str) -> list[float]:
        return [round(float(h["score"][code]), 1) for h in table.world.history]

    def news(self, lang: str, table: Table | None = None) -> list[str]:
        """Last quarter's headlines in a world (the first by default): the events that fired."""
        world = (table or self.tables[0]).world
        causes = world.causes[-1] if world.causes else []
        return [c[lang] for c in causes if c.get("source") == "event"][:8]

    def components(self, table: Table, code: str, lang: str) -> list[dict]:
        """The team's objective, component by component: what it reads, the value now, points."""
        world = table.world
        spec = world.scenario.score
        if spec is None:
            return []
        rule = spec.for_country(code)
        indicators = world.indicators
        points = breakdown(rule, indicators[code], indicators)
        rows = []
        for c in rule.components:
            label = str(tr(f"web.ind.{c.key}", lang))
            if c.of:
                label = f"{self.country_name(c.of, lang)}: {label}"
            value = (indicators.get(c.of or code) or {}).get(c.key, 0.0)
            rows.append({"id": component_id(c), "label": label, "value": indicator_text(c.key, value, lang),
                         "points": round(points[component_id(c)], 1), "weight": round(c.weight * 100),
                         "lower_is_better": bool(c.invert)})
        return rows

    def why(self, table: Table, code: str, lang: str, quarters: int = 3) -> list[dict]:
        """Why the team's score moved (game/why.py, the desktop's Why?): the last `quarters`
        quarters in which something could have moved it, with the score before and after and the
        cause-log lines (its own Actions, events, the mechanisms behind its objective)."""
        world = table.world
        turns = explain(world, f"score:{code}")[:quarters]
        return [{"date": quarter_name(world.start + t["turn"] - 1, lang),
                 "before": None if t["before"] is None else round(float(t["before"]), 1),
                 "after": round(float(t["after"]), 1),
                 "parts": parts_line(world, contributions(world, f"score:{code}", t["turn"]), lang),
                 "causes": [c[lang] for c in t["causes"]][:8]}
                for t in turns]

    def component_why(self, table: Table, code: str, component: str, lang: str, quarters: int = 4) -> dict:
        """Why one component of the team's own objective moved (game/why.py's answer for
        `component:<country>:<id>`, as the desktop's Why? panel lays it out): its points now and
        since the start, then the last `quarters` quarters in which something could have moved it,
        each with the points before and after and the cause-log lines, tagged lever, event or
        market. The team comes from the seat, so a team reads only its own objective."""
        if self.scores_hidden:
            raise RoomError(409, "scores_hidden")
        world = table.world
        spec = world.scenario.score
        rule = spec.for_country(code) if spec is not None else None
        if rule is None or component not in {component_id(c) for c in rule.components}:
            raise RoomError(404, "component", component=component[:64])
        label = next(row["label"] for row in self.components(table, code, lang) if row["id"] == component)
        return {"component": component, **why_answer(world, component_key(code, component), label, lang, quarters)}

    def ask_why(self, table: Table, code: str, lang: str, component: str | None = None, market: str | None = None,
                firm: str | None = None, price: str | None = None) -> dict:
        """Why? from a desk, for one thing: a component of the team's own objective
        (`component_why`), a firm's share of a market (`market` and `firm`), or a market price
        (`price`). Refused, with nothing changed, for none or several, an unknown market, a firm
        that does not sell in that market, an unknown price."""
        asked = [component is not None, market is not None or firm is not None, price is not None]
        if sum(asked) != 1 or (asked[1] and (market is None or firm is None)):
            raise RoomError(422, "why_what")
        if component is not None:
            return self.component_why(table, code, component, lang)
        return self.market_why(table, lang, market=market, firm=firm, price=price)

    def market_why(self, table: Table, lang: str, market: str | None = None, firm: str | None = None,
                   price: str | None = None, quarters: int = 4) -> dict:
        """Why a firm's share of a market or a market price moved: game/why.py's answer for
        `share:<market>:<firm>` or `price:<good>`, the one the desktop's Why? panel shows for a
        firm on the map or a line of its charts, laid out as `component_why`. Any firm and price
        of the world (they are public on the map); the scores need not be shown."""
        world = table.world
        if price is not None:
            if price not in PRICE_MARKET:
                raise RoomError(404, "price", price=price[:24])
            key = f"price:{price}"
            found = {"price": price}
        else:
            if market not in MARKET_INDICATOR:
                raise RoomError(404, "market", market=(market or "")[:24])
            agent = world.by_name.get(firm or "")
            if agent is None or KIND_MARKET.get(agent.kind) != market:
                raise RoomError(404, "firm", firm=(firm or "")[:64], market=str(tr(f"web.market.{market}", lang)))
            key = f"share:{market}:{firm}"
            found = {"market": market, "firm": firm}
        answer = why_answer(world, key, str(why_label(world, key, lang)), lang, quarters)
        if price is not None and len(world.history):
            answer["now"] = str(tr("ui.why.now", lang)).format(
                value=price_text(price, world.history[-1]["prices"].get(price, 0.0), lang))
        return {**found, **answer}

    def markets(self, table: Table, code: str, lang: str) -> dict:
        """What a desk offers to ask Why? about: each market's firms by their share after the
        last quarter (the team's own country's firms marked; firms without a share left out
        unless they are the team's), and the three prices with their units. Empty before the
        first quarter."""
        world = table.world
        if not len(world.history):
            return {"markets": [], "prices": []}
        last = world.history[-1]
        markets = []
        for market in MARKET_INDICATOR:
            firms = []
            for name, share in sorted(last["shares"].get(market, {}).items(), key=lambda kv: -kv[1]):
                agent = world.by_name.get(name)
                if agent is None or KIND_MARKET.get(agent.kind) != market:
                    continue
                home = agent.country == code
                if share >= 0.005 or home:
                    firms.append({"firm": name, "name": agent.name_ko if lang == "ko" else name,
                                  "share": fmt(f"share:{market}:{name}", share, lang), "home": home})
            markets.append({"market": market, "label": str(tr(f"ui.chart.market.{market}", lang)), "firms": firms})
        prices = [{"price": good, "label": str(tr(f"ui.chart.price.{good}", lang)),
                   "value": price_text(good, last["prices"].get(good, 0.0), lang)} for good in PRICE_MARKET]
        return {"markets": markets, "prices": prices}

    def map_of(self, world: int, lang: str) -> dict:
        """The world map of one world after its last quarter (game/mapdata.py: the desktop map's
        flows, markers, bottlenecks and walls, as data), for the projector to draw."""
        if self._geometry is None:
            self._geometry = load_geometry()
        table = self.table(world)
        return {"world": table.index, "worlds": len(self.tables), **map_view(table.world, lang, self._geometry)}

    def desk(self, table: Table, code: str, lang: str) -> dict:
        """Everything a team's page shows: its levers (rows and ranges from game/desk_levers.py),
        the settings in force or submitted, budget, score, objective, Why?, news, last quarter's
        verdicts."""
        world, view = table.world, table.session.view(code)
        country = view.country
        settings = read_settings(view)
        sections = lever_sections(view, settings, lang)
        submitted = table.submissions.get(code)
        keys = {row.key if isinstance(row, Lever) else row[1] for _, rows in sections for row in rows
                if isinstance(row, Lever) or row[0] != "note"}
        values = {k: v for k, v in settings.base.items() if k in keys}
        if submitted is not None:
            values.update(submitted.values)
        seat = table.seats.get(code)
        hidden = self.scores_hidden
        out = {
            "team": code, "world": table.index, "worlds": len(self.tables), "country": self.country_name(code, lang),
            "currency": country.currency, "date": self.deciding(lang), "turn": self.turn, "turns": world.turns,
            "finished": world.finished, "paused": self.paused, "scores_hidden": hidden, "version": self.version,
            "seconds_left": self.seconds_left(),
            "sections": [serial_section(s, settings, lang, country.currency) for s in sections],
            "base": {k: v for k, v in settings.base.items() if k in keys}, "values": values,
            "submitted": submitted is not None, "budget": money(country.budget_per_quarter, lang, country.currency),
            "seat_name": seat.name if seat else "",
            "score": self.score(table, code), "score_history": None if hidden else self.history(table, code),
            "no_action_history": None if hidden else
            [round(float(b[code]), 1) for b in self.no_action_scores()[:self.turn]],
            "components": [] if hidden else self.components(table, code, lang),
            "why": [] if hidden else self.why(table, code, lang),
            **self.markets(table, code, lang),
            "choices": self.choices(table, code, lang),
            "question": self.question_for(table, code, lang), "asking": self.asking(table, lang),
            "playing": self.playing,
            "news": self.news(lang, table), "message": self.messages[-1].text if self.messages else "",
            "advice": [] if world.finished or world.in_turn else [{"lever": a.lever, "text": a.text(lang)}
                                                 for a in advise(world, code, lang)],
            "verdicts": [{"text": describe_action(v["action"], lang, world, country.currency),
                          "refused": in_language(v["refused"], lang) if v.get("refused") else None}
                         for v in self.verdicts(table, code)],
        }
        out.update(self.assess(table, code, values, lang))
        return out

    @staticmethod
    def open_events(table: Table, code: str) -> list:
        """The scenario's events this team would answer (it is their chooser) that can still fire."""
        world = table.world
        return [e for e in world.scenario.events if e.choices and e.chooser == code
                and e.id not in world.governance.fired
                and (e.end is None or world.quarter_of(e.end) > world.now)]

    def choices(self, table: Table, code: str, lang: str) -> list[dict]:
        """Events addressed to the team, with their choices and the team's standing answer (the
        choice its controller takes if the event fires during a quarter; none: the one that
        commits the state to nothing, as a hot-seat team without the dialog gets)."""
        ko = lang == "ko"
        answers = table.answers.get(code, {})
        return [{"id": e.id, "title": e.title_ko if ko else e.title_en, "text": e.text_ko if ko else e.text_en,
                 "options": [{"index": i, "label": c.label_ko if ko else c.label_en} for i, c in enumerate(e.choices)],
                 "answer": answers.get(e.id)} for e in self.open_events(table, code)]

    def question_for(self, table: Table, code: str, lang: str) -> dict | None:
        """The question the quarter waits at if it is this team's to answer: the event's title
        and text, the budget left, and per answer its label, what it does and its stakes (cost
        now, budget left, expected score: game/choice_preview.py, judged once per question)."""
        question = table.session.question
        if question is None or question.chooser != code:
            return None
        world, ko = table.world, lang == "ko"
        event = next(e for e in world.scenario.events if e.id == question.event)
        self._judge_questions()  # judged when the quarter stopped at it: nothing to do here
        budget, lines = stakes(world, code, event, lang, table.outlook[2])
        currency = world.countries[code].currency
        return {"id": event.id, "title": event.title_ko if ko else event.title_en,
                "text": event.text_ko if ko else event.text_en, "budget": budget,
                "options": [{"index": i, "label": c.label_ko if ko else c.label_en,
                             "does": [describe_action(a, lang, world, currency) for a in c.actions]
                             or [str(tr("ui.event.no_action", lang))], "stakes": lines[i]}
                            for i, c in enumerate(event.choices)]}

    def asking(self, table: Table, lang: str) -> list[dict]:
        """What the quarter waits for in this world: the team asked and the event's title."""
        return [{"team": q.chooser, "country": self.country_name(q.chooser, lang),
                 "title": next(e.title_ko if lang == "ko" else e.title_en
                               for e in table.world.scenario.events if e.id == q.event)}
                for t, q in self.questions() if t is table]

    def check_answers(self, table: Table, code: str, answers: dict[str, int]) -> None:
        events = {e.id: e for e in self.open_events(table, code)}
        for event_id, index in answers.items():
            event = events.get(event_id)
            if event is None:
                raise RoomError(422, "answer", problem=f"{event_id[:40]}: not an event this team answers now")
            if not 0 <= index < len(event.choices):
                raise RoomError(422, "answer", problem=f"{event_id}: no choice {index}")

    @staticmethod
    def verdicts(table: Table, code: str) -> list[dict]:
        """The team's Actions of the last quarter played, as governance logged them (accepted,
        or refused with the reason): read from the log, so they survive a restart."""
        world = table.world
        return [e for e in world.governance.log if e["turn"] == played(world) and e["country"] == code
                and e["source"] == "controller" and e.get("action")]

    def assess(self, table: Table, code: str, values: dict, lang: str) -> dict:
        """What a desk's settings would do: this quarter's cost, the budget left, the changes
        in words and the refusal governance would give (the desktop desk's footer)."""
        view = table.session.view(code)
        country = view.country
        settings = read_settings(view)
        problem = check_values(settings, lever_sections(view, settings, lang), values)
        if problem:
            raise RoomError(422, "values", problem=problem)
        actions, reason = staged_actions(settings, {**settings.base, **values}, lang)
        cost = view.cost(actions if reason is None else [])
        if reason is None:
            reason = view.refusal(actions)
        budget = country.budget_per_quarter
        return {"cost": money(cost, lang, country.currency), "left": money(abs(budget - cost), lang, country.currency),
                "over": budget - cost < 0,  # then "left" is by how much (the page says "over budget by")
                "refusal": in_language(reason, lang) if reason else None,
                "changes": [describe_action(a.model_dump(), lang, table.world, country.currency) for a in actions],
                "actions": actions}

    # ------------------------------------------------------------------ acting
    def submit(self, token: str, turn: int, values: dict, lang: str, answers: dict[str, int] | None = None) -> dict:
        """A team's programme for the quarter (replacing one it sent before). Refused, with
        nothing changed, for a quarter that is not the one being decided (a replayed request),
        a paused or finished game, settings no widget could make, or a bundle governance would
        refuse; accepted ones are queued for the quarter and saved. A teammate watching the desk
        cannot submit. `answers` (event id -> choice) replace the team's standing answers to the
        events addressed to it."""
        table, code = self.seat_of(token, submitting=True)
        world = table.world
        if world.finished:
            raise RoomError(409, "finished")
        if self.playing:
            raise RoomError(409, "asking")
        if turn != world.turn:
            raise RoomError(409, "stale", date=self.deciding(lang))
        if self.paused:
            raise RoomError(409, "paused")
        assessed = self.assess(table, code, values, lang)
        if assessed["refusal"]:
            raise RoomError(422, "refused", reason=assessed["refusal"])
        if answers is not None:
            self.check_answers(table, code, answers)
        before = table.submissions.get(code), table.answers.get(code)
        table.submissions[code] = Submission(turn=turn, values=dict(values),
                                             actions=[a.model_dump() for a in assessed["actions"]])
        if answers is not None:
            table.answers[code] = dict(answers)
        try:
            self.save()
        except OSError:  # not kept on disk: not kept at all, so a restart cannot lose what was confirmed
            _restore(table.submissions, code, before[0])
            _restore(table.answers, code, before[1])
            raise
        played = self.maybe_advance()
        return {"submitted": True, "changes": assessed["changes"], "advanced": played}

    def withdraw(self, token: str, turn: int) -> None:
        table, code = self.seat_of(token, submitting=True)
        if self.playing:
            raise RoomError(409, "asking")
        if turn != table.world.turn:
            raise RoomError(409, "stale", date=self.deciding(self.lang))
        if table.submissions.pop(code, None) is not None:
            self.save()

    def waiting_for(self) -> list[tuple[int, str]]:
        """The seated teams (world, country) that have not submitted this quarter."""
        return [(t.index, c) for t in self.tables for c, s in t.seats.items()
                if s is not None and c not in t.submissions]

    def maybe_advance(self) -> bool:
        """Auto-advance: the quarter is played once every seated team of every world has submitted."""
        seated = any(s is not None for t in self.tables for s in t.seats.values())
        if self.auto_advance and not self.paused and seated and not self.waiting_for() and not self.world.finished \
                and not self.playing:
            self.end_quarter()
            return True
        return False

    def end_quarter(self) -> None:
        """Play the quarter in every world: submitted programmes through each team's controller,
        the rest keep theirs (or, with `absent_ai`, their AI decides), an empty seat's AI decides.
        An event that asks a seated team with no standing answer pauses its world at the question
        (`answer` goes on); called again while a question waits (the teacher goes on, the clock
        runs out), every question still waiting takes its team's standing answer or the choice
        that changes least. Once no question is left, every world's quarter closes and is saved."""
        if self.world.finished:
            raise RoomError(409, "finished")
        if self.paused:
            raise RoomError(409, "paused")
        if self.playing:
            for table, question in self.questions():
                while question is not None:  # an answer may lead to another question
                    table.session.answer(self.least_change(table, question))
                    question = table.session.question
        else:
            self._start_quarter()
        if self.playing and self.questions():
            self.deadline = time.time() + min(self.timer, ANSWER_SECONDS) if self.timer else None
            self.save()
            return
        self._close_quarter()

    def _start_quarter(self, again: bool = False) -> None:
        """Every world's quarter opened, up to its policy phase or to a question a seated team
        answers live (its standing answers are its script: taken without asking). Who plays as
        a person is fixed for the quarter (`Table.live`, kept in the room file while it waits at a
        question): a seat freed or moved meanwhile does not change how the quarter is played, so
        a restart (`again`: the room file's teams) opens it again exactly as it was opened."""
        for table in self.tables:
            if not again or table.live is None:
                table.live = [c for c in table.session.players
                              if table.seats.get(c) is not None and not (self.absent_ai and c not in table.submissions)]
            for code, player in table.session.players.items():
                if code not in table.live:
                    if code not in table.ai:
                        table.ai[code] = make_controller(code, "default")
                    player.stand_in, player.script = table.ai[code], {}
                else:  # a team's standing answers: the choice it takes if an event asks it this quarter
                    player.stand_in, player.script = None, dict(table.answers.get(code, {}))
            actions = {code: [parse_action(a) for a in s.actions] for code, s in table.submissions.items()}
            table.session.start_turn(actions, pause=True)
        self._judge_questions()

    def _judge_questions(self) -> None:
        """Each waiting question's outlooks (its answers' stakes, each previewed on a fork: tens of
        milliseconds), worked out as the quarter stops at it, in the request that played the
        quarter, rather than in the first desk read after it (which held every page's poll)."""
        for table, question in self.questions():
            event = next(e for e in table.world.scenario.events if e.id == question.event)
            if table.outlook is None or table.outlook[:2] != (table.world.turn, event.id):
                table.outlook = (table.world.turn, event.id, outlooks(table.world, question.chooser, event))

    def _close_quarter(self) -> None:
        """No question left: every world's quarter closed together, the submissions cleared, the
        next quarter's clock started, the games and the room saved."""
        for table in self.tables:
            if table.world.in_turn:
                table.session.finish_turn()
            table.submissions = {}
            table.outlook = None
            table.live = None
        self.triggered = []  # in the games' logs now, which this save writes
        self.deadline = time.time() + self.timer if self.timer and not self.world.finished else None
        self.save(game=True)

    @staticmethod
    def least_change(table: Table, question) -> int:
        """The answer taken for a team that did not give one: its standing answer, else the choice
        that changes least (laissez_faire's, on what its country sees now)."""
        standing = table.answers.get(question.chooser, {}).get(question.event)
        if standing is not None:
            return standing
        world = table.world
        event = next(e for e in world.scenario.events if e.id == question.event)
        return LaissezFaire().choose(event, world.governance.observe(question.chooser))

    def answer(self, token: str, event_id: str, index: int, lang: str) -> dict:
        """A team's answer to the question its world's quarter is paused at. Refused with nothing
        changed: a teammate's token (only one student answers), a game paused or over, no question
        for this team, another event, a choice the event does not offer. Kept as the team's answer
        to that event in the room file first (a restart re-plays the quarter with it), then the
        quarter goes on; when no world waits any more, the quarter closes in every world."""
        table, code = self.seat_of(token, submitting=True)
        if table.world.finished:
            raise RoomError(409, "finished")
        if self.paused:
            raise RoomError(409, "paused")
        question = table.session.question
        if question is None or question.chooser != code:
            raise RoomError(409, "no_question")
        event = next(e for e in table.world.scenario.events if e.id == question.event)
        if event_id != event.id:
            raise RoomError(422, "answer", problem=f"{event_id[:40]}: not the question waiting ({event.id})")
        if not 0 <= index < len(event.choices):
            raise RoomError(422, "answer", problem=f"{event_id}: no choice {index}")
        before = table.answers.get(code)
        table.answers[code] = {**(before or {}), event_id: index}
        try:
            self.save()
        except OSError:
            _restore(table.answers, code, before)
            raise
        table.session.answer(index, event_id)
        self._judge_questions()  # a next question this answer led to
        # a next question needs no second write: the room file already holds everything it keeps
        # (the answer, the teams played as people), and the version the save above moved on tells
        # the pages once this request returns
        if not self.questions():
            self._close_quarter()
        return {"answered": True, "advanced": not self.playing, "date": self.deciding(lang)}

    def set_switch(self, name: str, on: bool) -> None:
        if name not in ("paused", "scores_hidden", "auto_advance", "absent_ai"):
            raise RoomError(422, "switch", name=name)
        if name == "paused" and bool(on) != self.paused:  # the timer stops while the class is paused
            now = time.time()
            if on and self.deadline is not None:
                self.paused_left, self.deadline = max(self.deadline - now, 0.0), None
            elif not on and self.paused_left is not None:
                self.deadline, self.paused_left = now + self.paused_left, None
        setattr(self, name, bool(on))
        self.save()
        if name in ("paused", "auto_advance"):
            self.maybe_advance()

    def set_timer(self, seconds: int | None) -> None:
        """A decision timer: each quarter is played `seconds` after it opens (this one from now)
        unless it is played before; teams that have not submitted keep their programmes in force
        (an empty seat's AI decides). None switches it off."""
        if self.world.finished:
            raise RoomError(409, "finished")
        self.timer = seconds
        self.paused_left = None
        if seconds is None:
            self.deadline = None
        elif self.paused:
            self.paused_left = float(seconds)
        else:
            self.deadline = time.time() + seconds
        self.save()

    def seconds_left(self, now: float | None = None) -> float | None:
        if self.paused_left is not None:
            return round(self.paused_left, 1)
        if self.deadline is None:
            return None
        return round(max(self.deadline - (time.time() if now is None else now), 0.0), 1)

    def tick(self, now: float | None = None) -> bool:
        """Play the quarter if its timer has run out (the server calls this every half second)."""
        now = time.time() if now is None else now
        if self.deadline is None or now < self.deadline or self.paused or self.world.finished:
            return False
        self.end_quarter()
        return True

    def events(self, lang: str) -> list[dict]:
        """The scenario's events for the dashboard: title and where each stands (in the first
        world; a trigger sets it in every world where it has not happened)."""
        return [{"id": e.id, "title": e.title_ko if lang == "ko" else e.title_en, "status": status}
                for e, status in self.session.events()]

    def trigger(self, event_id: str, lang: str) -> None:
        """An event fires at the start of the next quarter in every world where it can (logged,
        so the saves re-play it); refused if it can in none."""
        if self.world.finished:
            raise RoomError(409, "finished")
        reasons = [t.session.trigger(event_id) for t in self.tables]
        if all(reasons):
            raise RoomError(422, "event", reason=in_language(reasons[0], lang))
        self._no_action = None  # the no-action line meets the event too
        if self.playing:  # the quarter's save comes when it closes: till then the room file keeps the event
            self.triggered.append(event_id)
        self.save(game=not self.playing)

    def rewind(self, turn: int) -> None:
        """Back to the start of quarter `turn + 1` in every world by re-playing its log
        (Session.rewind): this quarter's submissions are dropped and the teams decide again."""
        if not 0 <= turn < self.world.turn:
            raise RoomError(422, "rewind_range")
        try:
            for table in self.tables:
                table.session.rewind(turn)
        except ValueError as exc:  # a world that did not re-play: the room's files are still the last save
            raise RoomError(422, "rewind", problem=str(exc)) from None
        self._what_if = self._no_action = None
        self.triggered = []
        for table in self.tables:
            table.submissions = {}
            table.ai = {}
            table.outlook = None
            table.live = None
        for pattern in ("debrief-*.html", "team-*.html"):  # written for the term as it was played
            for stale in self.folder.glob(pattern):
                stale.unlink(missing_ok=True)
        self.deadline = time.time() + self.timer if self.timer else None
        self.paused_left = None if not self.paused or not self.timer else float(self.timer)
        if self.paused:
            self.deadline = None
        self.save(game=True)

    def free_seat(self, team: str, world: int = 0) -> None:
        """The teacher frees a seat: its tokens stop working, its submission is dropped, and
        its country's AI plays it until someone joins. While a quarter waits at a question the
        quarter is played as it was opened: the team's submission is already in it (kept until
        it closes, so a restart plays it again the same), and a question to the team waits for
        whoever sits there next (or the teacher goes on without it)."""
        table = self.table(world)
        if team not in table.seats:
            raise RoomError(404, "team", team=team)
        table.seats[team] = None
        if not self.playing:
            table.submissions.pop(team, None)
        self.save()
        self.maybe_advance()

    def move_seat(self, team: str, to: str, world: int = 0, to_world: int | None = None) -> None:
        """The teacher moves a seated team (its tokens follow) to a free seat, in its world or
        another. While a quarter waits at a question, the quarter is played as it was opened
        (`free_seat`): the team's submission stays with the country it was made for, a question
        to that country waits for its next holder, and the team sees its new seat's question, if
        one waits for it."""
        source, target = self.table(world), self.table(world if to_world is None else to_world)
        for table, code in ((source, team), (target, to)):
            if code not in table.seats:
                raise RoomError(404, "team", team=code)
        if source.seats[team] is None:
            raise RoomError(409, "seat_empty", team=team)
        if target.seats[to] is not None:
            raise RoomError(409, "seat_taken", team=to)
        target.seats[to], source.seats[team] = source.seats[team], None
        if not self.playing:
            source.submissions.pop(team, None)
        self.save()

    def broadcast(self, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            raise RoomError(422, "empty_message")
        self.messages = [*self.messages, Message(turn=self.turn, at=time.time(), text=text[:280])]
        self.messages = self.messages[-MAX_MESSAGES:]
        self.save()

    # ------------------------------------------------------------------ the teacher's and the projector's views
    def teacher_view(self, lang: str) -> dict:
        world = self.world
        return {
            "code": self.code, "date": self.deciding(lang), "turn": self.turn, "turns": world.turns,
            "finished": world.finished, "paused": self.paused, "scores_hidden": self.scores_hidden,
            "playing": self.playing, "asking": self.all_asking(lang),
            "auto_advance": self.auto_advance, "absent_ai": self.absent_ai, "version": self.version,
            "timer": self.timer,
            "seconds_left": self.seconds_left(), "events": self.events(lang), "worlds": len(self.tables),
            "rewind_to": [{"turn": t, "date": quarter_name(world.start + t, lang)} for t in range(world.turn)],
            "teams": [{"world": t.index, "code": c, "country": self.country_name(c, lang), "seated": s is not None,
                       "name": s.name if s else "", "teammates": len(s.viewers) if s else 0,
                       "submitted": c in t.submissions, "score": round(float(t.world.scores[c]), 1),
                       "changes": [describe_action(a, lang, t.world, t.world.countries[c].currency)
                                   for a in (t.submissions[c].actions if c in t.submissions else [])]}
                      for t in self.tables for c, s in t.seats.items()],
            "messages": [m.text for m in self.messages[-5:]],
        }

    def screen_view(self, lang: str) -> dict:
        world = self.world
        hidden = self.scores_hidden
        baseline = None if hidden else self.no_action_scores()[:self.turn]
        return {
            "code": self.code, "date": self.deciding(lang), "turn": self.turn, "turns": world.turns,
            "asking": self.all_asking(lang),
            "finished": world.finished, "paused": self.paused, "scores_hidden": hidden, "worlds": len(self.tables),
            "version": self.version, "news": self.news(lang), "seconds_left": self.seconds_left(),
            "message": self.messages[-1].text if self.messages else "",
            "teams": [{"world": t.index, "code": c, "country": self.country_name(c, lang), "seated": s is not None,
                       "submitted": c in t.submissions, "score": self.score(t, c),
                       "history": None if hidden else self.history(t, c)}
                      for t in self.tables for c, s in t.seats.items()],
            "no_action": None if hidden else {c: [round(float(b[c]), 1) for b in baseline] for c in self.teams},
        }

    def all_asking(self, lang: str) -> list[dict]:
        """Every world's questions waiting for an answer (the dashboard, the projector)."""
        return [{"world": t.index, **q} for t in self.tables for q in self.asking(t, lang)]

    def no_action_scores(self) -> list[dict[str, float]]:
        """Every country's score per quarter in the same scenario and seed with every team's
        country doing nothing new (laissez_faire; the other countries by their AI) and the
        teacher's events as triggered: the line each team is measured against. Played once
        (~0.1-0.3 s for 20 quarters) and kept until the teacher triggers an event or rewinds."""
        if self._no_action is None:
            controllers = {c: make_controller(c, "laissez_faire") for c in self.teams}
            world = World(load_scenario(self.scenario_name), seed=self.seed, controllers=controllers, tables=False,
                          difficulty=Difficulty(self.world.difficulty.level, self.teams))
            triggered = [e for e in self.world.governance.log if e["source"] == "teacher"]
            try:
                for turn in range(1, world.turns + 1):
                    for entry in triggered:
                        if entry["turn"] == turn - 1:
                            world.governance.trigger(entry["event"])
                    world.step()
                self._no_action = [dict(h["score"]) for h in world.history]
            finally:
                world.close()
        return self._no_action

    @property
    def what_ifs_ready(self) -> bool:
        return self._what_if is not None

    def what_ifs(self) -> dict[tuple[int, str], float]:
        """Every team's what-if score (`what_if`), by (world, country): one game each, played
        once at the end of the term (~0.3 s a game) and kept until a rewind."""
        if self._what_if is None:
            worlds = [t.world for t in self.tables]  # the server may compute this in a thread:
            scores = {(t.index, c): what_if(self.scenario_name, self.seed, self.teams, w, c)
                      for t, w in zip(self.tables, worlds, strict=True) for c in self.teams}
            if worlds == [t.world for t in self.tables]:  # not kept if a rewind replaced a world meanwhile
                self._what_if = scores
            return scores
        return self._what_if

    def results(self, lang: str) -> dict:
        """The end-of-term board: each team's final score on its own objective (every world),
        the no-action line's (every team's country doing nothing), the difference, what the team's
        own decisions made (its score less its what-if: it alone doing nothing, the others as they
        did), the grade and the turning points; best difference first."""
        world = self.world
        if not world.finished:
            raise RoomError(409, "not_finished")
        baseline = self.no_action_scores()[-1]
        alone = self.what_ifs()
        spec = world.scenario.score
        rows = []
        for table in self.tables:
            for c, seat in table.seats.items():
                final = float(table.world.scores[c])
                history = table.world.history
                rows.append({"world": table.index, "code": c, "country": self.country_name(c, lang),
                             "team": seat.name if seat else "", "score": round(final, 1),
                             "no_action": round(float(baseline[c]), 1), "gain": round(final - float(baseline[c]), 1),
                             "own": round(final - alone[table.index, c], 1),
                             "grade": grade(spec, final, c) if spec is not None else "",
                             "start": round(float(history[0]["score"][c]), 1) if history else None,
                             "turning": turning_points(table.world, c, lang)})
        rows.sort(key=lambda r: -r["gain"])
        return {"date": quarter_name(world.now, lang), "worlds": len(self.tables), "rows": rows}

    def results_csv(self, lang: str) -> str:
        """The results board as CSV (one row per team and world), for a spreadsheet."""
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["world", "country_code", "country", "team", "start", "final", "no_action", "difference",
                         "own_decisions", "grade"])
        for r in self.results(lang)["rows"]:
            writer.writerow([r["world"] + 1, r["code"], r["country"], r["team"], r["start"], r["score"],
                             r["no_action"], r["gain"], r["own"], r["grade"]])
        return out.getvalue()


def played(world) -> int:
    """Quarters a world has played to their end (a quarter paused at a question is not yet one)."""
    return world.turn - 1 if world.in_turn else world.turn


def turning_points(world, code: str, lang: str, n: int = 2) -> list[dict]:
    """The `n` quarters that moved a country's score most (the desktop's end-of-term turning
    points, for any country), in date order: the quarter and the change."""
    series = [float(h["score"][code]) for h in world.history]
    moves = sorted(((abs(series[i] - series[i - 1]), i) for i in range(1, len(series))), reverse=True)[:n]
    return [{"date": quarter_name(world.start + i, lang), "change": round(series[i] - series[i - 1], 1)}
            for i in sorted(i for size, i in moves if size >= 0.05)]


def price_text(good: str, value: float, lang: str) -> str:
    """A market price with its unit: in English as the desktop's charts write it (14.69 US$
    k/wafer); in Korean in dollars counted in Korean units (1만 4,690 달러/웨이퍼), never a
    fraction of a unit word."""
    if lang == "ko":
        return f"{price_dollars(good, value)} {tr(f'web.price_unit.{good}', lang)}"
    return f"{value:,.2f} {tr(f'ui.charts.price_unit.{good}', lang)}"


def why_answer(world, key: str, label: str, lang: str, quarters: int = 4) -> dict:
    """game/why.py's answer for `key`, as the desktop's Why? panel lays it out (game/ui/whypanel.py):
    the value now and since the start, then the last `quarters` quarters in which something could
    have moved it, each with the value before and after and the cause-log lines, tagged lever,
    event or market."""
    values = series(world, key)
    now = str(tr("ui.why.now", lang)).format(value=fmt(key, values[-1], lang) if values else "-")
    since = str(tr("ui.why.since", lang)).format(date=quarter_name(world.start, lang),
                                                 change=change(key, values[0], values[-1], lang)) \
        if len(values) >= 2 else ""
    turns = []
    for t in explain(world, key)[:quarters]:
        delta = change(key, t["before"], t["after"], lang)
        moved = bool(delta) and not delta.startswith("±")
        causes = []
        for cause in t["causes"][:10]:
            text = (cause.get(lang) or cause.get("en", "")).rstrip().removesuffix(":")
            if cause["source"] == "event":  # the tag says it already
                text = text.removeprefix(event_prefix(lang))
            causes.append({"source": cause["source"], "tag": str(tr(f"ui.why.source.{cause['source']}", lang)),
                           "text": text})
        turns.append({"date": quarter_name(world.start + t["turn"] - 1, lang),
                      "before": fmt(key, t["before"], lang), "after": fmt(key, t["after"], lang),
                      "change": delta, "direction": (1 if t["after"] > t["before"] else -1) if moved else 0,
                      "causes": causes})
    return {"label": label, "title": f"{tr('ui.why.title', lang)} {label}", "now": now, "since": since,
            "legend": str(tr("ui.why.legend", lang)), "nothing": str(tr("ui.why.nothing", lang)), "turns": turns}


def _restore(mapping: dict, key, value) -> None:
    if value is None:
        mapping.pop(key, None)
    else:
        mapping[key] = value


def indicator_text(key: str, value: float, lang: str) -> str:
    """An indicator's value as a reader expects it: shares in percent, counts and money as numbers
    (in Korean in Korean units, 2억 4,000만 달러 or 3만 5,306개, not "0.24" beside "십억 달러")."""
    if lang == "ko" and key in KOREAN_INDICATORS:
        return korean_indicator(key, value)
    if key.endswith(("_share", "_dependence", "completeness", "_adoption", "budget_used")):
        return f"{value * 100:.1f}%"
    if key == "domestic_designers_alive":
        return f"{value:.0f}"
    return f"{value:,.2f}"


def serial_section(section: tuple[str, list], settings, lang: str, currency: str) -> dict:
    """A desk section as JSON: sliders with their range and, for money, the label of every
    step (written by the game's own formatter: Korean money units are not the browser's)."""
    title, rows = section
    out = []
    for row in rows:
        if isinstance(row, Lever):
            item = {"type": "slider", "key": row.key, "label": str(row.label), "low": row.low, "high": row.high,
                    "step": row.step, "unit": row.unit}
            if row.unit == "bkrw":
                steps = range(row.low, row.high + 1, row.step)
                item["labels"] = {str(v): money(v * 1e9, lang, currency) for v in steps}
                base = settings.base.get(row.key)
                if isinstance(base, int | float) and str(base) not in item["labels"]:
                    item["labels"][str(base)] = money(base * 1e9, lang, currency)
            out.append(item)
        elif row[0] == "note":
            out.append({"type": "note", "text": str(row[2])})
        elif row[0] == "toggle":
            on, off = row[3:5] if len(row) >= 5 else ("ui.desk.linked", "ui.desk.link")  # a brokered link's words
            out.append({"type": "toggle", "key": row[1], "label": str(row[2]), "done": bool(settings.base[row[1]]),
                        "on": str(tr(on, lang)) if on else "", "off": str(tr(off, lang)) if off else ""})
        else:
            out.append({"type": "stance", "key": row[1],
                        "options": [{"value": s, "label": str(tr(f"ui.stance.{s}", lang))} for s in STANCES]})
    return {"title": str(tr(title, lang)), "lever": title.removeprefix("lever."), "rows": out}


def public(desk: dict) -> dict:
    """A desk without the Action objects `assess` keeps for `submit`."""
    return {k: v for k, v in desk.items() if k != "actions"}

