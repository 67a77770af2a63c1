"""Difficulty scales state money: the players' by one factor, every rival's by another.

What players rely on: "normal" is the scenario as written (the same game, byte for byte), the
other levels change exactly the budgets they promise and nothing else, a saved game keeps its
difficulty, and a wrong level is a clear error that changes nothing.
"""

from __future__ import annotations

import json

import pytest
from clitools import run_cli
from hypothesis import given
from hypothesis import strategies as st

from agents.controllers import make_controller
from game import difficulty
from game.difficulty import Difficulty, apply, levels
from game.model import World
from game.saves import SaveError, document, load_game, read_save, write_save
from game.scenario import ScenarioError, load_scenario

BASELINE = load_scenario("baseline")
COUNTRIES = [c.id for c in BASELINE.countries]
MONEY = ("budget_per_quarter", "policy_loans_per_quarter", "capex_support_cap")


def played(level: str, strategy: str = "team_korea", seed: int = 3, turns: int = 8) -> World:
    world = World(BASELINE, seed=seed, controllers={"KOR": make_controller("KOR", strategy)}, tables=False,
                  difficulty=Difficulty(level))
    for _ in range(turns):
        world.step()
    return world


def test_the_offered_levels_are_easy_normal_hard_with_labels_in_both_languages():
    offered = levels()
    assert list(offered) == ["easy", "normal", "hard"]
    assert (offered["normal"].player_budget, offered["normal"].rival_budget) == (1.0, 1.0)
    assert offered["easy"].player_budget > 1.0 and offered["hard"].player_budget < 1.0
    assert offered["hard"].rival_budget > 1.0
    for level in offered.values():
        for korean, english in ((level.name_ko, level.name_en), (level.label_ko, level.label_en)):
            assert any("\uac00" <= ch <= "\ud7a3" for ch in korean)
            assert not any("\uac00" <= ch <= "\ud7a3" for ch in english)


def test_normal_is_the_scenario_as_written_and_the_same_game():
    assert apply(BASELINE, Difficulty("normal")) is BASELINE
    default = World(BASELINE, seed=3, controllers={"KOR": make_controller("KOR", "team_korea")}, tables=False)
    for _ in range(8):
        default.step()
    assert played("normal").history == default.history


@given(level=st.sampled_from(["easy", "normal", "hard"]),
       players=st.sets(st.sampled_from(COUNTRIES), min_size=1, max_size=len(COUNTRIES)))
def test_every_country_gets_exactly_its_groups_factor(level, players):
    spec = levels()[level]
    scaled = apply(BASELINE, Difficulty(level, tuple(sorted(players))))
    for before, after in zip(BASELINE.countries, scaled.countries, strict=True):
        factor = spec.player_budget if before.id in players else spec.rival_budget
        for field in MONEY:
            assert getattr(after, field) == pytest.approx(getattr(before, field) * factor)
            assert getattr(after, field) >= 0
        assert after.capex_support == before.capex_support  # rates are not money: unchanged
    assert scaled.foundries == BASELINE.foundries and scaled.events == BASELINE.events


def test_hard_gives_korea_less_to_spend_and_its_rivals_more():
    normal, hard = played("normal"), played("hard")
    assert hard.countries["KOR"].budget_per_quarter == pytest.approx(0.7 * normal.countries["KOR"].budget_per_quarter)
    assert hard.countries["CHN"].budget_per_quarter == pytest.approx(1.3 * normal.countries["CHN"].budget_per_quarter)
    assert hard.countries["KOR"].spent_total < normal.countries["KOR"].spent_total
    assert hard.scores["KOR"] < normal.scores["KOR"]


def test_easy_lets_the_player_spend_more_than_normal_allows():
    easy, normal = played("easy", "random"), played("normal", "random")
    assert easy.countries["KOR"].available_total == pytest.approx(1.5 * normal.countries["KOR"].available_total)


def test_unknown_levels_and_countries_are_refused_by_name():
    with pytest.raises(ScenarioError, match=r"nightmare.*easy, normal, hard"):
        World(BASELINE, seed=1, difficulty=Difficulty("nightmare"))
    with pytest.raises(ScenarioError, match="unknown country XYZ"):
        apply(BASELINE, Difficulty("hard", ("XYZ",)))


def test_a_broken_levels_file_is_a_clear_error(tmp_path, monkeypatch):
    bad = tmp_path / "difficulty.toml"
    bad.write_text("[normal]\nname_en = 'N'\nname_ko = 'N'\nlabel_en = 'x'\nlabel_ko = 'x'\n"
                   "player_budget = 2.0\nrival_budget = 1.0\n")
    monkeypatch.setattr(difficulty, "LEVELS_FILE", bad)
    levels.cache_clear()
    try:
        with pytest.raises(ScenarioError, match=r"\[normal\] must exist"):
            levels()
        bad.write_text("[easy]\nplayer_budget = -1\n")
        with pytest.raises(ScenarioError, match="invalid difficulty levels"):
            levels()
    finally:
        levels.cache_clear()


def test_a_saved_game_keeps_its_difficulty_and_continues_identically(tmp_path):
    world = played("hard", turns=4)
    path = write_save(tmp_path / "hard.json", document(world, "baseline"))
    assert json.loads(path.read_text())["difficulty"] == {"level": "hard", "players": ["KOR"]}
    loaded, _ = load_game(path)
    assert loaded.difficulty == Difficulty("hard")
    assert loaded.countries["KOR"].budget_per_quarter == world.countries["KOR"].budget_per_quarter
    for game in (world, loaded):
        for _ in range(4):
            game.step()
    assert loaded.history == world.history


def test_a_save_with_an_unknown_difficulty_is_refused(tmp_path):
    doc = json.loads(write_save(tmp_path / "a.json", document(played("hard", turns=1), "baseline")).read_text())
    doc["difficulty"]["level"] = "nightmare"
    (tmp_path / "b.json").write_text(json.dumps(doc))
    with pytest.raises(SaveError, match=r"b\.json: difficulty: .*nightmare"):
        load_game(tmp_path / "b.json")
    doc["difficulty"] = {"level": "hard", "players": ["KOR"], "extra": 1}
    (tmp_path / "c.json").write_text(json.dumps(doc))
    with pytest.raises(SaveError):
        read_save(tmp_path / "c.json")


def test_the_command_line_plays_a_difficulty_and_refuses_a_wrong_one(tmp_path):
    game = ("sim", "--control", "KOR=team_korea", "--turns", "3", "--json")
    code, out, _ = run_cli(*game, "--difficulty", "hard")
    assert code == 0
    hard = json.loads(out)["final"]["korea_index"]["budget_used"]
    code, out, _ = run_cli(*game)
    # the same plan uses more of less: under hard less of the budget is left unspent (fewer points)
    assert json.loads(out)["final"]["korea_index"]["budget_used"] > hard
    for command in ("sim", "play"):
        code, _, err = run_cli(command, "--difficulty", "nightmare")
        assert code == 2 and "not a difficulty (choose from easy, normal, hard)" in err
    save = tmp_path / "g.json"
    assert run_cli("sim", "--turns", "2", "--save", str(save))[0] == 0
    code, _, err = run_cli("sim", "--load", str(save), "--difficulty", "easy")
    assert code == 2 and "drop --scenario, --seed and --difficulty" in err
