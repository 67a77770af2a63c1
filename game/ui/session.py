"""A game being played from the desktop: the world, the player's controller and the staged levers.

No pygame here: this is the part of the front end that talks to the core, so it can be tested
and reasoned about on its own. The player acts only through Actions. Staged Actions are handed
to the model by the player's controller (`decide`) when the turn runs, exactly like an AI's, so
the governance log records them in the quarter they were played and a save re-plays them
identically (submitting between turns with `governance.submit` logs them one turn early and a
save of such a game fails its replay check).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from agents.controllers import Controller, make_controller
from game.actions import Action
from game.model import World
from game.saves import SAVES_DIR, autosave, document, load_game, write_save
from game.scenario import load_scenario

PLAYER = "KOR"


class PlayerController(Controller):
    """Korea played by a person: `decide` hands over what the player committed with End Turn.

    Its name is the one a save records; `laissez_faire` re-plays a player's logged Actions and
    does nothing of its own, which is what a person who has left the game does too.

    An event with choices asks `choose` in the middle of the quarter. With `ask` set (the
    desktop game runs the turn on a worker thread), the question is handed to the UI and the
    quarter waits for the player's answer; without it, the first choice is taken.
    """

    name = "laissez_faire"

    def __init__(self) -> None:
        self.queued: list[Action] = []
        self.ask = None  # callable(event) -> int, set by the UI
        self.asked: list[tuple[str, int]] = []  # (event id, choice taken) this turn

    def decide(self, obs):
        actions, self.queued = self.queued, []
        return actions

    def choose(self, event, obs):
        index = 0
        if self.ask is not None:
            index = int(self.ask(event))
        self.asked.append((event.id, index))
        return index


@dataclass
class TurnReport:
    """What one End Turn did: the player's Actions with their verdicts, the event choices and the
    cause log of the quarter."""

    turn: int
    date: str
    verdicts: list[dict] = field(default_factory=list)  # governance log entries of the player's Actions
    choices: list[tuple[str, int]] = field(default_factory=list)
    causes: list[dict] = field(default_factory=list)


class Session:
    def __init__(self, scenario_name: str = "baseline", seed: int = 7, ai: str | None = None,
                 saves_dir: Path = SAVES_DIR, autosave: bool = True) -> None:
        """`ai` names a built-in strategy to play Korea instead of the player (autoplay)."""
        self.scenario_name = scenario_name
        self.saves_dir = Path(saves_dir)
        self.player = PlayerController()
        controller = make_controller(PLAYER, ai) if ai else self.player
        self.world = World(load_scenario(scenario_name), seed=seed, controllers={PLAYER: controller})
        self.ai = ai
        self.autosave = autosave
        self.reports: list[TurnReport] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ reading the game
    @property
    def country(self):
        return self.world.countries[PLAYER]

    @property
    def finished(self) -> bool:
        return self.world.finished

    def effective_policy(self):
        """Korea's policy once the Actions already accepted but still in their lag take effect:
        what the desk's widgets start from."""
        governance = self.world.governance
        policy = self.country.policy.copy()
        for _, code, action in governance.pending:
            if code == PLAYER:
                governance._apply_to_policy(action, policy, self.country, dry=True)
        return policy

    def cost(self, actions: list[Action]) -> float:
        """This quarter's cost (local currency) of Korea's policy with `actions` added."""
        return self.world.governance.projected_cost(PLAYER, list(actions))

    def refusal(self, actions: list[Action]) -> str | None:
        """Why the model would refuse this bundle, or None."""
        if not actions:
            return None
        return self.world.governance._check_bundle(PLAYER, list(actions))

    # ------------------------------------------------------------------ playing
    def end_turn(self, actions: list[Action]) -> TurnReport:
        """Commit `actions` and play one quarter. The Actions reach the model through the
        player's controller during the quarter; nothing is changed before that."""
        world = self.world
        if world.finished:
            raise RuntimeError("the game is over")
        start = len(world.governance.log)
        self.player.queued = list(actions)
        self.player.asked = []
        with self._lock:
            world.step()
        report = TurnReport(
            turn=world.turn, date=world.date,
            verdicts=[e for e in world.governance.log[start:] if e["country"] == PLAYER and e.get("action")],
            choices=list(self.player.asked), causes=list(world.causes[-1]))
        self.reports.append(report)
        try:
            if self.autosave:
                autosave(world, self.scenario_name, self.saves_dir / "autosave")
        except OSError:
            pass  # an autosave that cannot be written must not stop the game; the next one may work
        return report

    # ------------------------------------------------------------------ saves
    @property
    def quick_path(self) -> Path:
        return self.saves_dir / "quicksave.json"

    def save(self, path: Path | None = None) -> Path:
        return write_save(path or self.quick_path, document(self.world, self.scenario_name))

    def load(self, path: Path | None = None) -> None:
        """Replace the world with a saved game (SaveError and the current game untouched if it
        cannot be used); Korea is then played by the player again."""
        world, save = load_game(path or self.quick_path)
        world.governance.controllers[PLAYER] = self.player
        self.world = world
        self.scenario_name = save.scenario.name
        self.reports = []


def validation_message(exc: ValidationError) -> str:
    """A pydantic error on an Action as one short sentence."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]
