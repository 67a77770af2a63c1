"""What every agent of the world shares: a name in both languages, a home country, and the
handful of numbers the DataCollector records for all of them alike."""

from __future__ import annotations

import mesa


class Participant(mesa.Agent):
    """An agent with the common recorded fields; `kind` names the table it appears under."""

    kind = "participant"

    def __init__(self, model: mesa.Model, name: str, name_ko: str, country: str) -> None:
        super().__init__(model)
        self.name = name
        self.name_ko = name_ko
        self.country = country
        self.capacity = 0.0
        self.output = 0.0
        self.price = 0.0
        self.revenue = 0.0
        self.cash = 0.0
        self.alive = True


class Firm(Participant):
    """A business with cash: it pays its costs each quarter and may borrow down to a limit.

    A firm whose cash falls below the limit exits (`alive` becomes False) and trades no more;
    Korean chip start-ups live close to that edge (MODEL.md, Money).
    """

    kind = "firm"

    def __init__(self, model, name, name_ko, country, cash: float, borrow_limit: float,
                 fixed_cost: float) -> None:
        super().__init__(model, name, name_ko, country)
        self.cash = cash
        self.borrow_limit = borrow_limit
        self.fixed_cost = fixed_cost
        self.costs = 0.0

    def settle(self, interest_rate: float) -> None:
        """Book the quarter: revenue minus costs, fixed costs and interest on debt. A firm that
        has exited books nothing more: its remaining debt is written off with it."""
        if not self.alive:
            self.revenue = self.costs = 0.0
            return
        interest = interest_rate * max(-self.cash, 0.0)
        self.cash += self.revenue - self.costs - self.fixed_cost - interest
        self.costs = 0.0
        if self.cash < -self.borrow_limit:
            self.alive = False
            self.capacity = 0.0

    def headroom(self) -> float:
        """Money the firm could still spend this quarter, borrowing to its limit."""
        return self.cash + self.borrow_limit


class Country(Participant):
    """A state: a quarterly budget in its own currency and its standing industrial policy.

    In this layer a country's policy is the capex support its home producers receive (CHIPS Act,
    K-Chips Act, Big Fund, Rapidus and JASM subsidies), paid from a per-quarter allowance, so
    support changes firms' investment decisions and never adds capacity by itself.
    """

    kind = "country"

    def __init__(self, model, spec) -> None:
        super().__init__(model, spec.id, spec.name_ko, spec.id)
        self.name_en = spec.name_en
        self.currency = spec.currency
        self.usd_rate = spec.usd_rate
        self.budget_per_quarter = spec.budget_per_quarter
        self.capex_support = spec.capex_support
        self.support_allowance_usd = self.to_usd_billion(spec.capex_support_cap)
        self.support_left_usd = self.support_allowance_usd
        self.support_paid_usd = 0.0  # cumulative, US$ B
        self.cash = self.to_usd_billion(spec.budget_per_quarter)

    def to_usd_billion(self, local: float) -> float:
        """Budgets are written in the country's own currency; the world counts in US$ B."""
        return local / self.usd_rate / 1e9

    def new_quarter(self) -> None:
        self.support_left_usd = self.support_allowance_usd
        self.cash = self.to_usd_billion(self.budget_per_quarter)

    def support_capex(self, cost_usd: float) -> float:
        """The part of a home firm's capex the state pays, within this quarter's allowance."""
        grant = min(self.capex_support * cost_usd, self.support_left_usd)
        self.support_left_usd -= grant
        self.support_paid_usd += grant
        return grant
