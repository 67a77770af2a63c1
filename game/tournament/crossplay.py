"""Head-to-head (cross-play) tournaments: several seats, each with its own list of strategies, and
every combination of them (the Cartesian product of the lists) played on the same seeds.

Every combination meets the same seeds (common random numbers: each game's random streams come
from its seed alone, so two combinations differ on a seed only by what their strategies did), so
the difference between two cells of a payoff matrix is paired seed by seed, as on the one-seat
board. A one-seat run (`--role`, `--strategies`) is the special case of one seat: its games and rows
are exactly those of the tournament before cross-play (tasks.lineup is "").

Here: the design (`Design`, from `--seat CODE=a,b` texts), the payoff table from the recorded rows
(`payoff_table`: each seat's mean score and 95% t interval per combination, stats.mean_ci), each
seat's leaderboard pooled over its opponents (`seat_board`), payoffs.csv, and the terminal
matrices. The parent only: nothing here plays a game.
"""

from __future__ import annotations

import csv
import itertools
import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from agents.controllers import split_specs
from game.text import display_width, pad
from game.tournament.stats import Board, game_score, leaderboard, mean_ci
from game.tournament.tasks import LINEUP_SEPARATOR, lineup


class DesignError(ValueError):
    """A --seat that cannot be played (run.py shows it as a usage error, exit code 2)."""


@dataclass(frozen=True)
class Design:
    """The named seats, in the scenario's country order, each with its strategies (in the order
    given). Seats not named play their `default` (World does that for any country without a
    controller), so they are not part of the design."""

    seats: tuple[tuple[str, tuple[str, ...]], ...]
    # --background N (sample_backgrounds): the combinations played, instead of every one, and for
    # each (role, strategy) the positions in `sample` of the games it played as the focal seat.
    sample: tuple[tuple[str, ...], ...] | None = None
    focal: tuple[tuple[str, str, tuple[int, ...]], ...] = ()

    @property
    def sampled(self) -> bool:
        return self.sample is not None

    @property
    def roles(self) -> list[str]:
        return [role for role, _ in self.seats]

    def strategies_of(self, role: str) -> list[str]:
        return list(dict(self.seats)[role])

    @property
    def strategies(self) -> list[str]:
        """Every strategy of every seat, once, in order (what the meta table records)."""
        return list(dict.fromkeys(s for _, specs in self.seats for s in specs))

    def combinations(self) -> list[tuple[str, ...]]:
        """One strategy per seat, in seat order: the Cartesian product of the seats' lists, or the
        sampled ones (--background)."""
        if self.sample is not None:
            return list(self.sample)
        return list(itertools.product(*(specs for _, specs in self.seats)))

    def focal_combinations(self, role: str, strategy: str) -> list[tuple[str, ...]]:
        """The combinations in which `strategy` is the focal player of seat `role`: its sampled
        backgrounds, or on a full cross-play every combination it is in (a uniform background)."""
        if self.sample is None:
            k = self.roles.index(role)
            return [c for c in self.combinations() if c[k] == strategy]
        for r, s, where in self.focal:
            if (r, s) == (role, strategy):
                return [self.sample[i] for i in where]
        return []

    def game(self, combination: tuple[str, ...], seed: int) -> tuple:
        """The game tuple the worker plays (tasks.py): a plain one-seat game for one seat."""
        if len(self.seats) == 1:
            return combination[0], self.seats[0][0], seed
        return tuple(combination), tuple(self.roles), seed

    def games(self, seeds: list[int]) -> list[tuple]:
        """Every combination on every seed, seed-major (an interrupted run leaves whole seeds)."""
        return [self.game(c, seed) for seed in seeds for c in self.combinations()]

    def lineup(self, combination: tuple[str, ...]) -> str:
        return lineup(self.game(combination, 0))


def parse_seats(texts: list[str]) -> dict[str, list[str]]:
    """`--seat CODE=a,b` texts as {CODE: [a, b]} (codes upper-cased, in the order given); a text
    without '=', code or strategies, or a seat named twice: DesignError. What is wrong within a
    seat (make_design) is refused there, for the command and the Python API alike."""
    seats: dict[str, list[str]] = {}
    for text in texts:
        code, equals, specs = text.partition("=")
        code = code.strip().upper()
        strategies = split_specs(specs)
        if not equals or not code or not strategies:
            raise DesignError(f"--seat {text}: write a country code, '=' and its strategies, e.g. "
                              "--seat KOR=team_korea,laissez_faire")
        if code in seats:
            raise DesignError(f"--seat {code}: the seat is named twice; give each seat all its strategies at once "
                              f"(--seat {code}={','.join(seats[code] + strategies)})")
        seats[code] = strategies
    return seats


def make_design(seats: dict[str, list[str]], countries: list[str], scenario: str) -> Design:
    """The design in the scenario's country order (so the same seats given in another order are the
    same games, and a resume finds them); an unknown country code, no seat, a seat without
    strategies, a strategy named twice in a seat or one whose name holds the lineup's separator
    is a DesignError."""
    unknown = [code for code in seats if code not in countries]
    if unknown:
        raise DesignError(f"--seat {unknown[0]}: no country '{unknown[0]}' in scenario '{scenario}' "
                          f"(countries: {', '.join(countries)})")
    if not seats:
        raise DesignError("--seat: name at least one seat")
    for code, strategies in seats.items():
        if not strategies:
            raise DesignError(f"--seat {code}: name at least one strategy")
        if len(set(strategies)) != len(strategies):
            raise DesignError(f"--seat {code}: a strategy is named twice in the seat")
        if any(LINEUP_SEPARATOR.strip() in s for s in strategies):
            raise DesignError(f"--seat {code}: a strategy's name may not contain '{LINEUP_SEPARATOR.strip()}'")
    return Design(tuple((c, tuple(seats[c])) for c in countries if c in seats))


def sample_backgrounds(design: Design, backgrounds: int, master_seed: int) -> Design:
    """The design with, for every seat's every strategy, `backgrounds` profiles of the other seats
    to meet as the focal player (Melting Pot's focal/background design), drawn uniformly from the
    others' lists; only those combinations are played. Each (seat, strategy) draws from its own
    stream, seeded by the master seed and its name, so naming more backgrounds later plays only new
    ones, and another seat's strategies do not move its draws unless a list it draws from changes.
    Where the others have no more distinct profiles than asked, every one of them is met."""
    if backgrounds < 1:
        raise DesignError("--background: at least 1 background profile per strategy")
    lists = [specs for _, specs in design.seats]
    sample: dict[tuple[str, ...], int] = {}
    focal = []
    for k, (role, specs) in enumerate(design.seats):
        others = [lists[j] for j in range(len(lists)) if j != k]
        possible = math.prod(len(o) for o in others)
        for strategy in specs:
            name = zlib.crc32(f"{role}={strategy}".encode())
            rng = np.random.default_rng(np.random.SeedSequence([master_seed, name]))
            met: list[tuple[str, ...]] = []
            if possible <= backgrounds:
                met = list(itertools.product(*others))
            else:
                while len(met) < backgrounds:
                    drawn = tuple(o[int(rng.integers(len(o)))] for o in others)
                    if drawn not in met:
                        met.append(drawn)
            where = []
            for background in met:
                combination = (*background[:k], strategy, *background[k:])
                where.append(sample.setdefault(combination, len(sample)))
            focal.append((role, strategy, tuple(where)))
    return Design(design.seats, tuple(sample), tuple(focal))


# ----------------------------------------------------------------------------- results


@dataclass
class Cell:
    """One seat's result in one combination: mean score (a forfeit scores 0) and its 95% t interval."""
    mean: float
    low: float
    high: float
    games: int
    forfeits: int


@dataclass
class Payoff:
    combination: tuple[str, ...]  # one strategy per seat, in the design's seat order
    games: int  # seeds with this combination recorded
    cells: dict[str, Cell] = field(default_factory=dict)


def design_rows(rows: list[dict], design: Design, seeds: list[int]) -> list[dict]:
    """This design's rows on these seeds (a database may hold other runs' games too)."""
    wanted = {(design.lineup(c), role, s) for c in design.combinations()
              for role, s in zip(design.roles, c, strict=True)}
    chosen = set(seeds)
    return [r for r in rows if ((r.get("lineup") or ""), r["role"], r["strategy"]) in wanted
            and int(r["seed"]) in chosen]


def payoff_table(rows: list[dict], design: Design) -> list[Payoff]:
    """A Payoff per combination from its recorded rows (design_rows first). A void row (another
    seat's strategy forfeited the game) does not count for its seat."""
    by_key: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        by_key.setdefault((row.get("lineup") or "", row["role"]), []).append(row)
    table = []
    for combination in design.combinations():
        name = design.lineup(combination)
        payoff = Payoff(combination, 0)
        seeds: set[int] = set()
        for role, strategy in zip(design.roles, combination, strict=True):
            mine = sorted((r for r in by_key.get((name, role), []) if r["strategy"] == strategy),
                          key=lambda r: int(r["seed"]))
            seeds |= {int(r["seed"]) for r in mine}
            counted = [r for r in mine if r["outcome"] != "void"]
            mean, low, high = mean_ci([game_score(r) for r in counted])
            payoff.cells[role] = Cell(mean, low, high, len(counted), sum(r["outcome"] == "forfeit" for r in counted))
        payoff.games = len(seeds)
        table.append(payoff)
    return table


def opponents(row: dict, role: str) -> str:
    """The other named seats of a row's game (its lineup without the row's own seat)."""
    return LINEUP_SEPARATOR.join(p for p in (row.get("lineup") or "").split(LINEUP_SEPARATOR)
                                 if p and not p.startswith(role + "="))


def seat_board(rows: list[dict], design: Design, role: str, scenario: str, seeds: int) -> Board:
    """A seat's leaderboard over every game it played: its strategies paired on the same seed
    against the same opponents, so the paired statistics of the one-seat board carry over."""
    board = leaderboard([r for r in rows if r["role"] == role], design.strategies_of(role), role, scenario,
                        pair=lambda r: (int(r["seed"]), opponents(r, role)), seeds=seeds)
    return board


CELL_FIELDS = ("mean", "low", "high", "games", "forfeits")  # a seat's columns in payoffs.csv, in order
_SCORES = ("mean", "low", "high")


def payoff_lines(table: list[Payoff], design: Design) -> list[dict]:
    """payoffs.csv's lines (and the Python API's `payoffs` frame): per combination, the strategy in
    each seat, the seeds played, then each seat's mean score, its 95% interval, games and forfeits
    (`<seat>_mean` ... `<seat>_forfeits`); an undefined score is NaN."""
    roles = design.roles
    return [dict(zip(roles, p.combination, strict=True)) | {"games": p.games}
            | {f"{r}_{k}": getattr(p.cells[r], k) for r in roles for k in CELL_FIELDS} for p in table]


def write_payoffs(path: Path, table: list[Payoff], design: Design) -> Path:
    """payoffs.csv: payoff_lines, an undefined score left empty (OSError if it cannot be written)."""
    roles = design.roles
    header = [*roles, "games"] + [f"{r}_{k}" for r in roles for k in CELL_FIELDS]
    scores = {f"{r}_{k}" for r in roles for k in _SCORES}
    tmp = Path(path).with_suffix(".csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for line in payoff_lines(table, design):
            writer.writerow([_num(line[k]) if k in scores else line[k] for k in header])
    tmp.replace(path)
    return Path(path)


def ecosystem(table: list[Payoff], design: Design, generations: int) -> list[dict] | None:
    """The ecological tournament on a design's payoffs (ecology.replicator): each seat's strategies'
    shares per generation, generation 0 first; None while a combination has no counted game."""
    from game.tournament.ecology import replicator

    tensors = payoff_tensors(table, design)
    return None if tensors is None else replicator(tensors, design.roles, generations)


def _num(value: float) -> str:
    return "" if math.isnan(value) else repr(value)


# ----------------------------------------------------------------------------- text


def cell_text(cell: Cell) -> str:
    if cell.games == 0 or math.isnan(cell.mean):
        return "-"
    return f"{cell.mean:.2f} [{cell.low:.1f}, {cell.high:.1f}]"


def render_payoffs(table: list[Payoff], design: Design, seeds: int, lang: str = "en",
                   labels: dict[str, str] | None = None, names: dict[str, str] | None = None) -> str:
    """Two seats: a matrix for each (its strategies down, the other seat's across, its own mean
    score and interval in each cell). More seats: one table, a line per combination. `labels`: a
    strategy's short label (its `name`); `names`: how to call a seat in this language."""
    from game.text import tr as translate

    def tr(key: str, lang: str) -> str:
        return translate(f"tournament.payoffs.{key}", lang)

    labels = labels or {}
    names = names or {}
    label = lambda spec: labels.get(spec, spec)  # noqa: E731
    name = lambda role: names.get(role, role)  # noqa: E731
    lines: list[str] = []
    if len(design.seats) == 2:
        (a, _), (b, _) = design.seats
        cells = {p.combination: p.cells for p in table}
        for me, other in ((a, b), (b, a)):
            mine, theirs = design.strategies_of(me), design.strategies_of(other)
            lines += [tr("matrix_title", lang).format(seat=name(me), other=name(other), seeds=seeds), ""]
            col = max([display_width(label(s)) for s in theirs] + [20])
            first = max([display_width(label(s)) for s in mine] + [display_width(tr("strategy", lang))])
            lines.append(pad(tr("strategy", lang), first) + "".join("  " + pad(label(s), col, True) for s in theirs))
            for s in mine:
                row = [cell_text(cells[(s, t) if me == a else (t, s)][me]) for t in theirs]
                lines.append(pad(label(s), first) + "".join("  " + pad(c, col, True) for c in row))
            lines.append("")
    else:
        lines += [tr("table_title", lang).format(seeds=seeds), ""]
        cols = [max([display_width(label(s)) for s in design.strategies_of(r)] + [display_width(name(r))])
                for r in design.roles]
        head = [pad(name(r), c) for r, c in zip(design.roles, cols, strict=True)]
        head += [pad(tr("games", lang), 5, True)] + [pad(name(r), 20, True) for r in design.roles]
        lines.append("  ".join(head))
        for p in table:
            cells = [pad(label(s), c) for s, c in zip(p.combination, cols, strict=True)]
            cells += [pad(str(p.games), 5, True)] + [pad(cell_text(p.cells[r]), 20, True) for r in design.roles]
            lines.append("  ".join(cells))
        lines.append("")
    lines.append(tr("notes", lang))
    return "\n".join(lines)


# ----------------------------------------------------------------------------- ecology


def payoff_tensors(table: list[Payoff], design: Design) -> dict[str, np.ndarray] | None:
    """Each seat's mean score as a tensor with one axis per seat (ecology.replicator's input);
    None while a combination has no counted game."""
    shape = tuple(len(specs) for _, specs in design.seats)
    index = [{s: i for i, s in enumerate(specs)} for _, specs in design.seats]
    tensors = {role: np.full(shape, np.nan) for role in design.roles}
    for p in table:
        at = tuple(index[k][s] for k, s in enumerate(p.combination))
        for role in design.roles:
            tensors[role][at] = p.cells[role].mean
    return tensors if all(np.all(np.isfinite(t)) for t in tensors.values()) else None


def render_ecology(history: list[dict], design: Design, lang: str = "en", labels: dict[str, str] | None = None,
                   names: dict[str, str] | None = None) -> str:
    """The shares (%) of every seat's strategies at a few generations (ecology.shown_generations);
    seats with a single strategy are left out (their share is always 100%)."""
    from game.text import tr
    from game.tournament.ecology import shown_generations

    labels, names = labels or {}, names or {}
    generations = len(history) - 1
    seats = [(k, role, specs) for k, (role, specs) in enumerate(design.seats) if len(specs) > 1]
    heads = [f"{names.get(role, role)}:{labels.get(s, s)}" for _, role, specs in seats for s in specs]
    first = display_width(tr("tournament.ecology.generation", lang))
    lines = [tr("tournament.ecology.title", lang).format(generations=generations), "",
             pad(tr("tournament.ecology.generation", lang), first)
             + "".join("  " + pad(h, max(7, display_width(h)), True) for h in heads)]
    for g in shown_generations(generations):
        cells = [f"{100 * history[g][role][i]:.1f}" for _, role, specs in seats for i in range(len(specs))]
        lines.append(pad(str(g), first, True) + "".join("  " + pad(c, max(7, display_width(h)), True)
                                                        for c, h in zip(cells, heads, strict=True)))
    return "\n".join(lines)
