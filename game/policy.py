"""A country's policy state: the settings of its levers, which the mechanisms read.

Actions change these settings (game.actions); nothing else does. Each setting is a standing
programme that the mechanisms of the turn consult (a subsidy enters a designer's effective cost,
a procurement mandate fixes a buyer's vendor mix, ...), and whose running cost the state pays
from its budget as it is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STANCES = ("us_aligned", "balanced", "china_open")
# A trade stance as a step towards the US (+1) or China (-1): buyers and customers on either side
# weigh a supplier's country by its step (docs/model.md, "Trade stance").
STANCE_STEP = {"us_aligned": 1.0, "balanced": 0.0, "china_open": -1.0}
SIDE = {"USA": 1.0, "CHN": -1.0}  # the two sides a stance leans towards


def stance_affinity(world) -> float:
    """Utility per stance step (the scenario's `[levers].stance_affinity`; 0 without levers)."""
    return world.scenario.levers.stance_affinity if world.scenario.levers else 0.0


def customer_side(country: str) -> float:
    """+1 for a US customer, -1 for a Chinese one, 0 for any other: who feels a stance."""
    return SIDE.get(country, 0.0)


def supplier_step(world, country: str) -> float:
    """A supplier country's stance step; the US and China themselves (and a country the
    scenario does not list) count 0. Pull = affinity x customer side x supplier step."""
    if country in SIDE or country not in world.countries:
        return 0.0
    return STANCE_STEP[world.countries[country].policy.trade_stance]
VENDOR_GROUPS = ("leader", "domestic", "other")


@dataclass
class Policy:
    foundry_subsidy: float = 0.0  # share of the good-die cost gap paid to home designers at home foundries
    procurement_budget: float | None = None  # local currency per quarter for the national buyer; None: plan
    procurement_mix: dict[str, float] = field(default_factory=dict)  # vendor group -> share; empty: free
    chip_incentive: float = 0.0  # share of home-chip compute price paid for home LLM developers' clouds
    service_incentive: float = 0.0  # share of home-model service revenue paid to services built on them
    rd_grants: dict[str, float] = field(default_factory=dict)  # designer -> local currency per quarter
    convergence: dict[str, float] = field(default_factory=dict)  # industry -> programme intensity 0-1
    capacity_support: dict[str, float] = field(default_factory=dict)  # producer -> extra capex share
    trade_stance: str = "balanced"

    def copy(self) -> Policy:
        """An independent copy (its dicts too), cheap enough to hand to every controller."""
        # the constructor directly: `dataclasses.replace` costs ~3x as much, and policies are
        # copied for every observation and budget check
        return Policy(foundry_subsidy=self.foundry_subsidy, procurement_budget=self.procurement_budget,
                      procurement_mix=dict(self.procurement_mix), chip_incentive=self.chip_incentive,
                      service_incentive=self.service_incentive, rd_grants=dict(self.rd_grants),
                      convergence=dict(self.convergence), capacity_support=dict(self.capacity_support),
                      trade_stance=self.trade_stance)

    def standing_cost(self, world, country) -> float:
        """Local currency per quarter committed by programmes with a fixed size."""
        cost = sum(self.rd_grants.values()) + world.procurement_cost(country, self)
        share = world.scenario.levers.convergence_cost_share if world.scenario.levers else 0.0
        for name, intensity in self.convergence.items():
            cost += intensity * share * country.to_local(world.by_name[name].base_output)
        return cost
