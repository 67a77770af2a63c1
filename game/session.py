"""A game played by people: the world, the players' controllers and the staged levers.

No front end here: the desktop game (game/ui) and the classroom server (game/web) both play
through this module, so it lives in the core (it was game/ui/session.py; that module re-exports
it for the desktop's imports) and can be tested and reasoned about on its own.

Players act only through Actions. Staged Actions are handed to
the model by each player's controller (`decide`) when the turn runs, exactly like an AI's, so
the governance log records them in the quarter they were played and a save re-plays them
identically (submitting between turns with `governance.submit` logs them one turn early and a
save of such a game fails its replay check).

Several countries can be played by people at once (hot-seat teams): `humans` names them, each
has its own `PlayerController`, and every other country keeps its built-in AI. The teacher's
controls (trigger an event, rewind) are here too, because both go through the core's own
mechanisms: an event through governance's log, a rewind by re-playing that log.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from agents.controllers import PERSON, Controller, LaissezFaire, make_controller
from game.actions import Action, parse_action
from game.desk_levers import validation_message  # noqa: F401  (re-exported: game.ui.session)
from game.difficulty import Difficulty
from game.model import World
from game.saves import SAVES_DIR, autosave, digest, document, load_game, write_save
from game.scenario import ScenarioError, load_scenario

PLAYER = "KOR"
DESKTOP_AUTOSAVES = "desktop"  # the desktop game's own autosaves: saves/desktop/, apart from
# `sim --save-every`'s saves/autosave/, so the title's Continue resumes the last game played here


class PlayerController(Controller):
    """A country played by a person: `decide` hands over what its team committed with End Turn.

    Its name is the one a save records; `laissez_faire` re-plays a player's logged Actions and
    does nothing of its own, which is what a person who has left the game does too.

    An event with choices asks its chooser in the middle of the quarter. `script` answers by
    event id without asking (a rewind re-playing the log, a team's standing answers); `ask`, a
    callable, answers at once (a test, a notebook); a seat played by its AI (`stand_in`) answers
    as the AI does. Otherwise a `live` seat (a person at a screen: the session sets it for a
    quarter played with `pause`) answers later: the quarter pauses at the question
    (`answers_later`, `World.answer`), and no event loop waits inside the model for the answer.
    A seat that is not live takes the choice that commits the state to nothing, as
    laissez_faire takes it (a player who changes nothing).
    """

    name = PERSON  # saves record the seat as a person's

    def __init__(self) -> None:
        self.queued: list[Action] = []
        self.ask = None  # callable(event) -> int: answers at once (tests, notebooks)
        self.live = False  # a person answers later: the quarter pauses at the question (Session.end_turn(pause=True))
        self.script: dict[str, int] = {}
        self.asked: list[tuple[str, int]] = []  # (event id, choice taken) this turn
        self.stand_in: Controller | None = None  # a seat nobody sits at: its country's AI decides

    def __getstate__(self) -> dict:
        """A copy of the seat (`World.fork`: a forecast, a preview) calls nobody: `ask` may be
        bound to a front end, which a copy must neither carry (a deep copy would copy it) nor
        call. `live` is kept: a fork of a quarter paused at a question pauses where the world
        would."""
        return {**self.__dict__, "ask": None}

    def decide(self, obs):
        actions, self.queued = self.queued, []
        if self.stand_in is not None and not actions:
            # The AI's Actions are logged as this seat's, so a save re-plays them like a person's.
            return list(self.stand_in.decide(obs) or [])
        return actions

    def answers_later(self, event) -> bool:
        """Whether the quarter pauses at `event`'s question for this seat (governance asks): a
        live seat with no scripted answer, no `ask` and no stand-in."""
        return self.live and event.id not in self.script and self.ask is None and self.stand_in is None

    def choose(self, event, obs):
        if event.id in self.script:
            index = self.script.pop(event.id)
        elif self.stand_in is not None and self.ask is None:
            index = int(self.stand_in.choose(event, obs))
        else:
            index = int(self.ask(event)) if self.ask is not None else LaissezFaire().choose(event, obs)
        self.asked.append((event.id, index))
        return index


@dataclass
class TurnReport:
    """What one End Turn did: the players' Actions with their verdicts, the event choices and the
    cause log of the quarter."""

    turn: int
    date: str
    verdicts: list[dict] = field(default_factory=list)  # governance log entries of the players' Actions
    choices: list[tuple[str, int]] = field(default_factory=list)
    causes: list[dict] = field(default_factory=list)


class CountryView:
    """One human country's side of the session, with the interface the desk reads (`code`,
    `world`, `country`, `effective_policy`, `cost`, `refusal`, `finished`), so one desk class
    serves every team."""

    def __init__(self, session: Session, code: str) -> None:
        self.session = session
        self.code = code

    @property
    def world(self) -> World:
        return self.session.world

    @property
    def country(self):
        return self.session.world.countries[self.code]

    @property
    def finished(self) -> bool:
        return self.session.finished

    def effective_policy(self):
        return self.session.effective_policy(self.code)

    def cost(self, actions: list[Action]) -> float:
        return self.session.cost(actions, self.code)

    def refusal(self, actions: list[Action]) -> str | None:
        return self.session.refusal(actions, self.code)


class Session:
    def __init__(self, scenario_name: str = "baseline", seed: int = 7, ai: str | None = None,
                 saves_dir: Path = SAVES_DIR, autosave: bool = True, humans: tuple[str, ...] = (PLAYER,),
                 difficulty: str = "normal") -> None:
        """`humans` are the countries played by people (hot-seat teams take turns at the desk);
        `ai` names a built-in strategy to play the first of them instead (autoplay); `difficulty`
        scales the humans' and their rivals' state money (game/difficulty.py). An unknown
        country or level is a ScenarioError naming the choices."""
        self.scenario_name = scenario_name
        self.saves_dir = Path(saves_dir)
        self.seed = seed
        self.ai = ai
        self.autosave = autosave
        self.humans = tuple(dict.fromkeys(humans))
        scenario = load_scenario(scenario_name)
        known = [c.id for c in scenario.countries]
        unknown = [c for c in self.humans if c not in known]
        if not self.humans or unknown:
            raise ScenarioError(f"--humans: no country {', '.join(unknown) or '(none given)'} in scenario "
                                f"'{scenario.scenario.name}' (countries: {', '.join(known)})")
        self.players = {code: PlayerController() for code in self.humans}
        self.world = self._new_world(scenario, Difficulty(difficulty, self.humans))
        if ai:
            self.world.governance.controllers[self.humans[0]] = make_controller(self.humans[0], ai)
        self.reports: list[TurnReport] = []
        self._log_start = 0  # the governance log's length as the quarter being played opened
        self._lock = threading.Lock()

    def _new_world(self, scenario, difficulty: Difficulty) -> World:
        return World(scenario, seed=self.seed, controllers=dict(self.players), tables=False, difficulty=difficulty)

    # ------------------------------------------------------------------ reading the game
    @property
    def code(self) -> str:
        """The first human country (Korea in a one-team game)."""
        return self.humans[0]

    @property
    def player(self) -> PlayerController:
        return self.players[self.code]

    @property
    def country(self):
        return self.world.countries[self.code]

    @property
    def finished(self) -> bool:
        return self.world.finished

    def view(self, code: str) -> CountryView:
        return CountryView(self, code)

    def effective_policy(self, code: str | None = None):
        """A country's policy once the Actions already accepted but still in their lag take
        effect: what the desk's widgets start from."""
        return self.world.governance.policy_in_force(code or self.code)

    def cost(self, actions: list[Action], code: str | None = None) -> float:
        """This quarter's cost (local currency) of a country's policy with `actions` added: a Python
        float (the projection can be numpy's, which the classroom's JSON answers cannot carry)."""
        return float(self.world.governance.projected_cost(code or self.code, list(actions)))

    def refusal(self, actions: list[Action], code: str | None = None) -> str | None:
        """Why the model would refuse this bundle, or None."""
        if not actions:
            return None
        return self.world.governance.check_bundle(code or self.code, list(actions))

    # ------------------------------------------------------------------ playing
    @property
    def question(self):
        """The event's question the quarter is paused at (game.governance.Question), or None."""
        return self.world.question

    def end_turn(self, actions: list[Action] | dict[str, list[Action]], pause: bool = False) -> TurnReport | None:
        """Commit each team's Actions (a list: the first team's) and play one quarter. The
        Actions reach the model through the players' controllers during the quarter; nothing is
        changed before that. `pause`: a question to a team's seat waits for its person
        (`question`, then `answer` and `finish_turn`), and None is returned; otherwise every
        question is answered at once (script, `ask`, stand-in, the least-change choice)."""
        self.start_turn(actions, pause)
        return None if self.question is not None else self.finish_turn()

    def start_turn(self, actions: list[Action] | dict[str, list[Action]], pause: bool = False) -> None:
        """The first part of `end_turn`: the quarter opened, up to its policy phase or to the first
        question a person answers (`pause`)."""
        world = self.world
        if world.finished:
            raise RuntimeError("the game is over")
        if world.in_turn:
            raise RuntimeError(f"quarter {world.date} is being played: answer its question, then finish it")
        by_country = actions if isinstance(actions, dict) else {self.code: actions}
        self._log_start = len(world.governance.log)
        for code, player in self.players.items():
            player.queued = list(by_country.get(code, []))
            player.asked = []
            player.live = pause
        with self._lock:
            world.open_quarter()

    def answer(self, index: int, event: str | None = None) -> None:
        """A person's answer to the question the quarter is paused at; the quarter goes on to the
        next question, if any (`question`), or to its policy phase (`finish_turn` closes it).
        RuntimeError or ValueError (nothing changed) for no question, another event, a choice out
        of range."""
        question = self.question
        if question is None:
            raise RuntimeError("no question is waiting for an answer")
        with self._lock:
            self.world.answer(index, event)
        player = self.players.get(question.chooser)
        if player is not None:
            player.asked.append((question.event, int(index)))

    def finish_turn(self) -> TurnReport:
        """Close the quarter `start_turn` opened (every question answered): the report, an autosave."""
        world = self.world
        with self._lock:
            world.step()
        for player in self.players.values():
            player.live = False
        start = self._log_start
        report = TurnReport(
            turn=world.turn, date=world.date,
            verdicts=[e for e in world.governance.log[start:] if e["country"] in self.players and e.get("action")],
            choices=[c for p in self.players.values() for c in p.asked], causes=list(world.causes[-1]))
        self.reports.append(report)
        try:
            if self.autosave:
                autosave(world, self.scenario_name, self.autosave_dir)
        except OSError:
            pass  # an autosave that cannot be written must not stop the game; the next one may work
        return report

    # ------------------------------------------------------------------ the teacher's controls
    def events(self) -> list[tuple[object, str]]:
        """The scenario's events with where each stands: "fired", "queued" (triggered for the
        next quarter) or "ready"."""
        governance = self.world.governance
        return [(e, "fired" if e.id in governance.fired else "queued" if e.id in governance.forced else "ready")
                for e in self.world.scenario.events]

    def trigger(self, event_id: str) -> str | None:
        """Have an event fire at the start of the next quarter (logged with source "teacher",
        so a save re-plays it); the reason it cannot, or None."""
        if self.finished:
            return "the game is over"
        return self.world.governance.trigger(event_id)

    def rewind(self, turn: int) -> None:
        """Go back to the start of turn `turn + 1` (after `turn` quarters) by re-playing this
        game's log on a fresh world: the teams' Actions and choices and the teacher's events,
        with every AI deciding afresh exactly as it did. ValueError for a turn out of range or a
        re-play that does not reproduce the game (the current game is then untouched)."""
        old = self.world
        if not 0 <= turn < old.turn:
            raise ValueError(f"turn {turn}: rewind goes to an earlier turn, 0 to {old.turn - 1}")
        log = old.governance.log
        players = {code: PlayerController() for code in self.humans}
        world = World(load_scenario(self.scenario_name), seed=self.seed, controllers=dict(players), tables=False,
                      difficulty=old.difficulty)
        try:
            for t in range(1, turn + 1):
                for entry in log:
                    if entry["source"] == "teacher" and entry["turn"] == t - 1:
                        world.governance.trigger(entry["event"])
                for code, player in players.items():
                    mine = [e for e in log if e["turn"] == t and e["country"] == code]
                    player.queued = [parse_action(e["action"]) for e in mine
                                     if e["source"] == "controller" and e.get("action")]
                    player.script = {e["event"]: e["choice"] for e in mine if e["source"] == "choice"}
                world.step()
                if digest(world.history[-1]) != digest(old.history[t - 1]):
                    raise ValueError(f"turn {t}: the re-played game differs from this one; not rewound")
        except BaseException:
            world.close()  # not used: released at once
            raise
        for code, player in players.items():
            player.ask = self.players[code].ask
        self.players = players
        self.world = world
        self.reports = []
        old.close()  # the game rewound from is finished with: released from Mesa's registry

    def close(self) -> None:
        """The session is finished with (the window closes, or the player goes back to the
        title): its world is released from Mesa's agent-id registry (`World.close`)."""
        self.world.close()

    # ------------------------------------------------------------------ saves
    @property
    def autosave_dir(self) -> Path:
        """Where this game autosaves after every quarter (the newest 10 kept): the title's Continue."""
        return desktop_autosaves(self.saves_dir)

    @property
    def quick_path(self) -> Path:
        return self.saves_dir / "quicksave.json"

    def save(self, path: Path | None = None) -> Path:
        """Write the game (SaveError while a quarter waits at a question: saves are between quarters)."""
        return write_save(path or self.quick_path, document(self.world, self.scenario_name))

    def load(self, path: Path | None = None) -> None:
        """Replace the world with a saved game (SaveError and the current game untouched if it
        cannot be used); its human countries are played by teams again (a save from before
        hot-seat teams: Korea)."""
        world, save = load_game(path or self.quick_path, tables=False)
        asks = {code: p.ask for code, p in self.players.items()}
        self.humans = tuple(world.difficulty.players)
        ask = next(iter(asks.values()), None)
        self.players = {code: PlayerController() for code in self.humans}
        for code, player in self.players.items():
            player.ask = asks.get(code, ask)
            world.governance.controllers[code] = player
        old, self.world = self.world, world
        old.close()  # replaced by the loaded game
        self.scenario_name = save.scenario.name
        self.seed = save.seed
        self.reports = []


def desktop_autosaves(saves_dir: Path) -> Path:
    """The desktop game's autosave folder inside a saves folder."""
    return Path(saves_dir) / DESKTOP_AUTOSAVES
