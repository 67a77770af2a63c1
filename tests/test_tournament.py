"""Headless tournaments (issue 6): the leaderboard against a hand computation from the SQLite
rows, determinism over worker counts, resume, fault isolation, user strategies, the docs'
example strategy, CSV export, and usage errors. Tiny tournaments: a few seeds each."""

from __future__ import annotations

import csv
import math
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from clitools import run_cli as cli
from tournament_tools import db_rows, recorded, stable

from game.tournament import run as tournament_run
from game.tournament import worker
from game.tournament.run import Options, draw_seeds, run_tournament
from game.tournament.stats import render

ROOT = Path(__file__).resolve().parent.parent
TRIO = ["team_korea", "laissez_faire", "random"]

FAULTY = textwrap.dedent('''
    import os
    import time

    from game.actions import ChipIncentive


    class Raises:
        def decide(self, obs):
            if obs.turn == 2:
                raise RuntimeError("strategy bug on purpose")
            return []


    class Slow:
        def decide(self, obs):
            if obs.turn == 1:
                time.sleep(0.4)
            return []


    class Hangs:
        def decide(self, obs):
            while obs.turn == 1:
                pass
            return []


    class Invalid:
        def decide(self, obs):
            return ["not an action", ChipIncentive(rate=0.1)] if obs.turn < 2 else []


    class Exits:
        def decide(self, obs):
            os._exit(3)  # takes its own (sandbox) process down


    class KillsItsWorker:
        def decide(self, obs):
            os.kill(os.getppid(), 9)  # from its sandbox: the worker that holds the world
''')


@pytest.fixture(scope="module")
def trio(tmp_path_factory) -> tuple[Path, object]:
    """3 strategies x 6 seeds on 2 workers."""
    out = tmp_path_factory.mktemp("trio")
    outcome = run_tournament(Options(strategies=TRIO, seeds=6, out=out, workers=2, progress=False))
    return out, outcome


def test_leaderboard_matches_a_hand_computation_from_the_rows(trio):
    out, outcome = trio
    rows = db_rows(out)
    assert len(rows) == 18 and {r["outcome"] for r in rows} == {"ok"}
    seeds = draw_seeds(2025, 6)
    assert sorted({r["seed"] for r in rows}) == sorted(seeds)
    score = {(r["strategy"], r["seed"]): r["total"] for r in rows}
    board = outcome.boards[0]
    t5 = 2.571  # Student t, 97.5%, 5 degrees of freedom
    for entry in board.entries:
        values = [score[(entry.strategy, s)] for s in seeds]
        mean = sum(values) / 6
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 5)
        assert entry.games == 6 and entry.forfeits == 0
        assert entry.mean == pytest.approx(mean, abs=1e-9)
        assert entry.low == pytest.approx(mean - t5 * sd / math.sqrt(6), abs=1e-9)
        assert entry.high == pytest.approx(mean + t5 * sd / math.sqrt(6), abs=1e-9)
        for other in TRIO:
            if other != entry.strategy:
                won = sum(1.0 if score[(entry.strategy, s)] > score[(other, s)] else
                          0.5 if score[(entry.strategy, s)] == score[(other, s)] else 0.0 for s in seeds)
                assert entry.wins[other] == pytest.approx(won / 6)
        assert entry.rating == pytest.approx(sum(entry.wins.values()) / 2)
    assert board.order() == sorted(TRIO, key=lambda s: -sum(score[(s, x)] for x in seeds))
    assert board.entries[0].strategy == "team_korea"  # the seeds' conductor beats doing nothing
    assert f"{board.entries[0].mean:6.2f}" in outcome.text
    # every score component of the scenario's rule is a column, and the total is their weighted mean
    components = [c for c in rows[0] if c.startswith("c_")]
    assert "c_hbm_share" in components and len(components) >= 5


def test_one_worker_and_two_workers_give_the_same_leaderboard(trio, tmp_path):
    out2, outcome2 = trio
    outcome1 = run_tournament(Options(strategies=TRIO, seeds=6, out=tmp_path, workers=1, progress=False,
                                      plots=False))
    assert render(outcome1.boards[0]) == render(outcome2.boards[0])
    assert stable(db_rows(tmp_path)) == stable(db_rows(out2))


def test_plots_and_csv_are_written_and_the_csv_matches_the_database(trio):
    out, _ = trio
    assert (out / "scores.png").stat().st_size > 1000 and (out / "winrate.png").stat().st_size > 1000
    with (out / "games.csv").open(newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    rows = db_rows(out)
    assert len(table) == len(rows)
    by_key = {(r["strategy"], str(r["seed"])): r for r in rows}
    for line in table:
        row = by_key[(line["strategy"], line["seed"])]
        assert set(line) == set(row)
        for key, value in row.items():
            if isinstance(value, float):
                assert float(line[key]) == pytest.approx(value, rel=1e-12)
            else:
                assert line[key] == ("" if value is None else str(value))


def test_rerunning_skips_finished_games_and_more_seeds_play_only_the_new_ones(tmp_path, monkeypatch):
    played: list[tuple] = []
    real = worker.play_lineup

    def counting(config, scenario, game, makes=None):
        played.append((game[0], game[2]))
        return real(config, scenario, game, makes)

    monkeypatch.setattr(worker, "play_lineup", counting)
    options = dict(strategies=["team_korea", "laissez_faire"], out=tmp_path, workers=0, progress=False, plots=False)
    first = run_tournament(Options(seeds=3, **options))
    assert len(played) == 6 and first.played == 6
    before = db_rows(tmp_path)
    again = run_tournament(Options(seeds=3, **options))
    assert len(played) == 6 and again.played == 0 and again.skipped == 6
    assert db_rows(tmp_path) == before  # nothing re-run, nothing rewritten
    assert render(again.boards[0]) == render(first.boards[0])
    more = run_tournament(Options(seeds=5, **options))
    assert more.played == 4 and more.skipped == 6
    assert sorted(played[6:]) == sorted((s, seed) for s in options["strategies"] for seed in draw_seeds(2025, 5)[3:])
    assert len(db_rows(tmp_path)) == 10


def test_faulty_strategies_forfeit_and_the_tournament_goes_on(tmp_path):
    path = tmp_path / "faulty.py"
    path.write_text(FAULTY, encoding="utf-8")
    specs = [f"{path}:{name}" for name in ("Raises", "Slow", "Hangs", "Invalid")] + ["laissez_faire"]
    outcome = run_tournament(Options(strategies=specs, seeds=2, out=tmp_path / "out", workers=2, progress=False,
                                     plots=False, decision_timeout=0.2))
    rows = {(r["strategy"].rsplit(":", 1)[-1], r["seed"]): r for r in db_rows(tmp_path / "out")}
    assert len(rows) == 10
    for (name, _), row in rows.items():
        if name in ("Raises", "Slow", "Hangs"):
            assert row["outcome"] == "forfeit" and row["total"] is None
        else:
            assert row["outcome"] == "ok" and row["total"] is not None and row["error"] is None
        if name == "Raises":
            assert "RuntimeError: strategy bug on purpose" in row["error"] and row["turns"] == 3
        if name in ("Slow", "Hangs"):
            assert "DecisionTimeout" in row["error"] and "0.2 s limit" in row["error"]
        if name == "Invalid":
            assert row["refused"] >= 2  # the strings were refused by the seam; the game went on
    board = {e.strategy.rsplit(":", 1)[-1]: e for e in outcome.boards[0].entries}
    assert board["Raises"].forfeits == 2 and board["Raises"].mean == 0.0
    assert board["laissez_faire"].forfeits == 0 and board["laissez_faire"].mean > 20


def test_a_strategy_that_kills_its_worker_forfeits_and_the_others_finish(tmp_path):
    """The game a broken worker was playing is re-run alone and forfeits if it breaks its worker
    again; the others were only in the way and simply run again."""
    path = tmp_path / "faulty.py"
    path.write_text(FAULTY, encoding="utf-8")
    outcome = run_tournament(Options(strategies=[f"{path}:KillsItsWorker", "laissez_faire"], seeds=2,
                                     out=tmp_path / "out", workers=2, progress=False, plots=False, batch_size=2))
    rows = db_rows(tmp_path / "out")
    assert len(rows) == 4
    assert {r["outcome"] for r in rows if r["strategy"] == "laissez_faire"} == {"ok"}
    dead = [r for r in rows if r["strategy"].endswith(":KillsItsWorker")]
    assert all(r["outcome"] == "forfeit" and "worker process died" in r["error"] for r in dead)
    assert outcome.boards[0].entries[0].strategy == "laissez_faire"


def test_a_strategy_that_exits_its_sandbox_forfeits_and_its_worker_plays_on(tmp_path):
    path = tmp_path / "faulty.py"
    path.write_text(FAULTY, encoding="utf-8")
    run_tournament(Options(strategies=[f"{path}:Exits", "laissez_faire"], seeds=2, out=tmp_path / "out", workers=1,
                           batch_size=2, progress=False, plots=False))
    rows = db_rows(tmp_path / "out")
    dead = [r for r in rows if r["strategy"].endswith(":Exits")]
    assert len(rows) == 4 and {r["outcome"] for r in rows if r["strategy"] == "laissez_faire"} == {"ok"}
    assert all(r["outcome"] == "forfeit" and "sandbox process ended (exit code 3)" in r["error"] for r in dead)
    assert len({r["worker_pid"] for r in dead}) == 1  # one worker played both: the first exit did not touch it


def test_a_worker_whose_game_the_decision_alarm_cut_short_plays_no_later_batch(tmp_path):
    """Built-ins play inside the worker, where the decision limit is a SIGALRM that can land
    anywhere in the game's code. Workers live across batches, so a worker that was interrupted so
    is replaced: no batch that finishes after it runs in that process, and the games that finish
    score what they score alone. (Greedy cannot decide in 0.001 s; on a loaded machine even
    laissez_faire may miss so short a limit, which this allows.)"""
    run_tournament(Options(strategies=["greedy", "laissez_faire"], seeds=3, out=tmp_path / "out", workers=1,
                           batch_size=1, decision_timeout=0.001, progress=False, plots=False))
    db = sqlite3.connect(tmp_path / "out" / "results.sqlite")
    order = db.execute("SELECT strategy, seed, outcome, error, worker_pid, total FROM games "
                       "ORDER BY finished_at").fetchall()
    db.close()
    assert len(order) == 6
    interrupted = [n for n, row in enumerate(order) if row[2] == "forfeit" and "did not return within" in row[3]]
    assert {order[n][0] for n in interrupted} >= {"greedy"}
    assert all(order[n][2] == "forfeit" for n in range(6) if order[n][0] == "greedy")
    for n in interrupted:
        assert order[n][4] not in {later[4] for later in order[n + 1:]}, "an interrupted worker played on"
    run_tournament(Options(strategies=["laissez_faire"], seeds=3, out=tmp_path / "alone", workers=0, progress=False,
                           plots=False))
    alone = {r["seed"]: r["total"] for r in db_rows(tmp_path / "alone")}
    finished = {seed: total for strategy, seed, outcome, *_, total in order if outcome == "ok"}
    assert finished == {seed: alone[seed] for seed in finished}


def test_user_strategies_by_module_and_by_file(tmp_path, monkeypatch):
    (tmp_path / "my_strategies.py").write_text(textwrap.dedent('''
        from game.actions import ChipIncentive


        class Incentive:
            def decide(self, obs):
                return [ChipIncentive(rate=0.3)] if obs.turn == 0 else []
    '''), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "my_strategies", raising=False)
    code, _out, err = cli("tournament", "--strategies", "my_strategies:Incentive,my_strategies.py:Incentive",
                         "--seeds", "2", "--out", "res", "--workers", "2", "--quiet", "--no-plots")
    assert code == 0, err
    rows = db_rows(tmp_path / "res")
    assert len(rows) == 4 and {r["outcome"] for r in rows} == {"ok"}
    by = {}
    for r in rows:
        by.setdefault(r["seed"], set()).add(r["total"])
    assert all(len(totals) == 1 for totals in by.values())  # the same class, loaded two ways


def test_the_docs_example_strategy_runs(tmp_path):
    example = ROOT / "docs" / "example_strategy.py"
    assert f"{example.relative_to(ROOT)}:HomeChips" in (ROOT / "docs" / "strategies.md").read_text(encoding="utf-8")
    outcome = run_tournament(Options(strategies=[f"{example}:HomeChips", "laissez_faire"], seeds=2, out=tmp_path,
                                     workers=0, progress=False, plots=False))
    rows = db_rows(tmp_path)
    assert {r["outcome"] for r in rows} == {"ok"}
    board = {e.strategy: e for e in outcome.boards[0].entries}
    assert board[f"{example}:HomeChips"].mean > board["laissez_faire"].mean


@pytest.mark.parametrize("argv, needle", [
    (["--strategies", "team_korea,nope"], "unknown strategy 'nope'"),
    (["--strategies", "team_korea", "--role", "XXX"], "no country 'XXX'"),
    (["--strategies", "missing_file.py:Cls"], "does not exist"),
    (["--strategies", "game.actions:NoSuchClass"], "no strategy class"),
    (["--strategies", "team_korea", "--scenario", "no_such_scenario"], "no_such_scenario"),
    (["--strategies", "team_korea,team_korea"], "named twice"),
])
def test_bad_choices_are_usage_errors(tmp_path, argv, needle):
    code, _out, err = cli("tournament", "--seeds", "2", "--out", str(tmp_path), *argv)
    assert code == 2 and needle in err and "Traceback" not in err
    if "unknown strategy" in needle:
        assert "team_korea, laissez_faire" not in err and "laissez_faire" in err and "random" in err


@pytest.mark.parametrize(("backend", "module", "needle"), [("dask", "distributed", "pip install 'dask[distributed]'"),
                                                       ("ray", "ray", "pip install 'ray'")])
def test_a_distributed_backend_runs_identically_or_says_how_to_install_it(tmp_path, backend, module, needle):
    """--backend dask|ray: where the package is installed the same batches give the same rows as
    local processes; where it is not, a usage error names the pip command."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        code, _out, err = cli("tournament", "--seeds", "2", "--out", str(tmp_path), "--strategies", "team_korea",
                              "--backend", backend)
        assert code == 2 and needle in err and "Traceback" not in err
        return
    local = run_tournament(Options(strategies=["team_korea", "laissez_faire"], seeds=3, out=tmp_path / "local",
                                   workers=1, progress=False, plots=False))
    remote = run_tournament(Options(strategies=["team_korea", "laissez_faire"], seeds=3, out=tmp_path / backend,
                                    workers=1, backend=backend, progress=False, plots=False))
    assert local.played == remote.played == 6
    rows = {name: [(r["strategy"], r["seed"], r["total"]) for r in db_rows(tmp_path / name)]
            for name in ("local", backend)}
    assert rows["local"] == rows[backend]


@pytest.mark.parametrize("argv", [
    ["--seeds", "x"], ["--seeds", "0"], ["--workers", "-1"], ["--decision-timeout", "nan"], ["--backend", "mpi"],
])
def test_bad_flags_exit_2_without_traceback(tmp_path, argv):
    base = {"--strategies": "team_korea", "--seeds": "2", "--out": str(tmp_path)}
    for flag, value in zip(argv[::2], argv[1::2], strict=True):
        base[flag] = value
    code, _out, err = cli("tournament", *[x for kv in base.items() for x in kv])
    assert code == 2 and "Traceback" not in err and argv[0] in err


def test_the_command_line_in_a_fresh_process_in_korean(tmp_path):
    done = subprocess.run([sys.executable, "main.py", "tournament", "--strategies", "team_korea,all_nvidia",
                           "--seeds", "2", "--out", str(tmp_path), "--workers", "2", "--lang", "ko", "--no-plots"],
                          cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "토너먼트 순위표" in done.stdout and "team_korea" in done.stdout
    assert "game/s" in done.stderr  # the progress bar


def test_the_core_never_imports_matplotlib_or_the_tournament():
    code = ("import sys; import game.model, game.cli, agents.controllers; "
            "print('matplotlib' in sys.modules, 'game.tournament.worker' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "False"]


def test_seeds_are_drawn_in_the_parent_and_extend_stably():
    assert draw_seeds(2025, 3) == draw_seeds(2025, 10)[:3]
    assert all(0 <= s < 2**63 for s in draw_seeds(1, 100))
    assert tournament_run.batches_of([("a", "KOR", 1), ("b", "KOR", 1), ("a", "KOR", 2)], 1)[0] == [("a", "KOR", 1)]


def test_ctrl_c_keeps_every_finished_game_and_the_rerun_finishes(tmp_path):
    import signal
    import time

    argv = [sys.executable, "main.py", "tournament", "--strategies", "team_korea,random", "--seeds", "100",
            "--out", str(tmp_path), "--workers", "2", "--quiet", "--no-plots"]
    child = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             encoding="utf-8", preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    database = tmp_path / "results.sqlite"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not recorded(database.parent):
        time.sleep(0.1)  # wait for the first finished batch
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=240)  # a busy machine finishes running batches slowly
    assert child.returncode == 130 and "Traceback" not in err, err
    kept = len(db_rows(tmp_path))
    assert 0 < kept < 200 and f"interrupted: {kept} games" in out
    again = run_tournament(Options(strategies=["team_korea", "random"], seeds=100, out=tmp_path, workers=2,
                                   progress=False, plots=False))
    assert again.skipped == kept and again.played == 200 - kept and len(db_rows(tmp_path)) == 200


def test_a_saved_policy_plays_by_name_and_a_missing_one_is_a_usage_error(tmp_path):
    """`policy:PATH` (docs/training.md) makes a PolicyController from a file `train` wrote."""
    pytest.importorskip("gymnasium")
    import numpy as np

    from agents.plugins import SpecError
    from game.env import LinearPolicy, PolicyController
    from game.tournament.strategies import factory

    path = tmp_path / "policy.json"
    levers, countries = ["chip_incentive", "rd_grant"], ["KOR", "USA"]
    LinearPolicy(np.zeros(LinearPolicy.size(levers, countries)), levers, countries).save(path)
    made = factory(f"policy:{path}", "KOR")()
    assert isinstance(made, PolicyController) and made.path == str(path)
    with pytest.raises(SpecError, match="no policy file"):
        factory(f"policy:{tmp_path / 'missing.json'}", "KOR")
    old = tmp_path / "old.json"  # the first trainer's format: refused before any game, not forfeited in each
    old.write_text('{"format": "team-korea-linear-policy/1", "nvec": [6, 5, 6, 6, 6, 5], "theta": []}')
    with pytest.raises(SpecError, match="train it again"):
        factory(f"policy:{old}", "KOR")


# --- resume safety: the meta table ------------------------------------------------------------------------------

def meta_table(folder: Path) -> dict[str, str]:
    db = sqlite3.connect(folder / "results.sqlite")
    entries = dict(db.execute("SELECT key, value FROM meta"))
    db.close()
    return entries


def untouched(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def edit_a_value(scenario: Path) -> None:
    """A change the scenario's content hash sees (a comment alone changes no value)."""
    text = scenario.read_text(encoding="utf-8")
    assert "interest_rate = 0.015 " in text
    scenario.write_text(text.replace("interest_rate = 0.015 ", "interest_rate = 0.016 ", 1), encoding="utf-8")


@pytest.fixture
def small_run(tmp_path):
    """One game per strategy on a private copy of the baseline scenario, and a way to re-run it."""
    import hashlib

    from game.scenario import scenario_hash

    scenario = tmp_path / "copy.toml"
    scenario.write_bytes((ROOT / "assets" / "scenarios" / "baseline.toml").read_bytes())
    strategy = tmp_path / "mine.py"
    strategy.write_text("class Idle:\n    def decide(self, obs):\n        return []\n", encoding="utf-8")
    out = tmp_path / "out"
    argv = ["tournament", "--strategies", f"laissez_faire,{strategy}:Idle", "--seeds", "1", "--out", str(out),
            "--workers", "0", "--quiet", "--no-plots", "--scenario", str(scenario)]
    code, _out, err = cli(*argv)
    assert code == 0, err
    entries = meta_table(out)
    assert entries["scenario_sha256"] == scenario_hash(str(scenario))
    assert entries["turns"] == "20" and entries["decision_timeout"] == "5" and entries["roles"] == "KOR"
    assert entries["strategy:laissez_faire"] == "built-in"
    assert entries[f"strategy:{strategy}:Idle"] == "sha256:" + hashlib.sha256(strategy.read_bytes()).hexdigest()
    assert entries["code_version"].startswith("0.1.0+") and "numpy" in entries["libraries"]
    return out, scenario, strategy, argv


def test_a_rerun_with_the_same_setup_resumes_and_may_add_strategies_and_roles(small_run):
    out, _scenario, _strategy, argv = small_run
    code, stdout, err = cli(*argv)
    assert code == 0 and "2 already in the database" in stdout, err
    argv = [*argv[:2], argv[2] + ",team_korea", *argv[3:], "--role", "all"]
    code, stdout, err = cli(*argv)
    assert code == 0, err
    entries = meta_table(out)
    assert entries["strategy:team_korea"] == "built-in"
    assert entries["roles"].startswith("KOR,") and "USA" in entries["roles"]


@pytest.mark.parametrize("change", ["scenario", "strategy", "timeout", "code", "difficulty"])
def test_a_rerun_under_a_different_setup_is_refused_and_changes_nothing(small_run, monkeypatch, change):
    out, scenario, strategy, argv = small_run
    before = untouched(out)
    if change == "scenario":
        edit_a_value(scenario)
        needle = "scenario_sha256: recorded "
    elif change == "strategy":
        strategy.write_text(strategy.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
        needle = f"strategy:{strategy}:Idle: recorded sha256:"
    elif change == "timeout":
        argv = [*argv, "--decision-timeout", "2.5"]
        needle = "decision_timeout: recorded 5, now 2.5"
    elif change == "difficulty":
        argv = [*argv, "--difficulty", "hard"]
        needle = "difficulty: recorded normal, now hard"
    else:
        from game.tournament import meta

        monkeypatch.setattr(meta, "code_version", lambda: "0.1.0+edited")
        needle = "code_version: recorded 0.1.0+"
    code, stdout, err = cli(*argv)
    assert code == 2 and needle in err and "--restart" in err and "--out" in err and "Traceback" not in err
    assert untouched(out) == before  # not a byte of the database or the CSV changed
    code, stdout, err = cli(*argv, "--restart")
    assert code == 0, err
    moved = [p for p in out.iterdir() if p.name.startswith("results-") and p.suffix == ".sqlite"]
    assert len(moved) == 1 and f"moved to {moved[0]}" in stdout
    old = sqlite3.connect(moved[0])
    assert old.execute("SELECT COUNT(*) FROM games").fetchone()[0] == 2  # the old results are kept
    old.close()
    assert len(db_rows(out)) == 2 and "0 already in the database" in stdout


def test_a_tournament_at_a_difficulty_plays_each_game_as_a_world_at_that_difficulty(tmp_path):
    from agents.controllers import make_controller
    from game.difficulty import Difficulty
    from game.model import World
    from game.scenario import load_scenario
    from game.tournament.run import draw_seeds

    out = tmp_path / "hard"
    code, board, err = cli("tournament", "--strategies", "team_korea", "--seeds", "2", "--out", str(out),
                           "--workers", "0", "--quiet", "--no-plots", "--difficulty", "hard", "--role", "JPN")
    assert code == 0, err
    assert "scenario baseline (Hard)" in board
    assert meta_table(out)["difficulty"] == "hard"
    rows = {int(r["seed"]): r["total"] for r in db_rows(out)}
    for seed in draw_seeds(2025, 2):
        world = World(load_scenario("baseline"), seed, controllers={"JPN": make_controller("JPN", "team_korea")},
                      tables=False, difficulty=Difficulty("hard", ("JPN",)))
        while not world.finished:
            world.step()
        assert rows[seed] == pytest.approx(world.scores["JPN"], abs=1e-9)
    japan = next(c for c in load_scenario("baseline").countries if c.id == "JPN")
    assert world.countries["JPN"].budget_per_quarter == pytest.approx(
        0.7 * (japan.budget_per_quarter + japan.policy_loans_per_quarter))
    code, _, err = cli("tournament", "--strategies", "team_korea", "--seeds", "1", "--out", str(out),
                       "--difficulty", "nightmare")
    assert code == 2 and "not a difficulty" in err


def test_a_database_without_a_meta_table_or_not_a_database_is_refused_in_both_languages(small_run):
    out, _scenario, _strategy, argv = small_run
    db = sqlite3.connect(out / "results.sqlite")
    db.execute("DROP TABLE meta")
    db.commit()
    db.close()
    before = untouched(out)
    code, _stdout, err = cli(*argv)
    assert code == 2 and "holds 2 games from an earlier version" in err and "--restart" in err
    code, _stdout, err = cli(*argv, "--lang", "ko")
    assert code == 2 and "이전 버전의 게임 2개" in err and "--restart" in err
    assert untouched(out) == before
    (out / "results.sqlite").write_bytes(b"these are my notes, not a database" * 100)
    code, _stdout, err = cli(*argv)
    assert code == 2 and "is not a tournament database" in err and "Traceback" not in err
    code, _stdout, err = cli(*argv, "--restart")
    assert code == 0 and len(db_rows(out)) == 2, err


# --- statistics: multiple-comparison control ---------------------------------------------------------------------

def test_holm_bonferroni_on_a_textbook_example():
    from game.tournament.stats import holm

    adjusted = holm({"w": 0.01, "x": 0.04, "y": 0.03, "z": 0.005})
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> non-decreasing: 0.06
    assert adjusted == pytest.approx({"z": 0.02, "w": 0.03, "y": 0.06, "x": 0.06})
    assert holm({}) == {} and holm({"only": 0.7}) == {"only": 0.7}
    assert holm({"a": 0.6, "b": 0.5})["a"] == 1.0  # capped at 1


def test_the_paired_t_test_matches_a_hand_computation():
    from game.tournament.stats import paired_test

    a = {1: 11.0, 2: 12.0, 3: 13.0, 4: 14.0, 5: 15.0, 6: 99.0}  # seed 6 not played by b: ignored
    b = {1: 10.0, 2: 10.0, 3: 10.0, 4: 10.0, 5: 10.0}
    p, mean = paired_test(a, b)  # differences 1..5: t = 3 / (1.5811 / sqrt 5) = 4.2426, 4 degrees of freedom
    assert mean == 3.0 and p == pytest.approx(0.013236, abs=1e-6)
    assert paired_test(b, a) == pytest.approx((0.013236, -3.0), abs=1e-6)
    assert paired_test({1: 5.0, 2: 6.0}, {1: 4.0, 2: 5.0}) == (0.0, 1.0)  # the same margin on every seed
    assert paired_test({1: 5.0, 2: 6.0}, {1: 5.0, 2: 6.0}) == (1.0, 0.0)


def _rows(scores: dict[str, list[float]]) -> list[dict]:
    return [{"strategy": s, "role": "KOR", "scenario": "x", "seed": seed, "outcome": "ok", "total": v, "refused": 0}
            for s, values in scores.items() for seed, v in enumerate(values)]


def test_groups_control_the_family_wise_error_and_the_footer_says_how():
    from game.tournament.stats import holm, leaderboard, paired_test

    base = [50.0, 52.0, 49.0, 51.0, 50.0, 53.0, 48.0, 50.0]
    b = [x - d for x, d in zip(base, [1.3, 0.2, 1.9, -0.4, 1.1, 0.6, 2.2, 0.1], strict=True)]
    c = [x - d for x, d in zip(b, [0.4, 1.8, -0.6, 1.5, 0.2, 2.0, -0.3, 0.7], strict=True)]
    scores = {"a": base, "b": b, "c": c}
    raw = {(x, y): paired_test(dict(enumerate(scores[x])), dict(enumerate(scores[y])))[0]
           for x, y in (("a", "b"), ("a", "c"), ("b", "c"))}
    assert raw[("a", "b")] == pytest.approx(0.02976, abs=1e-5)  # a beats b at 5% on its own ...
    assert holm(raw)[("a", "b")] == pytest.approx(2 * 0.02976, abs=1e-4)  # ... not among 3 comparisons
    assert holm(raw)[("a", "c")] < 0.001
    board = leaderboard(_rows(scores), list(scores), "KOR", "x")
    assert [(e.strategy, e.group) for e in board.entries] == [("a", "a"), ("b", "a"), ("c", "b")]
    assert board.pairs == 3
    text = render(board)
    assert "(3 in all)" in text and "Holm-Bonferroni" in text and "5%" in text
    assert "3쌍" in render(board, "ko") and "홈-본페로니" in render(board, "ko")


@pytest.mark.parametrize("workers", [2, 3])
def test_batches_keep_every_game_once_in_order_and_the_tail_is_cut_small(workers):
    from hypothesis import given
    from hypothesis import strategies as st

    @given(st.lists(st.tuples(st.sampled_from("abc"), st.just("KOR"), st.integers(0, 40)), unique=True),
           st.integers(1, 25))
    def check(games, size):
        batches = tournament_run.batches_of(games, size, workers)
        flat = [g for b in batches for g in b]
        assert sorted(flat) == sorted(games) and all(b and len({g[0] for g in b}) == 1 for b in batches)
        assert all(len(b) <= size for b in batches)
        whole = tournament_run.batches_of(games, size)
        if len(whole) > 2 * workers:
            assert flat == [g for b in whole for g in b]  # the same order, only cut finer
            assert all(len(b) <= -(-size // 4) for b in batches[-2 * workers:])

    check()


def test_a_finished_game_leaves_nothing_in_mesas_registry():
    """Mesa 3.3 keeps every model in a class-level registry; a worker that plays many games (Dask,
    Ray, --workers 0) releases each one, so its memory stays flat."""
    import mesa

    from game.tournament.tasks import Config

    registry = getattr(mesa.Agent, "_ids", {})
    before = len(registry)
    rows = worker.play_batch(Config("baseline", 5.0, ""), [("laissez_faire", "KOR", 1), ("random", "KOR", 2)])
    assert [r["outcome"] for r in rows] == ["ok", "ok"] and all(r["cpu_time"] > 0 for r in rows)
    assert len(registry) == before


# --- distributed backends on a cluster given by --address ---------------------------------------------------------

def _local_rows(tmp_path: Path) -> list[tuple]:
    run_tournament(Options(strategies=["team_korea", "laissez_faire"], seeds=3, out=tmp_path / "local", workers=1,
                           progress=False, plots=False))
    return [(r["strategy"], r["seed"], r["total"]) for r in db_rows(tmp_path / "local")]


def test_dask_plays_on_a_running_cluster_by_address_and_a_wrong_address_is_a_usage_error(tmp_path, monkeypatch):
    pytest.importorskip("distributed", reason="pip install -e '.[cluster]'")
    from dask.distributed import Client, LocalCluster

    from game.tournament import backends

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        outcome = run_tournament(Options(strategies=["team_korea", "laissez_faire"], seeds=3, out=tmp_path / "dask",
                                         backend="dask", address=cluster.scheduler_address, progress=False,
                                         plots=False))
        assert outcome.played == 6
        pids = {r["worker_pid"] for r in db_rows(tmp_path / "dask")}
        with Client(cluster) as client:
            assert pids == set(client.run(os.getpid).values())  # played by the cluster's own worker
    assert [(r["strategy"], r["seed"], r["total"]) for r in db_rows(tmp_path / "dask")] == _local_rows(tmp_path)
    monkeypatch.setattr(backends, "CONNECT_TIMEOUT", 1)
    code, _out, err = cli("tournament", "--strategies", "team_korea", "--seeds", "1", "--out", str(tmp_path / "x"),
                          "--backend", "dask", "--address", "tcp://127.0.0.1:9", "--quiet")
    assert code == 2 and "cannot reach a Dask scheduler" in err and "Traceback" not in err


def test_ray_plays_on_a_running_cluster_by_address(tmp_path, monkeypatch):
    """A Ray cluster started by another process (token authentication off, as on a trusted network)."""
    pytest.importorskip("ray", reason="pip install -e '.[ray]'")
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    head = subprocess.Popen([sys.executable, "-c", textwrap.dedent('''
        import signal, sys, time
        import ray
        info = ray.init(num_cpus=1, include_dashboard=False, logging_level="ERROR")
        print(info.address_info["gcs_address"], flush=True)
        signal.signal(signal.SIGTERM, lambda *_: (ray.shutdown(), sys.exit(0)))
        while True:
            time.sleep(0.5)
    ''')], stdout=subprocess.PIPE, text=True, env=env)
    try:
        address = head.stdout.readline().strip()
        assert address, "the Ray head did not start"
        monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
        outcome = run_tournament(Options(strategies=["team_korea", "laissez_faire"], seeds=3, out=tmp_path / "ray",
                                         backend="ray", address=address, progress=False, plots=False))
        assert outcome.played == 6
    finally:
        head.terminate()
        head.wait(timeout=60)
    assert [(r["strategy"], r["seed"], r["total"]) for r in db_rows(tmp_path / "ray")] == _local_rows(tmp_path)


def test_korean_plots_render_hangul_with_no_missing_glyph(trio, tmp_path):
    """With --lang ko the plots' titles are Korean, drawn in the Noto Sans KR pygame_gui ships:
    matplotlib warns for every glyph its font lacks, so no warning means no empty boxes."""
    import warnings

    from game.tournament.plots import write_plots

    out, outcome = trio
    rows = db_rows(out)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        written = write_plots(outcome.boards[0], rows, tmp_path, "ko")
    assert [p.name for p in written] == ["scores.png", "winrate.png", "components.png"]
    assert all(p.stat().st_size > 1000 for p in written)
    import matplotlib
    import matplotlib.pyplot as plt

    with pytest.warns(UserWarning, match="missing from font"), matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        fig, ax = plt.subplots()  # the control: matplotlib's default font has no Hangul, and says so
        ax.set_title("점수 분포")
        fig.savefig(tmp_path / "tofu.png")
        plt.close(fig)


def test_the_plots_mark_tied_groups_and_show_each_strategys_points_by_component(trio):
    """scores.png labels each strategy with its tied group ("team_korea [a]"); components.png is
    each strategy's mean points on every component of the seat's objective, over its games, with
    the components named by the scenario's rule (with their weights) in the reader's language."""
    from game.scenario import load_scenario
    from game.score import component_id, rule_of
    from game.tournament.plots import component_means, strategy_labels

    out, outcome = trio
    board, rows = outcome.boards[0], db_rows(out)
    groups = {e.strategy: e.group for e in board.entries}
    assert all(groups.values()) and strategy_labels(board) == [f"{n} [{groups[n]}]" for n in board.order()]
    rule = rule_of(load_scenario("baseline"), "KOR")
    labels, means = component_means(board, rows)
    assert labels[0].startswith(rule.components[0].label_en + " (") and labels[0].endswith("%)")
    assert len(labels) == len(rule.components) and component_means(board, rows, "ko")[0][0].startswith(
        rule.components[0].label_ko)
    for name, row in zip(board.order(), means, strict=True):
        mine = [r for r in rows if r["strategy"] == name]
        for c, mean in zip(rule.components, row, strict=True):
            assert mean == pytest.approx(sum(r[f"c_{component_id(c)}"] for r in mine) / len(mine))
    gone = [{**r, "scenario": str(out / "no-such-scenario.toml")} for r in rows]
    assert component_means(board, gone)[0] == sorted(f"{component_id(c)}" for c in rule.components), \
        "a scenario that cannot be read: the columns' own names"


def test_verify_accepts_a_code_change_that_moves_no_result_and_refuses_one_that_does(small_run, monkeypatch):
    from game.tournament import meta

    out, scenario, _strategy, argv = small_run
    monkeypatch.setattr(meta, "code_version", lambda: "0.1.0+refactored")
    code, _stdout, err = cli(*argv)
    assert code == 2 and "--verify N re-plays N recorded games" in err  # the refusal names the way on
    code, stdout, err = cli(*argv, "--verify", "2")
    assert code == 0 and "2 recorded games re-played with this code came out the same" in stdout, err
    assert meta_table(out)["code_version"] == "0.1.0+refactored" and len(db_rows(out)) == 2

    monkeypatch.setattr(meta, "code_version", lambda: "0.1.0+changed")
    real = worker.play_lineup

    def moved(*args, **kwargs):
        rows = real(*args, **kwargs)
        for row in rows:
            row["total"] += 1.0  # a code change that moves every score by a point
        return rows

    monkeypatch.setattr(worker, "play_lineup", moved)
    before = untouched(out)
    code, _stdout, err = cli(*argv, "--verify", "2")
    assert code == 2 and "(KOR): total: " in err and "--restart" in err and "Traceback" not in err
    assert untouched(out) == before
    edit_a_value(scenario)
    code, _stdout, err = cli(*argv, "--verify", "2")  # a changed scenario cannot be verified away
    assert code == 2 and "scenario_sha256" in err and "--verify N" not in err
