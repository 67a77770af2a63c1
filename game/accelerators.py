"""Phase 6 of the turn: the accelerator market.

Buyers choose chips by a logit over performance per dollar, software ecosystem (the CUDA
lock-in), home bias, affinities and diplomacy (MODEL.md 6). Export controls remove a chip or
leave its compliant variant. A procurement mandate splits a national centre's budget by vendor
group; the home-chip incentive lowers the price home LLM clouds pay for home chips (the state
pays the difference). When a chip is short, every buyer gets the same share of its order and
unspent budget spills to its next choices in a second pass.
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


def chip_incentive(world) -> np.ndarray:
    """Buyer x chip share of the price the state pays: home chips bought by the clouds its
    LLM developers train on."""
    discount = np.zeros((len(world.buyers), len(world.designers)))
    for country in world.countries.values():
        rate = country.policy.chip_incentive
        if rate <= 0:
            continue
        clouds = {b for dev in world.llm_developers if dev.country == country.name for b in dev.compute_from}
        for i, buyer in enumerate(world.buyers):
            if buyer.name in clouds and buyer.country == country.name and not buyer.national:
                discount[i] = np.where(world.home_chip[i], rate, 0.0)
    return discount


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


def funded_incentive(world, full: np.ndarray, list_price: np.ndarray, offered: np.ndarray,
                     offered_shares: np.ndarray, purchases: Purchases) -> np.ndarray:
    """The home-chip incentive at the share of its rate each state can pay this quarter: what it
    would owe if buyers bought at the full discount, against what is left for it. `offered`: the
    list prices at the full discount; `offered_shares`: the purchasing rows' choice at them;
    `purchases`: the quarter's purchasing rows."""
    if not full.any():
        return full
    rows, row_budget = purchases.rows, purchases.budget
    desired = _per_buyer(rows, row_budget[:, None] * offered_shares * 1000 / offered[rows], list_price.shape,
                         purchases.free)
    owed_usd = (desired * list_price * full).sum(axis=1) / 1000
    scaled = full.copy()
    discounted = full.any(axis=1)
    masks = _buyer_masks(world)
    paying = {world.buyers[i].country for i in np.flatnonzero(discounted).tolist()}
    for country in world.countries.values():
        if country.name in paying:  # the states with a buyer on the incentive, in the countries' order
            mine = masks[country.name] & discounted
            owed = country.to_local(float(owed_usd[mine].sum()))
            scaled[mine] *= country.share_for("chip_incentive", owed)
    return scaled


def clear(world) -> None:
    params = world.params
    terms = utility_terms(world)  # ecosystems move only at the end of the quarter's market
    allowed, perf, list_price = chip_terms(world)
    full_discount = chip_incentive(world)
    offered = list_price * (1 - full_discount)
    offered_utility = chip_utility(world, perf, offered, allowed, terms)
    offered_choice = market.logit_shares(offered_utility, allowed)
    unit = unit_prices(offered_choice, perf, offered)
    budget = np.array([b.order(u, params) for b, u in zip(world.buyers, unit.tolist(), strict=True)])
    purchases = Purchases(world, budget, allowed)  # mandates do not change while the market clears
    free, rows, row_budget, row_allowed = purchases.free, purchases.rows, purchases.budget, purchases.allowed
    # the purchasing rows' choice at the offered prices: the incentive's funding asks for it, and
    # so does the market when the incentive is paid in full or not at all (the same prices)
    offered_shares = offered_choice if free else market.logit_shares(offered_utility[rows], row_allowed)
    discount = funded_incentive(world, full_discount, list_price, offered, offered_shares, purchases)
    price = list_price * (1 - discount)  # what the buyer pays; the designer gets the list price
    same_prices = np.array_equal(price, offered)  # the incentive paid in full (or none at all)
    utility = offered_utility if same_prices else chip_utility(world, perf, price, allowed, terms)
    supply = np.array([d.inventory for d in world.designers])

    u, p = utility[rows], price[rows]
    compared, mixed, cut = _compared_choices(world, purchases, utility, allowed, discount, terms, perf, list_price)
    if same_prices:  # the rows' choice is the one at the offered prices, each buyer's free choice too
        choice, free_choice = offered_shares, offered_choice[mixed]
        (base_choice,) = _logit_blocks(compared[1])
    else:  # the market's choice and the cause log's in one logit
        choice, free_choice, base_choice = _logit_blocks((u, row_allowed), *compared)
    desired = row_budget[:, None] * choice * 1000 / p
    sold = _ration(desired, supply)
    left = np.maximum(row_budget - (sold * p).sum(axis=1) / 1000, 0.0)
    remaining = np.maximum(supply - sold.sum(axis=0), 0.0)
    spill_allowed = row_allowed & (remaining > 1e-9)[None, :]
    sold += _ration(left[:, None] * market.logit_shares(u, spill_allowed) * 1000 / p, remaining)

    by_buyer = _per_buyer(rows, sold, list_price.shape, free)
    wanted_by_buyer = _per_buyer(rows, desired, list_price.shape, free)
    _attribute(world, wanted_by_buyer, price, list_price, budget, discount, purchases.under_mix,
               mixed, free_choice, cut, base_choice)

    units = by_buyer.sum(axis=0)
    revenue = (by_buyer * list_price).sum(axis=0) / 1000
    wanted = wanted_by_buyer.sum(axis=0)
    smoothing = params.demand_smoothing
    for d, n, r, w in zip(world.designers, units.tolist(), revenue.tolist(), wanted.tolist(), strict=True):
        d.inventory = max(d.inventory - n, 0.0)
        d.sold = n
        d.revenue = r
        d.observe_demand(w, smoothing)
    unpaid = _pay_incentives(world, by_buyer * list_price * full_discount / 1000,
                             by_buyer * list_price * discount / 1000)
    delivered = _install(world, by_buyer * perf, (by_buyer * price / 1000).sum(axis=1) + unpaid)
    for buyer, compute, u in zip(world.buyers, delivered, unit.tolist(), strict=True):
        buyer.delivered(compute, u, params)
    _update_ecosystems(world, allowed)
    floor = np.array([unit_cost(world, d) for d in world.designers])
    new_price = market.adjust_price(np.array([d.price for d in world.designers]), wanted, supply,
                                    params.price_response, params.price_step_limit, floor)
    for d, q, cost in zip(world.designers, new_price.tolist(), floor.tolist(), strict=True):
        for variant in d.variants.values():
            # carved from the same production, its price moves alike; a variant unit is a flagship
            # unit (dies, HBM, packaging, the rest of the bill), so it is never sold below that cost
            variant["price"] = max(variant["price"] * q / d.price, cost)
        d.price = q
    world.last_market["accelerator"] = {"sold": by_buyer, "price": list_price, "desired": wanted_by_buyer}


def _ration(desired: np.ndarray, supply: np.ndarray) -> np.ndarray:
    """When a chip is short every buyer gets the same fraction of what it asked for."""
    total = desired.sum(axis=0)
    fill = np.divide(supply, total, out=np.ones(total.shape, total.dtype), where=(total > supply) & (total > 0))
    return desired * fill[None, :]


def _compared_choices(world, purchases: Purchases, utility, allowed, discount, terms, perf, list_price):
    """The free choices the cause log (`_attribute`) compares demand with, as (utility, allowed)
    blocks of rows for `_logit_blocks`: the mandated buyers' at this quarter's utility, the
    discounted buyers' at list prices (None where there is no such buyer). Also the rows' buyers."""
    mixed = [i for i, m in enumerate(purchases.under_mix) if m]
    cut = np.flatnonzero(discount.any(axis=1)).tolist()
    undiscounted = chip_utility(world, perf, list_price, allowed, terms) if cut else None
    return ((utility[mixed], allowed[mixed]) if mixed else None,
            (undiscounted[cut], allowed[cut]) if cut else None), mixed, cut


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


def _pay_incentives(world, full: np.ndarray, owed: np.ndarray) -> np.ndarray:
    """The state pays the home-chip incentive on what its clouds bought (US$ B, buyer x chip);
    what the budget could not pay after all, the buyer pays: the designer always gets the list
    price, and no money appears from nowhere. Returns what each buyer paid on top."""
    unpaid = np.zeros(len(world.buyers))
    owed_by = owed.sum(axis=1).tolist()  # row sums: the same numbers as summing each row alone
    full_by = full.sum(axis=1).tolist()
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


def _install(world, compute: np.ndarray, paid: np.ndarray) -> list[float]:
    """New compute (H100e) enters each buyer's installed base by chip; old compute retires.
    `paid`: what each buyer paid this quarter (US$ B). The part of it that can train large models
    (each chip's `training`) is what the buyer's LLM developers train on: a centre full of
    inference NPUs serves models but trains few (seed 001). Returns each buyer's new compute."""
    d = world.params.compute_depreciation
    world.installed = world.installed * (1 - d) + compute
    training = compute * np.array([designer.chip.training for designer in world.designers])
    new = compute.sum(axis=1).tolist()
    trains, domestic = training.sum(axis=1), (training * world.home_chip).sum(axis=1)
    for buyer, n, t, h, p in zip(world.buyers, new, trains.tolist(), domestic.tolist(), paid.tolist(), strict=True):
        buyer.install(n, t, h, d, p)
    return new


def _update_ecosystems(world, allowed: np.ndarray) -> None:
    """A software ecosystem moves towards a level set by the platform's installed base relative
    to the largest platform's, both counted at the buyers the platform may sell to this quarter
    (`allowed`: its market, after `sold_to` and export rules): a challenger's ecosystem grows only
    by being used where it is on offer. So an in-house chip (TPU, Trainium) is judged against the
    other platforms in its owners' data centres, not against every GPU in the world; a Chinese
    chip against what Chinese clouds run; a Korean NPU against what its Korean and export buyers
    run, where a national centre's purchases count; an open-market GPU against everyone."""
    market = _platform_bases(allowed, world.installed)
    own = np.diagonal(market)
    leader = market.max(axis=1)
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
