"""benchmarks/bench_objectives.py: the per-country objective checks of issue 14, run small."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_objectives as bench  # noqa: E402


def test_the_t_interval_and_the_pairing_are_the_hand_computed_ones():
    import pandas as pd

    frame = pd.DataFrame({"strategy": ["a", "a", "a", "b", "b", "b"], "seed": [1, 2, 3, 3, 1, 2],
                          "total": [10.0, 12.0, 14.0, 13.0, 9.0, 10.0]})
    assert bench.paired(frame, "a", "b").tolist() == [1.0, 2.0, 1.0]  # on the same seed, whatever the order
    mean, low, high = bench.t_interval(np.array([1.0, 2.0, 1.0]))
    assert mean == pytest.approx(4 / 3)
    assert (low, high) == pytest.approx((4 / 3 - 4.302653 * 0.3333333, 4 / 3 + 4.302653 * 0.3333333), rel=1e-5)


def test_every_country_has_a_board_with_a_verdict(capsys):
    bench.main(["--seeds", "2", "--workers", "2"])
    text = capsys.readouterr().out
    for country in ("KOR", "USA", "CHN", "TWN", "JPN", "EU", "GCC", "ROW"):
        assert f"| {country} | " in text
    assert "| ROW | (none) |" in text and "no programme" in text, "the rest of the world has no programme to test"
    assert "## 2. Head to head: 3 KOR x 3 USA x 2 CHN strategies" in text
    assert "Ranking changes with the opponent:" in text
