"""Upstream producers: foundries (wafers), HBM makers and packagers.

They share one investment rule (docs/model.md, "Capacity"): build towards a newsvendor's capacity
for the orders expected when a project started now comes on line, as far as cash, borrowing and
state support can pay for it.
Foundries learn per process node and HBM makers per HBM generation: defects fall and yields
rise with the cumulative volume of that node or generation (Wright's law).
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import TYPE_CHECKING

from agents.base import Country, Firm
from game import market
from game.calendar import parse_quarter
from game.wafers import good_dies

if TYPE_CHECKING:
    import numpy as np

ALLOWANCE_SPENT = 1e-9  # US$ B (one dollar): a support allowance with less left is spent
STANDARD_NORMAL = NormalDist()  # one instance for every newsvendor quantile (its inv_cdf is pure)


def successor_due(designer, now: int, lead_time: int):
    """The newest roadmap generation of `designer` due within `lead_time` quarters (launching from
    now to now + lead_time), or None: the chip it will be making when a project started now comes
    on line."""
    successor = None
    for generation in designer.roadmap:  # sorted by launch
        due = parse_quarter(generation.launch) - now
        if due > lead_time:
            break
        if due >= 0:
            successor = generation
    return successor


class DesignerOrders:
    """What the producers deciding in phase 3 read of their markets, worked out once for all of
    them rather than once each: what the designers ordered last quarter of each good (HBM,
    packaging), in all and from each supplier (every HBM maker's and packager's announced demand,
    `Producer.announced_demand`), and the pool's forecast orders (`wafers.Pool.forecast_orders`, every foundry's
    `expected_orders`). Both depend only on what nothing changes in phase 3 before the pool moves
    (the last market's order book; the pool, the prices and the yields): World.firms_decide makes
    one for the phase and drops it at its end (never kept on the world, so a save, a fork, a
    rewind or a preview cannot carry a stale one); a producer asked on its own makes its own."""

    def __init__(self, model) -> None:
        self.model = model
        self._by_good: dict[str, tuple[list[float], dict[int, list[float]]] | None] = {}
        self._pool: dict[int, dict[str, np.ndarray]] = {}
        self.pool_choice: tuple[np.ndarray, np.ndarray] | None = None  # `Pool.choice`, once the forecast made it

    def pool_orders(self, horizon: int) -> dict[str, np.ndarray]:
        """`Pool.forecast_orders` `horizon` quarters on: one run for every investing foundry's lead
        time (and this one), which every foundry of the phase then reads."""
        if horizon not in self._pool:
            horizons = {f.lead_time for f in self.model.foundries if f.invests} | set(self._pool) | {horizon}
            if self.pool_choice is None:
                self.pool_choice = self.model.pool.choice(self.model)
            self._pool = self.model.pool.forecast_orders(self.model, horizons, self.pool_choice)
        return self._pool[horizon]

    def of(self, good: str) -> tuple[list[float], dict[int, list[float]]] | None:
        """(each designer's orders of `good`, {supplier index: each designer's orders from it}), in
        the designers' order, or None where the book holds no orders. Each sum adds its edges in the
        book's order from 0.0 (as np.bincount does); rows past the designers are a pool's. A plain
        loop: the book has a few dozen edges."""
        if good in self._by_good:
            return self._by_good[good]
        book = self.model.last_market.get(good, {})
        summed = None
        if "orders" in book:
            n = len(self.model.designers)
            every: list[float] = [0.0] * n
            by_supplier: dict[int, list[float]] = {}
            for j, k, o in zip(book["buyer"].tolist(), book["supplier"].tolist(), book["orders"].tolist(),
                               strict=True):
                if j < n:
                    every[j] += o
                    here = by_supplier.get(k)
                    if here is None:
                        here = by_supplier[k] = [0.0] * n
                    here[j] += o
            summed = every, by_supplier
        self._by_good[good] = summed
        return summed


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
        self.pipeline: list[list[float]] = [[parse_quarter(p.ready), p.amount] for p in spec.pipeline
                                            if not p.to_pay]
        self.building = [financed_project(p, None, model.start) for p in spec.pipeline if p.to_pay]
        self.opening: list[list] = []  # [quarter, amount] of financed projects paid for, until on line
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
        added, still = 0, []  # added as sum() adds: from 0, each ready project in turn
        for project in self.pipeline:
            if project[0] <= now:
                added += project[1]
            else:
                still.append(project)
        if len(still) < len(self.pipeline):
            self.capacity += added
            self.pipeline = still
        self.end_outages(now)
        self.available = self.capacity * (1 - self.offline())

    def end_outages(self, now: int) -> None:
        """Outages whose last quarter has passed are over."""
        if self.outages:
            self.outages = [o for o in self.outages if o[0] >= now]

    def offline(self) -> float:
        """The share of its capacity the outages take offline, at most all of it: the shares added
        as sum() adds them (0, an int, with none: `capacity * (1 - 0)` keeps capacity's type)."""
        total = 0
        for _, share in self.outages:
            total += share
        return min(total, 1.0)

    def observe_orders(self, orders: float, market_growth: float, smoothing: float) -> None:
        """Smooth this quarter's orders into a demand level, and the whole market's growth into
        a trend: a planner extrapolates the market, not its own share swings."""
        self.orders = orders
        self.demand_est = orders if self.demand_est is None else (1 - smoothing) * self.demand_est + smoothing * orders
        self.growth_est = (1 - smoothing) * self.growth_est + smoothing * market_growth

    def invest(self, params, state: Country, now: int, orders: DesignerOrders | None = None) -> None:
        """Build towards the capacity it wants when a project started now comes on line (docs/
        model.md, "Capacity"), as far as cash and borrowing allow.

        The capacity it wants is a newsvendor's: expected orders over the lead time, raised or
        lowered by how a unit short (the margin lost) compares with a unit idle (its capital cost
        a quarter), under demand uncertainty that grows with the lead time. State support lowers
        the capital cost: the standing programme on every project, the capacity-support lever
        only on the capacity it adds beyond what the firm would build without it (support paid
        for projects that happen anyway is no lever at all). `orders`: the quarter's designers'
        orders, shared by the producers deciding in it (made here when not given)."""
        self.invested = 0.0
        self.support_decided = False
        if not (self.invests and self.alive):
            return
        extra_rate = state.extra_support_rate(self.name)
        # (line, size, size only the lever builds, standing support's share of it, the sites' parts or None)
        projects = []
        # what this firm's projects may still reserve of each state's allowance, line by line
        allowances = {state.name: state.support_left_usd}
        for line, planned, expected, margin in self.investment_lines(now, orders):
            if not expected or margin <= 0:
                continue
            parts = self.site_parts(line, state, allowances)
            if parts is not None:
                projects += self.sited_project(line, planned, expected, margin, parts, extra_rate, allowances, params)
                continue
            # The standing programme's share of this project: its full rate if what is left of the
            # allowance carries the project the firm would build at that rate, else the share the
            # allowance carries of that project (a smaller project then, which the share still
            # covers). The firm plans with that share and is paid exactly it.
            allowance = allowances[state.name]
            standing = state.capex_support
            without, wanted, size = self.line_project(expected, margin, planned, standing, extra_rate, params)
            if size > 1e-9 and standing * size * self.capex_per_unit > allowance:
                standing = state.standing_support(size * self.capex_per_unit, allowance)
                without, wanted, size = self.line_project(expected, margin, planned, standing, extra_rate, params)
            if size > 1e-9:
                projects.append([line, size, min(max(wanted - max(without, planned), 0.0), size), standing, None])
                allowances[state.name] = allowance - standing * size * self.capex_per_unit
        if not projects:
            return
        rate = state.policy.capacity_support.get(self.name, 0.0)
        # The firm pays for the project as construction proceeds, less the standing programme's
        # share (a credit on the bill, paid at the share it was planned with, from the allowance it
        # reserved); the lever's share comes to it as cash instalments.
        own = 0  # both added as sum() adds: from 0, in turn (a loop: no generator on a few numbers)
        for _, size, _, standing, _ in projects:
            own += size * self.capex_per_unit * (1 - standing)
        owed = 0
        for left, pay in self.payments:
            owed += left * pay
        affordable = self.headroom() - owed
        if own > 0 and affordable <= 0:
            return
        scale = min(1.0, affordable / own) if own > 0 else 1.0  # the state may carry it all
        bill = 0.0
        later: dict[int, float] = {}  # bills of parts built abroad, by their site's lead time
        for line, size, extra, standing, parts in projects:
            size, extra = size * scale, extra * scale
            if parts is None:
                cost = size * self.capex_per_unit
                bill += cost - state.pay_standing_support(cost, standing)
                state.commit_support(self, extra * self.capex_per_unit * rate, self.lead_time)
                self.add_project(now + self.lead_time, size, line)
            else:  # each site's part is paid, supported and built where it stands
                for site, share, premium, host, support, lead, _ in parts:
                    cost = size * share * self.capex_per_unit * (1 + premium)
                    owed = cost - host.pay_standing_support(cost, support)
                    if site is None:
                        bill += owed
                        state.commit_support(self, extra * share * self.capex_per_unit * rate, self.lead_time)
                    else:  # the host's lever, if it set one for this foundry, pays its rate on the part
                        later[lead] = later.get(lead, 0.0) + owed
                        host.commit_support(self, cost * host.policy.capacity_support.get(self.name, 0.0), lead)
                    self.add_project(now + lead, size * share, line, site)
            self.invested += size
            self.support_decided = self.support_decided or bool(extra > 1e-9)  # a bool, whatever float type `extra` is
        self.payments.append([self.lead_time, bill / self.lead_time])
        for lead, owed in later.items():
            self.payments.append([lead, owed / lead])

    def site_parts(self, line, state: Country, allowances: dict) -> list | None:
        """Where a project on `line` would be built, or None where it can only be at home (every
        producer but a foundry with sites abroad hosting the line: see Foundry.site_parts)."""
        return None

    def sited_project(self, line, planned: float, expected: float, margin: float, parts: list, extra_rate: float,
                      allowances: dict, params) -> list:
        """The project on a line split over sites (docs/model.md, "Fab location"): a unit's capital
        cost is the parts' capex at each site's premium less its host's standing support and the
        host's capacity-support lever for the firm's lines there; the home state's lever supports
        the home part only, and only the capacity it adds (as for any producer). A host whose
        allowance cannot carry its part at the full rate carries the share it can (the project is
        re-sized once with it). Returns [] or one project row with its parts."""
        def terms() -> tuple[float, float, float]:
            """(the support the firm sizes with: standing programmes and hosts' levers; the home
            lever's rate on the whole project; the standing programmes' share of the bill)"""
            factor = billed = home = 0.0
            for site, share, premium, _, support, _, lever in parts:
                factor += share * (1 + premium) * (1 - support - lever)
                billed += share * (1 + premium) * (1 - support)
                home += share if site is None else 0.0
            return 1 - factor, extra_rate * home, 1 - billed

        sizing, lever, standing = terms()
        without, wanted, size = self.line_project(expected, margin, planned, sizing, lever, params)
        if size <= 1e-9:
            return []
        capped = False
        for part in parts:
            host, support = part[3], part[4]
            cost = size * part[1] * self.capex_per_unit * (1 + part[2])
            if support * cost > allowances[host.name]:
                part[4], capped = host.standing_support(cost, allowances[host.name]), True
        if capped:
            sizing, lever, standing = terms()
            without, wanted, size = self.line_project(expected, margin, planned, sizing, lever, params)
            if size <= 1e-9:
                return []
        for _, share, premium, host, support, _, _ in parts:
            allowances[host.name] -= support * size * share * self.capex_per_unit * (1 + premium)
        # `standing`: what the firm's own outlay is net of (the levers' money comes later, as cash)
        return [[line, size, min(max(wanted - max(without, planned), 0.0), size), standing, parts]]

    def line_project(self, expected: float, margin: float, planned: float, standing: float, extra_rate: float,
                     params) -> tuple[float, float, float]:
        """A line's capacity wanted without the lever and with it, and the project that builds
        towards it (capped at `invest_max_step` of the line): (without, wanted, size)."""
        without = self.capacity_wanted(expected, margin, standing, params)
        if extra_rate == 0:  # no lever: the capacity wanted with it is the one without (the same call)
            wanted = without
        else:
            wanted = max(without, self.capacity_wanted(expected, margin, standing + extra_rate, params))
        size = min(wanted - planned, params.invest_max_step * max(planned, self.step_base(), 1e-9))
        return without, wanted, size

    def step_base(self) -> float:
        """The scale a single project is measured against (invest_max_step): the line itself."""
        return 0.0

    def investment_lines(self, now: int, orders: DesignerOrders | None = None) -> list[tuple]:
        """What it may build more of: (line, capacity built and planned, orders it expects when a
        project started now comes on line, margin a quarter per unit in US$ B). One line for most
        producers: its smoothed orders and what its customers announced, grown at the market's
        trend (at most `growth_expectation_cap` a quarter) over the lead time; a foundry has one per
        process (`Foundry.expected_orders`). A list, not a generator: a line or a few."""
        demand = self.demand_est
        expected = 0.0
        if demand:
            demand = max(demand + self.announced_demand(now, orders), 0.0)
            growth = min(max(self.growth_est, 0.0), self.model.params.growth_expectation_cap)
            expected = demand * (1 + growth) ** self.lead_time
        piped = financed = 0  # each added as sum() adds: from 0, project by project
        for project in self.pipeline:
            piped += project[1]
        for project in self.building:
            financed += project[0]
        planned = self.capacity + piped + financed
        margin = self.expected_margin(self.price, self.unit_cost, expected, planned, self.demand_est or 0.0,
                                      self.capacity)
        return [(None, planned, expected, margin)]

    def expected_margin(self, price: float, unit_cost: float, expected: float, planned: float,
                        asked: float = 0.0, running: float = 0.0) -> float:
        """US$ B a quarter a unit short would earn when a project started now comes on line: at the
        price the market's own rule (docs/model.md, "Prices") reaches by then, not at today's
        price, which a line with idle capacity holds at its cost floor though its customers'
        plans say it will be short. The rule steps once a quarter over the lead time, on an
        excess demand that moves in a straight line from today's (`asked` against the capacity
        `running` now) to the one expected then (`expected` against the capacity `planned` by
        then), both at normal utilisation. A line with nothing running now, or none planned,
        takes one step on the expected excess."""
        params = self.model.params
        u = params.normal_utilisation
        now, then = running * u, planned * u
        if now <= market.TINY or then <= market.TINY:
            price = market.adjust_price_lists([price], [expected], [then], params.price_response,
                                              params.price_step_limit, [unit_cost])[0]
            return (price - unit_cost) / 1000
        start, end = (asked - now) / now, (expected - then) / then
        steps = self.lead_time
        gaps = [start + (end - start) * k / steps for k in range(1, steps + 1)]
        price = market.price_along(price, gaps, params.price_response, params.price_step_limit, unit_cost)
        return (price - unit_cost) / 1000

    # the market of its good and its group in the world (HBM makers and packagers); None: the
    # producer reads no announced demand here (a foundry reads its own, per process: Foundry.expected_orders)
    GOOD: str | None = None
    GROUP = ""

    def need_per_unit(self, chip) -> float:
        raise NotImplementedError

    def announced_demand(self, now: int, orders: DesignerOrders | None = None) -> float:
        """How the customers' generations due within the lead time change what it will be asked
        for (its own units a quarter), read from the roadmaps as foundries read theirs: a designer
        whose successor needs more (or less) of the good per unit than its current chip asks for
        the difference on its current demand, and this producer expects its share of that
        designer's orders last quarter (`orders`: the quarter's, made here when not given). A
        producer of no good (`GOOD` None) reads nothing."""
        if self.GOOD is None:
            return 0.0
        summed = (orders or DesignerOrders(self.model)).of(self.GOOD)
        if summed is None:
            return 0.0
        every, by_supplier = summed
        here = by_supplier.get(getattr(self.model, self.GROUP).index(self))
        if here is None:  # no designer ordered from it: nothing announced changes its orders
            return 0.0
        total = 0.0
        for j, designer in enumerate(self.model.designers):
            if here[j] <= 0 or not designer.alive:
                continue
            successor = successor_due(designer, now, self.lead_time)
            if successor is not None:
                change = self.need_per_unit(successor) - self.need_per_unit(designer.chip)
                total += here[j] / every[j] * designer.demand_est * change
        return total

    def capacity_wanted(self, expected: float, margin: float, support: float, params) -> float:
        """Newsvendor capacity: expected x exp(z sigma - sigma^2 / 2) with z the quantile of the
        critical ratio margin / (margin + capital cost a quarter) and sigma the demand uncertainty
        over the lead time. The capital cost of a unit is the firm's share of its capex recovered
        over `payback_quarters`, plus interest."""
        capital = self.capex_per_unit * max(1 - support, 0.05) * (1 / params.payback_quarters + params.interest_rate)
        ratio = min(max(margin / (margin + capital), 0.001), 0.999)
        sigma = params.demand_uncertainty * math.sqrt(self.lead_time)
        return expected * math.exp(STANDARD_NORMAL.inv_cdf(ratio) * sigma - sigma * sigma / 2)

    def add_project(self, ready: int, size: float, line=None) -> None:
        self.pipeline.append([ready, size])

    def build_for_state(self, usd: float, now: int) -> float:
        """A project the state decided and paid for (directed equity, already in cash): capacity
        worth `usd` US$ B at the firm's capex per unit, on its fullest line, on line after its lead
        time; the money is paid out over the build as the firm's own projects are (`pay_capex`),
        so the capital given is spent on exactly this project. Returns the capacity added."""
        size = usd / self.capex_per_unit
        if size <= 0:
            return 0.0
        self.add_project(now + self.lead_time, size, self.fullest_line(now))
        self.payments.append([self.lead_time, usd / self.lead_time])
        return size

    def fullest_line(self, now: int) -> str | None:
        """Where a state project goes: the firm's one line (None) unless it runs several."""
        return None

    def pay_capex(self) -> None:
        """Projects are paid for over their build time, as construction proceeds."""
        paid, still = 0, []  # paid as sum() adds: from 0, each instalment in turn
        for payment in self.payments:
            paid += payment[1]
            payment[0] -= 1
            if payment[0] > 0:
                still.append(payment)
        self.costs += paid
        self.payments = still

    def pay_building(self, now: int) -> float:
        """Pay this quarter's instalments on the projects still being paid for (`building`: [amount,
        line, US$ B left, US$ B a quarter as scheduled]), from cash in hand: a venture with no
        revenue yet builds with the money it has been given, and lenders do not finance a fab
        with no customers (cal 7.6: Rapidus has none reported). A project paid in full comes on
        line next quarter; an instalment unpaid, or paid in part, delays it by that part of a
        quarter. Returns the US$ B of instalments left unpaid this quarter."""
        unpaid = 0.0
        if not self.alive:
            return unpaid
        still = []
        for project in self.building:
            amount, line, left, instalment = project
            due = min(instalment, left)
            pay = min(due, max(self.cash - self.costs, 0.0))
            self.costs += pay
            unpaid += due - pay
            project[2] = left - pay
            if project[2] <= 1e-9 * instalment:
                self.add_project(now + 1, amount, line)
                self.opening.append([now + 1, amount])
            else:
                still.append(project)
        self.building = still
        return unpaid

    def building_due(self) -> float:
        """US$ B the projects being paid for ask for this quarter (what a backer must find)."""
        return sum(min(instalment, left) for _, _, left, instalment in self.building) if self.alive else 0.0

    def sell(self, quantity: float) -> None:
        """Book a quarter's shipments: quantity in market units, price per unit in US$ thousand
        (wafers, packages) or US$ (HBM GB), so revenue in US$ B is quantity x price / 1000."""
        self.output = quantity
        self.revenue = quantity * self.price / 1000
        self.costs += quantity * self.unit_cost / 1000


def financed_project(spec, line: str | None, start: int) -> list:
    """A scheduled project still to be paid for: [amount, line, US$ B left, US$ B a quarter], its
    cost spread evenly over the quarters from the start to the quarter before it is due."""
    quarters = max(parse_quarter(spec.ready) - start, 1)
    return [spec.amount, line, spec.to_pay, spec.to_pay / quarters]


class Foundry(Producer):
    """Leading-edge wafers by process node (docs/model.md, "Learning per node"), sold to the
    modelled AI-chip designers and to the rest of the advanced-node market (phones, PCs,
    networking), plus mature-node revenue outside the modelled market that still counts in the
    foundry revenue share.

    Each node has its own capacity, prices and defect density D, which falls with the wafers run
    on that node: D = floor + (D0 - floor) (V / V0) ** -b (Wright's law). A die of area A yields
    (1 + A D / alpha) ** -alpha (defects cluster: alpha), so a big AI die suffers a young node more
    than a phone chip does, and the volume a subsidy buys on a node teaches that node only."""

    kind = "foundry"

    def __init__(self, model, spec, start: int, params) -> None:
        Firm.__init__(self, model, spec.name, spec.name_ko, spec.country, spec.cash, spec.borrow_limit,
                      spec.fixed_cost)
        self.lead_time = spec.lead_time
        self.capex_per_unit = spec.capex_per_unit
        self.invests = spec.invests
        self.payments: list[list[float]] = []
        self.invested = 0.0
        self.support_decided = False
        self.outages: list[tuple[int, float]] = []
        self.alpha = params.defect_clustering
        self.reference_area = params.reference_die_area
        self.exponent = spec.learning_exponent
        self.order = [n.node for n in spec.nodes]  # oldest class first
        self.nodes: dict[str, dict] = {}
        self.pipeline: list[list] = []  # [ready quarter, amount, node class, site abroad or None]
        self.building: list[list] = []  # see Producer.pay_building
        self.opening: list[list] = []
        for n in spec.nodes:
            d0, floor = self.defects_at(n.yield0), self.defects_at(n.yield_max)
            self.nodes[n.node] = {
                "process": n.process, "capacity": n.capacity, "available": 0.0,
                "opens": float(parse_quarter(n.available) if n.available else start),
                "price": n.price, "list_price": n.price, "unit_cost": n.unit_cost, "d0": d0, "floor": floor,
                "volume0": n.volume0, "volume": n.volume0, "defects": d0, "output": 0.0, "revenue": 0.0, "asked": 0.0,
                "abroad": dict(n.abroad),  # country -> capacity at a site abroad (part of "capacity")
            }
            self.pipeline += [[parse_quarter(p.ready), p.amount, n.node, p.site] for p in n.pipeline if not p.to_pay]
            self.building += [financed_project(p, n.node, start) for p in n.pipeline if p.to_pay]
        self.sites = {site.country: site for site in spec.sites}
        self.other_share = spec.other_share
        self.mature_revenue = spec.mature_revenue
        self.mature_growth = spec.mature_growth
        self.mature_margin = spec.mature_margin
        self.capacity = self.available = 0.0
        self.price = self.base_unit_cost = 1.0
        self.refresh(start)

    # Nodes and yields ------------------------------------------------------------------
    def defects_at(self, reference_yield: float) -> float:
        """The defect density (per cm2) at which the reference die yields `reference_yield`."""
        return self.alpha * (reference_yield ** (-1 / self.alpha) - 1) / self.reference_area

    def die_yield(self, node: str, area: float) -> float:
        """Share of good dies of `area` cm2 on a node today."""
        return (1 + area * self.nodes[node]["defects"] / self.alpha) ** -self.alpha

    def runs(self, node: str, now: int) -> bool:
        state = self.nodes.get(node)
        return state is not None and now >= state["opens"] and self.alive

    def newest(self, now: int) -> str | None:
        """Its newest node running now (where its new capacity goes)."""
        for node in reversed(self.order):
            if now >= self.nodes[node]["opens"]:
                return node
        return self.order[0] if self.order else None

    @property
    def yield_(self) -> float:
        """The reference die's yield on its newest node (what the map and events read)."""
        node = self.newest(max(self.model.now, self.model.start)) if self.order else None
        return self.die_yield(node, self.reference_area) if node else 0.0

    @property
    def volume(self) -> float:
        return sum(n["volume"] for n in self.nodes.values())

    def refresh(self, now: int) -> None:
        """Capacity in force (nodes that run), and the newest node's price and cost, which its
        investment decisions read. An outage (an earthquake, a materials embargo) strikes the
        home country's fabs: lines at a site abroad run on (docs/model.md, "Fab location")."""
        offline = self.offline() if self.alive else 1.0
        self.capacity = 0.0
        away = 0.0  # running capacity abroad
        self.abroad_running: dict[str, float] = {}
        for state in self.nodes.values():
            running = now >= state["opens"]
            if state["abroad"] and running and self.alive:
                here = 0.0
                for country, amount in state["abroad"].items():
                    here += amount
                    self.abroad_running[country] = self.abroad_running.get(country, 0.0) + amount
                state["available"] = (state["capacity"] - here) * (1 - offline) + here
                away += here
            else:
                state["available"] = state["capacity"] * (1 - offline) if running else 0.0
            self.capacity += state["capacity"] if running else 0.0
        self.available = (self.capacity - away) * (1 - offline) + away if away else self.capacity * (1 - offline)
        node = self.newest(now)
        if node is not None:
            self.price, self.base_unit_cost = self.nodes[node]["price"], self.nodes[node]["unit_cost"]

    def commission(self, now: int) -> None:
        """Projects whose build time is over add capacity to their node; outages take part of
        every node offline for a while."""
        if not self.alive:
            for state in self.nodes.values():
                state["available"] = 0.0
            self.available = 0.0
            return
        still = []
        for project in self.pipeline:
            if project[0] <= now:
                state = self.nodes[project[2]]
                state["capacity"] += project[1]
                if project[3] is not None:
                    state["abroad"][project[3]] = state["abroad"].get(project[3], 0.0) + project[1]
            else:
                still.append(project)
        self.pipeline = still
        self.end_outages(now)
        self.refresh(now)

    def fullest_line(self, now: int) -> str | None:
        """The open process whose orders last quarter were largest against what it had available
        (the newest among equals): where the customers a state project answers were short."""
        best, fullest = None, -1.0
        for name in self.order:  # oldest first, so the newest wins a tie
            state = self.nodes[name]
            if now >= state["opens"]:
                asked = state["asked"] / state["available"] if state["available"] > 0 else 0.0
                if asked >= fullest:
                    best, fullest = name, asked
        return best if best is not None else self.newest(now)

    def add_project(self, ready: int, size: float, line=None, site: str | None = None) -> None:
        """A new project on a node (an event's or a plan's without one: its newest node), at home
        or at a site abroad."""
        self.pipeline.append([ready, size, line or self.newest(ready - self.lead_time), site])

    # Fab location ---------------------------------------------------------------------------
    def site_parts(self, line, state: Country, allowances: dict) -> list | None:
        """The shares of a project on `line` built at home and at each site abroad hosting the
        line, or None where only home hosts it: a logit over the sites on the log of a unit's
        capital cost there (capex x (1 + premium) x (1 - the host's standing support rate, 0 once
        its allowance is spent) - the host's capacity-support lever for this foundry, at a site
        abroad), home weighted up by `site_home_bias` (docs/model.md, "Fab location"). Rows [site or
        None, share, premium, host state, standing support rate, lead time, the host's lever rate]."""
        hosts = [site for site in self.sites.values() if line in site.nodes]
        if not hosts:
            return None
        params = self.model.params
        rows = [[None, 0.0, 0.0, state, self._support_at(state, allowances), self.lead_time, 0.0]]
        for site in hosts:
            host = self.model.countries[site.country]
            support = self._support_at(host, allowances)
            # the host's capacity-support lever for this foundry's lines there, at the share it expects paid
            rows.append([site.country, 0.0, site.capex_premium, host, support, site.lead_time,
                         host.extra_support_rate(self.name)])
        utility = [-params.site_cost_weight * math.log((1 + row[2]) * max(1 - row[4] - row[6], 0.05))
                   for row in rows]
        utility[0] += params.site_home_bias
        top = max(utility)
        weights = [math.exp(u - top) for u in utility]
        total = sum(weights)
        for row, weight in zip(rows, weights, strict=True):
            row[1] = weight / total
        return rows

    @staticmethod
    def _support_at(host: Country, allowances: dict) -> float:
        """A host's standing support rate for a project on its soil, while its allowance lasts. An
        allowance that earlier projects reserved to the last dollar is spent: what rounding leaves
        of it (+-1e-16) must not decide whether the next site is costed at the full rate."""
        left = allowances.setdefault(host.name, host.support_left_usd)
        return host.capex_support if left > ALLOWANCE_SPENT else 0.0

    def hosted_in(self, country: str) -> bool:
        """A foreign foundry with a site in `country`: that country's capacity-support lever may
        name it, for its lines there (docs/model.md, "Fab location")."""
        return country != self.country and country in self.sites

    @property
    def located(self) -> dict[str, float] | None:
        """Running leading-edge capacity by the country it stands in (thousand wafers a quarter),
        home first, then each site abroad (`abroad_running`, set by `refresh`), summing to
        `capacity`; None while all of it is at home (what the indicators read)."""
        if not self.abroad_running or not self.alive:
            return None
        return {self.country: self.capacity - sum(self.abroad_running.values()), **self.abroad_running}

    def step_base(self) -> float:
        """A new node's first fab is sized against the foundry, not against the node's pilot line."""
        return 0.1 * self.capacity

    def investment_lines(self, now: int, orders: DesignerOrders | None = None) -> list[tuple]:
        """One line per process running now or opening within its lead time: capacity built and
        planned on it, the orders it expects when a project started now comes on line
        (`expected_orders`: the pool's forecast and its AI customers' plans, not the process's
        own recent growth), and its margin. It reads its customers' roadmaps, not the
        designers' `orders`."""
        lines = [node for node, state in self.nodes.items() if state["opens"] <= now + self.lead_time]
        expected = self.expected_orders(lines, now, orders)
        piped: dict[str, float] = {}  # per node, as sum() over its own projects adds them (from 0)
        for p in self.pipeline:
            piped[p[2]] = piped.get(p[2], 0) + p[1]
        financed: dict[str, float] = {}
        for b in self.building:
            financed[b[1]] = financed.get(b[1], 0) + b[0]
        out = []
        traded = len(self.model.history) > 0  # before the first quarter closes no process has orders
        for node in lines:
            state = self.nodes[node]
            planned = state["capacity"] + piped.get(node, 0) + financed.get(node, 0)
            # today's excess is last quarter's orders against the capacity running now; with no
            # quarter traded yet there is none, and the planner takes one step on the expected one
            margin = self.expected_margin(state["price"], state["unit_cost"], expected[node], planned,
                                          state["asked"], state["available"] if traded else 0.0)
            out.append((node, planned, expected[node], margin))
        return out

    def expected_orders(self, nodes: list[str], now: int, orders: DesignerOrders | None = None) -> dict[str, float]:
        """Thousand wafers a quarter each of `nodes` expects to be asked for when a project started
        now comes on line, `lead_time` quarters on: the pool's orders then (`Pool.forecast_orders`: its
        growth, its migration to newer classes and its re-picking of foundries, at today's
        costs, yields and prices), plus what its AI customers will order, read from their roadmaps
        and their own demand trend (each designer's smoothed growth, capped as designers cap it,
        over the lead time): a successor due within the lead time brings its wafers to its node,
        split evenly over its candidate foundries, and the current chip's wafers (its share of
        the designer's demand here) stay only if no successor is due. `orders`: the phase's
        shared reading (made here when not given)."""
        model = self.model
        quarters = self.lead_time
        pool = (orders or DesignerOrders(model)).pool_orders(quarters)
        i = model.foundries.index(self)
        total = {node: float(pool[node][i]) if node in pool else 0.0 for node in nodes}
        cap = model.params.growth_expectation_cap
        for designer in model.foundry_customers[self.name]:
            if not designer.alive:
                continue
            scale = (1 + min(max(designer.growth_est, 0.0), cap)) ** quarters
            successor = successor_due(designer, now, quarters)
            if successor is not None:
                if successor.node in total and self.name in successor.foundries:
                    dies = good_dies(model, self, successor)
                    total[successor.node] += designer.demand_est * scale / len(successor.foundries) / dies
                continue
            current = designer.chip
            if current.node in total and self.name in designer.foundries:
                mix = designer.foundry_mix[designer.foundries.index(self.name)]
                if mix > 0:
                    total[current.node] += designer.demand_est * scale * mix / good_dies(model, self, current)
        return total

    def learn(self) -> None:
        for state in self.nodes.values():
            self.learn_node(state, state["output"])

    def learn_node(self, state: dict, wafers: float) -> None:
        state["volume"] += wafers
        state["defects"] = state["floor"] + (state["d0"] - state["floor"]) * \
            (state["volume"] / state["volume0"]) ** -self.exponent

    def learning_jump(self, factor: float) -> None:
        """A breakthrough: as if every node's cumulative volume were `factor` times larger."""
        for state in self.nodes.values():
            state["volume"] *= factor
            self.learn_node(state, 0.0)

    # Selling ------------------------------------------------------------------------------
    def sell_nodes(self, shipped: dict[str, float]) -> None:
        """Book a quarter's wafers by node (thousand wafers; prices US$ thousand a wafer) and
        the revenue of its mature nodes."""
        total = revenue = costs = 0.0
        for name, state in self.nodes.items():
            wafers = shipped.get(name, 0.0)
            state["output"] = wafers
            state["revenue"] = wafers * state["price"] / 1000
            total += wafers
            revenue += state["revenue"]
            costs += wafers * state["unit_cost"] / 1000
        self.output = total
        self.revenue = revenue + self.mature_revenue
        self.costs += costs + self.mature_revenue * (1 - self.mature_margin)
        self.mature_revenue *= 1 + self.mature_growth


class HBMMaker(Producer):
    """HBM stacks, by generation (docs/model.md, "HBM by generation"). Its TSV lines are one
    capacity shared by the generations it has mastered; a generation yields its own share of good
    stacks, learns on its own cumulative volume (Wright's law) and has its own price, which moves
    with that generation's own excess demand. Its lines go to the generations by the quarter's
    orders for each (game.upstream._clear_hbm).

    `capacity` counts good GB at the starting yield of its reference generation (HBM3E where it
    makes it); `lines` is the same capacity in stacks started, so that yield turns into output."""

    kind = "hbm_maker"
    GOOD, GROUP = "hbm", "hbm_makers"

    def need_per_unit(self, chip) -> float:
        """Million GB a thousand units, whatever the generation (its lines are counted in GB)."""
        return chip.hbm_gb / 1000

    def __init__(self, model, spec, generations, start: int) -> None:
        super().__init__(model, spec)
        self.learning = spec.learning
        catalogue = {g.name: g for g in generations}
        self.order = [g.name for g in generations if g.name in spec.generations]  # oldest first
        self.gens: dict[str, dict[str, float]] = {}
        for name in self.order:
            mine, kind = spec.generations[name], catalogue[name]
            available = float(parse_quarter(mine.available) if mine.available else start)
            list_price = spec.price * kind.price_ratio
            self.gens[name] = {
                "available": available,
                "yield0": mine.yield0, "volume0": mine.volume0, "volume": mine.volume0, "yield": mine.yield0,
                # a generation it does not offer yet has no price: it is quoted when it goes on sale
                "price": list_price if available <= start else None, "list_price": list_price,
                "cost_ratio": kind.cost_ratio, "output": 0.0, "revenue": 0.0, "asked": 0.0,
            }
        on_sale = [g for g in self.order if self.gens[g]["available"] <= start]
        reference = "HBM3E" if "HBM3E" in on_sale else (on_sale or self.order)[-1]
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

    def commission(self, now: int) -> None:
        """Lines come on stream as for any producer; a generation that goes on sale this quarter
        is quoted at its list price (the maker's `price` times the generation's ratio), from which
        its own excess demand then moves it. Until then it has no price: nothing trades, so there
        is nothing for a price to clear."""
        super().commission(now)
        if not self.alive:
            return
        for state in self.gens.values():
            if state["price"] is None and now >= state["available"]:
                state["price"] = state["list_price"]

    def quoted(self, generation: str) -> float | None:
        """US$ per GB of a generation, or None where it does not make it or has not put it on sale."""
        state = self.gens.get(generation)
        return None if state is None else state["price"]

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
        shipped = 0  # both added as sum() adds: from 0, generation by generation
        for state in self.gens.values():
            shipped += state["output"]
        if shipped <= 0:
            return self.gen_cost(self.reference)
        cost = 0
        for name, state in self.gens.items():
            cost += state["output"] * self.gen_cost(name)
        return cost / shipped

    def run_pilots(self, now: int, params) -> float:
        """Pilot lots of each generation it offers and has not matured (yield below what tests
        need): a share of its lines whose good stacks are not sold but teach it the process, so a
        new generation can mature before anyone buys it. Returns the lines left to sell from."""
        lines = all_lines = self.lines  # read once: nothing here changes it
        for state in self.gens.values():
            state["pilot"] = 0.0
        for state in self.gens.values():
            if now >= state["available"] and state["output"] <= 0 and state["yield"] < params.qualification_yield_good:
                state["pilot"] = params.hbm_pilot_share * all_lines * state["yield"]
                lines -= params.hbm_pilot_share * all_lines
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
            state["revenue"] = quantity * state["price"] / 1000 if quantity else 0.0  # unquoted: none sold
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
    GOOD, GROUP = "packaging", "packagers"

    def need_per_unit(self, chip) -> float:
        """Thousand package-wafers a thousand units: a package-wafer holds `chips_per_package_wafer`."""
        return 1 / chip.chips_per_package_wafer
