"""Issue 15 (speed) in the policy side of the turn: each short cut gives what the long way gave,
bit for bit (the random streams, the event pass, the budget checks, the previews)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from game.streams import Streams


# ------------------------------------------------------------------ streams passed over
def _drawn(streams: Streams, name: str, draws: int) -> None:
    for _ in range(draws):
        streams(name).random()


@pytest.mark.parametrize("before", [0, 1, 3])
def test_a_stream_passed_over_stands_where_its_draws_would_put_it(before):
    """Numbers passed over (`pass_over`) leave a stream, its state and its next draws, where
    drawing them with `random()` would: unbuilt, built, or half-way through a 32-bit pair."""
    taken, passed = Streams(7), Streams(7)
    for streams in (taken, passed):
        _drawn(streams, "event:a", before)
        if before == 3:
            streams("event:a").integers(0, 10, dtype=np.uint32)  # buffers a 32-bit half
    _drawn(taken, "event:a", 4)
    for _ in range(4):
        passed.pass_over("event:a")
    assert passed.states() == taken.states()
    assert passed("event:a").random() == taken("event:a").random()


def test_a_copy_continues_the_draws_passed_over():
    """A copy made while numbers are passed over (and of a copy's saved states) draws on as
    the stream drawn every number would."""
    taken, passed = Streams(3), Streams(3)
    _drawn(taken, "x", 2)
    _drawn(passed, "x", 1)
    passed = copy.deepcopy(passed)
    passed.pass_over("x")
    passed = copy.deepcopy(passed)
    assert passed.states() == taken.states()
    assert passed("x").random() == taken("x").random()
    assert passed.states() == taken.states()


def test_reading_the_states_builds_nothing():
    streams = Streams(1)
    streams.pass_over("y")
    first = streams.states()
    assert streams.states() == first and not streams._generators
