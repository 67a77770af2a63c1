"""Parameters for built-in strategies on the command line (issue 14, item 3): `name(key=value, ...)`
in `sim --control`, `tournament --strategies` and `--seat`, checked before anything is played,
recorded by saves so a resumed game plays the same strategy."""

from __future__ import annotations

import csv

import pytest
from clitools import run_cli as cli
from hypothesis import given
from hypothesis import strategies as st

from agents.controllers import PARAMETERS, make_controller, parse_spec, split_specs
from game.model import World
from game.scenario import load_scenario


def test_parameters_are_typed_and_a_parameterised_strategy_is_named_in_one_spelling():
    assert parse_spec("team_korea") == ("team_korea", {})
    assert parse_spec(" team_korea( domestic = 0.6 ,scale=0.5 ) ") == ("team_korea", {"domestic": 0.6, "scale": 0.5})
    assert parse_spec("greedy(horizon=2)") == ("greedy", {"horizon": 2})
    made = make_controller("KOR", "team_korea(domestic=0.6, scale=0.5)")
    assert made.name == "team_korea(scale=0.5, domestic=0.6)" and made.scale == 0.5 and made.domestic == 0.6
    assert made.mix() == {"leader": 0.3, "domestic": 0.6, "other": 0.1}
    assert make_controller("KOR", "adaptive(step=0.2, start=0.7)").start == 0.7
    assert make_controller("KOR", "greedy(horizon=5)").horizon == 5


@pytest.mark.parametrize("spec, words", [
    ("team_korea(size=1)", "not one of its parameters (scale:"),
    ("team_korea(scale=4)", "scale must be from 0 to 3, not 4"),
    ("team_korea(scale=nan)", "scale must be from 0 to 3"),
    ("team_korea(scale=big)", "scale must be a number, not 'big'"),
    ("greedy(horizon=2.5)", "horizon must be a whole number"),
    ("team_korea(scale=1, scale=2)", "scale is given twice"),
    ("team_korea(scale=1", "write name(key=value, ...)"),
    ("random(rate=1)", "'random' takes no parameters (those that do: adaptive, greedy, team_korea)"),
])
def test_a_bad_parameter_says_what_the_strategy_takes(spec, words):
    with pytest.raises(ValueError) as info:
        make_controller("KOR", spec)
    assert words in str(info.value)


@given(st.lists(st.sampled_from(["team_korea(scale=0.5, domestic=0.6)", "adaptive", "greedy(horizon=2)",
                                 "path/to/f.py:Class", "random"]), min_size=1, max_size=5))
def test_a_list_of_strategies_splits_only_between_strategies(specs):
    assert split_specs(",".join(specs)) == specs
    assert split_specs(" , ".join(specs) + ",") == specs


def _final(controller: str, seed: int = 3) -> dict:
    world = World(load_scenario("baseline"), seed=seed, controllers={"KOR": make_controller("KOR", controller)},
                  tables=False)
    while not world.finished:
        world.step()
    world.close()
    return dict(world.scores)


def test_the_defaults_written_out_play_the_same_game_and_other_values_another():
    assert _final("team_korea(scale=1, domestic=0.4)") == _final("team_korea")
    assert _final("team_korea(scale=0.5)")["KOR"] != _final("team_korea")["KOR"]


def test_a_head_to_head_tournament_plays_parameterised_strategies(tmp_path):
    code, _, err = cli("tournament", "--seat", "KOR=team_korea(scale=0.5, domestic=0.6),team_korea",
                         "--seat", "USA=default,greedy(horizon=1)", "--seeds", "1", "--out", str(tmp_path),
                         "--workers", "0", "--quiet", "--no-plots")
    assert code == 0, err
    with (tmp_path / "payoffs.csv").open() as f:
        lines = list(csv.DictReader(f))
    assert {(line["KOR"], line["USA"]) for line in lines} == {
        (k, u) for k in ("team_korea(scale=0.5, domestic=0.6)", "team_korea") for u in ("default", "greedy(horizon=1)")}


@pytest.mark.parametrize("argv", [
    ["--strategies", "team_korea(scale=9),laissez_faire"],
    ["--seat", "KOR=team_korea", "--seat", "USA=adaptive(speed=1)"],
])
def test_a_bad_parameter_in_a_tournament_is_a_usage_error_before_anything_is_written(tmp_path, argv):
    out = tmp_path / "out"
    code, _, err = cli("tournament", *argv, "--seeds", "1", "--out", str(out), "--workers", "0", "--quiet")
    assert code == 2 and ("must be from" in err or "not one of its parameters" in err)
    assert not out.exists()


def test_a_save_records_the_parameters_and_resumes_with_them(tmp_path):
    import json

    path = tmp_path / "p.json"
    code, _, err = cli("sim", "--control", "KOR=team_korea(domestic=0.6),USA=default", "--turns", "2",
                       "--save", str(path))
    assert code == 0, err
    assert json.loads(path.read_text())["controllers"]["KOR"] == "team_korea(domestic=0.6)"
    code, out, err = cli("replay", str(path))
    assert code == 0 and "every turn matches" in out


def test_every_parameter_is_documented_with_a_range_that_includes_its_default():
    import inspect

    from agents.controllers import KOREAN_STRATEGIES

    for name, params in PARAMETERS.items():
        signature = inspect.signature(type(KOREAN_STRATEGIES[name]()).__init__)
        for key, (kind, low, high, text) in params.items():
            default = signature.parameters[key].default
            assert isinstance(default, kind) and low <= default <= high and text


@pytest.mark.parametrize("spec", [f"{name}({key}={value!r})" for name, params in PARAMETERS.items()
                                  for key, (kind, low, high, _) in params.items() for value in (kind(low), kind(high))])
def test_every_parameter_plays_at_both_ends_of_its_range(spec):
    world = World(load_scenario("baseline"), seed=1, controllers={"KOR": make_controller("KOR", spec)}, tables=False)
    for _ in range(3):
        world.step()
    world.close()

