"""Every message the classroom server accepts, as a strict pydantic model: the fields, their
types and their sizes. Anything else (an extra field, a wrong type, a 10 kB name, a desk of 500
levers) is refused before it reaches the room, with the first problem named."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Lang = Literal["en", "ko"]
Token = Annotated[str, StringConstraints(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
RoomCode = Annotated[str, StringConstraints(min_length=1, max_length=12)]
Team = Annotated[str, StringConstraints(min_length=2, max_length=8, pattern=r"^[A-Z]+$")]
LeverKey = Annotated[str, StringConstraints(min_length=1, max_length=120)]
LeverValue = Annotated[int, Field(ge=-10**9, le=10**9)] | bool | Annotated[str, StringConstraints(max_length=24)]
Values = Annotated[dict[LeverKey, LeverValue], Field(max_length=64)]
Turn = Annotated[int, Field(ge=0, le=10_000)]
World = Annotated[int, Field(ge=0, le=7)]  # 0-based; pages say "World 1"

FIRM = r"^[^\x00-\x1f\x7f<>{}]+$"  # a firm's name as the model spells it ("ASE/SPIL & Amkor"), no markup
MAX_BODY = 16 * 1024  # bytes: a full desk is under 2 kB


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class Lobby(Message):
    room: RoomCode


class Join(Message):
    room: RoomCode
    team: Team
    name: Annotated[str, StringConstraints(max_length=40)] = ""
    lang: Lang = "ko"
    teammate: bool = False  # join a taken team's seat to watch its desk
    world: World = 0


class Seat(Message):
    token: Token


class Why(Message):
    """A team asks why one thing moved: a component of its own objective (its `component_id`), a
    firm's share of a market (`market` and `firm`, the firm's name as the model spells it), or a
    market price (`price`). Exactly one (the room says so in the reader's language)."""

    token: Token
    component: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.]+$")] | None = None
    market: Annotated[str, StringConstraints(min_length=1, max_length=24, pattern=r"^[a-z_]+$")] | None = None
    firm: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=FIRM)] | None = None
    price: Annotated[str, StringConstraints(min_length=1, max_length=24, pattern=r"^[a-z_]+$")] | None = None


class Preview(Message):
    token: Token
    values: Values


class Submit(Message):
    token: Token
    turn: Turn
    values: Values
    answers: Annotated[dict[Annotated[str, StringConstraints(max_length=80)], Annotated[int, Field(ge=0, le=9)]],
                       Field(max_length=16)] | None = None  # standing answers to events addressed to the team


class Answer(Message):
    """A team's answer to the question its world's quarter is paused at."""

    token: Token
    event: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    choice: Annotated[int, Field(ge=0, le=99)]


class Withdraw(Message):
    token: Token
    turn: Turn


class TeacherLogin(Message):
    pin: Annotated[str, StringConstraints(min_length=1, max_length=12)]


class Teacher(Message):
    teacher: Token


class Switch(Teacher):
    name: Literal["paused", "scores_hidden", "auto_advance", "absent_ai"]
    on: bool


class FreeSeat(Teacher):
    team: Team
    world: World = 0


class MoveSeat(Teacher):
    team: Team
    to: Team
    world: World = 0
    to_world: World | None = None


class Timer(Teacher):
    seconds: Annotated[int, Field(ge=10, le=3600)] | None


class Trigger(Teacher):
    event: Annotated[str, StringConstraints(min_length=1, max_length=80)]


class Rewind(Teacher):
    turn: Turn


class Broadcast(Teacher):
    text: Annotated[str, StringConstraints(min_length=1, max_length=280)]


class Hello(Message):
    """The first message on the WebSocket: who listens (a seat, the teacher, the projector)."""

    op: Literal["hello"]
    role: Literal["student", "teacher", "screen"]
    token: Token | None = None


class Ping(Message):
    op: Literal["ping"]
