"""The empirical game of a head-to-head tournament: its recorded rows turned into what
evaluation.py measures (focal matrices, payoff tensors, every country's scores per profile), the
report's evaluation section and evaluation.csv / welfare.csv. The parent only: nothing here plays.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from game.text import display_width, pad
from game.tournament import evaluation
from game.tournament.crossplay import Design, Payoff, payoff_tensors
from game.tournament.stats import game_score


@dataclass
class Evaluation:
    """Everything evaluation.py says of one design: `focal` per seat (its strategies as focal
    players), `regret` and `alpharank` when every combination was played (None otherwise), and
    `welfare` per combination (in the design's order)."""

    design: Design
    focal: dict[str, list[evaluation.Focal]]
    regret: evaluation.Regret | None
    alpharank: evaluation.AlphaRank | None
    welfare: list[tuple[tuple[str, ...], evaluation.Welfare]] = field(default_factory=list)


def focal_matrix(rows: list[dict], design: Design, role: str, strategy: str, seeds: list[int]) -> np.ndarray:
    """Seat `role` playing `strategy` as the focal player: one row per background it met, one column
    per seed; its score (a forfeit 0), NaN where the game is missing or void."""
    index = {s: j for j, s in enumerate(seeds)}
    combinations = design.focal_combinations(role, strategy)
    where = {design.lineup(c): i for i, c in enumerate(combinations)}
    matrix = np.full((len(combinations), len(seeds)), np.nan)
    for row in rows:
        if row["role"] != role or row["strategy"] != strategy or row["outcome"] == "void":
            continue
        i = where.get(row.get("lineup") or "")
        j = index.get(int(row["seed"]))
        if i is not None and j is not None:
            matrix[i, j] = game_score(row)
    return matrix


def evaluate(rows: list[dict], design: Design, table: list[Payoff], seeds: list[int],
             alpha: float = evaluation.ALPHA, resamples: int = 2000) -> Evaluation:
    """The evaluation of a design from its rows on these seeds (crossplay.design_rows first)."""
    focal = {}
    for role, specs in design.seats:
        matrices = {s: focal_matrix(rows, design, role, s, seeds) for s in specs}
        focal[role] = evaluation.focal_scores(role, list(specs), matrices, resamples)
    tensors = payoff_tensors(table, design)
    ordered = None if tensors is None else [tensors[r] for r in design.roles]
    regret = None if ordered is None else evaluation.regret(ordered)
    # on the score's own scale (0-1 for 0-100 points, the same for every seat's objective), not
    # rescaled per seat: a seat whose strategies differ by a hundredth of a point stays nearly
    # indifferent instead of having that difference blown up to its whole range
    rank = None if ordered is None else evaluation.alpharank([t / 100.0 for t in ordered], alpha, scale=False)
    by_game: dict[tuple[str, int], dict[str, float]] = {}
    for row in rows:
        scores = {k[2:]: row[k] for k in row if k.startswith("s_") and row[k] is not None}
        if row["outcome"] == "ok" and scores:
            by_game[(row.get("lineup") or "", int(row["seed"]))] = scores
    chosen = set(seeds)
    welfare = [(c, evaluation.welfare([v for (line, seed), v in by_game.items()
                                       if line == design.lineup(c) and seed in chosen]))
               for c in design.combinations()]
    return Evaluation(design, focal, regret, rank, welfare)


# ----------------------------------------------------------------------------- files


FOCAL_FIELDS = ("role", "strategy", "games", "backgrounds", "mean", "low", "high", "scaled", "scaled_low",
                "scaled_high", "alpharank", "regret")


def focal_lines(result: Evaluation) -> list[dict]:
    """evaluation.csv's lines: per seat and strategy, its focal score and interval, the same on the
    seat's 0-1 scale, its α-Rank mass and its regret against the uniform background (how far its
    focal mean is below the seat's best); α-Rank empty when not every combination was played."""
    lines = []
    for k, (role, specs) in enumerate(result.design.seats):
        best = _best(result.focal[role])
        for i, f in enumerate(result.focal[role]):
            mass = math.nan if result.alpharank is None else float(result.alpharank.strategies[k][i])
            lines.append({"role": role, "strategy": specs[i], "games": f.games, "backgrounds": f.backgrounds,
                          "mean": f.mean, "low": f.low, "high": f.high, "scaled": f.scaled,
                          "scaled_low": f.scaled_low, "scaled_high": f.scaled_high, "alpharank": mass,
                          "regret": best - f.mean})
    return lines


def welfare_lines(result: Evaluation) -> list[dict]:
    """welfare.csv's lines: per combination, the strategy in each seat, then the welfare panel,
    each seat's NashConv share (its regret in that profile) and α-Rank's mass on the profile."""
    roles = result.design.roles
    index = [{s: i for i, s in enumerate(specs)} for _, specs in result.design.seats]
    lines = []
    for combination, w in result.welfare:
        at = tuple(index[k][s] for k, s in enumerate(combination))
        line = dict(zip(roles, combination, strict=True)) | {
            "games": w.games, "welfare_total": w.total, "welfare_low": w.total_low, "welfare_high": w.total_high,
            "worst_off": w.worst, "worst_off_country": w.worst_country}
        for k, role in enumerate(roles):
            line[f"{role}_regret"] = math.nan if result.regret is None else float(result.regret.gain[k][at])
        line["alpharank"] = math.nan if result.alpharank is None else float(result.alpharank.profiles[at])
        lines.append(line)
    return lines


def write_csv(path: Path, lines: list[dict]) -> Path:
    """A CSV of these lines (the first line's keys as the header; NaN left empty)."""
    tmp = Path(path).with_suffix(".csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        header = list(lines[0]) if lines else []
        writer.writerow(header)
        for line in lines:
            writer.writerow(["" if isinstance(v, float) and math.isnan(v) else repr(v) if isinstance(v, float)
                             else v for v in (line[k] for k in header)])
    tmp.replace(path)
    return Path(path)


def _or_low(value: float) -> float:
    return value if math.isfinite(value) else -math.inf


def _best(focal: list[evaluation.Focal]) -> float:
    """The seat's best focal mean (NaN when none of its strategies has a counted game)."""
    return max((f.mean for f in focal if math.isfinite(f.mean)), default=math.nan)


# ----------------------------------------------------------------------------- text


def render(result: Evaluation, lang: str = "en", labels: dict[str, str] | None = None,
           names: dict[str, str] | None = None, top: int = 5) -> str:
    """The evaluation section: per seat its focal table; then the profiles α-Rank puts first with
    their regret, the pure equilibria, and the welfare panel's best and worst profiles."""
    from game.text import tr as translate

    def tr(key: str) -> str:
        return translate(f"tournament.evaluation.{key}", lang)

    labels, names = labels or {}, names or {}
    label = lambda s: labels.get(s, s)  # noqa: E731
    design = result.design
    lines = [tr("title"), ""]
    for k, (role, specs) in enumerate(design.seats):
        wide = max([display_width(label(s)) for s in specs] + [display_width(tr("strategy"))])
        lines.append(tr("seat").format(seat=names.get(role, role)))
        lines.append(f"  {pad(tr('strategy'), wide)}  " + "  ".join(
            pad(tr(key), width, True) for key, width in (("games", 5), ("focal", 20), ("scaled", 19),
                                                          ("regret", 6), ("alpharank", 7))))
        order = sorted(range(len(specs)), key=lambda i: (-_or_low(result.focal[role][i].mean), specs[i]))
        best = _best(result.focal[role])
        for i in order:
            f = result.focal[role][i]
            mass = "-" if result.alpharank is None else f"{100 * result.alpharank.strategies[k][i]:6.1f}%"
            scaled = "-" if math.isnan(f.scaled) else f"{f.scaled:4.2f} [{f.scaled_low:4.2f}, {f.scaled_high:4.2f}]"
            lines.append(f"  {pad(label(specs[i]), wide)}  {f.games:>5}  "
                         f"{f.mean:6.2f} [{f.low:5.1f}, {f.high:5.1f}]  {scaled:>19}  {best - f.mean:6.2f}  {mass:>7}")
        lines.append("")
    show = lambda c: ", ".join(f"{names.get(r, r)}={label(s)}" for r, s in zip(design.roles, c, strict=True))  # noqa: E731
    combos = design.combinations()
    if result.alpharank is not None and result.regret is not None:
        index = [{s: i for i, s in enumerate(specs)} for _, specs in design.seats]
        at = {c: tuple(index[k][s] for k, s in enumerate(c)) for c in combos}
        ranked = sorted(combos, key=lambda c: -result.alpharank.profiles[at[c]])[:top]
        lines.append(tr("alpharank_title").format(alpha=f"{result.alpharank.alpha:g}", m=result.alpharank.population))
        for c in ranked:
            lines.append(f"  {100 * result.alpharank.profiles[at[c]]:5.1f}%  {show(c)}  "
                         f"({tr('nashconv')} {result.regret.nashconv[at[c]]:.2f})")
        equilibria = result.regret.equilibria()
        lines.append(tr("equilibria").format(n=len(equilibria)))
        lines += [f"  {show(tuple(design.seats[k][1][i] for k, i in enumerate(e)))}" for e in equilibria[:top]]
    else:
        lines.append(tr("sampled"))
    scored = [(c, w) for c, w in result.welfare if w.games]
    if scored:
        lines += ["", tr("welfare_title")]
        best = max(scored, key=lambda cw: cw[1].total)
        fairest = max(scored, key=lambda cw: cw[1].worst)
        for key, (c, w) in (("welfare_best", best), ("welfare_fairest", fairest)):
            lines.append("  " + tr(key).format(profile=show(c), total=w.total, low=w.total_low, high=w.total_high,
                                               worst=w.worst, country=names.get(w.worst_country, w.worst_country)))
    lines += ["", tr("notes")]
    return "\n".join(lines)
