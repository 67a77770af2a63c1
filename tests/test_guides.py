"""The teacher's guides' commands work as written, on Windows, macOS and Linux alike.

Every line of a code block in docs/teachers_guide.md and docs/teachers_guide.ko.md is a command a
teacher types. Each must be plain `python ...` with no shell-only syntax (no heredoc, pipe, `&&`,
`export`, comment or line continuation: PowerShell and a POSIX shell must read it the same way),
each `python main.py ...` must parse with the game's own argument parser (game/cli.py
build_parser(); no game is played), name an installed scenario, a strategy the game has and the
scenario's country codes, and the two guides must give the same commands (apart from `--lang`).
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from pathlib import Path

import pytest

from agents.controllers import strategy_names
from game.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
GUIDES = [ROOT / "docs" / "teachers_guide.md", ROOT / "docs" / "teachers_guide.ko.md"]
SCENARIOS = {p.stem for p in (ROOT / "assets" / "scenarios").glob("*.toml")}
COUNTRIES = {"KOR", "USA", "CHN", "TWN", "JPN", "EU", "GCC", "ROW"}
PIP = {"python -m pip install -e .", 'python -m pip install -e ".[classroom]"'}
# what PowerShell and a POSIX shell read differently, or one of them not at all
SHELL_ONLY = re.compile(r"<<|&&|\|\||\||;|\$\(|`|\bexport\b|\s#|\\$|^\s*(source|\.)\s")


def commands(path: Path) -> list[str]:
    """Every non-blank line inside the guide's fenced code blocks."""
    lines, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
            continue
        if inside and line.strip():
            lines.append(line.strip())
    assert not inside, f"{path.name}: a code block is not closed"
    return lines


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_command_is_plain_python_that_any_shell_reads_the_same_way(guide):
    found = commands(guide)
    assert len(found) >= 20, f"{guide.name}: only {len(found)} commands found"
    for line in found:
        assert not SHELL_ONLY.search(line), f"{guide.name}: shell-only syntax in {line!r}"
        assert line.startswith("python main.py ") or line in PIP, f"{guide.name}: not a game command: {line!r}"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_game_command_parses_and_names_what_the_game_has(guide):
    parser = build_parser()
    kor = set(strategy_names("KOR"))
    for line in commands(guide):
        if not line.startswith("python main.py "):
            continue
        argv = shlex.split(line)[2:]
        try:
            args = parser.parse_args(argv)
        except SystemExit:
            pytest.fail(f"{guide.name}: the game's parser refuses {line!r}")
        scenario = getattr(args, "scenario", None)
        if scenario is not None:
            assert scenario in SCENARIOS, f"{guide.name}: no scenario {scenario!r} in {line!r}"
        if getattr(args, "compare", False):
            assert scenario and scenario.startswith("lesson_"), f"{guide.name}: --compare needs a lesson: {line!r}"
        for code, strategy in (getattr(args, "control", None) or {}).items():
            assert code in COUNTRIES and strategy in kor, f"{guide.name}: unknown seat or strategy in {line!r}"
        for option in ("humans", "teams"):
            codes = getattr(args, option, None) or ()
            assert set(codes) <= COUNTRIES, f"{guide.name}: unknown country code in {line!r}"
        team = getattr(args, "team", None)
        assert team is None or team in COUNTRIES, f"{guide.name}: unknown team in {line!r}"


def test_both_guides_give_the_same_commands_apart_from_the_language():
    def normalised(path: Path) -> Counter:
        return Counter(re.sub(r" --lang \w+", "", line) for line in commands(path))

    english, korean = (normalised(p) for p in GUIDES)
    assert english == korean, (f"only in English: {sorted((english - korean).elements())}; "
                               f"only in Korean: {sorted((korean - english).elements())}")


def test_the_test_catches_what_it_is_for():
    assert SHELL_ONLY.search("python - <<'EOF'")
    assert SHELL_ONLY.search("python main.py sim --json | python -c \"print(1)\"")
    assert SHELL_ONLY.search("python -m pip install -e . && python main.py")
    assert SHELL_ONLY.search("python main.py play   # opens the window")
    assert SHELL_ONLY.search("export PYTHONPATH=.")
    assert not SHELL_ONLY.search("python main.py sim --scenario lesson_bottlenecks --compare --seed 7 --lang ko")
    assert not SHELL_ONLY.search('python -m pip install -e ".[classroom]"')
