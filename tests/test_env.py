"""Learning agents (game/env.py): Gymnasium's and PettingZoo's own checkers, seeding,
invalid actions, the trainer and the saved-policy strategy."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from types import SimpleNamespace

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
    for action in ([99, -4, 7, 1000, -1, 50], [5, 4, 6, 6, 5, 4], [1, 2], np.full(12, 2**40), [np.nan] * 10):
        _, reward, terminated, _, info = env.step(action)
        assert info["refused"] >= 0 and not terminated
        rewards.append(reward)
    assert rewards == [0.0] * 5  # final mode: nothing until the last quarter
    # the maximal bundle overspends Korea's budget: the seam refuses some of it, deterministically
    env.reset(seed=5)
    most = env.action_space.nvec - 1
    counts = [env.step(most)[4]["refused"] for _ in range(3)]
    env.reset(seed=5)
    assert counts == [env.step(most)[4]["refused"] for _ in range(3)]
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
    env.step([3, 3, 3, 3, 3, 1, 3, 1, 1, 1])
    logged = [e for e in env.world.governance.log if e["country"] == "KOR" and e["source"] == "controller"]
    assert {e["action"]["kind"] for e in logged} == set(env.levers)
    assert "export_control" not in env.levers, "Korea's state is not offered export controls"


def test_train_saves_a_policy_that_plays_as_a_strategy(tmp_path: Path, capsys, monkeypatch):
    from game.cli import main

    out = tmp_path / "policy.json"
    assert main(["train", "--episodes", "1", "--iterations", "2", "--samples", "4", "--eval-seeds", "2",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert re.search(r"policy beats random by [+-]\d+\.\d\d points and laissez_faire by", text)
    assert json.loads(out.read_text())["nvec"] == genv.KoreaEnv().action_space.nvec.tolist()
    # the strategy plays exactly what the env played with the same policy, where no event asks Korea a
    # question before it decides (in a game the controller decides after the quarter's events; the env's
    # agent chose its action from the observation between quarters, before them: docs/training.md)
    policy = genv.LinearPolicy.load(out)
    monkeypatch.setenv(genv.POLICY_ENV_VAR, str(out))
    from game.scenario import load_scenario

    base = load_scenario("baseline")
    quiet = base.model_copy(update={"events": [e for e in base.events if e.chooser != "KOR"]})
    assert genv.final_score(genv.PolicyController(), 77, quiet) == pytest.approx(genv.episode_score(policy, 77, quiet))
    from game.tournament import strategies

    made = strategies.factory("game.env:PolicyController", "KOR")()
    assert made.path == str(out)


def _docs_snippet() -> str:
    text = (Path(__file__).parents[1] / "docs" / "training.md").read_text()
    env = genv.KoreaEnv()
    assert f"MultiDiscrete({env.action_space.nvec.tolist()})" in text and f"({env.observation_space.shape[0]},)" in text
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
    takes (one lever at a time); each country's space holds only the levers its state has."""
    from game.env import CountriesParallelEnv, KoreaEnv

    env = KoreaEnv()
    env.reset(seed=2)
    nvec = env.action_space.nvec
    bounds = np.cumsum(nvec)[:-1]
    rng = np.random.default_rng(0)
    for _ in range(6):
        mask = env.action_masks()
        assert mask.shape == (int(nvec.sum()),) and mask.dtype == bool
        parts = np.split(mask, bounds)
        assert all(part[0] for part in parts), "keeping a lever is always allowed"
        choice = np.zeros(len(nvec), np.int64)
        k = int(rng.integers(len(parts)))
        choice[k] = int(rng.choice(np.flatnonzero(parts[k])))
        *_, info = env.step(choice)
        assert info["refused"] == 0
    env.close()
    countries = CountriesParallelEnv()
    _, infos = countries.reset(seed=1)
    offered = countries.scenario.levers.offered
    for agent in countries.agents:
        levers = genv.levers_of(offered[agent])
        assert countries.action_space(agent).nvec.tolist() == [1 + len(genv.CHOICES[k]) for k in levers]
        assert len(infos[agent]["action_mask"]) == len(levers)
    usa = dict(zip(genv.levers_of(offered["USA"]), infos["USA"]["action_mask"], strict=True))
    gulf = dict(zip(genv.levers_of(offered["GCC"]), infos["GCC"]["action_mask"], strict=True))
    assert usa["export_control"][1:].all() and "foundry_subsidy" not in usa
    assert gulf["procurement"][1:].all() and set(gulf) == {"procurement", "equity"}
    countries.close()


def test_the_usa_agent_plays_its_own_lever_export_controls_on_china():
    countries = genv.CountriesParallelEnv(agents=["USA"])
    countries.reset(seed=3)
    levers = genv.levers_of(countries.scenario.levers.offered["USA"])
    choice = np.zeros(len(levers), np.int64)
    choice[levers.index("export_control")] = 2  # every accelerator
    countries.step({"USA": choice})
    logged = [e["action"] for e in countries.game.world.governance.log
              if e["country"] == "USA" and e["source"] == "controller"]
    assert {"kind": "export_control", "good": "accelerator", "to_countries": ["CHN"], "perf_above": 0.0}.items() \
        <= logged[0].items()
    countries.close()


def test_countries_left_out_of_the_agents_play_their_real_programme_or_the_named_opponent():
    countries = genv.CountriesParallelEnv(agents=["KOR", "USA"], opponents={"JPN": "laissez_faire"})
    observations, _ = countries.reset(seed=4)
    assert countries.agents == ["KOR", "USA"] and set(observations) == {"KOR", "USA"}
    while countries.agents:
        countries.step({})
    log = countries.game.world.governance.log
    acted = {e["country"] for e in log if e["source"] == "controller" and not e.get("refused")}
    assert "CHN" in acted, "China's real programme (Big Fund equity, capacity support) plays on"
    assert "JPN" not in acted, "Japan plays the named opponent, laissez_faire"
    countries.close()
    with pytest.raises(ValueError, match="played by the learner"):
        genv.CountriesParallelEnv(agents=["KOR"], opponents={"KOR": "random"})
    with pytest.raises(ValueError, match="XYZ"):
        genv.CountriesParallelEnv(agents=["KOR", "XYZ"])


def test_state_is_every_countrys_observation_and_each_carries_its_agent_id():
    countries = genv.CountriesParallelEnv()
    observations, _ = countries.reset(seed=5)
    order = countries.possible_agents
    state = countries.state()
    assert countries.state_space.contains(state)
    size = countries.observation_space("KOR").shape[0]
    for i, agent in enumerate(order):
        assert np.array_equal(state[i * size:(i + 1) * size], observations[agent])
        assert observations[agent][-len(order):].tolist() == [1.0 if j == i else 0.0 for j in range(len(order))]
    countries.close()


def test_the_observation_holds_the_settings_in_force_what_waits_and_the_money_left():
    from game.scenario import load_scenario

    scenario = load_scenario("baseline")
    scenario.levers.lags["convergence"] = 3  # a lever with a longer lag, so that something waits
    env = genv.KoreaEnv(scenario)
    first, _ = env.reset(seed=6)
    kinds = list(genv.LEVER_KINDS)
    settings = slice(len(genv.OBS_KEYS) + 2, len(genv.OBS_KEYS) + 2 + len(kinds))
    waiting = slice(settings.stop, settings.stop + len(kinds))
    free = waiting.stop
    assert first[settings][kinds.index("chip_incentive")] == 0.0 and first[free] > 0.9
    choice = np.zeros(len(env.levers), np.int64)
    choice[env.levers.index("chip_incentive")] = len(genv.INCENTIVES)  # the largest: reads 1
    choice[env.levers.index("convergence")] = len(genv.RATES)
    after, *_ = env.step(choice)
    # lag 1: in force when the next quarter is decided, so a setting and nothing waiting
    assert after[settings][kinds.index("chip_incentive")] == pytest.approx(1.0)
    assert after[waiting][kinds.index("chip_incentive")] == 0.0
    # lag 3: two more quarters to wait after the next decision opens, and its setting read ahead
    assert after[waiting][kinds.index("convergence")] == pytest.approx(2 / genv.WAITING_SCALE)
    assert after[settings][kinds.index("convergence")] == pytest.approx(1.0)
    assert after[free] < first[free], "programmes in force leave less of the budget free"
    later, *_ = env.step(np.zeros(len(env.levers), np.int64))
    assert later[waiting][kinds.index("convergence")] == pytest.approx(1 / genv.WAITING_SCALE)
    env.close()


def test_the_env_plays_against_named_opponents_and_refuses_a_bad_one(tmp_path: Path):
    env = genv.KoreaEnv(opponents={"CHN": "laissez_faire"})
    env.reset(seed=7)
    while not env.world.finished:
        env.step(np.zeros(len(env.levers), np.int64))
    acted = {e["country"] for e in env.world.governance.log if e["source"] == "controller"}
    assert "CHN" not in acted and "USA" in acted
    env.close()
    with pytest.raises(ValueError, match="no-such-strategy"):
        genv.KoreaEnv(opponents={"USA": "no-such-strategy"})
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"format": "team-korea-linear-policy/1", "nvec": [6, 5, 6, 6, 6, 5], "theta": []}))
    with pytest.raises(ValueError, match="train it again"):
        genv.KoreaEnv(opponents={"USA": f"policy:{old}"})


def _block(marker: str) -> str:
    text = (Path(__file__).parents[1] / "docs" / "training.md").read_text()
    return next(block for block in re.findall(r"```python\n(.*?)```", text, re.S) if marker in block)


def test_the_docs_self_play_league_runs_and_its_policies_meet_in_a_tournament(tmp_path: Path, monkeypatch):
    from game.cli import main

    monkeypatch.chdir(tmp_path)
    code = _block("league = ").replace("iterations=3, samples=8, episodes=2", "iterations=1, samples=2, episodes=1")
    exec(compile(code, "docs/training.md", "exec"), {})
    for name in ("kor_0", "kor_1", "usa_0", "usa_1"):
        policy = genv.LinearPolicy.load(tmp_path / f"{name}.json")
        assert policy.levers == genv.levers_of(genv.KoreaEnv(country=name[:3].upper()).scenario.levers.offered[
            name[:3].upper()])
    assert json.loads((tmp_path / "usa_1.json").read_text())["opponents"] == {"KOR": "policy:kor_1.json"}
    assert main(["tournament", "--seat", "KOR=policy:kor_0.json,policy:kor_1.json", "--seat",
                 "USA=policy:usa_0.json,policy:usa_1.json", "--seeds", "1", "--out", "league", "--workers", "0",
                 "--quiet", "--no-plots"]) == 0


def test_the_docs_sb3_strategy_class_builds_the_envs_observation():
    compile(_block("class PPOKorea"), "docs/training.md", "exec")
    env = genv.KoreaEnv()
    first, _ = env.reset(seed=8)
    observation = env.world.governance.observe("KOR")
    assert list(observation.indicators) == [c.id for c in env.scenario.countries]
    assert np.array_equal(genv.Featurizer(list(observation.indicators))(observation), first)
    env.close()



def test_a_directed_equity_choice_funds_a_project_at_the_supplier_that_binds():
    """China's seat: once Chinese designers are held back by an input China makes, the directed
    equity choice (as its real programme answers shortages) becomes a state-funded project at that
    input's home producer: logged as `Equity(build=True)`, its capacity in the producer's pipeline."""
    countries = genv.CountriesParallelEnv(agents=["CHN"])
    _, infos = countries.reset(seed=2)
    levers = genv.levers_of(countries.scenario.levers.offered["CHN"])
    world = countries.game.world
    build = [i + 1 for i, (how, _) in enumerate(genv.CHOICES["equity"]) if how == "build"]
    while not world.finished:
        obs = world.governance.observe("CHN")
        firm = genv.short_supplier(obs)
        mask = dict(zip(levers, infos["CHN"]["action_mask"], strict=True))["equity"]
        if firm is None:
            assert not any(mask[i] for i in build), "nothing binds: a directed project has no target"
            _, _, _, _, infos = countries.step({})
            continue
        assert all(mask[i] for i in build)
        held = {obs.bottlenecks[n] for n, f in obs.home_firms.items() if f["kind"] == "designer" and f["alive"]}
        assert obs.home_firms[firm]["kind"] in {genv.SUPPLIER_OF[i] for i in held if i in genv.SUPPLIER_OF}
        supplier = world.by_name[firm]
        projects = len(supplier.pipeline)
        choice = np.zeros(len(levers), np.int64)
        choice[levers.index("equity")] = build[0]  # US$ 0.5 B
        countries.step({"CHN": choice})
        entry = [e for e in world.governance.log if e["country"] == "CHN" and e["source"] == "controller"][-1]
        assert entry["action"]["kind"] == "equity" and entry["action"]["build"] and entry["action"]["firm"] == firm
        size = 0.5 / supplier.capex_per_unit  # US$ 0.5 B at its capex per unit
        assert not entry.get("refused")
        assert any(abs(amount - size) < 1e-9 for _, amount in supplier.pipeline[projects:]), supplier.pipeline
        break
    else:
        pytest.fail("no Chinese designer was ever held back by an input China makes (seed 2)")
    countries.close()


def test_the_directed_target_is_the_input_holding_most_designers_back_and_its_largest_maker():
    firms = {"D1": {"kind": "designer", "alive": True}, "D2": {"kind": "designer", "alive": True},
             "D3": {"kind": "designer", "alive": False},
             "Fab": {"kind": "foundry", "alive": True, "capacity": 50.0},
             "Mem A": {"kind": "hbm_maker", "alive": True, "capacity": 10.0},
             "Mem B": {"kind": "hbm_maker", "alive": True, "capacity": 30.0},
             "Mem C": {"kind": "hbm_maker", "alive": False, "capacity": 90.0}}

    def obs(**held):
        return SimpleNamespace(home_firms=firms, bottlenecks=held)

    assert genv.short_supplier(obs(D1="hbm", D2="hbm", D3="wafer")) == "Mem B"  # an exited designer does not count
    assert genv.short_supplier(obs(D1="wafer", D2="hbm")) == "Fab"  # a tie: wafers first
    assert genv.short_supplier(obs(D1="packaging", D2="demand")) is None  # no home packager
    assert genv.short_supplier(obs(D1="demand", D2="components")) is None


def test_a_policy_saved_for_the_first_equity_choices_is_refused_with_a_clear_error(tmp_path: Path):
    policy = genv.LinearPolicy(np.zeros(genv.LinearPolicy.size(["equity"], ["KOR"])), ["equity"], ["KOR"])
    path = tmp_path / "old.json"
    policy.save(path)
    doc = json.loads(path.read_text())
    doc["format"] = "team-korea-linear-policy/2"
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="train it again"):
        genv.LinearPolicy.load(path)
