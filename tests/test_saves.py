"""Saves, autosaves and replays (issue 4): a game stopped and continued is the same game byte for
byte, a crash during a write loses nothing, autosaves keep the last 10, `replay` names the turn
where a save stops matching its log, and every hostile or broken file is refused with exit code 2
and a message naming the file and the problem (`SaveError` in the library), never a traceback and
never a half-loaded world. A hypothesis fuzz mutates real saves; a format-1 save kept as a
fixture must keep loading through the migration path.

The fixture tests/fixtures/save_v2.json was made (on an AVX-512 machine) with
    python main.py sim --control KOR=team_korea --turns 6 --save tests/fixtures/save_v2.json
Loading re-plays the log and checks it against each turn's checkpoint, so a change to the model's
dynamics or to the values in assets/scenarios/baseline.toml invalidates it (as it does every
player's saves): regenerate it with that command. A change of the save *format* must not: it needs
a migration in game.saves.MIGRATIONS instead. Format-1 saves (exact digests per turn) are made in
the tests from current ones (`as_format_1`), so their migration is tested whatever the model.

Saves travel between machines: numbers are compared at the precision game.precision states. The
tests imitate another CPU three ways: the fixture itself (written on one machine, read on every
machine CI runs on), numpy's SIMD paths switched off in a child process (NPY_DISABLE_CPU_FEATURES;
vacuous on a machine without them), and every float of a save nudged by an ulp or two, or numpy's
exp and log nudged by an ulp while the save re-plays.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from clitools import run_cli as run
from clitools import run_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.controllers import make_controller
from game import saves
from game.model import World
from game.saves import SaveError, document, load_game, read_save, save_path, verify, world_state, write_save
from game.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "save_v2.json"
BASELINE_TOML = ROOT / "assets" / "scenarios" / "baseline.toml"
TURNS = 20  # the baseline scenario's length


# ------------------------------------------------------------------ helpers


def new_world(strategy: str = "team_korea", seed: int = 7) -> World:
    return World(load_scenario("baseline"), seed=seed, controllers={"KOR": make_controller("KOR", strategy)})


def played(strategy: str = "team_korea", seed: int = 7, turns: int = TURNS) -> World:
    world = new_world(strategy, seed)
    for _ in range(turns):
        world.step()
    return world


def save_to(world: World, path: Path) -> bytes:
    """Write `world`'s save with write_save and return the file's bytes."""
    return write_save(path, document(world, "baseline")).read_bytes()


@cache
def final_save(strategy: str, seed: int) -> bytes:
    """The bytes of the final save of the game played without stopping."""
    text = json.dumps(document(played(strategy, seed), "baseline"), ensure_ascii=False, allow_nan=False, indent=1)
    return text.encode("utf-8")


@cache
def short_save_text(strategy: str = "team_korea", seed: int = 7, turns: int = 4) -> str:
    return json.dumps(document(played(strategy, seed, turns), "baseline"), ensure_ascii=False, indent=1)


def short_save(strategy: str = "team_korea", seed: int = 7, turns: int = 4) -> dict:
    return json.loads(short_save_text(strategy, seed, turns))


def firm_with(doc: dict, field: str) -> str:
    return next(name for name, row in doc["state"]["firms"].items() if field in row)


def entry_with_rate(doc: dict, min_rate: float = 0.05) -> int:
    return next(i for i, e in enumerate(doc["log"]) if _changeable(e, min_rate))


def _changeable(entry: dict, min_rate: float = 0.05) -> bool:
    """A controller's accepted Action with a rate: changing it changes the game."""
    action = entry.get("action")
    return (entry["source"] == "controller" and entry.get("refused") is None and action is not None
            and action.get("rate", 0) > min_rate)


def finite_numbers(value) -> bool:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return True
    if isinstance(value, int | float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite_numbers(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(finite_numbers(v) for v in value)
    return True


def assert_valid_world(world: World) -> None:
    """What a loaded world must satisfy: plain finite state, shares that sum to 1 (or all 0)."""
    state = world_state(world)
    json.dumps(state, allow_nan=False)
    assert finite_numbers(state)
    assert len(world.history) == world.turn
    for snap in world.history:
        assert finite_numbers(snap)
        for market, shares in snap["shares"].items():
            values = list(shares.values())
            assert all(v >= 0 for v in values), (market, shares)
            total = sum(values)
            assert total == pytest.approx(1.0, abs=1e-9) or all(v == 0 for v in values), (market, shares)


# ------------------------------------------------------------------ round trip


# adaptive reads the board and its own past Actions each quarter (Observation.history, prices_before):
# while it remembered them itself, a game saved and continued went on differently (seed 5 from turn 4)
ROUND_TRIP_GAMES = [("random", 7), ("random", 1), ("team_korea", 7), ("laissez_faire", 2), ("adaptive", 5)]


@pytest.mark.parametrize("k", [0, 1, 4, 6, 13, 19, 20])
@pytest.mark.parametrize(("strategy", "seed"), ROUND_TRIP_GAMES)
def test_a_game_saved_at_turn_k_and_continued_ends_byte_identical(tmp_path, strategy, seed, k):
    world = played(strategy, seed, k)
    save_to(world, tmp_path / "at_k.json")
    loaded, save = load_game(tmp_path / "at_k.json")
    assert save.turn == k and loaded.turn == k
    while loaded.turn < TURNS:
        loaded.step()
    assert save_to(loaded, tmp_path / "end.json") == final_save(strategy, seed)


def test_a_loaded_game_saves_back_to_the_same_bytes(tmp_path):
    """Loading is faithful: the world a save gives back writes that same save."""
    first = save_to(played("random", 1, 9), tmp_path / "a.json")
    loaded, _ = load_game(tmp_path / "a.json")
    assert save_to(loaded, tmp_path / "b.json") == first


def test_stopping_and_resuming_again_and_again_changes_nothing(tmp_path):
    world = new_world("random", 1)
    for turn in range(1, TURNS + 1):
        world.step()
        if turn % 3 == 0:
            save_to(world, tmp_path / "g.json")
            world, _ = load_game(tmp_path / "g.json")
    assert save_to(world, tmp_path / "end.json") == final_save("random", 1)


def test_event_choices_are_replayed(tmp_path):
    """The log's event choices (random KOR, seed 1: the second choice of an event at turn 8) are what
    the loaded game re-plays, not the controller's default first choice; another choice is another game."""
    doc = document(played("random", 1, 12), "baseline")
    choices = [e for e in doc["log"] if e["source"] == "choice"]
    assert any(e["choice"] != 0 for e in choices)
    write_save(tmp_path / "g.json", doc)
    loaded, _ = load_game(tmp_path / "g.json")
    assert [e for e in loaded.governance.log if e["source"] == "choice"] == choices
    edited = next(e for e in doc["log"] if e["source"] == "choice" and e["choice"] != 0)
    edited["choice"] = 0
    write_save(tmp_path / "edited.json", doc)
    with pytest.raises(SaveError, match=rf"diverges from the save at turn {edited['turn']}\b"):
        load_game(tmp_path / "edited.json")


def test_greedy_round_trip(tmp_path):
    """The one-step-lookahead strategy previews on copies of the world; that must not disturb a save."""
    save_to(played("greedy", 7, 10), tmp_path / "g.json")
    loaded, _ = load_game(tmp_path / "g.json")
    while loaded.turn < TURNS:
        loaded.step()
    assert save_to(loaded, tmp_path / "end.json") == final_save("greedy", 7)


@pytest.mark.parametrize("strategy", ["random", "team_korea", "laissez_faire"])
def test_cli_load_continues_to_the_same_game(tmp_path, strategy):
    control = ("--control", f"KOR={strategy}", "--seed", "1")
    code, full_json, err = run("sim", *control, "--json", "--save", str(tmp_path / "full.json"))
    assert code == 0, err
    code, _, err = run("sim", *control, "--turns", "8", "--save", str(tmp_path / "part.json"))
    assert code == 0, err
    code, resumed_json, err = run("sim", "--load", str(tmp_path / "part.json"), "--json",
                                  "--save", str(tmp_path / "end.json"))
    assert code == 0, err
    assert json.loads(resumed_json) == json.loads(full_json)
    assert resumed_json == full_json
    assert (tmp_path / "end.json").read_bytes() == (tmp_path / "full.json").read_bytes()


def test_cli_load_with_turns_plays_that_many_more_and_can_save_in_place(tmp_path):
    game = tmp_path / "g.json"
    assert run("sim", "--control", "KOR=random", "--turns", "5", "--save", str(game))[0] == 0
    code, _, err = run("sim", "--load", str(game), "--turns", "3", "--save", str(game))
    assert code == 0, err
    assert json.loads(game.read_text())["turn"] == 8
    code, _, err = run("sim", "--load", str(game), "--turns", "50", "--save", str(game))  # more than are left
    assert code == 2 and "12 turns left" in err and json.loads(game.read_text())["turn"] == 8
    code, _, err = run("sim", "--load", str(game), "--turns", "12", "--save", str(game))
    assert code == 0, err
    assert json.loads(game.read_text())["turn"] == TURNS
    assert game.read_bytes() == final_save("random", 7)


def test_cli_load_refuses_flags_that_the_save_decides(tmp_path):
    game = tmp_path / "g.json"
    assert run("sim", "--turns", "2", "--save", str(game))[0] == 0
    for extra in (("--seed", "3"), ("--control", "KOR=random"), ("--scenario", "baseline")):
        code, out, err = run("sim", "--load", str(game), *extra)
        assert code == 2 and out == ""
        assert err.startswith("error: ") and "--load" in err and "Traceback" not in err


def test_bare_save_names_live_in_the_saves_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("sim", "--turns", "3", "--save", "my-game_1")[0] == 0
    assert (tmp_path / "saves" / "my-game_1.json").is_file()
    code, _, err = run("sim", "--load", "my-game_1", "--turns", "1", "--save", "my-game_1")
    assert code == 0, err
    assert json.loads((tmp_path / "saves" / "my-game_1.json").read_text())["turn"] == 4
    code, out, err = run("replay", "my-game_1")
    assert code == 0, err
    assert "every turn matches" in out


# ------------------------------------------------------------------ replay


def test_replay_of_a_good_save_says_every_turn_matches(tmp_path):
    path = tmp_path / "good.json"
    save_to(played("random", 1, TURNS), path)
    code, out, err = run("replay", str(path))
    assert code == 0, err
    assert str(path) in out and f"{TURNS} turns" in out and "every turn matches" in out
    assert verify(path) == (TURNS, None)


def test_replay_of_the_cli_save_in_a_fresh_process(tmp_path):
    path = tmp_path / "good.json"
    result = run_process("sim", "--control", "KOR=random", "--turns", "7", "--save", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    result = run_process("replay", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "7 turns" in result.stdout and "every turn matches" in result.stdout


@pytest.mark.parametrize(("strategy", "seed"), [("team_korea", 7), ("random", 1)])
def test_replay_of_a_save_with_an_edited_log_names_the_turn_where_it_diverges(tmp_path, strategy, seed):
    doc = document(played(strategy, seed, 12), "baseline")
    # the last accepted Action with a rate, so the divergence is not simply turn 1 for the random game
    i = max(i for i, e in enumerate(doc["log"]) if _changeable(e))
    edited_turn = doc["log"][i]["turn"]
    doc["log"][i]["action"]["rate"] = round(doc["log"][i]["action"]["rate"] / 2, 6)
    path = tmp_path / "edited.json"
    write_save(path, doc)
    turns, diverged = verify(path)
    assert turns == 12 and diverged is not None and edited_turn <= diverged <= 12
    code, out, err = run("replay", str(path))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and str(path) in err and "Traceback" not in err
    assert re.search(rf"diverges .*at turn {diverged}\b", err), err


@pytest.mark.parametrize("turn", [1, 5, 12])
def test_replay_names_exactly_the_turn_whose_checkpoint_was_edited(tmp_path, turn):
    doc = short_save("random", 1, 12)
    doc["checkpoints"][turn - 1]["score"]["KOR"] += 0.01
    path = tmp_path / "edited.json"
    write_save(path, doc)
    assert verify(path) == (12, turn)
    code, _, err = run("replay", str(path))
    assert code == 2 and f"at turn {turn}" in err
    with pytest.raises(SaveError, match=f"at turn {turn}"):
        load_game(path)


def test_replay_of_an_edited_state_is_refused(tmp_path):
    doc = short_save()
    name = firm_with(doc, "cash")
    doc["state"]["firms"][name]["cash"] *= 1.001
    path = tmp_path / "edited.json"
    write_save(path, doc)
    code, _, err = run("replay", str(path))
    assert code == 2 and "diverges" in err and str(path) in err


def test_replay_refuses_what_load_refuses_an_edited_rng_state(tmp_path):
    doc = short_save()
    doc["rng"]["numpy"]["state"]["state"] += 1
    path = tmp_path / "edited.json"
    write_save(path, doc)
    with pytest.raises(SaveError, match="random state"):
        load_game(path)
    code, _, _ = run("replay", str(path))
    assert code == 2


def test_replay_of_a_malformed_controller_rng_is_refused_cleanly(tmp_path):
    doc = short_save()
    del doc["rng"]["controllers"]["KOR"]["state"]
    path = tmp_path / "bad.json"
    write_save(path, doc)
    with pytest.raises(SaveError):
        load_game(path)  # load_game already wraps it
    code, _, err = run("replay", str(path))
    assert code == 2 and str(path) in err


def test_replay_of_a_bad_file_is_refused_cleanly(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    code, out, err = run("replay", str(path))
    assert code == 2 and out == "" and err.startswith("error: ") and str(path) in err and "JSON" in err
    code, _, err = run("replay", str(tmp_path / "missing.json"))
    assert code == 2 and "no such file" in err


# ------------------------------------------------------------------ atomic writes


class Crash(Exception):
    pass


@pytest.mark.parametrize(("target", "error"), [
    ("fsync", Crash), ("replace", Crash), ("chmod", Crash), ("fsync", KeyboardInterrupt), ("replace", OSError),
])
def test_a_crash_during_a_write_leaves_the_previous_save_intact(tmp_path, monkeypatch, target, error):
    path = tmp_path / "game.json"
    before = save_to(played("team_korea", 7, 3), path)
    newer = document(played("team_korea", 7, 6), "baseline")

    def crash(*args, **kwargs):
        raise error("crash in the middle of the write")

    monkeypatch.setattr(os, target, crash)
    with pytest.raises(error):
        write_save(path, newer)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["game.json"]  # no temporary file left behind
    assert load_game(path)[0].turn == 3


def test_a_crash_half_way_through_writing_the_text_leaves_the_previous_save_intact(tmp_path, monkeypatch):
    path = tmp_path / "game.json"
    before = save_to(played("team_korea", 7, 3), path)
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, handle):
            self.handle = handle

        def write(self, text):
            self.handle.write(text[: len(text) // 2])
            self.handle.flush()
            raise Crash("disk full half-way")

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    monkeypatch.setattr(os, "fdopen", lambda *a, **k: HalfWriter(real_fdopen(*a, **k)))
    with pytest.raises(Crash):
        write_save(path, document(played("team_korea", 7, 6), "baseline"))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["game.json"]


def test_a_document_that_cannot_be_written_leaves_the_previous_save_intact(tmp_path):
    path = tmp_path / "game.json"
    before = save_to(played("team_korea", 7, 3), path)
    doc = document(played("team_korea", 7, 6), "baseline")
    doc["state"]["other_demand"] = float("nan")  # json.dumps(allow_nan=False) refuses it
    with pytest.raises(ValueError):
        write_save(path, doc)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["game.json"]


def test_a_killed_process_mid_write_leaves_the_previous_save_intact(tmp_path):
    """A real crash: the process dies (os._exit) after writing the temporary file, before the rename."""
    path = tmp_path / "game.json"
    before = save_to(played("team_korea", 7, 3), path)
    script = (
        "import os, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from pathlib import Path\n"
        "from game import saves\n"
        "os.fsync = lambda fd: os._exit(9)\n"
        f"saves.write_save(Path({str(path)!r}), {{'format': 'half written'}})\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 9, result.stderr
    assert path.read_bytes() == before
    assert load_game(path)[0].turn == 3
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "game.json"]
    assert all(n.startswith(".game.json.") and n.endswith(".tmp") for n in leftovers)  # hidden, never a save


def test_cli_save_that_cannot_be_written_is_an_error_and_keeps_the_old_save(tmp_path, monkeypatch):
    path = tmp_path / "game.json"
    assert run("sim", "--turns", "2", "--save", str(path))[0] == 0
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    code, out, err = run("sim", "--turns", "5", "--save", str(path))
    monkeypatch.undo()
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "cannot write the save" in err and "Traceback" not in err
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["game.json"]


# ------------------------------------------------------------------ autosave


def test_autosave_every_turn_keeps_the_last_ten_and_each_loads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run("sim", "--control", "KOR=random", "--turns", "14", "--save-every", "1")
    assert code == 0, err
    folder = tmp_path / "saves" / "autosave"
    files = sorted(folder.iterdir())
    assert [p.name for p in files] == [f"autosave-{n:06d}.json" for n in range(5, 15)]  # numbered in order
    for turn, path in zip(range(5, 15), files, strict=True):
        world, save = load_game(path)
        assert world.turn == save.turn == turn
        assert save.controllers["KOR"] == "random"
    newest, _ = load_game(files[-1])
    assert newest.turn == 14
    while newest.turn < TURNS:
        newest.step()
    assert save_to(newest, tmp_path / "end.json") == final_save("random", 7)


def test_autosave_every_n_turns(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("sim", "--turns", "14", "--save-every", "3")[0] == 0
    names = sorted(p.name for p in (tmp_path / "saves" / "autosave").iterdir())
    assert names == [f"autosave-{n:06d}.json" for n in (1, 2, 3, 4)]
    turns = [load_game(tmp_path / "saves" / "autosave" / name)[0].turn for name in names]
    assert turns == [3, 6, 9, 12]


def test_the_autosave_of_a_resumed_game_continues_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("sim", "--turns", "14", "--save-every", "1")[0] == 0
    code, _, err = run("sim", "--load", "saves/autosave/autosave-000014.json", "--save-every", "1")
    assert code == 0, err
    names = sorted(p.name for p in (tmp_path / "saves" / "autosave").iterdir())
    assert names == [f"autosave-{n:06d}.json" for n in range(11, 21)]  # 14 + the 6 of the resumed game
    assert (tmp_path / "saves" / "autosave" / "autosave-000020.json").read_bytes() == final_save("laissez_faire", 7)

def test_a_new_game_autosave_is_not_deleted_by_an_older_game(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("sim", "--turns", "20", "--save-every", "1")[0] == 0
    assert run("sim", "--seed", "3", "--turns", "5", "--save-every", "1")[0] == 0
    folder = tmp_path / "saves" / "autosave"
    newest = max(folder.iterdir(), key=lambda p: p.stat().st_mtime_ns)
    world, save = load_game(newest)
    assert save.seed == 3 and world.turn == 5


# ------------------------------------------------------------------ refusals


def _edit(fn):
    """A case built by editing the save document (written back with NaN/Infinity allowed)."""
    def build(doc: dict, text: str) -> str:
        fn(doc)
        return json.dumps(doc, indent=1)
    return build


def _text(fn):
    return lambda doc, text: fn(text)


def _set(*path_and_value):
    *path, value = path_and_value

    def edit(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value(node[path[-1]]) if callable(value) else value
    return _edit(edit)


def _delete(*path):
    def edit(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return _edit(edit)


def _state_firm(field, value):
    def edit(doc):
        row = doc["state"]["firms"][firm_with(doc, field)]
        row[field] = value(row[field]) if callable(value) else value
    return _edit(edit)


def _log_rate(value):
    def edit(doc):
        doc["log"][entry_with_rate(doc)]["action"]["rate"] = value
    return _edit(edit)


def _add_key(*path, key="cheat", value=1):
    def edit(doc):
        node = doc
        for k in path:
            node = node[k]
        node[key] = value
    return _edit(edit)


REFUSALS = [
    # (id, builder, what the message says)
    ("truncated", _text(lambda t: t[: len(t) // 2]), r"not a valid save \(JSON\)"),
    ("truncated-last-byte", _text(lambda t: t[:-1]), r"JSON"),
    ("empty", _text(lambda t: ""), r"JSON"),
    ("not-json", _text(lambda t: "this is not a save\n"), r"JSON"),
    ("json-array", _text(lambda t: f"[{t}]"), r"expected a JSON object"),
    ("json-string", _text(lambda t: '"save"'), r"expected a JSON object"),
    ("not-a-team-korea-save", _set("format", "something-else"), r"not a Team Korea save"),
    ("format-version-missing", _delete("format_version"), r"format_version"),
    ("format-version-string", _set("format_version", "1"), r"format_version"),
    ("format-version-zero", _set("format_version", 0), r"no way to read save format 0"),
    ("newer-format", _set("format_version", 3), r"newer game.*update the game"),
    ("seed-list", _set("seed", [7]), r"seed"),
    ("seed-negative", _set("seed", -1), r"seed"),
    ("seed-huge", _set("seed", 1e300), r"seed"),
    ("turn-word", _set("turn", "four"), r"turn"),
    ("turn-fractional", _set("turn", 4.5), r"turn"),
    ("turn-not-matching-checkpoints", _set("turn", 3), r"4 turn checkpoints for 3 turns"),
    ("missing-checkpoints", _delete("checkpoints"), r"either checkpoints \(format 2\) or digests"),
    ("checkpoints-and-digests", _set("digests", ["0" * 64] * 4), r"either checkpoints \(format 2\) or digests"),
    ("digest-not-hex", _edit(lambda d: d.update(digests=["xyz"] * 4, checkpoints=None)), r"digests\.0"),
    ("checkpoint-not-a-dict", _set("checkpoints", 0, [1, 2]), r"checkpoints\.0"),
    ("missing-state", _delete("state"), r"state: Field required"),
    ("missing-scenario-hash", _delete("scenario", "sha256"), r"scenario\.sha256: Field required"),
    ("missing-log-country", _delete("log", 0, "country"), r"log\.0\.country: Field required"),
    ("missing-state-key", _delete("state", "llm_use"), r"does not match"),
    ("unknown-key", _add_key(), r"cheat: Extra inputs are not permitted"),
    ("unknown-key-in-scenario", _add_key("scenario"), r"scenario\.cheat: Extra inputs"),
    ("unknown-key-in-log-entry", _add_key("log", 0), r"log\.0\.cheat: Extra inputs"),
    ("unknown-key-in-state", _add_key("state"), r"does not match"),
    ("nan", _set("state", "other_demand", float("nan")), r"NaN is not a number a save may hold"),
    ("infinity", _set("state", "other_demand", float("inf")), r"Infinity is not a number"),
    ("minus-infinity", _state_firm("cash", float("-inf")), r"-Infinity is not a number"),
    ("nan-in-log", _log_rate(float("nan")), r"NaN is not a number"),
    ("negative-capacity", _state_firm("capacity", -1.0), r"capacity may not be negative"),
    ("negative-inventory", _state_firm("inventory", -5.0), r"inventory may not be negative"),
    ("negative-hbm-stock", _state_firm("hbm_stock", -0.5), r"hbm_stock may not be negative"),
    ("negative-price", _state_firm("price", -3.0), r"price may not be negative"),
    ("negative-other-demand", _set("state", "other_demand", -10.0), r"other_demand may not be negative"),
    ("absurd-number-in-state", _state_firm("cash", 1e300), r"not a plausible number"),
    ("absurd-integer-in-state", _state_firm("capacity", 10**300), r"not a plausible number"),
    ("integer-with-5000-digits", _text(lambda t: t.replace('"turn": ', '"turn": ' + "9" * 5000, 1)), r"JSON"),
    ("absurd-number-in-log", _log_rate(1e300), r"log\[\d+\]: not a valid action"),
    ("log-unknown-kind", _set("log", 0, "action", "kind", "nuke_the_competition"), r"log\[0\]: not a valid action"),
    ("log-rate-out-of-range", _log_rate(5.0), r"log\[\d+\]: not a valid action"),
    ("log-negative-rate", _log_rate(-0.1), r"log\[\d+\]: not a valid action"),
    ("log-extra-action-field", _set("log", 0, "action", lambda a: {**a, "bonus": 1}), r"not a valid action"),
    ("log-bad-date", _set("log", 0, "date", "2025Q5"), r"log\.0\.date"),
    ("log-negative-turn", _set("log", 0, "turn", -1), r"log\.0\.turn"),
    ("log-not-a-list", _set("log", {"0": 1}), r"log"),
    ("log-edited-rate", _edit(lambda d: d["log"][entry_with_rate(d)]["action"].update(rate=0.05)),
     r"diverges from the save at turn \d+"),
    ("scenario-hash-mismatch", _set("scenario", "sha256", "0" * 64), r"differs.*--force"),
    ("scenario-hash-not-hex", _set("scenario", "sha256", "not a hash"), r"scenario\.sha256"),
    ("scenario-not-installed", _set("scenario", "name", "atlantis"), r"scenario 'atlantis' is not installed"),
    ("scenario-path-escape", _set("scenario", "name", "../../../../etc/passwd"), r"is not installed"),
    ("duplicated-key", _text(lambda t: t.replace('{\n "format"', '{\n "seed": 8,\n "format"', 1)),
     r"duplicated key 'seed'"),
    ("duplicated-nested-key", _text(lambda t: t.replace('"sha256"', '"name": "x",\n  "sha256"', 1)),
     r"duplicated key 'name'"),
    ("state-edited", _state_firm("cash", lambda v: v * 1.001), r"does not match the game re-played"),
    ("state-turn-edited", _set("state", "turn", 3), r"does not match"),
    ("checkpoint-edited", _set("checkpoints", 1, "prices", "hbm", lambda v: v * 1.0001),
     r"diverges from the save at turn 2 \(re-played against saved: prices\.hbm: "),
    ("checkpoint-bottleneck-edited", _set("checkpoints", 2, "bottleneck", "Nvidia", "nothing"),
     r"diverges from the save at turn 3 \(re-played against saved: bottleneck\.Nvidia"),
    ("past-the-term", _edit(lambda d: d.update(turn=25, checkpoints=(d["checkpoints"] * 7)[:25])),
     r"turn 25 is past the end of the scenario's 20-turn term"),
    ("rng-edited", _set("rng", "numpy", "state", "state", lambda v: v + 1), r"random state does not match"),
    ("controller-unknown-strategy", _set("controllers", "KOR", "cheater"), r"unknown strategy 'cheater'"),
    ("controller-unknown-country", _set("controllers", "XXX", "default"), r"unknown XXX"),
    ("controller-rng-malformed", _delete("rng", "controllers", "KOR", "state"), r"not a random-generator state"),
    ("not-utf8", lambda doc, text: b"\xff\xfe\x00garbage", r"not a text file"),
]
REPLAY_ACCEPTS: set[str] = set()  # the replay command refuses everything --load refuses


def _write_case(tmp_path: Path, builder) -> Path:
    path = tmp_path / "bad save.json"
    content = builder(short_save(), short_save_text())
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def assert_cli_refuses(path: Path, pattern: str, tmp_path: Path, *extra: str) -> str:
    out_path = tmp_path / "continued.json"
    code, out, err = run("sim", "--load", str(path), "--save", str(out_path), *extra)
    assert code == 2, (code, err)
    assert out == ""
    assert err.startswith("error: ") and "Traceback" not in err
    assert str(path) in err, err
    assert re.search(pattern, err, re.DOTALL), err
    assert not out_path.exists()  # nothing continued, nothing written
    return err


@pytest.mark.parametrize(("builder", "pattern"), [pytest.param(b, p, id=i) for i, b, p in REFUSALS])
def test_a_bad_save_is_refused_by_load_game(tmp_path, builder, pattern):
    path = _write_case(tmp_path, builder)
    with pytest.raises(SaveError) as caught:
        load_game(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert re.search(pattern, message, re.DOTALL), message


@pytest.mark.parametrize(("case", "builder", "pattern"), [pytest.param(i, b, p, id=i) for i, b, p in REFUSALS])
def test_a_bad_save_is_refused_by_the_cli_with_exit_2(tmp_path, case, builder, pattern):
    path = _write_case(tmp_path, builder)
    assert_cli_refuses(path, pattern, tmp_path)
    if case not in REPLAY_ACCEPTS:
        code, out, err = run("replay", str(path))
        assert code == 2 and out == "" and err.startswith("error: ") and str(path) in err, (code, err)


@pytest.mark.parametrize("case", ["truncated", "nan", "negative-capacity", "scenario-hash-mismatch", "newer-format",
                                  "state-edited", "log-edited-rate"])
def test_refusals_in_a_fresh_process_print_no_traceback(tmp_path, case):
    builder, pattern = next((b, p) for i, b, p in REFUSALS if i == case)
    path = _write_case(tmp_path, builder)
    result = run_process("sim", "--load", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and str(path) in result.stderr
    assert re.search(pattern, result.stderr, re.DOTALL)


@pytest.mark.parametrize("builder", [
    pytest.param(_set("seed", "7"), id="seed-as-string"),
    pytest.param(_set("turn", 4.0), id="turn-as-float"),
    pytest.param(_set("log", 0, "turn", "1"), id="log-turn-as-string"),
])
def test_wrong_types_are_refused(tmp_path, builder):
    path = _write_case(tmp_path, builder)
    with pytest.raises(SaveError):
        load_game(path)


@pytest.mark.parametrize(("field", "value"), [("state", 10**60), ("state", -5), ("state", 2**128), ("inc", 1e300),
                                            ("has_uint32", 2**31), ("uinteger", -1)])
def test_an_out_of_range_controller_rng_state_is_refused(tmp_path, field, value):
    doc = short_save()
    rng = doc["rng"]["controllers"]["KOR"]
    (rng["state"] if field in ("state", "inc") else rng)[field] = value
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SaveError):
        load_game(path)


def test_an_integer_beyond_the_float_range_in_the_state_is_refused(tmp_path):
    path = _write_case(tmp_path, _state_firm("capacity", 10**400))
    with pytest.raises(SaveError, match="not a plausible number"):
        load_game(path)


@pytest.mark.parametrize("edit", [
    pytest.param(lambda d: d["controllers"].pop("KOR"), id="controllers-missing-KOR"),
    pytest.param(lambda d: d["rng"]["controllers"].__setitem__("XXX", d["rng"]["controllers"]["KOR"]),
                 id="rng-controllers-unknown-country"),
    pytest.param(lambda d: d["rng"]["controllers"].pop("KOR"), id="rng-controllers-missing-KOR"),
])
def test_missing_or_unknown_countries_in_a_save_are_refused(tmp_path, edit):
    doc = short_save("random", 1, 4)
    edit(doc)
    path = tmp_path / "bad.json"
    write_save(path, doc)
    with pytest.raises(SaveError):
        load_game(path)


def test_a_changed_scenario_hash_is_refused_unless_forced_and_the_game_still_replays(tmp_path):
    doc = short_save("random", 1, 6)
    doc["scenario"]["sha256"] = "0" * 64
    path = tmp_path / "other-hash.json"
    write_save(path, doc)
    with pytest.raises(SaveError, match="--force"):
        load_game(path)
    err = assert_cli_refuses(path, r"differs.*--force", tmp_path)
    assert "baseline" in err
    world, _ = load_game(path, force=True)
    assert world.turn == 6
    code, _, err = run("sim", "--load", str(path), "--force", "--save", str(tmp_path / "end.json"))
    assert code == 0, err
    assert (tmp_path / "end.json").read_bytes() == final_save("random", 1)
    code, _, err = run("replay", str(path))
    assert code == 2 and "--force" in err
    code, out, err = run("replay", str(path), "--force")
    assert code == 0 and "every turn matches" in out, err


def test_force_is_safe_a_changed_scenario_that_changes_the_game_is_still_refused(tmp_path):
    """A save made with a scenario file that has since changed: an edit that changes no value (a
    comment, the layout) changes nothing; an edit that changes the game is refused, and with
    --force it is still refused, naming the turn where the game diverges."""
    scenario = tmp_path / "my_scenario.toml"
    shutil.copy(BASELINE_TOML, scenario)
    path = tmp_path / "g.json"
    code, _, err = run("sim", "--scenario", str(scenario), "--control", "KOR=random", "--turns", "6",
                       "--save", str(path))
    assert code == 0, err
    assert load_game(path)[0].turn == 6

    scenario.write_text("# a comment added later\n" + BASELINE_TOML.read_text(encoding="utf-8").replace(" = ", "=")
                        + "\n# and another\n", encoding="utf-8")
    assert load_game(path)[0].turn == 6
    code, _, err = run("sim", "--load", str(path), "--turns", "1")
    assert code == 0, err

    changed, count = re.subn(r"(?m)^budget_noise = [0-9.]+", "budget_noise = 0.2", BASELINE_TOML.read_text("utf-8"))
    assert count == 1
    scenario.write_text(changed, encoding="utf-8")
    assert_cli_refuses(path, r"differs.*--force", tmp_path)
    assert_cli_refuses(path, r"diverges from the save at turn 1\b", tmp_path, "--force")
    with pytest.raises(SaveError, match="diverges"):
        load_game(path, force=True)


def test_a_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "g.json"
    write_save(path, short_save())
    monkeypatch.setattr(saves, "MAX_BYTES", 1000)
    with pytest.raises(SaveError, match=r"over the 1,000-byte limit"):
        load_game(path)
    assert_cli_refuses(path, r"over the 1,000-byte limit", tmp_path)
    monkeypatch.undo()
    assert load_game(path)[0].turn == 4


def test_a_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as out:
        out.truncate(saves.MAX_BYTES + 1)  # sparse: cheap to make, would be slow to parse
    with pytest.raises(SaveError, match="limit"):
        load_game(path)
    assert_cli_refuses(path, r"limit", tmp_path)


def test_a_missing_file_or_a_folder_is_refused(tmp_path):
    with pytest.raises(SaveError, match="no such file"):
        load_game(tmp_path / "nope.json")
    assert_cli_refuses(tmp_path / "nope.json", "no such file", tmp_path)
    folder = tmp_path / "folder.json"
    folder.mkdir()
    with pytest.raises(SaveError, match="is a folder"):
        load_game(folder)
    assert_cli_refuses(folder, "is a folder", tmp_path)


@pytest.mark.parametrize("name", ["../x.json", "a/../../b.json", "saves/../../x.json", "../../etc/passwd.json",
                                  "./../x"])
def test_save_paths_that_climb_out_of_their_folder_are_refused(tmp_path, monkeypatch, name):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    with pytest.raises(SaveError, match=r"'\.\.'"):
        save_path(name)
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run("sim", "--turns", "1", "--save", name)
    assert code == 2 and out == "" and err.startswith("error: ") and name in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before and list(work.iterdir()) == []
    for argv in (("sim", "--load", name), ("replay", name)):
        code, out, err = run(*argv)
        assert code == 2 and name in err and "'..'" in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["bad name", "x;rm -rf", "-rf", ".hidden", "..", "a..b", "naïve", "a\\..\\b",
                                  "x" * 65, "semi:colon", "star*"])
def test_bare_save_names_with_illegal_characters_are_refused(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SaveError, match="not a save name"):
        save_path(name)
    code, _, err = run("sim", "--turns", "1", f"--save={name}")
    assert code == 2 and err.startswith("error: ") and "not a save name" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_good_names_and_chosen_paths():
    assert save_path("game-1_b.v2") == Path("saves") / "game-1_b.v2.json"
    assert save_path("x", Path("elsewhere")) == Path("elsewhere") / "x.json"
    assert save_path("/abs/path/game.json") == Path("/abs/path/game.json")
    assert save_path("sub/game.json") == Path("sub/game.json")
    assert save_path("game.json") == Path("game.json")


# ------------------------------------------------------------------ a refused load changes nothing


def test_a_refused_load_leaves_the_running_game_untouched(tmp_path):
    running = played("random", 1, 5)
    before = save_to(running, tmp_path / "before.json")
    for case in ("state-edited", "log-edited-rate", "checkpoint-edited", "rng-edited", "scenario-hash-mismatch",
                 "truncated", "negative-capacity", "controller-rng-malformed"):
        builder = next(b for i, b, _ in REFUSALS if i == case)
        with pytest.raises(SaveError):
            load_game(_write_case(tmp_path, builder))
    assert save_to(running, tmp_path / "after.json") == before
    while running.turn < TURNS:
        running.step()
    assert save_to(running, tmp_path / "end.json") == final_save("random", 1)


def test_read_save_touches_no_game_and_returns_the_validated_document():
    save = read_save(FIXTURE)
    assert save.format_version == 2 and save.turn == 6 and len(save.checkpoints) == 6 and save.digests is None
    assert save.controllers["KOR"] == "team_korea"


# ------------------------------------------------------------------ fuzz


@cache
def fuzz_base() -> tuple[dict, str]:
    """A real save with Actions every turn and an event choice in its log (random KOR, seed 1)."""
    doc = document(played("random", 1, 5), "baseline")
    assert any(e["source"] == "choice" for e in doc["log"])
    return doc, json.dumps(doc, ensure_ascii=False, indent=1)


def all_paths(value, prefix=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from all_paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*prefix, i)
            yield from all_paths(v, (*prefix, i))


def get(doc, path):
    for key in path:
        doc = doc[key]
    return doc


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, -1e-9, 1e-300, 1e15, 1e16, 1e300, -1e300, 2**63, 2**64, 2**128, -(2**63)]),
)


def mutate(data, doc: dict) -> None:
    kind = data.draw(st.sampled_from(["flip", "delete", "retype", "duplicate"]), label="mutation")
    paths = list(all_paths(doc))
    if kind == "flip":
        # the state, or one of the random states (the Python one alone has 625 numbers: pick a region first)
        region = data.draw(st.sampled_from([("state",), ("state",), ("rng", "numpy"), ("rng", "python"),
                                            ("rng", "controllers")]), label="region")
        numeric = [p for p in paths if p[: len(region)] == region and is_number(get(doc, p))]
        if not numeric:  # an earlier mutation replaced that region
            return
        path = data.draw(st.sampled_from(numeric), label="path")
        get(doc, path[:-1])[path[-1]] = data.draw(NUMBERS, label="value")
    elif kind == "delete":
        keyed = [p for p in paths if isinstance(p[-1], str)]
        if not keyed:
            return
        path = data.draw(st.sampled_from(keyed), label="path")
        del get(doc, path[:-1])[path[-1]]
    elif kind == "retype":
        if not paths:
            return
        path = data.draw(st.sampled_from(paths), label="path")
        old = get(doc, path)
        new = data.draw(st.sampled_from([str(old), [old], None, True, False]), label="value")
        get(doc, path[:-1])[path[-1]] = new
    else:
        if doc.get("log"):
            i = data.draw(st.integers(0, len(doc["log"]) - 1), label="entry")
            doc["log"].insert(i, copy.deepcopy(doc["log"][i]))


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_a_mutated_save_loads_validly_or_is_refused_cleanly(fuzz_dir, data):
    base, text = fuzz_base()
    if data.draw(st.integers(0, 3), label="truncate") == 0:  # a quarter of the files are cut short
        content = text[: data.draw(st.integers(0, len(text) - 1), label="at")]
    else:
        doc = copy.deepcopy(base)
        for _ in range(data.draw(st.integers(1, 3), label="mutations")):
            mutate(data, doc)
        content = json.dumps(doc, ensure_ascii=False, indent=1)  # NaN / Infinity written as literals
    path = fuzz_dir / "mutated.json"
    path.write_text(content, encoding="utf-8")
    try:
        world, save = load_game(path)
    except SaveError as exc:
        assert str(exc).startswith(str(path))
        return
    assert world.turn == save.turn
    assert_valid_world(world)
    for _ in range(2):  # and it plays on
        world.step()
    assert_valid_world(world)


# ------------------------------------------------------------------ migration


def as_format_1(doc: dict) -> dict:
    """`doc` as the format-1 game wrote it: an exact SHA-256 digest of each turn's snapshot in
    place of the checkpoints."""
    old = {k: v for k, v in doc.items() if k != "checkpoints"}
    return {**old, "format_version": 1, "digests": [saves.digest(c) for c in doc["checkpoints"]]}


@pytest.fixture(scope="module")
def v1_save(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("v1") / "save_v1.json"
    write_save(path, as_format_1(document(played("team_korea", 7, 6), "baseline")))
    return path


def test_the_v2_fixture_loads_and_plays_to_the_end(tmp_path):
    assert json.loads(FIXTURE.read_text(encoding="utf-8"))["format_version"] == 2
    world, save = load_game(FIXTURE)
    assert save.format_version == 2 and world.turn == 6 and save.controllers["KOR"] == "team_korea"
    while world.turn < TURNS:
        world.step()
    assert_valid_world(world)
    code, out, err = run("sim", "--load", str(FIXTURE), "--json")
    assert code == 0, err
    assert json.loads(out)["final"]["turn"] == TURNS
    code, out, err = run("replay", str(FIXTURE))
    assert code == 0 and "every turn matches" in out, err


def test_a_save_written_before_a_firm_field_was_added_still_loads():
    """A format-2 save written before producers' `opening` existed (the fixture as it was) reads
    with the field's default and replays: a player's saves survive the update."""
    old = FIXTURE.with_name("save_v2_before_opening.json")
    assert "opening" not in json.loads(old.read_text(encoding="utf-8"))["state"]["firms"]["TSMC"]
    world, save = load_game(old)
    assert world.turn == 6 and save.format_version == 2
    code, out, err = run("replay", str(old))
    assert code == 0 and "every turn matches" in out, err


def test_a_format_1_save_loads_plays_to_the_end_and_saves_as_format_2(tmp_path, v1_save):
    assert json.loads(v1_save.read_text(encoding="utf-8"))["format_version"] == 1
    world, save = load_game(v1_save)
    assert save.format_version == 2 and save.digests is not None and world.turn == 6
    while world.turn < TURNS:
        world.step()
    assert save_to(world, tmp_path / "end.json") == final_save("team_korea", 7)
    code, out, err = run("replay", str(v1_save))
    assert code == 0 and "every turn matches" in out, err


def test_a_format_1_save_from_another_cpu_loads_when_its_end_state_agrees(tmp_path, v1_save):
    """Exact digests cannot be checked across CPUs: a differing digest alone (as another CPU makes
    them) does not refuse the save; an end state that differs does, at the first differing turn."""
    doc = json.loads(v1_save.read_text(encoding="utf-8"))
    doc["digests"][2] = "0" * 64
    write_save(tmp_path / "other_cpu.json", doc)
    assert load_game(tmp_path / "other_cpu.json")[0].turn == 6
    doc["state"]["firms"][firm_with(doc, "cash")]["cash"] *= 1.001
    write_save(tmp_path / "edited.json", doc)
    with pytest.raises(SaveError, match=r"diverges from the save at turn 3: the saved state does not match the game "
                                         r"re-played from its log \(re-played against saved: state\.firms"):
        load_game(tmp_path / "edited.json")


def _v2_to_v3(calls: list):
    def step(doc: dict) -> dict:
        calls.append(doc["format_version"])
        return {**doc, "format_version": 3}
    return step


def test_an_older_save_loads_through_each_registered_migration(tmp_path, monkeypatch, v1_save):
    calls: list[int] = []
    monkeypatch.setattr(saves, "FORMAT_VERSION", 3)
    monkeypatch.setitem(saves.MIGRATIONS, 2, _v2_to_v3(calls))
    world, save = load_game(v1_save)  # 1 -> 2 -> 3
    assert calls == [2]
    assert save.format_version == 3 and world.turn == 6
    world, save = load_game(FIXTURE)  # 2 -> 3
    assert calls == [2, 2] and world.turn == 6
    doc = document(world, "baseline")
    assert doc["format_version"] == 3
    code, _, err = run("sim", "--load", str(FIXTURE), "--turns", "1", "--save", str(tmp_path / "v3.json"))
    assert code == 0, err
    assert json.loads((tmp_path / "v3.json").read_text())["format_version"] == 3
    assert load_game(tmp_path / "v3.json")[1].format_version == 3  # a current save needs no migration
    assert calls == [2, 2, 2]


def test_a_save_whose_version_has_no_migration_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(saves, "FORMAT_VERSION", 4)
    monkeypatch.setattr(saves, "MIGRATIONS", {1: saves.MIGRATIONS[1], 2: _v2_to_v3([])})  # no step from 3 to 4
    with pytest.raises(SaveError, match="no way to read save format 3") as caught:
        load_game(FIXTURE)
    assert str(FIXTURE) in str(caught.value)
    assert_cli_refuses(FIXTURE, r"no way to read save format 3", tmp_path)


def test_a_migration_that_fails_on_a_malformed_old_save_is_a_save_error(monkeypatch):
    def rename(doc: dict) -> dict:
        doc = dict(doc)
        doc["game_version"] = doc.pop("old_field_renamed_in_v3")
        return {**doc, "format_version": 3}

    monkeypatch.setattr(saves, "FORMAT_VERSION", 3)
    monkeypatch.setitem(saves.MIGRATIONS, 2, rename)
    with pytest.raises(SaveError):
        load_game(FIXTURE)


# ------------------------------------------------------------------ saves travel between machines

# numpy's runtime-dispatched SIMD paths (numpy.show_runtime()); on a machine without them switching
# them off changes nothing, and the fixture (written on an AVX-512 machine) is the real test there.
OTHER_CPUS = {
    "avx2": "X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL",
    "sse4": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR AVX AVX2 FMA3 F16C AVX512F AVX512CD AVX512_SKX AVX512_CLX "
            "AVX512_CNL",
}


def _as_another_cpu(features: str, script: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": features, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env,
                          cwd=ROOT)


@pytest.mark.parametrize("cpu", OTHER_CPUS)
def test_a_save_made_on_one_cpu_loads_and_replays_on_another(tmp_path, cpu):
    """Both directions: the fixture (and a save made here) re-played with other SIMD paths, and a
    save made with other SIMD paths re-played here."""
    made_here = tmp_path / "here.json"
    save_to(played("random", 1, TURNS), made_here)
    made_there = tmp_path / "there.json"
    script = (
        "from pathlib import Path\n"
        "from game.saves import check, document, load_game, write_save\n"
        "from agents.controllers import make_controller\n"
        "from game.model import World\n"
        "from game.scenario import load_scenario\n"
        f"for path in ({str(FIXTURE)!r}, {str(made_here)!r}):\n"
        "    found = check(Path(path))\n"
        "    assert found.diverged is None, (path, found.why)\n"
        "world = World(load_scenario('baseline'), seed=2, controllers={'KOR': make_controller('KOR', 'team_korea')})\n"
        "for _ in range(20):\n"
        "    world.step()\n"
        f"write_save(Path({str(made_there)!r}), document(world, 'baseline'))\n"
    )
    result = _as_another_cpu(OTHER_CPUS[cpu], script)
    assert result.returncode == 0, result.stderr
    found = saves.check(made_there)
    assert found.diverged is None, found.why


def _nudged(value, rng):
    """Every float moved by one or two ulps, up or down, as another CPU's last bits would move it."""
    if isinstance(value, float) and value != 0.0:
        for _ in range(int(rng.integers(1, 3))):
            value = float(np.nextafter(value, np.inf if rng.random() < 0.5 else -np.inf))
        return value
    if isinstance(value, dict):
        return {k: _nudged(v, rng) for k, v in value.items()}
    if isinstance(value, list):
        return [_nudged(v, rng) for v in value]
    return value


@pytest.mark.parametrize(("strategy", "seed"), [("random", 1), ("team_korea", 7)])
def test_a_save_whose_numbers_differ_in_the_last_bits_still_loads_and_continues_the_same_game(
        tmp_path, strategy, seed):
    doc = document(played(strategy, seed, 12), "baseline")
    rng = np.random.default_rng(seed)
    doc["checkpoints"] = _nudged(doc["checkpoints"], rng)
    doc["state"] = _nudged(doc["state"], rng)
    write_save(tmp_path / "nudged.json", doc)
    world, _ = load_game(tmp_path / "nudged.json")
    while world.turn < TURNS:
        world.step()
    assert save_to(world, tmp_path / "end.json") == final_save(strategy, seed)


def test_a_save_replays_when_exp_and_log_differ_in_the_last_bit(tmp_path):
    """numpy's exp and log made one ulp larger while the save re-plays: the game differs at ~1e-13
    from the one saved, and loads."""
    path = tmp_path / "g.json"
    save_to(played("random", 1, TURNS), path)
    script = (
        "import numpy as np\n"
        "exp, log = np.exp, np.log\n"
        "np.exp = lambda x, *a, **k: np.nextafter(exp(x, *a, **k), np.inf)\n"
        "np.log = lambda x, *a, **k: np.nextafter(log(x, *a, **k), np.inf)\n"
        "from pathlib import Path\n"
        "from game.saves import check\n"
        f"found = check(Path({str(path)!r}))\n"
        "assert found.diverged is None, found.why\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_the_precision_still_catches_a_real_difference(tmp_path):
    """One part in a million of one firm's cash is an edit, not a CPU."""
    doc = short_save()
    name = firm_with(doc, "cash")
    doc["state"]["firms"][name]["cash"] *= 1 + 1e-6
    write_save(tmp_path / "g.json", doc)
    with pytest.raises(SaveError, match=rf"state\.firms\.{re.escape(name)}\.cash"):
        load_game(tmp_path / "g.json")


# ------------------------------------------------------------------ hostile files


def _nested(depth: int) -> str:
    return '{"x": ' * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", [100, 2_000, 200_000])
def test_a_deeply_nested_save_is_refused_by_every_reader(tmp_path, depth):
    text = short_save_text().replace('"llm_use": {', f'"llm_use": {{"deep": {_nested(depth)},', 1)
    path = tmp_path / "deep.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SaveError, match="nested"):
        load_game(path)
    assert_cli_refuses(path, "nested", tmp_path)
    for argv in (("replay", str(path)), ("report", str(path), "--out", str(tmp_path / "r.html"))):
        code, _, err = run(*argv)
        assert code == 2 and "nested" in err and "Traceback" not in err, (argv, err)


def test_a_save_that_is_a_device_or_a_pipe_is_refused_at_once(tmp_path):
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(SaveError, match="not a save"):
        load_game(link)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    result = run_process("sim", "--load", str(fifo), cwd=tmp_path)  # would wait forever for a writer
    assert result.returncode == 2 and "not a save" in result.stderr and "Traceback" not in result.stderr


# ------------------------------------------------------------------ headless


def test_saves_and_loading_stay_headless():
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from pathlib import Path\n"
        "import game.saves\n"
        "assert not any(m == 'pygame' or m.startswith(('pygame.', 'pygame_gui')) for m in sys.modules), 'import'\n"
        f"game.saves.load_game(Path({str(FIXTURE)!r}))\n"
        "assert not any(m == 'pygame' or m.startswith(('pygame.', 'pygame_gui')) for m in sys.modules), 'load'\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
