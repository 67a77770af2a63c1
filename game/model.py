"""The world: a Mesa model whose `step` is one quarter, in the nine phases of DESIGN.md.

Agents hold their own state and decisions (agents/); this module builds them from a scenario
and clears the markets between them with the numpy maths of game.market. Read `step` first:
it is the turn, top to bottom.
"""

from __future__ import annotations

import numpy as np
from mesa import DataCollector, Model

from agents.base import Country
from agents.demand import ComponentSupplier, ComputeBuyer, Industry, LLMDeveloper
from agents.designers import INPUTS, Designer
from agents.producers import Foundry, HBMMaker, Packager
from game import market
from game.calendar import parse_quarter, quarter_label
from game.exports import ExportRules
from game.indicators import flatten, snapshot
from game.scenario import Scenario

AGENT_COLUMNS = ("kind", "name", "country", "capacity", "output", "price", "revenue", "cash", "alive")


class World(Model):
    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.scenario = scenario
        self.params = scenario.params
        self.seed_value = seed
        self.start = parse_quarter(scenario.scenario.start)
        self.turns = scenario.scenario.turns
        self.turn = 0
        self.now = self.start - 1  # the quarter of the last completed turn

        self.countries = {c.id: Country(self, c) for c in scenario.countries}
        self.foundries = [Foundry(self, f) for f in scenario.foundries]
        self.hbm_makers = [HBMMaker(self, h) for h in scenario.hbm_makers]
        self.packagers = [Packager(self, p) for p in scenario.packagers]
        self.designers = [Designer(self, d) for d in scenario.designers]
        self.buyers = [ComputeBuyer(self, b, self.start) for b in scenario.buyers]
        self.llm_developers = [LLMDeveloper(self, d, self.params.llm_quality_per_doubling)
                               for d in scenario.llm_developers]
        self.industries = [Industry(self, i) for i in scenario.industries]
        self.component_suppliers = [ComponentSupplier(self, c) for c in scenario.component_suppliers]
        self.by_name = {a.name: a for a in self.agents if not isinstance(a, Country)}

        self.other_demand = scenario.foundry_pool.demand
        self.qualification = {(q.supplier, q.designer): [q.level, q.target, q.hazard]
                              for q in scenario.qualifications}
        self.export_rules = ExportRules(scenario.export_controls)
        self.llm_use: dict[str, dict[str, float]] = {}
        self.last_market = {good: self._no_trade(group) for good, group in
                            (("wafer", self.foundries), ("hbm", self.hbm_makers), ("packaging", self.packagers))}
        self._calibrate()

        # Step 0 of the tables is the opening state: no quarter has traded yet, so shares are 0.
        self.history: list[dict] = []
        self.current = snapshot(self)
        self.current_columns = flatten(self.current)
        self.datacollector = DataCollector(
            model_reporters={key: (lambda m, key=key: m.current_columns[key]) for key in self.current_columns},
            agent_reporters={c: c for c in AGENT_COLUMNS},
        )
        self.datacollector.collect(self)

    @staticmethod
    def _no_trade(suppliers) -> dict[str, np.ndarray]:
        zeros = np.zeros(len(suppliers))
        return {"shipped": zeros, "asked": zeros, "price": np.array([s.price for s in suppliers])}

    # ------------------------------------------------------------------ the turn
    def step(self) -> None:
        """One quarter."""
        self.turn += 1
        self.now = self.start + self.turn - 1
        self.fire_events()                     # 1. shocks and scheduled launches
        self.apply_policies()                  # 2. states renew their programmes
        self.firms_decide()                    # 3. invest, pick suppliers, plan builds
        received = self.clear_upstream_markets()  # 4. wafers, HBM, packaging
        self.produce(received)                 # 5. Leontief, bottlenecks
        self.clear_accelerator_market()        # 6. buyers choose chips; rationing
        self.turn_compute_into_value()         # 7. compute -> models -> adoption -> GDP
        self.settle_money_and_learning()       # 8. cash, exits, learning curves
        self.record()                          # 9. indicators and DataCollector rows

    @property
    def finished(self) -> bool:
        return self.turn >= self.turns

    @property
    def date(self) -> str:
        return quarter_label(self.now)

    # ------------------------------------------------------------------ 1. events
    def fire_events(self) -> None:
        """Demand shocks to every buyer's budget, and chip generations whose launch is due."""
        shocks = self.rng.lognormal(0.0, self.params.budget_noise, len(self.buyers))
        for buyer, shock in zip(self.buyers, shocks, strict=True):
            buyer.set_budget(self.now, float(shock))
        for designer in self.designers:
            generation = designer.due_generation(self.now)
            if generation is not None and designer.alive:
                designer.adopt_generation(generation, self.foundry_choice(designer, generation))

    def foundry_choice(self, designer: Designer, chip) -> list[float]:
        """Split a new generation across its candidate foundries by a logit over the effective
        cost of a good die, c_f = wafer price / (dies per wafer x yield) (MODEL.md 3)."""
        foundries = [self.by_name[n] for n in chip.foundries]
        cost = np.array([f.price / (chip.dies_per_wafer * f.yield_) for f in foundries])
        allowed = np.array([f.alive and self.export_rules.allows("wafer", f.country, designer.country)
                            for f in foundries])
        if not allowed.any():
            allowed[:] = True  # nowhere legal to make it: keep the plan, orders will not fill
        return list(market.logit_shares(-self.params.supplier_cost_weight * np.log(cost), allowed))

    # ------------------------------------------------------------------ 2. policy
    def apply_policies(self) -> None:
        for country in self.countries.values():
            country.new_quarter()

    # ------------------------------------------------------------------ 3. firms decide
    def firms_decide(self) -> None:
        for producer in self.producers:
            producer.commission(self.now)
            producer.invest(self.params, self.countries[producer.country], self.now)
            producer.pay_capex()
        for designer in self.designers:
            designer.plan(self.params.growth_expectation_cap)
        self.other_demand *= 1 + self.scenario.foundry_pool.growth
        self.repick_other_foundry_customers()

    def repick_other_foundry_customers(self) -> None:
        """Phone, PC and networking chips move between foundries slowly, towards the cheapest
        good die: this is how yield won by volume wins customers back."""
        inertia = self.params.other_demand_inertia
        target = market.logit_shares(self._foundry_utility(), self._foundry_open())
        for foundry, share in zip(self.foundries, target, strict=True):
            foundry.other_share = (1 - inertia) * foundry.other_share + inertia * share

    def _foundry_utility(self) -> np.ndarray:
        cost = np.array([f.price / f.yield_ for f in self.foundries])
        return -self.params.supplier_cost_weight * np.log(cost) + self.foundry_appeal

    def _foundry_open(self) -> np.ndarray:
        return np.array([f.alive and f.capacity > 0 for f in self.foundries])

    @property
    def producers(self):
        return (*self.foundries, *self.hbm_makers, *self.packagers)

    # ------------------------------------------------------------------ 4. upstream markets
    def clear_upstream_markets(self) -> dict[str, np.ndarray]:
        """Orders meet capacity in three markets; returns what each designer received:
        good dies, HBM (million GB) and package-wafers."""
        needs = np.array([d.input_needs() for d in self.designers]).reshape(-1, 3)
        dies = self._clear_wafers(needs[:, 0])
        hbm = self._clear_by_choice("hbm", self.hbm_makers, needs[:, 1], "hbm_suppliers")
        packaging = self._clear_by_choice("packaging", self.packagers, needs[:, 2], "packagers")
        return {"dies": dies, "hbm": hbm, "packaging": packaging}

    def _clear_wafers(self, dies_needed: np.ndarray) -> np.ndarray:
        index = {f.name: i for i, f in enumerate(self.foundries)}
        buyer, supplier, orders, good_dies_per_wafer = [], [], [], []
        for j, d in enumerate(self.designers):
            if not d.alive:
                continue
            for name, mix in zip(d.foundries, d.foundry_mix, strict=True):
                f = self.foundries[index[name]]
                if mix <= 0 or not self.export_rules.allows("wafer", f.country, d.country):
                    continue
                per_wafer = d.chip.dies_per_wafer * f.yield_
                buyer.append(j)
                supplier.append(index[name])
                orders.append(mix * dies_needed[j] / per_wafer)
                good_dies_per_wafer.append(per_wafer)
        pool = len(self.designers)  # the rest of the advanced-node market, as one more buyer
        for i, f in enumerate(self.foundries):
            if f.alive and f.other_share > 0:
                buyer.append(pool)
                supplier.append(i)
                orders.append(self.other_demand * f.other_share)
                good_dies_per_wafer.append(0.0)
        buyer_a, supplier_a = np.array(buyer, dtype=int), np.array(supplier, dtype=int)
        orders_a = np.array(orders)
        capacity = np.array([f.capacity for f in self.foundries])
        filled = market.allocate(orders_a, supplier_a, capacity)
        self._book_upstream("wafer", self.foundries, buyer_a, supplier_a, orders_a, filled)
        return np.bincount(buyer_a, filled * np.array(good_dies_per_wafer), pool + 1)[:pool]

    def _clear_by_choice(self, good: str, suppliers: list, needs: np.ndarray, attribute: str) -> np.ndarray:
        """HBM and packaging: orders split each quarter among allowed, qualified suppliers by a
        logit over price with supplier size (a sold-out small maker is not asked for half of
        everything); long-term contracts are served first; a buyer short at one supplier
        spills to its other allowed suppliers."""
        index = {s.name: i for i, s in enumerate(suppliers)}
        buyer, supplier, cap, reserved = [], [], [], []
        for j, d in enumerate(self.designers):
            if not d.alive or needs[j] <= 0:
                continue
            for name in getattr(d, attribute):
                s = suppliers[index[name]]
                level = self.qualification.get((name, d.name), [1.0])[0]
                tradable = s.alive and s.capacity > 0 and self.export_rules.allows(good, s.country, d.country)
                if level <= 0 or not tradable:
                    continue
                buyer.append(j)
                supplier.append(index[name])
                cap.append(level)
                reserved.append(d.reserved.get(name, 0.0) * s.capacity)
        n = len(self.designers)
        buyer_a, supplier_a = np.array(buyer, dtype=int), np.array(supplier, dtype=int)
        cap_a = np.array(cap)
        price = np.array([s.price for s in suppliers])
        capacity = np.array([s.capacity for s in suppliers])
        if len(buyer_a):
            utility = -self.params.supplier_cost_weight * np.log(price[supplier_a]) + np.log(capacity[supplier_a])
            shares = market.group_logit(utility, buyer_a, n)
            shares = market.cap_shares(shares, cap_a, buyer_a, n)
            orders = needs[buyer_a] * shares
            filled = market.clear_with_spill(orders, buyer_a, supplier_a, capacity, n,
                                             spill_cap=needs[buyer_a] * cap_a, reserved=np.array(reserved))
        else:
            orders = filled = np.zeros(0)
        self._book_upstream(good, suppliers, buyer_a, supplier_a, orders, filled)
        return np.bincount(buyer_a, filled, n)

    def _book_upstream(self, good, suppliers, buyer, supplier, orders, filled) -> None:
        """Suppliers ship and bill; designers pay; prices move with excess demand."""
        n = len(suppliers)
        shipped = np.bincount(supplier, filled, n)
        asked = np.bincount(supplier, orders, n)
        price = np.array([s.price for s in suppliers])
        designer_rows = buyer < len(self.designers)
        bill = np.bincount(buyer[designer_rows], filled[designer_rows] * price[supplier[designer_rows]] / 1000,
                           len(self.designers))
        for designer, amount in zip(self.designers, bill, strict=True):
            designer.costs += amount
        previous = self.last_market.get(good, {}).get("asked")
        growth = asked.sum() / previous.sum() - 1 if previous is not None and previous.sum() > 0 else 0.0
        for s, q, a in zip(suppliers, shipped, asked, strict=True):
            s.sell(float(q))
            s.observe_orders(float(a), float(growth), self.params.demand_smoothing)
        capacity = np.array([s.capacity for s in suppliers])
        floor = np.array([s.unit_cost for s in suppliers])
        new_price = market.adjust_price(price, asked, capacity * self.params.normal_utilisation,
                                        self.params.price_response,
                                        self.params.price_step_limit, floor)
        for s, p in zip(suppliers, new_price, strict=True):
            s.price = float(p)
        self.last_market[good] = {"shipped": shipped, "asked": asked, "price": price}

    # ------------------------------------------------------------------ 5. production
    def produce(self, received: dict[str, np.ndarray]) -> None:
        limits = np.empty((len(self.designers), len(INPUTS)))
        for j, d in enumerate(self.designers):
            d.dies += received["dies"][j]
            d.hbm_stock += received["hbm"][j]
            hbm_per_chip = d.chip.hbm_gb / 1000
            limits[j] = (d.target, d.dies,
                         d.hbm_stock / hbm_per_chip if hbm_per_chip > 0 else np.inf,
                         received["packaging"][j] * d.chip.chips_per_package_wafer)
        made, binding = market.leontief(limits, INPUTS)
        for d, units, why in zip(self.designers, made, binding, strict=True):
            d.finish(float(units), why)
            d.costs += units * d.chip.other_bom / 1000
        self.buy_components()

    def buy_components(self) -> None:
        """Designers buy a component per chip built, from suppliers chosen by price and by the
        strength of their supply relationship."""
        for s in self.component_suppliers:
            s.output = 0.0
        sold = {s.name: 0.0 for s in self.component_suppliers}
        for d in self.designers:
            if not d.components or d.output <= 0:
                continue
            options = [self.by_name[n] for n in d.components if self.by_name[n].alive]
            utility = np.array([-self.params.supplier_cost_weight * np.log(s.price)
                                + self.params.link_weight * s.link_strength.get(d.name, 0.0) for s in options])
            for s, share in zip(options, market.logit_shares(utility, np.ones(len(options), bool)), strict=True):
                units = d.output * share
                sold[s.name] += units
                d.costs += units * s.price / 1000
        for s in self.component_suppliers:
            s.sell(sold[s.name])

    # ------------------------------------------------------------------ 6. accelerator market
    def chip_terms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per buyer and chip: may it buy, the performance it gets and the price it pays.
        Export controls remove a chip or leave its compliant variant (H20-style)."""
        designers = self.designers
        perf = np.array([d.chip.perf for d in designers])
        price = np.array([d.price for d in designers])
        variant_perf = np.array([d.chip.restricted_variant_perf for d in designers])
        variant_price = np.array([d.chip.restricted_variant_price for d in designers])
        alive = np.array([d.alive for d in designers])
        threshold = self.export_rules.thresholds("accelerator", [d.country for d in designers],
                                                 [b.country for b in self.buyers])
        controlled = perf[None, :] > threshold
        allowed = alive[None, :] & self.sold_to_ok & (~controlled | (variant_perf > 0)[None, :])
        buyer_perf = np.where(controlled, perf * variant_perf, perf)
        buyer_price = np.where(controlled, price * variant_price, price)
        return allowed, np.where(allowed, buyer_perf, 0.0), np.where(allowed, buyer_price, 1.0)

    def chip_utility(self, perf: np.ndarray, price: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """U = a log(perf / price) + e ecosystem + home bias + affinity + appeal (MODEL.md 6)."""
        p = self.params
        ecosystem = np.array([d.ecosystem for d in self.designers])
        value = np.log(np.where(allowed, perf, 1.0) / price)
        return (p.choice_value_weight * value + p.choice_ecosystem_weight * ecosystem
                + p.home_bias * self.home_chip + self.affinity + self.chip_appeal)

    def clear_accelerator_market(self) -> None:
        allowed, perf, price = self.chip_terms()
        utility = self.chip_utility(perf, price, allowed)
        budget = np.array([b.budget for b in self.buyers])
        supply = np.array([d.inventory for d in self.designers])

        desired = budget[:, None] * market.logit_shares(utility, allowed) * 1000 / price
        sold = self._ration(desired, supply)
        left = np.maximum(budget - (sold * price).sum(axis=1) / 1000, 0.0)
        remaining = np.maximum(supply - sold.sum(axis=0), 0.0)
        second_allowed = allowed & (remaining > 1e-9)[None, :]
        spill = left[:, None] * market.logit_shares(utility, second_allowed) * 1000 / price
        sold += self._ration(spill, remaining)

        units = sold.sum(axis=0)
        revenue = (sold * price).sum(axis=0) / 1000
        wanted = desired.sum(axis=0)
        for d, u, r, w in zip(self.designers, units, revenue, wanted, strict=True):
            d.inventory = max(d.inventory - u, 0.0)
            d.sold = float(u)
            d.revenue = float(r)
            d.observe_demand(float(w), self.params.demand_smoothing)
        self._install(sold * perf, sold * price / 1000)
        self._update_ecosystems()
        floor = np.array([self.unit_cost(d) for d in self.designers])
        new_price = market.adjust_price(np.array([d.price for d in self.designers]), wanted, supply,
                                        self.params.price_response, self.params.price_step_limit, floor)
        for d, p in zip(self.designers, new_price, strict=True):
            d.price = float(p)
        self.last_market["accelerator"] = {"sold": sold, "price": price, "desired": desired}

    @staticmethod
    def _ration(desired: np.ndarray, supply: np.ndarray) -> np.ndarray:
        """When a chip is short every buyer gets the same fraction of what it asked for."""
        total = desired.sum(axis=0)
        fill = np.divide(supply, total, out=np.ones_like(total), where=(total > supply) & (total > 0))
        return desired * fill[None, :]

    def unit_cost(self, d: Designer) -> float:
        """Cost of one chip in US$ thousand at today's input prices: good die, HBM, packaging,
        the rest of the bill of materials."""
        chip = d.chip
        foundry_cost = sum(mix * self.by_name[f].price / (chip.dies_per_wafer * self.by_name[f].yield_)
                           for f, mix in zip(d.foundries, d.foundry_mix, strict=True))
        hbm_price = min((self.by_name[h].price for h in d.hbm_suppliers), default=0.0)
        package_price = min(self.by_name[p].price for p in d.packagers)
        packaging = package_price / chip.chips_per_package_wafer
        return foundry_cost + chip.hbm_gb * hbm_price / 1000 + packaging + chip.other_bom

    def _install(self, compute: np.ndarray, spent: np.ndarray) -> None:
        """New compute (H100e) enters each buyer's installed base by chip; old compute retires."""
        d = self.params.compute_depreciation
        self.installed = self.installed * (1 - d) + compute
        new, domestic, paid = compute.sum(axis=1), (compute * self.home_chip).sum(axis=1), spent.sum(axis=1)
        for i, buyer in enumerate(self.buyers):
            buyer.install(float(new[i]), float(domestic[i]), d, float(paid[i]))

    def _update_ecosystems(self) -> None:
        """A software ecosystem moves towards a level set by the platform's installed base
        relative to the leader's: a challenger's ecosystem grows only by being used."""
        base = self.installed.sum(axis=0)
        leader = base.max()
        if leader <= 0:
            return
        target = (base / leader) ** self.params.ecosystem_elasticity
        speed = self.params.ecosystem_speed
        for d, t in zip(self.designers, target, strict=True):
            d.ecosystem += speed * (float(t) - d.ecosystem)

    # ------------------------------------------------------------------ 7. compute to value
    def turn_compute_into_value(self) -> None:
        for dev in self.llm_developers:
            new = sum(share * self.by_name[b].new_compute for b, share in dev.compute_from.items())
            domestic = sum(share * self.by_name[b].domestic_new_compute for b, share in dev.compute_from.items()
                           if self.by_name[b].country == dev.country)
            dev.train(new, domestic)
        for m in self.scenario.llm_markets:
            self.llm_use[m.country] = self._llm_shares(m.country)
        best = max(dev.output for dev in self.llm_developers)
        availability = {country: sum(share * self.by_name[name].output / best for name, share in use.items()
                                     if self.by_name[name].country == country)
                        for country, use in self.llm_use.items()}
        for industry in self.industries:
            industry.adopt(max(availability.get(industry.country, 0.0), 0.0), self.params.adoption_background)

    def _llm_shares(self, country: str) -> dict[str, float]:
        names, utility = self._llm_utility(country)
        shares = market.logit_shares(utility + self.llm_appeal[country], np.ones(len(names), bool))
        return dict(zip(names, (float(s) for s in shares), strict=True))

    def _llm_utility(self, country: str) -> tuple[list[str], np.ndarray]:
        market_spec = next(m for m in self.scenario.llm_markets if m.country == country)
        names = list(market_spec.initial_shares)
        devs = [self.by_name[n] for n in names]
        utility = np.array([self.params.llm_choice_weight * dev.output / 10
                            + market_spec.sovereignty_preference * (dev.country == country) for dev in devs])
        return names, utility

    # ------------------------------------------------------------------ 8. money and learning
    def settle_money_and_learning(self) -> None:
        rate = self.params.interest_rate
        for firm in (*self.producers, *self.designers, *self.component_suppliers):
            firm.settle(rate)
        for producer in (*self.foundries, *self.hbm_makers):
            producer.learn()
        self.attempt_qualifications()

    def attempt_qualifications(self) -> None:
        """Each pending HBM qualification succeeds this quarter with its hazard probability."""
        for state in self.qualification.values():
            level, target, hazard = state
            if level < target and hazard > 0 and self.rng.random() < hazard:
                state[0] = target

    # ------------------------------------------------------------------ 9. record
    def record(self) -> None:
        self.current = snapshot(self)
        self.current_columns = flatten(self.current)
        self.history.append(self.current)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ calibration
    def _calibrate(self) -> None:
        """Fit the unobserved appeal of each chip, foundry and LLM so that the logit demand of
        the first quarter reproduces the scenario's starting shares (Berry 1994); dynamics
        afterwards come only from prices, performance, ecosystems, policy and events."""
        n_b = len(self.buyers)
        self.affinity = np.array([[b.affinity.get(d.name, 0.0) for d in self.designers] for b in self.buyers])
        self.home_chip = np.array([[b.country == d.country for d in self.designers] for b in self.buyers])
        self.sold_to_ok = np.array([[not d.sold_to or b.name in d.sold_to for d in self.designers]
                                    for b in self.buyers])
        self.chip_appeal = np.zeros(len(self.designers))
        allowed, perf, price = self.chip_terms()
        budget = np.array([b.base_budget if b.opens <= self.start else 0.0 for b in self.buyers])

        def unit_shares(appeal: np.ndarray) -> np.ndarray:
            self.chip_appeal = appeal
            units = budget[:, None] * market.logit_shares(self.chip_utility(perf, price, allowed), allowed) / price
            return market.normalised(units.sum(axis=0))

        target = market.normalised(np.array([d.demand_est for d in self.designers]))
        self.chip_appeal = market.fit_constants(unit_shares, target)
        mix = market.logit_shares(self.chip_utility(perf, price, allowed), allowed) / price * perf
        mix = mix / np.maximum(mix.sum(axis=1, keepdims=True), market.TINY)
        self.installed = np.array([b.capacity for b in self.buyers])[:, None] * mix
        assert self.installed.shape[0] == n_b

        self.foundry_appeal = np.zeros(len(self.foundries))
        self.foundry_appeal = self._constants_for(np.array([f.other_share for f in self.foundries]),
                                                  self._foundry_utility())
        self.llm_appeal = {}
        for m in self.scenario.llm_markets:
            names, utility = self._llm_utility(m.country)
            self.llm_appeal[m.country] = self._constants_for(np.array([m.initial_shares[n] for n in names]), utility)
            self.llm_use[m.country] = dict(m.initial_shares)

    @staticmethod
    def _constants_for(shares: np.ndarray, utility: np.ndarray) -> np.ndarray:
        """Closed-form Berry inversion for a single market: appeal = log(share) - utility.
        Options with no starting share (not yet producing) get the least appeal observed."""
        active = shares > 0
        appeal = np.where(active, np.log(np.where(active, shares, 1.0)) - utility, 0.0)
        floor = appeal[active].min() if active.any() else 0.0
        return np.where(active, appeal, floor)
