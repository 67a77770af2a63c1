"""Scores: every country's index (0-100) from measured indicators, by the scenario's rule.

Each component maps an indicator linearly from `low` (0 points) to `high` (100 points), clipped,
inverted where lower is better; the index is the weighted mean of the components. A component
reads the scored country's own indicator, or, with `of`, another country's (the USA's objective
counts China's compute against it). Each country is scored by its own objective where the
scenario gives one (`[score.<country>]`), else by `[score]`, Korea's "Team Korea index". The rule
is data, so a teacher can read it and a scenario can change it.
"""

from __future__ import annotations

from collections.abc import Mapping


def component_points(value: float, low: float, high: float, invert: bool) -> float:
    span = high - low
    points = 100.0 * min(max((value - low) / span, 0.0), 1.0) if span else 0.0
    return 100.0 - points if invert else points


def component_id(component) -> str:
    """How a component is named in breakdowns and tables: its indicator, or "CHN.compute_share"
    for one read from another country."""
    return f"{component.of}.{component.key}" if component.of else component.key


def breakdown(spec, indicators: Mapping[str, float],
              others: Mapping[str, Mapping[str, float]] | None = None) -> dict[str, float]:
    """Points per component for one country's `indicators`; `others` (every country's
    indicators) for components that read another country's."""
    def value(c) -> float:
        source = indicators if c.of is None else (others or {}).get(c.of, {})
        return source.get(c.key, 0.0)

    return {component_id(c): component_points(value(c), c.low, c.high, c.invert) for c in spec.components}


def index(spec, indicators: Mapping[str, float], others: Mapping[str, Mapping[str, float]] | None = None) -> float:
    points = breakdown(spec, indicators, others)
    total = sum(c.weight for c in spec.components)
    return sum(c.weight * points[component_id(c)] for c in spec.components) / total if total else 0.0


def indices(spec, indicators: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Every country's index by its own rule (`spec.for_country`), from every country's
    indicators: the same floats as `index` country by country (the same points, weighted and
    added in the same order), with each rule read once rather than through `breakdown`."""
    compiled: dict[int, tuple[list, float]] = {}
    out = {}
    for country, values in indicators.items():
        rule = spec.for_country(country) if hasattr(spec, "for_country") else spec
        if id(rule) not in compiled:
            compiled[id(rule)] = ([(c.key, c.of, c.low, c.high - c.low, c.invert, c.weight) for c in rule.components],
                                  sum(c.weight for c in rule.components))
        terms, total = compiled[id(rule)]
        points = []
        for key, of, low, span, invert, _ in terms:  # component_points, inline
            source = values if of is None else indicators.get(of, {})
            p = 100.0 * min(max((source.get(key, 0.0) - low) / span, 0.0), 1.0) if span else 0.0
            points.append(100.0 - p if invert else p)
        out[country] = sum(term[5] * p for term, p in zip(terms, points, strict=True)) / total if total else 0.0
    return out


def countries_read(spec, country: str) -> list[str]:
    """The countries whose indicators `country`'s index reads: its own, then each one its rule
    names with `of` (in the rule's order, once each)."""
    read = [country]
    for c in spec.for_country(country).components:
        if c.of is not None and c.of not in read:
            read.append(c.of)
    return read


def country_breakdown(spec, indicators: Mapping[str, Mapping[str, float]], country: str) -> dict[str, float]:
    """`country`'s points per component, by its own rule."""
    return breakdown(spec.for_country(country), indicators[country], indicators)


def points_at(world, index: int, code: str = "KOR") -> dict[str, float]:
    """`code`'s points per component after the quarter `world.history[index]`: Korea's from the
    snapshot (its index by component, "total" among them), another country's from its rule on
    that quarter's indicators (the same numbers its score was made of)."""
    if code == "KOR":
        return world.history[index]["korea_index"]
    if world.scenario.score is None:
        return {}
    return country_breakdown(world.scenario.score, world.history.indicators(index), code)


def grade(spec, score: float, country: str | None = None) -> str:
    """The best grade whose threshold the score reaches (`country`'s own bands if it has them).
    `spec` is the scenario's `[score]` (a ScoreSpec)."""
    grades = spec.grades_for(country) if country is not None else spec.grades
    earned = [(threshold, name) for name, threshold in grades.items() if score >= threshold]
    return max(earned)[1] if earned else min(grades.items(), key=lambda kv: kv[1])[0]


def rule_of(scenario, country: str):
    """The rule `country` is scored by in `scenario` (None if the scenario scores nothing)."""
    return scenario.score.for_country(country) if scenario.score is not None else None
