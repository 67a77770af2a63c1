"""Why did an indicator move? The link from an indicator the player can click (the Team Korea
index, one of its components, a firm's market share, a price, a country's score) to the entries
of the model's cause log that can have moved it, turn by turn, with the indicator's change in
that turn beside them.

The cause log (`world.causes`) already names, for each mechanism entry, the indicators it
moves (`targets`); Actions and events carry no such link, so it is added here from what each
lever and each kind of event effect feeds in the model (MODEL.md). Kept in the core, without
pygame, so the desktop game, a report or a test all read the same answer.

Indicator keys:
  "index"                       the Team Korea index
  "component:<indicator>"       one component of the index (points)
  "korea:<indicator>"           one of Korea's indicators (country_indicators)
  "share:<market>:<firm>"       a firm's share of foundry / hbm / packaging / accelerator
  "price:<good>"                wafer / hbm / accelerator price
  "score:<country>"             a country's score
"""

from __future__ import annotations

from game.describe import KOREAN_INDICATORS
from game.score import component_id, rule_of
from game.text import tr

PLAYER = "KOR"
MARKET_INDICATOR = {"foundry": "foundry_share", "hbm": "hbm_share", "packaging": "packaging_share",
                    "accelerator": "accelerator_share"}
PRICE_MARKET = {"wafer": "foundry", "hbm": "hbm", "accelerator": "accelerator"}

# Which indicators each lever feeds (the mechanisms that read it in the model).
LEVER_TARGETS: dict[str, set[str]] = {
    "foundry_subsidy": {"foundry_share", "accelerator_share", "budget_used"},
    "procurement": {"accelerator_share", "domestic_compute_share", "single_vendor_dependence",
                    "compute_installed", "budget_used"},
    "chip_incentive": {"accelerator_share", "domestic_compute_share", "llm_domestic_chip_share",
                       "chain_completeness", "budget_used"},
    "service_incentive": {"domestic_llm_share", "chain_completeness", "budget_used"},
    "rd_grant": {"accelerator_share", "domestic_compute_share", "budget_used"},
    "broker_link": {"accelerator_share", "hbm_share", "chain_completeness"},
    "convergence": {"industry_adoption", "industry_domestic_ai_share", "chain_completeness", "gdp_effect",
                    "budget_used"},
    "capacity_support": {"foundry_share", "hbm_share", "packaging_share", "budget_used"},
    "trade_stance": {"hbm_share", "foundry_share", "accelerator_share"},
    "export_control": {"accelerator_share", "hbm_share", "domestic_compute_share"},
    "equity": {"accelerator_share", "budget_used"},
}

# Which indicators each kind of event effect feeds.
EFFECT_TARGETS: dict[str, set[str]] = {
    "budget_shock": {"accelerator_share", "compute_installed", "domestic_compute_share", "price:accelerator"},
    "capacity_loss": {"foundry_share", "hbm_share", "packaging_share", "accelerator_share", "price:wafer",
                      "price:hbm", "price:accelerator"},
    "export_control": {"accelerator_share", "hbm_share", "domestic_compute_share", "single_vendor_dependence",
                       "price:accelerator", "price:hbm"},
    "qualification": {"hbm_share", "accelerator_share", "price:hbm"},
    "perf_multiplier": {"accelerator_share", "domestic_compute_share", "price:accelerator"},
    "pipeline": {"foundry_share", "hbm_share", "packaging_share", "price:wafer", "price:hbm"},
    "learning_jump": {"foundry_share", "hbm_share", "price:wafer", "price:hbm"},
    "ecosystem": {"accelerator_share", "domestic_compute_share", "llm_domestic_chip_share"},
}


def series(world, key: str) -> list[float]:
    """The indicator's value after each played turn (world.history order)."""
    kind, _, rest = key.partition(":")
    values = []
    for h in world.history:
        if kind == "index":
            values.append(h["korea_index"].get("total", 0.0))
        elif kind == "component":
            values.append(h["korea_index"].get(rest, 0.0))
        elif kind == "korea":
            values.append(h["korea"].get(rest, 0.0))
        elif kind == "share":
            market, _, firm = rest.partition(":")
            values.append(h["shares"][market].get(firm, 0.0))
        elif kind == "price":
            values.append(h["prices"].get(rest, 0.0))
        elif kind == "score":
            values.append(h["score"].get(rest, 0.0))
        else:
            raise ValueError(f"unknown indicator key {key!r}")
    return values


def _indicators(world, key: str) -> tuple[set[str], str | None, str | None]:
    """(the country indicators `key` depends on, the firm it is about, the country whose levers count)."""
    kind, _, rest = key.partition(":")
    spec = rule_of(world.scenario, PLAYER)
    components = {c.key for c in spec.components} if spec is not None else set()
    if kind == "index":
        return components, None, PLAYER
    if kind in ("component", "korea"):
        return {rest}, None, PLAYER
    if kind == "share":
        market, _, firm = rest.partition(":")
        agent = world.by_name.get(firm)
        return {MARKET_INDICATOR[market]}, firm, agent.country if agent is not None else None
    if kind == "price":
        return {key, MARKET_INDICATOR[PRICE_MARKET[rest]]}, None, None
    if kind == "score":  # what the country's own objective reads (Korea's: the index's components)
        own = rule_of(world.scenario, rest)
        return ({c.key for c in own.components} if own is not None else components), None, rest
    raise ValueError(f"unknown indicator key {key!r}")


def _lever_of(entry: dict) -> str | None:
    """The lever kind of an "action" entry (its params carry the lever's English name)."""
    name = entry["params"].get("kind")
    return next((k for k in LEVER_TARGETS if tr(f"lever.{k}", "en") == name), None)


def _choice_levers(world, entry: dict) -> set[str]:
    """The lever kinds of the Actions an event's answer (a "cause.choice" entry) submits."""
    params = entry["params"]
    event = next((e for e in world.scenario.events if e.title_en == params.get("title")), None)
    choice = next((c for c in event.choices if c.label_en == params.get("choice")), None) if event else None
    return {a.get("kind", "") for a in choice.actions} if choice is not None else set()


def _event_targets(world, entry: dict) -> set[str]:
    """What an event's effects feed; for an answer's own consequence ("cause.choice_effect"), what
    that answer's effects feed."""
    params = entry["params"]
    event = next((e for e in world.scenario.events if e.id == params.get("event")), None)
    if event is None:
        return set()
    effects = event.effects
    if entry["key"] == "cause.choice_effect":
        choice = next((c for c in event.choices if c.label_en == params.get("choice")), None)
        effects = choice.effects if choice is not None else []
    return set().union(*(EFFECT_TARGETS.get(effect.kind, set()) for effect in effects))


def relevant(world, key: str, entry: dict) -> bool:
    """Can this cause-log entry have moved the indicator `key`?"""
    wanted, firm, country = _indicators(world, key)
    source, params = entry["source"], entry["params"]
    if source == "mechanism":
        if firm is not None:
            return params.get("firm") == firm and bool(wanted & set(entry["targets"]))
        return bool(wanted & set(entry["targets"])) and (country is None or entry["country"] == country)
    if source == "event":
        return bool(wanted & _event_targets(world, entry))
    if source == "action" and entry["key"] == "cause.choice_effect":  # an answer's own consequence
        return bool(wanted & _event_targets(world, entry))
    if source == "action":
        levers = _choice_levers(world, entry) if entry["key"] == "cause.choice" else {_lever_of(entry)}
        if not any(wanted & LEVER_TARGETS.get(lever, set()) for lever in levers):
            return False
        return country is None or entry["country"] == country
    return False


def explain(world, key: str) -> list[dict]:
    """Turns in which something could have moved `key`, newest first: for each, the date, the
    indicator before and after, and the cause-log entries (dicts with "source", "en", "ko")."""
    values = series(world, key)
    turns = []
    for turn in range(1, len(world.causes)):
        if turn > len(values):
            break
        causes = [c for c in world.causes[turn] if relevant(world, key, c)]
        before = values[turn - 2] if turn >= 2 else None
        after = values[turn - 1]
        if causes:
            turns.append({"turn": turn, "date": world.history[turn - 1]["date"], "before": before, "after": after,
                          "causes": causes})
    return turns[::-1]


def label(world, key: str, lang: str) -> str:
    """The indicator's name in the reader's language."""
    kind, _, rest = key.partition(":")
    if kind == "index":
        return tr("korea_index", lang)
    if kind == "component":
        spec = rule_of(world.scenario, PLAYER)
        c = next((c for c in spec.components if component_id(c) == rest), None) if spec is not None else None
        if c is not None:
            return c.label_ko if lang == "ko" else c.label_en
        return rest
    if kind == "korea":
        if lang == "ko" and rest in KOREAN_INDICATORS:  # its value is shown in Korean units, not thousands
            return tr(f"kor.{rest}.plain", lang)
        return tr(f"kor.{rest}", lang)
    if kind == "share":
        market, _, firm = rest.partition(":")
        agent = world.by_name.get(firm)
        name = agent.name_ko if agent is not None and lang == "ko" else firm
        return f"{name} - {tr(f'ui.chart.market.{market}', lang)}"
    if kind == "price":
        return tr(f"ui.chart.price.{rest}", lang)
    if kind == "score":
        country = world.countries.get(rest)
        name = (country.name_ko if lang == "ko" else country.name_en) if country is not None else rest
        return f"{name} - {tr('ui.country.score', lang)}"
    return key
