"""The y-range of the desk's small index chart, fitted to what it draws (issue 16).

On a fixed 0-100 scale a lever's effect of ~0.7 index points is 1-2 px, so while the player
drags a slider the forecast lines hardly move; fitted to the lines, the same effect is
several pixels. Kept free of pygame so the rule is tested on its own (tests/test_chart_scale.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# The smallest span shown, in index points: on the desk's plot (~190 px) a 10-point span makes
# a lever's effect of ~1 point ~19 px, while a wobble of a tenth of a point stays ~2 px rather
# than looking like a cliff (which a span fitted to a flat line would make it).
MIN_SPAN = 10.0
PAD = 1.0  # points kept above and below the lines, so a line is not drawn on the plot's edge
STEP = 5.0  # the bounds are multiples of 5: the axis reads 25-35, not 26.3-36.3


def index_range(lines: Iterable[Iterable[float]], keep: tuple[float, float] | None = None,
                min_span: float = MIN_SPAN) -> tuple[float, float]:
    """(low, high) of the index chart: every value of `lines` inside with `PAD` points to spare,
    at least `min_span` points wide (the lines near its middle), widened to cover `keep` (the range
    already shown this turn: it only grows, so it does not jump as forecasts come and go),
    bounds on multiples of `STEP`, within 0-100 (shifted in rather than cut, to keep the span).
    No values and nothing to keep: 0-100."""
    values = [v for line in lines for v in line]
    if not values and keep is None:
        return 0.0, 100.0
    low, high = (min(values) - PAD, max(values) + PAD) if values else keep
    if keep is not None:
        low, high = min(low, keep[0]), max(high, keep[1])
    middle = (low + high) / 2
    low, high = math.floor(low / STEP) * STEP, math.ceil(high / STEP) * STEP
    while high - low < min_span:  # a step on the side with less room: the lines stay near the middle
        if high - middle < middle - low:
            high += STEP
        else:
            low -= STEP
    if low < 0:
        low, high = 0.0, min(high - low, 100.0)
    if high > 100:
        low, high = max(low - (high - 100), 0.0), 100.0
    return float(low), float(high)


def index_ticks(low: float, high: float) -> list[float]:
    """The values written on the chart's axis: its ends and, between them, the multiple of
    `STEP` nearest the middle (if there is one strictly between), so the reader sees the scale
    is not 0-100."""
    middle = round((low + high) / 2 / STEP) * STEP
    return [high, float(middle), low] if low < middle < high else [high, low]
