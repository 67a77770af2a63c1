"""Learning agents: a Gymnasium environment in which the agent plays one country (Korea by
default) against the others' real programmes or any opponents, a PettingZoo ParallelEnv in which
every country (or any subset) is an agent with its own levers and its own objective, a numpy
cross-entropy trainer for a linear policy, and `PolicyController`, a strategy that plays a saved
policy.

This is the only module of the game that imports gymnasium or pettingzoo (the `rl` extra).

Observation (a `Box(0, 1, (n,), float32)`, the same layout for every country of a scenario,
`obs_size(countries)`; built from the country's `Observation` by `features`, so a saved policy sees
in a tournament exactly what it saw in training), in this order:
  - the country's indicators of `OBS_KEYS` after the last quarter (shares as they are; unbounded
    quantities squashed by x / (x + scale) with the scale of `SQUASH`; designers alive as a
    fraction of those at the start), its own index / 100, the turn fraction;
  - its lever settings once the Actions waiting out their lag take effect (`Observation.ahead`),
    one per kind of `LEVER_KINDS` on a 0-1 scale (`setting`; 0 for the one-off levers: broker
    link, export control, equity);
  - per kind of `LEVER_KINDS`, the quarters until its earliest waiting Action takes effect / 4
    (0: nothing waiting; capped at 1);
  - the share of the quarter's budget its programmes leave free (`1 - committed / budget`);
  - which country it is: one-hot over the scenario's countries, in the scenario's order (an agent
    id, so one network can play every seat).

Action (a `MultiDiscrete(action_nvec(levers))`): one sub-space per lever the scenario offers the
country's state (`levers_of`), in `LEVER_KINDS` order; index 0 keeps the lever as it is (no
Action); the other indices are `CHOICES[kind]`:

  foundry_subsidy    rate 0, 0.25, 0.5, 0.75, 1
  procurement        the centre's planned volume, bought freely / 100% leader / 50/40/10 / 30/60/10
  chip_incentive     rate 0, 0.125, 0.25, 0.375, 0.5
  service_incentive  rate 0, 0.125, 0.25, 0.375, 0.5
  rd_grant           0, 0.01, 0.02, 0.04 US$ B a quarter for every living home designer
  broker_link        link every home designer with every home component supplier
  convergence        intensity 0, 0.25, 0.5, 0.75, 1 for every home industry
  capacity_support   rate 0, 0.1, 0.2, 0.3 for every home HBM maker, foundry and packager, and
                     every foreign foundry's lines in the country (TSMC Arizona for the USA)
  trade_stance       us_aligned, balanced, china_open
  export_control     to the other side's countries (`game.policy.SIDE`): accelerators above
                     0.5 H100e, every accelerator, all HBM
  equity             US$ 0.1, 0.5, 1 B of cash into the home firm with the least cash; or US$ 0.5,
                     1 B as a state-funded project (directed equity, `Equity.build`) at the home
                     producer of the input that held most home designers back last quarter
                     (wafers: a foundry, HBM: an HBM maker, packaging: a packager; the largest
                     alive one), as China's real programme answers its shortages

A choice the country cannot use (no home foundry, no national centre, no home designer, no side
to control, ...) maps to no Action. The Actions go through a controller whose decide() returns
them, so they pass the Action seam like any player's: logged, replayed by saves, refused by the
seam when they must be (over budget, ...); the number refused this step is `info["refused"]`.

`KoreaEnv.action_masks()` says which choices would do something this quarter: the seam would take
them on their own (`action_mask`; one flat boolean array, as sb3-contrib's MaskablePPO reads it);
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

from game.actions import (
    ACTION_KINDS,
    Action,
    BrokerLink,
    CapacitySupport,
    ChipIncentive,
    Convergence,
    Equity,
    ExportControl,
    FoundrySubsidy,
    Procurement,
    RDGrant,
    ServiceIncentive,
    TradeStance,
)
from game.difficulty import NORMAL_GAME, Difficulty, apply
from game.policy import SIDE, STANCE_STEP
from game.scenario import ScenarioError

ENV_ID = "TeamKorea-v2"  # v1: a country's own levers, lever settings, money and agent id in the observation;
# v2: directed equity (a state-funded project at the supplier that binds) among the equity choices

OBS_KEYS = ("hbm_share", "foundry_share", "packaging_share", "accelerator_share", "compute_installed",
            "domestic_compute_share", "single_vendor_dependence", "domestic_llm_share", "llm_domestic_chip_share",
            "industry_adoption", "industry_domestic_ai_share", "chain_completeness", "gdp_effect",
            "domestic_designers_alive", "domestic_designers_cash", "policy_support_paid", "budget_used")
SQUASH = {"compute_installed": 50.0, "gdp_effect": 1.0, "domestic_designers_cash": 1.0,
          "policy_support_paid": 10.0}
LEVER_KINDS = ACTION_KINDS  # the catalogue's order: sub-spaces and observation columns follow it
WAITING_SCALE = 4.0  # quarters: a lag of a year or more reads 1

RATES = (0.0, 0.25, 0.5, 0.75, 1.0)
INCENTIVES = (0.0, 0.125, 0.25, 0.375, 0.5)
MIXES = ({}, {"leader": 1.0}, {"leader": 0.5, "domestic": 0.4, "other": 0.1},
         {"leader": 0.3, "domestic": 0.6, "other": 0.1})
GRANTS_USD_B = (0.0, 0.01, 0.02, 0.04)
SUPPORT = (0.0, 0.1, 0.2, 0.3)
STANCES = ("us_aligned", "balanced", "china_open")
CONTROLS = (("accelerator", 0.5), ("accelerator", 0.0), ("hbm", 0.0))
EQUITY_USD_B = (("cash", 0.1), ("cash", 0.5), ("cash", 1.0), ("build", 0.5), ("build", 1.0))
SUPPLIER_OF = {"wafer": "foundry", "hbm": "hbm_maker", "packaging": "packager"}  # a designer's input -> who makes it
CHOICES: dict[str, tuple] = {
    "foundry_subsidy": RATES, "procurement": MIXES, "chip_incentive": INCENTIVES, "service_incentive": INCENTIVES,
    "rd_grant": GRANTS_USD_B, "broker_link": ("link",), "convergence": RATES, "capacity_support": SUPPORT,
    "trade_stance": STANCES, "export_control": CONTROLS, "equity": EQUITY_USD_B,
}
PRODUCERS = ("foundry", "hbm_maker", "packager")


def levers_of(offered) -> list[str]:
    """The lever kinds a country's action space has: those its state is offered, catalogue order."""
    offered = set(offered)
    return [k for k in LEVER_KINDS if k in offered]


def action_nvec(levers) -> np.ndarray:
    return np.array([1 + len(CHOICES[k]) for k in levers], dtype=np.int64)


def obs_size(countries) -> int:
    return len(OBS_KEYS) + 2 + 2 * len(LEVER_KINDS) + 1 + len(countries)


# ---------------------------------------------------------------- observations and actions

def setting(kind: str, policy, obs) -> float:
    """A lever's setting on a 0-1 scale (its largest choice reads 1); 0 for one-off levers."""
    if kind == "foundry_subsidy":
        return policy.foundry_subsidy
    if kind == "procurement":
        return policy.procurement_mix.get("domestic", 0.0)
    if kind == "chip_incentive":
        return policy.chip_incentive / INCENTIVES[-1]
    if kind == "service_incentive":
        return policy.service_incentive / INCENTIVES[-1]
    if kind == "rd_grant":
        usd_b = sum(policy.rd_grants.values()) / (obs.usd_rate * 1e9) if obs.usd_rate else 0.0
        return usd_b / (usd_b + 0.05)
    if kind == "convergence":
        values = list(policy.convergence.values())
        return sum(values) / len(values) if values else 0.0
    if kind == "capacity_support":
        return max(policy.capacity_support.values(), default=0.0) / SUPPORT[-1]
    if kind == "trade_stance":
        return (STANCE_STEP[policy.trade_stance] + 1.0) / 2.0
    return 0.0


def features(obs, countries, designers_at_start: int) -> np.ndarray:
    """The observation vector of a country's `Observation` (a new array each call), in [0, 1]."""
    indicators = obs.indicators.get(obs.country, {})
    values = []
    for key in OBS_KEYS:
        x = max(float(indicators.get(key, 0.0)), 0.0)
        if key in SQUASH:
            x = x / (x + SQUASH[key])
        elif key == "domestic_designers_alive":
            x = x / designers_at_start if designers_at_start else 0.0
        values.append(x)
    turns = obs.turn + obs.turns_left
    values += [obs.score.get(obs.country, 0.0) / 100.0, obs.turn / turns if turns else 0.0]
    ahead = obs.ahead
    values += [setting(k, ahead, obs) for k in LEVER_KINDS]
    waiting = obs.waiting
    values += [waiting.get(k, 0) / WAITING_SCALE for k in LEVER_KINDS]
    values.append(1.0 - obs.committed / obs.budget if obs.budget > 0 else 0.0)
    values += [1.0 if c == obs.country else 0.0 for c in countries]
    return np.clip(np.nan_to_num(np.array(values, dtype=np.float32)), 0.0, 1.0)


class Featurizer:
    """`features` for one country through a game: it remembers the home designers alive at its
    first observation (the start), which the designers-alive column is a fraction of."""

    def __init__(self, countries) -> None:
        self.countries = list(countries)
        self.designers: int | None = None

    def __call__(self, obs) -> np.ndarray:
        if self.designers is None:
            alive = obs.indicators.get(obs.country, {}).get("domestic_designers_alive", 0)
            self.designers = max(int(alive), 1)
        return features(obs, self.countries, self.designers)


def _choice_actions(kind: str, index: int, obs, has_llm_market: bool) -> list[Action]:
    """The Actions of choice `index` (1-based; 0 keeps the lever) of one lever."""
    value = CHOICES[kind][index - 1]
    firms = obs.home_firms
    designers = sorted(n for n, f in firms.items() if f["kind"] == "designer" and f["alive"])
    if kind == "foundry_subsidy":
        return [FoundrySubsidy(rate=value)] if any(f["kind"] == "foundry" for f in firms.values()) else []
    if kind == "procurement":
        return [Procurement(mix=value)] if obs.national_buyer else []  # the centre keeps its growing plan
    if kind == "chip_incentive":
        return [ChipIncentive(rate=value)]
    if kind == "service_incentive":
        return [ServiceIncentive(rate=value)] if has_llm_market else []
    if kind == "rd_grant":
        return [RDGrant(designer=d, amount=value * obs.usd_rate * 1e9) for d in designers]
    if kind == "broker_link":
        suppliers = sorted(n for n, f in firms.items() if f["kind"] == "component_supplier")
        return [BrokerLink(designer=d, supplier=c) for d in designers for c in suppliers]
    if kind == "convergence":
        return [Convergence(industry=i, intensity=value) for i in obs.home_industries]
    if kind == "capacity_support":  # home producers, and foreign foundries' lines here
        home = [n for n, f in sorted(firms.items()) if f["kind"] in PRODUCERS and f["alive"]]
        return [CapacitySupport(firm=n, rate=value) for n in home + sorted(obs.hosted_foundries)]
    if kind == "trade_stance":
        return [TradeStance(stance=value)]
    if kind == "export_control":
        side = SIDE.get(obs.country, 0.0)
        rivals = sorted(c for c, s in SIDE.items() if s == -side) if side else []
        good, above = value
        return [ExportControl(good=good, to_countries=rivals, perf_above=above)] if rivals else []
    if kind == "equity":
        how, usd_b = value
        if how == "build":
            firm = short_supplier(obs)
            return [Equity(firm=firm, amount=usd_b * obs.usd_rate * 1e9, build=True)] if firm else []
        alive = [(f["cash"], n) for n, f in firms.items()
                 if f["alive"] and f["kind"] in (*PRODUCERS, "designer", "component_supplier")]
        return [Equity(firm=min(alive)[1], amount=usd_b * obs.usd_rate * 1e9)] if alive else []
    raise KeyError(kind)


def short_supplier(obs) -> str | None:
    """The home producer a directed-equity choice funds a project at: of the inputs that held the
    country's living designers back last quarter (`Observation.bottlenecks`), the one that held
    back the most (ties: wafers, then HBM, then packaging), made by a living home producer of its
    kind (the largest by capacity, then by name). None when no home designer was held back by an
    input the country makes: the choice then makes no Action (and the mask says so)."""
    firms = obs.home_firms
    held = [obs.bottlenecks.get(n) for n, f in sorted(firms.items()) if f["kind"] == "designer" and f["alive"]]
    for need in sorted(SUPPLIER_OF, key=lambda i: (-held.count(i), list(SUPPLIER_OF).index(i))):
        if not held.count(need):
            break
        makers = sorted((-float(f["capacity"]), n) for n, f in firms.items()
                        if f["kind"] == SUPPLIER_OF[need] and f["alive"])
        if makers:
            return makers[0][1]
    return None


def to_actions(choice, obs, has_llm_market: bool = True, levers=None) -> list[Action]:
    """Actions for one MultiDiscrete choice over `levers` (default: the country's, `levers_of(obs.levers)`).
    Out-of-range indices are clipped into their sub-space and missing ones keep their lever (a
    learner's mistake never crashes the model)."""
    levers = levers_of(obs.levers) if levers is None else list(levers)
    nvec = action_nvec(levers)
    raw = np.nan_to_num(np.asarray(choice, dtype=np.float64).reshape(-1)[:len(nvec)])
    raw = np.concatenate([raw, np.zeros(len(nvec) - len(raw))])
    index = np.clip(raw, 0, nvec - 1).astype(np.int64)
    offered = set(obs.levers)
    actions: list[Action] = []
    for kind, i in zip(levers, index.tolist(), strict=True):
        if i and kind in offered:
            actions += _choice_actions(kind, int(i), obs, has_llm_market)
    return actions


def action_mask(obs, has_llm_market: bool = True, levers=None) -> np.ndarray:
    """Which choices would do something now, as one flat boolean array over the sub-spaces (as
    sb3-contrib's MaskablePPO reads it): index 0 (keep the lever) always; another index only if it
    makes Actions and the seam would accept them on their own this quarter (`obs.check`: the
    budget can pay, the firm is alive, ...). Choices are checked one at a time, so a bundle of
    several allowed choices can still exceed the budget together."""
    levers = levers_of(obs.levers) if levers is None else list(levers)
    masks = []
    for kind in levers:
        masks.append(True)
        for i in range(1, 1 + len(CHOICES[kind])):
            actions = _choice_actions(kind, i, obs, has_llm_market) if kind in obs.levers else []
            masks.append(bool(actions) and obs.check(actions) is None)
    return np.array(masks, dtype=bool)


class _Seat:
    """The controller through which an environment's agent acts: decide() returns the Actions
    of the choice the learner made for this quarter; events take their first choice."""

    name = "env"

    def __init__(self, levers: list[str], has_llm_market: bool) -> None:
        self.levers = levers
        self.choice = np.zeros(len(levers), np.int64)  # as the learner gave it: mapped in decide()
        self.has_llm_market = has_llm_market

    def decide(self, obs):
        return to_actions(self.choice, obs, self.has_llm_market, self.levers)

    def choose(self, event, obs) -> int:
        return 0


def _refused(entries: list[dict], country: str) -> int:
    return sum(1 for e in entries if e["country"] == country and e["source"] == "controller"
               and e["refused"] is not None)


def make_opponent(country: str, spec: str):
    """A controller for a country the learner does not play: a built-in name (`default`, its real
    programme), a plug-in (`module:Class`, `path/to/file.py:Class`, loaded in this process: no
    sandbox), or `policy:PATH` (a policy saved by `python main.py train`). ValueError naming the
    spec when it cannot be made."""
    from agents.plugins import SpecError, make_controller

    if spec.startswith("policy:"):
        return PolicyController(spec[len("policy:"):])
    try:
        return make_controller(country, spec)
    except SpecError as exc:
        raise ValueError(f"opponent {country}: {exc}") from None


def _opponents(scenario, opponents: dict | None, played) -> dict:
    """{country: controller} for the named opponents; a country that is not in the scenario, or
    that an agent plays, is a ValueError."""
    codes = {c.id for c in scenario.countries}
    made = {}
    for country, spec in (opponents or {}).items():
        if country not in codes:
            raise ValueError(f"opponent {country}: no such country in scenario '{scenario.scenario.name}'")
        if country in played:
            raise ValueError(f"opponent {country}: that country is played by the learner")
        made[country] = make_opponent(country, spec) if isinstance(spec, str) else spec
    return made


class _Game:
    """A World whose named countries are played through seats; the rest by `opponents` (built
    controllers) or their defaults."""

    def __init__(self, scenario, seed: int, countries: list[str], difficulty=None, opponents=None) -> None:
        from game.model import World

        markets = {m.country for m in scenario.llm_markets}
        self.order = [c.id for c in scenario.countries]
        self.levers = {c: levers_of(scenario.levers.offered_to(c) if scenario.levers else []) for c in countries}
        self.seats = {c: _Seat(self.levers[c], c in markets) for c in countries}
        self.world = World(scenario, seed=seed, controllers={**(opponents or {}), **self.seats}, tables=False,
                           difficulty=difficulty or NORMAL_GAME, explains=False)  # an agent reads no causes
        self.featurizers = {c: Featurizer(self.order) for c in countries}

    def release(self) -> None:
        """Let the finished world go (World.close: Mesa 3.3 otherwise keeps every world alive)."""
        self.world.close()

    def observation(self, country: str):
        return self.world.governance.observe(country)

    def observe(self, country: str) -> np.ndarray:
        return self.featurizers[country](self.observation(country))

    def mask(self, country: str) -> np.ndarray:
        """`action_mask` for the country's next quarter."""
        return action_mask(self.observation(country), self.seats[country].has_llm_market, self.levers[country])

    def state(self) -> np.ndarray:
        """Every country's observation, in the scenario's order (a centralised critic's input);
        a country nobody plays here is observed as its seat would be."""
        parts = []
        for c in self.order:
            featurize = self.featurizers.setdefault(c, Featurizer(self.order))
            parts.append(featurize(self.observation(c)))
        return np.concatenate(parts)

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


# ---------------------------------------------------------------- Gymnasium: the agent plays one country

class KoreaEnv(gymnasium.Env):
    """The agent plays `country` (KOR); every other country plays its real programme (`default`),
    or what `opponents` names for it ({country: built-in name, plug-in spec, `policy:PATH`, or a
    controller object}). An episode is the scenario's turns (20 quarters in the baseline). Reward:
    the change of the country's own index each quarter (`reward_mode="delta"`), or its final index
    at the last quarter and 0 before (`"final"`)."""

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, scenario="baseline", reward_mode: str = "delta", country: str = "KOR",
                 render_mode: str | None = None, difficulty: str = "normal", opponents: dict | None = None) -> None:
        if reward_mode not in ("delta", "final"):
            raise ValueError(f"reward_mode must be 'delta' or 'final', not {reward_mode!r}")
        self.scenario = _scenario(scenario)
        countries = [c.id for c in self.scenario.countries]
        if country not in countries:
            raise ValueError(f"no country {country} in scenario '{self.scenario.scenario.name}'")
        self.difficulty = Difficulty(difficulty, (country,))  # the agent's country is the player
        try:
            apply(self.scenario, self.difficulty)  # refuse an unknown level now, not at the first reset
        except ScenarioError as exc:
            raise ValueError(str(exc)) from None
        self.country = country
        self.opponent_specs = dict(opponents or {})
        _opponents(self.scenario, self.opponent_specs, {country})  # refuse a bad spec now
        self.reward_mode = reward_mode
        self.render_mode = render_mode
        self.levers = levers_of(self.scenario.levers.offered_to(country) if self.scenario.levers else [])
        self.observation_space = spaces.Box(0.0, 1.0, (obs_size(countries),), dtype=np.float32)
        self.action_space = spaces.MultiDiscrete(action_nvec(self.levers))
        self.game: _Game | None = None

    @property
    def world(self):
        return self.game.world if self.game else None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        world_seed = int(seed) if seed is not None else int(self.np_random.integers(0, 2**62))
        self.close()
        opponents = _opponents(self.scenario, self.opponent_specs, {self.country})  # fresh ones every episode
        self.game = _Game(self.scenario, world_seed, [self.country], self.difficulty, opponents)
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
        the logged Actions; a loaded game continues with the country playing laissez_faire)."""
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
    """The countries as agents, each with its own action space (the levers the scenario offers
    its state) and its own reward: the change of its index on its own objective
    (`[score.<country>]`) each quarter. `agents`: the countries played (default: every one); the
    others play their real programme (`default`) or what `opponents` names for them. `state()` is
    every country's observation, in the scenario's order, for centralised critics; each
    observation carries its agent's id (one-hot)."""

    metadata: ClassVar[dict] = {"name": "team_korea_countries_v1", "render_modes": []}

    def __init__(self, scenario="baseline", render_mode: str | None = None, agents: list[str] | None = None,
                 opponents: dict | None = None) -> None:
        self.scenario = _scenario(scenario)
        countries = [c.id for c in self.scenario.countries]
        chosen = list(countries if agents is None else agents)
        unknown = [a for a in chosen if a not in countries]
        if unknown or not chosen or len(set(chosen)) != len(chosen):
            raise ValueError(f"agents: name each country of {', '.join(countries)} at most once "
                             f"(not {', '.join(unknown) or 'none'})")
        self.possible_agents = [c for c in countries if c in chosen]
        self.opponent_specs = dict(opponents or {})
        _opponents(self.scenario, self.opponent_specs, set(self.possible_agents))
        self.agents: list[str] = []
        self.render_mode = render_mode
        size = obs_size(countries)
        offered = {c: levers_of(self.scenario.levers.offered_to(c) if self.scenario.levers else [])
                   for c in self.possible_agents}
        self._obs_spaces = {a: spaces.Box(0.0, 1.0, (size,), dtype=np.float32) for a in self.possible_agents}
        self._act_spaces = {a: spaces.MultiDiscrete(action_nvec(offered[a])) if offered[a]
                            else spaces.MultiDiscrete([1]) for a in self.possible_agents}
        self.state_space = spaces.Box(0.0, 1.0, (size * len(countries),), dtype=np.float32)
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
        opponents = _opponents(self.scenario, self.opponent_specs, set(self.possible_agents))
        self.game = _Game(self.scenario, world_seed, list(self.possible_agents), opponents=opponents)
        self.agents = list(self.possible_agents)
        observations = {a: self.game.observe(a) for a in self.agents}
        return observations, {a: {"turn": 0, "action_mask": self._mask(a)} for a in self.agents}

    def state(self) -> np.ndarray:
        if self.game is None:
            raise RuntimeError("call reset() before state()")
        return self.game.state()

    def close(self) -> None:
        if self.game is not None:
            self.game.release()

    def _mask(self, agent: str) -> tuple[np.ndarray, ...]:
        """`action_mask` as Gymnasium's MultiDiscrete samples with it (`space.sample(mask=...)`,
        which PettingZoo's checkers use): one int8 array per sub-space."""
        nvec = self._act_spaces[agent].nvec
        if not self.game.levers[agent]:
            return (np.ones(1, np.int8),)
        return tuple(part.astype(np.int8) for part in np.split(self.game.mask(agent), np.cumsum(nvec)[:-1]))

    def step(self, actions: dict):
        if self.game is None or not self.agents:
            raise RuntimeError("call reset() before step()")
        world = self.game.world
        before = dict(world.scores)
        choices = {a: actions.get(a, np.zeros(len(self._act_spaces[a].nvec), np.int64)) for a in self.agents}
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
    """Logits per sub-space = W_k @ [observation, 1]; the action is the argmax of each. It knows
    the action design (`levers`, `nvec`) and observation layout (`countries`) it was made for,
    and a saved one refuses to load into another."""

    FORMAT = "team-korea-linear-policy/3"  # /2: TeamKorea-v1's observation and a country's own levers; /3: v2's
    # equity choices (a /2 policy's equity rows would read the wrong choices: it is refused, train it again)

    def __init__(self, theta: np.ndarray, levers: list[str], countries: list[str]) -> None:
        self.levers, self.countries = list(levers), list(countries)
        self.nvec = action_nvec(self.levers)
        self.theta = np.asarray(theta, dtype=np.float64).reshape(int(self.nvec.sum()), obs_size(self.countries) + 1)

    @staticmethod
    def size(levers: list[str], countries: list[str]) -> int:
        return int(action_nvec(levers).sum()) * (obs_size(countries) + 1)

    def act(self, observation: np.ndarray) -> np.ndarray:
        logits = self.theta @ np.append(np.asarray(observation, np.float64), 1.0)
        bounds = np.cumsum(self.nvec)[:-1]
        return np.array([int(np.argmax(part)) for part in np.split(logits, bounds)], dtype=np.int64)

    def save(self, path, **meta) -> None:
        doc = {"format": self.FORMAT, "env": ENV_ID, "obs_keys": list(OBS_KEYS), "lever_kinds": list(LEVER_KINDS),
               "levers": self.levers, "countries": self.countries, "nvec": self.nvec.tolist(),
               "theta": self.theta.tolist(), **meta}
        Path(path).write_text(json.dumps(doc))

    @classmethod
    def load(cls, path) -> LinearPolicy:
        try:
            doc = json.loads(Path(path).read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: cannot read a policy there ({exc})") from None
        if not isinstance(doc, dict) or doc.get("format") != cls.FORMAT or doc.get("obs_keys") != list(OBS_KEYS) \
                or doc.get("lever_kinds") != list(LEVER_KINDS):
            raise ValueError(f"{path}: not a policy for {ENV_ID} (format, observation or action design differs; "
                             "train it again with python main.py train)")
        try:
            policy = cls(np.array(doc["theta"], dtype=np.float64), doc["levers"], doc["countries"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: a damaged policy file ({exc})") from None
        if not np.all(np.isfinite(policy.theta)):
            raise ValueError(f"{path}: a damaged policy file (non-finite weights)")
        return policy


def episode_score(policy: LinearPolicy, seed: int, scenario="baseline", country: str = "KOR",
                  opponents: dict | None = None) -> float:
    """The country's final index when `policy` plays one episode of the KoreaEnv on `seed`."""
    env = KoreaEnv(scenario, country=country, opponents=opponents)
    obs, info = env.reset(seed=seed)
    terminated = False
    while not terminated:
        obs, _, terminated, _, info = env.step(policy.act(obs))
    env.close()
    return info["score"]


def train_cem(iterations: int = 8, samples: int = 16, episodes: int = 2, seed: int = 0, elite: float = 0.25,
              scenario="baseline", log=None, country: str = "KOR",
              opponents: dict | None = None) -> tuple[LinearPolicy, list[float]]:
    """The cross-entropy method over the linear policy's parameters for `country` (its own
    levers, its own objective) against `opponents` (KoreaEnv's): sample, keep the elite by mean
    final index over `episodes` training seeds, refit mean and spread. Returns the best candidate
    of the last iteration (the previous mean is always among the candidates)."""
    scenario = _scenario(scenario)
    levers = levers_of(scenario.levers.offered_to(country) if scenario.levers else [])
    countries = [c.id for c in scenario.countries]
    size = LinearPolicy.size(levers, countries)
    rng = np.random.default_rng(seed)
    mean, std = np.zeros(size), np.ones(size)
    n_elite = max(2, round(elite * samples))
    history = []
    champion = mean
    for it in range(iterations):
        train_seeds = [int(s) for s in rng.integers(0, 10**6, episodes)]
        thetas = mean + std * rng.standard_normal((samples, mean.size))
        thetas[0] = mean  # the current mean is always a candidate
        scores = np.array([np.mean([episode_score(LinearPolicy(t, levers, countries), s, scenario, country, opponents)
                                    for s in train_seeds]) for t in thetas])
        best = thetas[np.argsort(-scores)[:n_elite]]
        champion = best[0]  # the last iteration's best candidate (the mean is one of them) is returned
        mean, std = best.mean(axis=0), best.std(axis=0) + 0.05
        history.append(float(scores.max()))
        if log:
            log(f"iteration {it + 1}/{iterations}: best {scores.max():.2f}, elite mean "
                f"{np.sort(scores)[-n_elite:].mean():.2f}")
    return LinearPolicy(champion, levers, countries), history


# ---------------------------------------------------------------- playing a saved policy

POLICY_ENV_VAR = "TEAM_KOREA_POLICY"


class PolicyController:
    """A strategy that plays a saved linear policy (`python main.py train --out PATH`): it builds
    the observation vector from the Observation it is handed (`Featurizer`, the environment's
    own), so it sees in a game what it saw in training.

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
        self.featurize = Featurizer(self.policy.countries)

    def decide(self, obs) -> list[Action]:
        return to_actions(self.policy.act(self.featurize(obs)), obs, has_llm_market=True,
                          levers=self.policy.levers)  # a service incentive where there is no market: refused

    def choose(self, event, obs) -> int:
        return 0


def final_score(controller, seed: int, scenario="baseline", country: str = "KOR") -> float:
    """`country`'s final index when `controller` plays it for a whole game."""
    from game.model import World

    world = World(_scenario(scenario), seed=seed, controllers={country: controller}, tables=False, explains=False)
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
