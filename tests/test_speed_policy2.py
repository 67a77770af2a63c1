"""Issue 15 (speed), phases 1-2: each short cut of the policy side gives what the long way gave.

An Observation assembled without its dataclass `__init__` is the one the constructor builds; an
Action dumped and parsed without pydantic's Python wrappers is the same dict and the same Action,
refusals included; an over-budget refusal whose Korean money words are written when read reads
as before in both languages; a controller whose `choose` takes the first answer is not shown an
observation and the game is the one where it was."""

from __future__ import annotations

import copy
import dataclasses
import math
import pickle

import pytest
from pydantic import ValidationError

from agents.controllers import Controller, make_controller
from game.actions import (
    ACTION_ADAPTER,
    CapacitySupport,
    ChipIncentive,
    Equity,
    FoundrySubsidy,
    Procurement,
    RDGrant,
    TradeStance,
    dump,
    parse_action,
)
from game.describe import money
from game.governance import _Money, genuine, lever_words
from game.model import World
from game.observation import Deferred, Observation
from game.reasons import Reason, in_language
from game.scenario import load_scenario
from game.text import tr


@pytest.fixture(scope="module")
def world() -> World:
    """A baseline game three quarters in, the fourth open (its controllers have decided)."""
    world = World(load_scenario("baseline"), 3, controllers={"KOR": make_controller("KOR", "team_korea")},
                  tables=False)
    for _ in range(3):
        world.step()
    world.open_quarter()
    return world


# ------------------------------------------------------------------ Observation.assemble
def _fields(obs: Observation) -> dict:
    """Every field as read (deferred ones resolved), with the callables by identity."""
    return {f.name: getattr(obs, f.name) for f in dataclasses.fields(Observation)}


def test_an_assembled_observation_is_the_constructed_one(world) -> None:
    for country in ("KOR", "USA", "CHN"):
        assembled = world.governance.observe(country)
        stored = dict(vars(assembled))  # the fields by name, some still deferred
        assert list(stored) == [f.name for f in dataclasses.fields(Observation)]
        assert any(type(v) is Deferred for v in stored.values())
        built = Observation(**stored)
        assert type(assembled) is Observation
        assert list(vars(built)) == list(stored)
        got, want = _fields(assembled), _fields(built)
        for name in ("rng", "check", "preview"):
            assert got.pop(name) is want.pop(name)
        assert got == want
        assert assembled == built
        for value in vars(assembled).values():  # read once, each deferred field is kept resolved
            assert type(value) is not Deferred
        with pytest.raises(dataclasses.FrozenInstanceError):
            assembled.turn = 0  # type: ignore[misc]


def test_an_assembled_observation_copies_as_values(world) -> None:
    obs = world.governance.observe("KOR")
    copied = copy.deepcopy(obs)
    assert copied.indicators == obs.indicators and copied.history == obs.history
    assert copied.refused == obs.refused and copied.prices_before == obs.prices_before
    assert copied.shares == obs.shares and copied.ahead == obs.ahead and copied.committed == obs.committed


# ------------------------------------------------------------------ dump and parse
ACTIONS = [
    FoundrySubsidy(rate=0.5), ChipIncentive(rate=0.3), TradeStance(stance="balanced"),
    Procurement(mix={"leader": 0.5, "domestic": 0.4, "other": 0.1}), Procurement(budget=2.5e12),
    RDGrant(designer="Rebellions", amount=2.8e10), CapacitySupport(firm="SK hynix", rate=0.1),
    Equity(firm="Rapidus", amount=1e9, build=True), FoundrySubsidy(rate=-0.0),
]
HOSTILE = [
    FoundrySubsidy.model_construct(rate=-1.0), FoundrySubsidy.model_construct(rate=math.nan),
    FoundrySubsidy.model_construct(rate=1), RDGrant.model_construct(designer="Rebellions", amount=-5.0),
    Procurement.model_construct(mix={"leader": "half"}), ChipIncentive.model_construct(),
    FoundrySubsidy.model_construct(rate=0.2, kind="chip_incentive"),
]


@pytest.mark.parametrize("action", ACTIONS + HOSTILE, ids=repr)
def test_dump_is_model_dump(action) -> None:
    import warnings
    with warnings.catch_warnings(record=True) as fast:
        warnings.simplefilter("always")
        got = dump(action)
    with warnings.catch_warnings(record=True) as slow:
        warnings.simplefilter("always")
        want = action.model_dump()
    assert repr(got) == repr(want)
    assert [str(w.message) for w in fast] == [str(w.message) for w in slow]


@pytest.mark.parametrize("action", ACTIONS + HOSTILE, ids=repr)
def test_parse_is_the_adapter_s(action) -> None:
    """The same Action (type and fields, -0.0 kept) or the same error as TypeAdapter.validate_python."""
    data = action.model_dump()
    try:
        want = ACTION_ADAPTER.validate_python(data)
    except ValidationError as exc:
        with pytest.raises(ValidationError) as caught:
            parse_action(data)
        assert caught.value.errors() == exc.errors()
        return
    got = parse_action(data)
    assert type(got) is type(want) and repr(got) == repr(want) and got == want
    rebuilt, problem = genuine(action)
    assert problem is None and repr(rebuilt) == repr(want)


# ------------------------------------------------------------------ refusals' words
def test_an_over_budget_refusal_reads_as_before(world) -> None:
    governance = world.governance
    country = world.countries["KOR"]
    reason = governance.check_bundle("KOR", [RDGrant(designer="Rebellions", amount=1e15)])
    assert isinstance(reason, Reason) and reason.key == "refuse.over_budget"
    need, available = reason.params["need_ko"].local, reason.params["budget_ko"].local
    want = Reason("refuse.over_budget", need=money(need, "en", country.currency),
                  need_ko=money(need, "ko", country.currency), budget=f"{available / 1e9:,.1f}B",
                  budget_ko=money(available, "ko", country.currency))
    assert str(reason) == str(want) and reason.params == want.params
    for lang in ("en", "ko"):
        assert reason.text(lang) == want.text(lang)
        assert in_language(reason, lang) == in_language(want, lang)
    for copied in (copy.copy(reason), copy.deepcopy(reason), pickle.loads(pickle.dumps(reason))):
        assert str(copied) == str(want) and copied.text("ko") == want.text("ko")


@pytest.mark.parametrize("spec", ["", ">30", "<30"])
def test_money_words_format_as_the_words(spec) -> None:
    for local in (0.0, 4e7, 2.5e11, 1.23456e13):
        for lang in ("en", "ko"):
            for currency in ("KRW", "USD", "CNY"):
                words = money(local, lang, currency)
                assert format(_Money(local, lang, currency), spec) == format(words, spec)
                assert str(_Money(local, lang, currency)) == words
                assert _Money(local, lang, currency) == words == _Money(local, lang, currency)
                assert hash(_Money(local, lang, currency)) == hash(words)
                assert repr(_Money(local, lang, currency)) == repr(words)


def test_lever_words_are_tr_s() -> None:
    for kind in ("foundry_subsidy", "procurement", "rd_grant", "equity", "export_control"):
        assert lever_words(kind) == (tr(f"lever.{kind}", "en"), tr(f"lever.{kind}", "ko"))


# ------------------------------------------------------------------ answers_first
ASKED: list[str] = []  # the events a controller asked the long way was asked


def _first_answer_asked(self, event, obs) -> int:
    """The base Controller's answer, the long way: shown an observation, called."""
    ASKED.append(event.id)
    assert obs.country == event.chooser
    return 0


def _answers(seed: int, asked: bool) -> list[str]:
    names = {"KOR": "team_korea", "USA": "default", "CHN": "default", "JPN": "default", "GCC": "default"}
    controllers = {c: make_controller(c, n) for c, n in names.items()}
    if asked:  # each controller that takes the first answer, as a subclass that is asked
        for controller in controllers.values():
            if type(controller).choose is Controller.choose:
                controller.__class__ = type(f"Asked{type(controller).__name__}", (type(controller),),
                                            {"choose": _first_answer_asked})
    world = World(load_scenario("baseline"), seed, controllers=controllers, tables=False)
    while not world.finished:
        world.step()
    return [repr(e) for e in world.governance.log] + [repr(world.scores), repr(world.indicators)]


def test_a_first_answer_taken_without_an_observation_is_the_same_game() -> None:
    ASKED.clear()
    for seed in (0, 1, 2):
        assert _answers(seed, asked=False) == _answers(seed, asked=True)
    assert ASKED  # the long way was taken: questions were asked
