"""MaxEverything: every Korean lever at its maximum allowed setting on turn 1, never touched again.

The "no fixed setting wins" check of issue 13 (benchmarks/bench_levers.py): a strategy that reads
nothing must score clearly below one that reads the state. A plug-in as the tournament takes them:

    python main.py tournament --strategies team_korea,benchmarks/plugins/max_everything.py:MaxEverything ...

"Maximum" is read from the Actions' own validation (their pydantic fields), never written here:

- every rate (`foundry_subsidy`, `chip_incentive`, `service_incentive`, `capacity_support` for every
  home producer, `convergence` for every home industry) at its field's upper bound `le`;
- `procurement`: the national centre's growing plan (no budget: the lever here is the mix, as in
  `only_procurement`) with the largest home share a mix entry allows, all of it
  domestic;
- `trade_stance`: the first stance the field lists (`us_aligned`, the end of the scale toward the
  largest market for Korean chips and HBM);
- `broker_link`: every (home designer, home component supplier) pair the Action accepts;
- money (`rd_grant` to every home designer each quarter, `equity` once to every home designer):
  one common amount per Action, the largest the country's budget check accepts for the whole bundle
  (bisection on `obs.check`), so that the money levers are together as large as the budget allows.

Actions the model refuses on their own (a lever the scenario does not offer, a pair already linked)
are left out; if the bundle still does not fit, its tail is dropped until it does. Event choices
are answered as `laissez_faire` answers them (the choice that commits the state to nothing).
"""

from __future__ import annotations

from typing import get_args

from agents.controllers import LaissezFaire
from game.actions import (
    Action,
    BrokerLink,
    CapacitySupport,
    ChipIncentive,
    Convergence,
    Equity,
    FoundrySubsidy,
    Procurement,
    RDGrant,
    ServiceIncentive,
    TradeStance,
)


def upper_bound(annotation_or_field) -> float:
    """The `le` bound of a pydantic field (FieldInfo) or of an `Annotated[float, Field(le=...)]`."""
    metadata = getattr(annotation_or_field, "metadata", None)
    if metadata is None:  # an Annotated type: its FieldInfo is among the arguments
        metadata = [m for arg in get_args(annotation_or_field)[1:] for m in getattr(arg, "metadata", [arg])]
    bounds = [m.le for m in metadata if getattr(m, "le", None) is not None]
    if not bounds:
        raise ValueError(f"no upper bound in {annotation_or_field!r}")
    return float(min(bounds))


def field_max(cls: type[Action], field: str) -> float:
    return upper_bound(cls.model_fields[field])


def mix_entry_max() -> float:
    """The largest share one vendor group may have in a procurement mix (the dict's value type)."""
    _, value = get_args(Procurement.model_fields["mix"].annotation)
    return upper_bound(value)


class MaxEverything(LaissezFaire):
    name = "max_everything"

    def fixed(self, obs) -> list[Action]:
        """Every lever that is not an amount of money, at its maximum."""
        home = obs.home_firms
        designers = [n for n, f in home.items() if f["kind"] == "designer" and f["alive"]]
        suppliers = [n for n, f in home.items() if f["kind"] == "component_supplier" and f["alive"]]
        producers = [n for n, f in home.items() if f["kind"] in ("foundry", "hbm_maker", "packager") and f["alive"]]
        plan: list[Action] = []
        if obs.national_buyer:
            plan.append(Procurement(mix={"domestic": mix_entry_max()}))
        plan += [FoundrySubsidy(rate=field_max(FoundrySubsidy, "rate")),
                 ChipIncentive(rate=field_max(ChipIncentive, "rate")),
                 ServiceIncentive(rate=field_max(ServiceIncentive, "rate")),
                 TradeStance(stance=get_args(TradeStance.model_fields["stance"].annotation)[0])]
        plan += [Convergence(industry=i, intensity=field_max(Convergence, "intensity")) for i in obs.home_industries]
        plan += [CapacitySupport(firm=p, rate=field_max(CapacitySupport, "rate")) for p in producers]
        plan += [BrokerLink(designer=d, supplier=s) for d in designers for s in suppliers]
        return [a for a in plan if obs.check([a]) is None]

    @staticmethod
    def money(obs, amount: float) -> list[Action]:
        designers = [n for n, f in obs.home_firms.items() if f["kind"] == "designer" and f["alive"]]
        return [*(RDGrant(designer=d, amount=amount) for d in designers),
                *(Equity(firm=d, amount=amount) for d in designers)]

    def plan(self, obs) -> list[Action]:
        fixed = self.fixed(obs)
        while fixed and obs.check(fixed):
            fixed = fixed[:-1]
        top = min(obs.budget, min(field_max(RDGrant, "amount"), field_max(Equity, "amount")))
        low, high = 0.0, top
        if obs.check(fixed + self.money(obs, low)) is None:
            for _ in range(60):
                mid = (low + high) / 2
                if obs.check(fixed + self.money(obs, mid)) is None:
                    low = mid
                else:
                    high = mid
        money = [a for a in self.money(obs, low) if low > 0 and obs.check([a]) is None]
        return fixed + money

    def decide(self, obs):
        return self.plan(obs) if obs.turn == 0 else []
