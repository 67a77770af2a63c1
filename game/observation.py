"""What a controller sees: the indicators a player sees, its own policy and budget, and two
oracles the model offers so that controllers never touch the model itself: `check` (would this
Action be accepted?) and `preview` (this country's score after one more quarter with these
Actions, on a copy of the world)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from game.policy import Policy


@dataclass(frozen=True)
class Observation:
    country: str
    turn: int  # turns played so far
    date: str  # the quarter about to be played
    turns_left: int
    budget: float  # local currency available this quarter (budget and policy loans)
    usd_rate: float
    policy: Policy  # a copy: editing it changes nothing
    indicators: dict[str, dict[str, float]]  # country code -> indicators after the last quarter
    shares: dict[str, dict[str, float]]  # market -> firm -> share after the last quarter
    prices: dict[str, float]  # wafer (US$ k), hbm (US$/GB), accelerator (US$ k a unit) after the last quarter
    bottlenecks: dict[str, str]  # every designer -> the input that limited it last quarter
    score: dict[str, float]  # country code -> index after the last quarter
    home_firms: dict[str, dict[str, float | str | bool]]  # the country's own firms
    home_industries: list[str]
    national_buyer: str | None
    plan_procurement: float  # local currency a quarter the national centre's plan spends now
    levers: list[str]  # the lever kinds this country's state has in the scenario (Actions of others are refused)
    funded: dict[str, float]  # programme -> share of what it owed that the budget paid, last quarter
    refused: list[dict]  # this country's Actions refused last quarter: {"action": {...}, "reason": str}
    rng: np.random.Generator  # the controller's own stream, derived from the game's seed
    check: Callable[[list], str | None]  # why these Actions would be refused, or None
    preview: Callable[..., float]  # own score `quarters` ahead (default 1) with these Actions
