"""Common random numbers: one random stream per source of chance, derived from the game's seed.

A paired comparison (a tournament's seeds, the charts' "no action" line, a lesson's with/without
runs) must compare the same history: the same events at the same moments and the same demand
surprises, whatever the controllers do. With one generator for everything, a choice that made one
event eligible a quarter earlier shifted every later draw, and the two games drifted apart for
reasons that had nothing to do with the choice.

So each source draws from its own generator, seeded by (game seed, source name), and draws the same
number of values every quarter whether or not it is used: the draw of event `e` in quarter `t` is
the same number in every game with that seed. Sources are named, not numbered, so adding an event to
a scenario leaves every other event's draws unchanged.
"""

from __future__ import annotations

import zlib

import numpy as np


def source_key(name: str) -> int:
    """A stable 32-bit number for a source's name (the same on every machine and Python run)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Named generators: `streams("event:taiwan_earthquake")`, `streams("demand")`."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._generators: dict[str, np.random.Generator] = {}
        self._saved: dict[str, dict] = {}  # a copy's streams not drawn from yet: their states

    def __call__(self, name: str) -> np.random.Generator:
        generator = self._generators.get(name)
        if generator is None:
            sequence = np.random.SeedSequence(self.seed, spawn_key=(source_key(name),))
            generator = self._generators[name] = np.random.Generator(np.random.PCG64(sequence))
            state = self._saved.pop(name, None)
            if state is not None:
                generator.bit_generator.state = state
        return generator

    def states(self) -> dict[str, dict]:
        """Every stream's state, by name (for a save's consistency check)."""
        found = {**self._saved, **{name: g.bit_generator.state for name, g in self._generators.items()}}
        return dict(sorted(found.items()))

    def __deepcopy__(self, memo) -> Streams:
        """A copied world's streams (World.fork) continue every draw where this world's are, each
        from its own state: a generator is rebuilt from its state when the copy first draws from
        it (a preview that plays out the rest of a quarter draws from few of them; rebuilding
        all of them was a fifth of a fork). The states are plain dicts nothing changes."""
        new = Streams(self.seed)
        memo[id(self)] = new
        new._saved = self.states()
        return new
