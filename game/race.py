"""The race (issue 16, item 5): every country's score on its own objective, quarter by quarter,
ranked, so a player sees where Korea stands among the rivals as well as against itself.

Each country is scored by its own objective (`[score.<country>]`, else the Team Korea rule), so
the numbers answer "how well is each doing at what it wants", not one common yardstick; the
scoreboard says so in its title. Pure: the desktop's charts screen draws it and a test reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from game import score as scoring
from game.describe import country_name


@dataclass(frozen=True)
class Runner:
    code: str
    name: str  # in the reader's language
    scores: tuple[float, ...]  # its score after each quarter played (the opening state if none)
    rank: int  # 1 = the highest score now
    grade: str  # its grade on its own bands
    change: float  # points since the quarter before (0 before two quarters)

    @property
    def now(self) -> float:
        return self.scores[-1] if self.scores else 0.0


def race(world, lang: str) -> list[Runner]:
    """Every country's scores so far, highest now first (ties by name: a stable order)."""
    history = [h["score"] for h in world.history] or [world.scores]
    spec = world.scenario.score
    rows = []
    for code in world.countries:
        scores = tuple(float(h.get(code, 0.0)) for h in history)
        grade = scoring.grade(spec, scores[-1], code) if spec is not None else ""
        rows.append((code, country_name(world, code, lang), scores, grade,
                     scores[-1] - scores[-2] if len(scores) > 1 else 0.0))
    rows.sort(key=lambda r: (-r[2][-1], r[1]))
    return [Runner(code, name, scores, i + 1, grade, change)
            for i, (code, name, scores, grade, change) in enumerate(rows)]
