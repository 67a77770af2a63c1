"""The desk's index chart's y-range (game/ui/scale.py): fitted to the lines drawn, at least
MIN_SPAN points, on multiples of 5, within 0-100, only widened by what it keeps."""

from __future__ import annotations

import pytest

from game.ui.scale import MIN_SPAN, index_range, index_ticks


def on_fives(low: float, high: float) -> bool:
    return low % 5 == 0 and high % 5 == 0


@pytest.mark.parametrize("lines", [
    [[28.4, 28.9, 30.3], [30.3, 31.0]],  # the desk mid-game: the lines within a few points
    [[2.0, 40.0], [65.5]],  # a wide game
    [[49.9], [50.1]],  # a flat line
    [[0.4, 1.0]],  # near the bottom
    [[99.5, 97.0]],  # near the top
    [[0.0, 100.0]],  # the whole scale
])
def test_every_line_is_inside_a_range_of_at_least_the_minimum_span_on_fives_within_0_100(lines):
    low, high = index_range(lines)
    values = [v for line in lines for v in line]
    assert 0 <= low <= min(values) and max(values) <= high <= 100
    assert high - low >= MIN_SPAN and on_fives(low, high)


def test_the_lines_have_room_above_and_below_and_a_small_effect_is_a_large_part_of_the_span():
    low, high = index_range([[28.4, 28.9], [30.3, 31.0], [30.3, 30.6]])
    assert (low, high) == (25.0, 35.0), "the lines padded, centred in a 10-point span"
    assert 0.7 / (high - low) > 0.05, "a lever's 0.7 points is 7% of the plot's height, not 0.7%"
    assert index_range([[50.0]]) == (45.0, 55.0)
    assert index_range([[30.0, 45.0]]) == (25.0, 50.0), "1 point of padding, then the next multiple of 5"


def test_the_range_is_shifted_inside_0_100_rather_than_cut():
    assert index_range([[0.5, 1.0]]) == (0.0, 10.0)
    assert index_range([[99.8]]) == (90.0, 100.0)
    assert index_range([[0.0, 100.0]]) == (0.0, 100.0)


def test_nothing_drawn_is_the_whole_scale_and_what_is_kept_only_widens_the_range():
    assert index_range([]) == index_range([[], []]) == (0.0, 100.0)
    assert index_range([], keep=(25.0, 35.0)) == (25.0, 35.0)
    assert index_range([[30.0]], keep=(20.0, 35.0)) == (20.0, 35.0), "kept, not narrowed"
    assert index_range([[36.5]], keep=(25.0, 35.0)) == (25.0, 40.0), "widened to the new line"


def test_the_ticks_are_the_ends_and_the_multiple_of_5_nearest_the_middle():
    assert index_ticks(25.0, 35.0) == [35.0, 30.0, 25.0]
    assert index_ticks(20.0, 35.0) in ([35.0, 25.0, 20.0], [35.0, 30.0, 20.0])
    assert index_ticks(0.0, 100.0) == [100.0, 50.0, 0.0]
    assert index_ticks(25.0, 30.0) == [30.0, 25.0], "no multiple of 5 strictly between"
