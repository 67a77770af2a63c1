"""Learning agents (game/env.py): Gymnasium's and PettingZoo's own checkers, seeding,
invalid actions, the trainer and the saved-policy strategy."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

gymnasium = pytest.importorskip("gymnasium")
pytest.importorskip("pettingzoo")

from gymnasium.utils.env_checker import check_env  # noqa: E402

with warnings.catch_warnings():  # pettingzoo.test imports its classic games through a deprecated path
    warnings.simplefilter("ignore", DeprecationWarning)
    from pettingzoo.test import parallel_api_test, parallel_seed_test, seed_test
from pettingzoo.utils.conversions import parallel_to_aec  # noqa: E402

from game import env as genv  # noqa: E402
from game.difficulty import Difficulty  # noqa: E402


@pytest.mark.parametrize("reward_mode", ["delta", "final"])
def test_gymnasium_check_env_with_warnings_as_errors(reward_mode):
    env = gymnasium.make(genv.ENV_ID, reward_mode=reward_mode)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)  # the raw env (a wrapper makes check_env warn); spec set: reset determinism checked


def test_pettingzoo_checkers():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parallel_api_test(genv.CountriesParallelEnv(), num_cycles=25)
        parallel_seed_test(genv.CountriesParallelEnv, num_cycles=25)
        # parallel_seed_test in 1.27.0 compares only the first step; the AEC seed test compares all
        seed_test(lambda: parallel_to_aec(genv.CountriesParallelEnv()), num_cycles=25)


def _trajectory(env, seed: int, actions) -> list:
    obs, _ = env.reset(seed=seed)
    steps = [obs]
    for action in actions:
        obs, reward, terminated, _, info = env.step(action)
        steps.append((obs, reward, terminated, info))
    return steps


def test_same_seed_same_actions_same_trajectory_and_episode_length():
    space = genv.KoreaEnv().action_space
    space.seed(3)
    actions = [space.sample() for _ in range(20)]
    a = _trajectory(genv.KoreaEnv(), 11, actions)
    b = _trajectory(genv.KoreaEnv(), 11, actions)
    for x, y in zip(a[1:], b[1:], strict=True):
        assert np.array_equal(x[0], y[0]) and x[1:] == y[1:]
    assert [s[2] for s in a[1:]] == [False] * 19 + [True]  # 20 quarters, then the end
    assert a[-1][3]["turn"] == 20


def test_observations_are_fresh_arrays_and_in_space():
    env = genv.KoreaEnv()
    first, _ = env.reset(seed=1)
    second, *_ = env.step(env.action_space.sample())
    assert first is not second and not np.shares_memory(first, second)
    assert env.observation_space.contains(first) and env.observation_space.contains(second)


def test_invalid_actions_never_crash_and_are_counted():
    env = genv.KoreaEnv(reward_mode="final")
    env.reset(seed=5)
    rewards = []
    for action in ([99, -4, 7, 1000, -1, 50], [5, 4, 6, 6, 5, 4], [1, 2], np.full(6, 2**40), [np.nan] * 6):
        _, reward, terminated, _, info = env.step(action)
        assert info["refused"] >= 0 and not terminated
        rewards.append(reward)
    assert rewards == [0.0] * 5  # final mode: nothing until the last quarter
    # the maximal bundle overspends Korea's budget: the seam refuses some of it, deterministically
    env.reset(seed=5)
    counts = [env.step(np.asarray(genv.ACTION_NVEC) - 1)[4]["refused"] for _ in range(3)]
    env.reset(seed=5)
    assert counts == [env.step(np.asarray(genv.ACTION_NVEC) - 1)[4]["refused"] for _ in range(3)]
    assert sum(counts) > 0


def test_the_env_plays_at_a_difficulty_and_refuses_an_unknown_one():
    hard = genv.KoreaEnv(difficulty="hard")
    normal = genv.KoreaEnv()
    for env in (hard, normal):
        env.reset(seed=5)
    assert hard.world.difficulty == Difficulty("hard", ("KOR",)), "saves of the episode record it"
    assert hard.world.countries["KOR"].budget_per_quarter == pytest.approx(
        0.7 * normal.world.countries["KOR"].budget_per_quarter)
    assert hard.world.countries["USA"].budget_per_quarter == pytest.approx(
        1.3 * normal.world.countries["USA"].budget_per_quarter)
    with pytest.raises(ValueError, match="nightmare"):
        genv.KoreaEnv(difficulty="nightmare")


def test_the_seat_logs_its_actions_like_a_player():
    env = genv.KoreaEnv()
    env.reset(seed=2)
    env.step([3, 3, 3, 3, 3, 3])
    logged = [e for e in env.world.governance.log if e["country"] == "KOR" and e["source"] == "controller"]
    assert {e["action"]["kind"] for e in logged} == set(genv.LEVERS)


def test_train_saves_a_policy_that_plays_as_a_strategy(tmp_path: Path, capsys, monkeypatch):
    from game.cli import main

    out = tmp_path / "policy.json"
    assert main(["train", "--episodes", "1", "--iterations", "2", "--samples", "4", "--eval-seeds", "2",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert re.search(r"policy beats random by [+-]\d+\.\d\d points and laissez_faire by", text)
    assert json.loads(out.read_text())["nvec"] == genv.ACTION_NVEC.tolist()
    # the strategy plays exactly what the env played with the same policy
    policy = genv.LinearPolicy.load(out)
    monkeypatch.setenv(genv.POLICY_ENV_VAR, str(out))
    assert genv.final_score(genv.PolicyController(), 77) == pytest.approx(genv.episode_score(policy, 77))
    from game.tournament import strategies

    made = strategies.factory("game.env:PolicyController", "KOR")()
    assert made.path == str(out)


def _docs_snippet() -> str:
    text = (Path(__file__).parents[1] / "docs" / "training.md").read_text()
    assert f"MultiDiscrete({genv.ACTION_NVEC.tolist()})" in text and f"({genv.OBS_SIZE},)" in text
    code = next(block for block in re.findall(r"```python\n(.*?)```", text, re.S) if "stable_baselines3" in block)
    assert "total_timesteps=20_000" in code
    return code.replace("total_timesteps=20_000", "total_timesteps=200")


def test_docs_snippet_compiles_and_matches_the_spaces():
    compile(_docs_snippet(), "docs/training.md", "exec")
    text = (Path(__file__).parents[1] / "docs" / "training.md").read_text()
    masked = next(block for block in re.findall(r"```python\n(.*?)```", text, re.S) if "MaskablePPO" in block)
    compile(masked, "docs/training.md", "exec")
    assert "action_masks" in text


def test_sb3_snippet_in_docs_runs_when_installed(tmp_path: Path, monkeypatch):
    pytest.importorskip("stable_baselines3")
    monkeypatch.chdir(tmp_path)  # the snippet saves ppo_korea.zip
    exec(compile(_docs_snippet(), "docs/training.md", "exec"), {})


def test_an_episode_saves_and_replays(tmp_path: Path):
    from game.saves import verify

    env = genv.KoreaEnv()
    env.reset(seed=4)
    space = env.action_space
    space.seed(1)
    for _ in range(6):
        env.step(space.sample())
    path = env.save(tmp_path / "episode.json")
    assert verify(path) == (6, None)


def test_resets_do_not_pile_up_worlds_in_mesa():
    import mesa

    env = genv.KoreaEnv()
    env.reset(seed=0)
    before = len(getattr(mesa.Agent, "_ids", {}))
    for seed in range(1, 6):
        env.reset(seed=seed)
        env.step(env.action_space.sample())
    assert len(getattr(mesa.Agent, "_ids", {})) == before
    env.close()


def test_a_small_cem_run_beats_random_and_laissez_faire_on_held_out_seeds(tmp_path: Path):
    policy, _ = genv.train_cem(iterations=4, samples=8, episodes=1, seed=0)
    policy.save(tmp_path / "p.json")
    means = genv.evaluate(tmp_path / "p.json", range(genv.HELD_OUT_BASE, genv.HELD_OUT_BASE + 6))
    assert means["policy"] > means["random"] + 5 and means["policy"] > means["laissez_faire"] + 10


def test_action_masks_allow_only_choices_the_seam_accepts_and_a_states_own_levers():
    """Issue 14 item 5: MaskablePPO reads action_masks(); a choice it allows is one the seam
    takes (one lever at a time), and a lever the state does not have is masked out."""
    from game.env import ACTION_NVEC, LEVERS, CountriesParallelEnv, KoreaEnv

    bounds = np.cumsum(ACTION_NVEC)[:-1]
    env = KoreaEnv()
    env.reset(seed=2)
    rng = np.random.default_rng(0)
    for _ in range(6):
        mask = env.action_masks()
        assert mask.shape == (int(ACTION_NVEC.sum()),) and mask.dtype == bool
        parts = np.split(mask, bounds)
        assert all(part[0] for part in parts), "keeping a lever is always allowed"
        choice = np.zeros(len(ACTION_NVEC), np.int64)
        k = int(rng.integers(len(parts)))
        choice[k] = int(rng.choice(np.flatnonzero(parts[k])))
        *_, info = env.step(choice)
        assert info["refused"] == 0
    env.close()
    countries = CountriesParallelEnv()
    _, infos = countries.reset(seed=1)
    usa = dict(zip(LEVERS, infos["USA"]["action_mask"], strict=True))
    gulf = dict(zip(LEVERS, infos["GCC"]["action_mask"], strict=True))
    assert not usa["foundry_subsidy"][1:].any() and not usa["procurement"][1:].any()
    assert gulf["procurement"][1:].all() and not gulf["chip_incentive"][1:].any()
    countries.close()
