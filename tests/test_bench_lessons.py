"""benchmarks/bench_lessons.py: every lesson's paired comparison on several seeds, as a table.

The benchmark itself runs 20 seeds (docs/lessons_check.md); here two seeds check that it runs,
that every lesson and quantity has its row, and that each point holds on both seeds."""

from __future__ import annotations

import re

import pytest

from benchmarks import bench_lessons
from game.scenario import load_scenario


def test_each_lessons_point_holds_on_two_paired_seeds(capsys):
    assert bench_lessons.main(["--seeds", "2"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| lesson_")]
    expected = sum(len(load_scenario(lesson).lesson.quantities) for lesson in bench_lessons.PLAYS)
    assert len(rows) == expected
    for row in rows:
        held = re.search(r"\| (\d+)/2 \(", row)
        assert held and held.group(1) == "2", row


def test_a_single_seed_is_a_usage_error():
    with pytest.raises(SystemExit) as exc:
        bench_lessons.main(["--seeds", "1"])
    assert exc.value.code == 2
