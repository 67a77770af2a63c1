"""Controllers: anything with `decide(observation) -> list[Action]` (and optionally
`choose(event, observation) -> int` for events with choices). A human in the UI, these built-in
strategies, an RL policy and a tournament entrant all act through the same seam.

Korea's strategies follow the seeds; other countries' defaults play their real programmes
(calibration section 4): the CHIPS Act and export controls, the Big Fund, TSMC's expansion,
Rapidus, the EU Chips Act and Gulf compute buying.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

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
    parse_action,
)
from game.observation import Observation, acts_never, answers_first
from game.policy import STANCES


class Controller:
    """The default answers: do nothing, take an event's first choice."""

    name = "laissez_faire"

    @acts_never  # governance builds it no observation (game.observation.acts_never)
    def decide(self, obs: Observation) -> list[Action]:
        return []

    @answers_first  # governance builds it no observation either (game.observation.answers_first)
    def choose(self, event, obs: Observation) -> int:
        return 0


def _changes(action: dict, policy) -> bool:
    """Would this Action (in its JSON form) change anything? Setting a policy field to the value it
    already has does not (keeping a balanced stance when asked to align)."""
    field = {"trade_stance": "stance", "foundry_subsidy": "rate", "chip_incentive": "rate",
             "service_incentive": "rate"}.get(action.get("kind"))
    if field is None:
        return True
    return getattr(policy, action["kind"]) != action.get(field)


class LaissezFaire(Controller):
    """No new policy: the programmes in force at the start simply run on, and an event's choice
    is the one that changes the least (the fewest Actions that change anything; the first of
    equals): asked to align, it stays where it is."""

    def choose(self, event, obs: Observation) -> int:
        return min(range(len(event.choices)),
                   key=lambda i: sum(_changes(a, obs.policy) for a in event.choices[i].actions))


class AllNvidia(Controller):
    """The national computing centre buys its planned volume entirely from the leader."""

    name = "all_nvidia"

    def decide(self, obs):
        if obs.turn == 0 and obs.national_buyer:
            return [Procurement(mix={"leader": 1.0})]  # the growing plan, all from the leader
        return []


def _fit(obs: Observation, plan: list[Action]) -> list[Action]:
    """Drop the plan's least important Actions (its tail) until the bundle is affordable."""
    while plan and obs.check(plan):
        plan = plan[:-1]
    return plan


def _fit_each(obs: Observation, plan: Iterable[Action]) -> list[Action]:
    """`_fit` of the Actions the seam accepts one by one: `_fit(obs, [a for a in plan if
    obs.check([a]) is None])`. `obs.check` reads the world and changes nothing, so a bundle of
    one Action that has just passed alone passes again: it is not asked twice (a third of the
    checks a game's default controllers made were such repeats, each a budget projection)."""
    kept = [a for a in plan if obs.check([a]) is None]
    return kept if len(kept) <= 1 else _fit(obs, kept)


class TeamKorea(Controller):
    """The seeds' conductor: procurement at 50/40/10, priming water for the home foundry,
    home-chip and home-LLM incentives, training-chip grants, brokered component links,
    convergence programmes, HBM capacity support; balanced diplomacy. Scaled to the budget."""

    name = "team_korea"

    def __init__(self, scale: float = 1.0, domestic: float = 0.4) -> None:
        self.scale = scale
        self.domestic = domestic

    def mix(self) -> dict[str, float]:
        """The centre's purchase: `domestic` home chips, 10% other, the rest the leader's (the
        seeds' 50/40/10 by default)."""
        if self.domestic == 0.4:
            return {"leader": 0.5, "domestic": 0.4, "other": 0.1}
        return {"leader": round(0.9 - self.domestic, 9), "domestic": self.domestic, "other": 0.1}

    def plan(self, obs: Observation) -> list[Action]:
        s, fx = self.scale, obs.usd_rate
        designers = [n for n, f in obs.home_firms.items() if f["kind"] == "designer" and f["alive"]]
        suppliers = [n for n, f in obs.home_firms.items() if f["kind"] == "component_supplier"]
        hbm = [n for n, f in obs.home_firms.items() if f["kind"] == "hbm_maker"]
        plan: list[Action] = []
        if obs.national_buyer:
            plan.append(Procurement(mix=self.mix()))  # the mix only: the centre keeps its growing plan
        # each rate scaled, then held at its lever's maximum (scale 3 asks more than a lever can give)
        plan += [FoundrySubsidy(rate=min(0.5 * s, 1.0)), ChipIncentive(rate=min(0.3 * s, 0.5)),
                 TradeStance(stance="balanced")]
        plan += [Convergence(industry=i, intensity=min(1.0, 0.6 * s)) for i in obs.home_industries]
        plan += [RDGrant(designer=d, amount=0.02 * s * fx * 1e9) for d in designers]
        plan += [BrokerLink(designer=d, supplier=c) for d in designers for c in suppliers]
        plan.append(ServiceIncentive(rate=min(0.2 * s, 0.5)))
        plan += [CapacitySupport(firm=h, rate=min(0.1 * s, 0.5)) for h in hbm]
        return plan

    def decide(self, obs):
        if obs.turn == 0:
            return _fit_each(obs, self.plan(obs))
        return self.trim(obs)

    @staticmethod
    def trim(obs: Observation) -> list[Action]:
        """When last quarter's budget could not pay every programme in full (each then runs at the
        funded share), give up what buys least per won: extra capacity support first (a state
        share of multi-billion projects), then half of each usage-based incentive."""
        if min(obs.funded.values(), default=1.0) >= 0.9:
            return []
        support = [CapacitySupport(firm=f, rate=0.0) for f, r in obs.policy.capacity_support.items() if r > 0]
        if support:
            return support
        policy = obs.policy
        halved = [FoundrySubsidy(rate=policy.foundry_subsidy / 2)] if policy.foundry_subsidy > 0.05 else []
        halved += [ChipIncentive(rate=policy.chip_incentive / 2)] if policy.chip_incentive > 0.05 else []
        halved += [ServiceIncentive(rate=policy.service_incentive / 2)] if policy.service_incentive > 0.05 else []
        return [a for a in halved if obs.check([a]) is None]


class OneLever(TeamKorea):
    """Only one of Team Korea's levers, pulled hard: a check that no lever dominates."""

    def __init__(self, kind: str) -> None:
        super().__init__(scale=1.0)
        self.kind = kind
        self.name = f"only_{kind}"

    def plan(self, obs):
        chosen = [a for a in super().plan(obs) if a.kind == self.kind]
        boosted = []
        for action in chosen:
            if hasattr(action, "rate"):
                field = type(action).model_fields["rate"].metadata
                top = next((m.le for m in field if hasattr(m, "le")), 1.0)
                action = action.model_copy(update={"rate": top})
            if isinstance(action, Procurement):
                action = action.model_copy(update={"mix": {"domestic": 1.0}})
            boosted.append(action)
        return boosted


class RandomPolicy(Controller):
    """Each quarter, a uniformly random lever set to a uniformly random valid level."""

    name = "random"

    def candidates(self, obs: Observation) -> list[Callable[[], Action]]:
        r = obs.rng
        home = obs.home_firms
        designers = [n for n, f in home.items() if f["kind"] == "designer" and f["alive"]]
        producers = [n for n, f in home.items() if f["kind"] in ("foundry", "hbm_maker", "packager")]
        suppliers = [n for n, f in home.items() if f["kind"] == "component_supplier"]
        options: list[Callable[[], Action]] = [
            lambda: FoundrySubsidy(rate=float(r.uniform(0, 1))),
            lambda: ChipIncentive(rate=float(r.uniform(0, 0.5))),
            lambda: ServiceIncentive(rate=float(r.uniform(0, 0.5))),
            lambda: TradeStance(stance=str(r.choice(STANCES))),
        ]
        if obs.national_buyer:
            def procurement() -> Action:
                mix = r.dirichlet([1.0, 1.0, 1.0])
                return Procurement(budget=float(r.uniform(0, 2) * obs.plan_procurement),
                                   mix={"leader": float(mix[0]), "domestic": float(mix[1]),
                                        "other": float(1 - mix[0] - mix[1])})
            options.append(procurement)
        if designers:
            options.append(lambda: RDGrant(designer=str(r.choice(designers)),
                                           amount=float(r.uniform(0, 0.05)) * obs.usd_rate * 1e9))
        if designers and suppliers:
            options.append(lambda: BrokerLink(designer=str(r.choice(designers)), supplier=str(r.choice(suppliers))))
        if obs.home_industries:
            options.append(lambda: Convergence(industry=str(r.choice(obs.home_industries)),
                                               intensity=float(r.uniform(0, 1))))
        if producers:
            options.append(lambda: CapacitySupport(firm=str(r.choice(producers)), rate=float(r.uniform(0, 0.5))))
        return options

    def decide(self, obs):
        options = self.candidates(obs)
        for _ in range(5):  # a few draws: some random Actions are refused (over budget, already done)
            action = options[int(obs.rng.integers(len(options)))]()
            if obs.check([action]) is None:
                return [action]
        return []

    def choose(self, event, obs):
        return int(obs.rng.integers(len(event.choices)))


class Greedy(Controller):
    """One-step lookahead: try each of a small set of moves on a copy of the world and keep the
    one that raises this country's score most once it has acted (the levers' lag plus the
    quarter it works in), or none."""

    name = "greedy"

    def __init__(self, horizon: int = 3) -> None:
        self.horizon = horizon  # quarters ahead a move is judged on

    def decide(self, obs):
        moves: list[list[Action]] = [[]]
        conductor = TeamKorea().plan(obs)
        seen = {type(a) for a in conductor}
        for kind in seen:
            bundle = [a for a in conductor if isinstance(a, kind)]
            if obs.check(bundle) is None:
                moves.append(bundle)
        if len(moves) == 1:  # nothing to compare the empty move with: it is the move, unpreviewed
            return moves[0]
        scored = [(obs.preview(move, self.horizon), -i, move) for i, move in enumerate(moves)]
        return max(scored, key=lambda t: (t[0], t[1]))[2]


class Adaptive(Controller):
    """A conductor who reads the board every quarter instead of fixing a plan on turn 1.

    What it reads, and what it does with it:
    - its budget (`funded`, `refused`): when last quarter's programmes were not paid in full, it
      gives up first what buys least per won (capacity support, then the foundry subsidy, then
      half of the chip incentive), so nothing runs at a fraction it cannot pay;
    - bottlenecks: a home designer held back by components gets a brokered link to every home
      supplier; one held back by demand gets a stronger home-chip incentive; the national centre
      buys more home chips while the home designers have room to deliver and fewer when an input
      binds them (the centre's money would wait in a queue);
    - prices: when the HBM price rose last quarter (HBM short: `prices` against `prices_before`),
      capacity support for the home HBM makers, withdrawn when it falls;
    - its firms: equity to a home designer whose cash has run out (an exit loses its share), and
      to a home firm whose state-financed project asks more this quarter than the firm holds
      (the project would slip: Producer.pay_building);
    - the market: once a year it aligns with the side whose designers sell most accelerators (and
      so buy most HBM and leading-edge wafers), or stays balanced when neither does;
    - events: each answer whose Actions would be accepted is previewed two quarters ahead and the
      best taken (when only one would be, it is taken unpreviewed).
    The service incentive and the convergence programmes, which pay per use, run from turn 1."""

    name = "adaptive"

    def __init__(self, step: float = 0.1, start: float = 0.5) -> None:
        self.step = step  # how far the centre's home-chip share moves in a quarter
        self.start = start  # the home-chip share it starts from

    def domestic(self, obs: Observation) -> float:
        """The centre's home-chip share it set last (`start` before it set one). Read from the
        Action log (`Observation.history`), not remembered: a strategy that remembers would start
        afresh in a loaded game and play on differently from the game that was saved."""
        for entry in reversed(obs.history):
            action = entry["action"]
            if entry["source"] == "controller" and action.get("kind") == "procurement" and action.get("mix"):
                return action["mix"].get("domestic", 0.0)
        return self.start

    def decide(self, obs: Observation) -> list[Action]:
        plan: list[Action] = []
        policy = obs.policy
        designers = [n for n, f in obs.home_firms.items() if f["kind"] == "designer" and f["alive"]]
        suppliers = [n for n, f in obs.home_firms.items() if f["kind"] == "component_supplier"]
        hbm = [n for n, f in obs.home_firms.items() if f["kind"] == "hbm_maker" and f["alive"]]
        binding = {obs.bottlenecks.get(d) for d in designers}
        if obs.turn == 0:
            plan += [ServiceIncentive(rate=0.5), *(Convergence(industry=i, intensity=1.0) for i in obs.home_industries)]
            plan += [ChipIncentive(rate=0.3)]
            plan += [RDGrant(designer=d, amount=0.02 * obs.usd_rate * 1e9) for d in designers]
        if obs.turn % 4 == 1 and self.stance(obs) != policy.trade_stance:  # once a year, on a year's figures
            plan.append(TradeStance(stance=self.stance(obs)))
        if "components" in binding or obs.turn == 0:
            plan += [BrokerLink(designer=d, supplier=c) for d in designers for c in suppliers]
        if obs.national_buyer:
            domestic = self.domestic(obs)
            if binding <= {"demand", None}:
                domestic = min(domestic + self.step, 0.9)
            elif binding - {"demand", None}:
                domestic = max(domestic - self.step, 0.3)
            mix = {"domestic": round(domestic, 2), "leader": round(0.9 - domestic, 2), "other": 0.1}
            plan.append(Procurement(mix=mix))  # its growing plan, this mix
        if "demand" in binding and policy.chip_incentive < 0.5 and obs.turn > 0:
            plan.append(ChipIncentive(rate=min(policy.chip_incentive + 0.1, 0.5)))
        price, before = obs.prices.get("hbm"), obs.prices_before.get("hbm")
        if price is not None and before is not None:
            short = price > before * 1.01
            for h in hbm:
                rate = policy.capacity_support.get(h, 0.0)
                if short and rate < 0.1:
                    plan.append(CapacitySupport(firm=h, rate=0.1))
                elif not short and rate > 0:
                    plan.append(CapacitySupport(firm=h, rate=0.0))
        plan += [Equity(firm=d, amount=0.05 * obs.usd_rate * 1e9) for d in designers if obs.home_firms[d]["cash"] < 0]
        plan += project_equity(obs, obs.home_firms)
        plan = [a for a in plan if obs.check([a]) is None]
        return self.within_budget(obs, plan)

    @staticmethod
    def stance(obs: Observation) -> str:
        """The side whose designers sell most accelerators (they buy the HBM and the wafers)."""
        by_side = {side: obs.indicators.get(side, {}).get("accelerator_share", 0.0) for side in ("USA", "CHN")}
        if by_side["USA"] > 0.5:
            return "us_aligned"
        if by_side["CHN"] > 0.5:
            return "china_open"
        return "balanced"

    @staticmethod
    def within_budget(obs: Observation, plan: list[Action]) -> list[Action]:
        """Last quarter's shortfall first: drop what buys least per won, then fit the rest."""
        if min(obs.funded.values(), default=1.0) < 0.95:
            policy = obs.policy
            supported = [f for f, r in policy.capacity_support.items() if r > 0]
            cuts: list[Action] = [CapacitySupport(firm=f, rate=0.0) for f in supported]
            if not cuts and policy.foundry_subsidy > 0:
                cuts = [FoundrySubsidy(rate=0.0)]
            if not cuts and policy.chip_incentive > 0.05:
                cuts = [ChipIncentive(rate=policy.chip_incentive / 2)]
            if not cuts and policy.service_incentive > 0.05:
                cuts = [ServiceIncentive(rate=policy.service_incentive * 0.8)]
            plan = [a for a in plan if not isinstance(a, CapacitySupport | ChipIncentive | ServiceIncentive)] + cuts
        return _fit(obs, plan)

    def choose(self, event, obs: Observation) -> int:
        """The answer whose preview scores best (the first of equals); an answer whose Actions
        would be refused scores -1, below any index (game.score: 0 to 100). So when at most one
        answer would be accepted, it is the answer (the first when none is) whatever its preview
        says, and it is not previewed: most questions offer one affordable answer."""
        # an answer's Actions are the scenario's JSON (`Choice.actions`): parsed, as the quarter enacts
        # them (a dict checked as it stands is "not an Action", and every answer with Actions was refused)
        bundles = [[parse_action(a) for a in choice.actions] for choice in event.choices]
        accepted = [obs.check(actions) is None for actions in bundles]
        if sum(accepted) <= 1:
            return accepted.index(True) if any(accepted) else 0
        scores = [_preview_choice(obs, choice, actions) if ok else -1.0
                  for choice, actions, ok in zip(event.choices, bundles, accepted, strict=True)]
        return max(range(len(scores)), key=lambda i: (scores[i], -i))


def project_equity(obs: Observation, firms) -> list[Action]:
    """Equity into each of `firms` (home firm names) whose state-financed projects ask more this
    quarter than the firm holds (`building_due` beyond its cash), so they do not slip."""
    plan: list[Action] = []
    for name in firms:
        firm = obs.home_firms.get(name)
        if firm and firm["alive"] and firm["building_due"] > 0 and (need := firm["building_due"] - firm["cash"]) > 0:
            plan.append(Equity(firm=name, amount=need * obs.usd_rate * 1e9))
    return plan


def _preview_choice(obs: Observation, choice, actions: list[Action]) -> float:
    """The score two quarters on if this answer is chosen: its Actions (parsed) and its own effects."""
    if choice.effects:
        return obs.preview(actions, 2, effects=tuple(choice.effects))
    return obs.preview(actions, 2)


# ---------------------------------------------------------------- other countries' defaults

class HomeSupport(Controller):
    """A state that backs its producers: extra capex support for named home firms, equity
    injections on a schedule (turn -> firm -> local currency), and equity into the firms it
    `backs` as their state-financed projects ask: each quarter what the project's instalment needs
    beyond the firm's cash (Producer.pay_building), so the line comes when it is due."""

    def __init__(self, name: str, support: dict[str, float], equity: dict[int, dict[str, float]] | None = None,
                 procurement: float | None = None, backs: tuple[str, ...] = ()) -> None:
        self.name = name
        self.support = support
        self.equity = equity or {}
        self.procurement = procurement
        self.backs = backs

    def decide(self, obs):
        plan: list[Action] = []
        if obs.turn == 0:
            plan += [CapacitySupport(firm=f, rate=r) for f, r in self.support.items() if f in obs.home_firms]
        if self.procurement is not None and obs.national_buyer:
            # a multiple of the plan, kept a multiple as the plan grows: a volume set once would
            # fall behind a plan growing 8% a quarter (the Gulf's) and end below the plan itself
            wanted = self.procurement * obs.plan_procurement
            if obs.policy.procurement_budget is None or abs(obs.policy.procurement_budget - wanted) > 1e-6 * wanted:
                plan.append(Procurement(budget=wanted))
        plan += [Equity(firm=f, amount=a) for f, a in self.equity.get(obs.turn, {}).items() if f in obs.home_firms]
        plan += project_equity(obs, self.backs)
        return _fit_each(obs, plan)


class StandingProgrammes(Controller):
    """A state whose real programme is what the scenario already runs for it (standing credits,
    a national centre's plan): no new Action, an event's first choice. Its `decide` never acts, so
    governance builds it no observation (game.observation.acts_never)."""

    name = "default"


class ChinaProgramme(HomeSupport):
    """China's programme (cal 4c): Big Fund III equity into SMIC and CXMT each year and extra
    capex support; domestic buying (a home-chip incentive for the clouds its labs train on, the
    National AI Industry Investment Fund's aim); and state money that answers unmet demand: when a
    home designer was held back by wafers or HBM last quarter, the state pays for a project at the
    home supplier of that input (directed equity, `Equity.build`), so that its capacity answers the
    shortage whether or not the supplier's own plan would have built it; one project at a time per
    supplier, cash while it is being built. It keeps no memory of its own: what it funded is in
    the Action log (`Observation.history`), so a loaded game plays on as the saved one would."""

    SUPPLIER: ClassVar[dict[str, str]] = {"wafer": "SMIC", "hbm": "CXMT"}
    INJECTION = 2e9  # CNY a quarter into a binding input's supplier (CHOSEN: ~a quarter of Big Fund III's yearly pace)

    def __init__(self) -> None:
        super().__init__("default", {"SMIC": 0.2, "CXMT": 0.2},
                         {t: {"SMIC": 6e9, "CXMT": 4e9} for t in range(0, 20, 4)})

    def decide(self, obs):
        plan = super().decide(obs)
        if obs.turn == 0:
            plan += _fit_each(obs, [ChipIncentive(rate=0.3)])
        home = [n for n, f in obs.home_firms.items() if f["kind"] == "designer" and f["alive"]]
        short = {self.SUPPLIER[obs.bottlenecks[n]] for n in home if obs.bottlenecks.get(n) in self.SUPPLIER}
        plan += _fit_each(obs, [self._answer(obs, f) for f in sorted(short)
                                if f in obs.home_firms and obs.home_firms[f]["alive"]])
        return plan

    def _answer(self, obs, firm: str) -> Equity:
        """A project the state pays for at the short supplier, unless its last one is still being
        built (the shortage it answers lasts until that one comes on line: funding another each
        quarter of it would answer the same shortage again); meanwhile the injection is cash. The
        last project is read from the Action log (`history`), so a loaded game plays on alike."""
        quarter = obs.turn + 1  # the quarter being decided, as the log counts it
        last = None  # max() of the turns of its projects, in a loop (the history grows every quarter)
        for e in obs.history:
            action = e["action"]
            if action.get("kind") == "equity" and action.get("build") and action.get("firm") == firm:
                turn = e["turn"]
                if last is None or turn > last:
                    last = turn
        due = last is None or quarter >= last + int(obs.home_firms[firm]["lead_time"])
        return Equity(firm=firm, amount=self.INJECTION, build=due)


def _defaults() -> dict[str, Callable[[], Controller]]:
    return {
        # CHIPS Act grants on top of the 25% credit for Intel and Micron (cal 4a).
        "USA": lambda: HomeSupport("default", {"Intel Foundry": 0.1, "Micron": 0.1}),
        # Big Fund III (cal 4c: 344B yuan), domestic buying, state money answering shortages.
        "CHN": ChinaProgramme,
        # The Taiwan Chips Act's credit on equipment (cal 4h) is the scenario's standing capex
        # support, paid outside the budget in every game; its NT$1.8B a quarter would not carry
        # capacity support of TSMC's projects on top (it used to, spent the whole budget and moved
        # no share). The NSTC compute fund has no modelled buyer. So: nothing beyond the standing credit.
        "TWN": StandingProgrammes,
        # Rapidus: the state pays for its 2 nm line as construction asks (cal 4d) and supports its capex.
        "JPN": lambda: HomeSupport("default", {"Rapidus": 0.3}, backs=("Rapidus",)),
        # EU Chips Act: no modelled producer; its AI factories buy as planned.
        "EU": StandingProgrammes,
        # Gulf compute buying: the sovereign funds double their planned purchases (cal 4g).
        "GCC": lambda: HomeSupport("default", {}, procurement=2.0),
        # The IndiaAI Mission's GPU tender (cal 4i) is the scenario's national buyer "IndiaAI
        # compute", buying its five-year envelope as planned in every game: nothing beyond it.
        "ROW": StandingProgrammes,
    }


KOREAN_STRATEGIES: dict[str, Callable[[], Controller]] = {
    "laissez_faire": LaissezFaire,
    "all_nvidia": AllNvidia,
    "team_korea": TeamKorea,
    "random": RandomPolicy,
    "greedy": Greedy,
    "adaptive": Adaptive,
}
for _kind in ("procurement", "foundry_subsidy", "chip_incentive", "service_incentive", "rd_grant", "convergence"):
    KOREAN_STRATEGIES[f"only_{_kind}"] = lambda k=_kind: OneLever(k)


def strategy_names(country: str) -> list[str]:
    names = ["default", *KOREAN_STRATEGIES] if country in _defaults() else list(KOREAN_STRATEGIES)
    return sorted(set(names))


PERSON = "player"  # how a save names a seat a person played (the desktop game's teams)


def make_controller(country: str, name: str) -> Controller:
    """A controller by name, with parameters where the strategy takes some
    (`team_korea(scale=0.5, domestic=0.6)`, `PARAMETERS`); raises KeyError with the valid names
    for an unknown one, ValueError for a parameter it does not take or a value out of range. A
    person's seat (`PERSON`), resumed by a headless command, keeps the programmes in force
    (laissez_faire)."""
    defaults = _defaults()
    base = name.partition("(")[0].strip()
    if base not in KOREAN_STRATEGIES and base not in ("default", PERSON):
        raise KeyError(f"unknown strategy '{base}' for {country} (valid: {', '.join(strategy_names(country))})")
    base, params = parse_spec(name)
    if params:
        controller = KOREAN_STRATEGIES[base](**params)
        controller.name = canonical(base, params)  # what saves and summaries record, so a resumed game is the same
        return controller
    if base == "default":
        return defaults[country]() if country in defaults else LaissezFaire()
    if base == PERSON:
        return LaissezFaire()
    return KOREAN_STRATEGIES[base]()


# Parameters the built-in strategies take on the command line, `name(key=value, ...)`:
# name -> parameter -> (type, lowest, highest, what it sets). The defaults are the constructors'.
PARAMETERS: dict[str, dict[str, tuple[type, float, float, str]]] = {
    "team_korea": {"scale": (float, 0.0, 3.0, "every programme's size, times the seeds' (1; each rate held at its "
                                               "lever's maximum)"),
                   "domestic": (float, 0.0, 0.9, "the centre's home-chip share (0.4; the leader gets 0.9 minus it)")},
    "adaptive": {"step": (float, 0.0, 0.5, "how far the centre's home-chip share moves a quarter (0.1)"),
                 "start": (float, 0.3, 0.9, "the home-chip share it starts from (0.5)")},
    "greedy": {"horizon": (int, 1, 8, "quarters ahead a move is judged on (3)")},
}


def parse_spec(spec: str) -> tuple[str, dict[str, float | int]]:
    """`name(key=value, ...)` as (name, typed parameters); a plain name has none. ValueError for
    malformed text, a strategy without parameters, an unknown key (naming the ones it takes), a
    key given twice, or a value of the wrong type or out of range."""
    spec = spec.strip()
    if "(" not in spec and ")" not in spec:
        return spec, {}
    name, _, rest = spec.partition("(")
    name = name.strip()
    if not rest.endswith(")") or "(" in rest[:-1] or ")" in rest[:-1]:
        raise ValueError(f"strategy '{spec}': write name(key=value, ...), e.g. team_korea(scale=0.5)")
    accepted = PARAMETERS.get(name)
    if accepted is None:
        takes = ", ".join(sorted(PARAMETERS))
        raise ValueError(f"strategy '{spec}': '{name}' takes no parameters (those that do: {takes})")
    params: dict[str, float | int] = {}
    for item in filter(None, (p.strip() for p in rest[:-1].split(","))):
        key, equals, text = (x.strip() for x in item.partition("="))
        if not equals or key not in accepted:
            options = "; ".join(f"{k}: {v[3]}, {v[1]:g} to {v[2]:g}" for k, v in accepted.items())
            raise ValueError(f"strategy '{spec}': '{item}' is not one of its parameters ({options})")
        if key in params:
            raise ValueError(f"strategy '{spec}': {key} is given twice")
        kind, low, high, _ = accepted[key]
        try:
            value = kind(text)
        except ValueError:
            raise ValueError(f"strategy '{spec}': {key} must be {'a whole number' if kind is int else 'a number'}, "
                             f"not '{text}'") from None
        if not low <= value <= high:  # NaN fails both
            raise ValueError(f"strategy '{spec}': {key} must be from {low:g} to {high:g}, not {text}")
        params[key] = value
    return name, params


def canonical(name: str, params: dict) -> str:
    """A parameterised strategy's name in one spelling (its parameters in PARAMETERS' order)."""
    order = [k for k in PARAMETERS[name] if k in params]
    return f"{name}({', '.join(f'{k}={params[k]!r}' for k in order)})"


def split_specs(text: str) -> list[str]:
    """A comma-separated list of strategies, where a strategy's own parameters may hold commas
    (`team_korea(scale=0.5, domestic=0.6),adaptive`): split only outside parentheses."""
    parts, depth, current = [], 0, []
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]
