"""Issue 15: `Governance.accepted` (Observation.history) reads the Action log through an index of
the accepted entries kept beside the governance (game.governance._ACCEPTED), read on from where
it stopped; it gives what scanning the whole log gave, entry for entry."""

from __future__ import annotations

import copy

from agents.controllers import make_controller
from game.actions import ChipIncentive
from game.model import World
from game.scenario import load_scenario


def reference_accepted(governance, country_id: str, turn: int) -> list[dict]:
    """The scan it replaced (every entry of the log, each time)."""
    return [{"turn": e["turn"], "source": e["source"], "action": e["action"]} for e in governance.log
            if e["turn"] <= turn and e["country"] == country_id and not e.get("refused") and e.get("action")]


def _same(governance, turn: int) -> None:
    for country in governance.world.countries:
        for upto in (turn - 1, turn, turn + 1):
            got = governance.accepted(country, upto)
            want = reference_accepted(governance, country, upto)
            assert got == want
            for a, b in zip(got, want, strict=True):
                assert a["action"] is b["action"]  # the log's own dumps, as before


def test_accepted_is_the_whole_log_scanned() -> None:
    world = World(load_scenario("baseline"), 4, controllers={"KOR": make_controller("KOR", "adaptive")},
                  tables=False)
    seen = 0
    for _ in range(12):
        world.step()
        _same(world.governance, world.turn)
        seen += len(world.governance.accepted("CHN", world.turn))
    assert seen > 0
    world.open_quarter()  # mid-quarter: the controllers' new entries are read on from the last read
    world.governance.submit("KOR", [ChipIncentive(rate=0.2), ChipIncentive.model_construct(rate=-1.0)], source="desk")
    _same(world.governance, world.turn + 1)
    fork = copy.deepcopy(world)  # another governance, its own list: its own index
    fork.governance.submit("KOR", [ChipIncentive(rate=0.3)], source="desk")
    _same(fork.governance, fork.turn + 1)
    _same(world.governance, world.turn + 1)
    assert len(fork.governance.log) == len(world.governance.log) + 1


def test_a_log_replaced_is_read_afresh() -> None:
    world = World(load_scenario("baseline"), 1, tables=False)
    for _ in range(3):
        world.step()
    governance = world.governance
    _same(governance, world.turn)
    governance.log = list(governance.log[:2])
    _same(governance, world.turn)


def test_china_s_last_project_is_the_latest_turn_of_its_projects() -> None:
    """ChinaProgramme._answer's loop over the history picks what max() of a generator picked."""
    from types import SimpleNamespace

    from agents.controllers import ChinaProgramme

    def reference(history, firm):
        return max((e["turn"] for e in history if e["action"].get("kind") == "equity"
                    and e["action"].get("build") and e["action"].get("firm") == firm), default=None)

    entries = [
        {"turn": 3, "action": {"kind": "equity", "firm": "SMIC", "amount": 1.0, "build": True}},
        {"turn": 5, "action": {"kind": "equity", "firm": "CXMT", "amount": 1.0, "build": True}},
        {"turn": 7, "action": {"kind": "equity", "firm": "SMIC", "amount": 1.0, "build": False}},
        {"turn": 6, "action": {"kind": "rd_grant", "designer": "Huawei", "amount": 1.0}},
        {"turn": 4, "action": {"kind": "equity", "firm": "SMIC", "amount": 1.0, "build": True}},
    ]
    china = ChinaProgramme()
    for history in (entries, entries[:1], entries[1:4], []):
        for firm in ("SMIC", "CXMT"):
            for turn in (3, 8, 12):
                obs = SimpleNamespace(turn=turn, history=history,
                                      home_firms={firm: {"lead_time": 4, "alive": True}})
                last = reference(history, firm)
                due = last is None or turn + 1 >= last + 4
                assert china._answer(obs, firm).build is due


# ------------------------------------------------------------------ one country's score
def test_one_country_s_score_is_its_score_among_all_and_builds_only_what_it_reads() -> None:
    """`TurnRecord.score_of` (what a forecast and a preview read) is `scores[country]` to the bit,
    for every country, with only the rows its rule reads built (not every country's indicators
    nor every index); and once `indicators` is built, its rows are handed out."""
    from game.score import countries_read

    world = World(load_scenario("baseline"), 3, tables=False)
    for _ in range(6):
        world.step()
    record = world.record_now
    reference = record.read_by(world)
    for code in world.countries:
        fresh = record.read_by(world)
        assert fresh.score_of(code) == reference.scores[code]
        assert "indicators" not in vars(fresh) and "scores" not in vars(fresh)
        assert sorted(fresh.rows) == sorted(countries_read(world.scenario.score, code))
        assert fresh.indicators_of([code]) == {code: reference.indicators[code]}
    assert "CHN" in countries_read(world.scenario.score, "USA")  # the USA's rule reads China's compute
    whole = record.read_by(world)
    rows = whole.indicators
    assert whole.indicators_of(["KOR"])["KOR"] is rows["KOR"]
    assert whole.score_of("KOR") == reference.scores["KOR"]
    assert whole.score_of("XYZ") == 0.0
