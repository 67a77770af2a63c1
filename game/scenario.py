"""The scenario schema: every number of the world, validated when a scenario file is read.

Code holds mechanisms, scenarios hold facts (DESIGN.md). A scenario is a TOML file in
`assets/scenarios/`; this module turns it into typed, frozen objects or refuses it with a
`ScenarioError` that names the file, the field and the problem, so a typo never becomes a
silently different world.

Units (one quarter per turn): money in US$ billions for firms (countries also keep a budget in
their own currency); wafers and packaging in thousand 300 mm wafers per quarter; HBM in million
GB per quarter; accelerators in thousand units per quarter, each with a performance in
H100-equivalents; unit prices in US$ thousands (wafer, package-wafer, accelerator) or US$ per GB
(HBM).

A scenario file may come from anyone, so reading one is guarded (game/safeio.py): only a regular
file of at most MAX_BYTES is read, nesting deeper than safeio allows is refused, a bare scenario
name can only name a file in assets/scenarios, and every name a scenario uses (a firm, a country,
an indicator, a lever) must exist, with no name given twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from game.actions import ACTION_KINDS, action_fields, parse_action
from game.calendar import parse_quarter, quarter_label
from game.events import FIRM_ATTRIBUTES
from game.indicators import INDICATOR_KEYS
from game.lesson_quantities import ACCESSORS
from game.lesson_quantities import PARAMETERS as LESSON_PARAMETERS
from game.policy import Policy
from game.safeio import UnsafeFile, parse_guarded, read_text_bounded
from game.score import component_id

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "assets" / "scenarios"
FORMAT_VERSION = 1
MAX_BYTES = 2_000_000  # the baseline is ~53 kB; a 100-times synthetic world would still fit
LAST_QUARTER = parse_quarter("9999Q4")  # quarter labels have four-digit years (game/calendar.py)
PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")  # an installed scenario's name: a file stem, no folders

NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Real = Annotated[float, Field(allow_inf_nan=False)]
# Growth per quarter, from halving (-0.5) to doubling (+1.0) in one quarter; beyond that is a typo
# (and at -1 or below a quantity would vanish or turn negative).
Growth = Annotated[float, Field(ge=-0.5, le=1.0, allow_inf_nan=False)]
# Local currency per US$: from 0.001 to 1,000,000 (the dearest currency, the Kuwaiti dinar, is ~0.3;
# the cheapest in use are a few hundred thousand). Outside it, conversions overflow or vanish.
UsdRate = Annotated[float, Field(ge=1e-3, le=1e6, allow_inf_nan=False)]
QUARTER = re.compile(r"[0-9]{4}Q[1-4]")  # ASCII digits only (game.calendar would also take other scripts')


def _quarter(value: str) -> str:
    if not QUARTER.fullmatch(value):
        raise ValueError(f"{value!r} is not a quarter such as 2025Q1 (a four-digit year, Q, then 1 to 4)")
    return value


Quarter = Annotated[str, AfterValidator(_quarter)]
Name = Annotated[str, Field(min_length=1, max_length=60)]


def repeated(values: Iterable) -> list:
    """The values that occur more than once, sorted (linear: a set, and a Counter only if needed)."""
    values = list(values)
    if len(set(values)) == len(values):
        return []
    return sorted(value for value, count in Counter(values).items() if count > 1)


def no_repeats(names: list[str], what: str) -> list[str]:
    """`names` if none is listed twice; a ValueError naming the repeats otherwise."""
    twice = repeated(names)
    if twice:
        raise ValueError(f"{what} listed twice: {', '.join(twice)}")
    return names


class ScenarioError(Exception):
    """A scenario that cannot be played; the message is meant for the user as it is."""


class Strict(BaseModel):
    """Unknown fields are refused: a misspelt key must not silently fall back to a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Meta(Strict):
    name: Name
    format_version: int = Field(ge=1)
    title_en: str
    title_ko: str
    description_en: str
    description_ko: str
    start: Quarter
    turns: int = Field(ge=1, le=200)
    coverage_en: dict[str, str] = Field(description="What each market covers and its share basis")

    @field_validator("format_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value > FORMAT_VERSION:
            raise ValueError(f"format {value} is newer than this game reads ({FORMAT_VERSION})")
        return value

    @model_validator(mode="after")
    def _term_fits_the_calendar(self) -> Meta:
        if parse_quarter(self.start) + self.turns - 1 > LAST_QUARTER:
            raise ValueError(f"turns: {self.turns} quarters from {self.start} run past {quarter_label(LAST_QUARTER)}, "
                             "the last quarter the calendar has")
        return self


class Params(Strict):
    """Behavioural knobs of the mechanisms (MODEL.md names each one)."""

    price_response: Positive  # k in p' = p (1 + k (D - S) / S)
    price_step_limit: Fraction  # largest relative price move in one quarter
    normal_utilisation: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]  # producers' prices hold here
    compute_depreciation: Fraction  # d in C' = C (1 - d) + new
    choice_value_weight: Positive  # a: weight of log(perf / price) in buyers' utility
    choice_ecosystem_weight: NonNeg  # e: weight of the software ecosystem (CUDA lock-in)
    home_bias: NonNeg  # utility bonus for a chip designed in the buyer's country
    supplier_cost_weight: Positive  # logit weight on log effective cost in supplier choice
    ecosystem_speed: Fraction  # share of the gap to the installed-base target closed per quarter
    ecosystem_elasticity: Positive  # target ecosystem = (installed base / leader's) ** this
    link_weight: NonNeg  # utility of an established supply relationship in component choice
    demand_smoothing: Fraction  # weight of the newest quarter in designers' demand estimate
    growth_expectation_cap: NonNeg  # largest quarterly growth a planner extrapolates
    demand_uncertainty: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]  # sd of log orders a quarter ahead
    invest_max_step: Positive  # largest project, as a share of current capacity
    payback_quarters: Positive  # a project must earn back its own share of capex within this
    interest_rate: NonNeg  # quarterly interest on borrowed cash
    budget_noise: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]  # sd of log of buyers' budget shock
    other_demand_inertia: Fraction  # share of non-AI foundry customers that may re-pick per quarter
    other_demand_cost_weight: Positive  # their logit weight on log cost per good die (they also weigh power, IP)
    wafer_priority: Fraction = 0.0  # share of an AI designer's wafer order served before the pool's on a short node
    pool_price_elasticity: NonNeg = 0.0  # the pool's wafers ordered fall by this x the rise of its class's wafer price
    llm_quality_per_doubling: NonNeg  # quality points per doubling of cumulative training compute
    llm_choice_weight: Positive  # logit weight on quality in LLM use
    adoption_background: Fraction  # industry adoption speed with no programme (foreign AI)
    # Learning per node (docs/model.md, "Learning per node").
    defect_clustering: Positive  # alpha in the yield of a die of area A: (1 + A D / alpha) ** -alpha
    reference_die_area: Positive  # cm2: the die yields in the scenario are quoted for (a phone SoC)
    usable_wafer_area: Positive  # cm2 of a 300 mm wafer a chip's dies fill (die area = this / dies per wafer)
    home_pool_bias: NonNeg  # utility of a home foundry to a pool segment's designers (anchor customers stay home)
    # Fab location (docs/model.md, "Fab location"): where a foundry with `sites` puts a new project.
    site_cost_weight: NonNeg = 0.0  # logit weight on log capital cost per unit at a site, net of support
    site_home_bias: NonNeg = 0.0  # utility of building at home (engineers, suppliers, R&D fabs beside it)
    # HBM by generation (docs/model.md, "HBM by generation", "Qualification").
    hbm_bandwidth_elasticity: Annotated[float, Field(ge=0, le=2, allow_inf_nan=False)]  # perf x (bw / bw_design)^this
    qualification_ramp: Fraction  # a quarter's odds of passing rise by this for each quarter of tests ...
    qualification_yield_floor: Fraction  # ... times (yield - floor) / (good - floor), clipped to 0..1
    qualification_yield_good: Fraction
    qualification_rd_gain: NonNeg  # odds x (1 + gain x state R&D stock / rd_reference_usd)
    qualification_max: Fraction  # the odds never exceed this in a quarter
    qualification_lead: int = Field(ge=0, le=12)  # quarters before a chip launches that its HBM tests begin
    # Export controls (docs/model.md, "Export controls and substitution").
    compliance_margin: Fraction  # a compliant variant is designed this share under the destination's threshold
    variant_lead: int = Field(ge=0, le=12)  # quarters to design a compliant variant once a rule bars a chip
    variant_min_perf: NonNeg  # H100e: a threshold so low that no variant under it is worth making
    hbm_pilot_share: Fraction  # share of a maker's lines running pilot lots of each generation it is still maturing
    # Demand follows the race (docs/model.md, "Demand"): buyers order compute, spending is the outcome.
    compute_price_elasticity: Annotated[float, Field(ge=0, le=3, allow_inf_nan=False)]  # e: orders x (p_ref/p)^e
    capex_ramp: Annotated[float, Field(gt=0, le=2, allow_inf_nan=False)]  # largest rise of a buyer's spend a quarter
    backlog_carry: Fraction  # share of compute ordered and not delivered that is still wanted next quarter
    race_weight: Fraction  # how far a buyer's order growth follows its rivals' delivered-compute growth
    price_expectation_smoothing: Fraction  # weight of the newest quarter in a buyer's reference price
    order_growth_long_run: Annotated[float, Field(ge=-0.2, le=0.5, allow_inf_nan=False)]  # a quarter, after the boom
    order_growth_half_life: Annotated[float, Field(gt=0, le=200, allow_inf_nan=False)]  # quarters for the boom to halve


class Pipeline(Strict):
    """A scheduled project: `amount` of capacity on line in quarter `ready`. A project whose money
    is still to be found (`to_pay`, US$ B at the start, > 0: a state-financed venture such as
    Rapidus's 2 nm line) is built only as its firm pays for it from cash in hand, in equal
    instalments up to `ready`; an instalment unpaid makes it slip (docs/model.md, "Capacity").
    Without `to_pay` the project's money was committed before the start."""

    amount: NonNeg
    ready: Quarter
    to_pay: NonNeg = 0.0


class YieldCurve(Strict):
    """A learning curve's two ends, `yield0` (now) and `yield_max` (mature), declared by each
    subclass with its own bounds: a curve never starts above where it ends."""

    @model_validator(mode="after")
    def _ordered(self) -> YieldCurve:
        if self.yield0 > self.yield_max:
            raise ValueError("yield0 must not exceed yield_max")
        return self


class Learning(YieldCurve):
    """Wright's law on yield: y = y_max - (y_max - y0) (V / V0) ** -b, V the cumulative volume."""

    yield0: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    yield_max: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    volume0: Positive
    exponent: Annotated[float, Field(gt=0, le=2, allow_inf_nan=False)]


class Country(Strict):
    id: Annotated[str, Field(pattern=r"^[A-Z]{2,3}$")]
    name_en: str
    name_ko: str
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    usd_rate: UsdRate  # local currency per US$
    budget_per_quarter: NonNeg  # local currency
    capex_support: Fraction  # share of home firms' capex the state carries (credits, grants)
    capex_support_cap: NonNeg = 0.0  # local currency per quarter the support may cost at most
    policy_loans_per_quarter: NonNeg = 0.0  # local currency per quarter, on top of the budget


class Producer(Strict):
    """A supplier of an upstream good (wafers, HBM, packaging)."""

    name: Name
    name_ko: str
    country: str
    capacity: NonNeg
    price: Positive
    unit_cost: Positive
    fixed_cost: NonNeg  # US$ B per quarter
    cash: Real
    borrow_limit: NonNeg
    lead_time: int = Field(ge=1, le=40)
    capex_per_unit: Positive  # US$ B per unit of quarterly capacity
    invests: bool = True
    pipeline: list[Pipeline] = []


class NodePipeline(Pipeline):
    """A scheduled project on one of a foundry's processes (see `Pipeline`). `site`: the country of
    one of the foundry's `sites` abroad where it is built (TSMC Arizona, Samsung Taylor), or None
    for the foundry's home country (docs/model.md, "Fab location")."""

    site: str | None = None

    @model_validator(mode="after")
    def _financed_at_home(self) -> NodePipeline:
        if self.site is not None and self.to_pay > 0:
            raise ValueError("a project still to be paid for (to_pay) is built at home: no site")
        return self


class FoundryNode(YieldCurve):
    """One process of a foundry (docs/model.md, "Learning per node"): its own capacity, prices and
    defect density, which falls with the wafers run on it (Wright's law). Yields are stated for a
    reference die (`params.reference_die_area`, ~a phone SoC, how the press reports them) and
    turned into a defect density, so that a chip's yield follows its own die area."""

    process: Name  # the foundry's name for it: "N3", "SF2"
    node: Name  # the class chips are designed for: "7nm", "5nm", "3nm", "2nm"
    capacity: NonNeg  # thousand wafers a quarter
    available: Quarter | None = None  # first quarter it runs (None: from the start)
    price: Positive  # US$ thousand per wafer
    unit_cost: Positive
    yield0: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]  # on the reference die, now
    yield_max: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]  # on the reference die, mature
    volume0: Positive  # thousand wafers run on it by the start (cumulative): the learning curve's anchor
    pipeline: list[NodePipeline] = []
    # country -> thousand wafers a quarter of `capacity` that stand at one of the foundry's `sites`
    # abroad at the start (the rest is at home)
    abroad: dict[str, NonNeg] = {}
    # The share of its capacity the non-AI pool fills at the start, where known (a foundry with idle
    # lines, a process customers shun): the pool's starting split of the class honours it, and the
    # foundry's `other_share` applies to its other classes (docs/model.md, "The non-AI pool").
    pool_use: Fraction | None = None


class Site(Strict):
    """A country abroad where a foundry may build leading-edge lines (docs/model.md, "Fab
    location"): the node classes it may host there, what a unit of capacity costs there against at
    home, and how long a fab takes there from the decision to production."""

    country: str
    nodes: list[Name] = Field(min_length=1)  # node classes the site may host
    capex_premium: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)]  # capex per unit x (1 + this)
    lead_time: int = Field(ge=1, le=40)


class Foundry(Strict):
    """A foundry: its leading-edge processes (`nodes`, the modelled market) and the revenue of its
    other nodes (`mature_revenue`), which still counts in the foundry revenue share. `sites`: where
    abroad it may build new lines, each chosen by its cost net of the host state's support."""

    name: Name
    name_ko: str
    country: str
    fixed_cost: NonNeg  # US$ B per quarter
    cash: Real
    borrow_limit: NonNeg
    lead_time: int = Field(ge=1, le=40)
    capex_per_unit: Positive  # US$ B per unit of quarterly capacity
    invests: bool = True
    learning_exponent: Annotated[float, Field(gt=0, le=2, allow_inf_nan=False)]  # b in D = floor + (D0-floor)(V/V0)^-b
    nodes: list[FoundryNode] = []
    other_share: Fraction  # share of the non-AI advanced-wafer demand at the start
    mature_revenue: NonNeg  # US$ B per quarter from nodes outside the modelled market
    mature_growth: Growth = 0.0  # per quarter
    mature_margin: Fraction
    sites: list[Site] = []

    @model_validator(mode="after")
    def _nodes_once(self) -> Foundry:
        twice = repeated([n.node for n in self.nodes]) + repeated([n.process for n in self.nodes])
        if twice:
            raise ValueError(f"nodes: one process per node class; repeated {', '.join(twice)}")
        return self

    @model_validator(mode="after")
    def _sites_hold(self) -> Foundry:
        """A site is abroad, named once, and hosts classes the foundry runs; capacity and projects
        abroad stand at a site that hosts their class, and what stands abroad fits in the process."""
        twice = repeated([s.country for s in self.sites])
        if twice:
            raise ValueError(f"sites: one site per country; repeated {', '.join(twice)}")
        hosts = {s.country: set(s.nodes) for s in self.sites}
        if self.country in hosts:
            raise ValueError(f"sites: {self.country} is the foundry's home country, not a site abroad")
        runs = {n.node for n in self.nodes}
        for site in self.sites:
            unknown = sorted(set(site.nodes) - runs)
            if unknown:
                raise ValueError(f"sites.{site.country}.nodes: the foundry has no {', '.join(unknown)} process")
        for n in self.nodes:
            places = [(c, f"nodes.{n.process}.abroad") for c in n.abroad]
            places += [(p.site, f"nodes.{n.process}.pipeline") for p in n.pipeline if p.site is not None]
            for country, where in places:
                if n.node not in hosts.get(country, set()):
                    raise ValueError(f"{where}: {country} is not a site of this foundry that hosts {n.node}")
            if sum(n.abroad.values()) > n.capacity * (1 + 1e-9):
                raise ValueError(f"nodes.{n.process}.abroad: more capacity abroad than the process has")
        return self


class FoundryPool(Strict):
    """Leading-edge wafer demand outside the modelled AI chips (phones, PCs, networking), by node
    class, moving to newer classes over time; `home` names the share designed by each country's
    own firms (a foundry's anchor customers, whom its state's price-gap subsidy may cover)."""

    demand: Positive  # thousand wafers per quarter at the start
    growth: Growth  # per quarter
    nodes: dict[str, Fraction] = Field(min_length=1)  # the start's split by node class
    migration: Fraction  # share of a class's demand that moves to the next newer class a quarter
    home: dict[str, Fraction] = {}  # country -> share of the pool its firms design
    # country -> utility of its home foundries to that segment where it is not [params].home_pool_bias:
    # a segment whose designers are no home foundry's anchor customers (the US's at Intel) says 0
    home_bias: dict[str, NonNeg] = {}


class PackagingPool(Strict):
    """CoWoS-class packaging bought for products outside the modelled accelerators (other custom
    ASICs, FPGAs, AI networking): one buyer whose orders keep, every quarter, the proportion to
    the listed designers' package needs that makes `anchor` take `anchor_share` of all of it at
    the start (docs/model.md, "Packaging")."""

    anchor: Name  # the designer whose reported share of CoWoS-class packaging sizes the pool
    anchor_share: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]  # its share at the start
    packagers: list[Name] = Field(min_length=1)  # whom the pool's products are packaged by
    country: Name  # whose designers the pool's products are (export rules and the trade stance)

    def listed(self, designers: Sequence) -> list:
        """The designers whose package needs the pool keeps its proportion to: those that list
        one of its packagers (their products compete for the same lines)."""
        mine = set(self.packagers)
        return [d for d in designers if mine.intersection(d.packagers)]

    def ratio(self, designers: Sequence) -> float:
        """The pool's package-wafers per package-wafer the listed designers need, fitted at the
        start: with `N_j = units0_j / chips_per_package_wafer_j` (the opening need), the pool is
        `N_anchor / anchor_share - sum of the listed N_j`, as a ratio to that sum. Raises
        ValueError when the listed designers alone leave the anchor below its share."""
        need = {d.name: d.units0 / d.chip.chips_per_package_wafer for d in self.listed(designers)}
        if self.anchor not in need:
            raise ValueError(f"packaging_pool.anchor: {self.anchor} lists none of the pool's packagers")
        listed = sum(need.values())
        pool = need[self.anchor] / self.anchor_share - listed
        if pool < 0:
            raise ValueError(f"packaging_pool.anchor_share: the designers listing its packagers need "
                             f"{listed:.4g} thousand package-wafers at the start, of which {self.anchor} "
                             f"alone is {need[self.anchor] / listed:.1%}, under {self.anchor_share:.1%}: "
                             "the pool cannot be negative")
        return pool / listed


class HBMGeneration(Strict):
    """A generation of HBM, traded as its own good (docs/model.md, "HBM by generation"); listed
    oldest first. A chip built for one generation may run on an older one at lower performance."""

    name: Name
    bandwidth: Positive  # per stack, relative (HBM3 = 1)
    price_ratio: Positive  # a maker's price for it relative to its HBM3E price (the maker's `price`)
    cost_ratio: Positive  # a maker's unit cost for it relative to its HBM3E cost at the same yield


class MakerGeneration(Strict):
    """What one maker can do with one HBM generation: from when, and its yield curve on it."""

    available: Quarter | None = None  # first quarter it can ship (None: from the start)
    yield0: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]  # good stacks out of stacks started, now
    volume0: Positive  # million GB of it shipped by the start (cumulative); the learning curve's anchor


class LearningShape(Strict):
    """The shape a maker's yield curves share: y = y_max - (y_max - y0) (V / V0) ** -exponent."""

    yield_max: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
    exponent: Annotated[float, Field(gt=0, le=2, allow_inf_nan=False)]


class HBMMaker(Producer):
    """`capacity`: million GB a quarter of HBM3E at its starting yield (TSV capacity); a generation
    with a lower yield gets fewer good GB out of the same lines. `learning` gives the yield
    ceiling and the learning exponent shared by its generations."""

    learning: LearningShape
    generations: dict[str, MakerGeneration] = Field(min_length=1)


class Packager(Producer):
    pass


class Chip(Strict):
    name: Name
    perf: Positive  # H100-equivalents
    # US$ thousand: the list price at launch (prices then move: docs/model.md, "Prices"); none for
    # an in-house chip, whose owner pays its unit cost (a designer's `owner`)
    price: Positive | None = None
    hbm_gb: NonNeg
    node: Name  # the process node class it is designed for ("5nm"): each of its foundries needs one
    die_area: Annotated[float, Field(gt=0, le=9, allow_inf_nan=False)] | None = None  # cm2 of its largest die
    hbm_gen: Name | None = None  # the HBM generation it is built for (required when hbm_gb > 0)
    hbm_older: int = Field(default=0, ge=0, le=3)  # how many generations older it can run on, slower
    dies_per_wafer: Positive  # gross chips per wafer (all dies one chip needs)
    chips_per_package_wafer: Positive
    other_bom: NonNeg  # US$ thousand per unit: substrate, test, board, cooling
    # The part of its compute that can train a large model (H100e of training per H100e): 1 for a
    # training GPU or ASIC; an inference NPU (INT8, small memory, no scale-out fabric) far less. LLM
    # developers grow on training compute only (docs/model.md, "LLM quality").
    training: Fraction = 1.0


class Variant(Strict):
    """An export-compliant variant on sale in a controlled destination (the H20 in China)."""

    perf: Positive  # H100-equivalents, under the destination's threshold
    price: Positive  # US$ thousand


class Generation(Chip):
    launch: Quarter
    foundries: list[Name] = Field(min_length=1)  # a chip needs somewhere to be made

    @field_validator("foundries")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return no_repeats(value, "foundries")


class Designer(Strict):
    name: Name
    name_ko: str
    country: str
    cash: Real
    borrow_limit: NonNeg
    fixed_cost: NonNeg
    ecosystem: Fraction
    units0: NonNeg  # thousand units per quarter the designer planned when the game starts
    sold_to: list[Name] = []  # buyers allowed (captive chips); empty: the open market
    # the buyer whose own workloads an in-house chip serves (TPU, Trainium): sold to it alone, at
    # its unit cost at today's input prices (docs/model.md, "Chip choice"); none: a merchant designer
    owner: Name | None = None
    chip: Chip
    foundries: list[Name]
    foundry_mix: list[Fraction] = []  # split across foundries; empty means equal
    hbm_suppliers: list[Name]
    packagers: list[Name]
    reserved: dict[str, Fraction] = {}  # supplier -> share of its capacity under long-term contract
    components: list[Name] = []
    hbm_stock: NonNeg = 0.0  # million GB held at the start (stockpiles)
    compliant_variants: bool = False  # designs export-compliant variants for destinations whose rules bar its chip
    variants: dict[str, Variant] = {}  # destination country -> the compliant variant on sale there at the start
    roadmap: list[Generation] = []

    @field_validator("foundries", "packagers")
    @classmethod
    def _at_least_one(cls, value: list[str], info) -> list[str]:
        """Every chip is made at a foundry and packaged: the turn needs one of each to price and
        build it (an HBM maker only if the chip carries HBM, checked below)."""
        if not value:
            raise ValueError(f"a designer needs at least one of its {info.field_name}")
        return value

    @field_validator("foundries", "hbm_suppliers", "packagers", "components", "sold_to")
    @classmethod
    def _once_each(cls, value: list[str], info) -> list[str]:
        return no_repeats(value, info.field_name)

    @model_validator(mode="after")
    def _mix_matches(self) -> Designer:
        with_hbm = [c.name for c in (self.chip, *self.roadmap) if c.hbm_gb > 0]
        if with_hbm and not self.hbm_suppliers:
            raise ValueError(f"hbm_suppliers: {with_hbm[0]} carries HBM (hbm_gb > 0), so at least one HBM maker "
                             "must be listed")
        twice = repeated(g.name for g in self.roadmap)
        if twice:
            raise ValueError(f"roadmap: generation {', '.join(twice)} listed twice")
        if self.foundry_mix and len(self.foundry_mix) != len(self.foundries):
            raise ValueError("foundry_mix needs one share per foundry")
        if self.foundry_mix and abs(sum(self.foundry_mix) - 1) > 1e-6:
            raise ValueError("foundry_mix must sum to 1")
        chips = (self.chip, *self.roadmap)
        if self.owner is not None:
            if self.sold_to != [self.owner]:
                raise ValueError(f"sold_to: an in-house chip serves its owner alone, so sold_to must be "
                                 f"['{self.owner}'] (the owner)")
            priced = [c.name for c in chips if c.price is not None]
            if priced:
                raise ValueError(f"{priced[0]}: an in-house chip has no list price (its owner, {self.owner}, pays "
                                 "its unit cost); leave price out")
        else:
            unpriced = [c.name for c in chips if c.price is None]
            if unpriced:
                raise ValueError(f"{unpriced[0]}: a chip on the market needs a price (only a designer with an "
                                 "owner, an in-house chip, has none)")
        return self


class Qualification(Strict):
    """An HBM maker x designer x HBM generation at the start: qualified for `level` of the
    designer's needs, or in tests since `sampling_since` (level 0). A triple not listed is not
    qualified and starts its tests when both sides need it (docs/model.md, "Qualification").
    A packager x designer (no generation): the share of the designer's needs it may serve; a
    packager pair not listed is fully qualified."""

    supplier: Name
    designer: Name
    generation: Name | None = None  # HBM makers only
    level: Fraction
    sampling_since: Quarter | None = None


class Buyer(Strict):
    name: Name
    name_ko: str
    country: str
    budget: NonNeg  # US$ B on accelerators in the first quarter it buys (what calibrates its orders)
    growth: Growth  # a quarter: a private buyer's order growth at the start; a national centre's plan
    start: Quarter | None = None  # no purchases before (a centre that opens later)
    installed: NonNeg  # thousand H100-equivalents in service at the start
    affinity: dict[str, Real] = {}  # utility bonus per designer (in-house chips, NPU farm pairings)
    national: bool = False  # the national computing centre its country's procurement lever governs


class LLMDeveloper(Strict):
    name: Name
    name_ko: str
    country: str
    compute_from: dict[str, Fraction]  # buyer -> share of its new compute this developer trains on
    training_compute: Positive  # thousand H100e-quarters, cumulative at the start
    talent: Real  # quality points independent of compute


class LLMMarket(Strict):
    """LLM use in one country: initial shares calibrate each model's unobserved appeal."""

    country: str
    sovereignty_preference: NonNeg
    service_market: NonNeg = 0.0  # US$ B a quarter of services built on LLMs in this country
    initial_shares: dict[str, Fraction]

    @field_validator("initial_shares")
    @classmethod
    def _sums_to_one(cls, value: dict[str, float]) -> dict[str, float]:
        if abs(sum(value.values()) - 1) > 1e-3:
            raise ValueError("initial_shares must sum to 1")
        return value


class Industry(Strict):
    name: Name
    name_ko: str
    country: str
    output: Annotated[float, Field(ge=0, le=10_000, allow_inf_nan=False)]  # US$ B per quarter (world GDP ~7,000)
    adoption: Fraction
    adoption_speed: Fraction  # r in a' = a + r * programme * availability * (1 - a)
    programme: Fraction  # intensity of the state convergence programme (0-1)
    productivity_gain: Fraction  # g: output gain at full adoption


class ComponentSupplier(Strict):
    name: Name
    name_ko: str
    country: str
    component: Name
    price: Positive  # US$ thousand per accelerator
    unit_cost: Positive
    fixed_cost: NonNeg
    cash: Real
    borrow_limit: NonNeg
    link_strength: dict[str, Fraction] = {}  # designer -> established supply relationship (0-1)
    capacity: NonNeg  # thousand units a quarter it can deliver
    lead_time: int = Field(ge=0, le=8)  # quarters from order to delivery; 0: it can fill a gap the same quarter
    reliability: Fraction  # share of quarters its deliveries arrive in full
    disruption_loss: Fraction  # share of a quarter's deliveries lost when they do not


class ExportControl(Strict):
    name_en: str
    name_ko: str
    good: Literal["wafer", "hbm", "packaging", "accelerator"]
    from_countries: list[str]
    to_countries: list[str]
    perf_above: NonNeg = 0.0  # accelerators only: chips above this H100e are controlled
    since: Quarter


class Levers(Strict):
    """What the policy levers cost, how long they take, and how strongly they act.

    `lags` names the levers this scenario offers: each key is an Action kind (game/actions.py
    ACTION_KINDS), its value the quarters before the Action takes effect. A kind left out is a
    lever the scenario withholds: an Action of that kind is refused in play ("not in this
    scenario"), as a lesson may want."""

    lags: dict[str, Annotated[int, Field(ge=0, le=8)]]  # action kind -> quarters before it takes effect
    leader: Name  # the vendor of the "leader" group in procurement mixes (Nvidia)
    broker_link_cost_usd: NonNeg  # US$ B, once
    convergence_cost_share: NonNeg  # per quarter, share of the sector's output at intensity 1
    rd_reference_usd: Positive  # US$ B of cumulative R&D at which a grant's effect is half spent
    rd_perf_gain: NonNeg  # next generation's perf x (1 + gain * rd / (rd + reference))
    rd_ecosystem_gain: NonNeg  # ecosystem points a quarter at the reference grant rate
    service_weight: NonNeg  # LLM-use utility per unit of service-incentive rate
    stance_affinity: NonNeg  # buyers' utility for the acting country's chips per step of stance
    export_control_reach: dict[str, list[str]]  # country -> origins its export controls reach (FDPR)
    # country -> the levers its state has (its own programmes: export controls for the USA, equity
    # for China and Japan, procurement for the Gulf); a country not listed has every lever of `lags`
    offered: dict[str, list[str]] = {}

    @field_validator("lags")
    @classmethod
    def _known_levers(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(ACTION_KINDS))
        if unknown:
            raise ValueError(f"unknown lever {', '.join(unknown)} (the levers are {', '.join(ACTION_KINDS)})")
        return value

    @model_validator(mode="after")
    def _offered_levers_exist(self) -> Levers:
        for country, kinds in self.offered.items():
            unknown = sorted(set(kinds) - set(self.lags))
            if unknown:
                raise ValueError(f"offered.{country}: lever {', '.join(unknown)} is not in lags "
                                 f"(the scenario's levers are {', '.join(self.lags)})")
        return self

    def offers(self, country: str, kind: str) -> bool:
        """Whether `country`'s state has the lever `kind` in this scenario."""
        return kind in self.lags and (country not in self.offered or kind in self.offered[country])

    def offered_to(self, country: str) -> list[str]:
        """The levers `country`'s state has, in `lags` order."""
        return [kind for kind in self.lags if self.offers(country, kind)]


class Condition(Strict):
    """A test on the state: `key` is a column of the turn's snapshot ("korea.hbm_share"),
    "policy.KOR.trade_stance", or "firm.<name>.<attribute>"."""

    key: str
    op: Literal[">", "<", ">=", "<=", "==", "!="]
    value: float | str


class Effect(Strict):
    """What an event does, always through a mechanism."""

    kind: Literal["budget_shock", "export_control", "qualification", "capacity_loss", "perf_multiplier",
                  "pipeline", "learning_jump", "ecosystem"]
    targets: list[Name] = []  # firm names, or "country:XXX" for every firm of a kind in a country
    factor: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 1.0
    quarters: int = Field(default=1, ge=1, le=40)
    good: Literal["wafer", "hbm", "packaging", "accelerator"] | None = None
    from_countries: list[str] = []
    to_countries: list[str] = []
    perf_above: NonNeg = 0.0
    supplier: Name | None = None
    designer: Name | None = None
    generation: Name | None = None  # a qualification effect on an HBM maker: which generation
    level: Fraction = 1.0
    amount: NonNeg = 0.0
    delay: int = Field(default=0, ge=0, le=40)


class Choice(Strict):
    """One answer to an event's question: Actions of the choosing country (validated when the
    event loads, taken through the seam like any other) and, for a consequence no lever makes,
    effects of the event kinds, which happen only if this answer is chosen (a grid left unbuilt
    slows the fabs waiting for it)."""

    label_en: str
    label_ko: str
    actions: list[dict] = []
    effects: list[Effect] = []


class Event(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    title_en: str
    title_ko: str
    text_en: str
    text_ko: str
    start: Quarter  # first quarter it may fire
    end: Quarter | None = None  # last quarter it may fire
    probability: Fraction  # per quarter while its window is open and its conditions hold
    probability_key: str | None = None  # a state value that raises the probability ...
    probability_slope: Real = 0.0  # ... by slope x value
    conditions: list[Condition] = []
    effects: list[Effect]
    chooser: str | None = None  # the country that answers the choices
    choices: list[Choice] = []

    @model_validator(mode="after")
    def _choices_have_a_chooser(self) -> Event:
        if self.choices and not self.chooser:
            raise ValueError("an event with choices needs a chooser")
        if self.end is not None and parse_quarter(self.end) < parse_quarter(self.start):
            raise ValueError(f"end {self.end} is before start {self.start}: the event could never fire")
        return self


class ScoreComponent(Strict):
    key: str  # indicator of country_indicators (game.indicators.INDICATOR_KEYS)
    label_en: str
    label_ko: str
    weight: NonNeg
    low: Real  # value that scores 0
    high: Real  # value that scores 100
    invert: bool = False  # lower is better (dependence, money spent)
    of: str | None = None  # read this country's indicator instead of the scored country's (a rival's compute)

    @field_validator("key")
    @classmethod
    def _an_indicator(cls, value: str) -> str:
        if value not in INDICATOR_KEYS:
            raise ValueError(f"unknown indicator '{value}' (the indicators are {', '.join(INDICATOR_KEYS)})")
        return value

    @model_validator(mode="after")
    def _a_span(self) -> ScoreComponent:
        if self.low == self.high:
            raise ValueError(f"low and high are both {self.low}: the component needs a span to score along")
        return self


Grades = dict[str, Annotated[float, Field(ge=0, le=100)]]  # grade -> lowest score earning it


class CountryScore(Strict):
    """One country's own objective (`[score.<country>]`): its components and, optionally, its
    own grade bands (else the scenario's)."""

    components: list[ScoreComponent] = Field(min_length=1)
    grades: Grades | None = None

    @model_validator(mode="after")
    def _weighed_once_each(self) -> CountryScore:
        twice = repeated(component_id(c) for c in self.components)
        if twice:
            raise ValueError(f"components: indicator {', '.join(twice)} scored twice")
        if not any(c.weight > 0 for c in self.components):
            raise ValueError("components: every weight is 0, so the index would be 0 whatever happens")
        return self


class ScoreSpec(CountryScore):
    """`[score]`: the rule every country without its own is scored by (the Team Korea index in
    the shipped scenarios), its grade bands, and each country's own objective as
    `[score.<country id>]` tables (docs/model.md, "Scores and grades")."""

    grades: Grades = Field(min_length=1)
    countries: dict[str, CountryScore] = {}

    @model_validator(mode="before")
    @classmethod
    def _country_tables(cls, data):
        """`[score.USA]` arrives as the key "USA" of the score table: gather such tables."""
        if not isinstance(data, dict):
            return data
        own = {"components", "grades", "countries"}
        tables = {k: v for k, v in data.items() if k not in own and isinstance(v, dict)}
        if not tables:
            return data
        rest = {k: v for k, v in data.items() if k not in tables}
        return {**rest, "countries": {**data.get("countries", {}), **tables}}

    def for_country(self, country: str) -> CountryScore:
        """The rule `country` is scored by: its own if the scenario gives one, else `[score]`."""
        return self.countries.get(country, self)

    def grades_for(self, country: str) -> Grades:
        own = self.countries.get(country)
        return own.grades if own is not None and own.grades else self.grades


class KeyQuantity(Strict):
    """One number a lesson's point rests on (issue 17): what is read each quarter (an accessor of
    game/lesson_quantities.py and the names it needs), its label in both languages, how it is
    written, how a lesson sums it up (the last quarter, a total, or the quarters it equals a
    value, over a window) and the direction the lesson teaches: this game's summary against the
    counterfactual's."""

    quantity: str
    firm: Name | None = None
    node: Name | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2,3}$")] | None = None
    buyer: Name | None = None
    indicator: str | None = None
    label_en: str = Field(min_length=1, max_length=80)
    label_ko: str = Field(min_length=1, max_length=60)
    unit: Literal["percent", "k_units", "k_h100e", "k_wafers", "usd_b", "binding", "number"]
    decimals: int = Field(default=0, ge=0, le=4)
    summary: Literal["last", "sum", "count"] = "last"
    window: Annotated[list[Quarter], Field(min_length=2, max_length=2)] | None = None  # first, last quarter
    equals: str | None = None  # summary "count": the value counted (a binding input)
    direction: Literal["higher", "lower", "not_higher", "not_lower"]
    answers: list[Annotated[int, Field(ge=1, le=20)]] = []  # the debrief questions (1-based) its numbers answer

    @model_validator(mode="after")
    def _reads_something_known(self) -> KeyQuantity:
        accessor = ACCESSORS.get(self.quantity)
        if accessor is None:
            raise ValueError(f"quantity: unknown quantity {self.quantity!r} (the lesson quantities are "
                             f"{', '.join(ACCESSORS)}: game/lesson_quantities.py)")
        given = {name for name in LESSON_PARAMETERS if getattr(self, name) is not None}
        if set(accessor.needs) - given:
            raise ValueError(f"quantity {self.quantity!r} needs {', '.join(sorted(set(accessor.needs) - given))}")
        if given - set(accessor.needs):
            raise ValueError(f"quantity {self.quantity!r} takes no {', '.join(sorted(given - set(accessor.needs)))}")
        if self.indicator is not None and self.indicator not in INDICATOR_KEYS:
            raise ValueError(f"indicator: unknown indicator {self.indicator!r} (known: {', '.join(INDICATOR_KEYS)})")
        if accessor.categorical != (self.unit == "binding"):
            raise ValueError(f"unit: quantity {self.quantity!r} is "
                             + ("a category: its unit is 'binding'" if accessor.categorical else "a number"))
        if (self.summary == "count") != (self.equals is not None):
            raise ValueError("summary 'count' counts the quarters a value is `equals`: give both or neither")
        if accessor.categorical and self.summary != "count":
            raise ValueError(f"summary: a category ({self.quantity!r}) is summed up by 'count'")
        if self.window is not None and parse_quarter(self.window[1]) < parse_quarter(self.window[0]):
            raise ValueError(f"window: {self.window[1]} is before {self.window[0]}")
        return self


class Counterfactual(Strict):
    """The game a lesson compares the played game with: the same scenario, seed, difficulty and
    logged decisions, with one difference (issue 17). `event_effect`: an event's first effect with
    other values (the event still fires and draws the same random numbers); `without_actions`:
    a country's Actions of one kind left out; `actions_changed`: a country's Actions of one kind
    with other values for some fields (game/lesson_compare.py plays it)."""

    change: Literal["event_effect", "without_actions", "actions_changed"]
    label_en: str = Field(min_length=1, max_length=60)
    label_ko: str = Field(min_length=1, max_length=40)
    event: str | None = None
    effect: dict | None = None
    action: str | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2,3}$")] = "KOR"
    fields: dict | None = None

    @model_validator(mode="after")
    def _says_what_differs(self) -> Counterfactual:
        wanted = {"event_effect": {"event", "effect"}, "without_actions": {"action"},
                  "actions_changed": {"action", "fields"}}[self.change]
        given = {name for name in ("event", "effect", "action", "fields") if getattr(self, name) is not None}
        if wanted - given or given - wanted:
            raise ValueError(f"change {self.change!r} takes {' and '.join(sorted(wanted))}"
                             + (f", not {', '.join(sorted(given - wanted))}" if given - wanted else ""))
        if self.action is not None and self.action not in ACTION_KINDS:
            raise ValueError(f"action: unknown Action kind {self.action!r} (known: {', '.join(ACTION_KINDS)})")
        if self.effect is not None:
            unknown = sorted(set(self.effect) - set(Effect.model_fields) | ({"kind"} & set(self.effect)))
            if unknown or not self.effect:
                raise ValueError(f"effect: {', '.join(unknown) or 'nothing'} cannot be changed "
                                 "(name fields of an event effect other than kind)")
        if self.fields is not None:
            kind_fields = set(action_fields(self.action or "")) - {"kind"}
            unknown = sorted(set(self.fields) - kind_fields)
            if unknown or not self.fields:
                raise ValueError(f"fields: {self.action} has no field {', '.join(unknown) or '(none given)'} "
                                 f"(its fields: {', '.join(sorted(kind_fields))})")
        return self


class Lesson(Strict):
    """Classroom metadata of a lesson scenario, in both languages: what students should learn,
    the briefing read out before play, the questions for the debrief, and the lesson's question
    as data: its key quantities and the counterfactual they are compared with (both or neither)."""

    goals_en: list[str] = Field(min_length=1)
    goals_ko: list[str] = Field(min_length=1)
    briefing_en: str = Field(min_length=1)
    briefing_ko: str = Field(min_length=1)
    questions_en: list[str] = Field(min_length=1)
    questions_ko: list[str] = Field(min_length=1)
    quantities: list[KeyQuantity] = Field(default=[], max_length=8)
    counterfactual: Counterfactual | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> Lesson:
        if bool(self.quantities) != (self.counterfactual is not None):
            raise ValueError("key quantities are compared with a counterfactual: give [[lesson.quantities]] "
                             "and [lesson.counterfactual] together, or neither")
        for i, q in enumerate(self.quantities):
            beyond = [n for n in q.answers if n > len(self.questions_en)]
            if beyond:
                raise ValueError(f"quantities.{i}.answers: no question {', '.join(map(str, beyond))} "
                                 f"(the lesson has {len(self.questions_en)})")
        return self


class Scenario(Strict):
    scenario: Meta
    params: Params
    countries: list[Country]
    foundries: list[Foundry]
    foundry_pool: FoundryPool
    hbm_generations: list[HBMGeneration] = Field(min_length=1)  # oldest first
    hbm_makers: list[HBMMaker]
    packagers: list[Packager]
    packaging_pool: PackagingPool | None = None
    designers: list[Designer]
    qualifications: list[Qualification]
    buyers: list[Buyer]
    llm_developers: list[LLMDeveloper]
    llm_markets: list[LLMMarket]
    industries: list[Industry]
    component_suppliers: list[ComponentSupplier] = []
    export_controls: list[ExportControl] = []
    levers: Levers | None = None
    events: list[Event] = []
    score: ScoreSpec | None = None
    lesson: Lesson | None = None  # classroom scenarios only (assets/scenarios/lesson_*.toml)

    def firm_groups(self) -> dict[str, list]:
        """The kinds of named agents, by their section (industries are agents too)."""
        return {"foundries": self.foundries, "hbm_makers": self.hbm_makers, "packagers": self.packagers,
                "designers": self.designers, "buyers": self.buyers, "llm_developers": self.llm_developers,
                "component_suppliers": self.component_suppliers, "industries": self.industries}

    @model_validator(mode="after")
    def _nothing_twice(self) -> Scenario:
        """A name given twice would make the second silently win (or count twice)."""
        names = [f.name for group in self.firm_groups().values() for f in group]
        for what, values in (
            ("firm names must be unique (industries' too); repeated", names),
            ("countries: ids must be unique; repeated", [c.id for c in self.countries]),
            ("llm_markets: one market per country; repeated", [m.country for m in self.llm_markets]),
            ("events: ids must be unique; repeated", [e.id for e in self.events]),
            ("qualifications: one level per supplier, designer and generation; repeated",
             [f"{q.supplier} / {q.designer} / {q.generation}" for q in self.qualifications]),
            ("hbm_generations: names must be unique; repeated", [g.name for g in self.hbm_generations]),
        ):
            twice = repeated(values)
            if twice:
                raise ValueError(f"{what}: {', '.join(twice)}")
        return self

    @model_validator(mode="after")
    def _references_resolve(self) -> Scenario:
        """Every name used as a reference must exist, with the right kind."""
        countries = {c.id for c in self.countries}
        firms = {kind: {f.name for f in group} for kind, group in self.firm_groups().items()}

        def need(names: Iterable[str], kind: str, where: str) -> None:
            pool = countries if kind == "countries" else firms[kind]
            missing = sorted(set(names) - pool)
            if missing:
                singular = "country" if kind == "countries" else kind[:-1].replace("_", " ")
                raise ValueError(f"{where}: unknown {singular} {', '.join(missing)}")

        for group in self.firm_groups().values():
            for item in group:
                need([item.country], "countries", f"{item.name}.country")
        for f in self.foundries:
            need([s.country for s in f.sites], "countries", f"{f.name}.sites")
        unset = sorted({"site_cost_weight", "site_home_bias"} - self.params.model_fields_set)
        if unset and any(f.sites for f in self.foundries):
            raise ValueError(f"params: a foundry has sites abroad, so where it builds needs {', '.join(unset)}")
        for d in self.designers:
            need(d.foundries, "foundries", f"{d.name}.foundries")
            need(d.hbm_suppliers, "hbm_makers", f"{d.name}.hbm_suppliers")
            need(d.packagers, "packagers", f"{d.name}.packagers")
            need(set(d.reserved) - set(d.hbm_suppliers), "packagers", f"{d.name}.reserved")
            need(d.components, "component_suppliers", f"{d.name}.components")
            need(d.sold_to, "buyers", f"{d.name}.sold_to")
            need(d.variants, "countries", f"{d.name}.variants")
            for gen in d.roadmap:
                need(gen.foundries, "foundries", f"{d.name}.roadmap.{gen.name}.foundries")
        generations = {g.name for g in self.hbm_generations}
        for maker in self.hbm_makers:
            unknown = sorted(set(maker.generations) - generations)
            if unknown:
                raise ValueError(f"{maker.name}.generations: unknown HBM generation {', '.join(unknown)} "
                                 f"(hbm_generations: {', '.join(g.name for g in self.hbm_generations)})")
        node_classes = {f.name: {n.node for n in f.nodes} for f in self.foundries}
        for d in self.designers:
            for chip in (d.chip, *d.roadmap):
                made_at = d.foundries if chip is d.chip else chip.foundries
                lacking = [f for f in made_at if chip.node not in node_classes.get(f, set())]
                if lacking:
                    raise ValueError(f"{d.name}.{'chip' if chip is d.chip else 'roadmap.' + chip.name}.node: "
                                     f"{', '.join(lacking)} has no {chip.node} process")
        every_class = set().union(*node_classes.values()) if node_classes else set()
        unknown = sorted(set(self.foundry_pool.nodes) - every_class)
        if unknown:
            raise ValueError(f"foundry_pool.nodes: no foundry has a {', '.join(unknown)} process")
        if abs(sum(self.foundry_pool.nodes.values()) - 1) > 1e-3:
            raise ValueError("foundry_pool.nodes: the split by node class must sum to 1")
        need(self.foundry_pool.home, "countries", "foundry_pool.home")
        unnamed = sorted(set(self.foundry_pool.home_bias) - set(self.foundry_pool.home))
        if unnamed:
            raise ValueError(f"foundry_pool.home_bias: {', '.join(unnamed)} is not a segment of foundry_pool.home")
        if self.packaging_pool is not None:
            self._check_packaging_pool(need)
        for d in self.designers:
            for chip in (d.chip, *d.roadmap):
                where = f"{d.name}.{'chip' if chip is d.chip else 'roadmap.' + chip.name}.hbm_gen"
                if chip.hbm_gb > 0 and chip.hbm_gen is None:
                    raise ValueError(f"{where}: a chip with HBM names the generation it is built for")
                if chip.hbm_gen is not None and chip.hbm_gen not in generations:
                    raise ValueError(f"{where}: unknown HBM generation {chip.hbm_gen}")
        for q in self.qualifications:
            if q.supplier in firms["packagers"]:
                if q.generation is not None or q.sampling_since is not None:
                    raise ValueError(f"qualifications ({q.supplier} / {q.designer}): a packager's qualification "
                                     "has no generation or tests")
            else:
                need([q.supplier], "hbm_makers", "qualifications.supplier")
                if q.generation not in generations:
                    raise ValueError(f"qualifications ({q.supplier} / {q.designer}): an HBM maker's qualification "
                                     f"names a generation of hbm_generations, not {q.generation!r}")
            need([q.designer], "designers", "qualifications.designer")
        for b in self.buyers:
            need(b.affinity.keys(), "designers", f"{b.name}.affinity")
        for dev in self.llm_developers:
            need(dev.compute_from.keys(), "buyers", f"{dev.name}.compute_from")
        for market in self.llm_markets:
            need([market.country], "countries", "llm_markets.country")
            need(market.initial_shares.keys(), "llm_developers", f"llm_markets.{market.country}")
        for s in self.component_suppliers:
            need(s.link_strength.keys(), "designers", f"{s.name}.link_strength")
        for rule in self.export_controls:
            need(rule.from_countries + rule.to_countries, "countries", f"export_controls.{rule.name_en}")
        if self.levers:
            need([self.levers.leader], "designers", "levers.leader")
            need(self.levers.offered, "countries", "levers.offered")
            for country, origins in self.levers.export_control_reach.items():
                need([country, *origins], "countries", "levers.export_control_reach")
        if self.score is not None:
            need(self.score.countries, "countries", "score")
            for owner, rule in [(None, self.score), *self.score.countries.items()]:
                for c in rule.components:
                    if c.of is not None:
                        need([c.of], "countries", f"score{'.' + owner if owner else ''}.components.{c.key}.of")
        if abs(sum(f.other_share for f in self.foundries) - 1) > 1e-3:
            raise ValueError("foundries' other_share must sum to 1")
        start = parse_quarter(self.scenario.start)
        for rule in self.export_controls:
            if parse_quarter(rule.since) > start:
                raise ValueError(f"export_controls.{rule.name_en}: later rounds are events, not start state")
        return self

    def _check_packaging_pool(self, need: Callable[[Iterable[str], str, str], None]) -> None:
        pool = self.packaging_pool
        need([pool.anchor], "designers", "packaging_pool.anchor")
        need(pool.packagers, "packagers", "packaging_pool.packagers")
        need([pool.country], "countries", "packaging_pool.country")
        pool.ratio(self.designers)

    @model_validator(mode="after")
    def _lesson_resolves(self) -> Scenario:
        """A lesson's key quantities and counterfactual name what this scenario has: the firm of
        the right kind, a process class the foundry runs, countries, buyers, quarters inside the
        lesson, the event whose effect is changed (and the changed effect is a valid one)."""
        lesson = self.lesson
        if lesson is None or lesson.counterfactual is None:
            return self
        countries = {c.id for c in self.countries}
        groups = self.firm_groups()
        first = parse_quarter(self.scenario.start)
        last = first + self.scenario.turns - 1
        for i, q in enumerate(lesson.quantities):
            where = f"lesson.quantities.{i} ({q.label_en})"
            kind = ACCESSORS[q.quantity].firm_kind
            if q.firm is not None and kind is not None and q.firm not in {f.name for f in groups[kind]}:
                raise ValueError(f"{where}: firm: no {kind[:-1]} {q.firm!r} in this scenario")
            if q.node is not None and q.firm is not None:
                foundry = next(f for f in self.foundries if f.name == q.firm)
                if q.node not in {n.node for n in foundry.nodes}:
                    raise ValueError(f"{where}: node: {q.firm} has no {q.node} process")
            if q.country is not None and q.country not in countries:
                raise ValueError(f"{where}: country: no country {q.country!r} in this scenario")
            if q.buyer is not None and q.buyer not in {b.name for b in self.buyers}:
                raise ValueError(f"{where}: buyer: no buyer {q.buyer!r} in this scenario")
            if q.window is not None and not all(first <= parse_quarter(t) <= last for t in q.window):
                raise ValueError(f"{where}: window: {q.window[0]}-{q.window[1]} is not inside the lesson "
                                 f"({quarter_label(first)}-{quarter_label(last)})")
        change = lesson.counterfactual
        if change.country not in countries:
            raise ValueError(f"lesson.counterfactual.country: no country {change.country!r} in this scenario")
        if change.event is not None:
            event = next((e for e in self.events if e.id == change.event), None)
            if event is None:
                raise ValueError(f"lesson.counterfactual.event: no event {change.event!r} in this scenario")
            if not event.effects:
                raise ValueError(f"lesson.counterfactual.event: {change.event} has no effect to change")
            try:
                Effect.model_validate({**event.effects[0].model_dump(), **(change.effect or {})})
            except ValidationError as exc:
                problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
                raise ValueError(f"lesson.counterfactual.effect: {problem}") from None
        return self

    @model_validator(mode="after")
    def _events_resolve(self) -> Scenario:
        """What an event reads and changes must exist: the checks game.events.reference_problems
        makes when a World is built, made here so that the scenario's author sees them first."""
        known = Known.of(self)
        problems = [f"events.{event.id}: {problem}" for event in self.events
                    for problem in event_problems(event, known)]
        if problems:
            raise ValueError("; ".join(problems[:8]) + (f"; ... and {len(problems) - 8} more" if len(problems) > 8
                                                        else ""))
        return self


POLICY_FIELDS = frozenset(f.name for f in dataclasses.fields(Policy))


def snapshot_columns(scenario: Scenario) -> set[str]:
    """The columns of a turn's snapshot (game.indicators.snapshot, flattened) that an event
    condition may read, for this scenario's firms and countries."""
    columns = {"turn", "date", "prices.wafer", "prices.hbm", "prices.accelerator"}
    for market, group in (("hbm", scenario.hbm_makers), ("foundry", scenario.foundries),
                          ("packaging", scenario.packagers), ("accelerator", scenario.designers)):
        columns.update(f"shares.{market}.{firm.name}" for firm in group)
    columns.update(f"bottleneck.{d.name}" for d in scenario.designers)
    korea = any(c.id == "KOR" for c in scenario.countries)
    if korea:
        columns.update(f"korea.{key}" for key in INDICATOR_KEYS)
    if scenario.score:
        columns.update(f"score.{c.id}" for c in scenario.countries)
        if korea:
            columns.update(f"korea_index.{component_id(c)}" for c in scenario.score.for_country("KOR").components)
            columns.add("korea_index.total")
    return columns


@dataclasses.dataclass(frozen=True)
class Known:
    """What a scenario's events may name: snapshot columns, agents (firms, buyers, developers,
    industries) and countries."""

    columns: set[str]
    agents: set[str]
    countries: set[str]
    hbm_makers: frozenset[str] = frozenset()

    @classmethod
    def of(cls, scenario: Scenario) -> Known:
        return cls(snapshot_columns(scenario), {f.name for group in scenario.firm_groups().values() for f in group},
                   {c.id for c in scenario.countries}, frozenset(h.name for h in scenario.hbm_makers))


def key_problem(key: str, known: Known) -> str | None:
    """Why a condition or probability key names nothing the game computes, or None."""
    if key.startswith("policy."):
        parts = key.split(".", 2)
        if len(parts) != 3 or parts[1] not in known.countries or parts[2] not in POLICY_FIELDS:
            return (f"unknown policy key '{key}' (policy.<country>.<setting>, settings: "
                    f"{', '.join(sorted(POLICY_FIELDS))})")
        return None
    if key.startswith("firm."):
        name, _, attribute = key[len("firm."):].rpartition(".")
        if name not in known.agents or attribute not in FIRM_ATTRIBUTES:
            return (f"unknown firm key '{key}' (firm.<name>.<attribute>, attributes: "
                    f"{', '.join(sorted(FIRM_ATTRIBUTES))})")
        return None
    return None if key in known.columns else f"unknown indicator '{key}'"


def event_problems(event: Event, known: Known) -> list[str]:
    """Names and keys an event uses that the scenario does not have."""
    agents, countries = known.agents, known.countries
    keys = [c.key for c in event.conditions] + ([event.probability_key] if event.probability_key else [])
    problems = [p for key in keys if (p := key_problem(key, known))]
    for effect in event.effects:
        for target in effect.targets:
            if target.startswith("country:"):
                if target.split(":", 1)[1] not in countries:
                    problems.append(f"unknown country in target '{target}'")
            elif target != "all" and target not in agents:
                problems.append(f"unknown target '{target}'")
        for name in (effect.supplier, effect.designer):
            if name is not None and name not in agents:
                problems.append(f"unknown firm '{name}'")
        for country in effect.from_countries + effect.to_countries:
            if country not in countries:
                problems.append(f"unknown country '{country}'")
        if effect.kind == "export_control" and (not effect.from_countries or not effect.good):
            problems.append("an export_control effect needs a good and from_countries")
        if effect.kind == "qualification" and (effect.supplier is None or effect.designer is None):
            problems.append("a qualification effect needs a supplier and a designer")
        if effect.kind == "qualification" and effect.supplier in known.hbm_makers and effect.generation is None:
            problems.append("a qualification effect on an HBM maker names the HBM generation")
    if event.chooser and event.chooser not in countries:
        problems.append(f"unknown chooser '{event.chooser}'")
    for i, choice in enumerate(event.choices):
        for data in choice.actions:
            try:
                parse_action(data)
            except ValidationError as exc:
                error = exc.errors()[0]
                where = ".".join(str(part) for part in error["loc"])
                problems.append(f"choices[{i}] holds an invalid action {data}: "
                                + (f"{where}: " if where else "") + error["msg"])
    return problems


def _describe(error: dict, data: dict) -> str:
    """One line per pydantic error: the dotted field path (with firm names) and the problem."""
    parts: list[str] = []
    node = data
    for key in error["loc"]:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            label = node.get("name") or node.get("id") if isinstance(node, dict) else None
            parts[-1] = f"{parts[-1]}[{key}]" + (f" ({label})" if label else "")
            continue
        parts.append(str(key))
        node = node.get(key, {}) if isinstance(node, dict) else {}
    field = ".".join(parts)
    message = error["msg"]
    if error["type"] == "value_error":
        message = message.removeprefix("Value error, ")
        if not field:  # a cross-reference check: the message already names the field
            return message
    if error["type"] == "extra_forbidden":
        message = "unknown field (misspelt?)"
    elif error["type"] == "missing":
        message = "required field is missing"
    return f"{field}: {message}"


# --------------------------------------------------------------------------- extends
# A scenario may be written as another one plus changes: `extends = "baseline"` at the top, then
# only the tables and items that differ. Tables merge key by key; arrays of tables whose items have
# a `name`, `id` or `process` merge item by item (an item naming an existing one changes only the keys it
# gives; a new one is added at the end); any other value replaces the base's. Nothing is removed.

MAX_EXTENDS = 4  # a chain longer than this is a mistake, not a design


def _item_key(item) -> str | None:
    """What names an item of an array of tables for `extends`: a firm's `name`, an event's or a
    country's `id`, a foundry node's `process`."""
    return (item.get("name") or item.get("id") or item.get("process")) if isinstance(item, dict) else None


def _keyed(value) -> bool:
    return isinstance(value, list) and bool(value) and all(_item_key(i) is not None for i in value)


def merged(base: dict, changes: dict) -> dict:
    """`base` with `changes` laid over it (neither is modified)."""
    out = dict(base)
    for key, value in changes.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            out[key] = merged(old, value)
        elif _keyed(old) and _keyed(value):
            items = list(old)
            where = {_item_key(item): i for i, item in enumerate(items)}
            for item in value:
                i = where.get(_item_key(item))
                if i is None:
                    items.append(item)
                else:
                    items[i] = merged(items[i], item)
            out[key] = items
        else:
            out[key] = value
    return out


def _toml(text: str, where: str) -> dict:
    """Parsed TOML, or a ScenarioError naming the file (the parser's own message, with the line)."""
    if len(text) > MAX_BYTES:
        raise ScenarioError(f"{where}: over the {MAX_BYTES:,}-byte limit for a scenario")
    try:
        return parse_guarded(tomllib.loads, text, where)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: not valid TOML: {exc}") from None
    except UnsafeFile as exc:
        raise ScenarioError(str(exc)) from None


def _read(path: Path) -> str:
    """The text of a scenario file: a regular file within MAX_BYTES (no FIFO, no /dev/zero)."""
    try:
        return read_text_bounded(path, MAX_BYTES, "scenario")
    except UnsafeFile as exc:
        if not os.path.lexists(path):
            raise ScenarioError(f"{path}: no such scenario (installed: {', '.join(installed_names())})") from None
        raise ScenarioError(str(exc)) from None


def _name_problem(name: str) -> str | None:
    """Why `name` cannot name a scenario file, or None."""
    if "\0" in name:
        return "contains a NUL character"
    if name.endswith(".toml") or PLAIN_NAME.fullmatch(name):
        return None
    return ("is neither an installed scenario's name (letters, digits, '_' and '-' only, a file in "
            f"assets/scenarios: {', '.join(installed_names())}) nor a path ending in .toml")


def scenario_path(name_or_path: str, relative_to: Path | None = None) -> Path:
    """A bare name means a file in assets/scenarios; a string ending in .toml is a path (relative
    ones against `relative_to`, a folder, if given, else the working directory). Anything else
    (a name with a folder in it, "../x", a NUL) is a ScenarioError."""
    problem = _name_problem(name_or_path)
    if problem:
        raise ScenarioError(f"scenario {name_or_path!r}: {problem}")
    if name_or_path.endswith(".toml"):
        path = Path(name_or_path)
        return relative_to / path if relative_to is not None and not path.is_absolute() else path
    return SCENARIO_DIR / f"{name_or_path}.toml"


def installed_names() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def _base_path(data: dict, source: str, chain: tuple[str, ...]) -> Path | None:
    """The file `data` (read from `source`) extends, checked: an installed scenario's name, or a
    .toml path relative to the extending file's folder; no loop, not too deep."""
    base = data.get("extends")
    if base is None:
        return None
    if not isinstance(base, str) or not base:
        raise ScenarioError(f"{source}: extends: must name a scenario (e.g. \"baseline\")")
    problem = _name_problem(base)
    if problem:
        raise ScenarioError(f"{source}: extends: {base!r} {problem}")
    path = scenario_path(base, relative_to=Path(source).parent)
    if os.path.realpath(path) in chain or len(chain) > MAX_EXTENDS:
        raise ScenarioError(f"{source}: extends: '{base}' makes a loop or a chain over {MAX_EXTENDS} files deep")
    return path


def _resolve(data: dict, source: str, chain: tuple[str, ...]) -> dict:
    """The whole scenario a file describes: its base (resolved the same way) with the file's changes."""
    path = _base_path(data, source, chain)
    if path is None:
        return data
    base = _resolve(_toml(_read(path), str(path)), str(path), (*chain, os.path.realpath(path)))
    return merged(base, {k: v for k, v in data.items() if k != "extends"})


def _validated(data: dict, source: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = [_describe(err, data) for err in exc.errors()[:8]]
        more = len(exc.errors()) - len(lines)
        tail = f"\n  ... and {more} more" if more > 0 else ""
        raise ScenarioError(f"{source}: invalid scenario\n  " + "\n  ".join(lines) + tail) from None


def parse_scenario(text: str, source: str) -> Scenario:
    """Validate TOML text (resolving `extends` against the folder of `source`, the file's path,
    which also names the file in error messages)."""
    return _validated(_resolve(_toml(text, source), source, (os.path.realpath(source),)), source)


def load_scenario(name_or_path: str) -> Scenario:
    """The scenario of an installed name or a .toml path; a ScenarioError naming the file and
    the problem if it cannot be read or played."""
    path = scenario_path(name_or_path)
    return parse_scenario(_read(path), str(path))


def content_hash(scenario: Scenario) -> str:
    """SHA-256 of the scenario's validated content, written canonically: JSON with sorted keys,
    floats in Python's shortest round-trip form, fields left at their defaults omitted. So
    comments, whitespace, key order, number spelling (1e3, 1000, 1000.0), an explicit default
    and a newer game's new optional fields do not change it; any value that differs does."""
    document = scenario.model_dump(mode="json", exclude_defaults=True)
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def scenario_hash(name_or_path: str) -> str:
    """Content hash of the scenario (with the files it extends merged in), so saves and tournaments
    can tell which world they belong to: a change to the base changes every scenario built on it,
    while an edit that changes no value (a comment) changes nothing."""
    return content_hash(load_scenario(name_or_path))


def list_scenarios() -> list[Scenario]:
    return [load_scenario(str(p)) for p in sorted(SCENARIO_DIR.glob("*.toml"))]
