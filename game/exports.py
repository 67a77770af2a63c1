"""Export controls: a table of forbidden flows by good, supplier country and buyer country.

The start state is the US rules in force at the start of the scenario (Oct 2022, Oct 2023,
Dec 2024 HBM, Jan 2025 foundry due diligence); later rounds are added as events. A control on
accelerators applies only above a performance threshold, which is how a downgraded chip (the
H20) stays on sale where the flagship may not go.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

# A chip is "above" a threshold only beyond this relative margin: 0.1 x 3.5 is 0.35000000000000003
# in floating point, and a rule at 0.35 H100e must not hinge on that last bit (nor on the CPU).
MARGIN = 1e-9


def above(perf, threshold):
    """perf > threshold, by more than the last bits of a float (works on arrays too)."""
    return perf > threshold * (1 + MARGIN)


class ExportRules:
    def __init__(self, rules: Iterable = ()) -> None:
        self._threshold: dict[tuple[str, str, str], float] = {}
        self._tables: dict[tuple, np.ndarray] = {}  # thresholds() answers while no rule is added
        self.active: list = []
        for rule in rules:
            self.add(rule)

    def add(self, rule) -> None:
        """Add a control; where two overlap, the stricter (lower) threshold holds."""
        self.active.append(rule)
        self._tables = {}
        for origin in rule.from_countries:
            for destination in rule.to_countries:
                key = (rule.good, origin, destination)
                self._threshold[key] = min(self._threshold.get(key, float("inf")), rule.perf_above)

    def threshold(self, good: str, origin: str, destination: str) -> float | None:
        """The performance above which `good` from `origin` may not go to `destination` (0: every
        item), or None where no rule covers it."""
        return self._threshold.get((good, origin, destination))

    def allows(self, good: str, origin: str, destination: str, perf: float = float("inf")) -> bool:
        """May `good` made in `origin` go to a buyer in `destination`? For accelerators `perf`
        is the chip's performance in H100-equivalents; other goods are controlled outright."""
        if origin == destination:
            return True  # export controls govern exports, never a country's home trade
        threshold = self._threshold.get((good, origin, destination))
        return threshold is None or not above(perf, threshold)

    def thresholds(self, good: str, origins: Sequence[str], destinations: Sequence[str]) -> np.ndarray:
        """Matrix [destination, origin] of performance thresholds (inf where uncontrolled),
        for the buyer x chip markets that are cleared as arrays. The same question asked again
        before a rule is added gets the same (read-only) matrix: the market asks every quarter."""
        key = (good, tuple(origins), tuple(destinations))
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = self._thresholds(good, origins, destinations)
            table.flags.writeable = False
        return table

    def _thresholds(self, good: str, origins: Sequence[str], destinations: Sequence[str]) -> np.ndarray:
        countries = sorted(set(origins) | set(destinations))
        index = {c: i for i, c in enumerate(countries)}
        table = np.full((len(countries), len(countries)), np.inf)
        for (kind, origin, destination), value in self._threshold.items():
            if kind == good and origin != destination and origin in index and destination in index:
                table[index[destination], index[origin]] = value
        return table[np.ix_([index[c] for c in destinations], [index[c] for c in origins])]
