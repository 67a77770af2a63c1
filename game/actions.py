"""Actions: the one seam through which any controller (a player, an AI strategy, an RL policy,
a tournament) changes the world. Each is typed, validated, costed and applied by the model.

An Action sets one lever of its country's Policy. `check` says why it is refused (or None);
`one_off_cost` is what it costs on the quarter it takes effect, in the country's currency; the
standing cost of the programme it leaves running is `Policy.standing_cost`. The model applies an
accepted Action after the lever's lag (scenario `[levers]`), never partially.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from game.policy import VENDOR_GROUPS, Policy
from game.reasons import Reason, names
from game.text import tr

Rate = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Money = Annotated[float, Field(ge=0, le=1e16, allow_inf_nan=False)]


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def check(self, world, country) -> Reason | None:
        return None

    def one_off_cost(self, world, country) -> float:
        return 0.0

    def apply(self, policy: Policy, world, country) -> None:
        raise NotImplementedError


def _home(world, country, name: str, kinds: tuple[str, ...], what: str) -> Reason | None:
    """`what` names the kind of firm in a strings key ("refuse.what.<what>")."""
    agent = world.by_name.get(name)
    if agent is None or agent.kind not in kinds:
        return Reason("refuse.unknown", what=tr(f"refuse.what.{what}", "en"), what_ko=tr(f"refuse.what.{what}", "ko"),
                      name=name)
    if agent.country != country.name:
        return Reason("refuse.not_home", **names(agent, name), **_country(country))
    if not agent.alive:
        return Reason("refuse.exited", **names(agent, name))
    return None


def _country(country) -> dict[str, str]:
    return {"country": country.name_en, "country_ko": country.name_ko}


class FoundrySubsidy(Action):
    """Pay part of the gap between a home foundry's cost of a good die and the cheapest foreign
    one, for home designers that make chips at home (the seeds' "priming water")."""

    kind: Literal["foundry_subsidy"] = "foundry_subsidy"
    rate: Rate

    def check(self, world, country):
        if not any(f.country == country.name for f in world.foundries):
            return Reason("refuse.no_foundry", **_country(country))
        return None

    def apply(self, policy, world, country):
        policy.foundry_subsidy = self.rate


class Procurement(Action):
    """The national AI computing centre's purchase volume and vendor mix (e.g. 50/40/10:
    the leading foreign vendor, home designers, everyone else); an empty mix buys freely.
    A `budget` (local currency a quarter) replaces the centre's plan with that fixed volume;
    none keeps the plan, which grows each quarter (a mix alone must not freeze the plan)."""

    kind: Literal["procurement"] = "procurement"
    budget: Money | None = None
    mix: dict[str, Rate] = {}

    def check(self, world, country):
        if world.national_buyer(country.name) is None:
            return Reason("refuse.no_centre", **_country(country))
        unknown = set(self.mix) - set(VENDOR_GROUPS)
        if unknown:
            return Reason("refuse.vendor_group", groups=", ".join(sorted(unknown)), valid=", ".join(VENDOR_GROUPS))
        if self.mix and abs(sum(self.mix.values()) - 1) > 1e-6:
            return Reason("refuse.mix_sum")
        return None

    def apply(self, policy, world, country):
        policy.procurement_budget = self.budget
        policy.procurement_mix = dict(self.mix)


class ChipIncentive(Action):
    """Pay a share of the price of home-designed chips bought by the clouds that train home
    LLMs, so that home LLM developers train on home chips."""

    kind: Literal["chip_incentive"] = "chip_incentive"
    rate: Annotated[float, Field(ge=0, le=0.5, allow_inf_nan=False)]

    def apply(self, policy, world, country):
        policy.chip_incentive = self.rate


class ServiceIncentive(Action):
    """Pay a share of the revenue of services built on home LLMs."""

    kind: Literal["service_incentive"] = "service_incentive"
    rate: Annotated[float, Field(ge=0, le=0.5, allow_inf_nan=False)]

    def check(self, world, country):
        if not any(m.country == country.name for m in world.scenario.llm_markets):
            return Reason("refuse.no_llm_market", **_country(country))
        return None

    def apply(self, policy, world, country):
        policy.service_incentive = self.rate


class RDGrant(Action):
    """A quarterly R&D grant to a home chip designer (a training chip: it raises the performance
    of its next generation and funds developer tools for its ecosystem) or to a home HBM maker
    (it raises the odds that its next generation passes designers' qualification)."""

    kind: Literal["rd_grant"] = "rd_grant"
    designer: str
    amount: Money

    def check(self, world, country):
        return _home(world, country, self.designer, ("designer", "hbm_maker"), "designer")

    def apply(self, policy, world, country):
        if self.amount > 0:
            policy.rd_grants[self.designer] = self.amount
        else:
            policy.rd_grants.pop(self.designer, None)


class BrokerLink(Action):
    """The state introduces a home designer to a home component supplier (Zalman cooling for
    Rebellions in the seeds): their supply relationship becomes established."""

    kind: Literal["broker_link"] = "broker_link"
    designer: str
    supplier: str

    def check(self, world, country):
        reason = _home(world, country, self.designer, ("designer",), "designer")
        reason = reason or _home(world, country, self.supplier, ("component_supplier",), "component_supplier")
        if reason:
            return reason
        designer, supplier = world.by_name[self.designer], world.by_name[self.supplier]
        pair = {"designer": self.designer, "designer_ko": designer.name_ko,
                "supplier": self.supplier, "supplier_ko": supplier.name_ko}
        if self.supplier not in designer.components:
            return Reason("refuse.component", component=supplier.component, **pair)
        if supplier.link_strength.get(self.designer, 0.0) >= 1:
            return Reason("refuse.linked", **pair)
        return None

    def one_off_cost(self, world, country):
        return country.to_local(world.scenario.levers.broker_link_cost_usd)

    def apply(self, policy, world, country):
        world.by_name[self.supplier].link_strength[self.designer] = 1.0


class Convergence(Action):
    """An industry-convergence programme (autonomous ships, smart steel mills, autos) that
    speeds the sector's adoption of home AI."""

    kind: Literal["convergence"] = "convergence"
    industry: str
    intensity: Rate

    def check(self, world, country):
        return _home(world, country, self.industry, ("industry",), "industry")

    def apply(self, policy, world, country):
        policy.convergence[self.industry] = self.intensity


class CapacitySupport(Action):
    """Extra capex support (tax credit, policy loans, grants) for capacity built in the country: a
    home HBM maker's, foundry's or packager's, which lowers the firm's own share of a project and
    so changes its investment decision; or a foreign foundry's lines at its site here (the CHIPS
    Act's award to TSMC Arizona, Japan's to JASM), which draws its projects here (docs/model.md,
    "Fab location")."""

    kind: Literal["capacity_support"] = "capacity_support"
    firm: str
    rate: Annotated[float, Field(ge=0, le=0.5, allow_inf_nan=False)]

    def check(self, world, country):
        agent = world.by_name.get(self.firm)
        if agent is not None and agent.kind == "foundry" and agent.hosted_in(country.name):
            return None if agent.alive else Reason("refuse.exited", **names(agent, self.firm))
        return _home(world, country, self.firm, ("foundry", "hbm_maker", "packager"), "producer")

    def apply(self, policy, world, country):
        policy.capacity_support[self.firm] = self.rate


class TradeStance(Action):
    """Diplomacy: closer to the US (its buyers favour your chips, China's shut them out),
    balanced, or open to China (the reverse)."""

    kind: Literal["trade_stance"] = "trade_stance"
    stance: Literal["us_aligned", "balanced", "china_open"]

    def apply(self, policy, world, country):
        policy.trade_stance = self.stance


class ExportControl(Action):
    """A new round of export controls on a good, from the acting country and the allies whose
    firms use its technology, to the named destinations."""

    kind: Literal["export_control"] = "export_control"
    good: Literal["wafer", "hbm", "packaging", "accelerator"]
    to_countries: list[str]
    perf_above: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0

    def check(self, world, country):
        if country.name not in world.scenario.levers.export_control_reach:
            return Reason("refuse.no_reach", **_country(country))
        unknown = [c for c in self.to_countries if c not in world.countries]
        if unknown or not self.to_countries:
            return Reason("refuse.destination", names=", ".join(unknown)) if unknown \
                else Reason("refuse.no_destination")
        if country.name in self.to_countries:
            return Reason("refuse.self_control")
        return None

    def apply(self, policy, world, country):
        world.add_export_control(country.name, self.good, self.to_countries, self.perf_above)


class Equity(Action):
    """State capital into a home firm (Big Fund, Rapidus support). Without `build` it is cash the
    firm can invest or burn: it relaxes what the firm can afford, not the capacity its newsvendor
    rule wants. With `build` (a producer only) the state decides the project: the capital pays for
    capacity on the firm's fullest line, `amount` / capex per unit, on line after the firm's lead
    time and paid out over the build as the firm's own projects are (state investment that answers
    unmet demand: Big Fund III's stakes in fabs, cal 4c). The firm's own plan then counts it, so it
    adds capacity only where the firm would not have built as much itself."""

    kind: Literal["equity"] = "equity"
    firm: str
    amount: Money
    build: bool = False

    def check(self, world, country):
        problem = _home(world, country, self.firm,
                        ("foundry", "hbm_maker", "packager", "designer", "component_supplier"), "firm")
        if problem is None and self.build and world.by_name[self.firm].kind not in ("foundry", "hbm_maker", "packager"):
            return Reason("refuse.build_not_producer", **names(world.by_name[self.firm], self.firm))
        return problem

    def one_off_cost(self, world, country):
        return self.amount

    def apply(self, policy, world, country):
        firm = world.by_name[self.firm]
        usd = country.to_usd_billion(self.amount)
        firm.cash += usd
        if self.build:
            firm.build_for_state(usd, world.now)


AnyAction = Annotated[
    FoundrySubsidy | Procurement | ChipIncentive | ServiceIncentive | RDGrant | BrokerLink | Convergence
    | CapacitySupport | TradeStance | ExportControl | Equity,
    Field(discriminator="kind"),
]
ACTION_ADAPTER: TypeAdapter = TypeAdapter(AnyAction)
ACTION_TYPES = frozenset({FoundrySubsidy, Procurement, ChipIncentive, ServiceIncentive, RDGrant, BrokerLink,
                          Convergence, CapacitySupport, TradeStance, ExportControl, Equity})
ACTION_KINDS = ("foundry_subsidy", "procurement", "chip_incentive", "service_incentive", "rd_grant",
                "broker_link", "convergence", "capacity_support", "trade_stance", "export_control", "equity")


# The union's validator itself: `ACTION_ADAPTER.validate_python(data)` is this call behind a Python
# wrapper that passes every option at its default (a quarter of the cost of parsing an Action,
# and every Action the seam checks or accepts is parsed: `governance.genuine`).
_VALIDATE = ACTION_ADAPTER.validator.validate_python


def parse_action(data: dict) -> Action:
    """An Action from its JSON form ({"kind": ..., ...}); raises pydantic.ValidationError."""
    return _VALIDATE(data)


def dump(action: Action) -> dict:
    """`action.model_dump()`: the same dict from the model's own serializer, without the Python
    wrapper that hands it fourteen options at their defaults (~40% of a dump's cost; an Action is
    dumped when it is checked, logged and enacted). For an Action of one of ACTION_TYPES, whose
    `model_dump` is pydantic's."""
    return action.__pydantic_serializer__.to_python(action)


def action_fields(kind: str) -> tuple[str, ...]:
    """The fields of the Action of `kind` (none for an unknown kind)."""
    cls = next((c for c in ACTION_TYPES if c.model_fields["kind"].default == kind), None)
    return tuple(cls.model_fields) if cls is not None else ()
