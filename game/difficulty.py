"""Difficulty: the scenario's state money scaled for the players and for their rivals.

The levels are data (assets/difficulty.toml). Applying one returns a new Scenario, so the World,
the saves and every mechanism see an ordinary scenario and nothing special-cases the setting.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from game.scenario import Scenario, ScenarioError

LEVELS_FILE = Path(__file__).resolve().parent.parent / "assets" / "difficulty.toml"
CONDUCTOR = "KOR"  # the country the game is about: the player unless others are named


class DifficultyLevel(BaseModel):
    """Multipliers on state money (budget, policy loans and the capex-support allowance alike,
    so one factor scales every programme a country can pay for)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name_en: str = Field(min_length=1, max_length=20)  # on a button
    name_ko: str = Field(min_length=1, max_length=20)
    label_en: str = Field(min_length=1)  # what it changes, under the buttons
    label_ko: str = Field(min_length=1)
    player_budget: float = Field(gt=0, le=10, allow_inf_nan=False)
    rival_budget: float = Field(gt=0, le=10, allow_inf_nan=False)


@dataclass(frozen=True)
class Difficulty:
    """Which level, and which countries count as players (every other country is a rival)."""

    level: str = "normal"
    players: tuple[str, ...] = (CONDUCTOR,)


NORMAL_GAME = Difficulty()


@cache
def levels() -> dict[str, DifficultyLevel]:
    """The offered levels in file order; "normal" must be the scenario as written."""
    try:
        data = tomllib.loads(LEVELS_FILE.read_text(encoding="utf-8"))
        offered = {name: DifficultyLevel.model_validate(spec) for name, spec in data.items()}
    except (OSError, tomllib.TOMLDecodeError, ValidationError, AttributeError) as exc:
        raise ScenarioError(f"{LEVELS_FILE}: invalid difficulty levels: {exc}") from None
    normal = offered.get("normal")
    if normal is None or (normal.player_budget, normal.rival_budget) != (1.0, 1.0):
        raise ScenarioError(f"{LEVELS_FILE}: [normal] must exist with player_budget = rival_budget = 1.0")
    return offered


def apply(scenario: Scenario, difficulty: Difficulty) -> Scenario:
    """The scenario with every country's state money scaled by its group's multiplier; raises
    ScenarioError naming the choices for an unknown level or country."""
    offered = levels()
    if difficulty.level not in offered:
        raise ScenarioError(f"difficulty '{difficulty.level}': unknown (choose from {', '.join(offered)})")
    known = [c.id for c in scenario.countries]
    unknown = sorted(set(difficulty.players) - set(known))
    if unknown:
        raise ScenarioError(f"players: unknown country {', '.join(unknown)} (choose from {', '.join(known)})")
    level = offered[difficulty.level]
    if (level.player_budget, level.rival_budget) == (1.0, 1.0):
        return scenario
    countries = []
    for country in scenario.countries:
        factor = level.player_budget if country.id in difficulty.players else level.rival_budget
        countries.append(country.model_copy(update={
            "budget_per_quarter": country.budget_per_quarter * factor,
            "policy_loans_per_quarter": country.policy_loans_per_quarter * factor,
            "capex_support_cap": country.capex_support_cap * factor,
        }))
    return scenario.model_copy(update={"countries": countries})
