"""Issue 15 (speed) in the policy side of the turn: each short cut gives what the long way gave,
bit for bit (the random streams, the event pass, the budget checks, the previews)."""

from __future__ import annotations

import copy
from typing import ClassVar

import numpy as np
import pytest

from agents.controllers import Adaptive, Greedy, _preview_choice, make_controller
from game.actions import (
    BrokerLink,
    CapacitySupport,
    ChipIncentive,
    Convergence,
    Equity,
    FoundrySubsidy,
    Procurement,
    RDGrant,
    ServiceIncentive,
    TradeStance,
    parse_action,
)
from game.model import World
from game.scenario import load_scenario
from game.streams import Streams


# ------------------------------------------------------------------ streams passed over
def _drawn(streams: Streams, name: str, draws: int) -> None:
    for _ in range(draws):
        streams(name).random()


@pytest.mark.parametrize("before", [0, 1, 3])
def test_a_stream_passed_over_stands_where_its_draws_would_put_it(before):
    """Numbers passed over (`pass_over`) leave a stream, its state and its next draws, where
    drawing them with `random()` would: unbuilt, built, or half-way through a 32-bit pair."""
    taken, passed = Streams(7), Streams(7)
    for streams in (taken, passed):
        _drawn(streams, "event:a", before)
        if before == 3:
            streams("event:a").integers(0, 10, dtype=np.uint32)  # buffers a 32-bit half
    _drawn(taken, "event:a", 4)
    for _ in range(4):
        passed.pass_over("event:a")
    assert passed.states() == taken.states()
    assert passed("event:a").random() == taken("event:a").random()


def test_a_copy_continues_the_draws_passed_over():
    """A copy made while numbers are passed over (and of a copy's saved states) draws on as
    the stream drawn every number would."""
    taken, passed = Streams(3), Streams(3)
    _drawn(taken, "x", 2)
    _drawn(passed, "x", 1)
    passed = copy.deepcopy(passed)
    passed.pass_over("x")
    passed = copy.deepcopy(passed)
    assert passed.states() == taken.states()
    assert passed("x").random() == taken("x").random()
    assert passed.states() == taken.states()


def test_reading_the_states_builds_nothing():
    streams = Streams(1)
    streams.pass_over("y")
    first = streams.states()
    assert streams.states() == first and not streams._generators


# ------------------------------------------------------------------ budget checks
def _candidates(world, country_id: str) -> list:
    """Actions of every kind, within and far beyond a budget, cuts, and ones refused for
    other reasons (another country's firm, an unknown firm)."""
    home = [a for a in world.by_name.values() if a.country == country_id]
    designers = [a.name for a in home if a.kind == "designer"] or ["Nvidia"]
    producers = [a.name for a in home if a.kind in ("foundry", "hbm_maker", "packager")] or ["TSMC"]
    budget = world.countries[country_id].budget_per_quarter
    plan = [FoundrySubsidy(rate=r) for r in (0.0, 0.5, 1.0)] + [ChipIncentive(rate=r) for r in (0.0, 0.5)]
    plan += [ServiceIncentive(rate=0.5), TradeStance(stance="us_aligned"), Procurement(budget=budget * 3),
             Procurement(mix={"leader": 0.5, "domestic": 0.4, "other": 0.1}), Procurement(budget=0.0)]
    plan += [RDGrant(designer=d, amount=a) for d in designers for a in (0.0, budget * 0.01, budget * 2)]
    plan += [Equity(firm=f, amount=a) for f in producers for a in (0.0, budget * 0.1, budget * 5)]
    plan += [CapacitySupport(firm=f, rate=0.5) for f in producers] + [Convergence(industry="nowhere", intensity=1)]
    plan += [BrokerLink(designer=d, supplier=s.name) for d in designers for s in home
             if s.kind == "component_supplier"]
    return plan


@pytest.mark.parametrize("strategy", ["team_korea", "random"])
def test_a_bundle_of_one_is_refused_exactly_when_its_action_is(strategy):
    """`check_bundle` of one Action (answered by the Action's own check) and of none gives
    what the full test of a bundle (`_bundle_refusal`) gives, reason for reason, every quarter
    for every country, with programmes within and beyond the budget."""
    world = World(load_scenario("baseline"), 5, controllers={"KOR": make_controller("KOR", strategy)}, tables=False)
    checked = refused = 0
    while not world.finished:
        world.open_quarter()
        governance = world.governance
        for country_id in world.countries:
            assert governance.check_bundle(country_id, []) == governance._bundle_refusal(country_id, []) is None
            for action in _candidates(world, country_id):
                fast = governance.check_bundle(country_id, [action])
                full = governance._bundle_refusal(country_id, [action])
                assert fast == full and getattr(fast, "params", None) == getattr(full, "params", None)
                checked += 1
                refused += fast is not None
        world.step()
    assert refused and checked - refused


# ------------------------------------------------------------------ previews
@pytest.mark.parametrize(("turn", "tables"), [(1, False), (9, True), (18, False)])
def test_a_preview_trial_plays_the_fork_s_game_and_leaves_the_world_alone(turn, tables):
    """The copy a preview plays on (`World._trial`, which shares the logs' entries and keeps no
    cause log: `World.explains`) ends where a fork told not to explain and played alike ends,
    whole state for whole state (the cause log entry by entry: a shared entry's renderer is the
    world's), and the world is left as it was."""
    from tests.test_fork import digest

    world = World(load_scenario("baseline"), 2, controllers={"KOR": make_controller("KOR", "adaptive")},
                  tables=tables)
    for _ in range(turn):
        world.step()
    world.open_quarter()
    before = digest(world)
    played = []
    for copy_of in (world._trial, world.fork):
        trial = copy_of()
        assert trial.explains is (copy_of == world.fork)
        trial.explains = False
        trial.governance.controllers = {}
        trial.tables = False
        trial.governance.submit("KOR", [ChipIncentive(rate=0.4), Equity(firm="Rebellions", amount=1e11)])
        trial.close_quarter()
        if not trial.finished:
            trial.step()
        causes = [[dict(entry) for entry in quarter] for quarter in trial.causes]
        trial.causes = None
        trial.__dict__.pop("datacollector", None)  # the trial's are the world's (it collects none)
        played.append((digest(trial), causes))
    assert played[0] == played[1]
    assert digest(world) == before


def test_a_stream_started_from_its_kept_first_state_is_the_stream_seeded_afresh():
    """The first states kept per (seed, name) (game.streams._FIRST_STATES) start each stream
    where seeding it from its name does, in a game and in a copy."""
    from game import streams as streams_module

    streams_module._FIRST_STATES.clear()
    afresh = Streams(9)
    values = [afresh(name).random() for name in ("demand", "event:x")]
    assert set(streams_module._FIRST_STATES) == {(9, "demand"), (9, "event:x")}
    kept = Streams(9)
    assert [kept(name).random() for name in ("demand", "event:x")] == values
    assert kept.states() == afresh.states()
    sequence = np.random.SeedSequence(9, spawn_key=(streams_module.source_key("demand"),))
    seeded = np.random.Generator(np.random.PCG64(sequence))
    assert seeded.random() == values[0]


# ------------------------------------------------------------------ the cause log's words
def test_an_effect_s_words_are_its_notes_rendered():
    """The remembered words of effects (governance.effects_described) are their notes rendered
    and joined, in each language, for every effect of the scenario's events and answers, in two
    worlds of the scenario (the second reads what the first remembered)."""
    from game.events import apply_effect
    from game.governance import effects_described

    scenario = load_scenario("baseline")
    effects = [e.effects for e in scenario.events] + [c.effects for e in scenario.events for c in e.choices]
    assert sum(map(len, effects)) > 10
    for seed in (0, 1):
        world = World(scenario, seed, tables=False)
        world.open_quarter()
        for group in filter(None, effects):
            notes = [apply_effect(world, effect, world.now) for effect in group]
            assert effects_described(world, notes) == {
                lang: "; ".join(world.render(key, params, lang) for key, params in notes) for lang in ("en", "ko")}


def test_remembered_words_neither_pin_nor_outlive_their_scenario():
    """A scenario's remembered texts go when the scenario goes (so its id can be reused safely)."""
    import gc
    import weakref
    from types import SimpleNamespace

    from game.governance import _Words

    class Scenario:  # any object a world's scenario may be, weakly referenced
        pass

    words = _Words(kept=2)
    world = SimpleNamespace(scenario=Scenario())
    assert words.of(world, ("a",), lambda: {"en": "A"}) == {"en": "A"}
    assert words.of(world, ("a",), lambda: {"en": "changed"}) == {"en": "A"}
    for what in ("b", "c"):
        words.of(world, (what,), lambda: {"en": "x"})
    assert words.of(world, ("a",), lambda: {"en": "again"}) == {"en": "again"}  # only the last 2 kept
    gone = weakref.ref(world.scenario)
    world.scenario = None
    gc.collect()
    assert gone() is None and not words._by_scenario


def test_an_enacted_action_s_words_are_describe_action_s():
    """The remembered words of an enacted Action (governance.described) are what describe_action
    writes, in each language, for every Action a game enacts, its second time too."""
    from game.describe import describe_action
    from game.governance import described

    world = World(load_scenario("baseline"), 4, controllers={"KOR": make_controller("KOR", "random")}, tables=False)
    while not world.finished:
        world.step()
    actions = [(e["country"], e["action"]) for e in world.governance.log if e.get("action") and not e["refused"]]
    assert len(actions) > 40
    for country_id, fields in actions * 2:
        currency = world.countries[country_id].currency
        assert described(world, fields, currency) == {lang: describe_action(fields, lang, world, currency)
                                                      for lang in ("en", "ko")}


# ------------------------------------------------------------------ answers not previewed
class _CheckedAdaptive(Adaptive):
    """Adaptive, checked at every question against previewing every accepted answer (its rule
    before answers that could not lose were left unpreviewed)."""

    asked: ClassVar[list[int]] = []

    def choose(self, event, obs):
        answer = super().choose(event, obs)
        bundles = [[parse_action(a) for a in choice.actions] for choice in event.choices]  # as the quarter enacts them
        scores = [_preview_choice(obs, choice, actions) if obs.check(actions) is None else -1.0
                  for choice, actions in zip(event.choices, bundles, strict=True)]
        assert answer == max(range(len(scores)), key=lambda i: (scores[i], -i))
        self.asked.append(answer)
        return answer


def test_an_answer_taken_unpreviewed_is_the_answer_previews_choose():
    """Korea's questions in three scenarios, two seeds each: the same answers as previewing
    every accepted answer."""
    _CheckedAdaptive.asked.clear()
    for name in ("baseline", "history_2024", "lesson_export_controls"):
        scenario = load_scenario(name)
        for seed in range(2):
            world = World(scenario, seed, controllers={"KOR": _CheckedAdaptive()}, tables=False)
            while not world.finished:
                world.step()
    assert len(_CheckedAdaptive.asked) >= 5


def test_greedy_with_no_move_but_the_empty_one_takes_it_unpreviewed():
    """A state that can afford none of the conductor's bundles stays put without a preview."""

    class Broke:
        turn = 0

        def __init__(self):
            self.previewed = 0

        def check(self, actions):
            return "over budget"

        def preview(self, actions, quarters=1):
            self.previewed += 1
            return 50.0

    obs = Broke()
    obs.usd_rate, obs.scale, obs.national_buyer, obs.home_industries = 1.0, 1.0, None, []
    obs.home_firms = {}
    assert Greedy().decide(obs) == [] and obs.previewed == 0
