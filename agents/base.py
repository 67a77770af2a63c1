"""What every agent of the world shares: a name in both languages, a home country, and the
handful of numbers the DataCollector records for all of them alike."""

from __future__ import annotations

from game.mesa_core import Agent, Model
from game.policy import Policy


class Participant(Agent):
    """An agent with the common recorded fields; `kind` names the table it appears under."""

    kind = "participant"

    def __init__(self, model: Model, name: str, name_ko: str, country: str) -> None:
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
    """A state: a quarterly budget (and policy loans) in its own currency, its standing
    industrial policy from the scenario (capex support for home producers: CHIPS Act, K-Chips
    Act, Big Fund, Rapidus and JASM subsidies) and the lever settings Actions have made.

    Support and programmes change what firms and buyers decide; they never add capacity or
    sales by themselves.
    """

    kind = "country"

    def __init__(self, model, spec) -> None:
        super().__init__(model, spec.id, spec.name_ko, spec.id)
        self.name_en = spec.name_en
        self.currency = spec.currency
        self.usd_rate = spec.usd_rate
        self.budget_per_quarter = spec.budget_per_quarter + spec.policy_loans_per_quarter
        self.capex_support = spec.capex_support
        self.support_allowance_usd = self.to_usd_billion(spec.capex_support_cap)
        self.support_left_usd = self.support_allowance_usd
        self.support_paid_usd = 0.0  # cumulative, US$ B (standing programmes and levers)
        self.commitments: list[list] = []  # [quarters left, local currency a quarter, firm]: lever support due
        self.policy = Policy()
        self.spent = 0.0  # local currency, this quarter
        self.spent_total = 0.0  # local currency, since the start
        self.available_total = 0.0
        self.cash = self.to_usd_billion(self.budget_per_quarter)
        self.programmes: dict[str, list[float]] = {}
        self.programmes_last: dict[str, list[float]] = {}
        self.funded = 1.0
        self.planned: frozenset[str] = frozenset()

    def to_usd_billion(self, local: float) -> float:
        """Budgets are written in the country's own currency; the world counts in US$ B."""
        return local / self.usd_rate / 1e9

    def to_local(self, usd_billion: float) -> float:
        return usd_billion * 1e9 * self.usd_rate

    def new_quarter(self) -> None:
        self.support_left_usd = self.support_allowance_usd
        self.spent = 0.0
        self.available_total += self.budget_per_quarter
        self.cash = self.to_usd_billion(self.budget_per_quarter)
        self.programmes_last = self.programmes
        self.programmes: dict[str, list[float]] = {}  # programme -> [owed at its full rate, paid], local
        self.funded = 1.0
        self.planned: frozenset[str] = frozenset()

    # Money is conserved: a programme acts only as far as it is paid. When the programmes of a
    # quarter ask for more than is left of the budget, each gets the same fraction of what it asks
    # (pro rata) and its effect scales with what it got (MODEL: money).

    def plan_programmes(self, requests: dict[str, float]) -> float:
        """The share of what they ask that this quarter's programmes will get: one fraction for all
        of them, what is left of the budget over the sum of their requests (local currency)."""
        total = sum(v for v in requests.values() if v > 0)
        self.funded = min(1.0, self.left / total) if total > 0 else 1.0
        self.planned = frozenset(k for k, v in requests.items() if v > 0)
        return self.funded

    def share_for(self, programme: str, owed: float) -> float:
        """The fraction of `owed` the state can pay now: the quarter's funded fraction for a
        planned programme (one started this quarter had no plan: it gets what is left), and never
        more than is left."""
        share = self.funded if programme in self.planned else 1.0
        return min(share, self.left / owed) if owed > 0 else share

    def fund(self, programme: str, owed: float, paying: float | None = None) -> float:
        """Pay `paying` (default: the programme's share of `owed`) within what is left, and record
        what the programme owed at its full rate and what it was paid; returns what was paid."""
        paid = self.pay(owed * self.share_for(programme, owed) if paying is None else paying)
        record = self.programmes.setdefault(programme, [0.0, 0.0])
        record[0] += owed
        record[1] += paid
        return paid

    def funded_share(self, programme: str, last: bool = True) -> float | None:
        """What share of what it owed a programme was paid (last quarter's by default), or None."""
        owed, paid = (self.programmes_last if last else self.programmes).get(programme, (0.0, 0.0))
        return paid / owed if owed > 0 else None

    @property
    def left(self) -> float:
        """Local currency still unspent this quarter. `max(spare, 0.0)` without the call (read a few
        times for every payment): the same float, -0.0 and NaN included, since max keeps its first
        argument unless 0.0 is greater."""
        spare = self.budget_per_quarter - self.spent
        return 0.0 if spare < 0.0 else spare

    def pay(self, local: float) -> float:
        """Pay up to what is left of this quarter's budget; returns what was paid."""
        paid = min(max(local, 0.0), self.left)
        self.spent += paid
        self.spent_total += paid
        self.cash = self.to_usd_billion(self.left)
        return paid

    def standing_support(self, cost_usd: float, allowance: float) -> float:
        """The share of a home firm's project the standing programme carries (CHIPS Act, K-Chips
        Act credits, Big Fund), within `allowance`: what this quarter's allowance has left after
        the firm's earlier projects reserved theirs."""
        return min(self.capex_support, max(allowance, 0.0) / cost_usd) if cost_usd > 0 else 0.0

    def pay_standing_support(self, cost_usd: float, share: float) -> float:
        """Pay the standing programme's share of a project (its own allowance, not the budget):
        `share` is the one the firm planned the project with, so what the firm's decision counted
        on is what it is paid, as far as the allowance goes."""
        standing = min(share * cost_usd, self.support_left_usd)
        self.support_left_usd -= standing
        self.support_paid_usd += standing
        return standing

    def extra_support_rate(self, firm: str) -> float:
        """The capacity-support lever's rate for a firm, at the share the budget is expected to
        fund (what it paid of its commitments last quarter, else this quarter's funded share)."""
        rate = self.policy.capacity_support.get(firm, 0.0)
        if rate <= 0:
            return 0.0
        paid = self.funded_share("capacity_support")
        return rate * (paid if paid is not None else self.funded)

    def commit_support(self, firm, usd: float, quarters: int) -> None:
        """The lever's share of a project, paid from the budget as construction proceeds."""
        if usd > 0:
            self.commitments.append([quarters, self.to_local(usd / quarters), firm])

    def committed_support(self) -> float:
        """Local currency the state owes this quarter on the projects it supports. A firm that has
        exited is owed nothing more (`pay_commitments` drops its project), so its instalments are
        not asked for either: in the quarter after an exit they would otherwise lower every
        programme's funded share for money that is never paid."""
        return sum(pay for _, pay, firm in self.commitments if firm.alive)

    def pay_commitments(self) -> None:
        """Pay this quarter's instalments on supported projects at the quarter's funded share: a
        firm gets only what the state could pay (money is conserved; the firm bears the rest).

        Each instalment is `fund("capacity_support", instalment)` written out (issue 15: the
        programme's instalments are most of a state's payments, and the calls cost more than the
        arithmetic): the same share, the same min and max on the same operands, the budget and the
        programme's record added to in the same order, so the same floats; `cash` is set once, to
        what `pay` would have left it at after the last instalment."""
        still = []
        planned = "capacity_support" in self.planned
        record = None
        budget, rate = self.budget_per_quarter, self.usd_rate
        for commitment in self.commitments:
            _, instalment, firm = commitment
            if not firm.alive:  # an exited firm's project is over
                continue
            spare = budget - self.spent
            left = 0.0 if spare < 0.0 else spare  # `left`
            share = self.funded if planned else 1.0  # `share_for`
            if instalment > 0:
                share = min(share, left / instalment)
            paid = min(max(instalment * share, 0.0), left)  # `pay`
            self.spent += paid
            self.spent_total += paid
            if record is None:
                record = self.programmes.setdefault("capacity_support", [0.0, 0.0])
            record[0] += instalment
            record[1] += paid
            usd = paid / rate / 1e9  # `to_usd_billion`
            firm.cash += usd
            self.support_paid_usd += usd
            commitment[0] -= 1
            if commitment[0] > 0:
                still.append(commitment)
        if record is not None:
            self.cash = self.to_usd_billion(self.left)
        self.commitments = still
