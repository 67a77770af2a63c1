"""Head-to-head tournaments (issue 14, item 3): `--seat CODE=a,b` cross-play, payoffs, the per-seat
boards, resume, fault isolation, the Python API and the ecological tournament."""

from __future__ import annotations

import csv
import dataclasses
import itertools
import math
import re
import sqlite3
import textwrap
from pathlib import Path

import numpy as np
import pytest
from clitools import run_cli as cli
from hypothesis import given, settings
from hypothesis import strategies as st
from tournament_tools import db_rows as all_rows
from tournament_tools import stable

from game.tournament import crossplay, worker
from game.tournament.crossplay import Design, DesignError, make_design, parse_seats
from game.tournament.ecology import fitness, replicator, shown_generations
from game.tournament.run import Options, draw_seeds, plan, run_tournament
from game.tournament.store import Store
from game.tournament.tasks import game_of, lineup, seats

COUNTRIES = ["KOR", "USA", "CHN", "TWN", "JPN", "EU", "GCC", "ROW"]  # the baseline's order
H2H = {"KOR": ["team_korea", "laissez_faire"], "USA": ["default", "laissez_faire"]}

CRASHER = textwrap.dedent('''
    class Crasher:
        name = "crasher"

        def decide(self, obs):
            if obs.turn == 3:
                raise RuntimeError("boom on turn 3")
            return []
''')

NAMED = textwrap.dedent('''
    class HomeChips:
        name = "home chips"

        def decide(self, obs):
            return []
''')


def db_rows(folder: Path) -> list[dict]:
    return all_rows(folder, order="lineup, role, strategy, seed")


def h2h(out: Path, seeds: int = 2, workers: int = 0, **extra) -> Options:
    return Options(strategies=[], seeds=seeds, out=out, workers=workers, progress=False, plots=False,
                   seats={k: list(v) for k, v in H2H.items()}, **extra)


# --- the design ------------------------------------------------------------------------------------------------------


def test_seats_parse_and_take_the_scenarios_country_order():
    parsed = parse_seats(["USA=default", "kor=team_korea, laissez_faire"])
    assert parsed == {"USA": ["default"], "KOR": ["team_korea", "laissez_faire"]}
    design = make_design(parsed, COUNTRIES, "baseline")
    assert design.roles == ["KOR", "USA"]  # the scenario's order, whatever the command line's
    assert design.combinations() == [("team_korea", "default"), ("laissez_faire", "default")]
    assert design.game(("team_korea", "default"), 7) == (("team_korea", "default"), ("KOR", "USA"), 7)
    assert lineup(design.game(("team_korea", "default"), 7)) == "KOR=team_korea | USA=default"
    one = make_design({"KOR": ["a", "b"]}, COUNTRIES, "baseline")
    assert one.games([1]) == [("a", "KOR", 1), ("b", "KOR", 1)]  # one seat: the one-seat tournament's games


@pytest.mark.parametrize("texts, needle", [
    (["KOR"], "write a country code, '=' and its strategies"),
    (["KOR="], "write a country code"),
    (["KOR=a", "kor=b"], "the seat is named twice"),
    (["KOR=a,a"], "a strategy is named twice"),
    (["KOR=a|b"], "a strategy's name may not contain"),
])
def test_a_bad_seat_text_is_refused(texts, needle):
    with pytest.raises(DesignError, match=needle):
        make_design(parse_seats(texts), COUNTRIES, "baseline")


@pytest.mark.parametrize("seats, needle", [
    ({}, "name at least one seat"),
    ({"KOR": []}, "--seat KOR: name at least one strategy"),
    ({"KOR": ["a", "a"]}, "--seat KOR: a strategy is named twice"),
    ({"KOR": ["a|b"]}, "--seat KOR: a strategy's name may not contain '|'"),
])
def test_a_bad_seat_is_refused_by_the_design_too(seats, needle):
    """The Python API's seats={...} skip parse_seats: make_design checks every seat."""
    with pytest.raises(DesignError, match=re.escape(needle)):
        make_design(seats, COUNTRIES, "baseline")


def test_the_python_api_refuses_a_strategy_named_with_the_separator(tmp_path):
    from game.tournament.api import Tournament, TournamentUsageError

    with pytest.raises(TournamentUsageError, match=re.escape("--seat USA: a strategy's name may not contain '|'")):
        Tournament(seats={"KOR": ["team_korea"], "USA": ["default|x"]}, seeds=1, workers=0, out=tmp_path).play()
    assert not (tmp_path / "results.sqlite").exists()


def test_an_unknown_seat_code_is_refused():
    with pytest.raises(DesignError, match="no country 'XYZ' in scenario 'baseline'"):
        make_design({"XYZ": ["a"]}, COUNTRIES, "baseline")


@pytest.mark.parametrize("argv, needle", [
    (["--seat", "XYZ=default"], "--seat XYZ: no country 'XYZ'"),
    (["--seat", "KOR=team_korea", "--seat", "KOR=laissez_faire"], "--seat KOR: the seat is named twice"),
    (["--seat", "KOR=team_korea", "--seat", "USA=no_such_thing"], "--seat USA: unknown strategy 'no_such_thing'"),
    (["--seat", "KOR=team_korea", "--strategies", "team_korea"], "--seat and --strategies"),
    (["--seat", "KOR=team_korea", "--role", "KOR"], "--seat and --role"),
    (["--seat", "KOR=missing.py:Nothing"], "--seat KOR:"),
    ([], "name the strategies"),
])
def test_bad_head_to_head_commands_exit_2_and_write_nothing(tmp_path, argv, needle):
    out = tmp_path / "out"
    code, _stdout, err = cli("tournament", "--seeds", "2", "--out", str(out), "--workers", "0", "--quiet", *argv)
    assert code == 2 and needle in err and "Traceback" not in err, err
    assert not out.exists()


# --- planning: every combination x seed exactly once; resume plays nothing twice -------------------------------------

designs = st.dictionaries(st.sampled_from(COUNTRIES[:4]),
                          st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=3, unique=True),
                          min_size=1, max_size=3)


@settings(max_examples=60, deadline=None)
@given(seats_=designs, n=st.integers(0, 5), played=st.sets(st.integers(0, 200)))
def test_every_combination_and_seed_is_planned_exactly_once_and_a_resume_plays_nothing_twice(seats_, n, played):
    design = make_design(seats_, COUNTRIES, "s")
    seeds = list(range(100, 100 + n))
    everything = plan([design], seeds, set())
    assert len(everything) == len(set(everything)) == math.prod(len(v) for v in seats_.values()) * n
    assert {(game[2], tuple(s for _, s in seats(game))) for game in everything} == \
        set(itertools.product(seeds, design.combinations()))
    # some games recorded (all their seats' rows, as Store.add does), then the plan again
    done_games = [g for i, g in enumerate(everything) if i in played]
    done = {(lineup(g), role, strategy, g[2]) for g in done_games for role, strategy in seats(g)}
    rest = plan([design], seeds, done)
    assert set(rest).isdisjoint(done_games) and set(rest) | set(done_games) == set(everything)
    assert [g for g in everything if g in set(rest)] == rest  # same order: seed-major
    for game in rest:
        row = {"lineup": lineup(game), "role": seats(game)[0][0], "strategy": seats(game)[0][1], "seed": game[2]}
        assert game_of(row) == game


# --- playing --------------------------------------------------------------------------------------------------------


def test_cross_play_plays_every_combination_on_the_same_seeds_and_writes_payoffs(tmp_path):
    outcome = run_tournament(h2h(tmp_path, seeds=2))
    assert outcome.played == 8 and not outcome.interrupted
    rows = db_rows(tmp_path)
    assert len(rows) == 16 and all(r["outcome"] == "ok" for r in rows)  # 4 combinations x 2 seeds x 2 seats
    seeds = set(draw_seeds(2025, 2))
    by_lineup: dict[str, set] = {}
    for r in rows:
        by_lineup.setdefault(r["lineup"], set()).add(r["seed"])
    assert len(by_lineup) == 4 and all(s == seeds for s in by_lineup.values())  # common random numbers
    with (tmp_path / "payoffs.csv").open(encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [(t["KOR"], t["USA"]) for t in table] == [("team_korea", "default"), ("team_korea", "laissez_faire"),
                                                     ("laissez_faire", "default"), ("laissez_faire", "laissez_faire")]
    for t in table:
        for role in ("KOR", "USA"):
            mine = [r["total"] for r in rows if r["role"] == role and r["lineup"] == f"KOR={t['KOR']} | USA={t['USA']}"]
            assert float(t[f"{role}_mean"]) == pytest.approx(sum(mine) / len(mine))
            assert float(t[f"{role}_low"]) <= float(t[f"{role}_mean"]) <= float(t[f"{role}_high"])
        assert t["games"] == "2"
    assert "Payoff matrix of KOR" in outcome.text and "Payoff matrix of USA" in outcome.text
    assert [b.role for b in outcome.boards] == ["KOR", "USA"]
    assert {e.games for e in outcome.boards[0].entries} == {4}  # 2 seeds x 2 opponents each


def test_naming_the_default_is_the_same_game_as_leaving_the_seat_out(tmp_path):
    """USA=default in a cross-play game plays what an unnamed USA plays: KOR's scores equal the
    one-seat tournament's on the same seeds."""
    run_tournament(h2h(tmp_path / "h2h", seeds=2))
    run_tournament(Options(strategies=["team_korea"], seeds=2, out=tmp_path / "one", workers=0, progress=False,
                           plots=False))
    one = {r["seed"]: r["total"] for r in db_rows(tmp_path / "one")}
    crossed = {r["seed"]: r["total"] for r in db_rows(tmp_path / "h2h")
               if r["lineup"] == "KOR=team_korea | USA=default" and r["role"] == "KOR"}
    assert crossed == one


def test_one_seat_named_with_seat_is_the_one_seat_tournament(tmp_path):
    code, by_seat, err = cli("tournament", "--seat", "KOR=team_korea,laissez_faire", "--seeds", "2", "--out",
                             str(tmp_path / "a"), "--workers", "0", "--quiet", "--no-plots")
    assert code == 0, err
    code, by_role, err = cli("tournament", "--role", "KOR", "--strategies", "team_korea,laissez_faire", "--seeds", "2",
                             "--out", str(tmp_path / "b"), "--workers", "0", "--quiet", "--no-plots")
    assert code == 0, err
    assert stable(db_rows(tmp_path / "a")) == stable(db_rows(tmp_path / "b"))
    assert all(r["lineup"] == "" for r in db_rows(tmp_path / "a"))
    assert by_seat.split("\n\n")[0] == by_role.split("\n\n")[0]  # the same board


def test_worker_processes_give_the_same_rows_and_a_resume_plays_only_new_games(tmp_path, monkeypatch):
    """Real workers (2 processes) against this process; then more seeds into the same folder play
    only the new seeds' games, and the same command again plays nothing."""
    here = run_tournament(h2h(tmp_path / "here", seeds=2, workers=0))
    there = run_tournament(h2h(tmp_path / "there", seeds=2, workers=2, batch_size=1))
    assert here.played == there.played == 8
    assert stable(db_rows(tmp_path / "here")) == stable(db_rows(tmp_path / "there"))
    assert len({r["worker_pid"] for r in db_rows(tmp_path / "there")}) >= 1
    assert (tmp_path / "here" / "payoffs.csv").read_bytes() == (tmp_path / "there" / "payoffs.csv").read_bytes()

    played: list[tuple] = []
    real = worker.play_lineup

    def counting(config, scenario, game, makes=None):
        played.append(game)
        return real(config, scenario, game, makes)

    monkeypatch.setattr(worker, "play_lineup", counting)
    before = stable(db_rows(tmp_path / "here"))
    more = run_tournament(h2h(tmp_path / "here", seeds=3, workers=0))
    new_seed = draw_seeds(2025, 3)[2]
    assert more.played == 4 and more.skipped == 8 and {g[2] for g in played} == {new_seed}
    assert len(played) == len(set(played)) == 4
    after = stable(db_rows(tmp_path / "here"))
    assert [r for r in after if r["seed"] != new_seed] == before  # nothing re-played or rewritten
    again = run_tournament(h2h(tmp_path / "here", seeds=3, workers=0))
    assert again.played == 0 and again.skipped == 12 and len(played) == 4


def test_a_crashing_plug_in_loses_only_its_own_games(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "crash.py").write_text(CRASHER, encoding="utf-8")
    options = Options(strategies=[], seeds=2, out=tmp_path / "out", workers=0, progress=False, plots=False,
                      seats={"KOR": ["team_korea", "laissez_faire"], "USA": ["default", "crash.py:Crasher"]},
                      ecological=5)
    outcome = run_tournament(options)
    rows = db_rows(tmp_path / "out")
    crashed = [r for r in rows if "crash.py:Crasher" in r["lineup"]]
    clean = [r for r in rows if "crash.py:Crasher" not in r["lineup"]]
    assert len(crashed) == len(clean) == 8
    assert all(r["outcome"] == "ok" for r in clean)
    assert {(r["role"], r["outcome"]) for r in crashed} == {("USA", "forfeit"), ("KOR", "void")}
    assert all("boom on turn 3" in r["error"] for r in crashed if r["role"] == "USA")
    assert {r["error"] for r in crashed if r["role"] == "KOR"} == {"not played: USA's strategy forfeited"}
    table = {p.combination: p for p in outcome.payoffs[0]}
    crash = table["team_korea", "crash.py:Crasher"]  # KOR first: the scenario's order
    assert crash.cells["USA"].mean == 0.0 and crash.cells["USA"].forfeits == 2
    assert crash.cells["KOR"].games == 0  # void: not counted against KOR's strategy
    kor_board = next(b for b in outcome.boards if b.role == "KOR")
    assert {e.games for e in kor_board.entries} == {2} and {e.forfeits for e in kor_board.entries} == {0}
    assert "crasher" in outcome.text  # the plug-in's own short label in the matrices
    # KOR's void games leave two combinations without a counted game: no ecological tournament
    assert "Ecological tournament skipped: 2 combinations without a game yet" in outcome.text
    with (tmp_path / "out" / "payoffs.csv").open(encoding="utf-8") as f:
        header, *lines = list(csv.reader(f))
    assert header == ["KOR", "USA", "games"] + [f"{seat}_{k}" for seat in ("KOR", "USA")
                                                for k in ("mean", "low", "high", "games", "forfeits")]
    line = next(dict(zip(header, x, strict=True)) for x in lines if x[:2] == ["team_korea", "crash.py:Crasher"])
    assert line["games"] == "2" and line["USA_forfeits"] == "2" and line["USA_games"] == "2"
    assert line["USA_mean"] == line["USA_low"] == line["USA_high"] == "0.0"
    assert line["KOR_games"] == "0" and line["KOR_forfeits"] == "0"
    assert line["KOR_mean"] == line["KOR_low"] == line["KOR_high"] == ""  # no counted game: no score
    assert len(lines) == 4
    # the same seats named in the other order are the same games: nothing to play
    again = run_tournament(dataclasses.replace(options, seats={"USA": ["default", "crash.py:Crasher"],
                                                               "KOR": ["team_korea", "laissez_faire"]}))
    assert again.played == 0 and again.skipped == 8 and db_rows(tmp_path / "out") == rows


def test_plug_in_labels_and_the_korean_matrix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text(NAMED, encoding="utf-8")
    code, stdout, err = cli("tournament", "--seat", "KOR=mine.py:HomeChips,laissez_faire", "--seat",
                            "CHN=default,laissez_faire", "--seeds", "2", "--out", str(tmp_path / "out"),
                            "--workers", "0", "--quiet", "--no-plots", "--lang", "ko", "--ecological", "20")
    assert code == 0, err
    assert "한국의 보수 행렬" in stdout and "중국의 전략" in stdout
    assert "home chips" in stdout and "자유방임" in stdout  # the plug-in's name; a built-in's Korean name
    assert "생태 토너먼트 20세대" in stdout
    matrix = stdout[stdout.index("한국의 보수 행렬"):]
    assert "mine.py:HomeChips" not in matrix.split("\n\n")[1]
    with (tmp_path / "out" / "payoffs.csv").open(encoding="utf-8") as f:
        assert next(csv.reader(f))[:3] == ["KOR", "CHN", "games"]


def test_a_plug_in_named_like_a_built_in_keeps_its_own_label(tmp_path, monkeypatch):
    """A plug-in whose `name` is a built-in's ("random") is shown by that name, not the built-in's
    Korean name: the label is translated only for a built-in spec."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text(NAMED.replace('"home chips"', '"random"'), encoding="utf-8")
    code, stdout, err = cli("tournament", "--seat", "KOR=mine.py:HomeChips,laissez_faire", "--seat",
                            "CHN=default", "--seeds", "1", "--out", str(tmp_path / "out"),
                            "--workers", "0", "--quiet", "--no-plots", "--lang", "ko")
    assert code == 0, err
    assert "random" in stdout and "자유방임" in stdout
    assert "무작위" not in stdout  # the built-in random's Korean name


def test_three_seats_print_one_table(tmp_path):
    options = Options(strategies=[], seeds=2, out=tmp_path, workers=0, progress=False, plots=False,
                      seats={"KOR": ["team_korea", "laissez_faire"], "USA": ["default"], "CHN": ["default",
                                                                                              "laissez_faire"]})
    outcome = run_tournament(options)
    assert outcome.played == 8
    assert "Payoffs: one line per combination" in outcome.text and "Payoff matrix" not in outcome.text
    assert len(outcome.payoffs[0]) == 4 and all(p.games == 2 for p in outcome.payoffs[0])


def test_an_old_table_is_rebuilt_with_the_lineup_in_its_key(tmp_path):
    """A database from before cross-play (key without lineup) keeps its rows and takes cross-play
    rows that share role, strategy and seed."""
    path = tmp_path / "results.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE games (scenario TEXT NOT NULL, role TEXT NOT NULL, strategy TEXT NOT NULL, "
               "seed INTEGER NOT NULL, outcome TEXT NOT NULL, error TEXT, total REAL, turns INTEGER, "
               "c_hbm REAL, PRIMARY KEY (scenario, role, strategy, seed))")
    db.execute("INSERT INTO games VALUES ('baseline', 'KOR', 'a', 1, 'ok', NULL, 40.0, 20, 3.5)")
    db.commit()
    db.close()
    store = Store(path)
    assert store.finished_keys("baseline") == {("", "KOR", "a", 1)}
    assert [r["total"] for r in store.rows("baseline")] == [40.0]  # readable before any change
    row = {"scenario": "baseline", "role": "KOR", "strategy": "a", "seed": 1, "outcome": "ok", "total": 41.0,
           "components": {"hbm": 1.0}, "turns": 20}
    store.add([{**row, "lineup": "USA=x | KOR=a"}, {**row, "lineup": "USA=y | KOR=a", "total": 42.0}])
    assert sorted((r["lineup"], r["total"], r["c_hbm"]) for r in store.rows("baseline")) == \
        [("", 40.0, 3.5), ("USA=x | KOR=a", 41.0, 1.0), ("USA=y | KOR=a", 42.0, 1.0)]
    store.close()


def test_the_python_api_returns_data_frames(tmp_path):
    from game.tournament.api import Tournament, TournamentUsageError

    results = Tournament(seats=H2H, seeds=2, workers=0, out=tmp_path).play()
    assert len(results.games) == 16 and {"role", "strategy", "lineup", "seed", "total"} <= set(results.games.columns)
    assert list(results.payoffs.columns[:3]) == ["KOR", "USA", "games"] and len(results.payoffs) == 4
    with (tmp_path / "payoffs.csv").open(encoding="utf-8") as f:
        assert [float(line["KOR_mean"]) for line in csv.DictReader(f)] == \
            pytest.approx(list(results.payoffs["KOR_mean"]))
    shares = results.ecosystem(30)
    last = shares[shares.generation == 30].set_index(["role", "strategy"])["share"]
    assert last["KOR"].sum() == pytest.approx(1.0) and last["KOR", "team_korea"] > 0.99
    one = Tournament(strategies=["team_korea", "laissez_faire"], seeds=2, workers=0).play()  # in a temporary folder
    assert len(one.games) == 4 and list(one.payoffs["KOR"]) == ["team_korea", "laissez_faire"]
    with pytest.raises(TournamentUsageError):
        Tournament(seeds=2).play()


# --- the ecological tournament -------------------------------------------------------------------------------------


def test_replicator_one_step_by_hand():
    """Two seats, 2x2: one generation of x_i * f_i / sum x_j f_j, computed by hand."""
    a = np.array([[3.0, 0.0], [5.0, 1.0]])  # row seat's payoffs
    b = np.array([[3.0, 5.0], [0.0, 1.0]])  # column seat's payoffs (same axes: row strategy, column strategy)
    start = {"R": np.array([0.5, 0.5]), "C": np.array([0.25, 0.75])}
    history = replicator({"R": a, "C": b}, ["R", "C"], 1, start=start)
    f_row = np.array([3 * 0.25 + 0 * 0.75, 5 * 0.25 + 1 * 0.75])
    f_col = np.array([3 * 0.5 + 0 * 0.5, 5 * 0.5 + 1 * 0.5])
    assert history[1]["R"] == pytest.approx(0.5 * f_row / (0.5 * f_row).sum())
    assert history[1]["C"] == pytest.approx(np.array([0.25, 0.75]) * f_col / (np.array([0.25, 0.75]) * f_col).sum())


def test_a_dominant_strategy_takes_over_and_equal_payoffs_change_nothing():
    history = replicator({"K": np.array([40.0, 30.0, 35.0])}, ["K"], 200)
    assert history[-1]["K"][0] > 0.999
    flat = replicator({"K": np.full(3, 20.0)}, ["K"], 10)
    assert all(h["K"] == pytest.approx([1 / 3] * 3) for h in flat)
    zero = replicator({"K": np.zeros(2)}, ["K"], 3)
    assert zero[-1]["K"] == pytest.approx([0.5, 0.5])
    with pytest.raises(ValueError):
        replicator({"K": np.array([1.0, np.nan])}, ["K"], 1)
    assert shown_generations(3) == [0, 1, 2, 3] and shown_generations(100)[-1] == 100


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.integers(0, 2**32 - 1), st.integers(0, 15))
def test_shares_stay_a_distribution_per_seat(shape, seed, generations):
    rng = np.random.default_rng(seed)
    roles = [f"S{i}" for i in range(len(shape))]
    tensors = {r: rng.uniform(0, 100, size=shape) for r in roles}
    for shares in replicator(tensors, roles, generations):
        for r, n in zip(roles, shape, strict=True):
            assert shares[r].shape == (n,) and np.all(shares[r] >= 0) and shares[r].sum() == pytest.approx(1.0)
    # fitness contracts every other seat's axis: against pure opponents it is a slice of the tensor
    pure = {r: np.eye(n)[0] for r, n in zip(roles, shape, strict=True)}
    index = tuple(slice(None) if k == 0 else 0 for k in range(len(shape)))
    assert fitness(tensors[roles[0]], 0, roles, pure) == pytest.approx(tensors[roles[0]][index])


def test_payoff_tensors_wait_for_every_combination():
    design = Design((("USA", ("a",)), ("KOR", ("x", "y"))))  # any order the caller makes
    cell = crossplay.Cell(10.0, 9.0, 11.0, 2, 0)
    empty = crossplay.Cell(math.nan, math.nan, math.nan, 0, 0)
    full = [crossplay.Payoff(("a", "x"), 2, {"USA": cell, "KOR": cell}),
            crossplay.Payoff(("a", "y"), 2, {"USA": cell, "KOR": cell})]
    assert crossplay.payoff_tensors(full, design)["KOR"].shape == (1, 2)
    full[1].cells["KOR"] = empty
    assert crossplay.payoff_tensors(full, design) is None


def test_a_board_at_a_difficulty_counts_its_games(tmp_path):
    """The board names the scenario with its difficulty, but the rows name it as run: before this
    fix a --difficulty hard board showed 0 games."""
    outcome = run_tournament(Options(strategies=["team_korea"], seeds=2, out=tmp_path, workers=0, progress=False,
                                     plots=False, difficulty="hard"))
    assert outcome.boards[0].scenario == "baseline (Hard)" and outcome.boards[0].entries[0].games == 2


def test_sim_and_help_do_not_import_the_tournament():
    """The command line builds every parser, but only `tournament` imports the tournament's modules."""
    import subprocess
    import sys

    code = ("import sys, contextlib, io\n"
            "from game.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['sim', '--turns', '1'])\n"
            "print(sorted(m for m in sys.modules if m.startswith('game.tournament')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "['game.tournament', 'game.tournament.arguments']"


def test_verify_re_plays_cross_play_games_whole(tmp_path, monkeypatch):
    """--verify after a code change re-plays recorded cross-play games as the games they were
    (every seat) and accepts them when nothing moved, refuses when a seat's score moved."""
    from game.tournament import meta

    argv = ["tournament", "--seat", "KOR=team_korea,laissez_faire", "--seat", "USA=default,laissez_faire",
            "--seeds", "1", "--out", str(tmp_path), "--workers", "0", "--quiet", "--no-plots"]
    code, _stdout, err = cli(*argv)
    assert code == 0, err
    monkeypatch.setattr(meta, "code_version", lambda: "0.1.0+refactored")
    code, stdout, err = cli(*argv, "--verify", "3")
    assert code == 0 and "3 recorded games re-played with this code came out the same" in stdout, err
    monkeypatch.setattr(meta, "code_version", lambda: "0.1.0+changed")
    real = worker.play_lineup

    def moved(*args, **kwargs):
        rows = real(*args, **kwargs)
        for row in rows:
            if row["role"] == "USA":
                row["total"] += 1.0
        return rows

    monkeypatch.setattr(worker, "play_lineup", moved)
    code, _stdout, err = cli(*argv, "--verify", "4")
    assert code == 2 and "(USA, in KOR=" in err and "total: " in err, err
