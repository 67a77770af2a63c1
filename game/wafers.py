"""Leading-edge wafers (phase 4 of the turn): the foundries' process nodes, the AI-chip designers'
orders, the rest of the advanced-node market (the pool) and the price-gap subsidy.

Everything here works per process node (docs/model.md, "Learning per node"): a chip is designed
for a node class ("3nm") and made on that class's process at each foundry it uses; a good die's
cost is the node's wafer price over the good dies a wafer yields, and yields follow each node's
own defect density, which falls with the wafers run on that node. So volume bought on one node
teaches that node, and the customers who watch that node's cost per good die see the result.

The pool is the non-AI leading-edge demand (phones, PCs, networking) by node class, moving to
newer classes as they open, split into segments by the country whose firms design the chips (a
foundry's home segment is its anchor customers) and the rest of the world. Each segment moves
slowly (contracts, design ports) towards the foundries with the cheapest good die on each class.
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from game import market
from game.policy import customer_side, stance_affinity, supplier_step

ELSEWHERE = "ROW"  # the pool segment designed by firms of no country with a home segment


def die_area(world, chip) -> float:
    """cm2 of a chip's largest die: given, or the usable wafer area over its dies per wafer
    (never above a reticle, ~8.5 cm2: a bigger chip is made of several dies)."""
    if chip.die_area:
        return chip.die_area
    return min(world.params.usable_wafer_area / chip.dies_per_wafer, 8.5)


def good_dies(world, foundry, chip) -> float:
    """Good chip-sets per wafer of `chip` at `foundry` on the chip's node today."""
    return chip.dies_per_wafer * foundry.die_yield(chip.node, die_area(world, chip))


def die_cost(world, foundry, chip) -> float:
    """US$ thousand per good die of `chip` at `foundry`."""
    return foundry.nodes[chip.node]["price"] / good_dies(world, foundry, chip)


class Pool:
    """The pool's state: demand by node class (thousand wafers a quarter) and, per class and
    segment, each foundry's share of it."""

    def __init__(self, world, spec) -> None:
        self.spec = spec
        self.demand = {c: spec.demand * s for c, s in spec.nodes.items()}
        self.segments = {**spec.home, ELSEWHERE: 1 - sum(spec.home.values())}
        classes = [c for f in world.foundries for c in f.order]
        self.classes = sorted(set(classes), key=_class_rank)  # oldest first
        self.appeal: dict[str, np.ndarray] = {}
        self.shares: dict[str, dict[str, np.ndarray]] = {}

    @property
    def total(self) -> float:
        return sum(self.demand.values())

    def calibrate(self, world) -> None:
        """Each foundry's unobserved appeal per class, so that the starting split of each class's
        pool, over all segments (each leaning to its home foundries by its home bias),
        reproduces the foundries' starting shares of the pool (`other_share`, renormalised to those
        that run the class): Berry's contraction, one market per class. A class no foundry runs
        at the start has no split to fit: it takes the appeals fitted on the class before it."""
        own = np.array([f.other_share for f in world.foundries])
        older = None  # the class before this one (classes run oldest first)
        for node in self.classes:
            running = self.running(world, node, world.start)
            target = self.starting_split(world, node, running, own)
            base = {s: self.utility(world, node, s, with_appeal=False) for s in self.segments}
            mask = {s: self.allowed(world, node, s, world.start) for s in self.segments}
            if (target > 0).any() or older is None:
                # a foundry the pool does not use yet gets the least appeal observed
                fitted = {s: m & (target > 0) for s, m in mask.items()}

                def predict(appeal, base=base, fitted=fitted):
                    # shares of what the pool buys: a segment barred from every foundry running the
                    # class (China's designers at 5nm) buys none of it, and the rest is the whole
                    return market.normalised(sum(w * market.logit_shares(base[s] + appeal, fitted[s])
                                                 for s, w in self.segments.items()))

                appeal = market.fit_constants(predict, target)
                floor = appeal[target > 0].min() if (target > 0).any() else 0.0
                self.appeal[node] = np.where(target > 0, appeal, floor)
            else:
                # a class no foundry runs yet (2 nm) keeps each foundry's appeal on the class before
                # it: what the fit found beyond cost (design kits, IP, customers' record with the
                # foundry) belongs to the foundry, not to one process
                self.appeal[node] = self.appeal[older].copy()
            self.shares[node] = {s: market.logit_shares(base[s] + self.appeal[node], mask[s]) for s in self.segments}
            older = node

    def starting_split(self, world, node: str, running: np.ndarray, own: np.ndarray) -> np.ndarray:
        """Each foundry's share of the class's pool at the start. A process with a stated
        `pool_use` gets that share of its capacity (of what the segments that may buy on the class
        order); the rest of the class goes to the other foundries running it by `other_share`. So a
        foundry's overall share need not hold on each of its classes: Samsung's lines on 5 and 7 nm
        ran ~70% full in 2024 while its 3 nm, at ~20% yield, kept few outside customers."""
        use = {(f.name, n.node): n.pool_use for f in world.scenario.foundries for n in f.nodes}
        stated = np.array([use.get((f.name, node)) if running[i] and use.get((f.name, node)) is not None
                           else np.nan for i, f in enumerate(world.foundries)])
        known = ~np.isnan(stated)
        if not known.any():
            target = np.where(running, own, 0.0)
            return target / target.sum() if target.sum() > 0 else running / max(running.sum(), 1)
        ordered = self.demand.get(node, 0.0) * sum(
            part for segment, part in self.segments.items() if self.allowed(world, node, segment, world.start).any())
        capacity = np.array([f.nodes[node]["capacity"] if known[i] else 0.0 for i, f in enumerate(world.foundries)])
        fixed = np.where(known, stated, 0.0) * capacity / ordered if ordered > 0 else np.zeros(len(known))
        rest = np.where(running & ~known, own, 0.0)
        spread = rest / rest.sum() * max(1 - fixed.sum(), 0.0) if rest.sum() > 0 else rest
        # where the stated uses exceed the class, or no other foundry runs it, the stated shares
        # are scaled to the whole; with nothing stated or used at all, an even split
        target = fixed + spread
        return target / target.sum() if target.sum() > 0 else running / max(running.sum(), 1)

    def running(self, world, node: str, now: int | None = None) -> np.ndarray:
        when = world.now if now is None else now
        return np.array([f.runs(node, when) for f in world.foundries])

    def running_table(self, world, now: int | None = None) -> list[list[bool]]:
        """[class][foundry]: does the foundry run the class (`self.classes` order) now."""
        when = world.now if now is None else now
        return [[f.runs(node, when) for f in world.foundries] for node in self.classes]

    def export_table(self, world) -> list[list[bool]]:
        """[segment][foundry]: may the segment's designers order wafers from the foundry (the
        foundry rules bar China's designers); a segment of no country is never barred."""
        rules, foundries = world.export_rules, world.foundries
        return [[segment not in world.countries or rules.allows("wafer", f.country, segment) for f in foundries]
                for segment in self.segments]

    def frame(self, world) -> _Frame:
        """The pool's market structure this quarter (`_Frame`), built when what it depends on
        changed since it was last built for this pool: which processes have opened by now
        (their opening quarters are fixed), which foundries are alive, and the export rules (read
        through their wafer table, which they make anew when a rule is added). move (phase 3)
        and orders (phase 4) read the same one, and most quarters the last quarter's."""
        cache = _pool_cache(self, world)
        foundries = world.foundries
        rules = world.export_rules.thresholds("wafer", [f.country for f in foundries], list(self.segments))
        key = (bisect_right(cache.dates, world.now), tuple(f.alive for f in foundries))
        built = cache.frame
        if built is None or built.key != key or built.rules is not rules:
            built = cache.frame = _Frame.of(self, world, key, rules)
        return built

    def _opening_dates(self, world) -> tuple[float, ...]:
        """The quarters at which one of the pool's classes opens at some foundry, sorted: between
        two of them no foundry starts or stops running a class but by exiting."""
        return tuple(sorted({f.nodes[node]["opens"] for f in world.foundries for node in self.classes
                             if node in f.nodes}))

    def utility(self, world, node: str, segment: str | None, with_appeal: bool = True) -> np.ndarray:
        """-w log(cost per good reference die, less the segment's home subsidy) + appeal."""
        return self.utility_table(world, [node], [segment], with_appeal)[0, 0]

    def utility_table(self, world, nodes: list[str] | None = None, segments: list | None = None,
                      with_appeal: bool = True) -> np.ndarray:
        """[class, segment, foundry] of `utility`, every class and segment in one array (each
        element is computed by the same operations, in the same order, as one row at a time).
        A segment of None has no home subsidy, home bias or trade stance."""
        segments = list(self.segments) if segments is None else segments
        return self._utility(world, self.classes if nodes is None else nodes, segments,
                             home_table(world, segments), with_appeal)

    def _utility(self, world, nodes: list[str], segments: list, home: np.ndarray, with_appeal: bool) -> np.ndarray:
        """`utility_table` with its [segment, foundry] home table given (move reads the frame's). The
        cost per good die and its log are worked out per class and foundry and broadcast over the
        segments (the same numbers in every segment's row), per segment only where a home subsidy
        lowers some of them."""
        params = world.params
        foundries = world.foundries
        dies = params.usable_wafer_area / params.reference_die_area
        costs = [[f.nodes[node]["price"] / (dies * f.die_yield(node, params.reference_die_area))
                  if node in f.nodes else 1.0 for f in foundries] for node in nodes]
        cost = np.array(costs).reshape(len(nodes), 1, -1)
        for s, segment in enumerate(segments):
            # home_subsidy_per_die is 0 but for a segment whose state pays the subsidy, at its home foundries
            country = world.countries.get(segment) if segment is not None else None
            if country is None or country.policy.foundry_subsidy <= 0:
                continue
            at_home = [(i, f) for i, f in enumerate(foundries) if f.country == segment]
            for k, node in enumerate(nodes):
                for i, f in at_home:
                    subsidy = _home_subsidy_from(world, f, node, country, segment, costs[k][i], costs[k])
                    if subsidy:
                        if cost.shape[1] != len(segments):  # its own row for each segment from now on
                            cost = np.repeat(cost, len(segments), axis=1)
                        cost[k, s, i] = cost[k, s, i] - subsidy
        utility = -params.other_demand_cost_weight * np.log(np.maximum(cost, 1e-9))
        located = utility + home + stance_pulls(world, segments)
        if None in segments:  # a segment of None keeps the cost's utility, not even a zero added
            located = np.where(np.array([segment is not None for segment in segments])[:, None], located,
                               utility)
        if with_appeal:
            located = located + np.array([self.appeal[node] for node in nodes]).reshape(len(nodes), 1, -1)
        return located

    def allowed(self, world, node: str, segment: str, now: int | None = None) -> np.ndarray:
        """Foundries a segment may order from on a class: running it, and not barred by export
        rules from selling to the segment's country (the foundry rules bar China's designers)."""
        running = self.running(world, node, now)
        if segment not in world.countries:
            return running
        return running & np.array([world.export_rules.allows("wafer", f.country, segment) for f in world.foundries])

    def choice(self, world) -> tuple[np.ndarray, np.ndarray]:
        """This quarter's [class, segment, foundry] utilities and the logit shares the segments
        re-pick towards (over the foundries allowed now): what `move` reads, and what
        `forecast_orders` extends, worked out once when the phase's producers asked for both."""
        frame = self.frame(world)
        utility = self._utility(world, self.classes, list(self.segments), frame.home, True)
        return utility, market.logit_shares(utility, frame.allowed)

    def move(self, world, choice: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """A quarter: the pool grows, part of each class moves to the next newer class running
        somewhere, and every segment re-picks its foundries a little (inertia). Every class and
        segment is computed in one array pass. `choice`: this quarter's `choice`, if the phase
        already worked it out (nothing it reads changes in phase 3)."""
        frame = self.frame(world)
        _grow_and_migrate(self.demand, frame.open_classes, self.spec.growth, self.spec.migration)
        if not self.classes:
            return
        segments = list(self.segments)
        old = _share_table(self.shares, self.classes, segments)
        inertia = world.params.other_demand_inertia
        new = _first_step_taken(self, choice, frame, old, inertia)
        if new is None:
            _, target = choice if choice is not None else self.choice(world)
            new = _repick(old, target, frame.allowed, frame.any_allowed, inertia)
        for k, node in enumerate(self.classes):
            for s, segment in enumerate(segments):
                self.shares[node][segment] = new[k, s]

    def forecast_orders(self, world, horizons: Iterable[int],
                        choice: tuple[np.ndarray, np.ndarray] | None = None) -> dict[int, dict[str, np.ndarray]]:
        """What the pool will order, by the pool's own rule at today's costs and yields: for each
        k of `horizons` (>= 0), {class: each foundry's orders in quarter now + k} (thousand wafers a
        quarter). Read in phase 3, before this quarter's move: each quarter the pool grows and migrates to
        the next newer class some foundry runs by then (`move`; the opening quarters are the
        roadmaps'), re-picks its foundries a step towards the logit shares of today's utilities
        (a process opening later enters the choice when it opens), and orders its demand at
        today's prices (`order_book`'s price response). The market forecast a foundry plans its
        processes against (`Foundry.expected_orders`): the known drift of phones and PCs to newer
        classes, not the recent growth of one process's orders. `choice`: this quarter's `choice`
        (made here when not given)."""
        classes = self.classes
        wanted_at = sorted(set(horizons))
        if not classes or not wanted_at:
            return {k: {} for k in wanted_at}
        segments = list(self.segments)
        # each class's demand as a plain float, in `classes` order (a class the pool has none of
        # starts at 0.0, as the dict's .get read it; classes no foundry runs never move the rest)
        demand = [float(self.demand[c]) if c in self.demand else 0.0 for c in classes]
        exports = self.frame(world).exports
        utility, target_now = choice if choice is not None else self.choice(world)
        price, listed, opens = _class_tables(world.foundries, classes)
        inertia = world.params.other_demand_inertia
        keep = 1 - inertia
        grown, migration = 1 + self.spec.growth, self.spec.migration
        shares = _share_table(self.shares, classes, segments)
        steps = _forecast_steps(opens, exports, utility, target_now, world.now, wanted_at[-1], inertia,
                                _pool_cache(self, world).patterns)
        # the short re-pick where it gives the same numbers (`_repick_tame`), else `_repick`'s steps
        tame = _tame(shares, keep) and all(step.tame for step in steps)
        # the shares and demand of each wanted quarter, whose orders are worked out together at
        # the end (every operation there is elementwise, or a sum along one axis: the same numbers)
        kept = np.empty((len(wanted_at), *shares.shape))
        demands, reached = [], []
        start = shares
        for k, step in enumerate(steps):
            _grow_and_migrate_rows(demand, step.moves, grown, migration)
            if tame:
                shares = _repick_tame(shares, step.keepmask, step.pull, step.any_allowed)
            else:
                shares = _repick_step(shares, step.target, step.pull, step.allowed, step.any_allowed, keep)
            if k == 0 and choice is not None:
                _keep_first_step(self, world, choice, start, shares, step, inertia)
            if k in wanted_at:
                kept[len(reached)] = shares
                demands.append([max(wafers, 0.0) for wafers in demand])
                reached.append(k)
        if not reached:  # no horizon of 0 or more
            return {}
        parts = np.array([self.segments[segment] for segment in segments])
        orders = _forecast_orders(kept[:len(reached)], demands, parts, price, listed,
                                  world.params.pool_price_elasticity)
        return {k: dict(zip(classes, orders[h], strict=True)) for h, k in enumerate(reached)}

    def orders(self, world) -> list[tuple[str, str, int, float]]:
        """(segment, node, foundry index, thousand wafers) for every pool order this quarter: the
        class's demand, less what its price drives away (`price_response`)."""
        return [(segment, node, i, amount) for segment, node, held, wanted in self.order_book(world)
                for i, amount in zip(held, wanted, strict=True)]

    def order_book(self, world) -> list[tuple[str, str, list[int], list[float]]]:
        """`orders` by segment and class, in the same order: (segment, node, the foundries it
        orders from, thousand wafers from each). Plain loops: on a few numbers each, Python's
        comprehensions and builtins cost more than the work (issue 15)."""
        options_of = self.frame(world).options
        elasticity = world.params.pool_price_elasticity
        foundries = world.foundries
        out = []
        for node, demand in self.demand.items():
            if demand <= 0 or node not in self.shares:
                continue
            by_segment = self.shares[node]
            for segment, part in self.segments.items():
                shares = by_segment[segment].tolist()
                held, amounts = [], []
                price = listed = 0  # as sum() adds: from 0, each held foundry in turn
                for i in options_of[node, segment]:
                    share = shares[i]
                    if share > 0:
                        state = foundries[i].nodes[node]
                        price += share * state["price"]
                        listed += share * state["list_price"]
                        held.append(i)
                        amounts.append(share)
                if held:  # else nothing is ordered
                    wanted = demand * part * price_response(elasticity, price, listed)
                    for m, share in enumerate(amounts):
                        amounts[m] = wanted * share
                    out.append((segment, node, held, amounts))
        return out

    def wafers_by_foundry(self, world, foreign_of: str | None = None) -> np.ndarray:
        """Each foundry's pool orders this quarter (of segments other than `foreign_of`'s own)."""
        out = np.zeros(len(world.foundries))
        for segment, _, i, wafers in self.orders(world):
            if foreign_of is None or segment != foreign_of:
                out[i] += wafers
        return out


class _Frame(NamedTuple):
    """The pool's market structure at a quarter (`Pool.frame`): what move and orders read of
    which foundry runs each class and whom the export rules let each segment buy from. Its
    arrays are read-only, the rest tuples or read-only mappings: it is never changed once built."""

    key: tuple  # (how many opening quarters have passed, each foundry alive) it was built for
    rules: np.ndarray  # the export rules' wafer table it was built from (compared by identity)
    options: Mapping[tuple[str, str], tuple[int, ...]]  # (class, segment): foundries running it that may sell
    open_classes: tuple[str, ...]  # classes some foundry runs, oldest first
    allowed: np.ndarray  # [class, segment, foundry]: running and may sell
    any_allowed: np.ndarray  # [class, segment, 1]: the segment may buy the class somewhere
    home: np.ndarray  # [segment, foundry]: the segment's home bias at the foundries of its country (`home_table`)
    exports: np.ndarray  # [segment, foundry]: the export rules let the segment buy from the foundry

    @classmethod
    def of(cls, pool: Pool, world, key: tuple, rules: np.ndarray) -> _Frame:
        running, exports = pool.running_table(world), pool.export_table(world)
        width = len(world.foundries)
        sells = np.array(exports, dtype=bool).reshape(len(pool.segments), width)
        allowed = np.array(running, dtype=bool).reshape(len(pool.classes), width)[:, None, :] & sells[None, :, :]
        any_allowed = allowed.any(axis=-1, keepdims=True)
        home = home_table(world, list(pool.segments))
        allowed.flags.writeable = any_allowed.flags.writeable = home.flags.writeable = sells.flags.writeable = False
        open_classes = tuple(c for c, row in zip(pool.classes, running, strict=True) if any(row))
        options = MappingProxyType({
            (node, segment): tuple(i for i, (on, ok) in enumerate(zip(runs, barred, strict=True)) if on and ok)
            for node, runs in zip(pool.classes, running, strict=True)
            for segment, barred in zip(pool.segments, exports, strict=True)})
        return cls(key, rules, options, open_classes, allowed, any_allowed, home, sells)


class _PoolCache:
    """A pool's frame cache: the opening quarters its frame's key counts (fixed by the scenario)
    and the last frame built. Kept beside the pool, not in it (a weak mapping: a pool's cache
    goes with it), so a world's state is what it was without it (issue 15 compares whole states
    bit for bit); a fork's pool is another pool and builds its own. Also the first quarter of
    the last forecast run on a given `choice` (`_keep_first_step`), which `move` takes."""

    def __init__(self, dates: tuple[float, ...]) -> None:
        self.dates = dates
        self.frame: _Frame | None = None
        self.first_step: _FirstStep | None = None
        self.patterns = _Patterns()  # the forecast's patterns of running processes


class _FirstStep(NamedTuple):
    """The forecast's first re-pick and everything it was worked out from: `move`'s re-pick,
    when `move` is handed the same `choice` in a frame that is the same object, from shares of
    the same bits and with the same inertia (`_first_step_taken`)."""

    choice: tuple  # the `Pool.choice` the forecast was handed (compared by identity)
    frame: _Frame  # the frame whose `allowed` the step's equals (compared by identity)
    start: bytes  # the [class, segment, foundry] shares it started from, as bytes (float64: `_tame`'s)
    inertia: float
    shares: np.ndarray  # the shares a quarter on


def _keep_first_step(pool: Pool, world, choice: tuple, start: np.ndarray, shares: np.ndarray, step: _Step,
                     inertia: float) -> None:
    """Keep the forecast's first re-pick for `move` (`Pool.move` in phase 3 re-picks the
    same shares towards the same target: `_repick`), where it is `_repick`'s: its step re-picks
    among the frame's `allowed` (the same processes run at now + 0 as the frame says), towards
    the choice's target with its pull (`inertia` x target, as `_repick` works it out), and
    `_repick_tame` gives `_repick_step`'s numbers where the forecast takes it."""
    cache = _CACHES.get(pool)
    frame = cache.frame if cache is not None else None
    if frame is None or step.target is not choice[1] or start.dtype != np.float64 \
            or step.allowed.shape != frame.allowed.shape or step.allowed.tobytes() != frame.allowed.tobytes():
        return
    cache.first_step = _FirstStep(choice, frame, start.tobytes(), inertia, shares)


def _first_step_taken(pool: Pool, choice: tuple | None, frame: _Frame, old: np.ndarray,
                      inertia: float) -> np.ndarray | None:
    """The kept first re-pick of the forecast (`_keep_first_step`) when it was worked out from
    what `move` would work it out from (else None), taken once: `move` keeps its rows."""
    cache = _CACHES.get(pool)
    kept = cache.first_step if cache is not None else None
    if kept is None or choice is None:
        return None
    cache.first_step = None
    if kept.choice is not choice or kept.frame is not frame or kept.inertia != inertia \
            or old.dtype != np.float64 or old.shape != kept.shares.shape or old.tobytes() != kept.start:
        return None
    return kept.shares


_CACHES: weakref.WeakKeyDictionary[Pool, _PoolCache] = weakref.WeakKeyDictionary()


def _pool_cache(pool: Pool, world) -> _PoolCache:
    """The pool's cache (`_CACHES`), made on first use."""
    cache = _CACHES.get(pool)
    if cache is None:
        cache = _CACHES[pool] = _PoolCache(pool._opening_dates(world))
    return cache


def _grow_and_migrate(demand: dict[str, float], open_classes: tuple[str, ...], growth: float,
                      migration: float) -> None:
    """A quarter of the pool's demand (in place): every class grows, then `migration` of each open
    class moves to the next newer open class, newest pair first (`Pool.move`, `Pool.forecast_orders`)."""
    grown = 1 + growth
    for node in demand:
        demand[node] *= grown
    for older, newer in zip(open_classes[-2::-1], open_classes[::-1], strict=False):
        moving = migration * demand.get(older, 0.0)
        demand[older] = demand.get(older, 0.0) - moving
        demand[newer] = demand.get(newer, 0.0) + moving


def _repick(old: np.ndarray, target: np.ndarray, allowed: np.ndarray, any_allowed: np.ndarray,
            inertia: float) -> np.ndarray:
    """[class, segment, foundry] shares a quarter on: a step `inertia` of the way from `old` (where
    still allowed) to `target` (the logit shares of the utilities), renormalised; a segment with
    no foundry allowed keeps its split (`Pool.move`; the forecast calls `_repick_step` with the
    pull worked out once for many quarters)."""
    return _repick_step(old, target, inertia * target, allowed, any_allowed, 1 - inertia)


def _class_tables(foundries: list, classes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """[class, 1, foundry] node prices and list prices (0.0 where it has no such process), and
    [class, foundry] opening quarters (inf where it has no such process or has exited: it never
    runs it, `Foundry.runs`), read in one pass over the foundries' processes (flat lists, shaped
    once: half the cost of nested ones)."""
    price, listed, opens = [], [], []
    for c in classes:
        for f in foundries:
            state = f.nodes.get(c)
            if state is None:
                price.append(0.0)
                listed.append(0.0)
                opens.append(np.inf)
            else:
                price.append(state["price"])
                listed.append(state["list_price"])
                opens.append(state["opens"] if f.alive else np.inf)
    shape = (len(classes), 1, len(foundries))
    return np.array(price).reshape(shape), np.array(listed).reshape(shape), np.array(opens).reshape(shape[0], -1)


def _share_table(shares: dict[str, dict[str, np.ndarray]], classes: list[str], segments: list[str]) -> np.ndarray:
    """[class, segment, foundry] of the pool's shares: the same numbers `np.array` of the nested
    rows gives, copied by one concatenation rather than read row by row."""
    rows = [shares[node][segment] for node in classes for segment in segments]
    return np.concatenate(rows).reshape(len(classes), len(segments), -1)


class _Pattern(NamedTuple):
    """One pattern of running processes in `Pool.forecast_orders` and what a quarter's re-pick
    reads of it whatever the utilities: whom each segment may buy from, the weight on the old
    shares and the classes' migration. It depends on which processes run, the export table and
    the inertia only, so the pool's cache keeps it from one quarter to the next (`_patterns`):
    the patterns change when a process opens, a foundry exits or a rule is added."""

    allowed: np.ndarray  # [class, segment, foundry]: running and may sell
    any_allowed: np.ndarray  # [class, segment, 1]
    no_option: np.ndarray  # [class, segment, 1]: ~any_allowed
    keepmask: np.ndarray  # 1 - inertia where allowed, 0.0 where not in a row with an option, 1.0 in a row with none
    moves: tuple[tuple[int, int], ...]  # (older, newer) row pairs that migrate, newest pair first

    @classmethod
    def of(cls, running: np.ndarray, exports: np.ndarray, inertia: float) -> _Pattern:
        allowed = running[:, None, :] & exports[None, :, :]
        any_allowed = allowed.any(axis=-1, keepdims=True)
        no_option = ~any_allowed
        rows = [k for k, row in enumerate(running.any(axis=1).tolist()) if row]
        keepmask = np.where(allowed, 1 - inertia, np.where(no_option, 1.0, 0.0))
        for array in (allowed, any_allowed, no_option, keepmask):
            array.flags.writeable = False  # shared by the forecasts of many quarters
        return cls(allowed, any_allowed, no_option, keepmask, tuple(zip(rows[-2::-1], rows[::-1], strict=False)))


class _Step(NamedTuple):
    """A quarter's market structure in `Pool.forecast_orders`, for one pattern of running
    processes: whom each segment may buy from, the logit target it re-picks towards and that
    target's pull (`inertia` x target, as `_repick` weighs it), and the classes' migration."""

    allowed: np.ndarray  # [class, segment, foundry]: running and may sell
    any_allowed: np.ndarray  # [class, segment, 1]
    target: np.ndarray  # logit shares of the utilities over `allowed`
    pull: np.ndarray  # inertia x target
    keepmask: np.ndarray  # the pattern's (`_Pattern.keepmask`, what `_repick_tame` weighs the old shares by)
    tame: bool  # the pull is one `_repick_tame` may take (`_tame_pull`)
    moves: tuple[tuple[int, int], ...]  # (older, newer) row pairs that migrate, newest pair first

    @classmethod
    def of(cls, pattern: _Pattern, utility: np.ndarray, target: np.ndarray | None, inertia: float) -> _Step:
        if target is None:
            target = market.logit_shares(utility, pattern.allowed)
        pull = inertia * target
        return cls(pattern.allowed, pattern.any_allowed, target, pull, pattern.keepmask,
                   _tame_pull(pull, pattern.any_allowed, pattern.no_option), pattern.moves)


def _forecast_steps(opens: np.ndarray, exports: np.ndarray, utility: np.ndarray, target_now: np.ndarray,
                    now: int, last: int, inertia: float, patterns: _Patterns | None = None) -> list[_Step]:
    """The `_Step` of each quarter now + 0 .. now + `last` of `Pool.forecast_orders`, one for each
    pattern of running processes (`opens`: when each foundry runs each class), which changes only
    when a quarter passes one of the opening quarters. Quarter 0's processes are the frame's: its
    target is `Pool.choice`'s (`target_now`). `patterns`: the pool's kept patterns (else made here)."""
    if patterns is None:
        patterns = _Patterns()
    dates = patterns.dates(opens)
    made: dict[int, _Step] = {}
    steps = []
    for k in range(last + 1):
        passed = bisect_right(dates, now + k)
        step = made.get(passed)
        if step is None:
            pattern = patterns.of(opens <= now + k, exports, inertia)
            step = made[passed] = _Step.of(pattern, utility, target_now if k == 0 else None, inertia)
        steps.append(step)
    return steps


class _Patterns:
    """The forecast's `_Pattern`s kept from one quarter to the next (in the pool's `_PoolCache`),
    by which processes run, for one export table (the frame's, compared by identity and held, so
    its id is never another's) and one inertia; and the opening quarters of the last `opens` table."""

    def __init__(self) -> None:
        self.made: dict[bytes, _Pattern] = {}
        self.exports: np.ndarray | None = None
        self.inertia: float | None = None
        self.opens: bytes | None = None
        self.sorted: list[float] = []

    def of(self, running: np.ndarray, exports: np.ndarray, inertia: float) -> _Pattern:
        if exports is not self.exports or inertia != self.inertia:
            self.made, self.exports, self.inertia = {}, exports, inertia
        key = running.tobytes()
        pattern = self.made.get(key)
        if pattern is None or pattern.allowed.shape[::2] != running.shape:
            pattern = self.made[key] = _Pattern.of(running, exports, inertia)
        return pattern

    def dates(self, opens: np.ndarray) -> list[float]:
        """The finite quarters of `opens` (when each foundry runs each class), sorted."""
        key = opens.tobytes()
        if key != self.opens:
            self.opens, self.sorted = key, sorted({when for when in opens.ravel().tolist() if when != np.inf})
        return self.sorted


def _forecast_orders(kept: np.ndarray, demands: list[list[float]], parts: np.ndarray, price: np.ndarray,
                     listed: np.ndarray, elasticity: float) -> np.ndarray:
    """[quarter, class, foundry] of `Pool.forecast_orders`: each kept quarter's [class, segment,
    foundry] shares and its classes' demand (at least 0), ordered at today's prices
    (`order_book`'s price response)."""
    paid = (kept * price).sum(axis=-1)
    list_paid = (kept * listed).sum(axis=-1)
    response = np.ones(paid.shape)
    if elasticity > 0:
        priced = (paid > 0) & (list_paid > 0)
        response[priced] = (paid[priced] / list_paid[priced]) ** -elasticity
    wanted = np.array(demands)[:, :, None] * parts * response
    return (wanted[:, :, :, None] * kept).sum(axis=2)


def _grow_and_migrate_rows(demand: list[float], moves: tuple[tuple[int, int], ...], grown: float,
                           migration: float) -> None:
    """`_grow_and_migrate` on a list of every class's demand (in place): each grows by `grown`
    (1 + growth), then each (older, newer) pair of `moves` moves `migration` of the older row's
    demand to the newer, in turn: the same operations on the same numbers."""
    for row, wafers in enumerate(demand):
        demand[row] = wafers * grown
    for older, newer in moves:
        moving = migration * demand[older]
        demand[older] = demand[older] - moving
        demand[newer] = demand[newer] + moving


def _repick_step(old: np.ndarray, target: np.ndarray, pull: np.ndarray, allowed: np.ndarray,
                 any_allowed: np.ndarray, keep: float) -> np.ndarray:
    """`_repick` with `inertia` x `target` given (`pull`) and 1 - inertia (`keep`): the forecast
    re-picks towards one target for many quarters. The same operations on the same numbers, the
    step's arithmetic in place on the one new array."""
    mix = np.where(allowed, old, 0.0)
    mix *= keep
    mix += pull
    total = mix.sum(axis=-1, keepdims=True)
    mixed = np.divide(mix, total, out=target.copy(), where=total > 0)
    return np.where(any_allowed, mixed, old)


_ONE_BITS = int(np.array(1.0).view(np.uint64))  # 1.0's bits: a float64 of bits up to these is within [+0.0, 1]


def _within_unit(values: np.ndarray) -> np.ndarray:
    """`values`' bits as unsigned integers: those of a float64 within [+0.0, 1] are at most
    `_ONE_BITS` and in the floats' order; those of -0.0, a negative number, inf or NaN above it."""
    return values.view(np.uint64)


def _tame(shares: np.ndarray, keep: float) -> bool:
    """Are the starting shares and the weight on them (1 - inertia) ones `_repick_tame` may take:
    every share a float64 within [+0.0, 1] and the weight within [0, 1]? Then so is every share it
    gives."""
    return bool(shares.size and 0 <= keep <= 1 and shares.dtype == np.float64
                and _within_unit(shares).max() <= _ONE_BITS)


def _tame_pull(pull: np.ndarray, any_allowed: np.ndarray, no_option: np.ndarray) -> bool:
    """Is `pull` (inertia x the logit target) one `_repick_tame` may take: every element a
    float64 within [+0.0, 1], above 0 somewhere in every row with an option (as a logit target
    is, for an inertia within (0, 1]) and +0.0 throughout a row with none (`no_option`: as the
    logit target's zeros there give)?"""
    if not pull.size or pull.dtype != np.float64:
        return False
    top = _within_unit(pull).max(axis=-1, keepdims=True)
    return bool(top.max() <= _ONE_BITS and top.min(where=any_allowed, initial=_ONE_BITS) > 0
                and top.max(where=no_option, initial=0) == 0)


def _repick_tame(old: np.ndarray, keepmask: np.ndarray, pull: np.ndarray, any_allowed: np.ndarray) -> np.ndarray:
    """`_repick` in four operations rather than ten, for tame shares and a tame pull (`_tame`,
    `_tame_pull`: `Pool.forecast_orders` checks them), where it gives the same numbers:

    - old x keepmask + pull is `_repick`'s mix element for element in a row with an option:
      where allowed the same product and sum; elsewhere old x 0.0 + pull, which is +0.0 + pull
      as there (old is a finite +0.0 or more, and (1 - inertia) x 0.0 is +0.0 too);
    - every row with an option then sums to more than 0 (its pull does, and no element is below
      0), so `_repick` divides all of it, as here;
    - a row with none is old x 1.0 + 0.0, which is old (a finite +0.0 or more), and is not
      divided: it keeps its old shares, as `_repick`'s `np.where` keeps them;
    - the new shares are within [0, 1] again, so the next quarter's step is tame too."""
    mix = old * keepmask
    mix += pull
    total = np.add.reduce(mix, axis=-1, keepdims=True)  # what mix.sum(axis=-1, keepdims=True) runs
    np.divide(mix, total, out=mix, where=any_allowed)
    return mix


def price_response(elasticity: float, price: float, listed: float) -> float:
    """(P / P0) ** -e: a segment's wafer price on a class (`price`: its foundries' node prices
    weighted by its shares) against the same wafers at the scenario's list prices (`listed`); 1
    without an elasticity or either price. The pool's phones and PCs pay for wafers too: when AI
    chips bid a node's price up, some of their designs stay on the older class or wait
    (`pool_price_elasticity`, docs/model.md)."""
    if elasticity <= 0:
        return 1.0
    return (price / listed) ** -elasticity if listed > 0 and price > 0 else 1.0


def home_table(world, segments: list) -> np.ndarray:
    """[segment, foundry]: the utility a segment's designers see in a foundry of their own
    country (its anchor customers stay home), 0 elsewhere and for a segment of None. It is the
    segment's `[foundry_pool].home_bias` where the scenario names one, else `home_pool_bias`:
    Korea's designers (Samsung System LSI) stay at Samsung Foundry, the US's fabless firms are
    no anchor customers of Intel Foundry."""
    foundries = world.foundries
    named = world.scenario.foundry_pool.home_bias
    bias = [named.get(segment, world.params.home_pool_bias) for segment in segments]
    return np.array([[b if f.country == segment else 0.0 for f in foundries]
                     for segment, b in zip(segments, bias, strict=True)], dtype=float).reshape(len(segments), -1)


def stance_pulls(world, segments: list) -> np.ndarray:
    """[segment, foundry]: how a segment weighs the foundry's country for its trade stance.
    Customers from the US lean to foundries of countries aligned with it and away from those open
    to China; customers from China the reverse; the stance of the US and China themselves is not
    counted. A segment of None, or of any other country, feels none (zeros)."""
    foundries = world.foundries
    pulls = np.zeros((len(segments), len(foundries)))
    if not world.scenario.levers:
        return pulls
    steps = None  # each foundry country's stance step, read once for every segment that feels one
    for s, segment in enumerate(segments):
        side = customer_side(segment) if segment is not None else 0.0
        if side == 0.0:
            continue
        if steps is None:
            steps = [supplier_step(world, f.country) for f in foundries]
        pull = stance_affinity(world) * side
        pulls[s] = [pull * step for step in steps]
    return pulls


def _class_rank(node: str) -> float:
    """Older classes first: "7nm" before "3nm" (by the number in the name; unknown last)."""
    digits = "".join(ch for ch in node if ch.isdigit() or ch == ".")
    return -float(digits) if digits else 0.0


def gap_per_die(world, foundry, node: str, area: float, country: str) -> float:
    """How much dearer (US$ thousand) a good die of `area` is at a home foundry than at the
    cheapest foreign foundry this country's firms may use on the same node class."""
    dies = world.params.usable_wafer_area / area if area else 1.0
    now, allows = world.now, world.export_rules.allows
    cheapest = None  # as min() keeps it: the first of equal costs, replaced only by a lower one
    for f in world.foundries:
        if f.country != country and f.runs(node, now) and f.available > 0 and allows("wafer", f.country, country):
            cost = f.nodes[node]["price"] / (dies * f.die_yield(node, area))
            if cheapest is None or cost < cheapest:
                cheapest = cost
    if cheapest is None:
        return 0.0
    return max(foundry.nodes[node]["price"] / (dies * foundry.die_yield(node, area)) - cheapest, 0.0)


def _home_subsidy_from(world, foundry, node: str, country, segment: str, own: float, costs: list[float]) -> float:
    """`home_subsidy_per_die` (as weighed: `expected`) for `segment`'s state (`country`) at its home
    foundry `foundry`, from the costs per good reference die `gap_per_die` would work out: `own`
    the foundry's, `costs` every foundry's on the class in `world.foundries` order (`Pool._utility`
    has them; the same division of the same numbers, so the same gap)."""
    rate = country.policy.foundry_subsidy
    if node not in foundry.nodes or rate <= 0 or not foundry.runs(node, world.now):
        return 0.0
    funded = world.expected_funding(country, "foundry_subsidy")
    now, allows = world.now, world.export_rules.allows
    cheapest = None  # as gap_per_die keeps it: the first of equal costs, replaced only by a lower one
    for f, cost in zip(world.foundries, costs, strict=True):
        if ((cheapest is None or cost < cheapest) and f.country != segment and f.runs(node, now)
                and f.available > 0 and allows("wafer", f.country, segment)):
            cheapest = cost
    gap = 0.0 if cheapest is None else max(own - cheapest, 0.0)
    return rate * funded * gap


def home_subsidy_per_die(world, foundry, node: str, segment: str, expected: bool = True) -> float:
    """The price-gap subsidy per good reference die for a pool segment at one of its home
    foundries: its state's rate x the gap (US$ thousand), x the share of it the state is expected
    to fund when the segment weighs it (`expected`), in full when what is owed is worked out."""
    if foundry.country != segment or node not in foundry.nodes or segment not in world.countries:
        return 0.0
    country = world.countries[segment]
    rate = country.policy.foundry_subsidy
    if rate <= 0 or not foundry.runs(node, world.now):
        return 0.0
    area = world.params.reference_die_area
    funded = world.expected_funding(country, "foundry_subsidy") if expected else 1.0
    return rate * funded * gap_per_die(world, foundry, node, area, segment)
