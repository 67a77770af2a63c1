"""Reading scenario files (issue 12): hostile files are refused without hanging or a traceback,
a bare name stays inside assets/scenarios, `extends` resolves against the extending file, and
the scenario hash is of the validated content, not of the bytes. Also the speed of validation
at many firms (issue 15).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_scenario import BASELINE_TEXT, REPO, baseline_data, edited, to_toml

from game.scenario import SCENARIO_DIR, Scenario, ScenarioError, load_scenario, parse_scenario, scenario_hash


def refused(name_or_path: str) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(name_or_path)
    return str(info.value)


# ---------------------------------------------------------------------------- hostile files


def test_deeply_nested_toml_is_refused_naming_the_file(tmp_path):
    """tomllib recursed until a RecursionError."""
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert refused(str(deep)).startswith(f"{deep}: nested too deeply")
    with pytest.raises(ScenarioError, match="nested too deeply"):
        parse_scenario("a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n", "inline.toml")


def test_nesting_past_the_limit_without_recursion_is_refused(tmp_path):
    """Dotted keys nest without recursion in the parser; the depth is checked afterwards."""
    dotted = tmp_path / "dotted.toml"
    dotted.write_text(".".join(["k"] * 200) + " = 1\n", encoding="utf-8")
    assert "nested more than" in refused(str(dotted))


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    big = tmp_path / "big.toml"
    big.write_text(BASELINE_TEXT + "#" * 2_000_000 + "\n", encoding="utf-8")
    assert "over the 2,000,000-byte limit" in refused(str(big))


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "folder.toml").mkdir()
    assert "is a folder" in refused(str(tmp_path / "folder.toml"))


def _limited_memory() -> None:  # runs in the child: a regression must not take the machine with it
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def _cli(*argv: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "main.py"), *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=60, preexec_fn=_limited_memory)


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX only")
@pytest.mark.parametrize("kind", ["fifo", "dev_zero"])
def test_a_fifo_or_a_link_to_dev_zero_is_refused_at_once(tmp_path, kind):
    """A FIFO blocked read_text for ever; /dev/zero filled memory. Both end with exit code 2."""
    target = tmp_path / "evil.toml"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")
    start = time.perf_counter()
    result = _cli("sim", "--scenario", str(target))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{target}: is a device, pipe or socket, not a scenario" in result.stderr
    assert time.perf_counter() - start < 30


# ---------------------------------------------------------------------------- names and paths


@pytest.mark.parametrize("name", ["../../etc/x", "lessons/baseline", "..", "a b", "base\0line", ""])
def test_a_bare_name_must_be_a_plain_name(name):
    message = refused(name)
    assert message.startswith(f"scenario {name!r}: ")
    assert "installed scenario's name" in message or "NUL" in message


def test_a_bare_name_cannot_climb_out_of_the_scenarios_folder(tmp_path):
    """Before, '../../<somewhere>/x' loaded <somewhere>/x.toml as if it were installed."""
    outside = tmp_path / "outside.toml"
    outside.write_text(BASELINE_TEXT, encoding="utf-8")
    climb = os.path.relpath(tmp_path / "outside", SCENARIO_DIR)
    assert "/" in climb and (SCENARIO_DIR / f"{climb}.toml").resolve() == outside.resolve()
    assert "is neither an installed scenario's name" in refused(climb)
    assert load_scenario(str(outside)).scenario.name == "baseline", "as a .toml path it is the user's file"


def test_the_cli_refuses_a_climbing_name_with_exit_code_2():
    result = _cli("sim", "--scenario", "../../etc/x")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'../../etc/x': is neither an installed scenario's name" in result.stderr


@pytest.mark.parametrize("extends", ['"base\\u0000line"', '"dir/base\\u0000.toml"'])
def test_extends_with_a_nul_character_is_refused(tmp_path, extends):
    """Was a ValueError ("embedded null byte") from the file system."""
    child = tmp_path / "child.toml"
    child.write_text(f"extends = {extends}\n", encoding="utf-8")
    message = refused(str(child))
    assert message.startswith(f"{child}: extends: ") and "NUL character" in message


@pytest.mark.parametrize("extends", ['"../../etc/x"', '"lessons/baseline"'])
def test_extends_naming_a_folder_without_toml_is_refused(tmp_path, extends):
    child = tmp_path / "child.toml"
    child.write_text(f"extends = {extends}\n", encoding="utf-8")
    assert f"{child}: extends: " in refused(str(child))


def test_extends_resolves_a_relative_path_against_the_extending_file(tmp_path, monkeypatch):
    """Before, "parent.toml" was looked for in the working directory."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "parent.toml").write_text(BASELINE_TEXT, encoding="utf-8")
    (folder / "child.toml").write_text('extends = "parent.toml"\n[scenario]\nname = "child"\nturns = 4\n',
                                       encoding="utf-8")
    (tmp_path / "parent.toml").write_text("this is not the parent\n", encoding="utf-8")  # a decoy in the cwd
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(str(folder / "child.toml"))
    assert scenario.scenario.name == "child" and scenario.scenario.turns == 4
    assert load_scenario("mine/child.toml") == scenario, "the same from a relative path to the child"


def test_extends_a_bare_name_still_means_the_installed_scenario(tmp_path):
    (tmp_path / "baseline.toml").write_text("not the installed one\n", encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text('extends = "baseline"\n[scenario]\nname = "child"\n', encoding="utf-8")
    assert load_scenario(str(child)).countries == load_scenario("baseline").countries


# ---------------------------------------------------------------------------- the hash


def _hash_of(tmp_path: Path, text: str, name: str = "s.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return scenario_hash(str(path))


def test_the_hash_ignores_comments_whitespace_key_order_and_number_spelling(tmp_path):
    """Editing a comment in baseline.toml refused every save and blocked tournament resumes."""
    original = _hash_of(tmp_path, BASELINE_TEXT)
    assert original == scenario_hash("baseline"), "the same content, wherever the file is"
    variants = {
        "comment": BASELINE_TEXT + "\n# a comment added later\n",
        "edited comment": edited("# CHOSEN: a 10% excess demand lifts price 2.5% a quarter", "# reworded"),
        "whitespace": BASELINE_TEXT.replace(" = ", "  =  "),
        "1e3 spelling": edited("capacity = 92.0", "capacity = 9.2e1"),
        "integer spelling": edited("capacity = 92.0", "capacity = 92"),
        "explicit default": edited("capacity = 92.0", "capacity = 92.0\ninvests = true"),
        "key order and inline tables": to_toml(dict(reversed(list(baseline_data().items())))),
    }
    for what, text in variants.items():
        assert _hash_of(tmp_path, text, f"{what}.toml".replace(" ", "_")) == original, what


@pytest.mark.parametrize(("old", "new"), [
    ("capacity = 92.0", "capacity = 92.5"),
    ("budget_noise = 0.04", "budget_noise = 0.05"),
    ('title_en = "Baseline: one government term, 2025-2029"', 'title_en = "Baseline"'),
    ("turns = 20", "turns = 19"),
])
def test_any_value_change_changes_the_hash(tmp_path, old, new):
    assert _hash_of(tmp_path, edited(old, new), "changed.toml") != _hash_of(tmp_path, BASELINE_TEXT)


def test_the_hash_of_a_lesson_covers_its_base_but_not_the_bases_comments(tmp_path):
    base = tmp_path / "base.toml"
    child = tmp_path / "child.toml"
    base.write_text(BASELINE_TEXT, encoding="utf-8")
    child.write_text('extends = "base.toml"\n[scenario]\nname = "child"\nturns = 6\n', encoding="utf-8")
    before = scenario_hash(str(child))
    base.write_text(BASELINE_TEXT + "# only a comment\n", encoding="utf-8")
    assert scenario_hash(str(child)) == before
    base.write_text(edited("budget_noise = 0.04", "budget_noise = 0.05"), encoding="utf-8")
    assert scenario_hash(str(child)) != before


def test_every_installed_scenario_hashes(tmp_path):
    hashes = {p.stem: scenario_hash(p.stem) for p in SCENARIO_DIR.glob("*.toml")}
    assert len(set(hashes.values())) == len(hashes)
    assert all(len(h) == 64 for h in hashes.values())


# ---------------------------------------------------------------------------- speed (issue 15)


def test_the_repeated_name_check_is_linear():
    """The firm-name check used list.count per name (quadratic: most of a 100-times world's
    validation). With 60,000 extra component suppliers it took ~40 s of CPU; now ~0.3 s. The
    bound is on this process's CPU time, not the wall clock: a machine busy with other work (load
    9 on 2 cores made the wall clock read 6.8 s) does not move it, a quadratic check would."""
    data = baseline_data()
    template = data["component_suppliers"][0]
    data["component_suppliers"] += [{**template, "name": f"Extra supplier {i}", "link_strength": {}}
                                    for i in range(60_000)]
    start = time.process_time()
    scenario = Scenario.model_validate(data)
    assert len(scenario.component_suppliers) > 60_000
    assert time.process_time() - start < 5.0
