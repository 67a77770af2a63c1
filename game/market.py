"""Market maths: the handful of numpy operations every market in the world is cleared with.

Orders are edge lists (one entry per buyer-supplier pair) rather than dense matrices, so the cost
of clearing grows with the number of trading relationships, not with buyers x suppliers.
Functions here are pure: arrays in, arrays out, no model state.

Small markets, scalar kernels (issue 15). A market of a handful of edges (2-15 a quarter in the
baseline) spends its time in numpy's per-call overhead (~0.5-1.5 us a call, a dozen calls a
function), not in arithmetic. So `allocate`, `clear_with_spill`, `cap_shares` and `adjust_price`
run as plain Python loops over floats when every array is float64 (or integer indices) and no
longer than `SCALAR_MAX`, and as numpy (`_allocate_numpy`, ...) otherwise. The loops do the same
IEEE operations in the same order as the numpy code, so the results are bit-identical: a bincount
adds each bin's values in edge order from 0.0; `_max`/`_min` are np.maximum/np.minimum (NaN
propagates, a tie keeps the first argument, so a -0.0 stays -0.0); `_numpy_sum` is numpy's
pairwise summation as `ndarray.sum` does it for up to 128 elements. There is no exp or log in
them (numpy's SIMD exp and log may differ from libm's in the last bit, so logits stay numpy;
`logit_all` only drops the masking calls that an all-allowed row does not need).
tests/test_speed_identity.py plays games both ways (SCALAR_MAX = -1 is the numpy path) and
compares them bit for bit; tests/test_market.py compares the kernels on random inputs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TINY = 1e-12
SCALAR_MAX = 32  # edges (or suppliers) up to which the scalar kernels run; -1: numpy always
# The accelerator market (game.accelerators.market_parts) clears group by group, not as one
# buyer x chip matrix, when the matrix has at least BLOCKS_MIN_CELLS cells (the baseline has 90,
# so every game-size market stays dense: the same arithmetic as ever) and `sold_to` splits it
# into groups holding at most BLOCKS_MAX_DENSITY of its cells. -1: groups whenever they exist
# (tests compare the two paths on small worlds); a huge value: dense always.
BLOCKS_MIN_CELLS = 4096
BLOCKS_MAX_DENSITY = 0.5
BLOCK_CELLS = 1500  # groups are merged into parts of about this many cells (1: a part per group)
# A buyer x chip matrix up to this many cells is read as Python lists where that beats numpy's
# per-call cost (game.indicators' installed bases by country; the World's masks in
# `_calibrate`); above, numpy, with the same floats. The same size as BLOCKS_MIN_CELLS: worlds
# beyond it are benchmark worlds (benchmarks/synthetic.py), not games.
LISTS_MAX_CELLS = 4096


def blocks_pay(n_rows: int, n_cols: int, block_cells: list[int] | None) -> bool:
    """Whether a rows x cols matrix is better cleared in blocks of `block_cells` cells each (None:
    not known yet; then whether it is large enough to look for them). Two or more blocks, and
    together a small share of the matrix: each of the dense matrix's operations costs its cells,
    while a block's costs several numpy calls (~1 us each) whatever its size."""
    cells = n_rows * n_cols
    if cells < BLOCKS_MIN_CELLS:
        return False
    if block_cells is None:
        return True
    return len(block_cells) >= 2 and sum(block_cells) <= BLOCKS_MAX_DENSITY * cells


def _max(a: float, b: float) -> float:
    """np.maximum of two floats: NaN propagates, a tie keeps `a` (-0.0 vs 0.0 included)."""
    return a if (a >= b or a != a) else b


def _min(a: float, b: float) -> float:
    """np.minimum of two floats: NaN propagates, a tie keeps `a`."""
    return a if (a <= b or a != a) else b


def _bincount(index: list[int], weights: list[float], n: int) -> list[float]:
    """np.bincount(index, weights, n) for n >= max(index) + 1: each bin's weights added in order."""
    out = [0.0] * n
    for k, w in zip(index, weights):  # noqa: B905 (equal lengths by construction; a hot loop)
        out[k] += w
    return out


PAIRWISE_BLOCK = 128  # numpy's pairwise summation adds up to this many elements in one block:
# `_numpy_sum` reproduces `ndarray.sum()` up to it, so list code may stand in for numpy's sums there


def _numpy_sum(values: list[float]) -> float:
    """`ndarray.sum()` of a float64 vector of up to PAIRWISE_BLOCK (128) elements: numpy's pairwise summation,
    which is a plain running sum below 8 elements and eight running sums above."""
    n = len(values)
    if n < 8:
        total = 0.0
        for v in values:
            total += v
        return total
    r = values[:8]
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += values[i + j]
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        total += values[i]
        i += 1
    return total


def array_sum(values: list[float]) -> float:
    """`np.array(values, dtype=np.float64).sum()` as a Python float: `_numpy_sum` (the same float)
    up to PAIRWISE_BLOCK values, numpy's own sum beyond."""
    if len(values) <= PAIRWISE_BLOCK:
        return _numpy_sum(values)
    return float(np.array(values, dtype=np.float64).sum())


def _small(*arrays) -> bool:
    """Whether the scalar kernels take these arrays: 1-d, float64 (or integer indices), short."""
    for a in arrays:
        if a is None:
            continue
        if type(a) is not np.ndarray or a.ndim != 1 or len(a) > SCALAR_MAX or a.dtype.kind not in "fiu":
            return False
        if a.dtype.kind == "f" and a.dtype != np.float64:
            return False
    return True


def _floats(a: np.ndarray) -> list[float]:
    """An array's values as Python floats (integers converted, as numpy converts them)."""
    return a.tolist() if a.dtype == np.float64 else a.astype(np.float64).tolist()


def adjust_price(
    price: np.ndarray,
    demand: np.ndarray,
    supply: np.ndarray,
    response: float,
    step_limit: float,
    floor: np.ndarray,
) -> np.ndarray:
    """p' = p (1 + k (D - S) / S), the move clipped to +-step_limit, never below `floor`.

    With no supply and some demand the price rises by the limit; with neither it stays.
    """
    if not (_small(price, demand, supply, floor) and len(price) == len(demand) == len(supply) == len(floor)
            and isinstance(response, float | int) and isinstance(step_limit, float | int)):
        return _adjust_price_numpy(price, demand, supply, response, step_limit, floor)
    return np.array(adjust_price_lists(_floats(price), _floats(demand), _floats(supply), float(response),
                                       float(step_limit), _floats(floor)), dtype=np.float64)


def adjust_price_lists(price: list[float], demand: list[float], supply: list[float], response: float,
                       step_limit: float, floor: list[float]) -> list[float]:
    """`adjust_price`'s scalar kernel on lists of Python floats (and float `response` and
    `step_limit`), for callers that hold lists and read the new prices as a list: the numpy
    arrays in and out cost more than the arithmetic on a few prices."""
    low = -step_limit
    out = []
    for p, d, s_, f in zip(price, demand, supply, floor):  # noqa: B905 (equal lengths by construction)
        gap = (d - s_) / s_ if s_ > TINY else 0.0
        # _min(_max(response * gap, low), step_limit) and _max(p * (1.0 + change), f), written out
        move = response * gap
        move = move if (move >= low or move != move) else low
        change = move if (move <= step_limit or move != move) else step_limit
        if s_ <= TINY and d > 0:
            change = step_limit
        new = p * (1.0 + change)
        out.append(new if (new >= f or new != new) else f)
    return out


def price_along(price: float, gaps: list[float], response: float, step_limit: float, floor: float) -> float:
    """The price the rule (`adjust_price_lists`) reaches after one step on each excess demand of
    `gaps` in turn ((orders - supply) / supply, a quarter each), never below `floor` after a
    step: where a planner expects the price to stand some quarters on."""
    low = -step_limit
    for gap in gaps:
        move = response * gap
        move = move if move >= low else low
        change = move if move <= step_limit else step_limit
        price = price * (1.0 + change)
        price = price if price >= floor else floor
    return price


def adjust_prices(price, demand, supply, response: float, step_limit: float, floor) -> list[float]:
    """`adjust_price` of sequences of numbers (lists, or 1-d arrays), the new prices as a list of
    Python floats: each number taken as float64 (as `np.array(values, dtype=np.float64)` takes it),
    then the scalar kernel (`adjust_price_lists`) up to SCALAR_MAX prices, numpy beyond. The
    markets' books hold their prices as lists; arrays in and out cost more than the arithmetic."""
    if len(price) <= SCALAR_MAX and isinstance(response, float | int) and isinstance(step_limit, float | int):
        return adjust_price_lists([float(x) for x in price], [float(x) for x in demand], [float(x) for x in supply],
                                  float(response), float(step_limit), [float(x) for x in floor])
    return adjust_price(np.array(price, dtype=np.float64), np.array(demand, dtype=np.float64),
                        np.array(supply, dtype=np.float64), response, step_limit,
                        np.array(floor, dtype=np.float64)).tolist()


def _adjust_price_numpy(
    price: np.ndarray,
    demand: np.ndarray,
    supply: np.ndarray,
    response: float,
    step_limit: float,
    floor: np.ndarray,
) -> np.ndarray:
    """`adjust_price` in numpy (any size; the reference the scalar kernel must match)."""
    gap = np.divide(demand - supply, supply, out=np.zeros(np.shape(price)), where=supply > TINY)
    # minimum(maximum()) is what np.clip computes, at a third of its cost on tiny arrays
    change = np.minimum(np.maximum(response * gap, -step_limit), step_limit)
    change = np.where((supply <= TINY) & (demand > 0), step_limit, change)
    return np.maximum(price * (1.0 + change), floor)


def logit_shares(utility: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Row-wise multinomial logit over the allowed options; a row with no option gets zeros."""
    masked = np.where(allowed, utility, -np.inf)
    top = masked.max(axis=-1, keepdims=True)
    finite = np.isfinite(top)
    every = finite.all()  # every row has an allowed option, and no NaN or infinite utility among them
    if not every:
        top = np.where(finite, top, 0.0)
    # the mask again after exp: exp(-inf) is 0 in IEEE arithmetic, but a barred option must get
    # exactly nothing whatever the exp in use (tests/test_saves.py nudges exp by an ulp)
    weights = np.where(allowed, np.exp(masked - top), 0.0)
    total = weights.sum(axis=-1, keepdims=True)
    if every:  # each row's best option weighs exp(0) = 1, so every total is positive: no row to keep at 0
        return weights / total
    return np.divide(weights, total, out=np.zeros(weights.shape, weights.dtype), where=total > 0)


def logit_all(utility: np.ndarray) -> np.ndarray:
    """`logit_shares(utility, np.ones(len(utility), bool))` for a 1-d row where every option is
    allowed (a designer's component suppliers, a country's LLMs): the same exp and sum of the
    same numbers without the masking calls, so the same shares."""
    top = utility.max()
    if utility.ndim != 1 or not np.isfinite(top):
        return logit_shares(utility, np.ones(utility.shape, bool))
    weights = np.exp(utility - top)
    return weights / weights.sum()


def logit_all_lists(utility: list[float]) -> list[float]:
    """`logit_all` of a list of floats (a row where every option is allowed), the shares as a
    list, for callers that hold a few options as floats (a designer's component suppliers): the
    best option as `ndarray.max` finds it (`_max`: NaN propagates), the exp numpy's on an array of
    the same differences, the total as `ndarray.sum` adds it (`array_sum`) and the same
    divisions, so the same shares without the half-dozen numpy calls on two numbers (issue 15).
    A row whose best option is not finite goes to `logit_all` itself."""
    top = utility[0]
    for x in utility:
        top = _max(top, x)
    if not (-np.inf < top < np.inf):  # NaN or infinite: the masked logit's special cases
        return logit_all(np.array(utility, dtype=np.float64)).tolist()
    weights = np.exp(np.array([x - top for x in utility], dtype=np.float64)).tolist()
    total = array_sum(weights)
    return [w / total for w in weights]


def group_logit(utility: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Logit shares over edges that share a group (one buyer's options), for edge lists."""
    top = np.full(n_groups, -np.inf)
    np.maximum.at(top, group, utility)
    weights = np.exp(utility - top[group])
    total = np.bincount(group, weights, n_groups)
    return weights / total[group]


def group_logit_lists(utility: list[float], group: list[int], n_groups: int) -> list[float]:
    """`group_logit` on lists of floats, for callers that hold lists: the groups' maxima, totals
    and the division as floats (np.maximum.at and np.bincount operation for operation), the exp
    numpy's, on an array of the same numbers in the same order, so the same shares."""
    top = [-np.inf] * n_groups
    for k, x in zip(group, utility):  # noqa: B905
        top[k] = _max(top[k], x)
    weights = np.exp(np.array([x - top[k] for k, x in zip(group, utility)], dtype=np.float64)).tolist()  # noqa: B905
    total = _bincount(group, weights, n_groups)
    return [w / total[k] for w, k in zip(weights, group)]  # noqa: B905


def cap_shares(shares: np.ndarray, caps: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Limit each edge's share to its cap and hand the excess to uncapped edges of the group.

    Used for qualification: a maker qualified for a third of a designer's HBM may take at most a
    third of its orders, whatever its price. If every edge of a group is capped, the group's
    shares sum to less than one (the rest of the order cannot be placed).
    """
    if not (_small(shares, caps, group) and len(shares) == len(caps) == len(group) and group.dtype.kind in "iu"):
        return _cap_shares_numpy(shares, caps, group, n_groups)
    return np.array(cap_shares_lists(_floats(shares), _floats(caps), group.tolist(), n_groups), dtype=np.float64)


def cap_shares_lists(out: list[float], cap: list[float], groups: list[int], n_groups: int) -> list[float]:
    """`cap_shares` on lists of floats (its scalar kernel, for callers that hold lists)."""
    for _ in range(len(out)):
        over = [o > c + TINY for o, c in zip(out, cap)]  # noqa: B905
        if not any(over):
            break
        excess = _bincount(groups, [o - c if v else 0.0 for o, c, v in zip(out, cap, over)], n_groups)  # noqa: B905
        out = [_min(o, c) for o, c in zip(out, cap)]  # noqa: B905
        room = [o if o < c - TINY else 0.0 for o, c in zip(out, cap)]  # noqa: B905
        room_total = _bincount(groups, room, n_groups)
        out = [o + (r * excess[g] / room_total[g] if room_total[g] > TINY else 0.0)
               for o, r, g in zip(out, room, groups)]  # noqa: B905
    return out


def _cap_shares_numpy(shares: np.ndarray, caps: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """`cap_shares` in numpy (any size; the reference the scalar kernel must match)."""
    out = shares.copy()
    for _ in range(len(shares)):
        over = out > caps + TINY
        if not over.any():
            break
        excess = np.bincount(group, np.where(over, out - caps, 0.0), n_groups)
        out = np.minimum(out, caps)
        room = np.where(out < caps - TINY, out, 0.0)
        room_total = np.bincount(group, room, n_groups)
        out = out + np.divide(room * excess[group], room_total[group],
                              out=np.zeros(out.shape, out.dtype), where=room_total[group] > TINY)
    return out


def allocate(
    orders: np.ndarray, supplier: np.ndarray, capacity: np.ndarray, reserved: np.ndarray | None = None
) -> np.ndarray:
    """Fill orders from suppliers' capacity: reserved quantities first, then pro rata.

    Returns the quantity filled per order edge; no supplier ever ships more than its capacity.
    """
    if not (_small(orders, supplier, capacity, reserved) and supplier.dtype.kind in "iu"
            and len(orders) == len(supplier) and (reserved is None or len(reserved) == len(orders))):
        return _allocate_numpy(orders, supplier, capacity, reserved)
    filled = _allocate_lists(_floats(orders), supplier.tolist(), _floats(capacity),
                             None if reserved is None else _floats(reserved))
    return np.array(filled, dtype=np.float64)


def _allocate_lists(orders: list[float], supplier: list[int], capacity: list[float],
                    reserved: list[float] | None) -> list[float]:
    """`_allocate_numpy`, operation for operation, on lists of floats."""
    n = len(capacity)
    filled = [0.0] * len(orders)
    spare = list(capacity)
    if reserved is not None:
        first = [_min(o, r) for o, r in zip(orders, reserved)]  # noqa: B905
        asked = _bincount(supplier, first, n)
        scale = [sp / a if a > sp else 1.0 for sp, a in zip(spare, asked)]  # noqa: B905
        first = [f * scale[k] for f, k in zip(first, supplier)]  # noqa: B905
        filled = [0.0 + f for f in first]  # filled += first, into zeros
        used = _bincount(supplier, first, n)
        spare = [_max(sp - u, 0.0) for sp, u in zip(spare, used)]  # noqa: B905
    rest = [o - f for o, f in zip(orders, filled)]  # noqa: B905
    asked = _bincount(supplier, rest, n)
    ratio = [sp / a if a > sp else 1.0 for sp, a in zip(spare, asked)]  # noqa: B905
    return [f + r * ratio[k] for f, r, k in zip(filled, rest, supplier)]  # noqa: B905


def _allocate_numpy(
    orders: np.ndarray, supplier: np.ndarray, capacity: np.ndarray, reserved: np.ndarray | None = None
) -> np.ndarray:
    """`allocate` in numpy (any size; the reference the scalar kernel must match)."""
    n = len(capacity)
    filled = np.zeros(orders.shape, orders.dtype)  # np.zeros_like, without its Python-level dispatch
    spare = capacity.astype(float).copy()
    if reserved is not None:
        first = np.minimum(orders, reserved)
        asked = np.bincount(supplier, first, n)
        scale = np.divide(spare, asked, out=np.ones(n), where=asked > spare)
        first = first * scale[supplier]
        filled += first
        spare = np.maximum(spare - np.bincount(supplier, first, n), 0.0)
    rest = orders - filled
    asked = np.bincount(supplier, rest, n)
    ratio = np.divide(spare, asked, out=np.ones(n), where=asked > spare)
    return filled + rest * ratio[supplier]


def clear_with_spill(
    orders: np.ndarray,
    buyer: np.ndarray,
    supplier: np.ndarray,
    capacity: np.ndarray,
    n_buyers: int,
    spill_cap: np.ndarray,
    reserved: np.ndarray | None = None,
    passes: int = 3,
) -> np.ndarray:
    """Allocate, then offer each buyer's unmet quantity to its other allowed suppliers.

    Each further pass goes to edges with spare capacity, pro rata to that spare, and never
    beyond an edge's `spill_cap` (qualification limits; zero where switching is not allowed).
    """
    if not (_small(orders, buyer, supplier, capacity, spill_cap, reserved) and buyer.dtype.kind in "iu"
            and supplier.dtype.kind in "iu" and len(orders) == len(buyer) == len(supplier) == len(spill_cap)
            and (reserved is None or len(reserved) == len(orders)) and n_buyers <= 4 * SCALAR_MAX):
        return _clear_with_spill_numpy(orders, buyer, supplier, capacity, n_buyers, spill_cap, reserved, passes)
    filled = clear_with_spill_lists(_floats(orders), buyer.tolist(), supplier.tolist(), _floats(capacity), n_buyers,
                                    _floats(spill_cap), None if reserved is None else _floats(reserved), passes)
    return np.array(filled, dtype=np.float64)


def clear_with_spill_lists(o: list[float], b: list[int], s: list[int], cap: list[float], n_buyers: int,
                           caps: list[float], reserved: list[float] | None = None, passes: int = 3) -> list[float]:
    """`clear_with_spill`'s scalar kernel on lists (orders, buyers, suppliers, capacity, spill
    caps, reserved), for callers that hold lists; returns the filled quantities as a list."""
    n = len(cap)
    filled = _allocate_lists(o, s, cap, reserved)
    asked = _bincount(b, o, n_buyers)  # the orders do not change between passes
    for _ in range(passes):
        spare = [_max(c - u, 0.0) for c, u in zip(cap, _bincount(s, filled, n))]  # noqa: B905
        unmet = [_max(a - f, 0.0) for a, f in zip(asked, _bincount(b, filled, n_buyers))]  # noqa: B905
        room = [_max(c - f, 0.0) for c, f in zip(caps, filled)]  # noqa: B905
        weight = [spare[k] if r > TINY else 0.0 for r, k in zip(room, s)]  # noqa: B905
        weight_total = _bincount(b, weight, n_buyers)
        extra = [_min(unmet[j] * w / weight_total[j] if weight_total[j] > TINY else 0.0, r)
                 for j, w, r in zip(b, weight, room)]  # noqa: B905
        if _numpy_sum(extra) <= TINY:
            break
        more = _allocate_lists(extra, s, spare, None)
        filled = [f + m for f, m in zip(filled, more)]  # noqa: B905
    return filled


def _clear_with_spill_numpy(
    orders: np.ndarray,
    buyer: np.ndarray,
    supplier: np.ndarray,
    capacity: np.ndarray,
    n_buyers: int,
    spill_cap: np.ndarray,
    reserved: np.ndarray | None = None,
    passes: int = 3,
) -> np.ndarray:
    """`clear_with_spill` in numpy (any size; the reference the scalar kernel must match)."""
    filled = _allocate_numpy(orders, supplier, capacity, reserved)
    for _ in range(passes):
        spare = np.maximum(capacity - np.bincount(supplier, filled, len(capacity)), 0.0)
        unmet = np.maximum(np.bincount(buyer, orders, n_buyers) - np.bincount(buyer, filled, n_buyers), 0.0)
        room = np.maximum(spill_cap - filled, 0.0)
        weight = np.where(room > TINY, spare[supplier], 0.0)
        weight_total = np.bincount(buyer, weight, n_buyers)
        extra = np.divide(unmet[buyer] * weight, weight_total[buyer], out=np.zeros(weight.shape, weight.dtype),
                          where=weight_total[buyer] > TINY)
        extra = np.minimum(extra, room)
        if extra.sum() <= TINY:
            break
        filled = filled + _allocate_numpy(extra, supplier, spare)
    return filled


def leontief(limits: np.ndarray, names: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    """Output is the least of what each input allows; name the input that binds.

    Columns are ordered by priority for ties: put "demand" first so that a producer with enough
    of everything is reported as demand-bound rather than by rounding noise.
    """
    limits = np.maximum(limits, 0.0)
    output = limits.min(axis=1)
    binding = np.argmax(limits <= output[:, None] * (1 + 1e-9) + TINY, axis=1)
    return output, [names[i] for i in binding]


def fit_constants(
    predict: Callable[[np.ndarray], np.ndarray], target: np.ndarray, iterations: int = 500
) -> np.ndarray:
    """Berry's (1994) contraction: alternative-specific constants that make a logit reproduce
    observed shares. It is how discrete-choice demand is calibrated to a market's starting
    shares; every later move then comes from prices, performance and policy.

    The contraction is linear and slow when a small option's share is tied up with a segment it
    barely serves (SMIC's 7nm wafers); SQUAREM (Varadhan & Roland 2008, the S3 step, as
    Reynaerts, Varadhan & Nash (2012), "Enhancing the convergence properties of the BLP (1995)
    contraction mapping", Stata Journal, use for BLP) extrapolates from two Berry steps and keeps
    a step only if it lands nearer a fixed point than two plain steps would, so the answer is the
    same fixed point.
    """
    active = target > 0
    log_target = np.log(np.where(active, target, 1.0))

    def berry(constants: np.ndarray) -> np.ndarray:
        predicted = predict(constants)
        return constants + np.where(active, log_target - np.log(np.maximum(predicted, 1e-300)), 0.0)

    constants = np.zeros_like(target, dtype=float)
    for _ in range(iterations):
        once = berry(constants)
        step = once - constants
        if np.abs(step).max() < 1e-10:
            return once
        twice = berry(once)
        curve = twice - 2 * once + constants
        size = np.sqrt((step @ step) / max(curve @ curve, 1e-300))
        jumped = constants + 2 * size * step + size * size * curve
        constants = twice
        if size > 1 and np.all(np.isfinite(jumped)):
            settled = berry(jumped)
            # keep the jump only if it lands nearer a fixed point than two plain steps did
            if np.all(np.isfinite(settled)) and np.abs(settled - jumped).max() < np.abs(twice - once).max():
                constants = settled
    return constants


def normalised(values: np.ndarray) -> np.ndarray:
    """Shares of a total; all zeros if the total is zero (a market with no trade)."""
    total = values.sum()
    return values / total if total > 0 else np.zeros_like(values)


# --- HBM market kernels (issue 15)


def clear_with_spill_totals(o: list[float], b: list[int], s: list[int], cap: list[float], n_buyers: int,
                            caps: list[float], reserved: list[float] | None = None,
                            passes: int = 3) -> tuple[list[float], list[float], list[float]]:
    """`clear_with_spill_lists`, with each edge's arithmetic in one loop instead of one list per
    step (the HBM market clears a dozen small books a quarter, and the steps' lists and their
    comprehensions were most of the cost), and what it has added up anyway handed back: the
    filled quantities, what each buyer received and what each supplier shipped (np.bincount of
    the filled quantities over buyers and over suppliers). Every value is computed by the same
    IEEE operations in the same order as in `clear_with_spill_lists`, so the same bits: a sum
    per bin in edge order from 0.0; `_max`/`_min` written out (a >= b or a != a keeps a). The
    loops walk the edges' lists together (zip) rather than by index: the same values in the
    same order, without an index lookup per list."""
    n = len(cap)
    tiny = TINY
    filled = _allocate_totals(o, s, cap, reserved)
    asked = [0.0] * n_buyers  # the orders do not change between passes
    for j, x in zip(b, o):  # noqa: B905 (equal lengths by construction; a hot loop)
        asked[j] += x
    for _ in range(passes):
        shipped, got = [0.0] * n, [0.0] * n_buyers
        room = []
        for f, k, j, c in zip(filled, s, b, caps):  # noqa: B905
            shipped[k] += f
            got[j] += f
            r = c - f
            room.append(r if (r >= 0.0 or r != r) else 0.0)
        spare = []
        for c, u in zip(cap, shipped):  # noqa: B905
            x = c - u
            spare.append(x if (x >= 0.0 or x != x) else 0.0)
        unmet = []
        for a, f in zip(asked, got):  # noqa: B905
            x = a - f
            unmet.append(x if (x >= 0.0 or x != x) else 0.0)
        weight = []
        weight_total = [0.0] * n_buyers
        for k, j, r in zip(s, b, room):  # noqa: B905
            w = spare[k] if r > tiny else 0.0
            weight.append(w)
            weight_total[j] += w
        extra = []
        for j, w, r in zip(b, weight, room):  # noqa: B905
            total = weight_total[j]
            x = unmet[j] * w / total if total > tiny else 0.0
            extra.append(x if (x <= r or x != x) else r)
        if _numpy_sum(extra) <= tiny:
            return filled, got, shipped
        more = _allocate_totals(extra, s, spare, None)
        filled = [f + m for f, m in zip(filled, more)]  # noqa: B905
    shipped, got = [0.0] * n, [0.0] * n_buyers
    for f, k, j in zip(filled, s, b):  # noqa: B905
        shipped[k] += f
        got[j] += f
    return filled, got, shipped


def _allocate_totals(orders: list[float], supplier: list[int], capacity: list[float],
                     reserved: list[float] | None) -> list[float]:
    """`_allocate_lists` with each edge's arithmetic in one loop (the same operations in the
    same order)."""
    n = len(capacity)
    asked = [0.0] * n
    if reserved is None:
        filled, rest, spare = [0.0] * len(orders), orders, capacity  # each order less 0.0 is the order
        for o, k in zip(orders, supplier):  # noqa: B905
            asked[k] += o
    else:
        first = []
        for o, r, k in zip(orders, reserved, supplier):  # noqa: B905
            x = o if (o <= r or o != o) else r
            first.append(x)
            asked[k] += x
        scale = [sp / a if a > sp else 1.0 for sp, a in zip(capacity, asked)]  # noqa: B905
        filled, rest = [], []
        used, asked = [0.0] * n, [0.0] * n
        for o, x, k in zip(orders, first, supplier):  # noqa: B905
            x *= scale[k]
            f = 0.0 + x  # filled += first, into zeros
            filled.append(f)
            used[k] += x
            left = o - f  # what reserved capacity did not fill
            rest.append(left)
            asked[k] += left
        spare = []
        for sp, u in zip(capacity, used):  # noqa: B905
            x = sp - u
            spare.append(x if (x >= 0.0 or x != x) else 0.0)
    ratio = [sp / a if a > sp else 1.0 for sp, a in zip(spare, asked)]  # noqa: B905
    return [f + r * ratio[k] for f, r, k in zip(filled, rest, supplier)]  # noqa: B905


def capped_logit_orders(utility: list[float], group: list[int], n_groups: int, cap: list[float],
                        need: list[float]) -> list[float]:
    """Each edge's order: its group's `need` times its share, the shares
    `cap_shares_lists(group_logit_lists(utility, group, n_groups), cap, group, n_groups)`. The
    logit's maxima, exp (numpy's, on an array of the same numbers in the same order), totals and
    division as `group_logit_lists` does them, in fewer passes; the caps' redistribution only
    runs when a share is over its cap (every share is at most 1, so never with caps of 1: the
    usual HBM book), as `cap_shares_lists` stops at once when none is."""
    top = [-np.inf] * n_groups
    for k, x in zip(group, utility):  # noqa: B905 (equal lengths by construction; a hot loop)
        t = top[k]
        if not (t >= x or t != t):
            top[k] = x
    weights = np.exp(np.array([x - top[k] for k, x in zip(group, utility)], dtype=np.float64)).tolist()  # noqa: B905
    total = [0.0] * n_groups
    for k, w in zip(group, weights):  # noqa: B905
        total[k] += w
    # each share and its order in one pass; the orders are dropped when a share is over its cap
    shares, orders, over = [], [], False
    tiny = TINY
    for w, k, c in zip(weights, group, cap):  # noqa: B905
        s = w / total[k]
        shares.append(s)
        orders.append(need[k] * s)
        if s > c + tiny:
            over = True
    if not over:
        return orders
    shares = cap_shares_lists(shares, cap, group, n_groups)
    return [need[k] * s for k, s in zip(group, shares)]  # noqa: B905
