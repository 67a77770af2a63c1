"""Evaluation beyond the round robin (issue 14, item 4): α-Rank against DeepMind's open_spiel,
regret and pure equilibria, focal scores with bootstrap intervals, welfare, Melting Pot's sampled
backgrounds, and the command's evaluation section, evaluation.csv and welfare.csv."""

from __future__ import annotations

import csv
import itertools
import math

import numpy as np
import pytest
from clitools import run_cli as cli
from hypothesis import given, settings
from hypothesis import strategies as st
from tournament_tools import db_rows

from game.tournament import empirical, evaluation
from game.tournament.crossplay import DesignError, make_design, sample_backgrounds
from game.tournament.run import Options, run_tournament

COUNTRIES = ["KOR", "USA", "CHN", "TWN", "JPN", "EU", "GCC", "ROW"]  # the baseline's order

# open_spiel 2.0.2, `open_spiel.python.egt.alpharank.compute(tables, m=50, alpha=a,
# use_local_selection_model=True)[2]`, on these payoffs (numpy's default_rng(5), rounded to 0.01):
# the reference the implementation is checked against (open_spiel itself is not needed to run).
REFERENCE = {
    "three seats": (
        [[[[0.81, 0.81], [0.52, 0.29], [0.05, 0.38]], [[0.41, 0.05], [0.05, 1.0], [0.65, 0.23]]],
         [[[0.43, 0.97], [0.9, 0.84], [0.39, 0.49]], [[0.68, 0.06], [0.56, 0.27], [0.88, 0.06]]],
         [[[0.68, 0.87], [0.23, 0.9], [0.87, 0.02]], [[0.71, 0.0], [0.5, 0.44], [0.2, 0.32]]]],
        {0.1: [0.0535817, 0.20219308, 0.08459048, 0.09127556, 0.02390812, 0.01898117, 0.05015814,
               0.02142079, 0.05271646, 0.21144341, 0.12281944, 0.06691164],
         0.5: [0.00474251, 0.65225929, 0.01789632, 0.01966832, 0.00138079, 0.00189512, 0.00481027,
               0.00066358, 0.01809891, 0.20282252, 0.0572929, 0.01846947],
         2.0: [2.5e-07, 0.99996978, 1.61e-06, 1.99e-06, 1.2e-07, 2.1e-07, 4e-07, 2e-08, 1.58e-06,
               1.802e-05, 4.5e-06, 1.54e-06]}),
    "two seats": (
        [[[0.81, 0.32, 0.15], [0.7, 0.45, 0.8], [0.24, 0.32, 0.8]],
         [[0.51, 0.51, 0.24], [0.01, 0.93, 0.09], [0.84, 0.37, 0.95]]],
        {0.1: [0.13545465, 0.12933332, 0.01515465, 0.03645916, 0.38673706, 0.04518108, 0.04188331,
               0.05628795, 0.15350882],
         0.5: [0.05980894, 0.03356394, 1.959e-05, 0.00171197, 0.82704199, 0.00380109, 0.00268419,
               0.00532677, 0.06604151],
         2.0: [1.103e-05, 3.35e-06, 0.0, 1e-07, 0.99996556, 4.7e-07, 2e-07, 4.8e-07, 1.881e-05]}),
}


@pytest.mark.parametrize("game", sorted(REFERENCE))
def test_alpharank_gives_open_spiels_stationary_distribution(game):
    tables, expected = REFERENCE[game]
    for alpha, pi in expected.items():
        mine = evaluation.alpharank([np.array(t) for t in tables], alpha=alpha, m=50, scale=False)
        np.testing.assert_allclose(mine.profiles.ravel(), pi, atol=2e-8, err_msg=f"alpha {alpha}")


def test_alpharank_of_matching_pennies_is_uniform_and_of_a_dominant_profile_is_that_profile():
    pennies = [np.array([[1.0, -1.0], [-1.0, 1.0]]), np.array([[-1.0, 1.0], [1.0, -1.0]])]
    np.testing.assert_allclose(evaluation.alpharank(pennies, alpha=10).profiles, 0.25)
    dilemma = [np.array([[3.0, 0.0], [5.0, 1.0]]), np.array([[3.0, 5.0], [0.0, 1.0]])]  # defect dominates
    rank = evaluation.alpharank(dilemma, alpha=50)
    assert rank.profiles[1, 1] > 0.999
    assert rank.strategies[0][1] > 0.999 and rank.strategies[1][1] > 0.999


payoff_tensors = st.tuples(st.integers(1, 3), st.integers(2, 3), st.integers(1, 2)).flatmap(
    lambda shape: st.lists(st.lists(st.floats(0, 100, allow_nan=False), min_size=math.prod(shape),
                                    max_size=math.prod(shape)), min_size=3, max_size=3)
    .map(lambda flat: [np.array(f).reshape(shape) for f in flat]))


@settings(max_examples=40, deadline=None)
@given(payoff_tensors, st.floats(0.01, 1e4))
def test_alpharank_is_a_distribution_whatever_the_payoffs_and_alpha(tables, alpha):
    rank = evaluation.alpharank(tables, alpha=alpha)
    assert np.all(rank.profiles >= 0) and math.isclose(rank.profiles.sum(), 1.0, rel_tol=1e-9)
    for k, marginal in enumerate(rank.strategies):
        assert marginal.shape == (tables[0].shape[k],)
        assert math.isclose(marginal.sum(), 1.0, rel_tol=1e-9)


@settings(max_examples=25, deadline=None)
@given(payoff_tensors, st.randoms(use_true_random=False))
def test_alpharank_does_not_depend_on_the_order_strategies_are_listed_in(tables, rnd):
    orders = [rnd.sample(range(n), n) for n in tables[0].shape]
    shuffled = [t[np.ix_(*orders)] for t in tables]
    before, after = evaluation.alpharank(tables, alpha=20), evaluation.alpharank(shuffled, alpha=20)
    np.testing.assert_allclose(after.profiles, before.profiles[np.ix_(*orders)], atol=1e-8)


def test_alpharank_is_defined_where_rare_moves_underflow_battle_of_the_sexes_at_high_alpha():
    """open_spiel refuses this game at alpha 50 ("Expected 1 stationary distribution, but found 2"):
    the moves out of each equilibrium are rarer than the smallest float. In logarithms they are not
    zero, and the symmetric game puts half the mass on each equilibrium."""
    sexes = [np.array([[3.0, 0.0], [0.0, 2.0]]), np.array([[2.0, 0.0], [0.0, 3.0]])]
    for alpha in (50.0, 1e4):
        rank = evaluation.alpharank(sexes, alpha=alpha, scale=False)
        np.testing.assert_allclose(rank.profiles, [[0.5, 0.0], [0.0, 0.5]], atol=1e-9)
    assert evaluation.log_fixation(-1.0, 1e4, 50) == pytest.approx(-49e4, rel=1e-9)


def test_fixation_is_neutral_at_no_gap_and_never_overflows():
    m = 50
    assert evaluation.fixation(0.0, 100.0, m) == pytest.approx(1 / m)
    gaps = np.linspace(-1, 1, 41)
    rho = evaluation.fixation(gaps, 1e6, m)
    assert np.all(np.isfinite(rho)) and np.all(np.diff(rho) >= 0)
    assert rho[-1] == pytest.approx(1.0) and rho[0] == 0.0
    # a worse mutant fixes e^(-(m-1)·α·g) times as often as a better one by the same gap
    for g in (0.01, 0.1):
        assert evaluation.fixation(-g, 3.0, m) == pytest.approx(evaluation.fixation(g, 3.0, m)
                                                                * math.exp(-(m - 1) * 3.0 * g))


def test_regret_finds_the_dilemmas_equilibrium_and_none_in_matching_pennies():
    dilemma = [np.array([[3.0, 0.0], [5.0, 1.0]]), np.array([[3.0, 5.0], [0.0, 1.0]])]
    result = evaluation.regret(dilemma)
    assert result.equilibria() == [(1, 1)]
    assert result.nashconv[0, 0] == pytest.approx(4.0)  # each gains 2 by defecting alone
    pennies = [np.array([[1.0, -1.0], [-1.0, 1.0]]), np.array([[-1.0, 1.0], [1.0, -1.0]])]
    assert evaluation.regret(pennies).equilibria() == []
    assert evaluation.regret(pennies).equilibria(tolerance=2.0) != []


@settings(max_examples=40, deadline=None)
@given(payoff_tensors)
def test_every_game_has_a_profile_where_some_seat_has_no_regret_and_regret_is_never_negative(tables):
    result = evaluation.regret(tables)
    assert all(np.all(g >= 0) for g in result.gain)
    assert all(np.any(g == 0) for g in result.gain)  # each seat's best reply exists in every background
    for at in result.equilibria():
        assert result.nashconv[at] == 0


def test_focal_scores_scale_the_worst_strategy_to_0_and_the_best_to_1_with_intervals_around_them():
    rng = np.random.default_rng(1)
    games = {"low": 30 + rng.normal(0, 1, (4, 20)), "mid": 40 + rng.normal(0, 1, (4, 20)),
             "high": 50 + rng.normal(0, 1, (4, 20))}
    games["mid"][0, 0] = np.nan  # a void game is left out, not counted as 0
    scores = {f.strategy: f for f in evaluation.focal_scores("KOR", ["low", "mid", "high"], games, resamples=500)}
    assert scores["low"].scaled == 0.0 and scores["high"].scaled == 1.0
    assert 0.4 < scores["mid"].scaled < 0.6
    assert scores["mid"].games == 79 and scores["mid"].backgrounds == 4
    for f in scores.values():
        assert f.low <= f.mean <= f.high and f.high - f.low < 1.5
    assert scores["mid"].scaled_low <= scores["mid"].scaled <= scores["mid"].scaled_high


def test_welfare_sums_every_country_and_finds_the_worst_off():
    w = evaluation.welfare([{"KOR": 50.0, "USA": 70.0, "ROW": 20.0}, {"KOR": 40.0, "USA": 60.0, "ROW": 30.0},
                            {"KOR": 10.0, "USA": None, "ROW": 5.0}])  # a game without every score: left out
    assert w.games == 2 and w.total == pytest.approx(135.0) and w.worst == pytest.approx(25.0)
    assert w.worst_country == "ROW"
    assert evaluation.welfare([]).games == 0


# ----------------------------------------------------------------------------- sampled backgrounds


SEATS = {"KOR": ["team_korea", "laissez_faire", "adaptive"], "USA": ["default", "laissez_faire"],
         "CHN": ["default", "laissez_faire"], "JPN": ["default", "laissez_faire"]}


def test_each_focal_strategy_meets_its_own_number_of_distinct_backgrounds():
    design = sample_backgrounds(make_design(SEATS, COUNTRIES, "baseline"), 3, 2025)
    for k, (role, specs) in enumerate(design.seats):
        for strategy in specs:
            met = design.focal_combinations(role, strategy)
            assert len(met) == len(set(met)) == 3
            assert all(c[k] == strategy for c in met)
    assert set(itertools.chain.from_iterable(design.focal_combinations(r, s) for r, specs in design.seats
                                             for s in specs)) == set(design.combinations())
    assert len(design.combinations()) < math.prod(len(v) for v in SEATS.values())


def test_sampled_backgrounds_are_reproducible_and_more_of_them_keep_the_first_ones():
    base = make_design(SEATS, COUNTRIES, "baseline")
    two, again, four = (sample_backgrounds(base, n, 2025) for n in (2, 2, 4))
    assert two == again
    for role, specs in base.seats:
        for s in specs:
            assert four.focal_combinations(role, s)[:2] == two.focal_combinations(role, s)
    assert sample_backgrounds(base, 2, 7) != two


def test_asking_for_more_backgrounds_than_exist_meets_every_one():
    base = make_design({"KOR": ["team_korea", "laissez_faire"], "USA": ["default", "laissez_faire"]},
                       COUNTRIES, "baseline")
    design = sample_backgrounds(base, 5, 2025)
    assert sorted(design.combinations()) == sorted(base.combinations())
    with pytest.raises(DesignError):
        sample_backgrounds(base, 0, 2025)


# ----------------------------------------------------------------------------- the command


def test_a_head_to_head_run_reports_the_evaluation_and_writes_its_files(tmp_path):
    seats = {"KOR": ["team_korea", "laissez_faire"], "USA": ["default", "laissez_faire"]}
    outcome = run_tournament(Options(strategies=[], seeds=2, out=tmp_path, workers=0, progress=False,
                                     plots=False, seats=seats))
    result = outcome.evaluation
    assert "Evaluation beyond the round robin" in outcome.text and "α-Rank" in outcome.text
    rows = db_rows(tmp_path, order="lineup, role, seed")
    assert all(set(f"s_{c}" for c in COUNTRIES) <= set(r) for r in rows)
    for row in rows:  # the seat's own score is its total; every country's is recorded beside it
        assert row[f"s_{row['role']}"] == pytest.approx(row["total"])
    with (tmp_path / "evaluation.csv").open() as f:
        lines = list(csv.DictReader(f))
    assert [(line["role"], line["strategy"]) for line in lines] == [(r, s) for r, v in seats.items() for s in v]
    for role in seats:
        mine = [line for line in lines if line["role"] == role]
        assert math.isclose(sum(float(line["alpharank"]) for line in mine), 1.0, rel_tol=1e-9)
        assert min(float(line["regret"]) for line in mine) == 0.0
    # the focal mean of a strategy on a full cross-play is its mean over every combination it is in
    korea = [r for r in rows if r["role"] == "KOR" and r["strategy"] == "team_korea"]
    focal = next(f for f in result.focal["KOR"] if f.strategy == "team_korea")
    assert focal.mean == pytest.approx(np.mean([r["total"] for r in korea]))
    with (tmp_path / "welfare.csv").open() as f:
        welfare = list(csv.DictReader(f))
    assert len(welfare) == 4
    for line in welfare:
        games = [r for r in rows if r["role"] == "KOR" and r["lineup"] == f"KOR={line['KOR']} | USA={line['USA']}"]
        totals = [sum(r[f"s_{c}"] for c in COUNTRIES) for r in games]
        assert float(line["welfare_total"]) == pytest.approx(np.mean(totals))


def test_background_sampling_from_the_command_line(tmp_path):
    code, out, err = cli("tournament", "--seat", "KOR=team_korea,laissez_faire", "--seat", "USA=default,laissez_faire",
                         "--seat", "CHN=default,laissez_faire", "--background", "2", "--seeds", "1",
                         "--out", str(tmp_path), "--workers", "0", "--quiet", "--no-plots")
    assert code == 0, err
    assert "only the sampled ones" in out and "Payoff" not in out  # no matrices of a partial product
    played = {r["lineup"] for r in db_rows(tmp_path, order="lineup, role, seed")}
    assert len(played) < 8
    with (tmp_path / "evaluation.csv").open() as f:
        assert all(line["backgrounds"] == "2" and line["alpharank"] == "" for line in csv.DictReader(f))


@pytest.mark.parametrize("argv, message", [
    (["--strategies", "team_korea", "--background", "2"], "only for a head-to-head"),
    (["--seat", "KOR=team_korea,laissez_faire", "--background", "2"], "at least two seats"),
    (["--seat", "KOR=team_korea", "--seat", "USA=default", "--background", "0"], "--background"),
])
def test_background_misuse_is_a_usage_error_that_writes_nothing(tmp_path, argv, message):
    out = tmp_path / "out"
    code, _, err = cli("tournament", *argv, "--seeds", "1", "--out", str(out), "--workers", "0", "--quiet")
    assert code == 2 and message in err
    assert not out.exists()


def test_the_api_gives_the_evaluation_welfare_and_alpharank_at_another_alpha(tmp_path):
    from game.tournament.api import Tournament

    results = Tournament(seats={"KOR": ["team_korea", "laissez_faire"], "USA": ["default", "laissez_faire"]},
                         seeds=2, workers=0, out=tmp_path).play()
    assert list(results.evaluation["strategy"]) == ["team_korea", "laissez_faire", "default", "laissez_faire"]
    assert len(results.welfare) == 4
    low, high = results.alpharank(alpha=0.01), results.alpharank(alpha=500)
    korea = lambda frame: frame[frame.role == "KOR"].set_index("strategy")["mass"]  # noqa: E731
    assert abs(korea(low)["team_korea"] - 0.5) < 0.05  # almost no selection: near even
    assert korea(high).max() > 0.99
    assert isinstance(empirical.render(results.outcome.evaluation, "ko"), str)



# ----------------------------------------------------------------------------- per-quarter records


def test_quarters_records_each_seats_score_and_actions_quarter_by_quarter(tmp_path):
    import json

    from game.tournament.api import Tournament

    results = Tournament(seats={"KOR": ["adaptive", "laissez_faire"], "USA": ["default"]}, seeds=1, workers=0,
                         out=tmp_path, quarters=True).play()
    quarters, games = results.quarters, results.games
    assert len(quarters) == len(games) * 20 and (tmp_path / "quarters.csv").exists()
    for game in games.itertuples():
        mine = quarters[(quarters.lineup == game.lineup) & (quarters.role == game.role)].sort_values("turn")
        assert list(mine.turn) == list(range(1, 21)) and mine.date.iloc[0] == "2025Q1"
        assert mine.score.iloc[-1] == pytest.approx(game.total)  # the last quarter's score is the game's
    adaptive = quarters[(quarters.role == "KOR") & (quarters.strategy == "adaptive")]
    first = json.loads(adaptive[adaptive.turn == 1].actions.iloc[0])
    assert {"kind": "chip_incentive", "rate": 0.3} in first  # adaptive's first quarter, as it plays it
    idle = quarters[(quarters.role == "KOR") & (quarters.strategy == "laissez_faire")]
    acted = [json.loads(a) for a in idle.actions if a != "[]"]  # only its answers to an event's choice
    assert len(acted) <= 1 and all(a["kind"] == "trade_stance" for q in acted for a in q)
    assert idle.refused.sum() == 0


def test_without_quarters_there_is_no_quarters_table(tmp_path):
    outcome = run_tournament(Options(strategies=["laissez_faire"], seeds=1, out=tmp_path, workers=0, progress=False,
                                     plots=False))
    assert outcome.quarters == [] and not (tmp_path / "quarters.csv").exists()
