"""The leaderboard: plain paired statistics over a fixed schedule (every strategy on the same
seeds), as shared/notes/tournaments.md advises; no sequential rating (see docs/strategies.md).

- score of a game: the role's index (0-100); a forfeit scores 0.
- mean with a 95% Student-t confidence interval;
- paired win rate of A against B: over the seeds both played, the share where A scored more
  (a tie counts half);
- rating: the mean of a strategy's paired win rates against all the others;
- groups: a paired t test between every two strategies (on the seeds both played), the p values
  adjusted by Holm-Bonferroni over all k(k-1)/2 pairs, so that the chance of calling any tie a
  difference stays at 5% however many strategies play (without it, 10 strategies make 45 tests
  and a few "differences" by chance alone). Walking down the board, a strategy joins the group
  of the one heading it unless the head scored more and their adjusted p is below 5%; otherwise
  it heads a new group. Strategies sharing a letter are statistically tied.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

# Student t, two-sided 95% (0.975 quantile), df 1-30; beyond, a Cornish-Fisher expansion.
_T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
         2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
         2.045, 2.042]


def t975(df: int) -> float:
    if df < 1:
        return math.inf
    if df <= 30:
        return _T975[df - 1]
    z = NormalDist().inv_cdf(0.975)
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def mean_ci(values: list[float]) -> tuple[float, float, float]:
    """Mean and its 95% t interval (the interval is the mean itself for fewer than 2 values)."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = math.fsum(values) / n
    if n < 2:
        return mean, mean, mean
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = t975(n - 1) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def game_score(row: dict) -> float:
    return float(row["total"]) if row["outcome"] == "ok" and row["total"] is not None else 0.0


@dataclass
class Entry:
    strategy: str
    games: int
    forfeits: int
    refused: int
    mean: float
    low: float
    high: float
    rating: float = math.nan
    group: str = ""
    wins: dict[str, float] = field(default_factory=dict)  # paired win rate against each other strategy


@dataclass
class Board:
    role: str
    scenario: str
    seeds: int
    entries: list[Entry]
    pairs: int = 0  # paired tests behind the groups (Holm-adjusted together)

    def order(self) -> list[str]:
        return [e.strategy for e in self.entries]


def seed_of(row: dict) -> int:
    return int(row["seed"])


def leaderboard(rows: list[dict], strategies: list[str], role: str, scenario: str,
                pair: Callable[[dict], Hashable] = seed_of, seeds: int | None = None) -> Board:
    """The board from game rows (filter them to one role and scenario first). `pair` names the
    game two strategies' rows are paired on: the seed; in a cross-play run a seat's strategies
    meet the same opponents on the same seeds, so there it is (seed, opponents) and `seeds` says
    how many seeds that is. A void row (another seat forfeited the game) does not count."""
    scores: dict[str, dict[Hashable, float]] = {s: {} for s in strategies}
    forfeits = dict.fromkeys(strategies, 0)
    refused = dict.fromkeys(strategies, 0)
    for row in rows:
        s = row["strategy"]
        if s in scores and row["role"] == role and row["scenario"] == scenario and row["outcome"] != "void":
            scores[s][pair(row)] = game_score(row)
            forfeits[s] += row["outcome"] != "ok"
            refused[s] += int(row["refused"] or 0)
    entries = []
    for s in strategies:
        by_seed = scores[s]
        mean, low, high = mean_ci([by_seed[k] for k in sorted(by_seed)])
        entries.append(Entry(s, len(by_seed), forfeits[s], refused[s], mean, low, high))
    for a in entries:
        for b in entries:
            if a is b:
                continue
            common = sorted(scores[a.strategy].keys() & scores[b.strategy].keys())
            if common:
                won = sum(1.0 if scores[a.strategy][k] > scores[b.strategy][k]
                          else 0.5 if scores[a.strategy][k] == scores[b.strategy][k] else 0.0 for k in common)
                a.wins[b.strategy] = won / len(common)
        a.rating = math.fsum(a.wins.values()) / len(a.wins) if a.wins else math.nan
    entries.sort(key=lambda e: (-(e.mean if not math.isnan(e.mean) else -math.inf), e.strategy))
    raw = {(a, b): paired_test(scores[a], scores[b]) for i, a in enumerate(strategies) for b in strategies[i + 1:]}
    adjusted = holm({pair: p for pair, (p, _) in raw.items()})
    letters = "abcdefghijklmnopqrstuvwxyz"
    head, group = None, 0
    for e in entries:
        if head is not None:
            pair = (head.strategy, e.strategy) if (head.strategy, e.strategy) in raw else (e.strategy, head.strategy)
            advantage = raw[pair][1] if pair[0] == head.strategy else -raw[pair][1]
            if advantage > 0 and adjusted[pair] < ALPHA:
                group += 1
                head = e
        head = head or e
        e.group = letters[group % 26] * (1 + group // 26)
    if seeds is None:
        seeds = len(set().union(*(scores[s].keys() for s in strategies))) if strategies else 0
    return Board(role, scenario, seeds, entries, pairs=len(raw))


ALPHA = 0.05  # family-wise error rate of the tied groups


def paired_test(a: dict[Hashable, float], b: dict[Hashable, float]) -> tuple[float, float]:
    """(two-sided p value, mean of a - b) of a paired t test over the seeds both played. Equal
    differences on every seed (no spread) are certain: p 0 if they are not zero, else 1."""
    diffs = np.array([a[k] - b[k] for k in sorted(a.keys() & b.keys())])
    if len(diffs) < 2:
        return 1.0, float(diffs.mean()) if len(diffs) else 0.0
    mean, sd = float(diffs.mean()), float(diffs.std(ddof=1))
    if sd == 0.0:
        return (0.0 if mean != 0.0 else 1.0), mean
    from scipy.special import stdtr  # Student t CDF; ~0.4 s to import, so only once games are played

    t = mean / (sd / math.sqrt(len(diffs)))
    return float(2 * stdtr(len(diffs) - 1, -abs(t))), mean


def holm(pvalues: dict) -> dict:
    """Holm-Bonferroni adjusted p values (same keys): the i-th smallest of m is multiplied by
    m - i + 1, then made non-decreasing in that order and capped at 1. Rejecting where the
    adjusted p is below alpha keeps the family-wise error at alpha, with more power than
    Bonferroni's plain m x p."""
    order = sorted(pvalues, key=lambda k: pvalues[k])
    m, running, adjusted = len(order), 0.0, {}
    for i, key in enumerate(order):
        running = max(running, min(1.0, (m - i) * pvalues[key]))
        adjusted[key] = running
    return adjusted


def render(board: Board, lang: str = "en", labels: dict[str, str] | None = None) -> str:
    """The board as text: deterministic (no timings), so two runs can be compared byte for byte.
    `labels`: a strategy's short label to show instead of its spec (the head-to-head boards)."""
    from game.text import display_width, pad, tr

    label = (labels or {}).get
    names = [label(n, n) for n in board.order()]
    wide = max([display_width(n) for n in names] + [8])
    games = sum(e.games for e in board.entries)
    lines = [tr("tournament.board_title", lang).format(role=board.role, scenario=board.scenario,
                                                        seeds=board.seeds, games=games), ""]
    head = (f"{'#':>2}  {pad(tr('tournament.strategy', lang), wide)}  {tr('tournament.games', lang):>5}  "
            f"{tr('tournament.forfeits', lang):>8}  {tr('tournament.mean', lang):>6}  {'95% CI':>15}  "
            f"{tr('tournament.rating', lang):>7}  {tr('tournament.refused', lang):>7}  {tr('tournament.group', lang)}")
    lines.append(head)
    for i, e in enumerate(board.entries, 1):
        ci = f"[{e.low:5.1f}, {e.high:5.1f}]" if not math.isnan(e.mean) else "-"
        rating = f"{100 * e.rating:6.1f}%" if not math.isnan(e.rating) else "-"
        shown = label(e.strategy, e.strategy)
        lines.append(f"{i:>2}  {pad(shown, wide)}  {e.games:>5}  {e.forfeits:>8}  {e.mean:6.2f}  {ci:>15}  "
                     f"{rating:>7}  {e.refused:>7}  {e.group}")
    if len(names) > 1:
        lines += ["", tr("tournament.pairwise_title", lang)]
        col = max(8, min(wide, 14))
        lines.append(" " * (wide + 2) + "".join(pad(n[:col], col + 2, True) for n in names))
        for e in board.entries:
            cells = "".join(f"{'-':>{col + 2}}" if n == e.strategy else
                            f"{100 * e.wins[n]:>{col + 1}.0f}%" if n in e.wins else f"{'':>{col + 2}}"
                            for n in board.order())
            lines.append(f"{pad(label(e.strategy, e.strategy), wide)}  {cells}")
    lines += ["", tr("tournament.board_notes", lang)]
    if board.pairs:
        lines.append(tr("tournament.groups_note", lang).format(pairs=board.pairs, alpha=round(100 * ALPHA)))
    return "\n".join(lines)
