"""The demand side and what compute becomes: buyers of accelerators, LLM developers, industries
that adopt AI, and the domestic component suppliers designers buy from."""

from __future__ import annotations

import math

import numpy as np

from agents.base import Firm, Participant
from game.calendar import parse_quarter


class ComputeBuyer(Participant):
    """A hyperscaler, cloud or national AI centre; its installed compute depreciates.

    A private buyer orders *compute* (docs/model.md, "Demand"): each quarter it wants to add a
    target amount of H100-equivalents, which grows with the AI boom (fast at first, towards a
    long-run rate) and with the race (its rivals' delivered compute growth), and which it trims
    only a little when compute gets dearer (`compute_price_elasticity` below one); compute it
    ordered and did not get stays wanted (`backlog`). Spending is the outcome: what that compute
    costs at today's prices, financed up to a ramp (`capex_ramp`: a quarter's spend can exceed the
    most it has ordered in a quarter so far by that share, no more; capex cannot jump without
    limit, and a plan approved is not undone because suppliers could not deliver it). A national
    centre spends what its state pays (its plan, or the procurement lever)."""

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
        self.training_compute = 0.0  # the part of this quarter's new compute that can train large models
        self.domestic_training_compute = 0.0  # ... of it on chips designed in the buyer's country
        self.shocks: list[tuple[int, float]] = []  # (last quarter, demand factor) from events
        self.shock = 1.0  # this quarter's random demand surprise
        # Orders (private buyers; set by the world's calibration from the first quarter's spend):
        self.target = 0.0  # compute it plans to add this quarter at its reference price, thousand H100e
        self.ref_price = 0.0  # US$ thousand per H100e it expects to pay
        self.backlog = 0.0  # compute ordered earlier and not delivered, still wanted (thousand H100e)
        self.financing = spec.budget  # US$ B a quarter it has shown it can spend (its highest order so far)
        self.wanted = 0.0  # compute ordered this quarter, thousand H100e
        self.race = spec.growth  # smoothed growth of its rivals' delivered compute, a quarter
        self.factor = 1.0  # this quarter's demand factor (random surprise times events)

    def planned_budget(self, now: int) -> float:
        """US$ B a quarter on a national centre's plan (nothing before it opens)."""
        return self.base_budget * (1 + self.growth) ** (now - self.start_index) if now >= self.opens else 0.0

    def order_growth(self, now: int, params) -> float:
        """This quarter's growth of the compute it orders: the boom's growth decaying towards the
        long-run rate (half of the excess gone every `order_growth_half_life` quarters), pulled
        towards its rivals' delivered-compute growth by `race_weight`."""
        age = now - max(self.opens, self.start_index)
        boom = params.order_growth_long_run + (self.growth - params.order_growth_long_run) * \
            0.5 ** (age / params.order_growth_half_life)
        return (1 - params.race_weight) * boom + params.race_weight * self.race

    def set_factor(self, now: int, shock: float) -> None:
        """This quarter's demand factor: the random surprise times the events' shocks in force."""
        self.shocks = [s for s in self.shocks if s[0] >= now]
        factor = shock
        for _, f in self.shocks:
            factor *= f
        self.factor = factor

    def plan(self, now: int, params, override: float | None = None) -> None:
        """A new quarter's demand: the order target's growth (a private buyer), or what its state
        paid (a national centre: `override`, US$ B; its demand factor was in the state's request)."""
        if self.national:
            self.budget = override if override is not None and now >= self.opens else 0.0
            return
        if now > max(self.opens, self.start_index):
            self.target *= 1 + self.order_growth(now, params)

    def order(self, unit_price: float, params) -> float:
        """A private buyer's spend this quarter (US$ B) at `unit_price` (US$ thousand per H100e of
        its chosen mix): the compute it wants, costed, within its capex ramp."""
        if self.national:
            return self.budget
        if unit_price <= 0 or not np.isfinite(unit_price) or self.model.now < self.opens:
            self.wanted = self.budget = 0.0
            return 0.0
        elasticity = params.compute_price_elasticity
        self.wanted = self.target * self.factor * (self.ref_price / unit_price) ** elasticity + self.backlog
        ceiling = self.financing * (1 + params.capex_ramp) * max(self.factor, 1.0)
        self.budget = min(self.wanted * unit_price / 1000, ceiling)
        return self.budget

    def delivered(self, compute: float, unit_price: float, params) -> None:
        """After the market: what was ordered and not delivered stays partly wanted, and the
        price it paid moves its expectation."""
        if self.national:
            return
        self.backlog = params.backlog_carry * max(self.wanted - compute, 0.0)
        if unit_price > 0 and np.isfinite(unit_price):
            w = params.price_expectation_smoothing
            self.ref_price = (1 - w) * self.ref_price + w * unit_price

    def install(self, new_compute: float, training: float, domestic_training: float, depreciation: float,
                spent: float) -> None:
        """This quarter's deliveries (thousand H100e): all of it, the part that trains, and the part
        that trains on home-designed chips."""
        self.new_compute = new_compute
        self.training_compute = training
        self.domestic_training_compute = domestic_training
        self.capacity = self.capacity * (1 - depreciation) + new_compute
        self.output = new_compute
        self.revenue = spent  # what it paid, US$ B (recorded for the tables)
        self.financing = max(self.financing, self.budget)  # what it ordered, delivered or not


class LLMDeveloper(Participant):
    """Turns training compute into model quality: quality rises by a fixed number of points per
    doubling of cumulative training compute (a scaling law), plus talent. Training compute is the
    training-capable part of its buyers' deliveries (`Chip.training`), not every H100e installed."""

    kind = "llm_developer"

    def __init__(self, model, spec, per_doubling: float) -> None:
        super().__init__(model, spec.name, spec.name_ko, spec.country)
        self.compute_from = dict(spec.compute_from)
        self.talent = spec.talent
        self.per_doubling = per_doubling
        self.capacity = spec.training_compute  # cumulative, thousand H100e-quarters
        self.domestic_compute = 0.0  # the part of it trained on chips designed in its own country
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
    """A maker of an accelerator component (cooling, boards), an input of every chip built
    (docs/model.md, "Components"). Designers order from their suppliers by price and by the
    strength of an established supply relationship; a supplier's deliveries fall short in some
    quarters (`reliability`), and only an established supplier with no lead time can fill the
    gap within the quarter. The seeds' brokered link (Zalman cooling for Rebellions) establishes
    that relationship: a home supplier next door that can step in when imports fall short."""

    kind = "component_supplier"

    def __init__(self, model, spec) -> None:
        super().__init__(model, spec.name, spec.name_ko, spec.country, spec.cash,
                         spec.borrow_limit, spec.fixed_cost)
        self.component = spec.component
        self.price = spec.price
        self.unit_cost = spec.unit_cost
        self.link_strength = dict(spec.link_strength)
        self.capacity = spec.capacity
        self.lead_time = spec.lead_time
        self.reliability = spec.reliability
        self.disruption_loss = spec.disruption_loss
        self.disrupted = False  # this quarter's deliveries fall short

    def sell(self, units: float) -> None:
        self.output = units
        self.revenue = units * self.price / 1000
        self.costs += units * self.unit_cost / 1000
