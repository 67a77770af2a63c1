"""The advisor (issue 16, item 4): what the state of the world says a government should look at
this quarter, each piece of advice naming the lever it concerns so a desk can open it.

It reads only what the government could know at its desk: last quarter's bottlenecks of its own
chip designers, the funded share of its programmes, when its national centre opens, what its
rivals did last quarter (new export controls on it, state money into its firms' competitors),
and how much of its budget it used. It never plays the game forward (the preview does that); it
points. Front ends show `Advice.text(lang)` and open `Advice.lever`; nothing here draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from game.describe import country_name
from game.desk_levers import display_name
from game.text import quarter_name, tr

# A bottleneck of a home designer -> the lever that answers it, and for capacity support the
# kinds of home firm that supply that input.
ANSWERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "wafer": ("capacity_support", ("foundry",)),
    "hbm": ("capacity_support", ("hbm_maker",)),
    "packaging": ("capacity_support", ("packager",)),
    "components": ("broker_link", ()),
    "demand": ("chip_incentive", ()),
}
UNDERFUNDED = 0.95  # a programme paid less than this share of what it owed last quarter is underfunded
IDLE_BUDGET = 0.5  # from the third quarter, using less than this share of the budget is advice
MARKETS = {"hbm_maker": "hbm", "foundry": "foundry", "packager": "packaging", "designer": "accelerator"}


@dataclass(frozen=True)
class Advice:
    """One piece of advice: `lever` (a lever kind the desk can open), the strings key
    (`advice.<key>` in assets/strings) and what fills its blanks."""

    lever: str
    key: str
    params: dict = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        return tr(f"advice.{self.key}", lang).format(**self.params)


def advise(world, country_id: str, lang: str = "en") -> list[Advice]:
    """The advice for `country_id` as its next quarter is decided, most pressing first: money
    (underfunded programmes), bottlenecks, rivals' moves, a centre not yet open, an idle budget.
    Only levers the scenario offers the country's state are advised; names are in `lang`."""
    offered = set(world.scenario.levers.offered_to(country_id)) if world.scenario.levers else set()
    advice = _money(world, country_id, lang) + _bottlenecks(world, country_id, lang)
    advice += _rivals(world, country_id, lang) + _centre(world, country_id, lang) + _idle(world, country_id)
    seen: set[tuple[str, str]] = set()
    out = []
    for item in advice:
        if item.lever in offered and (item.lever, item.key) not in seen:
            seen.add((item.lever, item.key))
            out.append(item)
    return out


def _money(world, country_id: str, lang: str) -> list[Advice]:
    """Programmes last quarter's budget could not pay in full: they ran at a fraction."""
    country = world.countries[country_id]
    funded = world.governance.funded_shares(country, last=world.in_turn)
    short = sorted((share, name) for name, share in funded.items() if share < UNDERFUNDED)
    if not short:
        return []
    share, lever = short[0]  # programmes are named by their lever
    return [Advice(lever, "underfunded", {"programme": tr(f"lever.{lever}", lang), "share": f"{100 * share:.0f}"})]


def _bottlenecks(world, country_id: str, lang: str) -> list[Advice]:
    """Home designers held back last quarter by an input, and the lever that answers it."""
    home = [d for d in world.designers if d.country == country_id and d.alive]
    firms = world.governance.home_firms[country_id]
    out = []
    for input_, (lever, kinds) in ANSWERS.items():
        held = [d.name for d in home if d.binding == input_]
        if not held:
            continue
        suppliers = [f.name for f in firms if f.kind in kinds and f.alive]
        if kinds and not suppliers:  # no home firm supplies it: nothing at home to support
            continue
        out.append(Advice(lever, f"bound_{input_}", {"designers": _listed(_names(world, held, lang), lang),
                                                      "suppliers": _listed(_names(world, suppliers, lang), lang)}))
    return out


def _rivals(world, country_id: str, lang: str) -> list[Advice]:
    """Last quarter's moves of other states that change this one's options: a new export control
    on it, or one whose reach covers its firms (they may no longer sell there), and state money
    into a competitor of its firms."""
    last = world.turn if not world.in_turn else world.turn - 1
    mine = {MARKETS[f.kind] for f in world.governance.home_firms[country_id] if f.kind in MARKETS}
    out = []
    for entry in world.governance.log:
        if entry["turn"] != last or entry["country"] == country_id or entry.get("refused") or not entry.get("action"):
            continue
        action, rival = entry["action"], entry["country"]
        who = _country(world, rival, lang)
        if action["kind"] == "export_control":
            good = tr(f"advice.good.{action['good']}", lang)
            targets = action.get("to_countries", [])
            reach = world.scenario.levers.export_control_reach.get(rival, []) if world.scenario.levers else []
            if country_id in targets:
                out.append(Advice("trade_stance", "control_on_us", {"country": who, "good": good}))
            elif country_id in reach:
                to = _listed([_country(world, c, lang) for c in targets if c in world.countries], lang)
                out.append(Advice("trade_stance", "control_reaches_us", {"country": who, "good": good, "to": to}))
        elif action["kind"] in ("equity", "capacity_support"):
            firm = world.by_name.get(action.get("firm", ""))
            market = MARKETS.get(getattr(firm, "kind", ""))
            if market in mine:
                out.append(Advice("capacity_support", "rival_support",
                                  {"country": who, "firm": _names(world, [firm.name], lang)[0]}))
    return out


def _centre(world, country_id: str, lang: str) -> list[Advice]:
    """A national centre that has not opened yet: procurement set now buys nothing until then."""
    buyer = world.national_buyer(country_id)
    deciding = world.deciding
    if buyer is None or buyer.opens <= deciding:
        return []
    return [Advice("procurement", "centre_not_open", {"date": quarter_name(buyer.opens, lang)})]


def _idle(world, country_id: str) -> list[Advice]:
    """Much of the budget unused once the programmes have had two quarters to start."""
    if world.turn < 2:
        return []
    used = world.indicators.get(country_id, {}).get("budget_used")
    if used is None or used >= IDLE_BUDGET:
        return []
    return [Advice("chip_incentive", "idle_budget", {"share": f"{100 * used:.0f}"})]


SUBJECT_EN = {"USA": "the United States", "EU": "the European Union", "GCC": "the Gulf states",
              "ROW": "the rest of the world"}  # English names that take an article in a sentence


def _country(world, code: str, lang: str) -> str:
    return SUBJECT_EN[code] if lang == "en" and code in SUBJECT_EN else country_name(world, code, lang)


def _names(world, names: list[str], lang: str) -> list[str]:
    return [display_name(world, n, lang) for n in names]


def _listed(names: list[str], lang: str) -> str:
    """Names as a sentence lists them: "A, B and C"; in Korean "A, B, C" (the particle follows the last)."""
    if lang == "ko" or len(names) < 2:
        return ", ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]

