"""Market maths: the handful of numpy operations every market in the world is cleared with.

Orders are edge lists (one entry per buyer-supplier pair) rather than dense matrices, so the cost
of clearing grows with the number of trading relationships, not with buyers x suppliers.
Functions here are pure: arrays in, arrays out, no model state.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TINY = 1e-12


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
    gap = np.divide(demand - supply, supply, out=np.zeros(np.shape(price)), where=supply > TINY)
    # minimum(maximum()) is what np.clip computes, at a third of its cost on tiny arrays
    change = np.minimum(np.maximum(response * gap, -step_limit), step_limit)
    change = np.where((supply <= TINY) & (demand > 0), step_limit, change)
    return np.maximum(price * (1.0 + change), floor)


def logit_shares(utility: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Row-wise multinomial logit over the allowed options; a row with no option gets zeros."""
    masked = np.where(allowed, utility, -np.inf)
    top = masked.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    # the mask again after exp: exp(-inf) is 0 in IEEE arithmetic, but a barred option must get
    # exactly nothing whatever the exp in use (tests/test_saves.py nudges exp by an ulp)
    weights = np.where(allowed, np.exp(masked - top), 0.0)
    total = weights.sum(axis=-1, keepdims=True)
    return np.divide(weights, total, out=np.zeros(weights.shape, weights.dtype), where=total > 0)


def group_logit(utility: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Logit shares over edges that share a group (one buyer's options), for edge lists."""
    top = np.full(n_groups, -np.inf)
    np.maximum.at(top, group, utility)
    weights = np.exp(utility - top[group])
    total = np.bincount(group, weights, n_groups)
    return weights / total[group]


def cap_shares(shares: np.ndarray, caps: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Limit each edge's share to its cap and hand the excess to uncapped edges of the group.

    Used for qualification: a maker qualified for a third of a designer's HBM may take at most a
    third of its orders, whatever its price. If every edge of a group is capped, the group's
    shares sum to less than one (the rest of the order cannot be placed).
    """
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
    filled = allocate(orders, supplier, capacity, reserved)
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
        filled = filled + allocate(extra, supplier, spare)
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
