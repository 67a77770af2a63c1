"""What the learning environments cost beyond the model: env steps per second against model
turns per second (game/env.py).

    python benchmarks/bench_env.py [--episodes 30]

Prints figures; asserts nothing. Each row plays `--episodes` baseline games of 20 quarters on
seeds 0..N-1 and reports quarters per second (building the World included, as a reset does):

- model: `World(...).step()` with Korea played by laissez_faire (no Actions), every other
  country by its default; and with Korea sending a fixed six-lever bundle every quarter through
  a plain controller (the Actions a learner's choice maps to, validated by the seam);
- KoreaEnv: `reset(seed)` and `step(action)` with the no-op action (the same game as
  laissez_faire) and with the same fixed bundle (index 3 of every lever);
- CountriesParallelEnv: every country an agent, no-op actions (one step = one quarter for all
  eight countries).

The difference per quarter between an env row and its model row is the env's own cost
(building the observation vector, mapping the choice to Actions, counting refusals).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from agents.controllers import make_controller
from game import env as genv
from game.model import World
from game.scenario import load_scenario

# The bundle the benchmark has always timed: index 3 of the six levers of the first design; Korea's
# other levers are kept.
_SIX = ("foundry_subsidy", "procurement", "chip_incentive", "service_incentive", "convergence", "rd_grant")
_KOREA = genv.levers_of(load_scenario("baseline").levers.offered_to("KOR"))
BUNDLE = np.array([3 if k in _SIX else 0 for k in _KOREA], np.int64)
NOOP = np.zeros(len(_KOREA), np.int64)


class FixedBundle:
    """A plain controller sending the Actions of one env choice every quarter."""

    name = "fixed_bundle"

    def decide(self, obs):
        return genv.to_actions(BUNDLE, obs)

    def choose(self, event, obs):
        return 0


def model_rate(scenario, seeds, make) -> float:
    turns, start = 0, time.perf_counter()
    for seed in seeds:
        world = World(scenario, seed=seed, controllers={"KOR": make()}, tables=False)
        while not world.finished:
            world.step()
            turns += 1
    return turns / (time.perf_counter() - start)


def env_rate(env, seeds, action) -> float:
    steps, start = 0, time.perf_counter()
    for seed in seeds:
        env.reset(seed=seed)
        terminated = False
        while not terminated:
            _, _, terminated, _, _ = env.step(action)
            steps += 1
    return steps / (time.perf_counter() - start)


def parallel_rate(env, seeds) -> float:
    steps, start = 0, time.perf_counter()
    for seed in seeds:
        env.reset(seed=seed)
        while env.agents:
            env.step({a: np.zeros(len(env.action_space(a).nvec), np.int64) for a in env.agents})
            steps += 1
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--episodes", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many passes per row")
    args = parser.parse_args()
    scenario = load_scenario("baseline")
    seeds = range(args.episodes)
    env = genv.KoreaEnv(scenario)
    rows = [
        ("model, KOR laissez_faire", lambda: model_rate(scenario, seeds, lambda: make_controller("KOR",
                                                                                                  "laissez_faire"))),
        ("KoreaEnv, no-op action", lambda: env_rate(env, seeds, NOOP)),
        ("model, KOR fixed bundle", lambda: model_rate(scenario, seeds, FixedBundle)),
        ("KoreaEnv, same bundle", lambda: env_rate(env, seeds, BUNDLE)),
        ("CountriesParallelEnv, no-op", lambda: parallel_rate(genv.CountriesParallelEnv(scenario), seeds)),
    ]
    print(f"{args.episodes} baseline games of 20 quarters per row, best of {args.repeats} passes "
          "(World construction included)")
    print(f"{'':<30} {'quarters/s':>11} {'ms/quarter':>11}")
    rates = {}
    for label, run in rows:
        rate = max(run() for _ in range(args.repeats))
        rates[label] = rate
        print(f"{label:<30} {rate:>11,.0f} {1000 / rate:>11.3f}")
    for env_row, model_row in (("KoreaEnv, no-op action", "model, KOR laissez_faire"),
                               ("KoreaEnv, same bundle", "model, KOR fixed bundle")):
        extra = 1e6 / rates[env_row] - 1e6 / rates[model_row]
        print(f"env overhead ({env_row}): {extra:+.0f} µs per step "
              f"({rates[model_row] / rates[env_row] - 1:+.1%})")


if __name__ == "__main__":
    main()
