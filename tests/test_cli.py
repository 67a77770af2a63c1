"""The command line as a user meets it: `python main.py sim | scenarios`, its JSON, text and CSV
outputs, and its refusals (exit code 2, a message, never a traceback)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from clitools import run_cli as run
from clitools import run_process

from game.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BOTTLENECKS = {"wafer", "hbm", "packaging", "components", "demand", "exited"}
SNAPSHOT_KEYS = {"turn", "date", "shares", "prices", "bottleneck", "korea", "score", "korea_index"}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@cache
def sim_json(*extra: str) -> dict:
    code, out, err = run("sim", "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def floats(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from floats(v)
    elif isinstance(value, list):
        for v in value:
            yield from floats(v)
    elif isinstance(value, float):
        yield value


# ------------------------------------------------------------------ sim --json


def test_json_document_has_the_documented_shape():
    doc = sim_json()
    assert set(doc) == {"scenario", "seed", "turns", "final", "series"}
    assert doc["scenario"] == "baseline" and doc["seed"] == 7 and doc["turns"] == 20
    assert len(doc["series"]) == 20
    assert doc["final"] == doc["series"][-1]
    assert doc["final"]["date"] == "2029Q4" and doc["final"]["turn"] == 20
    assert [s["date"] for s in doc["series"]][:5] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    for state in doc["series"]:
        assert set(state) == SNAPSHOT_KEYS
        assert set(state["shares"]) == {"hbm", "foundry", "packaging", "accelerator"}
        assert set(state["prices"]) == {"wafer", "hbm", "accelerator"}
        for shares in state["shares"].values():
            assert sum(shares.values()) == pytest.approx(1.0, abs=1e-5)  # 6-decimal rounding
        assert all(p > 0 for p in state["prices"].values())


def test_json_names_firms_by_their_display_names():
    final = sim_json()["final"]
    assert "SK hynix" in final["shares"]["hbm"] and "Samsung" in final["shares"]["hbm"]
    assert "TSMC" in final["shares"]["foundry"] and "Samsung Foundry" in final["shares"]["foundry"]
    assert "Nvidia" in final["shares"]["accelerator"] and "Rebellions" in final["shares"]["accelerator"]
    assert set(final["bottleneck"]) == set(final["shares"]["accelerator"])
    assert {"hbm_share", "domestic_compute_share", "chain_completeness"} <= set(final["korea"])


def test_every_bottleneck_is_one_of_the_documented_values():
    values = {why for state in sim_json()["series"] for why in state["bottleneck"].values()}
    assert values <= BOTTLENECKS
    assert values  # not empty


def test_json_floats_are_rounded_to_six_decimals():
    numbers = list(floats(sim_json()))
    assert numbers
    assert all(round(x, 6) == x for x in numbers)


def test_turns_flag_stops_early():
    doc = sim_json("--turns", "4")
    assert doc["turns"] == 4 and len(doc["series"]) == 4
    assert doc["final"]["date"] == "2025Q4"
    assert doc["series"] == sim_json()["series"][:4]  # a shorter game is a prefix of the full one


def test_seed_flag_is_reported_and_changes_the_game():
    a, b = sim_json("--seed", "3"), sim_json("--seed", "4")
    assert a["seed"] == 3 and b["seed"] == 4
    assert a["series"] != b["series"]
    assert a == sim_json("--seed", "3", "--turns", "20")


def test_scenario_given_as_a_file_path(tmp_path):
    text = (ROOT / "assets" / "scenarios" / "baseline.toml").read_text(encoding="utf-8")
    assert "\nturns = 20\n" in text
    path = tmp_path / "short.toml"
    path.write_text(text.replace("\nturns = 20\n", "\nturns = 8\n", 1), encoding="utf-8")
    doc = sim_json("--scenario", str(path))
    assert doc["turns"] == 8 and doc["final"]["date"] == "2026Q4"
    assert doc["series"] == sim_json()["series"][:8]


# ------------------------------------------------------------------ text summary


def year_rows(text: str) -> list[str]:
    return [line.split()[0] for line in text.splitlines() if re.match(r"^\d{4}Q[1-4]\s", line)]


def test_english_summary_has_a_row_per_year_and_the_final_state():
    code, out, _ = run("sim")
    assert code == 0
    assert year_rows(out) == ["2025Q4", "2026Q4", "2027Q4", "2028Q4", "2029Q4"]
    assert "Final state (2029Q4)" in out
    assert "Nvidia" in out and "SK hynix" in out
    assert not HANGUL.search(out.split("\n", 1)[1])  # only the bilingual title may hold Hangul


def test_summary_of_a_short_game_ends_with_its_last_quarter():
    code, out, _ = run("sim", "--turns", "6")
    assert code == 0
    assert year_rows(out) == ["2025Q4", "2026Q2"]
    assert "Final state (2026Q2)" in out


def test_no_arguments_opens_the_desktop_game(monkeypatch):
    """No arguments means `play`; with no display to show it on (SDL's dummy driver), it stops
    with a message and exit code 2 instead of running a game nobody can see."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    code, _, err = run()
    assert code == 2
    assert "cannot open a window" in err and "Traceback" not in err


def test_the_desktop_games_options_need_no_play_word(monkeypatch):
    """`python main.py --lang ko` is `play --lang ko` (issue 16: it was refused as an unknown
    command); a mistyped option is still a usage error, and --help is still the whole CLI's."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    code, _, err = run("--lang", "ko")
    assert code == 2 and "cannot open a window" in err and "invalid choice" not in err
    code, _, err = run("--lang", "fr")
    assert code == 2 and "--lang" in err and "Traceback" not in err
    code, out, _ = run("--help")
    assert code == 0 and "tournament" in out


def test_korean_summary():
    code, out, _ = run("sim", "--lang", "ko")
    assert code == 0
    assert "최종 상태" in out and "엔비디아" in out and "SK하이닉스" in out
    rows = [" ".join(line.split()[:2]) for line in out.splitlines() if re.match(r"^\d{4}년 [1-4]분기\s", line)]
    assert rows == ["2025년 4분기", "2026년 4분기", "2027년 4분기", "2028년 4분기", "2029년 4분기"]
    assert "20개 분기 (2025년 1분기~2029년 4분기)" in out  # a Korean reader's quarters, not 2025Q1
    assert "Final state" not in out and not re.search(r"\d{4}Q[1-4]", out)


# ------------------------------------------------------------------ --csv


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def test_csv_writes_the_model_and_agent_tables(tmp_path):
    folder = tmp_path / "new" / "tables"  # created, parents too
    code, out, err = run("sim", "--seed", "3", "--csv", str(folder))
    assert code == 0, err
    assert str(folder / "model.csv") in out and str(folder / "agents.csv") in out

    columns, rows = read_csv(folder / "model.csv")
    assert len((folder / "model.csv").read_text(encoding="utf-8").splitlines()) == 22  # header + steps 0..20
    assert [int(r["step"]) for r in rows] == list(range(21))
    assert {"step", "date", "shares.hbm.SK hynix", "shares.foundry.TSMC", "shares.accelerator.Nvidia",
            "korea.hbm_share", "prices.hbm", "bottleneck.Nvidia"} <= set(columns)
    assert rows[-1]["date"] == "2029Q4" and rows[1]["date"] == "2025Q1"
    # step 0: the opening state as the starting positions trade (World.opening_record), not zeros
    assert 0.4 < float(rows[0]["shares.hbm.SK hynix"]) < 0.8 and float(rows[0]["korea.hbm_share"]) > 0.8
    final = sim_json("--seed", "3")["final"]
    assert float(rows[-1]["shares.hbm.SK hynix"]) == pytest.approx(final["shares"]["hbm"]["SK hynix"], abs=1e-6)
    assert float(rows[-1]["korea.hbm_share"]) == pytest.approx(final["korea"]["hbm_share"], abs=1e-6)

    columns, rows = read_csv(folder / "agents.csv")
    assert {"kind", "name", "capacity", "cash"} <= set(columns)
    steps = sorted({int(r["Step"]) for r in rows})
    assert steps == list(range(21))
    per_step = [sum(1 for r in rows if int(r["Step"]) == s) for s in steps]
    assert len(set(per_step)) == 1 and per_step[0] > 0
    sk = [r for r in rows if r["name"] == "SK hynix"]
    assert len(sk) == 21 and {r["kind"] for r in sk} == {"hbm_maker"}
    assert float(sk[0]["capacity"]) == load_scenario("baseline").hbm_makers[0].capacity


def test_csv_with_json_prints_only_the_document(tmp_path):
    code, out, _ = run("sim", "--json", "--turns", "2", "--csv", str(tmp_path))
    assert code == 0
    assert json.loads(out)["turns"] == 2
    _, rows = read_csv(tmp_path / "model.csv")
    assert len(rows) == 3  # steps 0, 1, 2


def test_csv_of_a_loaded_game_holds_every_step_as_if_played_without_stopping(tmp_path):
    """Worlds keep the DataCollector's tables only when `--csv` asks for them; a game continued
    from a save re-plays its first turns, and those rows are in the tables too."""
    save = tmp_path / "three.json"
    assert run("sim", "--seed", "5", "--turns", "3", "--save", str(save))[0] == 0
    code, _, err = run("sim", "--load", str(save), "--turns", "2", "--csv", str(tmp_path / "loaded"))
    assert code == 0, err
    assert run("sim", "--seed", "5", "--turns", "5", "--csv", str(tmp_path / "straight"))[0] == 0
    for name in ("model.csv", "agents.csv"):
        loaded = (tmp_path / "loaded" / name).read_text(encoding="utf-8")
        assert loaded == (tmp_path / "straight" / name).read_text(encoding="utf-8"), name
    _, rows = read_csv(tmp_path / "loaded" / "model.csv")
    assert [int(r["step"]) for r in rows] == list(range(6))


def test_csv_refuses_an_existing_file(tmp_path):
    target = tmp_path / "taken.txt"
    target.write_text("keep me", encoding="utf-8")
    code, out, err = run("sim", "--csv", str(target))
    assert code == 2
    assert out == ""
    assert str(target) in err and "not a folder" in err
    assert target.read_text(encoding="utf-8") == "keep me"


# ------------------------------------------------------------------ scenarios


def test_scenarios_lists_the_baseline_with_its_description():
    meta = load_scenario("baseline").scenario
    code, out, _ = run("scenarios")
    assert code == 0
    line = next(line for line in out.splitlines() if line.split()[:1] == ["baseline"])
    assert meta.title_en in line and meta.description_en in line


def test_scenarios_in_korean():
    meta = load_scenario("baseline").scenario
    code, out, _ = run("scenarios", "--lang", "ko")
    assert code == 0
    assert meta.title_ko in out and meta.description_ko in out
    assert "기본 시나리오" in out


# ------------------------------------------------------------------ usage errors


@pytest.mark.parametrize(("argv", "says"), [
    (["sim", "--bogus"], "--bogus"),
    (["--bogus"], "--bogus"),
    (["sim", "--turns", "0"], "--turns"),
    (["sim", "--turns", "99"], "--turns 99"),
    (["sim", "--turns", "four"], "four"),
    (["sim", "--seed", "abc"], "abc"),
    (["sim", "--seed", "-1"], "--seed"),
    (["sim", "--lang", "fr"], "fr"),
    (["sim", "--scenario", "nope"], "nope"),
    (["sim", "--scenario", "missing/file.toml"], "missing/file.toml"),
])
def test_usage_errors_exit_2_with_a_message(argv, says):
    done = run_process(*argv)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert says in done.stderr
    assert done.stdout == ""


def test_broken_scenario_file_names_the_file_and_field(tmp_path):
    text = (ROOT / "assets" / "scenarios" / "baseline.toml").read_text(encoding="utf-8")
    path = tmp_path / "typo.toml"
    path.write_text(text.replace("price_response =", "price_respons =", 1), encoding="utf-8")
    done = run_process("sim", "--scenario", str(path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert str(path) in done.stderr and "price_respons" in done.stderr


def test_core_does_not_import_pygame():
    code = ("import sys, game.model, game.cli, game.summary, game.scenario; "
            "assert 'pygame' not in sys.modules and 'pygame_gui' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------------------ a reader that stops early


@pytest.mark.skipif(sys.platform == "win32", reason="Windows reports a closed pipe as EINVAL, not EPIPE")
@pytest.mark.parametrize("argv", [("sim", "--turns", "1"), ("scenarios",), ("sim", "--turns", "2", "--explain")])
def test_a_reader_that_stops_early_ends_the_output_quietly(argv):
    """`python main.py sim | head -2`: the reader has gone before the output is written (its end of
    the pipe is closed here before the program prints), which must not end in a traceback."""
    process = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *argv], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.close()
    err = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    assert process.wait(timeout=120) == 1, err
    assert err == "", "nothing on stderr: no traceback, no 'Exception ignored' at exit"


def test_head_reads_the_first_lines_of_the_summary():
    if not shutil.which("head") or not shutil.which("sh"):
        pytest.skip("needs a POSIX shell and head")
    done = subprocess.run(["sh", "-c", f'"{sys.executable}" main.py sim --turns 2 | head -2'], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 2 and "Team Korea" in done.stdout
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


# ------------------------------------------------------------------ --turns: one rule


def test_turns_zero_and_negative_are_refused_by_the_same_rule_stated_in_help():
    messages = []
    for value in ("0", "-1", "-20"):
        code, out, err = run("sim", "--turns", value)
        assert code == 2 and out == ""
        messages.append(err.strip().splitlines()[-1].replace(f"'{value}'", "N"))
    assert len(set(messages)) == 1, messages
    assert "1 or more" in messages[0]
    code, out, _ = run("sim", "--help")
    assert code == 0
    help_text = " ".join(out.split())
    assert "from 1 to the quarters left to play" in help_text
    code, out, _ = run("play", "--help")
    assert "from 1 to the quarters left to play" in " ".join(out.split())


def test_autoplay_beyond_the_term_is_refused_like_turns(tmp_path):
    code, out, err = run("play", "--autoplay", "21", "--screenshot", str(tmp_path / "shot.png"))
    assert code == 2 and out == ""
    assert "--autoplay 21" in err and "20 turns" in err
    assert not (tmp_path / "shot.png").exists()
    code, _, err = run("play", "--autoplay", "0")
    assert code == 2 and "1 or more" in err


@pytest.fixture(scope="module")
def saves(tmp_path_factory):
    """A finished game and one with two quarters left."""
    folder = tmp_path_factory.mktemp("saves")
    finished, part = folder / "finished.json", folder / "part.json"
    assert run("sim", "--save", str(finished))[0] == 0
    assert run("sim", "--turns", "18", "--save", str(part))[0] == 0
    return finished, part


def test_load_of_a_finished_game_with_turns_says_the_game_is_over(saves):
    finished, _ = saves
    done = run_process("sim", "--load", str(finished), "--turns", "1")
    assert done.returncode == 2 and done.stdout == ""
    assert "Traceback" not in done.stderr and "RuntimeError" not in done.stderr
    assert "is over" in done.stderr and "20 of 20" in done.stderr and str(finished) in done.stderr
    code, out, _ = run("sim", "--load", str(finished))  # without --turns: its summary
    assert code == 0 and "Final state (2029Q4)" in out


def test_load_with_more_turns_than_are_left_is_refused_and_the_rest_can_be_played(saves):
    _, part = saves
    code, out, err = run("sim", "--load", str(part), "--turns", "3")
    assert code == 2 and out == ""
    assert "--turns 3" in err and "2 turns left" in err and "18 of 20" in err
    code, out, err = run("sim", "--load", str(part), "--turns", "2", "--json")
    assert code == 0, err
    assert json.loads(out)["final"]["date"] == "2029Q4"


@pytest.mark.parametrize("flag", ["--load", "--save"])
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_save_name_is_a_usage_error_not_a_new_game(flag, value):
    done = run_process("sim", flag, value, "--turns", "1")
    assert done.returncode == 2, done.stdout[-300:]
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert f"{flag} needs a name or a path" in done.stderr


# ------------------------------------------------------------------ play --screenshot


@pytest.mark.parametrize("where", ["missing/shot.png", "missing/deeper/shot.png"])
def test_a_screenshot_into_a_missing_folder_is_refused_before_playing(tmp_path, where):
    shot = tmp_path / where
    done = run_process("play", "--autoplay", "1", "--screenshot", str(shot), timeout=60)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert "does not exist" in done.stderr and str(shot.parent) in done.stderr
    assert not shot.parent.exists(), "the folder is not created behind the user's back"


def test_a_screenshot_path_that_is_a_folder_is_refused(tmp_path):
    (tmp_path / "dir.png").mkdir()
    code, _, err = run("play", "--screenshot", str(tmp_path / "dir.png"))
    assert code == 2 and "is a folder" in err


def test_autoplay_plays_another_first_team_by_its_own_programme(tmp_path):
    """`--humans JPN --autoplay` plays Japan by Japan's real programme and reports Japan's own
    score, not Korea's strategy and index."""
    shot = tmp_path / "jpn.png"
    done = run_process("play", "--humans", "JPN", "--autoplay", "3", "--screenshot", str(shot), timeout=60)
    assert done.returncode == 0, done.stderr
    assert "with default" in done.stdout and "Japan on its own objective" in done.stdout
    assert "Team Korea index" not in done.stdout and shot.exists()
