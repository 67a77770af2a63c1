"""Scores: every country's index (0-100) from measured indicators, by the scenario's rule.

Each component maps an indicator linearly from `low` (0 points) to `high` (100 points), clipped,
inverted where lower is better; the index is the weighted mean of the components. Korea's index
is the "Team Korea index". The rule is data (scenario `[score]`), so a teacher can read it and a
scenario can change it.
"""

from __future__ import annotations


def component_points(value: float, low: float, high: float, invert: bool) -> float:
    span = high - low
    points = 100.0 * min(max((value - low) / span, 0.0), 1.0) if span else 0.0
    return 100.0 - points if invert else points


def breakdown(spec, indicators: dict[str, float]) -> dict[str, float]:
    """Points per component for one country's indicators."""
    return {c.key: component_points(indicators.get(c.key, 0.0), c.low, c.high, c.invert) for c in spec.components}


def index(spec, indicators: dict[str, float]) -> float:
    points = breakdown(spec, indicators)
    total = sum(c.weight for c in spec.components)
    return sum(c.weight * points[c.key] for c in spec.components) / total if total else 0.0


def indices(spec, indicators: dict[str, dict[str, float]]) -> dict[str, float]:
    """`index` of every country, the rule read once: the same floats as `index` country by
    country (the same points, weighted and added in the same order)."""
    rule = [(c.key, c.low, c.high - c.low, c.invert, c.weight) for c in spec.components]
    total = sum(c.weight for c in spec.components)
    out = {}
    for country, values in indicators.items():
        points = {}
        for key, low, span, invert, _ in rule:  # component_points, inline
            p = 100.0 * min(max((values.get(key, 0.0) - low) / span, 0.0), 1.0) if span else 0.0
            points[key] = 100.0 - p if invert else p
        out[country] = sum(weight * points[key] for key, _, _, _, weight in rule) / total if total else 0.0
    return out


def grade(spec, score: float) -> str:
    """The best grade whose threshold the score reaches."""
    earned = [(threshold, name) for name, threshold in spec.grades.items() if score >= threshold]
    return max(earned)[1] if earned else min(spec.grades.items(), key=lambda kv: kv[1])[0]
