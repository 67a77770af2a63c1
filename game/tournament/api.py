"""The tournament from Python, as Axelrod's `Tournament(...).play()` returns a `ResultSet`:

    from game.tournament.api import Tournament

    results = Tournament(seats={"KOR": ["team_korea", "laissez_faire"], "USA": ["default", "laissez_faire"]},
                         seeds=5).play()
    results.games      # pandas DataFrame: one row per seat per game (games.csv)
    results.payoffs    # pandas DataFrame: one row per combination (payoffs.csv)
    results.ecosystem(100)  # shares of each seat's strategies over 100 generations
    results.evaluation # pandas DataFrame: each seat's strategies as focal players, regret, alpha-rank mass
    results.welfare    # pandas DataFrame: per combination, every country's welfare, regrets, alpha-rank mass
    results.alpharank(alpha=10)  # alpha-rank again at another selection intensity
    results.quarters   # with quarters=True: each seat's score and Actions quarter by quarter

`background=N` samples N profiles of the other seats for every seat's every strategy instead of
playing every combination (Melting Pot's focal/background design; evaluation.py).

It is the command's own run (run.run_tournament: the same planning, store, backends, statistics and
sandbox), so everything the command guarantees holds here too: paired seeds, resume into `out`,
fault isolation. Without `out` the results live in a temporary folder that is removed once they
are read. A mistake in the arguments raises run.TournamentUsageError (a ValueError).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from game.tournament import crossplay
from game.tournament.run import Options, Outcome, TournamentUsageError, run_tournament

__all__ = ["Results", "Tournament", "TournamentUsageError"]


@dataclass
class Tournament:
    """`seats`: {country: [strategies]} for a head-to-head run (every combination on the same seeds),
    or `strategies` (with `role`, "all" for every country) for the one-seat tournament. The rest are
    the command's options (run.Options); `workers` None uses every core, 0 plays here."""

    seats: dict[str, list[str]] | None = None
    strategies: list[str] | None = None
    role: str = "KOR"
    seeds: int = 10
    out: str | Path | None = None
    scenario: str = "baseline"
    workers: int | None = None
    master_seed: int = 2025
    decision_timeout: float | None = 5.0
    backend: str = "local"
    address: str | None = None
    difficulty: str = "normal"
    lang: str = "en"
    plots: bool = False
    progress: bool = False
    background: int = 0  # head-to-head: sampled background profiles per focal strategy (0: every combination)
    quarters: bool = False  # record each named seat's score and Actions quarter by quarter (Results.quarters)
    options: dict = field(default_factory=dict)  # any other run.Options field

    def play(self) -> Results:
        if self.out is not None:
            return self._play(Path(self.out))
        with tempfile.TemporaryDirectory(prefix="tournament-") as folder:
            return self._play(Path(folder))

    def _play(self, out: Path) -> Results:
        if (self.seats is None) == (self.strategies is None):
            raise TournamentUsageError("Tournament: give either seats={country: [strategies]} or strategies=[...]")
        options = Options(strategies=list(self.strategies or []), seeds=self.seeds, out=out, role=self.role,
                          scenario=self.scenario, workers=self.workers, master_seed=self.master_seed,
                          decision_timeout=self.decision_timeout, backend=self.backend, address=self.address,
                          lang=self.lang, plots=self.plots, progress=self.progress, difficulty=self.difficulty,
                          seats=None if self.seats is None else {k.upper(): list(v) for k, v in self.seats.items()},
                          background=self.background, quarters=self.quarters, **self.options)
        outcome = run_tournament(options)
        return Results(outcome, pd.DataFrame([r for rows in outcome.rows for r in rows]), _payoff_frame(outcome))


@dataclass
class Results:
    """What a Tournament played. `games`: one row per seat per game (the store's columns: scenario,
    role, strategy, seed, lineup, outcome, total, c_<component>, ...); `payoffs`: one row per
    combination (the strategy in each seat, games, each seat's mean, low, high, games, forfeits);
    `boards`: the leaderboards (stats.Board, one per seat or role); `text`: what the command prints."""

    outcome: Outcome
    games: pd.DataFrame
    payoffs: pd.DataFrame

    @property
    def boards(self) -> list:
        return self.outcome.boards

    @property
    def text(self) -> str:
        return self.outcome.text

    @property
    def interrupted(self) -> bool:
        return self.outcome.interrupted

    @property
    def quarters(self) -> pd.DataFrame:
        """One row per seat per quarter of the games played with `quarters=True` (the store's
        `quarters` table: score after the quarter, its Actions as JSON, refused ones counted)."""
        return pd.DataFrame(self.outcome.quarters)

    @property
    def evaluation(self) -> pd.DataFrame:
        """A head-to-head run's evaluation (empirical.focal_lines: per seat and strategy, its focal
        score and interval, on the seat's 0-1 scale, alpha-rank mass and regret); empty otherwise."""
        from game.tournament import empirical

        result = self.outcome.evaluation
        return pd.DataFrame(empirical.focal_lines(result) if result is not None else [])

    @property
    def welfare(self) -> pd.DataFrame:
        """A head-to-head run's welfare panel per combination (empirical.welfare_lines); empty otherwise."""
        from game.tournament import empirical

        result = self.outcome.evaluation
        return pd.DataFrame(empirical.welfare_lines(result) if result is not None else [])

    def alpharank(self, alpha: float = 50.0, population: int = 50) -> pd.DataFrame:
        """alpha-rank on the payoffs at this selection intensity (evaluation.alpharank, on every
        seat's score as 0-1): one row per seat and strategy with its mass. Needs every combination."""
        from game.tournament.evaluation import alpharank

        design, table = self.outcome.designs[0], self.outcome.payoffs[0]
        tensors = crossplay.payoff_tensors(table, design)
        if tensors is None or len(design.seats) < 2:
            raise ValueError("alpharank: a head-to-head run with every combination played")
        rank = alpharank([tensors[r] / 100.0 for r in design.roles], alpha, population, scale=False)
        return pd.DataFrame([{"role": role, "strategy": s, "mass": float(rank.strategies[k][i])}
                             for k, (role, specs) in enumerate(design.seats) for i, s in enumerate(specs)])

    def ecosystem(self, generations: int) -> pd.DataFrame:
        """The ecological tournament on the payoffs (ecology.replicator): one row per generation,
        seat and strategy, with its share. A one-seat run with several roles gives each role its own."""
        frames = []
        for design, table in zip(self.outcome.designs, self.outcome.payoffs, strict=True):
            history = crossplay.ecosystem(table, design, generations)
            if history is None:
                raise ValueError("ecosystem: some combinations have no game yet")
            frames.append(pd.DataFrame([{"generation": g, "role": role, "strategy": s, "share": float(shares[role][i])}
                                        for g, shares in enumerate(history)
                                        for role, specs in design.seats for i, s in enumerate(specs)]))
        return pd.concat(frames, ignore_index=True)


def _payoff_frame(outcome: Outcome) -> pd.DataFrame:
    """One row per combination of every design (a one-seat run's per role), as payoffs.csv."""
    return pd.DataFrame([line for design, table in zip(outcome.designs, outcome.payoffs, strict=True)
                         for line in crossplay.payoff_lines(table, design)])
