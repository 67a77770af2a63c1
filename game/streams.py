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


# A stream's state before its first draw is a function of (seed, name) alone: seeding a generator
# from its name (a SeedSequence) costs twice setting a kept state, and the games of a tournament, a
# sweep or a lesson's pair play each seed's streams alike. The last _FIRST_STATES_KEPT are kept;
# the states are plain dicts nothing changes (a generator's state setter copies what it reads).
_FIRST_STATES: dict[tuple[int, str], dict] = {}
_FIRST_STATES_KEPT = 4096


class _Placeholder(np.random.bit_generator.ISeedSequence):
    """Seeds a bit generator whose state is set at once: PCG64 seeds itself from the four words
    `generate_state` hands it, and a SeedSequence works them out by hashing its entropy (~8x the
    cost of the rest of building one); these are the same four zeros every time, and the state
    set next replaces whatever they made (no OS entropy either)."""

    _WORDS = np.zeros(4, dtype=np.uint64)  # what PCG64 asks for (it only reads them)

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        if n_words == 4 and dtype is np.uint64:
            return self._WORDS
        return np.zeros(n_words, dtype=dtype)


_READY = _Placeholder()


class Streams:
    """Named generators: `streams("event:taiwan_earthquake")`, `streams("demand")`.

    A stream whose number is passed over (`pass_over`: an event that cannot fire this quarter
    still moves its stream on by its one draw) is not built for it: the draws passed over are
    counted and the generator, built when something first draws from it, is moved on by that
    count then (PCG64's `advance`, which is what that many `random()` draws do to the state).
    `states()` and a copy see every stream where the draws taken and passed over put it."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._generators: dict[str, np.random.Generator] = {}
        self._saved: dict[str, dict] = {}  # a copy's streams not drawn from yet: their states
        self._passed: dict[str, int] = {}  # streams not built yet -> `random()` draws passed over since

    def __call__(self, name: str) -> np.random.Generator:
        generator = self._generators.get(name)
        if generator is None:
            generator = self._generators[name] = np.random.Generator(self._bits(name))
            self._saved.pop(name, None)
            self._passed.pop(name, None)
        return generator

    def pass_over(self, name: str) -> None:
        """Move the stream on as `streams(name).random()` would, the number unused: a stream with
        no generator yet only counts it (building one costs ~25x a draw)."""
        generator = self._generators.get(name)
        if generator is not None:
            generator.random()
        else:
            self._passed[name] = self._passed.get(name, 0) + 1

    def _bits(self, name: str) -> np.random.PCG64:
        """A new bit generator where the stream stands (from a copy's saved state or the stream's
        first state, moved on by the draws passed over); `self` is not changed."""
        key = (self.seed, name) if type(self.seed) is int else None  # None and the like: OS entropy
        state = self._saved.get(name) or _FIRST_STATES.get(key)
        if state is None:
            bits = np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(source_key(name),)))
            if key is not None:
                _FIRST_STATES[key] = bits.state
                while len(_FIRST_STATES) > _FIRST_STATES_KEPT:
                    _FIRST_STATES.pop(next(iter(_FIRST_STATES)))
        else:
            bits = np.random.PCG64(_READY)  # its state is set at once
            bits.state = state
        passed = self._passed.get(name, 0)
        if passed:
            _advance(bits, passed)
        return bits

    def states(self) -> dict[str, dict]:
        """Every stream's state, by name (for a save's consistency check)."""
        found = {name: self._bits(name).state for name in {*self._saved, *self._passed}}
        found.update({name: g.bit_generator.state for name, g in self._generators.items()})
        return dict(sorted(found.items()))

    def __deepcopy__(self, memo) -> Streams:
        """A copied world's streams (World.fork) continue every draw where this world's are, each
        from its own state: a generator is rebuilt from its state when the copy first draws from
        it (a preview that plays out the rest of a quarter draws from few of them; rebuilding
        all of them was a fifth of a fork). The states are plain dicts nothing changes."""
        new = Streams(self.seed)
        memo[id(self)] = new
        new._saved = {**self._saved, **{name: g.bit_generator.state for name, g in self._generators.items()}}
        new._passed = dict(self._passed)
        return new


def _advance(bits: np.random.PCG64, draws: int) -> None:
    """Move `bits` on by `draws` `random()` draws: one 64-bit step each, which `advance` takes in
    one jump; `advance` also drops a buffered 32-bit half, which `random()` leaves, so it is put back."""
    before = bits.state
    bits.advance(draws)
    if before["has_uint32"]:
        after = bits.state
        after["has_uint32"], after["uinteger"] = before["has_uint32"], before["uinteger"]
        bits.state = after
