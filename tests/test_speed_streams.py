"""Issue 15: a stream's generator built on the placeholder seed (game.streams._READY) and given
its state draws what a generator seeded from its name draws, whichever way the state came
(kept first state, a copy's saved state, draws passed over)."""

from __future__ import annotations

import copy

import numpy as np

from game import streams as streams_module
from game.streams import Streams


def _seeded(seed: int, name: str) -> np.random.Generator:
    sequence = np.random.SeedSequence(seed, spawn_key=(streams_module.source_key(name),))
    return np.random.Generator(np.random.PCG64(sequence))


def test_the_placeholder_seeds_nothing_the_state_does_not_replace() -> None:
    """PCG64 on the placeholder, its state set, is the generator whose state that is."""
    reference = np.random.PCG64(np.random.SeedSequence(4))
    reference.random_raw(3)
    built = np.random.PCG64(streams_module._READY)
    built.state = reference.state
    assert built.state == reference.state
    assert built.random_raw(5).tolist() == reference.random_raw(5).tolist()
    assert streams_module._READY.generate_state(3).dtype == np.uint32  # any other request: zeros


def test_streams_on_the_placeholder_draw_as_seeded_from_their_names() -> None:
    streams_module._FIRST_STATES.clear()
    names = ("demand", "event:x", "components:y")
    for attempt in range(2):  # seeded afresh, then from the kept first states
        streams = Streams(11)
        streams.pass_over("event:x")
        streams.pass_over("event:x")
        drawn = [streams(name).random() for name in names]
        expected = []
        for name in names:
            generator = _seeded(11, name)
            if name == "event:x":
                generator.random(2)
            expected.append(generator.random())
        assert drawn == expected, attempt
        copied = copy.deepcopy(streams)  # a copy rebuilds each generator from its saved state
        assert [copied(name).random() for name in names] == [streams(name).random() for name in names]
