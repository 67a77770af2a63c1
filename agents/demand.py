"""The demand side and what compute becomes: buyers of accelerators, LLM developers, industries
that adopt AI, and the domestic component suppliers designers buy from."""

from __future__ import annotations

import math

from agents.base import Firm, Participant
from game.calendar import parse_quarter


class ComputeBuyer(Participant):
    """A hyperscaler, cloud or national AI centre with a quarterly accelerator budget that
    follows its capex path; its installed compute depreciates."""

    kind = "buyer"

    def __init__(self, model, spec, start_index: int) -> None:
        super().__init__(model, spec.name, spec.name_ko, spec.country)
        self.base_budget = spec.budget
        self.growth = spec.growth
        self.opens = parse_quarter(spec.start) if spec.start else start_index
        self.start_index = start_index
        self.affinity = dict(spec.affinity)
        self.capacity = spec.installed  # installed compute, thousand H100e
        self.national = spec.national
        self.budget = 0.0
        self.new_compute = 0.0
        self.domestic_new_compute = 0.0
        self.shocks: list[tuple[int, float]] = []  # (last quarter, budget factor) from events
        self.shock = 1.0  # this quarter's random capex surprise

    def planned_budget(self, now: int) -> float:
        """US$ B a quarter on the capex path (nothing before the buyer opens)."""
        return self.base_budget * (1 + self.growth) ** (now - self.start_index) if now >= self.opens else 0.0

    def set_budget(self, now: int, shock: float, override: float | None = None) -> None:
        """Budget this quarter: the capex path (or a procurement lever's volume), times a random
        shock and any event shocks in force."""
        self.shocks = [s for s in self.shocks if s[0] >= now]
        base = self.planned_budget(now) if override is None or now < self.opens else override
        for _, factor in self.shocks:
            base *= factor
        self.budget = base * shock

    def install(self, new_compute: float, domestic_compute: float, depreciation: float, spent: float) -> None:
        self.new_compute = new_compute
        self.domestic_new_compute = domestic_compute
        self.capacity = self.capacity * (1 - depreciation) + new_compute
        self.output = new_compute
        self.revenue = spent  # what it paid, US$ B (recorded for the tables)


class LLMDeveloper(Participant):
    """Turns training compute into model quality: quality rises by a fixed number of points per
    doubling of cumulative training compute (a scaling law), plus talent."""

    kind = "llm_developer"

    def __init__(self, model, spec, per_doubling: float) -> None:
        super().__init__(model, spec.name, spec.name_ko, spec.country)
        self.compute_from = dict(spec.compute_from)
        self.talent = spec.talent
        self.per_doubling = per_doubling
        self.capacity = spec.training_compute  # cumulative, thousand H100e-quarters
        self.domestic_compute = 0.0  # the part of it on chips designed in its own country
        self.output = self.quality()

    def quality(self) -> float:
        return self.talent + self.per_doubling * math.log2(max(self.capacity, 1e-9))

    def train(self, compute: float, domestic: float) -> None:
        self.capacity += compute
        self.domestic_compute += domestic
        self.output = self.quality()


class Industry(Participant):
    """A sector that adopts AI: a' = a + (r * programme * availability + background) * (1 - a).

    `domestic_adoption` is the part of adoption built on domestic AI (the programme term); the
    background term is adoption of foreign AI that happens without any programme.
    """

    kind = "industry"

    def __init__(self, model, spec) -> None:
        super().__init__(model, spec.name, spec.name_ko, spec.country)
        self.base_output = spec.output
        self.adoption = spec.adoption
        self.domestic_adoption = 0.0
        self.speed = spec.adoption_speed
        self.programme = spec.programme
        self.base_programme = spec.programme  # the state programme in force at the start
        self.gain = spec.productivity_gain
        self.capacity = spec.output
        self.gdp_effect = spec.output * spec.productivity_gain * spec.adoption

    def adopt(self, availability: float, background: float) -> None:
        room = 1 - self.adoption
        domestic = self.speed * self.programme * availability * room
        self.domestic_adoption += domestic
        self.adoption += domestic + background * room
        self.gdp_effect = self.base_output * self.gain * self.adoption
        self.output = self.gdp_effect


class ComponentSupplier(Firm):
    """A maker of an accelerator component (cooling, boards). Designers choose among suppliers
    by price and by the strength of an established supply relationship; the seeds' brokered
    link (Zalman cooling for Rebellions) is a change of that strength."""

    kind = "component_supplier"

    def __init__(self, model, spec) -> None:
        super().__init__(model, spec.name, spec.name_ko, spec.country, spec.cash,
                         spec.borrow_limit, spec.fixed_cost)
        self.component = spec.component
        self.price = spec.price
        self.unit_cost = spec.unit_cost
        self.link_strength = dict(spec.link_strength)

    def sell(self, units: float) -> None:
        self.output = units
        self.revenue = units * self.price / 1000
        self.costs += units * self.unit_cost / 1000
