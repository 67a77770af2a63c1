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
  "component:<country>:<id>"    one component of another country's own objective (points), by its
                                `game.score.component_id`: "component:JPN:compute_share",
                                "component:USA:CHN.compute_share" (`component_key` writes them)
  "korea:<indicator>"           one of Korea's indicators (country_indicators)
  "share:<market>:<firm>"       a firm's share of foundry / hbm / packaging / accelerator
  "price:<good>"                wafer / hbm / accelerator price
  "score:<country>"             a country's score
"""

from __future__ import annotations

from game.describe import KOREAN_INDICATORS, country_name, korean_indicator
from game.score import component_id, points_at, rule_of
from game.text import korean_number, tr

PLAYER = "KOR"
MARKET_INDICATOR = {"foundry": "foundry_share", "hbm": "hbm_share", "packaging": "packaging_share",
                    "accelerator": "accelerator_share"}
MARKET_SHARES = frozenset(MARKET_INDICATOR.values())  # a country's share of a market: rivals move it too
PRICE_MARKET = {"wafer": "foundry", "hbm": "hbm", "accelerator": "accelerator"}
NOT_FRACTIONS = frozenset(KOREAN_INDICATORS)  # the indicators counted in whole units, not shares

# Which indicators each lever feeds (the mechanisms that read it in the model). The other
# countries' objectives read three indicators Korea's does not: `compute_share` (the installed
# compute a lever buys or an export control withholds), `industry_revenue` (the sales of the home
# foundries, memory makers, packagers and designers a lever helps sell) and
# `leading_edge_capacity_share` (the capacity a lever or the state's money builds).
LEVER_TARGETS: dict[str, set[str]] = {
    "foundry_subsidy": {"foundry_share", "accelerator_share", "industry_revenue", "budget_used"},
    "procurement": {"accelerator_share", "domestic_compute_share", "single_vendor_dependence",
                    "compute_installed", "compute_share", "industry_revenue", "budget_used"},
    "chip_incentive": {"accelerator_share", "domestic_compute_share", "llm_domestic_chip_share",
                       "chain_completeness", "industry_revenue", "budget_used"},
    "service_incentive": {"domestic_llm_share", "chain_completeness", "budget_used"},
    "rd_grant": {"accelerator_share", "domestic_compute_share", "industry_revenue", "budget_used"},
    "broker_link": {"accelerator_share", "hbm_share", "chain_completeness", "industry_revenue"},
    "convergence": {"industry_adoption", "industry_domestic_ai_share", "chain_completeness", "gdp_effect",
                    "budget_used"},
    "capacity_support": {"foundry_share", "hbm_share", "packaging_share", "leading_edge_capacity_share",
                         "industry_revenue", "budget_used"},
    "trade_stance": {"hbm_share", "foundry_share", "accelerator_share", "industry_revenue"},
    "export_control": {"accelerator_share", "hbm_share", "domestic_compute_share", "compute_share",
                       "industry_revenue"},
    "equity": {"accelerator_share", "leading_edge_capacity_share", "industry_revenue", "budget_used"},
}

# Which indicators each kind of event effect feeds.
EFFECT_TARGETS: dict[str, set[str]] = {
    "budget_shock": {"accelerator_share", "compute_installed", "compute_share", "domestic_compute_share",
                     "price:accelerator"},
    "capacity_loss": {"foundry_share", "hbm_share", "packaging_share", "accelerator_share", "industry_revenue",
                      "price:wafer", "price:hbm", "price:accelerator"},
    "export_control": {"accelerator_share", "hbm_share", "domestic_compute_share", "single_vendor_dependence",
                       "compute_share", "industry_revenue", "price:accelerator", "price:hbm"},
    "qualification": {"hbm_share", "accelerator_share", "industry_revenue", "price:hbm"},
    "perf_multiplier": {"accelerator_share", "domestic_compute_share", "price:accelerator"},
    "pipeline": {"foundry_share", "hbm_share", "packaging_share", "leading_edge_capacity_share", "price:wafer",
                 "price:hbm"},
    "learning_jump": {"foundry_share", "hbm_share", "price:wafer", "price:hbm"},
    "ecosystem": {"accelerator_share", "domestic_compute_share", "llm_domestic_chip_share"},
}


def component_key(country: str, component: str) -> str:
    """The Why? key of `country`'s component `component` (its `component_id`). Korea's keep the
    short form the charts and the end screen have always used."""
    return f"component:{component}" if country == PLAYER else f"component:{country}:{component}"


def _component(world, rest: str):
    """(country, component id, the component in the country's rule or None) of the part of a
    "component:" key after the colon."""
    country, _, cid = rest.rpartition(":")
    country = country or PLAYER
    spec = rule_of(world.scenario, country)
    found = next((c for c in spec.components if component_id(c) == cid), None) if spec is not None else None
    return country, cid, found


def component_spec(world, key: str):
    """The component of a country's rule a "component:" key names (None if the rule has none)."""
    return _component(world, key.partition(":")[2])[2]


def series(world, key: str) -> list[float]:
    """The indicator's value after each played turn (world.history order)."""
    kind, _, rest = key.partition(":")
    if kind == "component" and ":" in rest:  # another country's component: its rule on each quarter's indicators
        country, cid, _ = _component(world, rest)
        spec = world.scenario.score
        if spec is None:
            return [0.0] * len(world.history)
        return [points_at(world, i, country).get(cid, 0.0) for i in range(len(world.history))]
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


Countries = frozenset[str] | None  # None: any country's entries count


def indicators_of(world, key: str) -> tuple[set[str], str | None, Countries, Countries]:
    """(the country indicators `key` depends on, the firm it is about, the countries whose
    mechanisms count, the countries whose Actions count). A component read from another country
    (the USA's count of China's compute) moves with that country's mechanisms and with the
    Actions of either (a US export control, China's own procurement). Where a key reads a market
    share, every country's mechanisms count for it whatever these say (`relevant`)."""
    kind, _, rest = key.partition(":")
    spec = rule_of(world.scenario, PLAYER)
    components = {c.key for c in spec.components} if spec is not None else set()
    korea = frozenset({PLAYER})
    if kind == "index":
        return components, None, korea, korea
    if kind == "component":
        country, cid, found = _component(world, rest)
        if found is None or found.of is None:
            return {found.key if found is not None else cid}, None, frozenset({country}), frozenset({country})
        return {found.key}, None, frozenset({found.of}), frozenset({country, found.of})
    if kind == "korea":
        return {rest}, None, korea, korea
    if kind == "share":
        market, _, firm = rest.partition(":")
        agent = world.by_name.get(firm)
        owner = frozenset({agent.country}) if agent is not None else None
        return {MARKET_INDICATOR[market]}, firm, owner, owner
    if kind == "price":
        return {key, MARKET_INDICATOR[PRICE_MARKET[rest]]}, None, None, None
    if kind == "score":  # what the country's own objective reads (Korea's: the index's components)
        own = rule_of(world.scenario, rest)
        return ({c.key for c in own.components} if own is not None else components), None, \
            frozenset({rest}), frozenset({rest})
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


def relevant(world, key: str, entry: dict, indicators: tuple | None = None) -> bool:
    """Can this cause-log entry have moved the indicator `key`? `indicators`: `indicators_of(world,
    key)` worked out once by a caller that asks about many entries (it depends on the key only)."""
    wanted, firm, makers, deciders = indicators if indicators is not None else indicators_of(world, key)
    source, params = entry["source"], entry["params"]
    if source == "mechanism":
        if firm is not None:  # the firm named in it: as "firm", or as the supplier or designer of a qualification
            named = {params.get("firm"), params.get("supplier"), params.get("designer")}
            return firm in named and bool(wanted & set(entry["targets"]))
        hits = wanted & set(entry["targets"])
        # a market share moves with a rival's qualification or new line as with the country's own
        # firms', so any country's mechanism counts where it targets a share the key reads (the
        # index's and a score's components too, not only the share's own Why?)
        return bool(hits) and (makers is None or entry["country"] in makers or not hits.isdisjoint(MARKET_SHARES))
    if source == "event":
        return bool(wanted & _event_targets(world, entry))
    if source == "action" and entry["key"] == "cause.choice_effect":  # an answer's own consequence
        return bool(wanted & _event_targets(world, entry))
    if source == "action":
        levers = _choice_levers(world, entry) if entry["key"] == "cause.choice" else {_lever_of(entry)}
        if not any(wanted & LEVER_TARGETS.get(lever, set()) for lever in levers):
            return False
        return deciders is None or entry["country"] in deciders
    return False


def contributions(world, key: str, turn: int) -> list[tuple[str, float]]:
    """What each component gave to an index's move in played turn `turn` (1-based, as in
    `explain`), for the Team Korea index ("index") or a country's score ("score:<country>"): the
    component's weight times its change in points over the rule's total weight, in index points.
    The index is the weighted mean of its components' points, so the parts add up to its move (to
    the float): a quarter's +0.6 is "+0.4 from compute on home chips, +0.3 from the HBM share,
    -0.1 from money left". The components that moved, the largest part first, each as its Why?
    key (`component_key`, for `label`) and its part; [] for any other key and for the first
    quarter (no quarter before it)."""
    kind, _, rest = key.partition(":")
    country = PLAYER if kind == "index" else rest if kind == "score" else None
    if country is None or not 2 <= turn <= len(world.history):
        return []
    spec = rule_of(world.scenario, country)
    total = sum(c.weight for c in spec.components) if spec is not None else 0.0
    if not total:
        return []
    before, after = points_at(world, turn - 2, country), points_at(world, turn - 1, country)
    parts = []
    for c in spec.components:
        cid = component_id(c)
        part = c.weight * (after.get(cid, 0.0) - before.get(cid, 0.0)) / total
        if part:
            parts.append((component_key(country, cid), part))
    return sorted(parts, key=lambda kv: -abs(kv[1]))


def parts_line(world, parts: list[tuple[str, float]], lang: str, shown: int = 4) -> str:
    """`contributions` in words, the parts that show at one decimal: "By component: Compute on
    home chips +0.4, HBM share +0.3, Money left unspent -0.1" ("" when none shows). Each by its
    name in the country's rule (the score being explained names the country already)."""
    def name(key: str) -> str:
        c = component_spec(world, key)
        return (c.label_ko if lang == "ko" else c.label_en) if c is not None else key.rpartition(":")[2]

    words = [f"{name(k)} {v:+.1f}" for k, v in parts if round(v, 1) != 0][:shown]
    return tr("ui.why.by_component", lang).format(parts=", ".join(words)) if words else ""


def explain(world, key: str) -> list[dict]:
    """Turns in which something could have moved `key`, newest first: for each, the date, the
    indicator before and after, and the cause-log entries (dicts with "source", "en", "ko"). For an
    index, what each component gave to a turn's move is `contributions(world, key, turn["turn"])`,
    worked out by a reader for the turns it shows (the classroom's desk shows three)."""
    values = series(world, key)
    indicators = indicators_of(world, key)
    turns = []
    for turn in range(1, len(world.causes)):
        if turn > len(values):
            break
        causes = [c for c in world.causes[turn] if relevant(world, key, c, indicators)]
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
    if kind == "component":  # another country's names the country: "Japan - Share of the world's AI compute"
        country, cid, c = _component(world, rest)
        name = (c.label_ko if lang == "ko" else c.label_en) if c is not None else cid
        return name if country == PLAYER else f"{country_name(world, country, lang)} - {name}"
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


# ---------------------------------------------------------------------- the answer in words
# (the desktop's Why? panel and the classroom's desks write values and moves the same way)

def event_prefix(lang: str) -> str:
    """What the cause log puts before an event's title ("Event - ", "사건 - "), read from its
    own template so that the panel, whose tag names the source, does not say it twice."""
    return tr("cause.event_plain", lang).split("{title}")[0]


PRICE_DOLLARS = {"wafer": 1000, "hbm": 1, "accelerator": 1000, "packaging": 1000}  # the model's price units
# in dollars: US$ thousand a wafer, a chip and a package-wafer, US$ a GB of HBM


def price_dollars(good: str, value: float) -> str:
    """A price (or a price's move) of `good` as Korean writes money: its size in dollars in Korean
    units (1만 6,340), without sign or unit word: `fmt` and `change` add them, and the pages their
    "달러/웨이퍼"."""
    dollars = abs(value) * PRICE_DOLLARS[good]
    return korean_number(dollars, 2 if dollars < 100 else 0)


def fmt(key: str, value: float | None, lang: str = "en") -> str:
    """A value in the indicator's own terms: points, a percentage or a plain number; in Korean,
    money and counts in Korean units (a price in dollars: 1만 6,340 달러, not 16.34)."""
    if value is None:
        return "-"
    kind, _, rest = key.partition(":")
    if lang == "ko" and kind == "price":
        return f"{'-' if value < 0 else ''}{price_dollars(rest, value)} 달러"
    if kind == "share" or (kind == "korea" and rest not in NOT_FRACTIONS):
        return f"{value:.1%}"
    if lang == "ko" and kind == "korea" and rest in KOREAN_INDICATORS:
        return korean_indicator(rest, value)
    if kind == "price" or kind == "korea":
        return f"{value:,.2f}"
    return f"{value:.1f}"


def change(key: str, before: float | None, after: float, lang: str = "en") -> str:
    """The move between two quarters: percentage points for a share (%p in Korean), the value's
    own units otherwise; "±0" for a move too small to show."""
    if before is None:
        return ""
    kind, _, rest = key.partition(":")
    delta = after - before
    if lang == "ko" and kind == "price":
        text = price_dollars(rest, delta)
        return "±0" if text.strip("0.,") == "" else f"{'+' if delta >= 0 else '-'}{text} 달러"
    if kind == "share" or (kind == "korea" and rest not in NOT_FRACTIONS):
        text = f"{delta * 100:+.1f} pp" if lang != "ko" else f"{delta * 100:+.1f}%p"
    elif lang == "ko" and kind == "korea" and rest in KOREAN_INDICATORS:
        text = korean_indicator(rest, delta, signed=True)
        return text if any(c in text[1:] for c in "123456789") else "±0"
    else:
        text = f"{delta:+.2f}" if kind in ("price", "korea") else f"{delta:+.1f}"
    return "±" + text[1:] if text.strip("+-0. p%") == "" else text  # no "-0.0" for a move too small to show
