"""The Conductor's desk without a screen: which levers a country's team sees, their ranges,
their settings now, and the Actions a team's moved levers make.

Both the desktop desk (game/ui/desk.py, pygame widgets) and the classroom server's desk
(game/web, a browser form) draw these rows and hand the settings back here, so a lever has one
range and one meaning whatever the team plays on. Settings are whole percent for rates and
whole billions of the country's currency for money; a lever moved away from `base` (the policy
once the Actions already accepted take effect) becomes an Action, which reaches the model only
through the team's controller and `Governance.submit`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from pydantic import ValidationError

from game.actions import (
    Action,
    BrokerLink,
    CapacitySupport,
    ChipIncentive,
    Convergence,
    Equity,
    ExportControl,
    FoundrySubsidy,
    Procurement,
    RDGrant,
    ServiceIncentive,
    TradeStance,
)
from game.describe import describe_action, money
from game.policy import STANCES
from game.text import quarter_name, tr


@dataclass
class Lever:
    key: str  # e.g. "foundry_subsidy", "rd_grant:Rebellions", "procurement.leader"
    label: str
    low: int
    high: int
    unit: str  # "pct" or "bkrw" (billions of the country's currency)
    step: int = 1
    marks: tuple[int, ...] = ()  # settings off the step grid a slider snaps to (the centre's plan)


def slider_settings(lever: Lever) -> list[int]:
    """Every setting a slider can rest on (`Desk.snap`): its step grid within its range, and its marks."""
    first = -(-lever.low // lever.step) * lever.step
    marks = {m for m in lever.marks if lever.low <= m <= lever.high}
    return sorted(set(range(first, lever.high + 1, lever.step)) | marks)


def prefetch_order(lever: Lever, current: float) -> list[int]:
    """A slider's other settings in the order their forecasts are worth making before the player
    drags it (issue 16's prefetch): the nearest setting on each side first (an arrow key, a drag's
    first step), then the whole range coarse to fine, the setting nearest every 10% of it, then
    every 5%, 2.5% ... (wherever a drag goes, a forecast is near it early), then whatever is left,
    nearest first, so that every setting is listed once."""
    settings = slider_settings(lever)
    order = [s for s in settings if s < current][-1:] + [s for s in settings if s > current][:1]
    span, divisions = lever.high - lever.low, 10
    while settings and span / divisions >= lever.step / 2:
        order += [_nearest(settings, lever.low + span * k / divisions) for k in range(divisions + 1)]
        divisions *= 2
    order += sorted(settings, key=lambda s: abs(s - current))
    return [s for s in dict.fromkeys(order) if s != current]


def _nearest(settings: list[int], target: float) -> int:
    """The setting nearest `target` in the sorted `settings`, the lower on a tie (as `min` by
    distance gives it), by bisection: a slider of hundreds of settings is ordered within a frame."""
    i = bisect.bisect_left(settings, target)
    if i == 0:
        return settings[0]
    if i == len(settings):
        return settings[-1]
    lower, upper = settings[i - 1], settings[i]
    return lower if target - lower <= upper - target else upper


@dataclass
class DeskSettings:
    """What a country's desk offers now: the firms and industries its levers name, and `base`,
    every lever's setting in the policy in force (the values a desk starts from)."""

    has_procurement: bool = False
    designers: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    producers: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    base: dict[str, float | str | bool] = field(default_factory=dict)
    plan: int | None = None  # the national centre's plan, billions a quarter (the slider's setting for it)
    follows_plan: bool = True  # the centre buys by its plan (no fixed volume in force)
    owned: list[str] = field(default_factory=list)  # home firms alive, which state equity may go into
    builders: list[str] = field(default_factory=list)  # of those, the producers equity may build capacity at
    equity_high: int = 0  # the equity slider's top: a quarter's budget, whole billions
    controls: list[tuple[str, str]] = field(default_factory=list)  # (good, destination) export controls offered


def read_settings(view) -> DeskSettings:
    """The desk of `view` (a Session's `CountryView`: `code`, `world`, `country`,
    `effective_policy()`) as the model has it now."""
    world, code = view.world, view.code
    policy = view.effective_policy()
    country = view.country
    base: dict[str, float | str | bool] = {
        "foundry_subsidy": round(policy.foundry_subsidy * 100),
        "chip_incentive": round(policy.chip_incentive * 100),
        "service_incentive": round(policy.service_incentive * 100),
        "trade_stance": policy.trade_stance,
    }
    national = world.national_buyer(code)
    settings = DeskSettings(has_procurement=national is not None, base=base)
    if national is not None:
        budget = world.planned_procurement(country, policy)  # before the centre opens too
        mix = policy.procurement_mix or {}
        settings.plan = round(world.planned_procurement(country) / 1e9)
        settings.follows_plan = policy.procurement_budget is None
        base["procurement.budget"] = round(budget / 1e9)
        base["procurement.leader"] = round(mix.get("leader", 0.0) * 100)
        base["procurement.domestic"] = round(mix.get("domestic", 0.0) * 100)
        base["procurement.free"] = not mix
    settings.designers = [d.name for d in world.designers if d.country == code and d.alive]
    for name in settings.designers:
        base[f"rd_grant:{name}"] = round(policy.rd_grants.get(name, 0.0) / 1e9)
    settings.industries = [i.name for i in world.industries if i.country == code]
    for name in settings.industries:
        base[f"convergence:{name}"] = round(policy.convergence.get(name, 0.0) * 100)
    # home producers, and foreign foundries with a site here (their lines here: docs/model.md, "Fab location")
    settings.producers = [p.name for p in world.producers
                          if p.alive and (p.country == code or (p.kind == "foundry" and p.hosted_in(code)))]
    for name in settings.producers:
        base[f"capacity_support:{name}"] = round(policy.capacity_support.get(name, 0.0) * 100)
    settings.owned = [a.name for a in world.governance.home_firms.get(code, []) if a.alive and a.kind in
                      ("designer", "foundry", "hbm_maker", "packager", "component_supplier")]
    settings.builders = [n for n in settings.owned if world.by_name[n].kind in ("foundry", "hbm_maker", "packager")]
    settings.equity_high = max(int(country.budget_per_quarter / 1e9), 1)
    for name in settings.owned:  # one-off: nothing carries over, each quarter starts at none
        base[f"equity:{name}"] = 0
    for name in settings.builders:
        base[f"equity.build:{name}"] = False
    settings.controls = export_controls_offered(world, code)
    for good, destination in settings.controls:
        base[f"export_control:{good}|{destination}"] = controlled(world, code, good, destination)
    for d in world.designers:
        if d.country != code or not d.alive:
            continue
        for supplier in d.components:
            s = world.by_name.get(supplier)
            if s is not None and s.country == code:
                settings.links.append((d.name, supplier))
                base[f"broker_link:{d.name}|{supplier}"] = s.link_strength.get(d.name, 0.0) >= 1
    return settings


GOODS = ("accelerator", "hbm", "wafer", "packaging")


def export_controls_offered(world, code: str) -> list[tuple[str, str]]:
    """(good, destination) pairs a country's desk can control: every good to each destination its
    scenario's rules already name from it (China in the baseline), none for a state with no reach."""
    levers = world.scenario.levers
    if levers is None or code not in levers.export_control_reach:
        return []
    named = sorted({d for rule in world.scenario.export_controls if code in rule.from_countries
                    for d in rule.to_countries if d != code and d in world.countries})
    destinations = named or (["CHN"] if "CHN" in world.countries and code != "CHN" else [])
    return [(good, d) for d in destinations for good in GOODS]


def controlled(world, code: str, good: str, destination: str) -> bool:
    """Is every item of `good` from `code` to `destination` under control already, in force or
    accepted and waiting out its lag (a control is never lifted, so its toggle is done)?"""
    if world.export_rules.threshold(good, code, destination) == 0.0:
        return True
    return any(owner == code and a.kind == "export_control" and a.good == good and destination in a.to_countries
               and a.perf_above == 0.0 for _, owner, a in world.governance.pending)


def validation_message(exc: ValidationError) -> str:
    """A pydantic error on an Action as one short sentence."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]


def staged_actions(settings: DeskSettings, values: dict, lang: str) -> tuple[list[Action], str | None]:
    """The Actions the levers moved away from `settings.base` make, and a reason (in `lang`) if
    one cannot even be formed (a procurement mix over 100%)."""
    v, b = values, settings.base
    actions: list[Action] = []
    try:
        if v["foundry_subsidy"] != b["foundry_subsidy"]:
            actions.append(FoundrySubsidy(rate=v["foundry_subsidy"] / 100))
        if settings.has_procurement and any(v[k] != b[k] for k in ("procurement.budget", "procurement.leader",
                                                                  "procurement.domestic")):
            leader, domestic = v["procurement.leader"] / 100, v["procurement.domestic"] / 100
            other = round(1 - leader - domestic, 6)
            if other < 0:
                return actions, str(tr("ui.reason.mix", lang))
            # the volume at the plan's setting follows the plan as it grows; any other replaces it
            volume = v["procurement.budget"]
            follows = volume == settings.plan and (settings.follows_plan or volume != b["procurement.budget"])
            actions.append(Procurement(budget=None if follows else volume * 1e9,
                                       mix={"leader": leader, "domestic": domestic, "other": other}))
        if v["chip_incentive"] != b["chip_incentive"]:
            actions.append(ChipIncentive(rate=v["chip_incentive"] / 100))
        if v["service_incentive"] != b["service_incentive"]:
            actions.append(ServiceIncentive(rate=v["service_incentive"] / 100))
        for name in settings.designers:
            key = f"rd_grant:{name}"
            if v[key] != b[key]:
                actions.append(RDGrant(designer=name, amount=v[key] * 1e9))
        for designer, supplier in settings.links:
            key = f"broker_link:{designer}|{supplier}"
            if v[key] and not b[key]:
                actions.append(BrokerLink(designer=designer, supplier=supplier))
        for name in settings.industries:
            key = f"convergence:{name}"
            if v[key] != b[key]:
                actions.append(Convergence(industry=name, intensity=v[key] / 100))
        for name in settings.producers:
            key = f"capacity_support:{name}"
            if v[key] != b[key]:
                actions.append(CapacitySupport(firm=name, rate=v[key] / 100))
        if v["trade_stance"] != b["trade_stance"]:
            actions.append(TradeStance(stance=v["trade_stance"]))
        for name in settings.owned:
            amount = v.get(f"equity:{name}", 0)
            if amount:
                actions.append(Equity(firm=name, amount=amount * 1e9, build=bool(v.get(f"equity.build:{name}"))))
        for good, destination in settings.controls:
            key = f"export_control:{good}|{destination}"
            if v[key] and not b[key]:
                actions.append(ExportControl(good=good, to_countries=[destination]))
    except ValidationError as exc:
        return actions, validation_message(exc)
    return actions, None


def procurement_status(view, settings: DeskSettings, values: dict, lang: str) -> str:
    """The centre's volume in words: following its plan (this quarter's and the term's last), or
    a fixed volume in its place, and by how much it differs from the plan. A fixed volume does
    not grow, so one set to the plan today falls behind it (the model: `World.planned_procurement`)."""
    world = view.world
    national = world.national_buyer(view.code)
    if national is None or settings.plan is None:
        return ""
    country = view.country
    last = world.start + world.turns - 1
    end = country.to_local(national.planned_budget(last))
    volume = values.get("procurement.budget", settings.plan)
    follows = volume == settings.plan and (settings.follows_plan or volume != settings.base.get("procurement.budget"))
    fill = {"now": money(settings.plan * 1e9, lang, country.currency), "end": money(end, lang, country.currency),
            "date": quarter_name(last, lang)}
    if follows:
        return tr("ui.desk.plan_follows", lang).format(**fill)
    gap = volume / settings.plan - 1 if settings.plan > 0 else 0.0
    fill["volume"] = money(volume * 1e9, lang, country.currency)
    if abs(gap) < 0.005:
        return tr("ui.desk.plan_fixed_same", lang).format(**fill)
    more = tr("ui.desk.above" if gap > 0 else "ui.desk.below", lang)
    return tr("ui.desk.plan_fixed", lang).format(gap=abs(gap), more=more, **fill)


def scheduled(view, lang: str) -> list[tuple[int, str]]:
    """The country's Actions accepted but still waiting out their lag, each with the quarter it
    takes effect, in words, earliest first (governance's `scheduled`)."""
    world = view.world
    currency = view.country.currency
    return [(quarter, describe_action(action.model_dump(), lang, world, currency))
            for quarter, action in world.governance.scheduled(view.code)]


def display_name(world, name: str, lang: str) -> str:
    """A firm's or an industry's name as the desk writes it in `lang`."""
    agent = world.by_name.get(name)
    return agent.name_ko if agent is not None and lang == "ko" else name


def site_label(world, name: str, code: str, lang: str) -> str:
    """A producer's name on the capacity-support lever: a foreign foundry's says that the support
    is for its lines in this country."""
    agent = world.by_name.get(name)
    label = display_name(world, name, lang)
    if agent is None or agent.country == code:
        return label
    return tr("ui.desk.site_here", lang).format(firm=label)


def lever_sections(view, settings: DeskSettings, lang: str) -> list[tuple[str, list]]:
    """Sections of the desk: a title key and its rows: a `Lever` (a slider), or a tuple
    ("note", key, text), ("toggle", key, label[, done text key, not-done text key]) or ("stance",
    "trade_stance", ""). A toggle without text keys is a brokered link's; one with empty keys
    shows its label alone. Only the levers the scenario offers this country's state (a US team
    has no priming water)."""
    world, code = view.world, view.code
    sections = [("lever.foundry_subsidy", [Lever("foundry_subsidy", tr("ui.desk.rate", lang), 0, 100, "pct", 5)])]
    if settings.has_procurement:
        plan = max(world.planned_procurement(view.country, view.effective_policy()), 0)
        top = int(max(600, 2 * plan / 1e9) // 50 * 50)
        national = world.national_buyer(code)
        deciding_for = world.deciding  # the quarter these levers act in
        opening = [("note", "procurement.opens", tr("ui.desk.centre_opens", lang).format(
            date=quarter_name(national.opens, lang)))] if deciding_for < national.opens else []
        sections.append(("lever.procurement", [
            *opening,
            ("note", "procurement.plan", tr("ui.desk.plan_note", lang)),
            Lever("procurement.budget", tr("ui.desk.budget", lang), 0, top, "bkrw", 10,
                  marks=(settings.plan,) if settings.plan is not None else ()),
            Lever("procurement.leader", tr("ui.desk.mix_leader", lang), 0, 100, "pct", 5),
            Lever("procurement.domestic", tr("ui.desk.mix_domestic", lang), 0, 100, "pct", 5),
        ]))
    sections.append(("lever.chip_incentive", [Lever("chip_incentive", tr("ui.desk.rate", lang), 0, 50, "pct")]))
    sections.append(("lever.service_incentive", [Lever("service_incentive", tr("ui.desk.rate", lang), 0, 50, "pct")]))
    if settings.designers:
        sections.append(("lever.rd_grant", [Lever(f"rd_grant:{n}", display_name(world, n, lang), 0, 100, "bkrw", 5)
                                            for n in settings.designers]))
    if settings.links:
        sections.append(("lever.broker_link", [
            ("toggle", f"broker_link:{d}|{s}", f"{display_name(world, d, lang)} + {display_name(world, s, lang)}")
            for d, s in settings.links]))
    if settings.industries:
        sections.append(("lever.convergence", [Lever(f"convergence:{n}", display_name(world, n, lang), 0, 100, "pct", 5)
                                               for n in settings.industries]))
    if settings.producers:
        sections.append(("lever.capacity_support", [
            Lever(f"capacity_support:{n}", site_label(world, n, view.code, lang), 0, 50, "pct")
            for n in settings.producers]))
    sections.append(("lever.trade_stance", [("stance", "trade_stance", "")]))
    if settings.owned:
        high = settings.equity_high
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 10 ** 9) if s * 50 >= high)  # ~50 steps
        rows: list = [("note", "equity.note", tr("ui.desk.equity_note", lang))]
        for name in settings.owned:
            rows.append(Lever(f"equity:{name}", display_name(world, name, lang), 0, high - high % step, "bkrw", step))
            if name in settings.builders:
                rows.append(("toggle", f"equity.build:{name}", tr("ui.desk.equity_build", lang), "", ""))
        sections.append(("lever.equity", rows))
    if settings.controls:
        sections.append(("lever.export_control", [
            ("toggle", f"export_control:{good}|{destination}", tr("ui.desk.control_row", lang).format(
                good=tr(f"ui.good.{good}", lang), destination=world.countries[destination].name_ko if lang == "ko"
                else world.countries[destination].name_en), "ui.desk.controlled", "ui.desk.control")
            for good, destination in settings.controls]))
    levers = world.scenario.levers
    return [s for s in sections if levers is None or levers.offers(code, s[0].split(".", 1)[1])]


def check_values(settings: DeskSettings, sections: list[tuple[str, list]], values: dict) -> str | None:
    """Why a desk's settings sent from outside the program (a browser) are not ones its widgets
    could make, or None: only the desk's own keys, each a number on its lever's range and step,
    a link switched on or off, a stance by name. English: a message for whoever forged it."""
    rows = {row.key: row for _, section in sections for row in section if isinstance(row, Lever)}
    kinds = {row[1]: row[0] for _, section in sections for row in section if not isinstance(row, Lever)}
    for key, value in values.items():
        if key in rows:
            lever = rows[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
                return f"{key}: a whole number is expected"
            on_grid = lever.low <= value <= lever.high and not (value - lever.low) % lever.step
            if not on_grid and value != settings.base.get(key) and value not in lever.marks:
                # the setting in force, or the centre's plan, may be off the grid
                return f"{key}: {value} is not on the lever ({lever.low} to {lever.high}, steps of {lever.step})"
        elif kinds.get(key) == "toggle":
            if not isinstance(value, bool):
                return f"{key}: true or false is expected"
        elif kinds.get(key) == "stance":
            if value not in STANCES:
                return f"{key}: one of {', '.join(STANCES)} is expected"
        else:
            return f"{key}: not a lever of this desk"
    return None
