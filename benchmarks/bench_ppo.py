"""Does a standard learner learn something a fixed setting cannot? (issue 14, item 5's check)

Trains Stable-Baselines3's PPO on `TeamKorea-v2` with the snippet of docs/training.md (read from
the page and run as it is, so the page and this check cannot drift apart), then on held-out seeds
compares the learnt policy with fixed settings: the same action every quarter, as "every lever at
maximum from turn 1" is. The best fixed setting is searched for, not assumed: a random search over
constant actions on training seeds (plus the all-maximum, all-middle and keep-everything ones),
the best of them then played on the held-out seeds. Reports the paired difference with its 95%
interval, and whether the policy's actions vary with the state (distinct actions per episode).

Needs stable-baselines3 and torch (not dependencies of the game: `pip install stable-baselines3`;
on these machines `pip install torch==2.13.0` takes the CPU build on disk).

    python benchmarks/bench_ppo.py [--timesteps 20000] [--held-out 20] [--candidates 40] [--write]

--write also keeps the report in docs/ppo_check.md.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reporting import git_describe, publish, source_digest  # noqa: E402

DOC = ROOT / "docs" / "ppo_check.md"
HELD_OUT = 1_000_000  # training never sees seeds from here up (the snippet's own convention)


def snippet(timesteps: int) -> str:
    """The Stable-Baselines3 block of docs/training.md, with its timesteps, minus its evaluation."""
    text = (ROOT / "docs" / "training.md").read_text(encoding="utf-8")
    code = next(block for block in re.findall(r"```python\n(.*?)```", text, re.S) if "stable_baselines3" in block
                and "make_vec_env" in block)
    code = code.replace("total_timesteps=20_000", f"total_timesteps={timesteps}")
    return code.split("eval_env =")[0]


def play(act, seed: int) -> tuple[float, int]:
    """(final Korean index, distinct actions taken) when `act(obs)` plays one episode."""
    from game.env import KoreaEnv

    env = KoreaEnv()
    obs, info = env.reset(seed=seed)
    seen, terminated = set(), False
    while not terminated:
        action = np.asarray(act(obs))
        seen.add(tuple(int(a) for a in action))
        obs, _, terminated, _, info = env.step(action)
    env.close()
    return float(info["score"]), len(seen)


def best_fixed(candidates: int, seeds: list[int], rng: np.random.Generator) -> tuple[np.ndarray, float, list[str]]:
    """The constant action with the best mean on `seeds`, among canonical ones and random ones."""
    from game.env import KoreaEnv

    nvec = KoreaEnv().action_space.nvec
    pool = {"every lever at maximum": nvec - 1, "every lever in the middle": nvec // 2,
            "keep everything": np.zeros_like(nvec)}
    for i in range(candidates):
        pool[f"random constant {i}"] = np.array([int(rng.integers(n)) for n in nvec])
    means = {name: float(np.mean([play(lambda _o, a=action: a, s)[0] for s in seeds])) for name, action in pool.items()}
    name = max(means, key=means.get)
    lines = [f"- {label}: {means[label]:.2f}" for label in ("every lever at maximum", "every lever in the middle",
                                                           "keep everything")]
    lines.append(f"- best of {candidates} random constant actions and those: {name}, {means[name]:.2f} "
                 f"(action {pool[name].tolist()})")
    return pool[name], means[name], lines


def interval(diffs: np.ndarray) -> tuple[float, float, float]:
    from scipy import stats

    mean = float(diffs.mean())
    half = float(stats.t.ppf(0.975, len(diffs) - 1) * diffs.std(ddof=1) / math.sqrt(len(diffs)))
    return mean, mean - half, mean + half


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timesteps", type=int, default=20_000)
    parser.add_argument("--held-out", type=int, default=20)
    parser.add_argument("--candidates", type=int, default=40)
    parser.add_argument("--search-seeds", type=int, default=4)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    try:
        import stable_baselines3
        import torch
    except ImportError:
        print("bench_ppo: needs stable-baselines3 and torch (pip install stable-baselines3)", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    began, cpu = time.perf_counter(), time.process_time()
    scope: dict = {}
    # the snippet saves its policy (ppo_korea.zip) where it runs: in a folder of its own, not the caller's
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        exec(compile(snippet(args.timesteps), "docs/training.md", "exec"), scope)
    trained = time.process_time() - cpu
    model = scope["model"]
    rng = np.random.default_rng(0)
    fixed, _, search = best_fixed(args.candidates, list(range(args.search_seeds)), rng)
    held = [HELD_OUT + i for i in range(args.held_out)]
    ppo = [play(lambda o: model.predict(o, deterministic=True)[0], s) for s in held]
    constant = [play(lambda _o: fixed, s)[0] for s in held]
    diffs = np.array([p[0] for p in ppo]) - np.array(constant)
    mean, low, high = interval(diffs)
    distinct = [p[1] for p in ppo]
    text = "\n".join([
        "# PPO against the best fixed setting", "",
        "Generated by `benchmarks/bench_ppo.py` (issue 14, item 5): do not edit by hand.", "",
        f"- command: `python benchmarks/bench_ppo.py --timesteps {args.timesteps} --held-out {args.held_out} "
        f"--candidates {args.candidates}{' --write' if args.write else ''}`",
        f"- date: {time.strftime('%Y-%m-%d')}; code version: `{git_describe()}`; digest: `{source_digest()}`; "
        f"stable-baselines3 {stable_baselines3.__version__}, torch {torch.__version__} (CPU, one thread)",
        f"- training: the docs/training.md snippet (PPO, 4 environments, {args.timesteps} steps), "
        f"{trained:.0f} s of CPU; whole run {time.perf_counter() - began:.0f} s wall", "",
        "## Fixed settings (the same action every quarter), mean final Korean index on "
        f"{args.search_seeds} search seeds", "", *search, "",
        f"## Held-out seeds ({args.held_out}, from {HELD_OUT})", "",
        f"- PPO: {np.mean([p[0] for p in ppo]):.2f}; the best fixed setting: {np.mean(constant):.2f}",
        f"- PPO minus the best fixed setting, paired: {mean:+.2f} [{low:+.2f}, {high:+.2f}] (95% t interval); "
        f"PPO ahead on {int(np.sum(diffs > 0))} of {len(diffs)} seeds",
        f"- distinct actions per 20-quarter episode: mean {np.mean(distinct):.1f} (min {min(distinct)}, "
        f"max {max(distinct)}): the policy's actions {'vary' if min(distinct) > 1 else 'do NOT vary'} with the state",
        f"- verdict: PPO {'beats' if low > 0 else 'does NOT clearly beat'} the best fixed setting", ""])
    publish(text, DOC, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
