"""Phases 4 and 5 of the turn: the upstream markets (wafers, HBM, packaging) and production.

Orders meet capacity as edge lists (designer x supplier) cleared with game.market; export
controls and qualification decide which edges exist. Production is Leontief: each designer
builds the least of what its inputs allow, and the input that binds is recorded.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from agents.designers import INPUTS
from game import market, wafers
from game.policy import customer_side, stance_affinity, supplier_step
from game.text import tr

# Below these, what is left of an order (million GB) or of a maker's lines (share) is rounding.
ORDER_LEFT = 1e-9
LINES_LEFT = 1e-9


def clear_upstream_markets(world) -> dict[str, np.ndarray]:
    """Returns what each designer received: good dies, HBM (million GB, all generations; each
    designer's stock by generation is filled in place) and package-wafers."""
    needs = np.array([d.input_needs() for d in world.designers]).reshape(-1, 3)
    return {
        "dies": _clear_wafers(world, needs[:, 0]),
        "hbm": _clear_hbm(world, needs[:, 1]),
        "packaging": _clear_by_choice(world, "packaging", world.packagers, needs[:, 2], "packagers"),
    }


def _clear_hbm(world, needs: np.ndarray) -> np.ndarray:
    """HBM, one market per generation. A maker's TSV lines are shared among the generations it
    sells by the orders for each: every generation's own orders (designers whose chip is built
    for it) reserve the maker's lines pro rata to the lines they would take when the lines are
    short, so a designer on an older generation is not left with what newer ones did not use.
    The markets then clear newest first, each on the lines not reserved for older generations
    (lines a newer generation's own orders did not take stay open to older ones). A designer
    orders its chip's own generation from the makers qualified for it with that generation; what
    it could not get it may order, in the passes that follow, from older generations its chip can
    run on (slower). Orders split among the makers qualified for it by a logit over price and the
    capacity each has for that generation (a designer spreads orders as suppliers can deliver; a
    small maker is not asked for half), within each maker's qualified share, reserved contracts
    served first, and spill to other qualified makers."""
    makers = world.hbm_makers
    designers = world.designers
    n, m = len(designers), len(makers)
    # The passes work on Python floats (a maker's lines, a designer's unmet need, an edge's order):
    # the same IEEE operations in the same order as numpy's elementwise ones, at a fraction of the
    # cost of numpy calls on 4-15 numbers.
    lines = [mk.run_pilots(world.now, world.params) for mk in makers]  # stacks still to start
    unmet = needs.tolist()
    received = [0.0] * n
    quarter = _HBMQuarter(world)  # who may order what from whom: fixed while the market clears
    reserve = _reserve_lines(world, quarter, unmet, lines)  # per maker, per generation (catalogue order)
    older = _kept_for_older(reserve) if reserve else None
    books = []
    for generation in reversed(quarter.on_sale):
        kept = older[generation.k] if older else [0.0] * m  # older generations' reservations are kept
        y = generation.yields
        book = _HBMBook(generation, [], [], [], [], [])
        # designers built for the generation are served first, on the lines reserved for their
        # orders; designers of newer generations that could not get theirs then substitute on
        # what is left (their orders did not reserve lines)
        for group in (generation.own, generation.substitutes):
            wanting = [j for j in group if unmet[j] > ORDER_LEFT]
            if not wanting:
                continue
            capacity = []
            for left, keep, yy in zip(lines, kept, y):  # noqa: B905 (one per maker)
                open_lines = left - keep
                least = LINES_LEFT * (left if (left >= 1.0 or left != left) else 1.0)  # market._max(left, 1.0)
                capacity.append((open_lines if open_lines > least else 0.0) * yy)
            found = _hbm_orders(world, generation, wanting, unmet, capacity)
            if found is None:
                continue
            buyer, supplier, cap, reserved, orders = found
            spill_cap = [unmet[j] * c for j, c in zip(buyer, cap, strict=True)]
            if len(buyer) <= market.SCALAR_MAX and m <= market.SCALAR_MAX and n <= 4 * market.SCALAR_MAX:
                filled, got, shipped = market.clear_with_spill_totals(orders, buyer, supplier, capacity, n, spill_cap,
                                                                      reserved)
            else:
                filled = market.clear_with_spill(np.array(orders), np.array(buyer), np.array(supplier),
                                                 np.array(capacity), n, spill_cap=np.array(spill_cap),
                                                 reserved=np.array(reserved)).tolist()
                got, shipped = market._bincount(buyer, filled, n), market._bincount(supplier, filled, m)
            # only the wanting designers have edges: everyone else got 0.0, which changes no stock nor
            # what it received, and leaves its unmet need at or below ORDER_LEFT, never read again
            for j in wanting:
                amount = got[j]
                if amount > 0:
                    stock = designers[j].hbm_stock
                    stock[generation.name] = stock.get(generation.name, 0.0) + amount
                short = unmet[j] - amount
                unmet[j] = short if (short >= 0.0 or short != short) else 0.0  # market._max(short, 0.0)
                received[j] += amount
            # A maker whose lines are all but used up is full: what is left is rounding, and whether
            # it is 0 or 1e-14 must not decide who orders from it (nor differ between CPUs).
            new_lines = []
            for left, out, yy in zip(lines, shipped, y):  # noqa: B905 (one per maker)
                rest = left - (out / yy if yy > 0 else 0.0)
                least = LINES_LEFT * (left if (left >= 1.0 or left != left) else 1.0)  # market._max(left, 1.0)
                new_lines.append(rest if rest > least else 0.0)
            lines = new_lines
            if not book.buyer:
                book.capacity.extend(capacity)  # what the generation's lines could make when its market opened
            book.buyer.extend(buyer)
            book.supplier.extend(supplier)
            book.orders.extend(orders)
            book.filled.extend(filled)
        if book.buyer:
            books.append(book)
    _book_hbm(world, books)
    return np.array(received, dtype=np.float64)


class _HBMGeneration:
    """One generation's market in one quarter, for a generation some maker has on sale: what
    every pass over it reads (the lines' reservation, the own designers' orders, the
    substitutes'), worked out when the market opens. Nothing it holds changes while the market
    clears (what is on sale, yields, prices, chips, qualification, export rules), so it lives
    only as long as the quarter's `_clear_hbm`."""

    def __init__(self, world, k: int, offered: list[bool], affinity: float, step: list[float]) -> None:
        self.world = world
        self.affinity, self.step = affinity, step  # diplomacy: see _HBMQuarter
        self.name = world.hbm_catalogue[k]
        self.k = k  # its place in the catalogue (older generations come first)
        self.offered = offered
        name = self.name
        self.yields: list[float] = []
        self.prices: list[float] = []  # 1.0 where a maker does not offer it: no edge reads it
        for mk, ok in zip(world.hbm_makers, offered, strict=True):
            state = mk.gens[name] if ok else None
            self.yields.append(0.0 if state is None else state["yield"])
            self.prices.append(1.0 if state is None else state["price"])
        self.own: list[int] = []  # designers whose chip is built for it, in designer order
        self.substitutes: list[int] = []  # designers whose chip can run on it (a newer chip), in designer order
        self._edges: dict[int, tuple[bool, list[tuple[int, float, float, float]]]] = {}

    def edges(self, j: int) -> tuple[bool, list[tuple[int, float, float, float]]]:
        """Designer j's possible edges: whether the generation is its chip's own and, in its
        supplier order, each maker qualified with it for the generation that offers it and may
        sell to it (maker index, qualified share, share of the maker's capacity reserved by
        contract, the diplomacy pull on the pair). Which of them has capacity left is asked per
        pass. Worked out when first asked (a designer that needs nothing more is never asked)."""
        found = self._edges.get(j)
        if found is None:
            world = self.world
            d = world.designers[j]
            makers, index, qualification = world.hbm_makers, world.hbm_index, world.qualification
            allows, offered, name = world.export_rules.allows, self.offered, self.name
            side = self.affinity * float(customer_side(d.country))
            options = []
            for supplier in d.hbm_suppliers:
                i = index[supplier]
                level = qualification.get((supplier, d.name, name), 0.0)
                if not offered[i] or level <= 0:
                    continue
                if not allows("hbm", makers[i].country, d.country):
                    continue
                options.append((i, float(level), d.reserved.get(supplier, 0.0), side * self.step[i]))
            found = self._edges[j] = (name == d.chip.hbm_gen, options)
        return found


class _HBMQuarter:
    """The quarter's HBM markets as they open: each generation some maker has on sale, with
    the designers that order it (own and substitutes). Built once per `_clear_hbm`; stances,
    chips and what is on sale do not change while the market clears."""

    def __init__(self, world) -> None:
        makers, now = world.hbm_makers, world.now
        # American designers lean towards suppliers from countries aligned with the US, Chinese
        # designers the other way (game.policy): affinity x side x step per edge, as _Diplomacy
        affinity = stance_affinity(world)
        step = [float(supplier_step(world, mk.country)) for mk in makers]
        self.on_sale: list[_HBMGeneration] = []  # catalogue order
        by_name: dict[str, _HBMGeneration] = {}
        for k, name in enumerate(world.hbm_catalogue):
            offered = [mk.offers(name, now) and mk.alive for mk in makers]
            if any(offered):
                generation = by_name[name] = _HBMGeneration(world, k, offered, affinity, step)
                self.on_sale.append(generation)
        for j, d in enumerate(world.designers):
            usable = d.hbm_generations() if d.alive else ()
            for position, name in enumerate(usable):
                generation = by_name.get(name)
                if generation is not None:
                    (generation.substitutes if position else generation.own).append(j)


class _HBMBook(NamedTuple):
    """One generation's order book for the quarter (its own designers' edges, then the
    substitutes', added as each group clears): what `_book_hbm` ships, bills and moves the
    prices by."""

    generation: _HBMGeneration
    buyer: list[int]
    supplier: list[int]
    orders: list[float]
    filled: list[float]
    capacity: list[float]  # what each maker's lines could make of it when its market opened


def _hbm_orders(world, generation: _HBMGeneration, wanting: list[int], unmet: list[float],
                capacity: list[float]):
    """One generation's order book: an edge (designer, maker) for each maker qualified with the
    designer for the generation that offers it, may sell to it and has capacity for it; each
    edge's qualified share (cap), reserved-contract quantity and orders (the designer's unmet
    need split by a logit over price and capacity, within the caps), as lists. None when no
    edge exists."""
    buyer, supplier, cap, reserved, pull = [], [], [], [], []
    for j in wanting:
        own, options = generation.edges(j)
        for i, level, share, tilt in options:
            room = capacity[i]
            if room <= 0:
                continue
            buyer.append(j)
            supplier.append(i)
            cap.append(level)
            reserved.append(share * room if own else 0.0)
            pull.append(tilt)
    if not buyer:
        return None
    n = len(world.designers)
    # -w log p + log K per maker (one numpy log of the makers' prices and capacities: the same
    # logs as of each edge's, numpy's log being elementwise), then each edge's diplomacy
    m = len(capacity)
    logs = np.log(np.array(generation.prices + [room if room > 0 else 1.0 for room in capacity],
                           dtype=np.float64)).tolist()
    weight = -world.params.supplier_cost_weight
    base = [weight * lp + lc for lp, lc in zip(logs[:m], logs[m:], strict=True)]
    utility = [base[i] + tilt for i, tilt in zip(supplier, pull)]  # noqa: B905 (one entry per edge)
    if len(buyer) <= market.SCALAR_MAX and n <= 4 * market.SCALAR_MAX:
        return buyer, supplier, cap, reserved, market.capped_logit_orders(utility, buyer, n, cap, unmet)
    buyer_a = np.array(buyer)
    shares = market.cap_shares(market.group_logit(np.array(utility), buyer_a, n), np.array(cap), buyer_a,
                               n).tolist()
    return buyer, supplier, cap, reserved, [unmet[j] * sh for j, sh in zip(buyer, shares, strict=True)]


def _reserve_lines(world, quarter: _HBMQuarter, needs: list[float], lines: list[float]) -> list[list[float]] | None:
    """Lines (stacks started) each maker keeps for each generation this quarter (per maker, per
    generation in catalogue order): the lines its own orders for the generation would take
    (orders from designers whose chip is built for it, split as in its market with all the
    maker's lines open), scaled down pro rata when they add up to more than the maker has. None
    (nothing reserved) when no more than one generation has orders: then nothing competes for
    the lines."""
    ordering = [(generation, wanting) for generation in quarter.on_sale
                if (wanting := [j for j in generation.own if needs[j] > ORDER_LEFT])]
    if len(ordering) < 2:
        return None
    m = len(lines)
    reserve = [[0.0] * len(world.hbm_catalogue) for _ in range(m)]
    for generation, wanting in ordering:
        y = generation.yields
        book = _hbm_orders(world, generation, wanting, needs, [left * yy for left, yy in zip(lines, y, strict=True)])
        if book is None:
            continue
        _, supplier, _, _, orders = book
        asked = market._bincount(supplier, orders, m)
        for row, a, yy in zip(reserve, asked, y, strict=True):
            row[generation.k] = a / yy if yy > 0 else 0.0
    # pro rata where a maker's reservations add up to more than its lines (each row's total as
    # numpy adds a row of a matrix)
    for i, (row, left) in enumerate(zip(reserve, lines, strict=True)):
        total = market._numpy_sum(row)
        share = left / total if total > left else 1.0
        reserve[i] = [r * share for r in row]
    return reserve


def _kept_for_older(reserve: list[list[float]]) -> list[list[float]]:
    """For each generation k (catalogue order), the lines each maker keeps for the generations
    older than k: its reservations summed up to k as numpy summed the rows of the reservation
    matrix (`reserve[:, :k].sum(axis=1)`), a running sum below 8 terms and numpy's pairwise sum
    (`market._numpy_sum`) from 8 on."""
    prefixes = []
    for row in reserve:
        sums, total = [0.0], 0.0
        for count, value in enumerate(row, start=1):
            total += value
            sums.append(total if count < 8 else market._numpy_sum(row[:count]))
        prefixes.append(sums)
    return [list(column) for column in zip(*prefixes)]  # noqa: B905 (one per maker, all as long)


def _book_hbm(world, books: list[_HBMBook]) -> None:
    """Each generation's makers ship and bill, and its prices move with its own excess demand;
    the quarter's HBM order book (all generations) is kept for the map and the indicators.
    A book's shipments, orders and bills are added up in one pass over its edges, each per bin
    in edge order from 0.0 (as np.bincount adds them), the bills in US$ B."""
    params = world.params
    makers, designers = world.hbm_makers, world.designers
    m = len(makers)
    shipped_by: dict[str, list[float]] = {}
    asked_total = [0.0] * m
    states, floors, asked_q, capacity_q = [], [], [], []  # each generation's quoting makers
    for book in books:
        name, price = book.generation.name, book.generation.prices
        shipped, asked, bill = [0.0] * m, [0.0] * m, [0.0] * len(designers)
        for j, i, o, f in zip(book.buyer, book.supplier, book.orders, book.filled):  # noqa: B905 (one per edge)
            shipped[i] += f
            asked[i] += o
            bill[j] += f * price[i] / 1000  # US$ thousand an edge, in US$ B
        shipped_by[name] = shipped
        asked_total = [t + a for t, a in zip(asked_total, asked)]  # noqa: B905 (one per maker)
        for designer, amount in zip(designers, bill):  # noqa: B905 (one per designer)
            designer.costs += amount
        # every maker that quotes the generation moves its price at once (each on its own
        # numbers); one that lists it but has not put it on sale has no price to move
        for i, maker in enumerate(makers):
            if maker.quoted(name) is not None:
                states.append(maker.gens[name])
                floors.append(maker.gen_cost(name))
                asked_q.append(asked[i])
                capacity_q.append(book.capacity[i])  # what its lines could still make of it when its market cleared
    if states:
        # adjust_price works element by element, so one call for every generation's makers gives
        # each the number its own call would (no price it sets is read before all are set)
        utilisation = params.normal_utilisation
        new_price = market.adjust_prices([state["price"] for state in states], asked_q,
                                         [c * utilisation for c in capacity_q], params.price_response,
                                         params.price_step_limit, floors)
        for state, a, p in zip(states, asked_q, new_price, strict=True):
            state["asked"] = a
            state["price"] = p
    asked_array = np.array(asked_total, dtype=np.float64)
    growth = _order_growth(world, "hbm", asked_total)
    for i, (maker, asked) in enumerate(zip(makers, asked_total, strict=True)):
        maker.sell_generations({g: s[i] for g, s in shipped_by.items()})
        maker.observe_orders(asked, growth, params.demand_smoothing)
    buyer, supplier, orders, filled = [], [], [], []
    for book in books:
        buyer += book.buyer
        supplier += book.supplier
        orders += book.orders
        filled += book.filled
    world.last_market["hbm"] = {
        "shipped": np.array([mk.output for mk in makers], dtype=np.float64), "asked": asked_array,
        "price": np.array([mk.price for mk in makers]), "capacity": np.array([mk.available for mk in makers]),
        "buyer": np.array(buyer, dtype=int), "supplier": np.array(supplier, dtype=int),
        "filled": np.array(filled, dtype=np.float64), "orders": np.array(orders, dtype=np.float64),
        "by_generation": {g: np.array(s, dtype=np.float64) for g, s in shipped_by.items()},
    }


def _clear_wafers(world, dies_needed: np.ndarray) -> np.ndarray:
    """Wafers, one market per foundry process node (game.wafers). Designers order on their chip's
    node from the foundries their generation is tied to (no spill: a chip cannot move foundry
    within a generation); the pool's segments order on each class from the foundries they chose.
    On a node that is short, a foundry serves the AI designers' orders first (efficient
    rationing: an accelerator earns tens of times more per wafer than a phone chip, and its
    designers prepay for capacity), then the pool pro rata; the pool's price response
    (game.wafers.price_response) trims what it asks when the node's price rises.
    Returns the good dies each designer received."""
    foundries = world.foundries
    now = world.now
    nodes = [(i, node) for i, f in enumerate(foundries) for node in f.order]  # the node-level suppliers
    where = {(i, node): k for k, (i, node) in enumerate(nodes)}
    needed = dies_needed.tolist()
    buyer, supplier, orders, per_wafer, subsidy = [], [], [], [], []
    index, allows = world.foundry_index, world.export_rules.allows
    for j, d in enumerate(world.designers):
        if not d.alive:
            continue
        chip = d.chip
        node, country = chip.node, d.country
        for name, mix in zip(d.foundries, d.foundry_mix, strict=True):
            i = index[name]
            f = foundries[i]
            if mix <= 0 or not f.runs(node, now) or not allows("wafer", f.country, country):
                continue
            good = wafers.good_dies(world, f, chip)
            buyer.append(j)
            supplier.append(where[(i, node)])
            orders.append(mix * needed[j] / good)
            per_wafer.append(good)
            # the price-gap subsidy is paid only at a home foundry (World.die_subsidy: 0.0 elsewhere)
            subsidy.append(world.die_subsidy(d, f, chip) if f.country == country else 0.0)
    designers = len(world.designers)
    segments = list(world.pool.segments)
    _pool_rows(world, where, designers, buyer, supplier, orders, per_wafer, subsidy)
    buyer_a, supplier_a, orders_a = np.array(buyer, dtype=int), np.array(supplier, dtype=int), np.array(orders)
    capacity = np.array([foundries[i].nodes[node]["available"] for i, node in nodes])
    # AI designers' orders come first on a short node (`wafer_priority` of each): see _clear_wafers
    priority = np.where(buyer_a < designers, world.params.wafer_priority * orders_a, 0.0)
    filled = market.allocate(orders_a, supplier_a, capacity, reserved=priority)
    _book_wafers(world, nodes, buyer_a, supplier_a, orders_a, filled)
    dies = filled * np.array(per_wafer)
    if any(subsidy):  # else nothing is owed (no state pays the subsidy where these orders go)
        _pay_die_subsidy(world, buyer_a, dies * np.array(subsidy) / 1000, segments)
    return np.bincount(buyer_a, dies, designers + len(segments))[:designers]


def _pool_rows(world, where: dict, designers: int, buyer: list[int], supplier: list[int], orders: list[float],
               per_wafer: list[float], subsidy: list[float]) -> None:
    """The pool's orders appended to the wafer book's rows (`_clear_wafers`): each segment's
    buyer row (after the designers'), node supplier, wafers, good reference dies a wafer and the
    price-gap subsidy per die its state pays (none unless it pays the subsidy). A group of the
    order book at a time (its foundries and wafers come in two lists of one length)."""
    foundries = world.foundries
    row = {segment: designers + k for k, segment in enumerate(world.pool.segments)}
    area = world.params.reference_die_area
    reference = world.params.usable_wafer_area / area
    # a segment whose state pays no price-gap subsidy gets none anywhere (home_subsidy_per_die is 0)
    subsidised = {s: s in world.countries and world.countries[s].policy.foundry_subsidy > 0 for s in row}
    good_per_wafer: dict[int, float] = {}  # per node supplier: good reference dies a wafer
    for segment, node, held, wanted in world.pool.order_book(world):
        count = len(held)
        buyer.extend([row[segment]] * count)
        orders.extend(wanted)
        for i in held:
            k = where[i, node]
            good = good_per_wafer.get(k)
            if good is None:
                good = good_per_wafer[k] = reference * foundries[i].die_yield(node, area)
            supplier.append(k)
            per_wafer.append(good)
        # a segment orders from a node once a quarter (one group of the book)
        if subsidised[segment]:
            subsidy.extend([wafers.home_subsidy_per_die(world, foundries[i], node, segment, expected=False)
                            for i in held])
        else:
            subsidy.extend([0.0] * count)


def _book_wafers(world, nodes, buyer, supplier, orders, filled) -> None:
    """Each node ships and bills; designers pay; each node's price moves with its own excess
    demand. The quarter's order book is kept by foundry (the map and the indicators read it)."""
    params = world.params
    foundries = world.foundries
    k = len(nodes)
    states = [foundries[i].nodes[node] for i, node in nodes]
    shipped = np.bincount(supplier, filled, k)
    asked = np.bincount(supplier, orders, k)
    price = np.array([state["price"] for state in states])
    _bill_designers(world, buyer, filled * price[supplier])
    utilisation = params.normal_utilisation
    # each node's capacity as a float64 (as an array of them holds it) times the utilisation
    asked_l, shipped_l = asked.tolist(), shipped.tolist()
    new_price = market.adjust_prices(price.tolist(), asked_l,
                                     [float(state["available"]) * utilisation for state in states],
                                     params.price_response, params.price_step_limit,
                                     [state["unit_cost"] for state in states])
    n = len(foundries)
    owner = np.array([i for i, _ in nodes], dtype=int)
    asked_by, shipped_by = np.bincount(owner, asked, n), np.bincount(owner, shipped, n)
    mine: list[list[int]] = [[] for _ in foundries]  # each foundry's node suppliers
    for m, (i, _) in enumerate(nodes):
        mine[i].append(m)
    # a foundry's plan reads the pool's forecast and its customers' plans (Foundry.expected_orders),
    # not its smoothed orders, so it keeps none
    for f, own in zip(foundries, mine, strict=True):
        for m in own:
            states[m]["asked"] = asked_l[m]
        f.sell_nodes({nodes[m][1]: shipped_l[m] for m in own})
        for m in own:
            states[m]["price"] = new_price[m]
    average = np.divide(np.bincount(owner, shipped * price, n), shipped_by, out=np.array([f.price for f in foundries]),
                        where=shipped_by > 0)
    world.last_market["wafer"] = {"shipped": shipped_by, "asked": asked_by, "price": average,
                                  "capacity": np.array([f.available for f in foundries]), "buyer": buyer,
                                  "supplier": owner[supplier] if len(supplier) else supplier, "filled": filled,
                                  "nodes": nodes, "node_shipped": shipped, "node_asked": asked}


def _pay_die_subsidy(world, buyer: np.ndarray, owed: np.ndarray, segments: list[str]) -> None:
    """The state pays the price-gap subsidy on the good dies its home customers bought at a home
    foundry: its designers and its anchor customers in the pool, at the share of it the budget can
    fund (the customer bears the rest; what anchor customers receive leaves the modelled world)."""
    designers = len(world.designers)
    for j in sorted(set(buyer[owed > 0].tolist())):  # np.unique's buyers, without its dozen numpy calls
        if j < designers:
            designer = world.designers[j]
            country = world.countries[designer.country]
        else:
            designer, country = None, world.countries[segments[j - designers]]
        local = country.to_local(float(owed[buyer == j].sum()))
        paying = local * country.share_for("foundry_subsidy", local)
        paid = country.to_usd_billion(world.pay_usage(country, "foundry_subsidy", local, paying))
        if designer is not None:
            designer.costs -= paid
        if paid > 0:
            world.note("mechanism", country.name, "cause.foundry_subsidy",
                       firm=designer.name if designer else tr("pool.anchor", "en"),
                       firm_ko=designer.name_ko if designer else tr("pool.anchor", "ko"), amount=paid * 1000,
                       targets=["foundry_share"])


class PackagingPool:
    """CoWoS-class packaging for products outside the modelled accelerators (other custom ASICs,
    FPGAs, AI networking; `[packaging_pool]`): one more buyer in the packaging market, after the
    designers (buyer index `len(designers)`), whose need each quarter is `ratio` times what the
    designers listing its packagers need, `ratio` fitted to the anchor's reported share at the
    start (`scenario.PackagingPool.ratio`). It has no contracts, is billed outside the model (as
    the wafer pool's segments are) and does not answer the price: the package is ~3% of what
    its products cost (docs/model.md, "Packaging"). Without the section it needs nothing."""

    def __init__(self, world, spec) -> None:
        self.spec = spec
        self.ratio = spec.ratio(world.scenario.designers) if spec is not None else 0.0
        listed = {d.name for d in spec.listed(world.scenario.designers)} if spec is not None else set()
        self.listing = [j for j, d in enumerate(world.designers) if d.name in listed]

    def need(self, world, needs: np.ndarray) -> float:
        """Thousand package-wafers this quarter: the fitted proportion of the listed alive
        designers' needs."""
        designers = world.designers
        return self.ratio * sum(float(needs[j]) for j in self.listing if designers[j].alive)


def _clear_by_choice(world, good: str, suppliers: list, needs: np.ndarray, attribute: str) -> np.ndarray:
    """Packaging: orders split each quarter among allowed, qualified suppliers by a logit over
    price with supplier size (a sold-out small packager is not asked for half of everything);
    long-term contracts are served first; a buyer short at one supplier spills to its other
    allowed suppliers, within what it is qualified for. The packaging pool buys after the
    designers, as one more buyer (`PackagingPool`). A market of a few dozen edges (the game's)
    clears on lists (`_clear_choice_lists`), a larger one in numpy."""
    index = {s.name: i for i, s in enumerate(suppliers)}
    need = needs.tolist()  # each need as a Python float: the same comparisons without numpy scalars
    buyer, supplier, cap, reserved = [], [], [], []
    for j, d in enumerate(world.designers):
        if not d.alive or need[j] <= 0:
            continue
        for name in getattr(d, attribute):
            s = suppliers[index[name]]
            level = world.qualification.get((name, d.name, None), 1.0)
            tradable = s.alive and s.available > 0 and world.export_rules.allows(good, s.country, d.country)
            if level <= 0 or not tradable:
                continue
            buyer.append(j)
            supplier.append(index[name])
            cap.append(float(level))
            reserved.append(d.reserved.get(name, 0.0) * s.available)
    n = len(world.designers)
    pool = world.packaging_pool
    pool_need = pool.need(world, needs) if pool.spec is not None else 0.0
    others = []  # the countries of buyers after the designers (the pool's)
    if pool_need > 0:
        for name in pool.spec.packagers:
            s = suppliers[index[name]]
            if s.alive and s.available > 0 and world.export_rules.allows(good, s.country, pool.spec.country):
                buyer.append(n)
                supplier.append(index[name])
                cap.append(1.0)
                reserved.append(0.0)
        need.append(float(pool_need))  # as np.append(needs, pool_need) holds it, a float64
        others.append(pool.spec.country)
    groups = len(need)
    if len(buyer) <= market.SCALAR_MAX and len(suppliers) <= market.SCALAR_MAX and groups <= 4 * market.SCALAR_MAX:
        got = _clear_choice_lists(world, good, suppliers, (buyer, supplier, cap, reserved), need, others)
        return np.array(got[:n], dtype=np.float64)
    if pool_need > 0:
        needs = np.append(needs, pool_need)
    buyer_a, supplier_a = np.array(buyer, dtype=int), np.array(supplier, dtype=int)
    cap_a = np.array(cap)
    price = np.array([s.price for s in suppliers])
    capacity = np.array([s.available for s in suppliers])
    if len(buyer_a):
        utility = (-world.params.supplier_cost_weight * np.log(price[supplier_a]) + np.log(capacity[supplier_a])
                   + _Diplomacy(world, suppliers, others)(buyer_a, supplier_a))
        shares = market.cap_shares(market.group_logit(utility, buyer_a, groups), cap_a, buyer_a, groups)
        contracted = _contracted(np.array(reserved), buyer_a, needs, groups)
        left = np.maximum(needs - np.bincount(buyer_a, contracted, groups), 0.0)  # never below 0 by rounding
        orders = contracted + left[buyer_a] * shares
        filled = market.clear_with_spill(orders, buyer_a, supplier_a, capacity, groups,
                                         spill_cap=needs[buyer_a] * cap_a, reserved=contracted)
    else:
        orders = filled = np.zeros(0)
    _book(world, good, suppliers, buyer, supplier, orders.tolist(), filled.tolist())
    return np.bincount(buyer_a, filled, groups)[:n]


def _clear_choice_lists(world, good: str, suppliers: list,
                        edges: tuple[list[int], list[int], list[float], list[float]], need: list[float],
                        others: list[str]) -> list[float]:
    """`_clear_by_choice`'s clearing on Python floats, for a book of a few dozen edges (buyer,
    supplier, qualified share, reserved quantity per edge): the logit (`market.group_logit_lists`,
    numpy's exp and log on arrays of the same numbers), the caps, the contracts and the spill
    (`market.clear_with_spill_totals`) by the same IEEE operations in the same order as the numpy
    expressions, so the same bits, without a dozen numpy calls a step on ~15 numbers (issue 15).
    Books the market; returns what each buyer received."""
    buyer, supplier, cap, reserved = edges
    groups = len(need)
    if not buyer:
        _book(world, good, suppliers, buyer, supplier, [], [])
        return [0.0] * groups
    capacity = [s.available for s in suppliers]
    count = len(buyer)
    # the edges' log prices and log capacities in one numpy log (elementwise: the same logs)
    logs = np.log(np.array([suppliers[i].price for i in supplier] + [capacity[i] for i in supplier],
                           dtype=np.float64)).tolist()
    weight = -world.params.supplier_cost_weight
    pull = _Diplomacy.lists(world, suppliers, others, buyer, supplier)
    utility = [weight * lp + lc + tilt for lp, lc, tilt in zip(logs[:count], logs[count:], pull, strict=True)]
    shares = market.cap_shares_lists(market.group_logit_lists(utility, buyer, groups), cap, buyer, groups)
    # contracts first (`_contracted`): a buyer's reservations scaled down to its need
    booked = market._bincount(buyer, reserved, groups)
    scale = [nd / b if b > nd else 1.0 for nd, b in zip(need, booked, strict=True)]
    contracted = [r * scale[j] for r, j in zip(reserved, buyer, strict=True)]
    # never below 0 by rounding
    left = [market._max(nd - b, 0.0) for nd, b in zip(need, market._bincount(buyer, contracted, groups), strict=True)]
    orders = [c + left[j] * sh for c, j, sh in zip(contracted, buyer, shares, strict=True)]
    spill_cap = [need[j] * c for j, c in zip(buyer, cap, strict=True)]
    filled, got, _ = market.clear_with_spill_totals(orders, buyer, supplier, capacity, groups, spill_cap, contracted)
    _book(world, good, suppliers, buyer, supplier, orders, filled)
    return got


def _contracted(reserved: np.ndarray, buyer: np.ndarray, needs: np.ndarray, groups: int) -> np.ndarray:
    """What each edge orders under its contract before the logit splits the rest: the reserved
    quantity, scaled down where a buyer's reservations exceed its need. A contract shapes the
    orders a supplier sees (and invests on), not only who is served first."""
    booked = np.bincount(buyer, reserved, groups)
    scale = np.divide(needs, booked, out=np.ones(groups), where=booked > needs)
    return reserved * scale[buyer]


class _Diplomacy:
    """American designers lean towards suppliers from countries aligned with the US, Chinese
    designers the other way (the same rule as for chip buyers, game.policy), per edge, from
    per-supplier and per-designer factors (the HBM market keeps the products per pair for its
    passes: _HBMGeneration.edges). `others`: the countries of buyers after the designers, in
    buyer order (the packaging pool's)."""

    def __init__(self, world, suppliers, others: tuple[str, ...] | list[str] = ()) -> None:
        self.affinity = stance_affinity(world)
        self.step = np.array([supplier_step(world, s.country) for s in suppliers])
        self.side = np.array([customer_side(c) for c in (*(d.country for d in world.designers), *others)])

    def __call__(self, buyer: np.ndarray, supplier: np.ndarray) -> np.ndarray:
        return self.affinity * self.side[buyer] * self.step[supplier]

    @staticmethod
    def lists(world, suppliers, others: tuple[str, ...] | list[str], buyer: list[int],
              supplier: list[int]) -> list[float]:
        """`_Diplomacy(world, suppliers, others)(buyer, supplier)` on lists: the same products, in
        the same order, of the same factors (floats, as the arrays hold them), without the arrays."""
        affinity = stance_affinity(world)
        step = [float(supplier_step(world, s.country)) for s in suppliers]
        countries = [d.country for d in world.designers]
        countries.extend(others)
        side = [float(customer_side(c)) for c in countries]
        return [affinity * side[j] * step[i] for j, i in zip(buyer, supplier, strict=True)]


def _bill_designers(world, buyer: np.ndarray, value: np.ndarray) -> None:
    """Designers pay for what they received: `value` per edge in US$ thousand (units filled x
    the supplier's price), added up per designer in US$ B. Edges whose buyer is not a designer
    (the wafer pool's segments) are not billed here."""
    n = len(world.designers)
    rows = buyer < n
    bill = np.bincount(buyer[rows], value[rows] / 1000, n)
    for designer, amount in zip(world.designers, bill.tolist(), strict=True):
        designer.costs += amount


def _order_growth(world, good: str, asked: list[float]) -> float:
    """This quarter's orders for `good` (per supplier) against last quarter's, less one (0.0
    without a last quarter with orders): what suppliers' smoothed demand estimates extrapolate.
    Each quarter's total as numpy adds an array (`market.array_sum`)."""
    previous = world.last_market.get(good, {}).get("asked")
    if previous is None:
        return 0.0
    before = market.array_sum(previous.tolist())
    # a Python float whatever the orders' float type (a smoothed trend keeps the type it is given)
    return float(market.array_sum(asked) / before - 1) if before > 0 else 0.0


def _book(world, good: str, suppliers: list, buyer: list[int], supplier: list[int], orders: list[float],
          filled: list[float]) -> None:
    """Suppliers ship and bill; designers pay; prices move with excess demand over the
    capacity that could run at normal utilisation. The book's shipments, orders and bills are
    added up in one pass over its edges, each per bin in edge order from 0.0 (as np.bincount
    adds them), the bills in US$ B (as `_bill_designers`)."""
    params = world.params
    designers = world.designers
    n, buyers = len(suppliers), len(designers)
    price = np.array([s.price for s in suppliers])
    quoted = price.tolist()
    shipped, asked, bill = [0.0] * n, [0.0] * n, [0.0] * buyers
    for j, i, o, f in zip(buyer, supplier, orders, filled, strict=True):
        shipped[i] += f
        asked[i] += o
        if j < buyers:  # the packaging pool is billed outside the model
            bill[j] += f * quoted[i] / 1000  # US$ thousand an edge, in US$ B
    for designer, amount in zip(designers, bill, strict=True):
        designer.costs += amount
    asked_array = np.array(asked, dtype=np.float64)
    growth = _order_growth(world, good, asked)
    for s, q, a in zip(suppliers, shipped, asked, strict=True):
        s.sell(q)
        s.observe_orders(a, growth, params.demand_smoothing)
    capacity = np.array([s.available for s in suppliers])
    utilisation = params.normal_utilisation
    # capacity x utilisation as numpy multiplies the array (float64 by float64, element by element)
    new_price = market.adjust_prices(quoted, asked, [c * utilisation for c in market._floats(capacity)],
                                     params.price_response, params.price_step_limit,
                                     [s.unit_cost for s in suppliers])
    for s, p in zip(suppliers, new_price, strict=True):
        s.price = p
    filled_array = np.array(filled, dtype=np.float64)
    # an empty book's orders and fills are one empty array (the world's state is compared whole)
    orders_array = np.array(orders, dtype=np.float64) if buyer else filled_array
    world.last_market[good] = {"shipped": np.array(shipped, dtype=np.float64), "asked": asked_array, "price": price,
                               "capacity": capacity, "buyer": np.array(buyer, dtype=int),
                               "supplier": np.array(supplier, dtype=int), "filled": filled_array,
                               "orders": orders_array}


def produce(world, received: dict[str, np.ndarray]) -> None:
    """Leontief production; the binding input of each designer is recorded."""
    components = _component_supply(world)
    rows = []
    # the arrays' items as numpy scalars, as indexing them gave, without an indexing call each
    for d, dies, packaging, (available, _) in zip(world.designers, received["dies"], received["packaging"],
                                                  components, strict=True):
        d.dies += dies  # HBM went into each designer's stock by generation as it cleared
        hbm_per_chip = d.chip.hbm_gb / 1000
        rows.append((d.target, d.dies,
                     d.usable_hbm() / hbm_per_chip if hbm_per_chip > 0 else np.inf,
                     packaging * d.chip.chips_per_package_wafer,
                     available if d.components else np.inf))
    # one array of the rows (each number as a float64, as writing the rows into an empty array did)
    limits = np.array(rows, dtype=np.float64).reshape(len(world.designers), len(INPUTS))
    made, binding = market.leontief(limits, INPUTS)
    bandwidth, elasticity = world.hbm_bandwidth, world.params.hbm_bandwidth_elasticity
    for d, units, why in zip(world.designers, made, binding, strict=True):
        d.finish(float(units), why, bandwidth, elasticity)
        d.costs += units * d.chip.other_bom / 1000
    _pay_components(world, made, components)


def _component_supply(world) -> list[tuple[float, dict[str, float]]]:
    """Per designer: the components it has this quarter (thousand units) and from whom. It orders
    one per chip it plans, split among its suppliers by a logit over price and the strength of the
    relationship; a supplier whose quarter is disrupted (its own random stream) delivers only part;
    an established supplier (link >= 0.5) with no lead time and spare capacity fills the gap."""
    params = world.params
    for s in world.component_suppliers:  # every supplier draws every quarter (common random numbers)
        s.disrupted = bool(world.streams(f"components:{s.name}").random() >= s.reliability)
    spare = {s.name: s.capacity for s in world.component_suppliers}
    supply = []
    for d in world.designers:
        options = [world.by_name[n] for n in d.components if world.by_name[n].alive]
        if not options or d.target <= 0:
            supply.append((0.0, {}))
            continue
        # the suppliers' log prices in one numpy log (elementwise: the same logs as one by one), the
        # utilities and the logit on Python floats (`market.logit_all_lists`: the same shares)
        logs = np.log(np.array([s.price for s in options], dtype=np.float64)).tolist()
        weight, link = -params.supplier_cost_weight, params.link_weight
        utility = [weight * lp + link * s.link_strength.get(d.name, 0.0) for s, lp in zip(options, logs, strict=True)]
        got: dict[str, float] = {}
        short = 0.0
        shares = (market.logit_all_lists(utility) if len(options) <= market.SCALAR_MAX
                  else market.logit_all(np.array(utility, dtype=np.float64)))  # SCALAR_MAX = -1: numpy's
        for s, share in zip(options, shares, strict=True):
            ordered = min(d.target * share, spare[s.name])
            delivered = ordered * (1 - s.disruption_loss) if s.disrupted else ordered
            got[s.name] = delivered
            spare[s.name] -= ordered
            short += d.target * share - delivered
        for s in options:  # who can step in at once
            if short <= 0:
                break
            if s.lead_time == 0 and not s.disrupted and s.link_strength.get(d.name, 0.0) >= 0.5:
                extra = min(short, spare[s.name])
                got[s.name] += extra
                spare[s.name] -= extra
                short -= extra
        supply.append((sum(got.values()), got))
    return supply


def _pay_components(world, made: np.ndarray, supply) -> None:
    """Designers pay for the components their chips used, each supplier's share of what came in."""
    sold = {s.name: 0.0 for s in world.component_suppliers}
    for d, units, (available, got) in zip(world.designers, made, supply, strict=True):
        if available <= 0 or units <= 0:
            continue
        for name, amount in got.items():
            used = units * amount / available
            sold[name] += used
            d.costs += used * world.by_name[name].price / 1000
    for s in world.component_suppliers:
        s.sell(sold[s.name])
