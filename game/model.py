"""The world: a Mesa model whose `step` is one quarter, in the nine phases of DESIGN.md.

Agents hold their own state and decisions (agents/); the markets between them are cleared in
game.upstream and game.accelerators with the numpy maths of game.market; policy enters only
through game.governance (the Action seam). Read `step` first: it is the turn, top to bottom.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass

import numpy as np

from agents.base import Country
from agents.controllers import Controller, make_controller
from agents.demand import ComponentSupplier, ComputeBuyer, Industry, LLMDeveloper
from agents.designers import Designer
from agents.producers import DesignerOrders, Foundry, HBMMaker, Packager
from game import accelerators, describe, market, upstream, wafers
from game import events as event_rules
from game.calendar import parse_quarter, quarter_label
from game.difficulty import NORMAL_GAME, Difficulty
from game.difficulty import apply as apply_difficulty
from game.exports import ExportRules, above
from game.governance import Governance
from game.indicators import History, TurnRecord
from game.mapdata import KIND_MARKET
from game.mesa_core import Agent, Model, tables_base
from game.scenario import ExportControl, Scenario, ScenarioError, content_hash
from game.snapshot import copy_instance, copy_items, share
from game.streams import Streams
from game.text import LANGUAGES, korean_name, tr
from game.why import MARKET_INDICATOR


def line_targets(producer) -> list[str]:
    """The indicators a producer's new line can move (the cause log's targets, which Why? reads):
    its own market's share, and for a foundry the leading-edge capacity standing in each country.
    (Every line named the foundry and HBM shares until 2026-12-07, so an HBM share's Why? listed
    foundries' lines once rivals' mechanisms counted for a market share: game.why.indicators_of.)"""
    share = MARKET_INDICATOR[KIND_MARKET[producer.kind]]
    return [share, "leading_edge_capacity_share"] if producer.kind == "foundry" else [share]


AGENT_COLUMNS = ("kind", "name", "country", "capacity", "output", "price", "revenue", "cash", "alive")


class QuestionPending(RuntimeError):
    """`World.step` on a quarter paused at an event's question: answer it (`World.answer`) first."""

    def __init__(self, question) -> None:
        super().__init__(f"quarter {question.turn} waits for {question.chooser}'s answer to event "
                         f"{question.event!r}: World.answer(index) goes on")
        self.question = question


@functools.cache
def tables_class() -> type:
    """`_Tables`, defined when a world first makes its DataCollector: Mesa's DataCollector
    imports pandas (~0.2 s), which only `sim --csv` and the tests read (World.datacollector)."""

    class _Tables(tables_base()):
        """Mesa's DataCollector with agent columns that are plain attributes (`attributes`), read in
        one pass per agent: Mesa calls a reporter function per agent and column (~60% of a collect).
        The rows are the tuples Mesa builds, (step, unique_id, value per column) with None for an
        attribute an agent lacks, so its tables and data frames are the same."""

        def __init__(self, columns, attributes: tuple[str, ...]) -> None:
            columns = tuple(columns)
            super().__init__(model_reporters={key: (lambda m, key=key: m.current_columns[key]) for key in columns},
                             agent_reporters={c: c for c in attributes})
            self._columns = columns
            self._attributes = attributes

        def collect(self, model) -> None:
            """Mesa's collect, reading the snapshot's columns in one pass: Mesa calls each model
            reporter and deep-copies its value, and every column is a number or a string, whose deep
            copy is itself. A table with other reporters added goes through Mesa's own collect."""
            if self.agenttype_reporters or tuple(self.model_reporters) != self._columns:
                return super().collect(model)
            columns, rows = model.current_columns, self.model_vars
            for key in self._columns:
                rows[key].append(columns[key])
            self._agent_records[model.steps] = list(self._record_agents(model))

        def _record_agents(self, model):
            steps, names = model.steps, self._attributes
            return [(steps, agent.unique_id, *[getattr(agent, n, None) for n in names]) for agent in model.agents]

    _Tables.__qualname__ = "_Tables"  # pickle finds it as game.model._Tables (the module's __getattr__)
    return _Tables


def __getattr__(name: str):
    if name == "_Tables":
        return tables_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_new_dict, _fill_dict = dict.__new__, dict.__init__


class Cause(dict):
    """A cause-log entry whose text in each language ("en", "ko") is rendered when first read:
    a headless tournament writes thousands of entries nobody reads, and rendering them all was a
    tenth of a game's time. The text is the same whenever it is read (names and strings are fixed)."""

    def __init__(self, render, **fields) -> None:
        super().__init__(**fields)
        self._render = render

    def __missing__(self, lang: str) -> str:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        text = self[lang] = self._render(self["key"], self["params"], lang)
        return text

    def get(self, key, default=None):
        return self[key] if key in self or key in LANGUAGES else default

    def __deepcopy__(self, memo) -> Cause:
        """A copied world's log (World.fork): deepcopy's generic path for a dict subclass was a
        tenth of a fork; this is the same copy (entries, then the renderer bound to the copy)."""
        new = dict.__new__(type(self))
        memo[id(self)] = new
        dict.update(new, copy_items(self, memo))
        new.__dict__.update(copy_items(self.__dict__, memo))
        return new


@dataclass(frozen=True)
class _Calibration:
    """What `World._calibrate` fits, kept per scenario content (the fit reads nothing but the
    scenario: no seed, no controller), so the worlds of a tournament, a sweep or a rewind that
    share a scenario fit it once. Restoring hands each world its own copies of what the game
    changes later (installed base, the pool's shares, LLM use)."""

    chip_appeal: np.ndarray
    installed: np.ndarray
    buyer_targets: tuple[tuple[int, float, float], ...]  # (buyer index, ref_price, target) after the fit
    pool_appeal: dict[str, np.ndarray]
    pool_shares: dict[str, dict[str, np.ndarray]]
    llm_appeal: dict[str, np.ndarray]
    llm_use: dict[str, dict[str, float]]

    @classmethod
    def of(cls, world: World) -> _Calibration:
        calibrated = [(i, b.ref_price, b.target) for i, b in enumerate(world.buyers)]
        return cls(world.chip_appeal.copy(), world.installed.copy(), tuple(calibrated),
                   {n: a.copy() for n, a in world.pool.appeal.items()},
                   {n: {s: a.copy() for s, a in by.items()} for n, by in world.pool.shares.items()},
                   {c: a.copy() for c, a in world.llm_appeal.items()},
                   {c: dict(use) for c, use in world.llm_use.items()})

    def restore(self, world: World) -> None:
        world.chip_appeal = self.chip_appeal.copy()
        world.installed = self.installed.copy()
        for i, ref_price, target in self.buyer_targets:
            world.buyers[i].ref_price = ref_price
            world.buyers[i].target = target
        world.pool.appeal = {n: a.copy() for n, a in self.pool_appeal.items()}
        world.pool.shares = {n: {s: a.copy() for s, a in by.items()} for n, by in self.pool_shares.items()}
        world.llm_appeal = {c: a.copy() for c, a in self.llm_appeal.items()}
        world.llm_use.update({c: dict(use) for c, use in self.llm_use.items()})


_CALIBRATIONS: dict[str, _Calibration] = {}  # content_hash of the scenario -> its fit, oldest first
_CALIBRATIONS_KEPT = 16
_OPENINGS: dict[tuple[str, int], TurnRecord] = {}  # (calibration_key, seed) -> the opening quarter's record
_OPENINGS_KEPT = 256  # a tournament's seeds (every strategy of a seed shares one); ~12 KiB each, 3 MB at most
_KEYS: dict[int, tuple[Scenario, str]] = {}  # id of a scenario object -> (that object, its content_hash)
# (calibration_key, a quarter's delivered compute per buyer as bytes) -> its rivals' sums per buyer
# (World._rival_sums): a function of the two alone (the scenario's buyers fix who is whose rival),
# asked of each quarter's deliveries twice, as `now` and, next quarter, as `before`
_RIVAL_SUMS: dict[tuple[str, bytes], list[np.float64]] = {}
_RIVAL_SUMS_KEPT = 256


def calibration_key(scenario: Scenario) -> str:
    """`content_hash(scenario)`, worked out once per scenario object: hashing dumps the whole
    scenario to JSON (~2.5% of a baseline game), and the worlds of a tournament, a sweep
    or a session's rewinds are built on the same object. A Scenario is frozen (game.scenario),
    so an object's hash does not change; the entry holds the object, so its id is not reused
    while the entry lasts. The last `_CALIBRATIONS_KEPT` objects are kept."""
    entry = _KEYS.get(id(scenario))
    if entry is None or entry[0] is not scenario:
        entry = _KEYS[id(scenario)] = (scenario, content_hash(scenario))
        while len(_KEYS) > _CALIBRATIONS_KEPT:
            _KEYS.pop(next(iter(_KEYS)))
    return entry[1]


class World(Model):
    # Whether the world keeps its cause log (`note`). A copy played only for numbers (a forecast's
    # run, a preview's trial) and a game read only for its scores (a tournament's, a learning
    # environment's: `explains=False`) are told not to: no reader ever sees their causes, and
    # writing them (the entries, the words of Actions and events, figures worked out only for the
    # log) is 2-10% of a game. Nothing else reads the log, so the game is the same either way.
    explains: bool = True

    def __init__(self, scenario: Scenario, seed: int = 0, controllers: dict[str, Controller] | None = None,
                 tables: bool = True, difficulty: Difficulty = NORMAL_GAME, explains: bool = True) -> None:
        """`controllers` maps country codes to controllers; a country not named plays its
        built-in default. `tables=False` skips the DataCollector rows (tournaments need only the
        snapshots and scores; the game is the same). `difficulty` scales state budgets before
        anything is built (game/difficulty.py), so the rest of the model never asks about it.
        `explains=False` keeps no cause log (`World.explains`: a tournament's game or a learning
        environment's, which no one reads for its causes; the game is the same)."""
        super().__init__(seed=seed)
        if not explains:
            self.explains = False
        self.source_scenario = scenario  # as written (saves name it by its content hash), before difficulty
        scenario = apply_difficulty(scenario, difficulty)
        self.difficulty = difficulty
        self.scenario = scenario
        self.params = scenario.params
        self.seed_value = seed
        self.streams = Streams(seed)  # one random stream per source of chance (common random numbers)
        self.start = parse_quarter(scenario.scenario.start)
        self.turns = scenario.scenario.turns
        self.turn = 0
        self.in_turn = False  # between begin_turn and record: controllers are deciding this quarter
        self.now = self.start - 1  # the quarter of the last completed turn

        self.countries = {c.id: Country(self, c) for c in scenario.countries}
        self.foundries = [Foundry(self, f, self.start, scenario.params) for f in scenario.foundries]
        self.foundry_index = {f.name: i for i, f in enumerate(self.foundries)}
        self.hbm_catalogue = [g.name for g in scenario.hbm_generations]  # oldest first
        self.hbm_bandwidth = {g.name: g.bandwidth for g in scenario.hbm_generations}
        self.hbm_makers = [HBMMaker(self, h, scenario.hbm_generations, self.start) for h in scenario.hbm_makers]
        self.hbm_index = {m.name: i for i, m in enumerate(self.hbm_makers)}
        self.packagers = [Packager(self, p) for p in scenario.packagers]
        self.designers = [Designer(self, d) for d in scenario.designers]
        self.buyers = [ComputeBuyer(self, b, self.start) for b in scenario.buyers]
        self.llm_developers = [LLMDeveloper(self, d, self.params.llm_quality_per_doubling)
                               for d in scenario.llm_developers]
        self.industries = [Industry(self, i) for i in scenario.industries]
        self.component_suppliers = [ComponentSupplier(self, c) for c in scenario.component_suppliers]
        self.by_name = {a.name: a for a in self.agents if not isinstance(a, Country)}
        # per foundry, the designers (world order) that may ever make a chip there: their first
        # chip's foundries or any roadmap generation's (a designer's foundries come only from
        # these, and the scenario does not change); what a foundry's investment reads of its
        # customers' plans (Foundry.expected_orders) comes only from them
        self.foundry_customers = {f.name: tuple(d for d, spec in zip(self.designers, scenario.designers, strict=True)
                                                if f.name in spec.foundries
                                                or any(f.name in g.foundries for g in spec.roadmap))
                                  for f in self.foundries}

        self.pool = wafers.Pool(self, scenario.foundry_pool)  # non-AI leading-edge wafer demand, by node class
        self.packaging_pool = upstream.PackagingPool(self, scenario.packaging_pool)  # CoWoS demand outside them
        # (supplier, designer, HBM generation or None for a packager) -> share of the designer's needs it
        # may serve; HBM triples in tests -> the quarter their tests began (docs/model.md, "Qualification")
        self.qualification = {(q.supplier, q.designer, q.generation): q.level for q in scenario.qualifications}
        self.sampling = {(q.supplier, q.designer, q.generation): parse_quarter(q.sampling_since)
                         for q in scenario.qualifications if q.sampling_since and q.level <= 0}
        self.export_rules = ExportRules(scenario.export_controls)
        self.llm_use: dict[str, dict[str, float]] = {}
        self.last_market = {good: self._no_trade(group) for good, group in
                            (("wafer", self.foundries), ("hbm", self.hbm_makers), ("packaging", self.packagers))}
        self.causes: list[list[dict]] = [[]]  # per turn (0: the opening): what moved what, and why
        self.usage_last: dict[tuple[str, str], tuple[float, float]] = {}  # (country, lever) -> (paid, rate)
        self.usage_now: dict[tuple[str, str], tuple[float, float]] = {}
        self.price_in_house()
        self._calibrate()

        chosen = dict(controllers or {})
        unknown = sorted(set(chosen) - set(self.countries))
        if unknown:
            raise ValueError(f"no country {', '.join(unknown)} in scenario '{scenario.scenario.name}'")
        self.governance = Governance(self, {c: chosen.get(c) or make_controller(c, "default")
                                            for c in self.countries})

        self.history = History()  # each played turn's snapshot, built when read (game.indicators.History)
        self.tables = False
        self.record_now = self.opening_record()  # step 0 of the tables: the opening state as it trades
        self.record_opening = self.record_now  # what the first quarter's decisions read (record_of(0))
        problems = [f"events.{e.id}: {p}" for e in scenario.events for p in event_rules.reference_problems(self, e)]
        if problems:
            raise ScenarioError(f"scenario '{scenario.scenario.name}': " + "; ".join(problems))
        self._table_columns = tuple(self.current_columns)  # the model columns of the tables (step 0's)
        self.tables = tables
        if tables:
            self.datacollector.collect(self)

    @functools.cached_property
    def datacollector(self):
        """Mesa's DataCollector of the game's tables (game.model._Tables), made when first read:
        at once in a world with `tables`, which collects every turn's rows; in one without, the
        empty collector it always held, for whoever asks (no headless game does)."""
        return tables_class()(self._table_columns, attributes=AGENT_COLUMNS)

    @staticmethod
    def _no_trade(suppliers) -> dict[str, np.ndarray]:
        zeros = np.zeros(len(suppliers))
        return {"shipped": zeros, "asked": zeros, "price": np.array([s.price for s in suppliers]),
                "capacity": np.array([s.capacity for s in suppliers])}

    # ------------------------------------------------------------------ the turn
    def step(self) -> None:
        """One quarter, or the rest of the quarter a caller opened with `open_quarter` (and
        answered, if it paused at a question). Past the end of the term there is no quarter to
        play: a RuntimeError, never a silent extra quarter (Mesa's `running` is False from the
        last turn on). A quarter waiting at a question cannot be closed: QuestionPending, and
        `answer` then `step` go on (Mesa's step count is not moved by the refused call, so its
        tables count quarters played)."""
        if not self.in_turn:
            self.open_quarter()
        if self.question is not None:
            self.steps -= 1  # Mesa counted this call; it closed no quarter
            raise QuestionPending(self.question)
        self.close_quarter()

    def open_quarter(self) -> None:
        """The next quarter up to its policy phase: budgets renew, events fire, lagged Actions take
        effect and every controller decides. Until `step` closes the quarter, Actions may be
        submitted through `governance.submit` as a person at the desk would (a notebook, a test).

        An event's question to a controller that answers later (a person's seat: see
        `Governance.fire_events`) pauses the quarter there: `question` says which, and
        `answer(index)` resumes it; phase 1's other events and phase 2 come after the last answer.
        A controller that answers at once (every AI, a re-played log) never pauses a quarter."""
        if self.finished:
            raise RuntimeError(f"the term is over: {self.turns} turns played")
        if self.in_turn:
            raise RuntimeError(f"quarter {self.date} is already open")
        self.begin_turn()
        if self.fire_events():                 # 1. scenario events, demand shocks, chip launches
            self.apply_policies()              # 2. lagged Actions take effect; controllers act

    @property
    def question(self):
        """The event's question this quarter is paused at (game.governance.Question), or None."""
        return self.governance.question

    def answer(self, index: int, event: str | None = None) -> bool:
        """Answer the question the quarter is paused at (`event`: its id, checked when given)
        and go on with the quarter: True once it has reached its policy phase as `open_quarter`
        would (`step` then closes it), False when it paused at another question. The answer is
        logged, noted and acted on exactly as an answer given at once, so a game answered here
        is the game whose controllers gave the same answers. Bad input (no question, another
        event, a choice out of range) changes nothing: RuntimeError or ValueError."""
        if not self.governance.answer(index, event):
            return False
        self.market_events()
        self.apply_policies()
        return True

    def close_quarter(self) -> None:
        self.fund_the_quarter()                # 2. programmes are paid, buyers' budgets set
        self.finish_turn()                     # 3-9

    def begin_turn(self) -> None:
        """A new quarter: budgets renew before anything of the quarter can spend them."""
        self.in_turn = True
        self.turn += 1
        self.now = self.start + self.turn - 1
        self.causes.append([])
        for country in self.countries.values():
            country.new_quarter()
        self.usage_last, self.usage_now = self.usage_now, {}
        self.governance.new_quarter()

    def finish_turn(self) -> None:
        """What follows once the policy of the quarter is set."""
        self.firms_decide()                    # 3. invest, plan builds, foundry customers re-pick
        received = upstream.clear_upstream_markets(self)  # 4. wafers, HBM, packaging
        upstream.produce(self, received)       # 5. Leontief, bottlenecks
        accelerators.clear(self)               # 6. buyers choose chips; rationing
        self.turn_compute_into_value()         # 7. compute -> models -> adoption -> GDP
        self.settle_money_and_learning()       # 8. cash, exits, learning curves
        self.record()                          # 9. indicators, scores, DataCollector rows
        self.running = not self.finished       # Mesa's flag: batch runners stop here

    @property
    def finished(self) -> bool:
        return self.turn >= self.turns

    @functools.cached_property
    def scenario_sha256(self) -> str:
        """The content hash of the scenario this game is played on (game.scenario.content_hash):
        what a save records, whatever happens to the scenario's file after the game began."""
        return content_hash(self.source_scenario)

    def close(self) -> None:
        """Let the world be garbage-collected: Mesa 3.3 keeps every model in a class-level
        registry of agent ids (`mesa.Agent._ids`, keyed by model), so a process that plays many
        games (tournament workers, the desktop game's baseline and rewinds, the debrief) must
        drop each finished world from it. The world stays readable; it only stops being pinned."""
        registry = getattr(Agent, "_ids", None)
        if registry is not None:
            registry.pop(self, None)

    @property
    def date(self) -> str:
        return quarter_label(self.now)

    @property
    def deciding(self) -> int:
        """The quarter a decision made now acts in: this one while a quarter is open (controllers
        decide in its policy phase), else the next (the desk, a preview or a learning environment
        between quarters). Costs estimated for a decision are the costs of that quarter."""
        return self.now if self.in_turn else self.now + 1

    quarter_label = staticmethod(quarter_label)
    quarter_of = staticmethod(parse_quarter)

    # ------------------------------------------------------------------ 1. events
    def fire_events(self) -> bool:
        """Scenario events, random shocks to every buyer's budget, and the chip generations
        whose launch is due. False when an event's question paused the quarter before the
        shocks and launches (`answer` runs them once the last question is answered)."""
        if not self.governance.fire_events():
            return False
        self.market_events()
        return True

    def market_events(self) -> None:
        """Phase 1 after the scenario's events: every buyer's budget shock, the chip generations
        whose launch is due, HBM qualification tests, compliant variants."""
        shocks = self.streams("demand").lognormal(0.0, self.params.budget_noise, len(self.buyers))
        for buyer, shock in zip(self.buyers, shocks.tolist(), strict=True):
            buyer.shock = shock
        for designer in self.designers:
            generation = designer.due_generation(self.now)
            if generation is not None and designer.alive:
                self.launch(designer, generation)
        self.test_hbm_qualifications()
        self.design_variants()

    def design_variants(self) -> None:
        """A designer whose chip a destination's rules now bar designs a compliant variant for it
        (docs/model.md, "Export controls and substitution"): just under the threshold (by
        `compliance_margin`), on sale `variant_lead` quarters later, priced at first by its
        performance against the flagship's (then with its own demand). A rule that tightens below
        a variant's performance sends it back to the drawing board; a threshold under
        `variant_min_perf` leaves nothing worth making. A variant unit is built as a flagship unit,
        so it is priced no lower than the flagship's unit cost (as the flagship's own price is)."""
        params = self.params
        countries = list(self.countries)
        for designer in self.designers:
            if not (designer.designs_variants and designer.alive):
                continue
            limits = self.export_rules.thresholds("accelerator", [designer.country], countries)[:, 0]
            for country, threshold in zip(countries, limits, strict=True):
                if not above(designer.perf, threshold):
                    continue
                target = threshold * (1 - params.compliance_margin)
                variant = designer.variants.get(country)
                if target < params.variant_min_perf:
                    designer.variants.pop(country, None)
                elif variant is None or above(variant["perf"], threshold):
                    designer.variants[country] = {
                        "perf": target,
                        "price": max(designer.price * (target / designer.perf) ** 0.5,
                                     accelerators.unit_cost(self, designer)),
                        "ready": float(self.now + params.variant_lead)}
                    self.note("mechanism", designer.country, "cause.variant_designed", firm=designer.name,
                              market=self.countries[country].name_en, market_ko=self.countries[country].name_ko,
                              perf=target, quarters=params.variant_lead, targets=["accelerator_share"])

    def test_hbm_qualifications(self) -> None:
        """HBM makers in tests with a designer for a generation may pass this quarter (docs/model.md,
        "Qualification"). Tests begin when a maker offers a generation a designer's chip can use;
        the odds of passing rise with the quarters of tests, with the maker's yield on that
        generation and with state R&D grants to it. Each triple draws from its own stream."""
        horizon = self.now + self.params.qualification_lead
        now, qualification, by_name, sampling = self.now, self.qualification, self.by_name, self.sampling
        streams = self.streams
        for designer in self.designers:
            if not designer.alive:
                continue
            generations = designer.hbm_generations()  # no repeats
            upcoming = []
            for chip in designer.roadmap:  # sorted by launch: the first beyond the horizon ends it
                if parse_quarter(chip.launch) > horizon:
                    break
                if chip.hbm_gen:
                    upcoming.append(chip.hbm_gen)
            if upcoming:
                generations = dict.fromkeys([*generations, *upcoming])
            designer_name = designer.name
            suppliers = [(name, by_name.get(name)) for name in designer.hbm_suppliers]
            for generation in generations:
                for name, maker in suppliers:
                    key = (name, designer_name, generation)
                    if qualification.get(key, 0.0) > 0:
                        continue
                    if not (maker.alive and maker.offers(generation, now)):
                        continue
                    since = sampling.setdefault(key, now)
                    draw = streams(f"qualification:{name}|{designer_name}|{generation}").random()
                    if draw < self.qualification_odds(maker, generation, now - since):
                        qualification[key] = 1.0
                        del self.sampling[key]
                        self.note("mechanism", maker.country, "cause.qualification_passed", supplier=name,
                                  designer=designer.name, generation=generation, quarters=now - since,
                                  yield_=maker.gens[generation]["yield"], targets=["hbm_share", "accelerator_share"])

    def qualification_odds(self, maker, generation: str, quarters: int) -> float:
        """A quarter's odds of passing: ramp x quarters of tests x how far its yield on the generation
        is from the floor towards a good yield, x (1 + gain x R&D grants / reference), capped."""
        p = self.params
        y = maker.gens[generation]["yield"]
        ready = min(max((y - p.qualification_yield_floor) / (p.qualification_yield_good - p.qualification_yield_floor),
                        0.0), 1.0)
        reference = self.scenario.levers.rd_reference_usd if self.scenario.levers else 1.0
        rd = 1 + p.qualification_rd_gain * maker.rd_stock / reference
        return min(p.qualification_ramp * quarters * ready * rd, p.qualification_max)

    def launch(self, designer: Designer, generation) -> None:
        """A new generation: its foundries are chosen now (with any price-gap subsidy), and the
        R&D grants received while it was designed raise its performance."""
        levers = self.scenario.levers
        boost = 1.0
        rd = designer.rd_stock - designer.rd_at_launch  # grants received while this generation was designed
        if levers and rd > 0:
            boost = 1 + levers.rd_perf_gain * rd / (rd + levers.rd_reference_usd)
        designer.rd_at_launch = designer.rd_stock
        # the choice without the subsidy is the cause log's alone (what the subsidy moved)
        free = self.foundry_choice(designer, generation, subsidised=False) if self.explains else None
        mix = self.foundry_choice(designer, generation)
        designer.adopt_generation(generation, mix, boost)
        if free is None:
            return
        if boost > 1.001:
            self.note("mechanism", designer.country, "cause.rd_boost", firm=designer.name, chip=generation.name,
                      gain=boost - 1, targets=["accelerator_share"])
        for name, with_subsidy, without in zip(generation.foundries, mix, free, strict=True):
            if with_subsidy - without > 0.05:
                self.note("mechanism", designer.country, "cause.foundry_choice", firm=designer.name, foundry=name,
                          chip=generation.name, share=with_subsidy, before=without, targets=["foundry_share"])

    def price_in_house(self) -> None:
        """Each in-house chip's price is what one more unit costs its owner at today's input prices
        (`accelerators.unit_cost`), set when the world is built and as each quarter's chip market
        opens: the owner weighs it against a merchant's list price per unit of compute, and pays
        itself no margin and no scarcity rent (docs/model.md, "Chip choice"). Merchants' prices
        are left as they are."""
        for designer in self.designers:
            if designer.owner is not None:
                designer.price = accelerators.unit_cost(self, designer)

    def foundry_choice(self, designer: Designer, chip, subsidised: bool = True) -> list[float]:
        """Split a new generation across its candidate foundries by a logit over the effective
        cost of a good die, c_f = wafer price / (dies per wafer x yield) - subsidy (MODEL.md 3)."""
        foundries = [self.by_name[n] for n in chip.foundries]
        cost = np.array([wafers.die_cost(self, f, chip) for f in foundries])
        if subsidised:
            expected = self.expected_funding(self.countries[designer.country], "foundry_subsidy")
            cost = cost - expected * np.array([self.die_subsidy(designer, f, chip) for f in foundries])
        allowed = np.array([f.runs(chip.node, self.now) and
                            self.export_rules.allows("wafer", f.country, designer.country) for f in foundries])
        if not allowed.any():
            allowed[:] = True  # nowhere legal to make it: keep the plan, orders will not fill
        return list(market.logit_shares(-self.params.supplier_cost_weight * np.log(cost), allowed))

    def die_subsidy(self, designer: Designer, foundry, chip) -> float:
        """The price-gap subsidy per good die (US$ thousand): a share of the gap between a home
        foundry and the cheapest foreign foundry this designer may use ("priming water")."""
        if foundry.country != designer.country:
            return 0.0
        rate = self.countries[designer.country].policy.foundry_subsidy
        if rate <= 0 or chip.node not in foundry.nodes:
            return 0.0
        area = wafers.die_area(self, chip)
        per_die = wafers.gap_per_die(self, foundry, chip.node, area, designer.country)
        return rate * per_die * self.params.usable_wafer_area / area / chip.dies_per_wafer

    def expected_funding(self, country: Country, programme: str) -> float:
        """The share of a programme's rate a firm expects the state to pay: what it paid last
        quarter, or this quarter's funded share for a programme not used yet."""
        last = country.funded_share(programme)
        return last if last is not None else country.funded

    # ------------------------------------------------------------------ 2. policy
    def apply_policies(self) -> None:
        """Actions whose lag has passed take effect; every controller decides."""
        self.governance.enact_due()
        self.governance.decide_all()

    def fund_the_quarter(self) -> None:
        """Each state plans its programmes against what is left of its budget (one funded share for
        all of them when they ask for more than is left), pays the standing ones (R&D grants,
        convergence programmes, its national centre), and every buyer's budget for the quarter is set."""
        for buyer in self.buyers:
            buyer.set_factor(self.now, buyer.shock)
        for country in self.countries.values():
            country.plan_programmes(self.programme_requests(country))
        self.pay_programmes()
        self.update_race()
        for buyer in self.buyers:
            buyer.plan(self.now, self.params, self.procurement_override(buyer))

    def update_race(self) -> None:
        """Each buyer's view of the race: how fast its rivals' (other countries' buyers')
        delivered compute grew last quarter, smoothed. Buyers order more when rivals build faster."""
        delivered = np.array([b.new_compute for b in self.buyers])
        before = getattr(self, "_delivered_before", None)
        self._delivered_before = delivered
        if before is None or self.turn <= 2:
            return
        smoothing = self.params.demand_smoothing
        for buyer, now, then in zip(self.buyers, self._rival_sums(delivered), self._rival_sums(before), strict=True):
            if then > 0:
                growth = min(max(now / then - 1, -0.5), 1.0)
                buyer.race = (1 - smoothing) * buyer.race + smoothing * growth

    def _rival_sums(self, values: np.ndarray) -> list[np.float64]:
        """`values[self.rival_mask[i]].sum()` for every buyer i: with up to `market.PAIRWISE_BLOCK`
        (128) buyers as numpy adds them (market._numpy_sum, the same float), without two numpy
        calls a buyer, and kept (`_RIVAL_SUMS`): this quarter's deliveries are next quarter's
        `before`. `market.SCALAR_MAX` below 0 takes the numpy way, as it does for the markets
        (tests/test_speed_identity.py). The buyers of a country share their rivals (the mask's row
        is "another country"), so each country's sum is worked out once."""
        if len(values) > market.PAIRWISE_BLOCK or market.SCALAR_MAX < 0:
            return self._sums_by_country(lambda i: values[self.rival_mask[i]].sum())
        key = (calibration_key(self.scenario), values.tobytes())
        sums = _RIVAL_SUMS.get(key)
        if sums is None:
            listed = values.tolist()
            sums = _RIVAL_SUMS[key] = self._sums_by_country(
                lambda i: np.float64(market._numpy_sum([listed[j] for j in self.rival_index[i]])))
            while len(_RIVAL_SUMS) > _RIVAL_SUMS_KEPT:
                _RIVAL_SUMS.pop(next(iter(_RIVAL_SUMS)))
        return sums

    def _sums_by_country(self, rival_sum) -> list[np.float64]:
        """`rival_sum(i)` for every buyer i, asked once per country (its first buyer's)."""
        sums: dict[str, np.float64] = {}
        out = []
        for i, buyer in enumerate(self.buyers):
            total = sums.get(buyer.country)
            if total is None:
                total = sums[buyer.country] = rival_sum(i)
            out.append(total)
        return out

    def programme_requests(self, country: Country) -> dict[str, float]:
        """What each of a country's programmes asks for this quarter (local currency): the
        standing ones their size, the usage-based ones last quarter's use at today's rates."""
        policy = country.policy
        requests = {"rd_grant": sum(a for n, a in policy.rd_grants.items() if self.by_name[n].alive),
                    "capacity_support": country.committed_support(),
                    "convergence": sum(self.convergence_cost(country, i) for i in self.industries
                                       if i.country == country.name)}
        buyer = self.national_buyer(country.name)
        if buyer is not None and self.now >= buyer.opens:
            requests["procurement"] = self._centre_cost(buyer, country, policy, self.deciding) * buyer.factor
        for lever in self.USAGE_LEVERS:
            requests[lever] = self.usage_estimate(country.name, policy, lever)
        return requests

    def convergence_cost(self, country: Country, industry) -> float:
        levers = self.scenario.levers
        intensity = country.policy.convergence.get(industry.name, 0.0)
        return intensity * levers.convergence_cost_share * country.to_local(industry.base_output) if levers else 0.0

    def procurement_override(self, buyer: ComputeBuyer) -> float | None:
        """A national centre is paid for by its state: its plan, or the volume its procurement
        lever sets, times this quarter's demand factor (an event's boom or bust, the random
        surprise), at the quarter's funded share (US$ B). Other buyers spend their own."""
        if not buyer.national or self.now < buyer.opens:
            return None
        country = self.countries[buyer.country]
        wanted = self.procurement_cost(country, country.policy) * buyer.factor
        return country.to_usd_billion(country.fund("procurement", wanted))

    def pay_programmes(self) -> None:
        levers = self.scenario.levers
        for country in self.countries.values():
            policy = country.policy
            for name, amount in policy.rd_grants.items():
                designer = self.by_name[name]
                if not designer.alive:
                    continue
                grant = country.to_usd_billion(country.fund("rd_grant", amount))
                designer.cash += grant
                designer.rd_stock += grant
                if designer.kind == "designer":
                    designer.ecosystem = min(1.0, designer.ecosystem
                                             + levers.rd_ecosystem_gain * grant / levers.rd_reference_usd)
            for industry in self.industries:
                if industry.country != country.name:
                    continue
                cost = self.convergence_cost(country, industry)
                intensity = policy.convergence.get(industry.name, 0.0)
                funded = intensity * country.fund("convergence", cost) / cost if cost else 0.0
                industry.programme = max(industry.base_programme, funded)

    def procurement_cost(self, country: Country, policy) -> float:
        """Local currency the national centre will cost in the quarter being decided (`deciding`)
        under `policy`: its planned volume (`planned_procurement`), but nothing for a plan whose
        centre has not opened yet (a commitment counts even before the centre opens)."""
        return self._centre_cost(self.national_buyer(country.name), country, policy, self.deciding)

    def planned_procurement(self, country: Country, policy=None) -> float:
        """Local currency a quarter the national centre is set to spend once it is open: the
        volume `policy` commits it to, else its plan at opening (or in the quarter being decided, once open). Before the
        centre opens its cost this quarter is 0, but a volume set now is what it will buy, so the
        desk and the strategies start from this, never from 0 (a zero volume buys nothing)."""
        buyer = self.national_buyer(country.name)
        return 0.0 if buyer is None else self._centre_plan(buyer, country, policy, self.deciding)

    @classmethod
    def _centre_cost(cls, buyer: ComputeBuyer | None, country: Country, policy, deciding: int) -> float:
        """`procurement_cost` of the country's centre `buyer` (None: it has none) in quarter
        `deciding`, for a caller that holds both already (the budget checks ask it per Action)."""
        if buyer is None or (policy.procurement_budget is None and deciding < buyer.opens):
            return 0.0
        return cls._centre_plan(buyer, country, policy, deciding)

    @staticmethod
    def _centre_plan(buyer: ComputeBuyer, country: Country, policy, deciding: int) -> float:
        """`planned_procurement` of the country's centre `buyer` in quarter `deciding`."""
        if policy is not None and policy.procurement_budget is not None:
            return policy.procurement_budget
        return country.to_local(buyer.planned_budget(max(deciding, buyer.opens)))

    def national_buyer(self, country: str) -> ComputeBuyer | None:
        """The country's national compute centre (its first, as listed), or None. Buyers and
        their `national` flags are fixed for a game, so the map is made once: it is asked
        for several times per country and quarter."""
        table = self.__dict__.get("_national_buyers")
        if table is None:
            table = {}
            for b in self.buyers:
                if b.national:
                    table.setdefault(b.country, b)
            self._national_buyers = table
        return table.get(country)

    def add_export_control(self, origin: str, good: str, to_countries: list[str], perf_above: float,
                           also_from: list[str] | None = None) -> None:
        """A new round of export controls: from the acting country and the origins its rules
        reach (the scenario's export_control_reach), to the destinations."""
        levers = self.scenario.levers
        reach = list(levers.export_control_reach.get(origin, [])) if levers else []
        origins = sorted({origin, *reach, *(also_from or [])})
        self.export_rules.add(ExportControl(name_en=f"{origin} {good} control", name_ko=f"{origin} {good} 통제",
                                            good=good, from_countries=origins, to_countries=list(to_countries),
                                            perf_above=perf_above, since=self.date))

    USAGE_LEVERS = ("foundry_subsidy", "chip_incentive", "service_incentive")

    def usage_estimate(self, country_id: str, policy, lever: str | None = None) -> float:
        """What usage-based programmes (subsidies, incentives) will ask for this quarter at the
        rates `policy` sets: what they owed last quarter at their full rate, scaled by the change
        of rate (one lever, or all). A programme not used yet is estimated at zero. Between
        quarters (a desk or a learning environment planning the next one) the last quarter's use
        is the one just recorded (`usage_now` until the next quarter opens and moves it)."""
        total = 0.0
        used = self.usage_last if self.in_turn else self.usage_now
        for name in (lever,) if lever else self.USAGE_LEVERS:
            owed, rate = used.get((country_id, name), (0.0, 0.0))
            if rate > 0:
                total += owed * getattr(policy, name) / rate
        return total

    def pay_usage(self, country: Country, lever: str, owed: float, paying: float) -> float:
        """Pay a usage-based programme (`owed` at its full rate, `paying` what its funded share
        comes to) from what is left of the budget; returns what was paid."""
        paid = country.fund(lever, owed, paying)
        key = (country.name, lever)
        before, _ = self.usage_now.get(key, (0.0, 0.0))
        self.usage_now[key] = (before + owed, getattr(country.policy, lever))
        return paid

    # ------------------------------------------------------------------ 3. firms decide
    def firms_decide(self) -> None:
        for country in self.countries.values():
            country.pay_commitments()
        orders = DesignerOrders(self)  # last quarter's, summed once for every producer of the phase
        for producer in self.producers:
            producer.commission(self.now)
            if producer.opening:
                self.note_financed_lines(producer)
            producer.invest(self.params, self.countries[producer.country], self.now, orders)
            producer.pay_capex()
            if producer.building:
                self.pay_financed_projects(producer)
            if producer.support_decided and self.explains:
                self.note("mechanism", producer.country, "cause.capacity_support", firm=producer.name,
                          amount=producer.invested, targets=line_targets(producer),
                          **{f"amount_{lang}": describe.capacity(producer.kind, producer.invested, lang)
                             for lang in LANGUAGES})
        for designer in self.designers:
            designer.plan(self.params.growth_expectation_cap)
        # phone, PC and networking chips drift towards the cheapest good die (the choice the
        # foundries' forecast worked out this phase, if it did: nothing it reads changed since)
        self.pool.move(self, orders.pool_choice)

    def pay_financed_projects(self, producer) -> None:
        """A producer's state-financed projects paid as far as its cash goes (Producer.pay_building),
        and the cause log told what that means: an instalment short slips the line, the last one
        paid brings it on line next quarter (so Why? can name the money behind a new line)."""
        opened_before = len(producer.opening)
        unpaid = producer.pay_building(self.now)
        if not self.explains:
            return
        if unpaid > 1e-9:
            self.note("mechanism", producer.country, "cause.project_unpaid", firm=producer.name, amount=unpaid,
                      targets=line_targets(producer),
                      **{f"amount_{lang}": describe.money(unpaid * 1e9, lang, "USD") for lang in LANGUAGES})
        for _, amount in producer.opening[opened_before:]:  # paid in full this quarter (pay_building adds them)
            self.note("mechanism", producer.country, "cause.project_paid", firm=producer.name, amount=amount,
                      targets=line_targets(producer),
                      **{f"amount_{lang}": describe.capacity(producer.kind, amount, lang) for lang in LANGUAGES})

    def note_financed_lines(self, producer) -> None:
        """The cause log says when a state-financed line paid for last quarter comes on line, in the
        quarter its capacity moves the shares (the turning points and Why? read that quarter)."""
        due = [entry for entry in producer.opening if entry[0] <= self.now]
        producer.opening = [entry for entry in producer.opening if entry[0] > self.now]
        for _, amount in due if self.explains else ():
            self.note("mechanism", producer.country, "cause.project_online", firm=producer.name, amount=amount,
                      targets=line_targets(producer),
                      **{f"amount_{lang}": describe.capacity(producer.kind, amount, lang) for lang in LANGUAGES})

    @property
    def other_demand(self) -> float:
        """Thousand wafers a quarter of non-AI leading-edge demand, every node class."""
        return self.pool.total

    @property
    def producers(self):
        return (*self.foundries, *self.hbm_makers, *self.packagers)

    # ------------------------------------------------------------------ 7. compute to value
    def turn_compute_into_value(self) -> None:
        for dev in self.llm_developers:
            new = sum(share * self.by_name[b].training_compute for b, share in dev.compute_from.items())
            domestic = sum(share * self.by_name[b].domestic_training_compute for b, share in dev.compute_from.items()
                           if self.by_name[b].country == dev.country)
            dev.train(new, domestic)
        for m in self.scenario.llm_markets:
            self._serve_llm_market(m)
        best = max(dev.output for dev in self.llm_developers)
        availability = {country: sum(share * self.by_name[name].output / best for name, share in use.items()
                                     if self.by_name[name].country == country)
                        for country, use in self.llm_use.items()}
        for industry in self.industries:
            before = industry.domestic_adoption
            industry.adopt(max(availability.get(industry.country, 0.0), 0.0), self.params.adoption_background)
            if industry.programme > industry.base_programme:
                gained = (industry.domestic_adoption - before) * (1 - industry.base_programme / industry.programme)
                self.note("mechanism", industry.country, "cause.convergence", industry=industry.name,
                          points=gained, targets=["industry_domestic_ai_share", "gdp_effect"])

    def _llm_shares(self, country: str, funded: float = 1.0, with_incentive: bool = True) -> dict[str, float]:
        names, utility = self._llm_utility(country, with_incentive, funded)
        shares = market.logit_all(utility + self.llm_appeal[country])
        return dict(zip(names, (float(s) for s in shares), strict=True))

    def _llm_utility(self, country: str, with_incentive: bool = True,
                     funded: float = 1.0) -> tuple[list[str], np.ndarray]:
        """Quality, a sovereignty preference for home models, and the service incentive at the
        share of its rate the state can pay (`funded`)."""
        spec = next(m for m in self.scenario.llm_markets if m.country == country)
        names = list(spec.initial_shares)
        devs = [self.by_name[n] for n in names]
        incentive = 0.0
        if with_incentive and self.scenario.levers and country in getattr(self, "countries", {}):
            incentive = self.scenario.levers.service_weight * self.countries[country].policy.service_incentive * funded
        utility = np.array([self.params.llm_choice_weight * dev.output / 10
                            + (spec.sovereignty_preference + incentive) * (dev.country == country) for dev in devs])
        return names, utility

    def _home_llm_share(self, spec, shares: dict[str, float]) -> float:
        return sum(s for n, s in shares.items() if self.by_name[n].country == spec.country)

    def _serve_llm_market(self, spec) -> None:
        """LLM use in a country this quarter, and the service incentive paid for it. The incentive
        acts at the share of its rate the state can pay: what it would owe at its full rate against
        what is left for it (money is conserved)."""
        country = self.countries[spec.country]
        rate = country.policy.service_incentive
        if rate <= 0:
            self.llm_use[spec.country] = self._llm_shares(spec.country)
            return
        at_full_rate = self._llm_shares(spec.country)
        full = self._home_llm_share(spec, at_full_rate)
        owed = country.to_local(rate * spec.service_market * full)
        funded = country.share_for("service_incentive", owed)
        # paid in full, the shares are those at the full rate (the same function of the same inputs)
        use = at_full_rate if funded == 1.0 else self._llm_shares(spec.country, funded)
        self.llm_use[spec.country] = use
        home = self._home_llm_share(spec, use)
        self.pay_usage(country, "service_incentive", owed, country.to_local(rate * funded * spec.service_market * home))
        if self.explains:  # the cause log's: the home share the incentive added
            before = self._home_llm_share(spec, self._llm_shares(spec.country, with_incentive=False))
            self.note("mechanism", spec.country, "cause.service_incentive", points=home - before,
                      targets=["domestic_llm_share", "chain_completeness"])

    # ------------------------------------------------------------------ 8. money and learning
    def settle_money_and_learning(self) -> None:
        rate = self.params.interest_rate
        for firm in (*self.producers, *self.designers, *self.component_suppliers):
            was_alive = firm.alive
            firm.settle(rate)
            if was_alive and not firm.alive:
                self.note("mechanism", firm.country, "cause.exit", firm=firm.name, targets=["accelerator_share"])
        for producer in (*self.foundries, *self.hbm_makers):
            producer.learn()

    # ------------------------------------------------------------------ 9. record
    def record(self) -> None:
        self.in_turn = False
        self.record_state()
        self.history.append(self.record_now)
        if self.tables:
            self.datacollector.collect(self)

    def opening_record(self) -> TurnRecord:
        """The opening state's record (turn 0, the quarter before the first), measured as the
        scenario's starting positions trade: on a fork, one quarter with no decision, no
        scenario event, no launch and no budget shock, its markets cleared. Why not the state as
        built: nothing has traded yet, so every market share reads 0 and every score opens far
        below where the data put it (Korea's index ~15, an F, where its HBM share alone is ~90%),
        then jumps after the first quarter whatever the player does. The calibration fits the
        first quarter's demand to the starting shares, so this quarter reproduces them (in the
        baseline: Korea's HBM revenue share 0.90, Samsung's foundry share 0.074; cal 1b, 1c).
        The world itself is untouched: its random streams draw nothing for this."""
        key = (calibration_key(self.scenario), self.seed_value)
        played = _OPENINGS.get(key)
        if played is None:
            played = _OPENINGS[key] = self._play_opening()
            while len(_OPENINGS) > _OPENINGS_KEPT:
                _OPENINGS.pop(next(iter(_OPENINGS)))
        return played.read_by(self)

    def _play_opening(self) -> TurnRecord:
        """`opening_record`'s quarter, played on a fork. What it reads is the world as built: the
        scenario (difficulty applied) and the seed (a component supplier's disruption draws from
        its stream), nothing of the controllers (the fork has none), so `opening_record` keeps one
        per (scenario content, seed): a tournament's strategies on a seed, a game's "no action"
        baseline, a lesson's counterfactual and a replayed save build the same opening."""
        trial = self.fork()
        trial.governance.controllers = {}
        trial.explains = False  # only its record is kept
        trial.begin_turn()
        for buyer in trial.buyers:
            buyer.shock = 1.0
        trial.close_quarter()
        trial.close()
        record = trial.record_now
        record.scenario = record.by_name = None  # `read_by` sets the reader's; kept, they would keep the fork
        return record

    def record_state(self) -> None:
        """Close the turn's books: a copy of what its indicators, scores and snapshot are built
        from (game.indicators.TurnRecord). They are worked out when something first reads them
        (`indicators`, `scores`, `current`, `current_columns`, `history`), with the values of
        this moment whenever that is (docs/design.md, "What a turn computes and when")."""
        self.record_now = TurnRecord(self)

    def record_of(self, turn: int):
        """The record of turn `turn` as it closed (0: the opening state); None before it."""
        if turn < 0 or turn > len(self.history):
            return None
        return self.record_opening if turn == 0 else self.history.record(turn - 1)

    @property
    def indicators(self) -> dict[str, dict[str, float]]:
        """Every country's indicators as the last turn closed (the opening state before turn 1)."""
        return self.record_now.indicators

    @property
    def scores(self) -> dict[str, float]:
        """Every country's index as the last turn closed."""
        return self.record_now.scores

    def score_of(self, country: str) -> float:
        """`scores.get(country, 0.0)` with only what that country's index reads built
        (TurnRecord.score_of): what a forecast or a preview, which read one score, pay for."""
        return self.record_now.score_of(country)

    @property
    def current(self) -> dict:
        """The snapshot of the last turn's close, in the shape of the `--json` contract."""
        return self.record_now.snapshot

    @property
    def current_columns(self) -> dict[str, float | str]:
        """`current` flattened to one level of columns (tables, event conditions)."""
        return self.record_now.columns

    def note(self, source: str, country: str, key: str, targets: list[str] | None = None, **params) -> None:
        """Add an entry to this turn's cause log, in both languages (strings in assets)."""
        if not self.explains:
            return
        # Cause(self.render, turn=..., ...) built without its Python-level __init__ (the same
        # entries in the same order, then the renderer): a game notes some 360 of them
        entry = _new_dict(Cause)
        _fill_dict(entry, turn=self.turn, date=quarter_label(self.now), source=source, country=country, key=key,
                   targets=targets or [], params=params)
        entry._render = self.render
        self.causes[-1].append(entry)

    def _localised(self, value, lang: str):
        """Firm and industry names (and lists of them) in the reader's language; strings keys
        such as "good.hbm" become their text."""
        if isinstance(value, list):
            return ", ".join(str(self._localised(v, lang)) for v in value)
        if isinstance(value, str) and value.startswith("good."):
            return tr(value, lang)
        if lang == "ko" and isinstance(value, str):
            if value in self.by_name:
                return self.by_name[value].name_ko
            if value in self.countries:
                return self.countries[value].name_ko
            return korean_name(value)
        return value

    def render(self, key: str, params: dict, lang: str) -> str:
        """A strings template filled with parameters in the reader's language."""
        values = {k: self._localised(params.get(f"{k}_{lang}", v), lang) for k, v in params.items()}
        try:
            return tr(key, lang).format(**values)
        except (KeyError, IndexError, ValueError):
            return f"{key} {params}"

    # ------------------------------------------------------------------ what-if
    def fork(self) -> World:
        """An independent copy of the world to play forward (previews, lookahead, forecasts):
        stepping or changing the copy never touches this world, and the copy, stepped with the
        same controllers, plays the same game as this world would. The one place a world is
        copied (`copy.deepcopy(world)` is the same copy), so every caller gets the cheap one."""
        return copy.deepcopy(self)

    def __deepcopy__(self, memo) -> World:
        """deepcopy's copy of the world, made cheap (docs/design.md, "Forks"): the scenario
        (as written and after difficulty), every spec reachable from it and the difficulty are
        shared, since nothing changes them once the world is built; everything else is copied
        by game.snapshot, which is deepcopy with fast paths for the containers, arrays and
        random generators a world is made of. This world is not changed, not even by a cache."""
        share(memo, self.source_scenario, self.scenario, self.difficulty)
        return copy_instance(self, memo)

    def _trial(self) -> World:
        """The copy `preview` plays on and drops once it has read a score: `fork`'s copy with no
        controllers, no DataCollector rows and no cause log (only its score is read; the game is the same),
        which shares what playing on only appends to, never changes nor reads, where `fork`
        copies it (at mid-term, two thirds of a fork's time): the cause log's entries and the
        lists of closed quarters (a quarter notes only into its own list; the trial gets a copy of
        the open quarter's), the Action log's entries (the trial gets its own list), the Actions
        waiting out their lag (frozen models) and the tables (it collects none). The trial is
        nobody else's to read or change, so what it shares is never changed; played on, it is
        the fork's game (tests/test_speed_gov.py plays both)."""
        memo: dict[int, object] = {id(entries): entries for entries in self.causes[:-1]}
        memo.update((id(entry), entry) for entry in self.causes[-1])
        memo.update((id(entry), entry) for entry in self.governance.log)
        memo.update((id(action), action) for _, _, action in self.governance.pending)
        memo[id(self.governance.controllers)] = {}
        tables = self.__dict__.get("datacollector")
        if tables is not None:
            memo[id(tables)] = tables
        trial = copy.deepcopy(self, memo)
        trial.tables = False
        trial.explains = False  # only its score is read (World.explains)
        return trial

    def preview(self, country: str, actions: list, quarters: int = 1, effects=()) -> float:
        """`country`'s score `quarters` ahead if it takes `actions` now (and nothing else
        changes policy meanwhile), on a copy of the world: the world itself is untouched. Only
        valid mid-turn, from a controller's decision. `effects`: an event answer's own
        consequences (Choice.effects), applied to the copy first, as answering applies them."""
        trial = self._trial()
        for effect in effects:
            event_rules.apply_effect(trial, effect, trial.now)
        trial.governance.submit(country, list(actions), source="preview")
        trial.close_quarter()
        for _ in range(min(quarters, self.turns - self.turn + 1) - 1):
            trial.step()
        return trial.score_of(country)

    # ------------------------------------------------------------------ calibration
    def _calibrate(self) -> None:
        """Fit the unobserved appeal of each chip, foundry and LLM so that the logit demand of
        the first quarter reproduces the scenario's starting shares (Berry 1994); dynamics
        afterwards come only from prices, performance, ecosystems, policy and events."""
        if len(self.buyers) * max(len(self.designers), len(self.buyers)) > market.LISTS_MAX_CELLS:
            self._large_masks()  # the same arrays, set in the same order (a world's state is compared whole)
        else:
            self.affinity = np.array([[b.affinity.get(d.name, 0.0) for d in self.designers] for b in self.buyers])
            self.home_chip = np.array([[b.country == d.country for d in self.designers] for b in self.buyers])
            self.rival_mask = np.array([[b.country != o.country for o in self.buyers] for b in self.buyers])
            self.rival_index = self._rivals_listed()
            self.sold_to_ok = np.array([[not d.sold_to or b.name in d.sold_to for d in self.designers]
                                        for b in self.buyers])
        key = calibration_key(self.scenario)
        fitted = _CALIBRATIONS.get(key)
        if fitted is None:
            self._fit_calibration()
            fitted = _CALIBRATIONS[key] = _Calibration.of(self)
            while len(_CALIBRATIONS) > _CALIBRATIONS_KEPT:
                _CALIBRATIONS.pop(next(iter(_CALIBRATIONS)))
        else:
            fitted.restore(self)

    def _rivals_listed(self) -> list[list[int]]:
        """Each buyer's rivals as a list, read by `_rival_sums` up to `market.PAIRWISE_BLOCK` buyers
        only (above, none: a buyer x buyer list of lists would cost a Python step per pair)."""
        if len(self.buyers) > market.PAIRWISE_BLOCK:
            return []
        return [[j for j, rival in enumerate(row) if rival] for row in self.rival_mask.tolist()]

    def _large_masks(self) -> None:
        """`_calibrate`'s buyer x designer (and buyer x buyer) masks built by numpy, for worlds
        past `market.LISTS_MAX_CELLS` (benchmark worlds): the same arrays, without a Python step
        per cell. Affinities and `sold_to` lists name few designers or buyers each."""
        buyers, designers = self.buyers, self.designers
        column = {d.name: j for j, d in enumerate(designers)}
        row = {b.name: i for i, b in enumerate(buyers)}
        self.affinity = np.zeros((len(buyers), len(designers)))
        for i, b in enumerate(buyers):
            for name, value in b.affinity.items():
                if name in column:
                    self.affinity[i, column[name]] = value
        buyer_country = np.array([b.country for b in buyers], dtype=object)
        self.home_chip = buyer_country[:, None] == np.array([d.country for d in designers], dtype=object)[None, :]
        self.rival_mask = buyer_country[:, None] != buyer_country[None, :]
        self.rival_index = self._rivals_listed()
        self.sold_to_ok = np.ones((len(buyers), len(designers)), dtype=bool)
        for j, d in enumerate(designers):
            if d.sold_to:
                self.sold_to_ok[:, j] = False
                self.sold_to_ok[[row[n] for n in d.sold_to if n in row], j] = True

    def _fit_calibration(self) -> None:
        """The Berry fits of `_calibrate` (the masks it uses are set already). The chips' fit
        runs over the accelerator market's parts (`accelerators.market_parts`: the whole market
        at game size, each group of buyers and chips that trade only with each other when choice
        sets are sparse), so its cost follows the allowed (buyer, chip) pairs."""
        self.chip_appeal = np.zeros(len(self.designers))
        grouped = accelerators.market_parts(self)  # None: one market, the world's
        parts = [self] if grouped is None else grouped
        terms = [accelerators.chip_terms(part) for part in parts]  # (allowed, perf, price) per part
        budget = np.array([b.base_budget if b.opens <= self.start else 0.0 for b in self.buyers])
        budgets = [budget] if grouped is None else [budget[part.rows] for part in parts]

        def choices() -> list[np.ndarray]:
            return [market.logit_shares(accelerators.chip_utility(part, perf, price, allowed), allowed)
                    for part, (allowed, perf, price) in zip(parts, terms, strict=True)]

        def unit_shares(appeal: np.ndarray) -> np.ndarray:
            self.chip_appeal = appeal
            spent = [(b[:, None] * choice / price).sum(axis=0)
                     for b, choice, (_, _, price) in zip(budgets, choices(), terms, strict=True)]
            return market.normalised(accelerators.gather_designers(self, grouped, spent))

        target = market.normalised(np.array([d.demand_est for d in self.designers]))
        self.chip_appeal = market.fit_constants(unit_shares, target)
        capacity = np.array([b.capacity for b in self.buyers])
        mixes, unit_prices = [], []
        for part, choice, (_, perf, price) in zip(parts, choices(), terms, strict=True):
            mix = choice / price * perf
            unit_prices.append(accelerators.unit_prices(choice, perf, price))
            mix = mix / np.maximum(mix.sum(axis=1, keepdims=True), market.TINY)
            mixes.append((capacity if grouped is None else capacity[part.rows])[:, None] * mix)
        unit_price = accelerators.gather_buyers(self, grouped, unit_prices)
        self.installed = accelerators.dense_matrix(self, grouped, mixes)
        for buyer, p in zip(self.buyers, unit_price, strict=True):  # orders that reproduce the first spend
            if not buyer.national and np.isfinite(p) and p > 0:
                buyer.ref_price = float(p)
                buyer.target = buyer.base_budget * 1000 / buyer.ref_price

        self.pool.calibrate(self)
        self.llm_appeal = {}
        for m in self.scenario.llm_markets:
            names, utility = self._llm_utility(m.country, with_incentive=False)
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
