"""Evaluation beyond the round robin: what a cross-play's payoffs say about the strategies when
every seat plays for its own objective.

A leaderboard ranks a seat's strategies by their mean over the opponents they met, which is only
one of several questions an organiser asks of a game among several players. This module answers
three more, from the same recorded games (numpy only; nothing here plays a game):

- **Focal against background** (`focal_scores`), as DeepMind's Melting Pot evaluates agents
  (Leibo et al., "Scalable evaluation of multi-agent reinforcement learning with Melting Pot",
  ICML 2021; Agapiou et al., "Melting Pot 2.0", 2022): a seat's strategy (the focal one) is scored
  over the background profiles of the other seats it met, on paired seeds; the seat's scores are
  then scaled so its worst strategy is 0 and its best 1, with bootstrap intervals that resample
  seeds and background profiles together. On a full cross-play the background is every
  combination of the others (a uniform mix); with `--background N` it is N profiles drawn for
  each focal strategy (crossplay.make_design), which is what makes 8 seats affordable.
- **Regret** (`regret`): for every profile, how much each seat would gain by switching its
  strategy alone (the empirical game-theoretic analysis of Wellman, "Methods for empirical
  game-theoretic analysis", AAAI 2006); a profile where no seat gains is a pure Nash equilibrium
  of the empirical game, and the sum of the seats' gains is its NashConv.
- **α-Rank** (`alpharank`): Omidshafiei, Papadimitriou, Piliouras, Tuyls, Rowland, Lespiau,
  Czarnecki, Lanctot, Perolat and Munos, "α-Rank: Multi-Agent Evaluation by Evolution",
  Scientific Reports 9, 9937 (2019): a Markov chain over the pure profiles in which one seat at a
  time tries another strategy and adopts it with the fixation probability of a mutant in a
  population of m under selection intensity α; the chain's stationary distribution ranks the
  profiles, and its marginals rank each seat's strategies. Unlike Nash equilibria it is unique
  and exists for any game, and it rewards strategies that survive in cycles. Checked against
  DeepMind's open_spiel (`open_spiel.python.egt.alpharank.compute`, version 2.0.2) in
  tests/test_tournament_evaluation.py on the numbers it printed (open_spiel is not needed to run).

A welfare panel (`welfare`) sits beside them: per profile, every country's score on its own
objective summed (utilitarian) and the worst-off country's (Rawlsian), so an organiser can see
where the seats' own interests and the world's part. Summing objectives assumes their 0-100
scales are comparable; the worst-off reading does not.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

ALPHA = 50.0  # default selection intensity, on payoffs scaled to 0-1 per seat (see alpharank)
POPULATION = 50  # the paper's m


# ----------------------------------------------------------------------------- regret


@dataclass
class Regret:
    """`gain[k]`: a tensor (one axis per seat) of what seat k gains by its best switch alone in each
    profile (0 where its strategy is already a best reply); `nashconv`: their sum per profile."""

    gain: list[np.ndarray]
    nashconv: np.ndarray

    def equilibria(self, tolerance: float = 0.0) -> list[tuple[int, ...]]:
        """Profiles where no seat gains more than `tolerance` by switching alone, best first."""
        where = np.argwhere(np.all(np.stack(self.gain) <= tolerance, axis=0))
        found = [tuple(int(i) for i in at) for at in where]
        return sorted(found, key=lambda at: self.nashconv[at])


def regret(payoffs: list[np.ndarray]) -> Regret:
    """Each seat's gain from its best unilateral switch in every profile. `payoffs[k]` is seat k's
    payoff tensor with one axis per seat (crossplay.payoff_tensors, in seat order)."""
    gain = [np.max(tensor, axis=k, keepdims=True) - tensor for k, tensor in enumerate(payoffs)]
    return Regret(gain, np.sum(np.stack(gain), axis=0))


# ----------------------------------------------------------------------------- alpha-rank


@dataclass
class AlphaRank:
    """The stationary distribution over profiles (`profiles`, a tensor with one axis per seat) and
    its marginal per seat (`strategies[k]`: the mass of each of seat k's strategies)."""

    profiles: np.ndarray
    strategies: list[np.ndarray]
    alpha: float
    population: int


def log_fixation(gap: np.ndarray | float, alpha: float, m: int) -> np.ndarray:
    """The logarithm of the probability that one mutant whose payoff exceeds the residents' by
    `gap` takes over a population of m (the Fermi process of α-Rank's eq. 2):
    ρ = (1 − e^(−α·gap)) / (1 − e^(−m·α·gap)), 1/m at no gap. In logarithms, with expm1, because
    a worse mutant's chance, e^(−(m−1)·α·|gap|) times the same ratio at |gap|, is below the
    smallest float for the gaps and α a tournament has (e^(−2450) at α 50 and a gap of a whole
    scale): as zeros those moves would cut the chain into pieces and leave its stationary
    distribution undefined (open_spiel refuses such games: "Expected 1 stationary distribution")."""
    x = alpha * np.asarray(gap, dtype=float)
    y = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(y > 0, np.log(-np.expm1(-y)) - np.log(-np.expm1(-m * y)), -math.log(m))
    return np.where(x >= 0, ratio, ratio - (m - 1) * y)


def fixation(gap: np.ndarray | float, alpha: float, m: int) -> np.ndarray:
    """The fixation probability itself (0 where it is below the smallest float)."""
    return np.exp(log_fixation(gap, alpha, m))


def alpharank(payoffs: list[np.ndarray], alpha: float = ALPHA, m: int = POPULATION,
              scale: bool = True) -> AlphaRank:
    """α-Rank over the pure profiles of a K-seat game (the multi-population model of the paper's
    section "Multi-population"): from a profile, each seat k with |S_k| > 1 tries each of its other
    strategies with probability η = 1 / Σ_k (|S_k| − 1), and the population adopts it with
    `fixation(f_k(new) − f_k(old))`; the chain stays otherwise. `scale`: each seat's payoffs are
    first mapped to 0-1 over its own tensor, so α means the same for every seat whatever its
    units; a seat whose payoffs are all equal is indifferent (1/m). The stationary distribution
    is found in logarithms (`stationary_log`), so it is defined at any α."""
    if alpha <= 0 or m < 2:
        raise ValueError("alpharank: alpha must be positive and the population at least 2")
    shape = payoffs[0].shape
    tensors = []
    for tensor in payoffs:
        tensor = np.asarray(tensor, dtype=float)
        if tensor.shape != shape or not np.all(np.isfinite(tensor)):
            raise ValueError("alpharank: one finite payoff per profile for every seat")
        if scale:
            low, high = float(tensor.min()), float(tensor.max())
            tensor = (tensor - low) / (high - low) if high > low else np.zeros_like(tensor)
        tensors.append(tensor)
    n = int(np.prod(shape))
    moves = sum(s - 1 for s in shape)
    if moves == 0:  # one profile: it has all the mass
        return AlphaRank(np.ones(shape), [np.ones(1) for _ in shape], alpha, m)
    log_eta = -math.log(moves)
    chain = np.full((n, n), -np.inf)  # log transition probabilities between distinct profiles
    for flat in range(n):
        at = np.unravel_index(flat, shape)
        for k, size in enumerate(shape):
            for other in range(size):
                if other != at[k]:
                    to = list(at)
                    to[k] = other
                    gap = tensors[k][tuple(to)] - tensors[k][at]
                    chain[flat, np.ravel_multi_index(to, shape)] = log_eta + float(log_fixation(gap, alpha, m))
    profiles = stationary_log(chain).reshape(shape)
    marginals = [profiles.sum(axis=tuple(j for j in range(len(shape)) if j != k)) for k in range(len(shape))]
    return AlphaRank(profiles, marginals, alpha, m)


def stationary_log(log_p: np.ndarray) -> np.ndarray:
    """π with π·P = π, Σπ = 1, for an irreducible chain given by the logarithms of its
    off-diagonal transition probabilities (the diagonal is not read). The GTH algorithm
    (Grassmann, Taksar and Heyman, "Regenerative analysis and steady state distributions for
    Markov chains", Operations Research 33, 1985), which only adds, multiplies and divides
    non-negative numbers, so it keeps its relative accuracy for probabilities many orders of
    magnitude apart; done here in logarithms (np.logaddexp), so it also holds for probabilities
    below the smallest float. O(n³) for n profiles."""
    p = np.array(log_p, dtype=float)
    n = p.shape[0]
    np.fill_diagonal(p, -np.inf)
    for k in range(n - 1, 0, -1):
        exit_rate = np.logaddexp.reduce(p[k, :k])  # log of the chance of leaving state k downwards
        p[:k, k] -= exit_rate
        p[:k, :k] = np.logaddexp(p[:k, :k], p[:k, k][:, None] + p[k, :k][None, :])
    log_pi = np.zeros(n)
    for k in range(1, n):
        log_pi[k] = np.logaddexp.reduce(log_pi[:k] + p[:k, k])
    log_pi -= np.logaddexp.reduce(log_pi)
    return np.exp(log_pi)


# ----------------------------------------------------------------------------- focal scores


@dataclass
class Focal:
    """A seat's strategy scored as the focal player over its background profiles: `mean` its mean
    score (0-100), `scaled` on the seat's own 0 (its worst strategy) to 1 (its best) scale, each
    with a bootstrap 95% interval; `games` the games counted, `backgrounds` the distinct
    background profiles they had."""

    role: str
    strategy: str
    mean: float
    low: float
    high: float
    scaled: float
    scaled_low: float
    scaled_high: float
    games: int
    backgrounds: int


def focal_scores(role: str, strategies: list[str], games: dict[str, np.ndarray],
                 resamples: int = 2000, seed: int = 0) -> list[Focal]:
    """`games[strategy]`: a matrix, one row per background profile the strategy met as the focal
    seat and one column per seed (the same seeds for every strategy: paired), NaN where a game was
    not counted. The bootstrap draws seeds once per resample for the whole seat (so the strategies
    stay paired) and background rows per strategy, then rescales with that resample's worst and
    best strategy."""
    rng = np.random.default_rng(seed)
    means = {s: _nanmean(games[s]) for s in strategies}
    counted = [m for m in means.values() if math.isfinite(m)]  # a strategy with no counted game: NaN
    low, high = (min(counted), max(counted)) if counted else (math.nan, math.nan)
    seeds = next(iter(games.values())).shape[1]
    boot = np.full((resamples, len(strategies)), np.nan)
    for b in range(resamples):
        columns = rng.integers(0, seeds, seeds)
        for i, s in enumerate(strategies):
            matrix = games[s]
            rows = rng.integers(0, matrix.shape[0], matrix.shape[0])
            boot[b, i] = _nanmean(matrix[np.ix_(rows, columns)])
    with warnings.catch_warnings():  # a resample in which no strategy has a counted game: NaN, not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        worst, best = np.nanmin(boot, axis=1, keepdims=True), np.nanmax(boot, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled_boot = np.where(best > worst, (boot - worst) / (best - worst), np.nan)
    out = []
    for i, s in enumerate(strategies):
        scaled = (means[s] - low) / (high - low) if high > low else math.nan
        lo, hi = _interval(boot[:, i])
        slo, shi = _interval(scaled_boot[:, i])
        out.append(Focal(role, s, means[s], lo, hi, scaled, slo, shi,
                         int(np.sum(np.isfinite(games[s]))), int(games[s].shape[0])))
    return out


def _nanmean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else math.nan


def _interval(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return math.nan, math.nan
    low, high = np.percentile(finite, [2.5, 97.5])
    return float(low), float(high)


# ----------------------------------------------------------------------------- welfare


@dataclass
class Welfare:
    """A profile's welfare over every country of the game, each on its own objective: the mean
    over seeds of the sum of scores (`total`, with its 95% t interval) and of the lowest score
    (`worst`), and the country that was worst off most often (`worst_country`)."""

    total: float
    total_low: float
    total_high: float
    worst: float
    worst_country: str
    games: int


def welfare(scores: list[dict[str, float]]) -> Welfare:
    """From one {country: score} per game of a profile (games with any score missing are left out)."""
    from game.tournament.stats import mean_ci

    whole = [s for s in scores if s and all(v is not None and math.isfinite(v) for v in s.values())]
    if not whole:
        return Welfare(math.nan, math.nan, math.nan, math.nan, "", 0)
    total, low, high = mean_ci([math.fsum(s.values()) for s in whole])
    worst = math.fsum(min(s.values()) for s in whole) / len(whole)
    counts: dict[str, int] = {}
    for s in whole:
        country = min(s, key=lambda c: (s[c], c))
        counts[country] = counts.get(country, 0) + 1
    return Welfare(total, low, high, worst, max(counts, key=lambda c: (counts[c], c)), len(whole))
