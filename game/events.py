"""Events: data-driven shocks and turning points (scenario `[[events]]`).

An event may fire once, in its window of quarters, when its conditions hold, with a probability
per quarter (which may rise with a state value, e.g. R&D spent). Its effects never set an
outcome: they change an input of a mechanism (a buyer's budget, a capacity, a rule, a
qualification, a learning curve) and the turn does the rest. An event with choices asks its
chooser's controller to pick one; the choice is a bundle of Actions through the usual seam.
"""

from __future__ import annotations

import operator

from game.calendar import parse_quarter

OPERATORS = {">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le,
             "==": operator.eq, "!=": operator.ne}
FIRM_ATTRIBUTES = {"capacity", "cash", "price", "output", "revenue", "yield_", "ecosystem", "rd_stock", "alive",
                   "volume", "sold"}


def state_value(world, key: str):
    """A value named by a condition key; unknown keys are refused when the scenario loads."""
    if key.startswith("policy."):
        _, country, field = key.split(".", 2)
        return getattr(world.countries[country].policy, field)
    if key.startswith("firm."):
        name, attribute = key[len("firm."):].rsplit(".", 1)
        return getattr(world.by_name[name], attribute)
    return world.current_columns[key]


def key_problem(world, key: str) -> str | None:
    """Why a condition key cannot be read, or None."""
    if key.startswith("policy."):
        parts = key.split(".", 2)
        known = len(parts) == 3 and parts[1] in world.countries
        if not known or not hasattr(world.countries[parts[1]].policy, parts[2]):
            return f"unknown policy key '{key}'"
        return None
    if key.startswith("firm."):
        name, _, attribute = key[len("firm."):].rpartition(".")
        if name not in world.by_name or attribute not in FIRM_ATTRIBUTES:
            return f"unknown firm key '{key}'"
        return None
    return None if key in world.current_columns else f"unknown indicator '{key}'"


def may_fire(world, event) -> bool:
    """Whether `event` may fire this quarter, its draw aside: its window is open and its
    conditions hold."""
    now = world.now
    if now < parse_quarter(event.start) or (event.end and now > parse_quarter(event.end)):
        return False
    return not event.conditions or all(holds(world, c) for c in event.conditions)  # most have none


def holds(world, condition) -> bool:
    value = state_value(world, condition.key)
    target = condition.value
    if isinstance(target, str) != isinstance(value, str):
        return False
    return bool(OPERATORS[condition.op](value, target))


def probability(world, event) -> float:
    p = event.probability
    if event.probability_key:
        p += event.probability_slope * float(state_value(world, event.probability_key))
    return min(max(p, 0.0), 1.0)


def targets(world, effect, kinds: tuple[str, ...]) -> list:
    """Agents an effect names: firm names, or "country:XXX" for all of that country's agents."""
    chosen = []
    for target in effect.targets:
        if target.startswith("country:"):
            country = target.split(":", 1)[1]
            chosen += [a for a in world.by_name.values() if a.country == country and a.kind in kinds]
        elif target == "all":
            chosen += [a for a in world.by_name.values() if a.kind in kinds]
        elif world.by_name[target].kind in kinds:
            chosen.append(world.by_name[target])
    return chosen


def apply_effect(world, effect, now: int) -> tuple[str, dict]:
    """Change one mechanism input; return a strings key and its parameters describing it (the
    cause log renders it in either language, with firm names in the reader's language)."""
    until = now + effect.quarters - 1
    match effect.kind:
        case "budget_shock":
            buyers = targets(world, effect, ("buyer",))
            for buyer in buyers:
                buyer.shocks.append((until, effect.factor))
            return "effect.budget_shock", {"count": len(buyers), "factor": effect.factor, "quarters": effect.quarters}
        case "capacity_loss":
            producers = targets(world, effect, ("foundry", "hbm_maker", "packager"))
            for producer in producers:
                producer.outages.append((until, effect.factor))
            return "effect.capacity_loss", {"names": [p.name for p in producers], "share": effect.factor,
                                            "quarters": effect.quarters}
        case "export_control":
            world.add_export_control(effect.from_countries[0], effect.good, effect.to_countries,
                                     effect.perf_above, also_from=effect.from_countries[1:])
            return "effect.export_control", {"good": f"good.{effect.good}", "to": list(effect.to_countries)}
        case "qualification":
            key = (effect.supplier, effect.designer, effect.generation)
            world.qualification[key] = effect.level
            if effect.level > 0:
                world.sampling.pop(key, None)
            return "effect.qualification", {"supplier": effect.supplier, "designer": effect.designer,
                                            "level": effect.level}
        case "perf_multiplier":
            designers = targets(world, effect, ("designer",))
            for designer in designers:
                designer.perf_factor *= effect.factor
            return "effect.perf_multiplier", {"names": [d.name for d in designers], "factor": effect.factor}
        case "pipeline":
            producers = targets(world, effect, ("foundry", "hbm_maker", "packager"))
            for producer in producers:
                producer.add_project(now + effect.delay, effect.amount)
            return "effect.pipeline", {"names": [p.name for p in producers], "amount": effect.amount,
                                       "delay": effect.delay}
        case "learning_jump":
            producers = targets(world, effect, ("foundry", "hbm_maker"))
            for producer in producers:
                producer.learning_jump(effect.factor)
            return "effect.learning_jump", {"names": [p.name for p in producers], "factor": effect.factor}
        case "ecosystem":
            designers = targets(world, effect, ("designer",))
            for designer in designers:
                designer.ecosystem = min(1.0, designer.ecosystem + effect.amount)
            return "effect.ecosystem", {"names": [d.name for d in designers], "amount": effect.amount}
    raise ValueError(f"unknown effect {effect.kind}")


def reference_problems(world, event) -> list[str]:
    """Names and keys an event uses that the world does not have (checked when a game starts)."""
    problems = [p for c in event.conditions if (p := key_problem(world, c.key))]
    if event.probability_key and (p := key_problem(world, event.probability_key)):
        problems.append(p)
    for effect in [*event.effects, *(e for choice in event.choices for e in choice.effects)]:
        for target in effect.targets:
            if target.startswith("country:"):
                if target.split(":", 1)[1] not in world.countries:
                    problems.append(f"unknown country in target '{target}'")
            elif target != "all" and target not in world.by_name:
                problems.append(f"unknown target '{target}'")
        for name in (effect.supplier, effect.designer):
            if name is not None and name not in world.by_name:
                problems.append(f"unknown firm '{name}'")
        for country in effect.from_countries + effect.to_countries:
            if country not in world.countries:
                problems.append(f"unknown country '{country}'")
        if effect.kind == "export_control" and (not effect.from_countries or not effect.good):
            problems.append("an export_control effect needs a good and from_countries")
    if event.chooser and event.chooser not in world.countries:
        problems.append(f"unknown chooser '{event.chooser}'")
    return problems
