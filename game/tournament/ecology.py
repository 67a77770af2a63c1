"""Ecological tournaments: how the strategies' shares of a population would change over
generations if each strategy's share grew in proportion to its payoff against the current mix.

This is the discrete-time replicator dynamics (Taylor & Jonker, "Evolutionarily stable strategies
and game dynamics", Mathematical Biosciences 40, 1978) as Axelrod ran it on his round robin's
payoff matrix ("The Evolution of Cooperation", 1984, ch. 3: the ecological analysis) and as the
Axelrod library's `Ecosystem` does: x_i <- x_i * f_i / sum_j x_j * f_j, with f_i strategy i's
expected payoff against the population. Here every named seat is its own population (a country
plays only against the other countries: the multi-population, asymmetric form, Hofbauer & Sigmund,
"Evolutionary Games and Population Dynamics", 1998, ch. 10): the fitness of a seat's strategy is
its mean score in each combination, weighted by the other seats' current shares of the strategies
in it, and all seats update together from the same generation. Scores are 0-100 (a forfeit 0),
never negative, so shares stay shares; a seat whose strategies all score 0 keeps its shares.
"""

from __future__ import annotations

import numpy as np


def replicator(payoffs: dict[str, np.ndarray], roles: list[str], generations: int,
               start: dict[str, np.ndarray] | None = None) -> list[dict[str, np.ndarray]]:
    """Shares per seat for generation 0 (equal, or `start`) to `generations`. `payoffs[role]` is a
    tensor with one axis per seat (in `roles` order): role's mean score in every combination."""
    if generations < 0:
        raise ValueError("generations: 0 or more")
    shape = payoffs[roles[0]].shape
    for role in roles:
        tensor = payoffs[role]
        if tensor.shape != shape or not np.all(np.isfinite(tensor)):
            raise ValueError(f"{role}: payoffs must be finite, one per combination")
        if np.any(tensor < 0):
            raise ValueError(f"{role}: payoffs must not be negative")
    shares = {r: (np.full(n, 1.0 / n) if start is None else np.asarray(start[r], float) / np.sum(start[r]))
              for r, n in zip(roles, shape, strict=True)}
    history = [shares]
    for _ in range(generations):
        shares = {role: _step(payoffs[role], roles.index(role), roles, shares) for role in roles}
        history.append(shares)
    return history


def fitness(tensor: np.ndarray, axis: int, roles: list[str], shares: dict[str, np.ndarray]) -> np.ndarray:
    """Each strategy of the seat on `axis`: its payoff averaged over the other seats' mixes."""
    for other in reversed(range(len(roles))):  # from the last axis, so the lower axes keep their numbers
        if other != axis:
            tensor = np.tensordot(tensor, shares[roles[other]], axes=([other], [0]))
    return tensor


def _step(tensor: np.ndarray, axis: int, roles: list[str], shares: dict[str, np.ndarray]) -> np.ndarray:
    mine = shares[roles[axis]]
    grown = mine * fitness(tensor, axis, roles, shares)
    total = grown.sum()
    return mine if total <= 0 else grown / total


def shown_generations(generations: int, rows: int = 8) -> list[int]:
    """Which generations a printed table shows: 0, about log-spaced ones, and the last."""
    if generations <= rows:
        return list(range(generations + 1))
    picks = np.unique(np.round(np.geomspace(1, generations, rows - 1)).astype(int))
    return [0, *[int(g) for g in picks]]
