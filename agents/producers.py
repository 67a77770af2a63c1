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


class HBMMaker(Producer):
    """HBM stacks, by generation (docs/model.md, "HBM by generation"). Its TSV lines are one
    capacity shared by the generations it has mastered; a generation yields its own share of good
    stacks, learns on its own cumulative volume (Wright's law) and has its own price, which moves
    with that generation's own excess demand. A newer generation is served first.

    `capacity` counts good GB at the starting yield of its reference generation (HBM3E where it
    makes it); `lines` is the same capacity in stacks started, so that yield turns into output."""

    kind = "hbm_maker"

    def __init__(self, model, spec, generations, start: int) -> None:
        super().__init__(model, spec)
        self.learning = spec.learning
        catalogue = {g.name: g for g in generations}
        self.order = [g.name for g in generations if g.name in spec.generations]  # oldest first
        self.gens: dict[str, dict[str, float]] = {}
        for name in self.order:
            mine, kind = spec.generations[name], catalogue[name]
            self.gens[name] = {
                "available": float(parse_quarter(mine.available) if mine.available else start),
                "yield0": mine.yield0, "volume0": mine.volume0, "volume": mine.volume0, "yield": mine.yield0,
                "price": spec.price * kind.price_ratio, "cost_ratio": kind.cost_ratio,
                "output": 0.0, "revenue": 0.0, "asked": 0.0,
            }
        reference = "HBM3E" if "HBM3E" in self.gens else self.order[-1]
        self.reference = reference
        self.reference_yield = self.gens[reference]["yield0"]
        self.rd_stock = 0.0  # US$ B of state R&D grants received (raises its qualification odds)

    # Lines and yields ----------------------------------------------------------------
    @property
    def lines(self) -> float:
        """Stacks (in GB) its TSV lines can start this quarter, whatever the generation."""
        return self.available / self.reference_yield

    @property
    def yield_(self) -> float:
        """The yield of its reference generation (what events and the map read)."""
        return self.gens[self.reference]["yield"]

    @property
    def volume(self) -> float:
        return sum(g["volume"] for g in self.gens.values())

    def offers(self, generation: str, now: int) -> bool:
        state = self.gens.get(generation)
        return state is not None and now >= state["available"]

    def gen_cost(self, generation: str) -> float:
        """US$ per good GB of a generation: the base cost scaled by the generation and by yield."""
        state = self.gens[generation]
        return self.base_unit_cost * state["cost_ratio"] * self.reference_yield / state["yield"]

    @property
    def unit_cost(self) -> float:
        """Its cost per GB averaged over last quarter's output (the reference generation's before)."""
        shipped = sum(g["output"] for g in self.gens.values())
        if shipped <= 0:
            return self.gen_cost(self.reference)
        return sum(g["output"] * self.gen_cost(n) for n, g in self.gens.items()) / shipped

    def run_pilots(self, now: int, params) -> float:
        """Pilot lots of each generation it offers and has not matured (yield below what tests
        need): a share of its lines whose good stacks are not sold but teach it the process, so a
        new generation can mature before anyone buys it. Returns the lines left to sell from."""
        lines = self.lines
        for state in self.gens.values():
            state["pilot"] = 0.0
        for state in self.gens.values():
            if now >= state["available"] and state["yield"] < params.qualification_yield_good:
                state["pilot"] = params.hbm_pilot_share * self.lines * state["yield"]
                lines -= params.hbm_pilot_share * self.lines
        return max(lines, 0.0)

    def learn(self) -> None:
        for name in self.order:
            self.learn_generation(name, self.gens[name]["output"] + self.gens[name].get("pilot", 0.0))

    def learn_generation(self, name: str, volume: float) -> None:
        curve, state = self.learning, self.gens[name]
        state["volume"] += volume
        top = max(curve.yield_max, state["yield0"])
        state["yield"] = top - (top - state["yield0"]) * (state["volume"] / state["volume0"]) ** -curve.exponent

    def learning_jump(self, factor: float) -> None:
        """A breakthrough: as if every generation's cumulative volume were `factor` times larger."""
        for name, state in self.gens.items():
            state["volume"] *= factor
            self.learn_generation(name, 0.0)

    # Selling --------------------------------------------------------------------------
    def sell_generations(self, shipped: dict[str, float]) -> None:
        """Book a quarter's shipments by generation (million GB); price per GB in US$."""
        total = revenue = costs = 0.0
        for name, state in self.gens.items():
            quantity = shipped.get(name, 0.0)
            state["output"] = quantity
            state["revenue"] = quantity * state["price"] / 1000
            total += quantity
            revenue += state["revenue"]
            costs += quantity * self.gen_cost(name) / 1000
        self.output = total
        self.revenue = revenue
        self.costs += costs
        if total > 0:
            self.price = revenue * 1000 / total  # what a GB earned on average (investment reads it)


class Packager(Producer):
    """CoWoS-class advanced packaging, a service: capacity unused in a quarter is lost."""

    kind = "packager"
