"""Plug-in strategies (agents/plugins.py): `path/to/file.py:Class` and `module:Class` become
controllers in one place, for the tournament (from its sandbox) and for `sim --control`, which
plays them in its own process. Every way a spec can fail is a message naming it (exit 2, no
traceback); a plug-in's game is read with --explain; its save names the plug-in, re-plays from its
log and plays on only with the plug-in named again."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from clitools import run_cli as run

from agents import plugins
from agents.plugins import PlugIn, PluginFault, SpecError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "docs/example_strategy.py:HomeChips"

STRATEGIES = '''
from game.actions import ChipIncentive


class Incentive:
    """A chip incentive in the first quarter; no choose(): events take their first choice."""

    def decide(self, obs):
        return [ChipIncentive(rate=0.25)] if obs.turn == 0 else []


class Previews:
    """Asks the world for a preview, as greedy does: works on a copy, whatever the controller."""

    def decide(self, obs):
        obs.preview([ChipIncentive(rate=0.1)], 1)
        return []


class RaisesLater:
    def decide(self, obs):
        if obs.turn == 2:
            raise RuntimeError("out of ideas")
        return []


class ExitsInDecide:
    def decide(self, obs):
        raise SystemExit(5)


class BadChoice:
    def decide(self, obs):
        return []

    def choose(self, event, obs):
        return "the second"


class NoDecide:
    pass


class BrokenInit:
    def __init__(self):
        raise ValueError("no budget")

    def decide(self, obs):
        return []


def helper():
    return None


NUMBER = 3
'''


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plugins")
    (path / "mine.py").write_text(STRATEGIES, encoding="utf-8")
    (path / "noisy.py").write_text("raise ImportError('needs torch')\n", encoding="utf-8")
    (path / "leaves.py").write_text("import sys\nsys.exit(3)\n", encoding="utf-8")
    return path


def usage_error(*argv: str) -> str:
    code, out, err = run(*argv)
    assert code == 2, (code, out[-300:], err)
    assert "Traceback" not in err and out == ""
    return err


# ------------------------------------------------------------------ the loader

def test_a_file_spec_and_a_module_spec_give_the_same_class(folder, monkeypatch):
    monkeypatch.chdir(folder)
    by_file = plugins.load_class(f"{folder / 'mine.py'}:Incentive")
    by_module = plugins.load_class("mine:Incentive")
    assert by_file.__name__ == by_module.__name__ == "Incentive"
    made = plugins.make_controller("KOR", "mine:Incentive")
    assert isinstance(made, PlugIn) and made.name == "mine:Incentive" and made.country == "KOR"
    assert type(plugins.make_controller("KOR", "team_korea")).__name__ != "PlugIn"


@pytest.mark.parametrize(("target", "needles"), [
    ("missing.py:Incentive", ["the file", "does not exist"]),
    ("mine.py:Nothing", ["has no strategy class 'Nothing'", "strategy classes there:", "Incentive"]),
    ("mine.py:NoDecide", ["no decide(observation) method", "not a controller"]),
    ("mine.py:NUMBER", ["not a strategy class", "int"]),
    ("mine.py:BrokenInit", ["cannot be created", "ValueError: no budget", "mine.py:"]),
    ("noisy.py:C", ["failed to import", "ImportError: needs torch", "noisy.py:1"]),
    ("leaves.py:C", ["failed to import", "SystemExit: 3"]),
    ("no_such_module_here:C", ["cannot import module 'no_such_module_here'"]),
    (":C", ["is not path/to/file.py:Class or module:Class"]),
])
def test_every_way_a_spec_fails_is_a_spec_error_naming_it(folder, target, needles):
    spec = f"{folder}/{target}" if ".py" in target else target
    with pytest.raises(SpecError) as caught:
        plugins.make_controller("KOR", spec)
    message = str(caught.value)
    assert f"'{spec}'" in message, message
    for needle in needles:
        assert needle in message, message


def test_an_unknown_builtin_lists_the_valid_names_and_the_plugin_forms():
    with pytest.raises(SpecError) as caught:
        plugins.make_controller("KOR", "bogus")
    assert "team_korea" in str(caught.value) and "path/to/file.py:Class or module:Class" in str(caught.value)


def test_what_a_plugin_raises_while_playing_names_it_the_country_and_the_quarter(folder):
    made = plugins.make_controller("KOR", f"{folder}/mine.py:RaisesLater")

    class Obs:
        turn, date = 2, "2025Q3"

    with pytest.raises(PluginFault, match=r"mine.py:RaisesLater' \(KOR\) failed in decide\(\) in quarter 2025Q3: "
                                          r"RuntimeError: out of ideas \(at mine.py:\d+ in decide\)"):
        made.decide(Obs())
    exits = plugins.make_controller("KOR", f"{folder}/mine.py:ExitsInDecide")
    with pytest.raises(PluginFault, match="SystemExit: 5"):  # a fault, not the end of the program
        exits.decide(Obs())
    assert plugins.make_controller("KOR", f"{folder}/mine.py:Incentive").choose(None, Obs()) == 0


def test_the_plugin_module_needs_no_front_end_and_no_heavy_library():
    code = ("import sys, agents.plugins; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('pygame', 'matplotlib', 'game', 'gymnasium', 'mesa')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr


# ------------------------------------------------------------------ sim --control with a plug-in

def test_sim_plays_a_plugin_and_explain_shows_its_actions():
    code, out, err = run("sim", "--turns", "3", "--control", f"KOR={EXAMPLE}", "--explain")
    assert code == 0 and "Traceback" not in err, err
    controllers = next(line for line in out.splitlines() if line.strip().startswith("Controllers:"))
    assert f"KOR={EXAMPLE}" in controllers
    log = out[out.index("Cause log"):] if "Cause log" in out else out
    assert "[action KOR] National computing centre procurement" in log and "home chips 50%" in log, log[:3000]
    assert "[action KOR] Home-chip incentive for LLM developers 30%" in log


def test_a_module_plugin_from_the_current_folder_plays_and_without_choose_takes_the_first_choice(folder):
    """The Gulf mega-deal asks Korea to choose in 2025Q2: a plug-in without choose() answers 0."""
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "sim", "--turns", "3", "--control",
                           "KOR=mine:Incentive", "--explain"], cwd=folder, capture_output=True, text=True,
                          encoding="utf-8", timeout=180)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "KOR=mine:Incentive" in done.stdout and "[action KOR] Home-chip incentive for LLM developers 25%" \
        in done.stdout
    assert "[action KOR] Answered 'A Gulf mega-deal" in done.stdout


def test_a_plugin_may_preview_in_process(folder):
    code, _out, err = run("sim", "--turns", "2", "--control", f"KOR={folder}/mine.py:Previews")
    assert code == 0 and "Traceback" not in err, err


@pytest.mark.parametrize(("target", "needles"), [
    ("missing.py:Incentive", ["does not exist"]),
    ("mine.py:Nothing", ["no strategy class 'Nothing'"]),
    ("mine.py:NoDecide", ["not a controller"]),
    ("mine.py:BrokenInit", ["cannot be created", "no budget"]),
    ("noisy.py:C", ["failed to import", "needs torch"]),
    ("leaves.py:C", ["failed to import", "SystemExit: 3"]),
])
def test_sim_refuses_a_plugin_that_cannot_be_made_with_exit_2_naming_it(folder, target, needles):
    spec = f"{folder}/{target}"
    err = usage_error("sim", "--turns", "1", "--control", f"KOR={spec}")
    assert err.startswith("error: --control: ") and spec in err
    for needle in needles:
        assert needle in err, err


@pytest.mark.parametrize(("target", "needles"), [
    ("RaisesLater", ["(KOR) failed in decide() in quarter", "RuntimeError: out of ideas"]),
    ("ExitsInDecide", ["failed in decide()", "SystemExit: 5"]),
    ("BadChoice", ["failed in choose()", "ValueError"]),
])
def test_a_plugin_that_fails_while_playing_ends_sim_with_exit_2_naming_it(folder, target, needles):
    spec = f"{folder}/mine.py:{target}"
    err = usage_error("sim", "--turns", "4", "--control", f"KOR={spec}")
    assert spec in err
    for needle in needles:
        assert needle in err, err


def test_a_trained_policy_in_sim_says_where_it_plays():
    err = usage_error("sim", "--turns", "1", "--control", "KOR=policy:policy.json")
    assert "tournament" in err and "policy:PATH" in err


def test_sim_help_says_a_plugin_is_arbitrary_code_run_in_process():
    code, out, _ = run("sim", "--help")
    text = " ".join(out.split())
    assert code == 0 and "path/to/file.py:Class" in text and "module:Class" in text
    assert "arbitrary Python code" in text and "with your rights and no sandbox" in text


# ------------------------------------------------------------------ the save of a plug-in's game

def test_a_plugin_save_replays_and_reports_from_its_log_and_plays_on_only_when_named_again(tmp_path):
    """A save never runs the code it names: the plug-in's seat re-plays from the log (replay and
    report work without it), and playing on needs the user to name the plug-in again, which
    then plays the same game as one played straight through (its chances come from obs.rng)."""
    save = tmp_path / "plugin.json"
    code, _out, err = run("sim", "--turns", "3", "--seed", "11", "--control", f"KOR={EXAMPLE}", "--save", str(save))
    assert code == 0, err
    before = save.read_bytes()
    assert json.loads(before)["controllers"]["KOR"] == EXAMPLE
    code, out, err = run("replay", str(save))
    assert code == 0 and "3 turns re-played" in out and "every turn matches" in out, err
    code, out, err = run("report", str(save), "--out", str(tmp_path / "r.html"))
    assert code == 0, err
    assert EXAMPLE in (tmp_path / "r.html").read_text(encoding="utf-8")
    err = usage_error("sim", "--load", str(save))
    assert f"played by a plug-in (KOR={EXAMPLE})" in err and "never runs the code it names" in err, err
    assert f"python main.py sim --load {save} --control KOR={EXAMPLE}" in err, err
    err = usage_error("sim", "--load", str(save), "--control", "JPN=laissez_faire")
    assert "names only the seats a plug-in played (KOR)" in err, err
    assert save.read_bytes() == before
    code, out, err = run("sim", "--load", str(save), "--control", f"KOR={EXAMPLE}", "--turns", "2", "--json")
    assert code == 0, err
    continued = json.loads(out)["final"]
    code, out, err = run("sim", "--turns", "5", "--seed", "11", "--control", f"KOR={EXAMPLE}", "--json")
    assert code == 0, err
    straight = json.loads(out)["final"]
    assert continued["date"] == straight["date"] and continued["score"] == pytest.approx(straight["score"])
