"""The precision at which two runs of the same game are the same game.

A game is a function of (scenario, seed, Actions), and on one machine two runs agree to the last
bit. Across machines they do not quite: numpy's transcendental functions (exp, log, power) take
different SIMD paths on different CPUs (AVX2, AVX-512, NEON) and may differ in the last bit, and
the turn carries such differences forward. Measured on this model (AVX-512 against AVX2, 20-turn
games): the largest relative difference of any number in the world's state stays near 1e-13, and
quantities that should be zero come out as 0 on one machine and ~1e-13 on the other.

So saves, replays and tournament `--verify` compare numbers within a stated precision: two
numbers agree when they are within `REL_TOL` of each other relative to the larger, or within
`ABS_TOL` absolutely (the world's units are US$ billions, thousand units, million GB: 1e-9 of any
of them is nothing a game can show). Everything that is not a float (strings, whole numbers,
booleans, keys, list lengths) must be equal exactly. A game that really diverged (an edited save,
another model version) differs by far more than this.
"""

from __future__ import annotations

import math

REL_TOL = 1e-9
ABS_TOL = 1e-9


def close(a: float, b: float) -> bool:
    """Two floats that a different CPU could have produced from the same game."""
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def first_difference(a, b, path: str = "") -> str | None:
    """Where two JSON-like values differ beyond the stated precision, as a readable path and the
    two values ("shares.foundry.Samsung Foundry: 0.081 against 0.093"), or None if they agree.
    Walks the structures with an explicit stack, so no depth of nesting can overflow Python's."""
    stack = [(a, b, path)]
    while stack:
        x, y, where = stack.pop()
        if isinstance(x, bool) or isinstance(y, bool):
            if x is not y:
                return f"{where or '(top)'}: {x!r} against {y!r}"
        elif isinstance(x, float) or isinstance(y, float):
            numbers = isinstance(x, int | float) and isinstance(y, int | float)
            if not numbers or not close(float(x), float(y)):
                return f"{where or '(top)'}: {x!r} against {y!r}"
        elif isinstance(x, dict) and isinstance(y, dict):
            if x.keys() != y.keys():
                missing = sorted(set(map(str, x)) ^ set(map(str, y)))
                return f"{where or '(top)'}: keys differ ({', '.join(missing[:5])})"
            stack.extend((x[k], y[k], f"{where}.{k}" if where else str(k)) for k in reversed(list(x)))
        elif isinstance(x, list | tuple) and isinstance(y, list | tuple):
            if len(x) != len(y):
                return f"{where or '(top)'}: {len(x)} items against {len(y)}"
            stack.extend((u, v, f"{where}[{i}]") for i, (u, v) in reversed(list(enumerate(zip(x, y, strict=True)))))
        elif type(x) is not type(y) or x != y:
            return f"{where or '(top)'}: {x!r} against {y!r}"
    return None


def agree(a, b) -> bool:
    return first_difference(a, b) is None
