"""What a controller sees: the indicators a player sees, its own policy and budget, and two
oracles the model offers so that controllers never touch the model itself: `check` (would this
Action be accepted?) and `preview` (this country's score after one more quarter with these
Actions, on a copy of the world)."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from game.policy import Policy


def acts_never(decide: Callable) -> Callable:
    """Mark a controller's `decide` that reads nothing and never acts (it returns no Action
    whatever it is shown): governance then builds no Observation for it and does not call it
    (`Governance.decide_all`). A subclass that overrides `decide` is observed as usual."""
    decide.acts_never = True
    return decide


def answers_first(choose: Callable) -> Callable:
    """Mark a controller's `choose` that takes an event's first answer whatever it is shown:
    governance then builds no Observation for it and records answer 0 without calling it
    (`Governance._ask`). A subclass that overrides `choose` is asked as usual."""
    choose.answers_first = True
    return choose


class Deferred(functools.partial):
    """A field's value worked out when the field is first read: `func(*args)` over sources that
    no longer change (a closed turn's record, a finished quarter's log), so the value is the one
    the observation would have held had it been built at once. Copied, it is the value. A
    `functools.partial` (`Deferred(func, *args)`, called with no argument): made and called in C,
    where a class of its own cost two Python calls for each of the nine an observation holds."""

    __slots__ = ()

    def __deepcopy__(self, memo):
        return copy.deepcopy(self(), memo)


class _Field:
    """A dataclass field that may be handed a `Deferred`: resolved on first read, then kept.
    The value is kept in the instance's `__dict__` under the field's own name (a data
    descriptor is looked up before the instance's dict, so every read still comes here), which
    makes an Observation's `__dict__` its fields by name whichever way it was built
    (`Observation.assemble`)."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError(self.name)  # dataclasses: the field has no default
        value = obj.__dict__[self.name]
        if type(value) is Deferred:
            value = obj.__dict__[self.name] = value()
        return value

    def __set__(self, obj, value) -> None:  # only from __init__: the dataclass is frozen
        obj.__dict__[self.name] = value


@dataclass(frozen=True)
class Observation:
    """What a controller sees. `indicators`, `shares`, `prices`, `bottlenecks`, `score`,
    `refused`, `history` and `prices_before` may be built when first read (governance.observe
    hands them in as `Deferred` from the turns' records and the Action log, neither of which
    changes afterwards for the quarters they read): a
    controller that never reads them costs nothing for them, and one that reads them, now or
    later, gets what an eager build would have given."""

    country: str
    turn: int  # turns played so far
    date: str  # the quarter about to be played
    turns_left: int
    budget: float  # local currency available this quarter (budget and policy loans)
    usd_rate: float
    policy: Policy  # a copy: editing it changes nothing
    indicators: dict[str, dict[str, float]] = _Field()  # country code -> indicators after the last quarter
    shares: dict[str, dict[str, float]] = _Field()  # market -> firm -> share after the last quarter
    prices: dict[str, float] = _Field()  # wafer (US$ k), hbm (US$/GB), accelerator (US$ k a unit), last quarter
    bottlenecks: dict[str, str] = _Field()  # every designer -> the input that limited it last quarter
    score: dict[str, float] = _Field()  # country code -> index after the last quarter
    home_firms: dict[str, dict[str, float | str | bool]]  # the country's own firms
    home_industries: list[str]
    # foreign foundries (alive) with a site in this country: its capacity-support lever may name them
    # for their lines here (docs/model.md, "Fab location")
    hosted_foundries: list[str]
    national_buyer: str | None
    plan_procurement: float  # local currency a quarter the national centre's plan spends now
    levers: list[str]  # the lever kinds this country's state has in the scenario (Actions of others are refused)
    # The settings once the Actions waiting out their lag take effect (what the desk's sliders show and a
    # controller plans from), the quarters until each lever kind's earliest waiting Action takes effect
    # (counted from the quarter being decided: 1 is next quarter), and what the programmes of `ahead`
    # cost this quarter (local currency; `budget` minus it is the money free for new programmes). All
    # three are the same whether read while the quarter is decided or just before it opens (a learning
    # environment observes between quarters): Actions that take effect as the quarter opens count in force.
    ahead: Policy = _Field()
    waiting: dict[str, int] = _Field()
    committed: float = _Field()
    funded: dict[str, float]  # programme -> share of what it owed that the budget paid, last quarter
    refused: list[dict] = _Field()  # this country's Actions refused last quarter: {"action": {...}, "reason": str}
    # this country's Actions accepted in the quarters played so far, oldest first: {"turn": the quarter
    # it was taken in (1 is the first), "source": "controller", "desk" or "event:<id>", "action": {...}};
    # a strategy's memory that a save keeps
    history: list[dict] = _Field()
    # the quarter before last's prices, what last quarter's decision read as `prices` ({} in the first
    # quarter): a change in a price is read here, not remembered by the strategy
    prices_before: dict[str, float] = _Field()
    rng: np.random.Generator  # the controller's own stream, derived from the game's seed
    check: Callable[[list], str | None]  # why these Actions would be refused, or None
    preview: Callable[..., float]  # own score `quarters` ahead (default 1) with these Actions (in-process,
    # `effects=` an event answer's own consequences too: Choice.effects; a sandboxed plug-in's takes Actions only)

    @classmethod
    def assemble(cls, **fields) -> Observation:
        """`Observation(**fields)` for a caller that hands in every field (governance.observe,
        once per controller and quarter): the same instance, its `__dict__` the fields by name
        in the order given, without the frozen dataclass's `__init__`, which sets each of the
        28 fields through `object.__setattr__` and eleven of them through `_Field.__set__`
        (~6 us of an observation's ~20). Nothing is checked: a field left out is an
        AttributeError when read, not a TypeError now (tests/test_speed_policy2.py compares it
        with the constructor, field by field)."""
        obs = object.__new__(cls)
        obs.__dict__.update(fields)
        return obs
