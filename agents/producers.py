"""Upstream producers: foundries (wafers), HBM makers and packagers.

They share one investment rule (docs/model.md, "Capacity"): build towards a newsvendor's capacity
for the orders expected when a project started now comes on line, as far as cash, borrowing and
state support can pay for it.
Foundries and HBM makers also learn: yield rises with cumulative volume (Wright's law).
"""

from __future__ import annotations

import math
from statistics import NormalDist

from agents.base import Country, Firm
from game.calendar import parse_quarter


class Producer(Firm):
    kind = "producer"

    def __init__(self, model, spec) -> None:
        super().__init__(model, spec.name, spec.name_ko, spec.country, spec.cash,
                         spec.borrow_limit, spec.fixed_cost)
        self.capacity = spec.capacity
        self.price = spec.price
        self.base_unit_cost = spec.unit_cost
        self.lead_time = spec.lead_time
        self.capex_per_unit = spec.capex_per_unit
        self.invests = spec.invests
        self.pipeline: list[list[float]] = [[parse_quarter(p.ready), p.amount] for p in spec.pipeline]
        self.payments: list[list[float]] = []  # [quarters left, US$ B per quarter]
        self.demand_est: float | None = None
        self.growth_est = 0.0
        self.orders = 0.0
        self.invested = 0.0  # capacity started this quarter
        self.support_decided = False  # the last project passed its payback test only with state support
        self.outages: list[tuple[int, float]] = []  # (last quarter, share of capacity offline)
        self.available = self.capacity  # capacity that can run this quarter

    @property
    def unit_cost(self) -> float:
        return self.base_unit_cost

    def commission(self, now: int) -> None:
        """Projects whose build time is over add their capacity; outages (an earthquake, a
        materials embargo) take part of it offline for a while."""
        if not self.alive:
            self.available = 0.0
            return
        ready = [p for p in self.pipeline if p[0] <= now]
        if ready:
            self.capacity += sum(amount for _, amount in ready)
            self.pipeline = [p for p in self.pipeline if p[0] > now]
        self.outages = [o for o in self.outages if o[0] >= now]
        offline = min(sum(share for _, share in self.outages), 1.0)
        self.available = self.capacity * (1 - offline)

    def observe_orders(self, orders: float, market_growth: float, smoothing: float) -> None:
        """Smooth this quarter's orders into a demand level, and the whole market's growth into
        a trend: a planner extrapolates the market, not its own share swings."""
        self.orders = orders
        self.demand_est = orders if self.demand_est is None else (1 - smoothing) * self.demand_est + smoothing * orders
        self.growth_est = (1 - smoothing) * self.growth_est + smoothing * market_growth

    def invest(self, params, state: Country, now: int) -> None:
        """Build towards the capacity it wants when a project started now comes on line (docs/
        model.md, "Capacity"), as far as cash and borrowing allow.

        The capacity it wants is a newsvendor's: expected orders over the lead time, raised or
        lowered by how a unit short (the margin lost) compares with a unit idle (its capital cost
        a quarter), under demand uncertainty that grows with the lead time. State support lowers
        the capital cost: the standing programme on every project, the capacity-support lever
        only on the capacity it adds beyond what the firm would build without it (support paid
        for projects that happen anyway is no lever at all)."""
        self.invested = 0.0
        self.support_decided = False
        if not (self.invests and self.alive) or not self.demand_est:
            return
        margin = (self.price - self.unit_cost) / 1000  # US$ B a quarter per unit of quarterly capacity
        if margin <= 0:
            return
        planned = self.capacity + sum(amount for _, amount in self.pipeline)
        growth = min(max(self.growth_est, 0.0), params.growth_expectation_cap)
        expected = self.demand_est * (1 + growth) ** self.lead_time
        trial_cost = max(expected - planned, 0.0) * self.capex_per_unit
        standing = state.standing_support(trial_cost) if trial_cost > 0 else state.capex_support
        without = self.capacity_wanted(expected, margin, standing, params)
        wanted = max(without, self.capacity_wanted(expected, margin, standing + state.extra_support_rate(self.name),
                                                   params))
        size = min(wanted - planned, params.invest_max_step * max(planned, self.capacity, 1e-9))
        if size <= 1e-9:
            return
        extra_size = min(max(wanted - max(without, planned), 0.0), size)  # what only the lever builds
        rate = state.policy.capacity_support.get(self.name, 0.0)
        cost = size * self.capex_per_unit
        own = cost * (1 - standing) - extra_size * self.capex_per_unit * rate
        committed = sum(left * pay for left, pay in self.payments)
        affordable = self.headroom() - committed
        if affordable <= 0:
            return
        if own > affordable:
            scale = affordable / own
            size, extra_size, cost, own = size * scale, extra_size * scale, cost * scale, own * scale
        state.pay_standing_support(cost * standing)
        state.commit_support(self, extra_size * self.capex_per_unit * rate, self.lead_time)
        self.pipeline.append([now + self.lead_time, size])
        self.payments.append([self.lead_time, own / self.lead_time])
        self.invested = size
        self.support_decided = extra_size > 1e-9

    def capacity_wanted(self, expected: float, margin: float, support: float, params) -> float:
        """Newsvendor capacity: expected x exp(z sigma - sigma^2 / 2) with z the quantile of the
        critical ratio margin / (margin + capital cost a quarter) and sigma the demand uncertainty
        over the lead time. The capital cost of a unit is the firm's share of its capex recovered
        over `payback_quarters`, plus interest."""
        capital = self.capex_per_unit * max(1 - support, 0.05) * (1 / params.payback_quarters + params.interest_rate)
        ratio = min(max(margin / (margin + capital), 0.001), 0.999)
        sigma = params.demand_uncertainty * math.sqrt(self.lead_time)
        return expected * math.exp(NormalDist().inv_cdf(ratio) * sigma - sigma * sigma / 2)

    def pay_capex(self) -> None:
        """Projects are paid for over their build time, as construction proceeds."""
        self.costs += sum(pay for _, pay in self.payments)
        for payment in self.payments:
            payment[0] -= 1
        self.payments = [p for p in self.payments if p[0] > 0]

    def sell(self, quantity: float) -> None:
        """Book a quarter's shipments: quantity in market units, price per unit in US$ thousand
        (wafers, packages) or US$ (HBM GB), so revenue in US$ B is quantity x price / 1000."""
        self.output = quantity
        self.revenue = quantity * self.price / 1000
        self.costs += quantity * self.unit_cost / 1000


class LearningProducer(Producer):
    """A producer whose yield follows Wright's law in cumulative volume."""

    def __init__(self, model, spec) -> None:
        super().__init__(model, spec)
        self.learning = spec.learning
        self.volume = spec.learning.volume0
        self.yield_ = spec.learning.yield0

    def learn(self) -> None:
        self.learn_from(self.output)

    def learn_from(self, volume: float) -> None:
        curve = self.learning
        self.volume += volume
        gap = (curve.yield_max - curve.yield0) * (self.volume / curve.volume0) ** -curve.exponent
        self.yield_ = curve.yield_max - gap


class Foundry(LearningProducer):
    """Leading-edge wafers, sold to the modelled AI-chip designers and to the rest of the
    advanced-node market (phones, PCs, networking), plus mature-node revenue outside the
    modelled market that still counts in the foundry revenue share."""

    kind = "foundry"

    def __init__(self, model, spec) -> None:
        super().__init__(model, spec)
        self.other_share = spec.other_share
        self.mature_revenue = spec.mature_revenue
        self.mature_growth = spec.mature_growth
        self.mature_margin = spec.mature_margin

    def sell(self, quantity: float) -> None:
        super().sell(quantity)
        self.revenue += self.mature_revenue
        self.costs += self.mature_revenue * (1 - self.mature_margin)
        self.mature_revenue *= 1 + self.mature_growth


class HBMMaker(LearningProducer):
    """HBM stacks; the cost per good GB falls as the TSV-stack yield rises."""

    kind = "hbm_maker"

    @property
    def unit_cost(self) -> float:
        return self.base_unit_cost * self.learning.yield0 / self.yield_


class Packager(Producer):
    """CoWoS-class advanced packaging, a service: capacity unused in a quarter is lost."""

    kind = "packager"
