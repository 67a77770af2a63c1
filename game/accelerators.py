"""Phase 6 of the turn: the accelerator market.

Buyers choose chips by a logit over performance per dollar, software ecosystem (the CUDA
lock-in), home bias, affinities and diplomacy (MODEL.md 6). Export controls remove a chip or
leave its compliant variant. A procurement mandate splits a national centre's budget by vendor
group; the home-chip incentive lowers the price home LLM clouds pay for home chips (the state
pays the difference). When a chip is short, every buyer gets the same share of its order and
unspent budget spills to its next choices in a second pass.

Sparse choice sets (issue 15). The market's arrays are buyers x chips. When the scenario's
`sold_to` lists split buyers and chips into groups that trade only with each other (regional
markets: benchmarks/synthetic.py's `regional` mode), most cells are barred for good, and the
dense arrays cost buyers x chips for a market whose trade grows with the allowed pairs. Then
(`market_parts`, above `market.BLOCKS_MIN_CELLS` cells and under `market.BLOCKS_MAX_DENSITY`)
the market is cleared part by part: the same functions run on each group's buyers x chips
(`Part`, which reads as the world does, cut to the group), and what couples the groups (a
state's incentive budget, the order of payments and notes, prices) runs over the world's
buyers and chips. At game size the whole market is one part, the world itself, and the code is
the dense market's. A part's row sums add fewer zeros than the dense row's, so the two paths
agree to rounding, not bit for bit (tests/test_sparse_market.py).
"""

from __future__ import annotations

import numpy as np

from game import market, wafers
from game.exports import above
from game.policy import customer_side, stance_affinity, supplier_step


def chip_terms(world) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per buyer and chip: may it buy, the performance it gets and the list price it pays. Where a
    destination's rules bar a designer's chip, its buyers see the designer's compliant variant for
    that destination, if one is on sale and under the threshold (its own product: own performance,
    own price), and nothing otherwise."""
    designers, buyers = world.designers, world.buyers
    perf = np.array([d.perf for d in designers])
    price = np.array([d.price for d in designers])
    alive = np.array([d.alive for d in designers])
    threshold = world.export_rules.thresholds("accelerator", [d.country for d in designers],
                                              [b.country for b in buyers])
    controlled = above(perf[None, :], threshold)
    allowed = alive[None, :] & world.sold_to_ok & ~controlled
    buyer_perf, buyer_price = np.where(allowed, perf, 0.0), np.where(allowed, price, 1.0)
    sold_to_ok = world.sold_to_ok
    rows, columns = np.nonzero(controlled)  # only controlled pairs can have a variant: open them one by one
    for i, j in zip(rows.tolist(), columns.tolist(), strict=True):
        variant = designers[j].variants.get(buyers[i].country)
        if variant and variant["ready"] <= world.now and alive[j] and sold_to_ok[i, j] \
                and float(variant["perf"]) > 0 and not above(float(variant["perf"]), threshold[i, j]):
            allowed[i, j] = True
            buyer_perf[i, j], buyer_price[i, j] = variant["perf"], variant["price"]
    return allowed, buyer_perf, buyer_price


def diplomacy(world) -> np.ndarray:
    """Buyer x chip utility from trade stances: a country aligned with the US sells more easily
    to US buyers and less easily to Chinese ones; one open to China the reverse."""
    chip_step = np.array([supplier_step(world, d.country) for d in world.designers])
    side = np.array([customer_side(b.country) for b in world.buyers])
    return stance_affinity(world) * side[:, None] * chip_step[None, :]


def chip_incentive(world, clouds: dict[str, set[str]] | None = None) -> np.ndarray:
    """Buyer x chip share of the price the state pays: home chips bought by the clouds its
    LLM developers train on. `clouds` (from `home_clouds`) saves a part of the market
    (`Part`) going over every developer of the world again."""
    discount = np.zeros((len(world.buyers), len(world.designers)))
    for country, (rate, mine) in (clouds if clouds is not None else home_clouds(world)).items():
        for i, buyer in enumerate(world.buyers):
            if buyer.name in mine and buyer.country == country and not buyer.national:
                discount[i] = np.where(world.home_chip[i], rate, 0.0)
    return discount


def home_clouds(world) -> dict[str, tuple[float, set[str]]]:
    """Each state paying a home-chip incentive, in the countries' order: its rate and the
    clouds its LLM developers train on."""
    out = {}
    for country in world.countries.values():
        rate = country.policy.chip_incentive
        if rate > 0:
            out[country.name] = (rate, {b for dev in world.llm_developers if dev.country == country.name
                                        for b in dev.compute_from})
    return out


def utility_terms(world) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The terms of `chip_utility` that prices do not move (weighted ecosystem, home bias,
    diplomacy): worked out once for the several utilities of one quarter's market."""
    p = world.params
    ecosystem = np.array([d.ecosystem for d in world.designers])
    return p.choice_ecosystem_weight * ecosystem, p.home_bias * world.home_chip, diplomacy(world)


def chip_utility(world, perf: np.ndarray, price: np.ndarray, allowed: np.ndarray,
                 terms: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """U = a log(perf / price) + e ecosystem + home bias + affinity + diplomacy + appeal.
    `terms` (from `utility_terms`) saves working out the price-free terms again; the sum is
    taken in the same order either way, so the numbers are the same."""
    ecosystem, home, tilt = terms if terms is not None else utility_terms(world)
    value = np.log(np.where(allowed, perf, 1.0) / price)
    return world.params.choice_value_weight * value + ecosystem + home + world.affinity + tilt + world.chip_appeal


def unit_prices(choice: np.ndarray, perf: np.ndarray, price: np.ndarray) -> np.ndarray:
    """Per buyer: what a unit of compute (one H100e) costs it at its chosen mix, in US$ thousand.
    A budget B spread by dollar shares s buys B * sum(s_k perf_k / price_k) of compute; the unit
    price is the inverse. Infinite for a buyer with nothing to buy."""
    compute_per_dollar = (choice * perf / price).sum(axis=1)
    return np.divide(1.0, compute_per_dollar, out=np.full(len(choice), np.inf), where=compute_per_dollar > 0)


def mandated(world) -> list[bool]:
    """Per buyer: is it a national centre whose state has set a procurement mix."""
    return [b.national and bool(world.countries[b.country].policy.procurement_mix) for b in world.buyers]


def purchase_rows(world, budget: np.ndarray, allowed: np.ndarray, under_mix: list[bool]):
    """One purchasing row per buyer, or one per vendor group for a buyer under a procurement
    mandate (its budget split by the mix, each part spent only on that group). `under_mix`:
    `mandated(world)`."""
    if not any(under_mix):  # every buyer chooses freely: one row each, as they are
        return np.arange(len(world.buyers)), np.array(budget, dtype=float), np.array(allowed)
    leader = world.scenario.levers.leader if world.scenario.levers else None
    is_leader = np.array([d.name == leader for d in world.designers])
    rows, shares = [], []
    groups_of: dict[int, np.ndarray] = {}  # purchasing row -> the vendor group it may buy from
    for i, buyer in enumerate(world.buyers):
        if not under_mix[i]:
            rows.append(i)
            shares.append(1.0)  # its whole budget (times one: the same number)
            continue
        mix = world.countries[buyer.country].policy.procurement_mix
        home = world.home_chip[i]
        groups = {"leader": is_leader, "domestic": home & ~is_leader, "other": ~home & ~is_leader}
        for group, share in mix.items():
            if share > 0:
                groups_of[len(rows)] = groups[group]
                rows.append(i)
                shares.append(share)
    row_allowed = allowed[rows]
    for row, group in groups_of.items():
        row_allowed[row] &= group
    return np.array(rows, dtype=int), budget[rows] * np.array(shares, dtype=float), row_allowed


class Purchases:
    """A quarter's purchasing rows (`purchase_rows`) and whether every buyer chooses freely:
    worked out once for the incentive's funding, the market and the cause log."""

    def __init__(self, world, budget: np.ndarray, allowed: np.ndarray) -> None:
        self.under_mix = mandated(world)
        self.free = not any(self.under_mix)
        self.rows, self.budget, self.allowed = purchase_rows(world, budget, allowed, self.under_mix)


def _buyer_masks(world) -> dict[str, np.ndarray]:
    """Each country's buyers as a mask over `world.buyers` (fixed for a game: made once)."""
    masks = world.__dict__.get("_buyer_masks")
    if masks is None:
        masks = world._buyer_masks = {c: np.array([b.country == c for b in world.buyers], dtype=bool)
                                      for c in world.countries}
    return masks


def _per_buyer(rows: np.ndarray, values: np.ndarray, shape, free: bool) -> np.ndarray:
    """Sum purchasing rows into their buyers' rows. With one row per buyer (`free`) that is the
    rows themselves (plus 0.0, as adding them into zeros would give)."""
    if free:
        return values + 0.0
    total = np.zeros(shape)
    np.add.at(total, rows, values)
    return total


def _owed_at_full_discount(offer: _Offer) -> np.ndarray | None:
    """Per buyer of the offer's part: what its state would owe (US$ B) if it bought at the full
    discount, at the purchasing rows' choice at the offered prices; None with no discount in it."""
    full = offer.full
    if not full.any():
        return None
    purchases = offer.purchases
    rows, row_budget = purchases.rows, purchases.budget
    desired = _per_buyer(rows, row_budget[:, None] * offer.shares * 1000 / offer.offered[rows],
                         offer.list_price.shape, purchases.free)
    return (desired * offer.list_price * full).sum(axis=1) / 1000


def _incentive_shares(world, owed_usd: np.ndarray, discounted: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """The share of its rate each state with a buyer on the home-chip incentive can pay this
    quarter (what it would owe, `owed_usd` per buyer, against what is left for it), with the
    buyers it applies to (a mask over `world.buyers`), in the countries' order."""
    masks = _buyer_masks(world)
    paying = {world.buyers[i].country for i in np.flatnonzero(discounted).tolist()}
    out = []
    for country in world.countries.values():
        if country.name in paying:  # the states with a buyer on the incentive, in the countries' order
            mine = masks[country.name] & discounted
            owed = country.to_local(float(owed_usd[mine].sum()))
            out.append((mine, country.share_for("chip_incentive", owed)))
    return out


def _funded_incentive(world, offer: _Offer) -> np.ndarray:
    """The home-chip incentive (buyer x chip share of the price the state pays) at the share of
    its rate each state can pay this quarter, for one market, the world's."""
    owed = _owed_at_full_discount(offer)
    if owed is None:
        return offer.full
    return _scaled(offer.full, _incentive_shares(world, owed, offer.full.any(axis=1)), None)


def _funded_incentives(world, parts: list, offers: list[_Offer]) -> list[np.ndarray]:
    """`_funded_incentive` of each part: a state's budget is shared by its buyers in every part."""
    owed = [_owed_at_full_discount(offer) for offer in offers]
    if all(o is None for o in owed):
        return [offer.full for offer in offers]
    owed_usd = gather_buyers(world, parts, [np.zeros(len(part.buyers)) if o is None else o
                                            for part, o in zip(parts, owed, strict=True)])
    discounted = gather_buyers(world, parts, [offer.full.any(axis=1) for offer in offers], bool)
    shares = _incentive_shares(world, owed_usd, discounted)
    return [_scaled(offer.full, shares, part.rows) for part, offer in zip(parts, offers, strict=True)]


def _scaled(full: np.ndarray, shares: list[tuple[np.ndarray, float]], rows: np.ndarray | None) -> np.ndarray:
    """`full` (a part's incentive at its full rate; `rows`: the part's buyers, None for all)
    with each state's buyers' rows at the share of the rate it can pay."""
    scaled = full.copy()
    for mine, share in shares:
        scaled[mine if rows is None else mine[rows]] *= share
    return scaled


class _Offer:
    """One part's quarter at the offered prices (the full home-chip discount): who may buy what,
    the utilities and each buyer's choice and unit price; then (`purchase`) its purchasing rows
    and their choice, which the incentive's funding and the market read."""

    def __init__(self, part, clouds: dict[str, tuple[float, set[str]]]) -> None:
        self.terms = utility_terms(part)  # ecosystems move only at the end of the quarter's market
        self.allowed, self.perf, self.list_price = chip_terms(part)
        self.full = chip_incentive(part, clouds)
        self.offered = self.list_price * (1 - self.full)
        self.utility = chip_utility(part, self.perf, self.offered, self.allowed, self.terms)
        self.choice = market.logit_shares(self.utility, self.allowed)
        self.unit = unit_prices(self.choice, self.perf, self.offered)

    def purchase(self, part, budget: np.ndarray) -> None:
        """The purchasing rows at these buyers' budgets (mandates do not change while the market
        clears) and their choice at the offered prices: the incentive's funding asks for it, and
        so does the market when the incentive is paid in full or not at all (the same prices)."""
        self.budget = budget
        self.purchases = purchases = Purchases(part, budget, self.allowed)
        self.shares = self.choice if purchases.free else market.logit_shares(self.utility[purchases.rows],
                                                                              purchases.allowed)


class _Sale:
    """One part's market at the prices buyers pay: the purchasing rows' orders, rationed when a
    chip is short, the spill of unspent budgets to next choices, and what the cause log, the
    designers, the incentive's payment and the installed base read of it."""

    def __init__(self, part, offer: _Offer, discount: np.ndarray, supply: np.ndarray) -> None:
        purchases, list_price, allowed, perf = offer.purchases, offer.list_price, offer.allowed, offer.perf
        free, rows, row_budget, row_allowed = purchases.free, purchases.rows, purchases.budget, purchases.allowed
        self.discount, self.list_price = discount, list_price
        self.price = price = list_price * (1 - discount)  # what the buyer pays; the designer gets the list price
        # the incentive paid in full (or none at all); np.array_equal's test, without its Python-level
        # checks (two float arrays of one shape)
        same_prices = bool((price == offer.offered).all())
        self.cut = cut = np.flatnonzero(discount.any(axis=1)).tolist()  # the discounted buyers
        utility, undiscounted = _sale_utilities(part, offer, price, same_prices, cut)
        # one row per buyer, in order (`free`): the rows are the arrays' own (read, never written)
        u, p = (utility, price) if free else (utility[rows], price[rows])
        compared, self.mixed = _compared_choices(purchases, utility, allowed, cut, undiscounted)
        if same_prices:  # the rows' choice is the one at the offered prices, each buyer's free choice too
            choice, self.free_choice = offer.shares, offer.choice[self.mixed]
            (self.base_choice,) = _logit_blocks(compared[1])
        else:  # the market's choice and the cause log's in one logit
            choice, self.free_choice, self.base_choice = _logit_blocks((u, row_allowed), *compared)
        desired = row_budget[:, None] * choice * 1000 / p
        sold = _ration(desired, supply)
        left = np.maximum(row_budget - (sold * p).sum(axis=1) / 1000, 0.0)
        remaining = np.maximum(supply - sold.sum(axis=0), 0.0)
        spill_allowed = row_allowed & (remaining > 1e-9)[None, :]
        sold += _ration(left[:, None] * market.logit_shares(u, spill_allowed) * 1000 / p, remaining)

        self.by_buyer = by_buyer = _per_buyer(rows, sold, list_price.shape, free)
        self.wanted_by_buyer = _per_buyer(rows, desired, list_price.shape, free)
        self.units = by_buyer.sum(axis=0)
        value = by_buyer * list_price  # US$ thousand a cell, the first product of the three sums below
        self.revenue = value.sum(axis=0) / 1000
        self.wanted = self.wanted_by_buyer.sum(axis=0)
        # the incentive each buyer's state owes on what it bought (US$ B): in full, and at the funded share
        self.full_by = (value * offer.full / 1000).sum(axis=1)
        self.owed_by = (value * discount / 1000).sum(axis=1)
        self.compute = by_buyer * perf
        self.spent = (by_buyer * price / 1000).sum(axis=1)


class _Joined:
    """The parts' sales (`_Sale`) read as one over the world's buyers and designers: what the
    designers, the incentive's payment and the market's record read (at game size the one
    part's sale is read as it is)."""

    def __init__(self, world, parts: list, offers: list[_Offer], sales: list[_Sale]) -> None:
        for name in ("units", "revenue", "wanted"):
            setattr(self, name, gather_designers(world, parts, [getattr(sale, name) for sale in sales]))
        for name in ("full_by", "owed_by", "spent"):
            setattr(self, name, gather_buyers(world, parts, [getattr(sale, name) for sale in sales]))
        self.by_buyer = dense_matrix(world, parts, [sale.by_buyer for sale in sales])
        self.wanted_by_buyer = dense_matrix(world, parts, [sale.wanted_by_buyer for sale in sales])
        self.list_price = dense_matrix(world, parts, [offer.list_price for offer in offers], 1.0)  # 1.0 where barred


def clear(world) -> None:
    """Clear the quarter's accelerator market: as one market at game size, part by part
    (`_clear_parts`) when `market_parts` finds sparse choice sets."""
    world.price_in_house()  # an in-house chip costs its owner what it costs to make today
    parts = market_parts(world)
    if parts is not None:
        _clear_parts(world, parts)
        return
    offer = _Offer(world, home_clouds(world))
    unit = offer.unit
    budget = np.array([b.order(u, world.params) for b, u in zip(world.buyers, unit.tolist(), strict=True)])
    offer.purchase(world, budget)
    supply = np.array([d.inventory for d in world.designers])
    sale = _Sale(world, offer, _funded_incentive(world, offer), supply)
    if world.explains:
        _attribute(world, sale.wanted_by_buyer, sale.price, offer.list_price, budget, sale.discount,
                   offer.purchases.under_mix, sale.mixed, sale.free_choice, sale.cut, sale.base_choice)
    _settle(world, None, [offer], [sale], sale, unit, supply)


def _clear_parts(world, parts: list) -> None:
    """The market part by part (groups of buyers and chips that trade with no one else), with
    what couples the parts (a state's incentive budget, the order of notes, payments and
    installs, the designers' prices) done over every buyer and chip in the world's order."""
    clouds = home_clouds(world)
    offers = [_Offer(part, clouds) for part in parts]
    unit = gather_buyers(world, parts, [offer.unit for offer in offers])
    budget = np.array([b.order(u, world.params) for b, u in zip(world.buyers, unit.tolist(), strict=True)])
    for part, offer in zip(parts, offers, strict=True):
        offer.purchase(part, budget[part.rows])
    supply = np.array([d.inventory for d in world.designers])
    sales = [_Sale(part, offer, discount, supply[part.cols])
             for part, offer, discount in zip(parts, offers, _funded_incentives(world, parts, offers), strict=True)]
    if world.explains:
        _attribute_parts(world, parts, offers, sales, budget)
    _settle(world, parts, offers, sales, _Joined(world, parts, offers, sales), unit, supply)


def _settle(world, parts: list | None, offers: list[_Offer], sales: list[_Sale], sold, unit: np.ndarray,
            supply: np.ndarray) -> None:
    """What the market's sales (`sold`: the one market's `_Sale`, or the parts' `_Joined`)
    change: designers' stock, sales and demand, the incentive paid, buyers' installed compute,
    ecosystems and next quarter's prices. `parts` None: one market, the world's."""
    params = world.params
    smoothing = params.demand_smoothing
    wanted = sold.wanted.tolist()
    for d, n, r, w in zip(world.designers, sold.units.tolist(), sold.revenue.tolist(), wanted, strict=True):
        d.inventory = max(d.inventory - n, 0.0)
        d.sold = n
        d.revenue = r
        d.observe_demand(w, smoothing)
    unpaid = _pay_incentives(world, sold.full_by.tolist(), sold.owed_by.tolist())
    delivered = _install(world, parts, sales, sold.spent + unpaid)
    for buyer, compute, u in zip(world.buyers, delivered, unit.tolist(), strict=True):
        buyer.delivered(compute, u, params)
    if parts is None:
        _update_ecosystems(world, offers[0].allowed)
    else:
        _update_ecosystems(world, [offer.allowed for offer in offers], parts)
    # each cost as a float64 (as an array of them held it)
    floor = [float(unit_cost(world, d)) for d in world.designers]
    new_price = market.adjust_prices([d.price for d in world.designers], wanted, supply.tolist(),
                                     params.price_response, params.price_step_limit, floor)
    for d, q, cost in zip(world.designers, new_price, floor, strict=True):
        if d.owner is not None:  # in-house: priced at its cost as each market opens (World.price_in_house)
            continue
        for variant in d.variants.values():
            # carved from the same production, its price moves alike; a variant unit is a flagship
            # unit (dies, HBM, packaging, the rest of the bill), so it is never sold below that cost
            variant["price"] = max(variant["price"] * q / d.price, cost)
        d.price = q
    world.last_market["accelerator"] = {"sold": sold.by_buyer, "price": sold.list_price,
                                        "desired": sold.wanted_by_buyer}


def _ration(desired: np.ndarray, supply: np.ndarray) -> np.ndarray:
    """When a chip is short every buyer gets the same fraction of what it asked for."""
    total = desired.sum(axis=0)
    fill = np.divide(supply, total, out=np.ones(total.shape, total.dtype), where=(total > supply) & (total > 0))
    return desired * fill[None, :]


def _sale_utilities(part, offer: _Offer, price: np.ndarray, same_prices: bool,
                    cut: list[int]) -> tuple[np.ndarray, np.ndarray | None]:
    """The buyers' utilities at the prices they pay (the offer's when they are the offered
    prices) and, with discounted buyers (`cut`), at list prices for the cause log (None
    without). When both are new they are worked out in one pass over the two price matrices
    stacked: every step of `chip_utility` is elementwise, so each matrix gets the numbers it
    would get by itself, at half the numpy calls."""
    perf, list_price, allowed, terms = offer.perf, offer.list_price, offer.allowed, offer.terms
    if same_prices:
        return offer.utility, chip_utility(part, perf, list_price, allowed, terms) if cut else None
    if not cut:
        return chip_utility(part, perf, price, allowed, terms), None
    paid, listed = chip_utility(part, perf, np.array((price, list_price)), allowed, terms)
    return paid, listed


def _compared_choices(purchases: Purchases, utility, allowed, cut: list[int], undiscounted):
    """The free choices the cause log (`_attribute`) compares demand with, as (utility, allowed)
    blocks of rows for `_logit_blocks`: the mandated buyers' at this quarter's utility, the
    discounted buyers `cut` at list prices (`undiscounted`; None where there is no such buyer).
    Also the mandated rows' buyers."""
    mixed = [i for i, m in enumerate(purchases.under_mix) if m]
    return ((utility[mixed], allowed[mixed]) if mixed else None,
            (undiscounted[cut], allowed[cut]) if cut else None), mixed


def _logit_blocks(*blocks: tuple[np.ndarray, np.ndarray] | None) -> list[np.ndarray | None]:
    """`market.logit_shares` of several (utility, allowed) blocks of rows in one call (None: no
    block, no shares). A row's shares depend on that row alone (its own maximum, exps and
    total), so each block gets the shares it would get by itself."""
    present = [b for b in blocks if b is not None]
    if len(present) <= 1:
        return [None if b is None else market.logit_shares(*b) for b in blocks]
    shares = market.logit_shares(np.concatenate([u for u, _ in present]), np.concatenate([a for _, a in present]))
    out, start = [], 0
    for block in blocks:
        if block is None:
            out.append(None)
            continue
        out.append(shares[start:start + len(block[0])])
        start += len(block[0])
    return out


def _attribute_parts(world, parts: list, offers: list[_Offer], sales: list[_Sale], budget: np.ndarray) -> None:
    """The cause log's notes of every part (`_attribute`, which each `Part` collects), made in
    the world's buyer order, as one market's would be."""
    notes = []
    for part, offer, sale in zip(parts, offers, sales, strict=True):
        _attribute(part, sale.wanted_by_buyer, sale.price, offer.list_price, budget[part.rows], sale.discount,
                   offer.purchases.under_mix, sale.mixed, sale.free_choice, sale.cut, sale.base_choice)
        notes.extend(part.notes)
    row = {b.name: i for i, b in enumerate(world.buyers)}
    notes.sort(key=lambda note: row[note[1]["buyer"]])  # stable: a buyer's notes stay in the order they came
    for args, fields in notes:
        world.note(*args, **fields)


def _attribute(world, wanted_by_buyer, price, list_price, budget, discount, under_mix: list[bool],
               mixed: list[int], free_choice, cut: list[int], base_choice) -> None:
    """Cause log: home designers' extra demand owed to a procurement mandate or to the home-chip
    incentive, against the same quarter's free choice at list prices. The free choices are the
    market's (`_compared_choices`): `free_choice` of the mandated buyers `mixed` at this
    quarter's prices, `base_choice` of the discounted buyers `cut` at list prices."""
    if not mixed and not cut:
        return
    free = dict(zip(mixed, _spent(budget, free_choice, price, mixed), strict=True))
    base = dict(zip(cut, _spent(budget, base_choice, list_price, cut), strict=True))
    for i, buyer in enumerate(world.buyers):
        country = world.countries[buyer.country]
        if under_mix[i]:
            extra = (wanted_by_buyer[i] - free[i]).tolist()
            home = world.home_chip[i].tolist()
            for k, d in enumerate(world.designers):
                if home[k] and extra[k] > 0.01:
                    world.note("mechanism", buyer.country, "cause.procurement", firm=d.name, buyer=buyer.name,
                               units=extra[k], share=country.policy.procurement_mix.get("domestic", 0.0),
                               targets=["domestic_compute_share", "accelerator_share"])
        if i in base:
            target = free[i] if under_mix[i] else wanted_by_buyer[i]
            extra = (target - base[i]).tolist()
            cut_k = discount[i].tolist()
            for k, d in enumerate(world.designers):
                if cut_k[k] > 0 and extra[k] > 0.01:
                    world.note("mechanism", buyer.country, "cause.chip_incentive", firm=d.name, buyer=buyer.name,
                               units=extra[k], targets=["domestic_compute_share", "llm_domestic_chip_share"])


def _spent(budget, shares, price, buyers: list[int]):
    """Units each of `buyers` buys spending its whole budget at these `shares` (a row each, of
    these buyers) and prices; none for no buyer."""
    if not buyers:
        return []
    return budget[buyers, None] * shares * 1000 / price[buyers]


def _pay_incentives(world, full_by: list[float], owed_by: list[float]) -> np.ndarray:
    """The state pays the home-chip incentive on what its clouds bought (US$ B per buyer: in
    full, `full_by`, and at the funded share, `owed_by`); what the budget could not pay after
    all, the buyer pays: the designer always gets the list price, and no money appears from
    nowhere. Returns what each buyer paid on top."""
    unpaid = np.zeros(len(world.buyers))
    for i, buyer in enumerate(world.buyers):
        usd = owed_by[i]
        if usd > 0:
            country = world.countries[buyer.country]
            paid = world.pay_usage(country, "chip_incentive", country.to_local(full_by[i]), country.to_local(usd))
            unpaid[i] = usd - country.to_usd_billion(paid)
    return unpaid


def unit_cost(world, d) -> float:
    """Cost of one chip in US$ thousand at today's input prices: good die, HBM, packaging,
    the rest of the bill of materials. Designers never price below it. (Loops rather than
    generators: it is asked for every designer every quarter; the same operations on the same
    operands in the same order as sum() and min() would do them, so the same number and type.)"""
    chip, by_name = d.chip, world.by_name
    foundry_cost = 0  # sum()'s start
    for f, mix in zip(d.foundries, d.foundry_mix, strict=True):
        if mix > 0:
            foundry_cost = foundry_cost + mix * wafers.die_cost(world, by_name[f], chip)
    hbm_price = None  # the cheapest quote (the first of equals); a maker not selling the generation has none
    for h in d.hbm_suppliers:
        quote = by_name[h].quoted(chip.hbm_gen)
        if quote is not None and (hbm_price is None or quote < hbm_price):
            hbm_price = quote
    packaging = None
    for p in d.packagers:
        price = by_name[p].price
        if packaging is None or price < packaging:
            packaging = price
    return foundry_cost + chip.hbm_gb * (0.0 if hbm_price is None else hbm_price) / 1000 \
        + packaging / chip.chips_per_package_wafer + chip.other_bom


def _install(world, parts: list | None, sales: list[_Sale], paid: np.ndarray) -> list[float]:
    """New compute (H100e, each part's buyer x chip block `_Sale.compute`; `parts` None: one
    market, the world's)
    enters each buyer's installed base by chip; old compute retires. `paid`: what each buyer
    paid this quarter (US$ B). The part of it that can train large models (each chip's
    `training`) is what the buyer's LLM developers train on: a centre full of inference NPUs
    serves models but trains few (seed 001). Returns each buyer's new compute."""
    d = world.params.compute_depreciation
    if parts is None:
        world.installed = world.installed * (1 - d) + sales[0].compute
        new, trains, domestic = _compute_sums(world, sales[0].compute)
    else:  # nothing is ever installed between the parts: there the dense sum adds 0.0
        installed = world.installed * (1 - d)
        for part, sale in zip(parts, sales, strict=True):
            installed[part.cut] = installed[part.cut] + sale.compute
        world.installed = installed
        sums = [_compute_sums(part, sale.compute) for part, sale in zip(parts, sales, strict=True)]
        new, trains, domestic = (gather_buyers(world, parts, list(column)) for column in zip(*sums, strict=True))
    new = new.tolist()
    for buyer, n, t, h, p in zip(world.buyers, new, trains.tolist(), domestic.tolist(), paid.tolist(), strict=True):
        buyer.install(n, t, h, d, p)
    return new


def _compute_sums(part, compute: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per buyer of a part: its new compute, the part that trains, and of that its home chips'."""
    training = compute * np.array([designer.chip.training for designer in part.designers])
    return compute.sum(axis=1), training.sum(axis=1), (training * part.home_chip).sum(axis=1)


def _update_ecosystems(world, allowed: np.ndarray | list[np.ndarray], parts: list | None = None) -> None:
    """A software ecosystem moves towards a level set by the platform's installed base relative
    to the largest platform's, both counted at the buyers the platform may sell to this quarter
    (`allowed`: its market, after `sold_to` and export rules): a challenger's ecosystem grows only
    by being used where it is on offer. So an in-house chip (TPU, Trainium) is judged against the
    other platforms in its owners' data centres, not against every GPU in the world; a Chinese
    chip against what Chinese clouds run; a Korean NPU against what its Korean and export buyers
    run, where a national centre's purchases count; an open-market GPU against everyone.
    With `parts`, `allowed` is each part's (a platform's market lies inside its part)."""
    if parts is None:
        market = _platform_bases(allowed, world.installed)
        own, leader = np.diagonal(market), market.max(axis=1)
    else:
        bases = [_platform_bases(a, part.installed) for part, a in zip(parts, allowed, strict=True)]
        own = gather_designers(world, parts, [np.diagonal(b) for b in bases])
        leader = gather_designers(world, parts, [b.max(axis=1) for b in bases])
    speed, elasticity = world.params.ecosystem_speed, world.params.ecosystem_elasticity
    for d, base, top in zip(world.designers, own.tolist(), leader.tolist(), strict=True):
        if top <= 0:  # no buyer may buy it this quarter, or none has anything installed: no signal
            continue
        d.ecosystem += speed * ((base / top) ** elasticity - d.ecosystem)


# Above this many cells (platforms x buyers x platforms) the bases are summed per distinct
# market (`_platform_bases`); below it the one numpy expression is cheaper.
GROUPED_CELLS = 100_000


def _platform_bases(allowed: np.ndarray, installed: np.ndarray) -> np.ndarray:
    """[k, j]: platform j's installed base at the buyers platform k may sell to (`allowed`'s
    column k), summed by numpy's own reduction rather than a BLAS matmul, whose kernel (and
    last bit) depends on the CPU.

    The plain expression (`_platform_bases_reference`) builds a platforms x buyers x platforms
    array: 0.6 us a turn in the baseline, but cubic in the firms (at 100x the baseline's firms,
    729 million cells and ~11 s a turn, 86% of it). Platforms sold to the same buyers (every
    open-market GPU of one country) share a market, so each distinct column of `allowed` is
    summed once, over its own buyers' rows only. That adds the same numbers in the same order:
    numpy reduces the middle axis of the 3-d array, and the first axis of the rows taken here,
    one row after another (with two or more platforms; with one, both reduce a contiguous axis
    pairwise, so that case stays on the reference), and a barred buyer's row only adds +0.0,
    which changes no sum of installed bases (never negative, so never -0.0 alone). The
    cost is the buyers in each distinct market times the platforms: about linear in the firms
    for the open markets plus one small market per in-house platform."""
    platforms, buyers = allowed.shape[1], allowed.shape[0]
    if installed.shape[1] < 2 or platforms * buyers * installed.shape[1] <= GROUPED_CELLS:
        return _platform_bases_reference(allowed, installed)
    out = np.empty((platforms, installed.shape[1]))
    markets: dict[bytes, list[int]] = {}
    columns = np.ascontiguousarray(allowed.T)
    for k in range(platforms):
        markets.setdefault(columns[k].tobytes(), []).append(k)
    for same in markets.values():
        rows = np.flatnonzero(columns[same[0]])
        out[same] = installed[rows].sum(axis=0) if len(rows) else 0.0
    return out


def _platform_bases_reference(allowed: np.ndarray, installed: np.ndarray) -> np.ndarray:
    """`_platform_bases` as one numpy expression (the reference; used below GROUPED_CELLS)."""
    return np.where(allowed.T[:, :, None], installed[None, :, :], 0.0).sum(axis=1)


# --------------------------------------------------------------------- the market's parts

class Part:
    """A group of the accelerator market: the buyers `rows` and the designers `cols` of the
    world (each in the world's order) that trade with no one else. The market's functions read
    it as they read the world: its buyers and designers, the buyer x designer arrays cut to the
    group (the chips' appeal and the installed base as they are now), and anything else (the
    countries, the rules, the parameters, `note`) from the world itself."""

    def __init__(self, world, rows: np.ndarray, cols: np.ndarray) -> None:
        self.world = world
        self.rows, self.cols = rows, cols
        self.cut = np.ix_(rows, cols)
        self.buyers = [world.buyers[i] for i in rows.tolist()]
        self.designers = [world.designers[j] for j in cols.tolist()]
        self.sold_to_ok = world.sold_to_ok[self.cut]
        self.home_chip = world.home_chip[self.cut]
        self.affinity = world.affinity[self.cut]
        self.notes: list[tuple[tuple, dict]] = []

    def note(self, *args, **fields) -> None:
        """Keep a cause-log note (`_attribute`'s, which name their buyer) for `_attribute_parts`
        to make in the world's buyer order."""
        self.notes.append((args, fields))

    @property
    def chip_appeal(self) -> np.ndarray:
        return self.world.chip_appeal[self.cols]  # the calibration sets the world's while it fits

    @property
    def installed(self) -> np.ndarray:
        return self.world.installed[self.cut]

    def __getattr__(self, name: str):
        return getattr(self.world, name)


# id of a scenario -> (that scenario, the thresholds, its groups' (rows, cols) or None for one
# dense market). Who may sell to whom (`World.sold_to_ok`) comes from the scenario alone (the
# designers' `sold_to`, the buyers' names) and is fixed for a game, so the worlds of a scenario,
# their forks and previews share one grouping. Beside the worlds, not in them: what a world
# holds is its state, compared whole. The entry holds the scenario, so its id is not reused
# while the entry lasts; the last `_LAYOUTS_KEPT` scenarios are kept.
_LAYOUTS: dict[int, tuple[object, tuple, list | None]] = {}
_LAYOUTS_KEPT = 16


def market_parts(world) -> list | None:
    """The parts the accelerator market clears in, or None for one dense market (the world's)
    unless the buyer x chip matrix is large and `sold_to` splits it into groups covering a
    small share of its cells (`market.blocks_pay`)."""
    if len(world.buyers) * len(world.designers) < market.BLOCKS_MIN_CELLS:
        return None  # a game's market (`_layout` would say so): asked every quarter, answered at once
    scenario = world.scenario
    thresholds = (market.BLOCKS_MIN_CELLS, market.BLOCKS_MAX_DENSITY, market.BLOCK_CELLS)
    entry = _LAYOUTS.get(id(scenario))
    if entry is None or entry[0] is not scenario or entry[1] != thresholds:
        entry = _LAYOUTS[id(scenario)] = (scenario, thresholds, _layout(world.sold_to_ok))
        while len(_LAYOUTS) > _LAYOUTS_KEPT:
            _LAYOUTS.pop(next(iter(_LAYOUTS)))
    return None if entry[2] is None else [Part(world, rows, cols) for rows, cols in entry[2]]


def _layout(sold_to_ok: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """The connected groups of buyers and chips (a buyer and a chip joined where the chip may
    be sold to the buyer), first buyer first, or None where `market.blocks_pay` says one dense
    market costs less. Buyers or chips joined to nothing join the first group (nothing they
    could trade changes)."""
    n_rows, n_cols = sold_to_ok.shape
    if not market.blocks_pay(n_rows, n_cols, None):
        return None
    if np.count_nonzero(sold_to_ok) > market.BLOCKS_MAX_DENSITY * n_rows * n_cols:
        return None  # groups hold at least the allowed pairs: too many already (and no pass over them)
    parent = list(range(n_rows + n_cols))  # union-find: buyer i is node i, chip j node n_rows + j

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in zip(*(a.tolist() for a in np.nonzero(sold_to_ok)), strict=True):
        a, b = root(i), root(n_rows + j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for node in range(n_rows + n_cols):
        rows, cols = groups.setdefault(root(node), ([], []))
        (rows if node < n_rows else cols).append(node if node < n_rows else node - n_rows)
    blocks = [g for g in groups.values() if g[0] and g[1]]
    loose = [g for g in groups.values() if not (g[0] and g[1])]
    if not blocks:
        return None
    for rows, cols in loose:
        blocks[0][0].extend(rows)
        blocks[0][1].extend(cols)
    layout = [(np.array(sorted(r), dtype=np.intp), np.array(sorted(c), dtype=np.intp))
              for r, c in _chunks(sorted(blocks, key=lambda block: min(block[0])))]
    if not market.blocks_pay(n_rows, n_cols, [len(r) * len(c) for r, c in layout]):
        return None
    return layout


def _chunks(blocks: list[tuple[list[int], list[int]]]) -> list[tuple[list[int], list[int]]]:
    """Consecutive groups merged until each part has about `market.BLOCK_CELLS` cells: a part
    costs a dozen numpy calls a step whatever its size, so a part of several small groups is
    cheaper than one per group, and the union of groups that trade only among themselves is
    still one (block-diagonal) market that the dense arithmetic clears exactly."""
    out: list[tuple[list[int], list[int]]] = []
    for rows, cols in blocks:
        if out and len(out[-1][0]) * len(out[-1][1]) < market.BLOCK_CELLS:
            out[-1][0].extend(rows)
            out[-1][1].extend(cols)
        else:
            out.append((list(rows), list(cols)))
    return out


def gather_buyers(world, parts: list | None, values: list[np.ndarray], dtype=float) -> np.ndarray:
    """Each part's per-buyer vector as one over `world.buyers` (`parts` None: the one market's)."""
    if parts is None:
        return values[0]
    out = np.zeros(len(world.buyers), dtype)
    for part, value in zip(parts, values, strict=True):
        out[part.rows] = value
    return out


def gather_designers(world, parts: list | None, values: list[np.ndarray]) -> np.ndarray:
    """Each part's per-designer vector as one over `world.designers` (`parts` None: the one
    market's)."""
    if parts is None:
        return values[0]
    out = np.zeros(len(world.designers))
    for part, value in zip(parts, values, strict=True):
        out[part.cols] = value
    return out


def dense_matrix(world, parts: list | None, values: list[np.ndarray], fill: float = 0.0) -> np.ndarray:
    """Each part's buyer x designer block in one world-sized matrix, `fill` between the blocks
    (what the dense market holds where no buyer may buy: no trade, or a price of 1.0); `parts`
    None: the one market's."""
    if parts is None:
        return values[0]
    out = np.full((len(world.buyers), len(world.designers)), fill)
    for part, value in zip(parts, values, strict=True):
        out[part.cut] = value
    return out
