"""What a lever will do before it is pulled (issue 16): what it acts through, when it first
bites, what it costs this quarter and over the rest of the term at the chosen setting, and its
expected effect on each index component.

Pure functions over a World and the desk's staged Actions, no pygame, so the desktop desk and
the classroom's can both show them. The links are the ones Why? uses (`game.why.LEVER_TARGETS`),
the lags the scenario's `[levers]`; costs come from the programme's own rules (a grant its size,
the national centre its volume from the quarter it opens, a convergence programme its share of
the sector's output), usage-based programmes (subsidies, incentives) from last quarter's use at
the new rate as `World.usage_estimate` does, and the effect from two forecasts (game.forecast):
the staged settings minus the programmes in force, at the end of the term.
"""

from __future__ import annotations

from dataclasses import dataclass

from game.describe import index_name, money
from game.score import component_id, rule_of
from game.text import quarter_name, tr
from game.why import LEVER_TARGETS

USAGE_BASED = ("foundry_subsidy", "chip_incentive", "service_incentive")
SHOWN = 0.05  # points: a smaller change of a component is not listed


@dataclass(frozen=True)
class LeverPreview:
    key: str  # the desk's lever key: "rd_grant:Rebellions", "procurement.budget", ...
    kind: str  # the lever (Action kind)
    components: tuple[str, ...]  # index components (ids) it acts through
    lag: int  # quarters from the quarter decided to the quarter the Action takes effect
    decided: int  # the quarter the desk decides (quarter index)
    takes_effect: int  # the quarter the Action takes effect
    first_bites: int | None  # the first quarter it acts (the centre's opening for procurement); None: not in the term
    waits_for_centre: bool
    this_quarter: float  # local currency the programme costs in the quarter decided
    per_quarter: float  # ... in the quarter it first bites, at the chosen setting
    term: float  # ... from the quarter decided to the last of the term, with the setting held
    quarters: int  # quarters in `term`
    estimated: bool  # usage-based, or support owed on projects: an estimate, not a set size
    one_off: float  # a one-off cost (a brokered link) when it takes effect


def lever_of(key: str) -> tuple[str, str | None]:
    """(lever kind, the firm, industry or "designer|supplier" it names) of a desk key."""
    head, _, target = key.partition(":")
    return head.split(".", 1)[0], target or None


def acts_through(world, code: str, kind: str) -> tuple[str, ...]:
    """The index components of `code`'s rule that `kind` feeds (the links Why? uses), in the
    rule's order."""
    spec = rule_of(world.scenario, code)
    targets = LEVER_TARGETS.get(kind, set())
    return tuple(component_id(c) for c in spec.components if c.key in targets) if spec is not None else ()


def component_label(world, code: str, component: str, lang: str) -> str:
    spec = rule_of(world.scenario, code)
    c = next((c for c in spec.components if component_id(c) == component), None) if spec is not None else None
    if c is None:
        return component
    return c.label_ko if lang == "ko" else c.label_en


def quarter_cost(world, code: str, kind: str, target: str | None, policy, quarter: int) -> float:
    """What the programme `kind` (for `target`) costs in `quarter` under `policy`, local currency."""
    country = world.countries[code]
    levers = world.scenario.levers
    if kind in USAGE_BASED:
        return world.usage_estimate(code, policy, kind)
    if kind == "procurement":
        buyer = world.national_buyer(code)
        if buyer is None or quarter < buyer.opens:
            return 0.0
        if policy.procurement_budget is not None:
            return policy.procurement_budget
        return country.to_local(buyer.planned_budget(quarter))
    if kind == "rd_grant" and target:
        agent = world.by_name.get(target)
        return policy.rd_grants.get(target, 0.0) if agent is not None and agent.alive else 0.0
    if kind == "convergence" and target and levers is not None:
        industry = world.by_name.get(target)
        return policy.convergence.get(target, 0.0) * levers.convergence_cost_share * \
            country.to_local(industry.base_output) if industry is not None else 0.0
    if kind == "capacity_support" and target:  # the instalments still owed on projects under way
        ahead = quarter - world.deciding
        return sum(pay for left, pay, firm in country.commitments
                   if firm.name == target and firm.alive and left > ahead)
    return 0.0


def own_actions(actions, key: str) -> list:
    """The staged Actions that are the desk lever `key`'s (the rest of the bundle is the others')."""
    kind, target = lever_of(key)
    return _moved(actions, kind, target)


def _moved(actions, kind: str, target: str | None) -> list:
    """The staged Actions that are this lever's."""
    def names(action) -> str | None:
        if kind == "broker_link":
            return f"{action.designer}|{action.supplier}"
        if kind == "export_control":
            return f"{action.good}|{'/'.join(action.to_countries)}"
        return getattr(action, "designer", None) or getattr(action, "industry", None) or getattr(action, "firm", None)
    return [a for a in actions if a.kind == kind and (target is None or names(a) == target)]


def preview(world, code: str, key: str, actions: list) -> LeverPreview:
    """The preview of the desk's lever `key` with `actions` staged (the desk's whole bundle:
    only this lever's Actions count here)."""
    kind, target = lever_of(key)
    country = world.countries[code]
    in_force = world.governance.policy_in_force(code)
    chosen = in_force.copy()
    mine = _moved(actions, kind, target)
    for action in mine:
        if kind not in ("broker_link", "equity", "export_control"):
            action.apply(chosen, world, country)
    lags = world.scenario.levers.lags if world.scenario.levers is not None else {}
    lag = lags.get(kind, 0)
    decided = world.deciding
    last = world.start + world.turns - 1
    takes_effect = decided + lag
    first = takes_effect
    buyer = world.national_buyer(code) if kind == "procurement" else None
    waits = buyer is not None and buyer.opens > takes_effect
    if waits:
        first = buyer.opens
    costs = [quarter_cost(world, code, kind, target, chosen if q >= takes_effect else in_force, q)
             for q in range(decided, last + 1)]
    one_off = sum(a.one_off_cost(world, country) for a in mine)
    bites = min(max(first, decided), last + 1)
    per_quarter = quarter_cost(world, code, kind, target, chosen, bites)
    return LeverPreview(key=key, kind=kind, components=acts_through(world, code, kind), lag=lag, decided=decided,
                        takes_effect=takes_effect, first_bites=first if first <= last else None, waits_for_centre=waits,
                        this_quarter=costs[0] if costs else 0.0, per_quarter=per_quarter,
                        term=sum(costs) + (one_off if takes_effect <= last else 0.0), quarters=len(costs),
                        estimated=kind in USAGE_BASED or kind == "capacity_support", one_off=one_off)


def staged_policy(world, code: str, actions: list):
    """`code`'s policy once the Actions in their lag and `actions` are in force (the desk's)."""
    country = world.countries[code]
    policy = world.governance.policy_in_force(code)
    for action in actions:
        if action.kind not in ("broker_link", "equity", "export_control"):
            action.apply(policy, world, country)
    return policy


def unpaid_commitment(world, code: str, actions: list) -> float:
    """A fixed centre volume counts against the budget before the centre opens (the model's
    budget check: `World.procurement_cost`), but nothing is paid until it opens: what the desk
    takes off "cost this quarter" for it."""
    buyer = world.national_buyer(code)
    deciding = world.deciding
    if buyer is None or deciding >= buyer.opens:
        return 0.0
    policy = staged_policy(world, code, actions)
    return policy.procurement_budget or 0.0


def usage_this_quarter(world, code: str, actions: list, forecast) -> tuple[float, str]:
    """What the usage-based programmes the model cannot price from last quarter's use (set above
    0 but not used yet: `World.usage_estimate` gives 0) cost this quarter, from the forecast of
    these `actions` (its first quarter), and how sure the desk is of its whole cost: "exact" (no
    usage-based programme runs), "estimated", or "pending" (the forecast is not in yet)."""
    policy = staged_policy(world, code, actions)
    running = [k for k in USAGE_BASED if getattr(policy, k) > 0]
    unpriced = [k for k in running if world.usage_estimate(code, policy, k) <= 0]
    if not running:
        return 0.0, "exact"
    if not unpriced:
        return 0.0, "estimated"
    if forecast is None or not forecast.owed:
        return 0.0, "pending"
    return sum(forecast.owed[0].get(k, 0.0) for k in unpriced), "estimated"


def signed(points: float) -> str:
    """A change in points to one decimal, "±0.0" for one too small to show (never "-0.0")."""
    return f"{points:+.1f}" if abs(points) >= 0.05 else "±0.0"


def effects(in_force, staged) -> dict[str, float]:
    """Points per index component the staged settings add at the end of the term (game.forecast
    results: staged minus the programmes in force)."""
    before, after = in_force.final, staged.final
    return {c: after.get(c, 0.0) - before.get(c, 0.0) for c in after}


def lines(world, code: str, p: LeverPreview, lang: str, in_force=None, staged=None,
          pending: bool = False, refused: bool = False, others: int = 0) -> list[tuple[str, str]]:
    """The preview as lines of text, each with a tone ("head", "text", "dim", "up", "down"):
    what a front end draws. `in_force` and `staged` are the forecasts (None while computing): with
    `others` other staged changes, `in_force` is the forecast of the bundle without this lever's,
    so the effect shown is this lever's own with the others held."""
    currency = world.countries[code].currency
    out: list[tuple[str, str]] = []
    if p.components:
        names = ", ".join(component_label(world, code, c, lang) for c in p.components)
        out.append((tr("ui.preview.acts", lang).format(components=names), "text"))
    if p.first_bites is None:
        out.append((tr("ui.preview.never", lang), "down"))
    elif p.waits_for_centre:
        out.append((tr("ui.preview.centre", lang).format(date=quarter_name(p.first_bites, lang),
                                                          lag=p.lag), "text"))
    elif p.lag == 0:
        out.append((tr("ui.preview.lag0", lang).format(date=quarter_name(p.first_bites, lang)), "text"))
    else:
        out.append((tr("ui.preview.lag", lang).format(n=p.lag, date=quarter_name(p.first_bites, lang)), "text"))
    now, each = p.this_quarter, p.per_quarter
    if p.kind in USAGE_BASED and staged is not None and staged.owed:  # not used yet: the forecast prices it
        quarters = staged.owed
        now = now or quarters[0].get(p.kind, 0.0)
        if p.first_bites is not None and 0 <= p.first_bites - p.decided < len(quarters):
            each = each or quarters[p.first_bites - p.decided].get(p.kind, 0.0)
    out.append((tr("ui.preview.cost_now", lang).format(cost=money(now, lang, currency)), "text"))
    if p.first_bites is not None and p.first_bites != p.decided:
        out.append((tr("ui.preview.cost_each", lang).format(cost=money(each, lang, currency)), "text"))
    out.append((tr("ui.preview.cost_term", lang).format(n=p.quarters, cost=money(p.term, lang, currency)), "text"))
    if p.one_off:
        out.append((tr("ui.preview.one_off", lang).format(cost=money(p.one_off, lang, currency)), "dim"))
    if p.kind in USAGE_BASED:
        out.append((tr("ui.preview.estimated", lang), "dim"))
    elif p.kind == "capacity_support":
        out.append((tr("ui.preview.projects", lang), "dim"))
        firm = world.by_name.get(lever_of(p.key)[1] or "")
        if firm is not None and firm.kind == "foundry" and firm.hosted_in(code):  # its lines here
            out.append((tr("ui.preview.site", lang).format(n=firm.sites[code].lead_time), "dim"))
    programme = p.kind if p.kind in (*USAGE_BASED, "capacity_support") else None
    if programme and staged is not None:
        spent = staged.spent.get(programme, 0.0)
        out.append((tr("ui.preview.spent", lang).format(cost=money(spent, lang, currency)), "dim"))
    end = quarter_name(world.start + world.turns - 1, lang)
    if refused:
        out.append((tr("ui.preview.refused", lang), "down"))
    elif staged is not None and in_force is not None and staged.staged:
        if others:  # this lever's own part: the bundle against the bundle without it
            out.append((tr("ui.preview.effect_own", lang).format(date=end, n=others), "head"))
        else:
            out.append((tr("ui.preview.effect", lang).format(date=end), "head"))
        delta = (staged.scores[-1] - in_force.scores[-1]) if staged.scores and in_force.scores else 0.0
        out.append((f"{index_name(world, code, lang)} {signed(delta)}", "up" if delta >= 0.05 else
                    "down" if delta <= -0.05 else "text"))
        moved = sorted(((c, d) for c, d in effects(in_force, staged).items() if abs(d) >= SHOWN),
                       key=lambda cd: -abs(cd[1]))
        for c, d in moved:
            out.append((f"  {component_label(world, code, c, lang)} {signed(d)}", "up" if d > 0 else "down"))
        if not moved:
            out.append((tr("ui.preview.no_effect", lang), "dim"))
    elif pending:
        out.append((tr("ui.preview.computing", lang), "dim"))
    else:
        out.append((tr("ui.preview.move", lang), "dim"))
    return out
