"""Learning agents: a Gymnasium environment in which the agent plays Korea, a PettingZoo
ParallelEnv in which every country is an agent, a numpy cross-entropy trainer for a linear
policy, and `PolicyController`, a strategy that plays a saved policy.

This is the only module of the game that imports gymnasium or pettingzoo (the `rl` extra).

Observation (a `Box(0, 1, (OBS_SIZE,), float32)`, the same for every country, in this order):
the country's indicators of `OBS_KEYS` after the last quarter (shares as they are; unbounded
quantities squashed by x / (x + scale) with the scale of `SQUASH`; designers alive as a fraction
of those at the start), then its index / 100, then the turn fraction (turns played / turns).

Action (a `MultiDiscrete(ACTION_NVEC)`): one sub-space per lever; index 0 keeps the lever as it
is (no Action). The other indices, in `LEVERS` order:

  foundry_subsidy    rate 0, 0.25, 0.5, 0.75, 1
  procurement        the centre's planned volume, bought freely / 100% leader / 50/40/10 /
                     30/60/10 (leader / domestic / other)
  chip_incentive     rate 0, 0.125, 0.25, 0.375, 0.5
  service_incentive  rate 0, 0.125, 0.25, 0.375, 0.5
  convergence        intensity 0, 0.25, 0.5, 0.75, 1 for every home industry
  rd_grant           0, 0.01, 0.02, 0.04 US$ B a quarter for every living home designer

A lever the country lacks (not among the levers the scenario offers its state, `Observation.levers`;
no home foundry, no national computing centre, no modelled LLM market, no home industry or
designer) maps to no Action. The Actions go through a controller whose decide() returns them, so
they pass the Action seam like any player's: they are logged, saves replay them, and the seam
refuses what it must (over budget, ...) deterministically; the number refused this step is
`info["refused"]`.

`KoreaEnv.action_masks()` says which choices would do something this quarter: the lever offered
and affordable (`action_mask`; one flat boolean array, as sb3-contrib's MaskablePPO reads it);
each PettingZoo agent's `info["action_mask"]` is the same as one int8 array per sub-space, as
`MultiDiscrete.sample(mask=...)` takes it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar

import gymnasium
import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from game.actions import Action, ChipIncentive, Convergence, FoundrySubsidy, Procurement, RDGrant, ServiceIncentive
from game.difficulty import NORMAL_GAME, Difficulty, apply
from game.scenario import ScenarioError

ENV_ID = "TeamKorea-v0"

OBS_KEYS = ("hbm_share", "foundry_share", "packaging_share", "accelerator_share", "compute_installed",
            "domestic_compute_share", "single_vendor_dependence", "domestic_llm_share", "llm_domestic_chip_share",
            "industry_adoption", "industry_domestic_ai_share", "chain_completeness", "gdp_effect",
            "domestic_designers_alive", "domestic_designers_cash", "policy_support_paid", "budget_used")
SQUASH = {"compute_installed": 50.0, "gdp_effect": 1.0, "domestic_designers_cash": 1.0,
          "policy_support_paid": 10.0}
OBS_SIZE = len(OBS_KEYS) + 2

RATES = (0.0, 0.25, 0.5, 0.75, 1.0)
INCENTIVES = (0.0, 0.125, 0.25, 0.375, 0.5)
MIXES = ({}, {"leader": 1.0}, {"leader": 0.5, "domestic": 0.4, "other": 0.1},
         {"leader": 0.3, "domestic": 0.6, "other": 0.1})
GRANTS_USD_B = (0.0, 0.01, 0.02, 0.04)
LEVERS = ("foundry_subsidy", "procurement", "chip_incentive", "service_incentive", "convergence", "rd_grant")
ACTION_NVEC = np.array([1 + len(RATES), 1 + len(MIXES), 1 + len(INCENTIVES), 1 + len(INCENTIVES),
                        1 + len(RATES), 1 + len(GRANTS_USD_B)], dtype=np.int64)


# ---------------------------------------------------------------- observations and actions

def features(indicators: dict[str, float], score: float, turn: int, turns: int, designers_at_start: int) -> np.ndarray:
    """The observation vector (a new array each call), clipped into [0, 1]."""
    values = []
    for key in OBS_KEYS:
        x = max(float(indicators.get(key, 0.0)), 0.0)
        if key in SQUASH:
            x = x / (x + SQUASH[key])
        elif key == "domestic_designers_alive":
            x = x / designers_at_start if designers_at_start else 0.0
        values.append(x)
    values += [score / 100.0, turn / turns if turns else 0.0]
    return np.clip(np.nan_to_num(np.array(values, dtype=np.float32)), 0.0, 1.0)


def to_actions(choice, obs, has_llm_market: bool = True) -> list[Action]:
    """Actions for one MultiDiscrete choice, given the country's Observation. Out-of-range
    indices are clipped into their sub-space (a learner's mistake never crashes the model)."""
    raw = np.nan_to_num(np.asarray(choice, dtype=np.float64).reshape(-1)[:len(ACTION_NVEC)])
    raw = np.concatenate([raw, np.zeros(len(ACTION_NVEC) - len(raw))])  # missing sub-spaces: keep
    index = np.clip(raw, 0, ACTION_NVEC - 1).astype(np.int64)
    subsidy, procurement, chip, service, convergence, grant = (int(i) for i in index)
    kinds = {f["kind"] for f in obs.home_firms.values()}
    designers = sorted(n for n, f in obs.home_firms.items() if f["kind"] == "designer" and f["alive"])
    offered = set(obs.levers)  # a lever the country's state does not have maps to no Action
    subsidy, procurement, chip, service, convergence, grant = (
        i if kind in offered else 0 for i, kind in zip((subsidy, procurement, chip, service, convergence, grant),
                                                      LEVERS, strict=True))
    actions: list[Action] = []
    if subsidy and "foundry" in kinds:
        actions.append(FoundrySubsidy(rate=RATES[subsidy - 1]))
    if procurement and obs.national_buyer:
        actions.append(Procurement(budget=max(float(obs.plan_procurement), 0.0), mix=MIXES[procurement - 1]))
    if chip:
        actions.append(ChipIncentive(rate=INCENTIVES[chip - 1]))
    if service and has_llm_market:
        actions.append(ServiceIncentive(rate=INCENTIVES[service - 1]))
    if convergence:
        actions += [Convergence(industry=i, intensity=RATES[convergence - 1]) for i in obs.home_industries]
    if grant:
        amount = GRANTS_USD_B[grant - 1] * obs.usd_rate * 1e9
        actions += [RDGrant(designer=d, amount=amount) for d in designers]
    return actions


def action_mask(obs, has_llm_market: bool = True) -> np.ndarray:
    """Which choices would do something now, as one flat boolean array over the MultiDiscrete
    sub-spaces (length ACTION_NVEC.sum(), sub-space after sub-space, as sb3-contrib's MaskablePPO
    reads it): index 0 (keep the lever) always; another index only if it makes Actions (the
    state has the lever and the means: `to_actions`) and the seam would accept them on their own
    this quarter (`obs.check`: the budget can pay, the firm is alive, ...). Choices are checked
    one at a time, so a bundle of several allowed choices can still exceed the budget together."""
    masks = []
    for k, size in enumerate(ACTION_NVEC.tolist()):
        mask = [True]
        for i in range(1, size):
            choice = np.zeros(len(ACTION_NVEC), np.int64)
            choice[k] = i
            actions = to_actions(choice, obs, has_llm_market)
            mask.append(bool(actions) and obs.check(actions) is None)
        masks += mask
    return np.array(masks, dtype=bool)


class _Seat:
    """The controller through which an environment's agent acts: decide() returns the Actions
    of the choice the learner made for this quarter; events take their first choice."""

    name = "env"

    def __init__(self, has_llm_market: bool) -> None:
        self.choice = np.zeros(len(ACTION_NVEC), np.int64)  # as the learner gave it: mapped in decide()
        self.has_llm_market = has_llm_market

    def decide(self, obs):
        return to_actions(self.choice, obs, self.has_llm_market)

    def choose(self, event, obs) -> int:
        return 0


def _refused(entries: list[dict], country: str) -> int:
    return sum(1 for e in entries if e["country"] == country and e["source"] == "controller"
               and e["refused"] is not None)


class _Game:
    """A World whose named countries are played through seats."""

    def __init__(self, scenario, seed: int, countries: list[str], difficulty=None) -> None:
        from game.model import World

        markets = {m.country for m in scenario.llm_markets}
        self.seats = {c: _Seat(c in markets) for c in countries}
        self.world = World(scenario, seed=seed, controllers=dict(self.seats), tables=False,
                           difficulty=difficulty or NORMAL_GAME)
        self.designers = {c: sum(1 for d in self.world.designers if d.country == c) for c in self.world.countries}

    def release(self) -> None:
        """Let the finished world go (World.close: Mesa 3.3 otherwise keeps every world alive)."""
        self.world.close()

    def observe(self, country: str) -> np.ndarray:
        w = self.world
        return features(w.indicators[country], w.scores.get(country, 0.0), w.turn, w.turns, self.designers[country])

    def mask(self, country: str) -> np.ndarray:
        """`action_mask` for the country's next quarter."""
        return action_mask(self.world.governance.observe(country), self.seats[country].has_llm_market)

    def play(self, choices: dict[str, np.ndarray]) -> dict[str, int]:
        for country, choice in choices.items():
            self.seats[country].choice = choice
        log = self.world.governance.log
        start = len(log)
        self.world.step()
        return {c: _refused(log[start:], c) for c in choices}


def _scenario(scenario):
    from game.scenario import load_scenario

    return load_scenario(scenario) if isinstance(scenario, str) else scenario


# ---------------------------------------------------------------- Gymnasium: the agent plays Korea

class KoreaEnv(gymnasium.Env):
    """The agent plays `country` (KOR); every other country plays its built-in default. An
    episode is the scenario's turns (20 quarters in the baseline). Reward: the change of the
    country's index each quarter (`reward_mode="delta"`), or its final index at the last
    quarter and 0 before (`"final"`)."""

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, scenario="baseline", reward_mode: str = "delta", country: str = "KOR",
                 render_mode: str | None = None, difficulty: str = "normal") -> None:
        if reward_mode not in ("delta", "final"):
            raise ValueError(f"reward_mode must be 'delta' or 'final', not {reward_mode!r}")
        self.scenario = _scenario(scenario)
        if country not in {c.id for c in self.scenario.countries}:
            raise ValueError(f"no country {country} in scenario '{self.scenario.scenario.name}'")
        self.difficulty = Difficulty(difficulty, (country,))  # the agent's country is the player
        try:
            apply(self.scenario, self.difficulty)  # refuse an unknown level now, not at the first reset
        except ScenarioError as exc:
            raise ValueError(str(exc)) from None
        self.country = country
        self.reward_mode = reward_mode
        self.render_mode = render_mode
        self.observation_space = spaces.Box(0.0, 1.0, (OBS_SIZE,), dtype=np.float32)
        self.action_space = spaces.MultiDiscrete(ACTION_NVEC)
        self.game: _Game | None = None

    @property
    def world(self):
        return self.game.world if self.game else None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        world_seed = int(seed) if seed is not None else int(self.np_random.integers(0, 2**62))
        self.close()
        self.game = _Game(self.scenario, world_seed, [self.country], self.difficulty)
        return self.game.observe(self.country), {"turn": 0, "seed": world_seed,
                                                 "score": float(self.world.scores[self.country])}

    def step(self, action):
        if self.game is None:
            raise RuntimeError("call reset() before step()")
        if self.world.finished:
            raise RuntimeError("the episode is over: call reset()")
        before = self.world.scores[self.country]
        refused = self.game.play({self.country: action})[self.country]
        after = self.world.scores[self.country]
        terminated = self.world.finished
        reward = after - before if self.reward_mode == "delta" else (after if terminated else 0.0)
        info = {"turn": self.world.turn, "score": float(after), "refused": refused}
        return self.game.observe(self.country), float(reward), terminated, False, info

    def close(self) -> None:
        if self.game is not None:
            self.game.release()

    def action_masks(self) -> np.ndarray:
        """The choices that would do something this quarter (`action_mask`): what sb3-contrib's
        MaskablePPO asks the environment for."""
        if self.game is None:
            raise RuntimeError("call reset() before action_masks()")
        return self.game.mask(self.country)

    def save(self, path) -> Path:
        """Save the episode so far as a game save (`python main.py replay PATH` re-plays it from
        the logged Actions; a loaded game continues with Korea playing laissez_faire)."""
        from game.saves import controller_names, document, write_save

        if self.game is None:
            raise RuntimeError("call reset() before save()")
        names = controller_names(self.world)
        names[self.country] = "laissez_faire"
        return write_save(Path(path), document(self.world, self.scenario.scenario.name, names))


if ENV_ID not in gymnasium.registry:
    gymnasium.register(id=ENV_ID, entry_point="game.env:KoreaEnv", max_episode_steps=None)


# ---------------------------------------------------------------- PettingZoo: every country

class CountriesParallelEnv(ParallelEnv):
    """Every country of the scenario is an agent with the same observation and action design
    (levers a country lacks, or that the scenario does not offer its state, map to no Action). A
    country's reward is the change of its own index each quarter: its own objective
    (`[score.<country>]`), not Korea's. Note: agents replace the countries' built-in defaults, so a country
    that always keeps its levers plays laissez-faire."""

    metadata: ClassVar[dict] = {"name": "team_korea_countries_v0", "render_modes": []}

    def __init__(self, scenario="baseline", render_mode: str | None = None) -> None:
        self.scenario = _scenario(scenario)
        self.possible_agents = [c.id for c in self.scenario.countries]
        self.agents: list[str] = []
        self.render_mode = render_mode
        self._obs_spaces = {a: spaces.Box(0.0, 1.0, (OBS_SIZE,), dtype=np.float32) for a in self.possible_agents}
        self._act_spaces = {a: spaces.MultiDiscrete(ACTION_NVEC) for a in self.possible_agents}
        self.game: _Game | None = None
        self._rng = np.random.default_rng()

    def observation_space(self, agent):
        return self._obs_spaces[agent]

    def action_space(self, agent):
        return self._act_spaces[agent]

    def reset(self, seed: int | None = None, options: dict | None = None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        world_seed = int(seed) if seed is not None else int(self._rng.integers(0, 2**62))
        self.close()
        self.game = _Game(self.scenario, world_seed, list(self.possible_agents))
        self.agents = list(self.possible_agents)
        observations = {a: self.game.observe(a) for a in self.agents}
        return observations, {a: {"turn": 0, "action_mask": self._mask(a)} for a in self.agents}

    def close(self) -> None:
        if self.game is not None:
            self.game.release()

    def _mask(self, agent: str) -> tuple[np.ndarray, ...]:
        """`action_mask` as Gymnasium's MultiDiscrete samples with it (`space.sample(mask=...)`,
        which PettingZoo's checkers use): one int8 array per sub-space."""
        return tuple(part.astype(np.int8) for part in np.split(self.game.mask(agent), np.cumsum(ACTION_NVEC)[:-1]))

    def step(self, actions: dict):
        if self.game is None or not self.agents:
            raise RuntimeError("call reset() before step()")
        world = self.game.world
        before = dict(world.scores)
        choices = {a: actions.get(a, np.zeros(len(ACTION_NVEC), np.int64)) for a in self.agents}
        refused = self.game.play(choices)
        done = world.finished
        observations = {a: self.game.observe(a) for a in self.agents}
        rewards = {a: float(world.scores[a] - before[a]) for a in self.agents}
        terminations = {a: done for a in self.agents}
        truncations = {a: False for a in self.agents}
        infos = {a: {"turn": world.turn, "refused": refused[a], **({} if done else {"action_mask": self._mask(a)})}
                 for a in self.agents}
        if done:
            self.agents = []
        return observations, rewards, terminations, truncations, infos


# ---------------------------------------------------------------- a linear policy, trained by CEM

class LinearPolicy:
    """Logits per sub-space = W_k @ [observation, 1]; the action is the argmax of each."""

    def __init__(self, theta: np.ndarray) -> None:
        self.theta = np.asarray(theta, dtype=np.float64).reshape(int(ACTION_NVEC.sum()), OBS_SIZE + 1)

    @staticmethod
    def size() -> int:
        return int(ACTION_NVEC.sum()) * (OBS_SIZE + 1)

    def act(self, observation: np.ndarray) -> np.ndarray:
        logits = self.theta @ np.append(np.asarray(observation, np.float64), 1.0)
        bounds = np.cumsum(ACTION_NVEC)[:-1]
        return np.array([int(np.argmax(part)) for part in np.split(logits, bounds)], dtype=np.int64)

    def save(self, path, **meta) -> None:
        doc = {"format": "team-korea-linear-policy/1", "obs_keys": list(OBS_KEYS), "levers": list(LEVERS),
               "nvec": ACTION_NVEC.tolist(), "theta": self.theta.tolist(), **meta}
        Path(path).write_text(json.dumps(doc))

    @classmethod
    def load(cls, path) -> LinearPolicy:
        doc = json.loads(Path(path).read_text())
        if doc.get("format") != "team-korea-linear-policy/1" or doc.get("nvec") != ACTION_NVEC.tolist():
            raise ValueError(f"{path}: not a policy for this environment (format or action design differs)")
        return cls(np.array(doc["theta"]))


def episode_score(policy: LinearPolicy, seed: int, scenario="baseline") -> float:
    """Korea's final index when `policy` plays one episode of the KoreaEnv on `seed`."""
    env = KoreaEnv(scenario)
    obs, info = env.reset(seed=seed)
    terminated = False
    while not terminated:
        obs, _, terminated, _, info = env.step(policy.act(obs))
    env.close()
    return info["score"]


def train_cem(iterations: int = 8, samples: int = 16, episodes: int = 2, seed: int = 0, elite: float = 0.25,
              scenario="baseline", log=None) -> tuple[LinearPolicy, list[float]]:
    """The cross-entropy method over the linear policy's parameters: sample, keep the elite
    by mean final index over `episodes` training seeds, refit mean and spread. Returns the best
    candidate of the last iteration (the previous mean is always among the candidates)."""
    scenario = _scenario(scenario)
    rng = np.random.default_rng(seed)
    mean, std = np.zeros(LinearPolicy.size()), np.ones(LinearPolicy.size())
    n_elite = max(2, round(elite * samples))
    history = []
    champion = mean
    for it in range(iterations):
        train_seeds = [int(s) for s in rng.integers(0, 10**6, episodes)]
        thetas = mean + std * rng.standard_normal((samples, mean.size))
        thetas[0] = mean  # the current mean is always a candidate
        scores = np.array([np.mean([episode_score(LinearPolicy(t), s, scenario) for s in train_seeds])
                           for t in thetas])
        best = thetas[np.argsort(-scores)[:n_elite]]
        champion = best[0]  # the last iteration's best candidate (the mean is one of them) is returned
        mean, std = best.mean(axis=0), best.std(axis=0) + 0.05
        history.append(float(scores.max()))
        if log:
            log(f"iteration {it + 1}/{iterations}: best {scores.max():.2f}, elite mean "
                f"{np.sort(scores)[-n_elite:].mean():.2f}")
    return LinearPolicy(champion), history


# ---------------------------------------------------------------- playing a saved policy

POLICY_ENV_VAR = "TEAM_KOREA_POLICY"


class PolicyController:
    """A strategy that plays a saved linear policy (`python main.py train --out PATH`).

    Tournaments create strategies without arguments, so the path comes from the class attribute
    `policy_path`, else the environment variable TEAM_KOREA_POLICY, else policy.json:

        TEAM_KOREA_POLICY=policy.json python main.py tournament --strategies game.env:PolicyController,random ...

    (use the module form `game.env:PolicyController`; for two policies in one tournament,
    subclass it in your own file with another `policy_path`)."""

    name = "policy"
    policy_path: str | None = None

    def __init__(self, path: str | None = None) -> None:
        self.path = path or self.policy_path or os.environ.get(POLICY_ENV_VAR) or "policy.json"
        self.policy = LinearPolicy.load(self.path)
        self._designers: dict[str, int] = {}

    def decide(self, obs) -> list[Action]:
        indicators = obs.indicators[obs.country]
        if obs.country not in self._designers:  # designers alive at the start: first observation
            self._designers[obs.country] = max(int(indicators.get("domestic_designers_alive", 0)), 1)
        turns = obs.turn + obs.turns_left
        x = features(indicators, obs.score.get(obs.country, 0.0), obs.turn, turns, self._designers[obs.country])
        return to_actions(self.policy.act(x), obs, has_llm_market=True)  # refused by the seam where there is none

    def choose(self, event, obs) -> int:
        return 0


def final_score(controller, seed: int, scenario="baseline", country: str = "KOR") -> float:
    """`country`'s final index when `controller` plays it for a whole game."""
    from game.model import World

    world = World(_scenario(scenario), seed=seed, controllers={country: controller}, tables=False)
    while not world.finished:
        world.step()
    world.close()
    return world.scores[country]


# ---------------------------------------------------------------- `python main.py train`

HELD_OUT_BASE = 10**6  # training seeds are drawn below this, held-out evaluation seeds from it up


def evaluate(policy_path, seeds, scenario="baseline") -> dict[str, float]:
    """Mean final Korean index over `seeds` for the saved policy, `random` and `laissez_faire`."""
    from agents.controllers import make_controller

    scenario = _scenario(scenario)
    makers = {"policy": lambda: PolicyController(str(policy_path)),
              "random": lambda: make_controller("KOR", "random"),
              "laissez_faire": lambda: make_controller("KOR", "laissez_faire")}
    return {name: float(np.mean([final_score(make(), s, scenario) for s in seeds])) for name, make in makers.items()}


def run_train(args) -> str:
    """Train a linear policy by CEM, save it, and compare it with `random` and `laissez_faire`
    on held-out seeds."""
    scenario = _scenario(args.scenario)
    policy, history = train_cem(iterations=args.iterations, samples=args.samples, episodes=args.episodes,
                                seed=args.seed, scenario=scenario, log=print)
    policy.save(args.out, scenario=scenario.scenario.name, seed=args.seed, iterations=args.iterations,
                samples=args.samples, episodes=args.episodes, best_per_iteration=history)
    seeds = range(HELD_OUT_BASE + args.seed * 1000, HELD_OUT_BASE + args.seed * 1000 + args.eval_seeds)
    means = evaluate(args.out, seeds, scenario)
    lines = [f"wrote {args.out}",
             f"held-out seeds ({args.eval_seeds}): mean final Korean index",
             *(f"  {name:<14} {value:6.2f}" for name, value in means.items()),
             f"policy beats random by {means['policy'] - means['random']:+.2f} points and laissez_faire by "
             f"{means['policy'] - means['laissez_faire']:+.2f} points",
             f"play it: python main.py tournament --strategies policy:{args.out},random,laissez_faire --seeds 20"]
    return "\n".join(lines)
