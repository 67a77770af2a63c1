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


def test_a_board_differs_when_some_pair_differs_beyond_noise_after_holm():
    """A clear small difference counts though a noisier pair has the larger mean (the old test read
    only the largest mean); noise alone over several pairs does not (Holm over the pairs)."""
    rng = np.random.default_rng(14)
    clear = 0.18 + rng.normal(0, 0.05, 20)  # default - laissez_faire: small, steady
    noisy = -0.21 + rng.normal(0, 1.0, 20)  # laissez_faire - random: larger mean, noisy
    pairs = [(noisy, "laissez_faire", "random"), (clear, "default", "laissez_faire")]
    differ, (_, a, b) = bench.strategies_differ(pairs)
    assert differ and (a, b) == ("default", "laissez_faire")
    assert bench.paired_p(clear) < 1e-6 < bench.paired_p(noisy)
    # p ~ 0.04 on one pair of six is not beyond noise for the family (Holm: 0.05 / 6 first)
    marginal = np.array([1.51, -0.49] * 10)
    assert 0.05 / 6 < bench.paired_p(marginal) < 0.05
    ties = [(np.zeros(20), "x", f"y{k}") for k in range(5)]
    assert not bench.strategies_differ([*ties, (marginal, "m", "n")])[0]
    assert bench.strategies_differ([(marginal, "m", "n")])[0]  # alone, the same pair is beyond noise
    assert bench.paired_p(np.zeros(5)) == 1.0 and bench.paired_p(np.full(5, 0.5)) == 0.0


def test_every_country_has_a_board_with_a_verdict(capsys):
    bench.main(["--seeds", "2", "--workers", "2"])
    text = capsys.readouterr().out
    for country in ("KOR", "USA", "CHN", "TWN", "JPN", "EU", "GCC", "ROW"):
        assert f"| {country} | " in text
    assert "(none)" not in text and "no programme" not in text.split("## 1.")[1], "every country has a programme"
    assert "## 2. Head to head: 4 KOR x 3 USA x 2 CHN strategies" in text
    for country in ("TWN", "EU", "ROW"):  # programmes every game runs: measured against the world without them
        row = next(line for line in text.splitlines() if line.startswith(f"| {country} | "))
        assert "| *" in row and any(f"| {v} |" in row for v in ("beats", "loses", "tie")), row
    assert "Ranking changes with the opponent:" in text


def test_an_interaction_is_the_difference_of_paired_differences():
    """Korea's a beats b against the USA's u by 1 on every seed and loses by 1 against v: the
    order flips and the interaction is +2 on every seed, so its interval excludes 0."""
    rows = []
    for seed in range(4):
        for usa, (a, b) in {"u": (31.0 + seed, 30.0 + seed), "v": (30.0 + seed, 31.0 + seed)}.items():
            for kor, score in (("a", a), ("b", b)):
                rows.append({"outcome": "ok", "seed": seed, "s_KOR": score,
                             "lineup": f"KOR={kor} | USA={usa} | CHN=default"})
    import pandas as pd

    lines = bench.interaction_lines(pd.DataFrame(rows), {"u": ["a", "b"], "v": ["b", "a"]})
    assert len(lines) == 4 and "a - b: +1.00" in lines[-1] and "interaction +2.00 [+2.00, +2.00]" in lines[-1]
    assert lines[-1].endswith("beyond noise.")
    assert bench.seat_strategy("KOR=team_korea(scale=0.5) | USA=default", "KOR") == "team_korea(scale=0.5)"


def test_the_world_without_a_programme_differs_only_in_that_programme(tmp_path):
    """Taiwan's credit and the EU's AI factories are what every game runs; the world they are
    measured against has no standing credit and no national centre buying, and nothing else changed;
    so is the rest of the world's IndiaAI tender (its national buyer)."""
    from game.scenario import load_scenario

    base = load_scenario("baseline")
    for code in ("TWN", "EU", "ROW"):
        without = load_scenario(str(bench.withdrawn(base, code, tmp_path)))
        country = next(c for c in without.countries if c.id == code)
        assert country.capex_support == 0 and country.capex_support_cap == 0
        centres = [b for b in without.buyers if b.country == code and b.national]
        assert all(b.budget == 0 for b in centres) and len(centres) == (code in ("EU", "ROW"))
        changed = {c.id for c, o in zip(without.countries, base.countries, strict=True) if c != o}
        changed |= {b.name for b, o in zip(without.buyers, base.buyers, strict=True) if b != o}
        names = {b.name for b in centres}  # the country itself changes where it had a credit (ROW had none)
        assert names <= changed <= {code} | names and (code in changed) == (code != "ROW"), changed
