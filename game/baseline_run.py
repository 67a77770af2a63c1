"""The "no action" baseline: the same scenario and seed with Korea played by `laissez_faire`
(the programmes in force at the start run on, events take their first choice) and every other
country by its default. Charts draw it beside the player's game so a lever's effect is the gap
between two lines, not a guess. Another team's no-action game (the end-of-term screen of a team
playing Japan) is the same with that country by `laissez_faire` and Korea by its default: each
team asks what its own government's choices changed (as `report --one-page` does).

A 20-turn game costs about 35 ms, so the baseline is simply played; `BaselineRun` keeps its
world and plays on only as far as the player has, so a chart redrawn every turn pays for one
quarter, not for the whole game again.
"""

from __future__ import annotations

from agents.controllers import make_controller
from game.difficulty import NORMAL_GAME, Difficulty
from game.model import World
from game.scenario import Scenario

PLAYER = "KOR"


def baseline_world(scenario: Scenario, seed: int, difficulty: Difficulty = NORMAL_GAME, code: str = PLAYER) -> World:
    """A fresh world of `scenario` with `code` (Korea unless named) doing nothing new, at
    `difficulty` (a played world's scenario is already scaled: pass it as normal; a scenario read
    from its file takes the game's difficulty). The scenario is shared, not copied: it is frozen
    (a world reads it and copies what it changes), and a copy would be a new object to the
    calibration cache, which keys on it (World._calibrate), so every no-action game would fit
    its calibration again. No cause log (`World.explains`): its readers (the charts' no-action line,
    the end screen's comparison, the debrief's what-if, the forecast's no-action line) read its
    scores and snapshots only."""
    return World(scenario, seed=seed, controllers={code: make_controller(code, "laissez_faire")},
                 tables=False, difficulty=difficulty, explains=False)


def baseline_history(scenario: Scenario, seed: int, turns: int) -> list[dict]:
    """The per-turn snapshots (`world.history` entries: shares, prices, scores, the Team Korea
    index by component) of the first `turns` quarters of the no-action game."""
    run = BaselineRun(scenario, seed)
    try:
        return run.upto(turns)
    finally:
        run.close()


class BaselineRun:
    """The no-action game of `code` (Korea unless named), played lazily up to the turn asked for."""

    def __init__(self, scenario: Scenario, seed: int, code: str = PLAYER) -> None:
        self.code = code
        self.world = baseline_world(scenario, seed, code=code)

    def upto(self, turn: int) -> list[dict]:
        """Snapshots of turns 1..`turn` (fewer if the game is shorter)."""
        world = self.world
        while world.turn < min(turn, world.turns):
            world.step()
        return world.history[:turn]

    def close(self) -> None:
        """Release the world from Mesa's agent-id registry (`World.close`): a front end that
        starts a new baseline (a load, a rewind, a new game) calls this for the old one."""
        self.world.close()


class NoActionGames:
    """Every team's no-action game beside one played world, for a front end's charts, end screen
    and forecasts: one `BaselineRun` per country, kept while the world is the same object (a
    load, a rewind or a new game is a new world and starts them again). `catch_up` plays them on
    as the world's turns end, a quarter at a time, so that a screen drawing them only reads
    (a team's whole no-action game played inside a frame took ~85 ms)."""

    def __init__(self) -> None:
        self._world = None
        self._runs: dict[str, BaselineRun] = {}

    def run(self, world, code: str = PLAYER) -> BaselineRun:
        """`code`'s no-action game of `world` (started if it is not yet), played to the world's turn."""
        if self._world is not world:
            self.close()
            self._world = world
        run = self._runs.get(code)
        if run is None:
            run = self._runs[code] = BaselineRun(world.scenario, world.seed_value, code)
        run.upto(world.turn)
        return run

    def history(self, world, code: str = PLAYER) -> list[dict]:
        """`code`'s no-action snapshots of turns 1..the world's turn."""
        return self.run(world, code).upto(world.turn)

    def catch_up(self, world, codes=(PLAYER,)) -> None:
        """Play the no-action games of `codes` (those of `world`'s countries) on to the world's turn."""
        for code in dict.fromkeys(codes):
            if code in world.countries:
                self.run(world, code)

    def played(self) -> dict[str, int]:
        """How far each no-action game is played (country -> quarters), without playing any."""
        return {code: run.world.turn for code, run in self._runs.items()}

    def close(self) -> None:
        """Release every no-action world from Mesa's registry (World.close); a later read plays again."""
        for run in self._runs.values():
            run.close()
        self._world, self._runs = None, {}
