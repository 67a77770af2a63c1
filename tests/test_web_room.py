"""The classroom's room (game/web/room.py) without a network: seats, submissions through the
same seam as the desktop, empty seats played by their AI, the teacher's switches, persistence
and resuming, the results board."""

from __future__ import annotations

import json
import time

import pytest

from game.actions import parse_action
from game.reasons import in_language
from game.saves import check, digest, load_game
from game.session import Session
from game.web.room import GAME_FILE, ROOM_FILE, Room, RoomError, SetupError

LESSON = "lesson_procurement_chain"  # 8 quarters: a whole term in a test


@pytest.fixture
def room(tmp_path):
    made = Room.open(tmp_path / "room", scenario=LESSON, teams=("KOR", "USA", "CHN"), seed=11, lang="en")
    yield made
    made.close()


def go_on(room) -> None:
    """A quarter paused at an event's question (Korea's seat answers live): the teacher goes on
    without the answer, so Korea takes the choice that changes least, as every seated team did
    before questions were asked live."""
    if room.playing:
        room.end_quarter()
    assert not room.playing


def refused(call, status: int, key: str):
    with pytest.raises(RoomError) as caught:
        call()
    assert (caught.value.status, caught.value.key) == (status, key), caught.value.text("en")
    return caught.value


def test_a_seat_needs_the_room_code_and_a_free_team(room):
    refused(lambda: room.join("WRONG1", "KOR", "a", "en"), 403, "room_code")
    refused(lambda: room.join(room.code, "TWN", "a", "en"), 404, "team")
    token = room.join(room.code.lower(), "KOR", "Team A", "ko")  # the code is read case-blind
    assert room.seat_of(token)[1] == "KOR"
    refused(lambda: room.join(room.code, "KOR", "b", "en"), 409, "seat_taken")
    refused(lambda: room.seat_of("forged-token-1234"), 403, "token")
    saved = (room.folder / ROOM_FILE).read_text()
    assert token not in saved, "the room file keeps hashes, never a seat's token"


def test_a_desk_offers_only_its_countrys_levers(room):
    korea, usa = room.desk(room.tables[0], "KOR", "en"), room.desk(room.tables[0], "USA", "en")
    keys = {r.get("key") for s in korea["sections"] for r in s["rows"]}
    assert {"foundry_subsidy", "procurement.budget", "trade_stance"} <= keys
    us_keys = {r.get("key") for s in usa["sections"] for r in s["rows"]}
    assert "foundry_subsidy" not in us_keys and us_keys
    assert korea["country"] == "Korea" and room.desk(room.tables[0], "KOR", "ko")["country"] == "한국"


def test_a_desk_carries_the_advisors_advice_naming_levers_it_shows(room):
    for code, lang in (("KOR", "en"), ("KOR", "ko"), ("USA", "en")):
        desk = room.desk(room.tables[0], code, lang)
        shown = {s["lever"] for s in desk["sections"]}
        assert all(a["lever"] in shown and a["text"] for a in desk["advice"])
    korea = room.desk(room.tables[0], "KOR", "ko")
    assert any("국가AI컴퓨팅센터는 2025년 4분기에 문을 엽니다" in a["text"] for a in korea["advice"])


def test_a_submission_is_refused_with_governances_reason_and_changes_nothing(room):
    token = room.join(room.code, "KOR", "A", "en")
    desk = room.desk(room.tables[0], "KOR", "en")
    top = {r["key"]: r["high"] for s in desk["sections"] for r in s["rows"] if r["type"] == "slider"}
    greedy = {k: v for k, v in top.items() if k.startswith(("rd_grant", "procurement.budget"))}
    greedy["procurement.leader"] = 0
    actions = room.assess(room.tables[0], "KOR", greedy, "en")["actions"]
    reason = room.session.refusal(actions, "KOR")
    assert reason, "the test needs a bundle the budget cannot carry"
    before = (room.folder / ROOM_FILE).read_text()
    error = refused(lambda: room.submit(token, 0, greedy, "ko"), 422, "refused")
    assert in_language(reason, "ko") in error.text("ko")  # the desktop desk's refusal, in the student's language
    assert room.tables[0].submissions == {} and (room.folder / ROOM_FILE).read_text() == before


@pytest.mark.parametrize("values, why", [
    ({"foundry_subsidy": 7}, "off the lever's steps"),
    ({"foundry_subsidy": 105}, "beyond its range"),
    ({"foundry_subsidy": True}, "a switch for a slider"),
    ({"trade_stance": "annexation"}, "no such stance"),
    ({"export_everything": 1}, "no such lever"),
])
def test_settings_no_widget_could_make_are_refused(room, values, why):
    token = room.join(room.code, "KOR", "A", "en")
    refused(lambda: room.submit(token, 0, values, "en"), 422, "values")
    assert room.tables[0].submissions == {}, why


def test_a_team_cannot_set_a_lever_its_country_does_not_have(room):
    token = room.join(room.code, "USA", "B", "en")
    refused(lambda: room.submit(token, 0, {"foundry_subsidy": 50}, "en"), 422, "values")


def test_a_replayed_submission_for_a_past_quarter_is_refused(room):
    token = room.join(room.code, "KOR", "A", "en")
    room.submit(token, 0, {"foundry_subsidy": 20}, "en")  # the only seat: auto-advance plays the quarter
    assert room.world.turn == 1
    refused(lambda: room.submit(token, 0, {"foundry_subsidy": 40}, "en"), 409, "stale")
    assert room.tables[0].submissions == {}


def test_submissions_reach_governance_as_the_desktops_end_turn_does(room):
    """Two teams submit; the quarter is played when both have. The log and the world are the
    ones a desktop Session gives for the same Actions, and the empty seat (China) is played by
    its AI, logged as its own Actions; a seated team that did not submit keeps its programmes."""
    korea = room.join(room.code, "KOR", "A", "en")
    usa = room.join(room.code, "USA", "B", "en")
    room.submit(korea, 0, {"foundry_subsidy": 30, "chip_incentive": 10}, "en")
    assert room.world.turn == 0 and room.waiting_for() == [(0, "USA")]
    usa_desk = room.desk(room.tables[0], "USA", "en")
    grant = next(r["key"] for s in usa_desk["sections"] for r in s["rows"]
                 if r.get("key", "").startswith("rd_grant"))
    room.submit(usa, 0, {grant: 5}, "en")
    assert room.world.turn == 1, "auto-advance: every seated team has submitted"
    log = room.world.governance.log
    mine = [(e["country"], e["action"]) for e in log if e["country"] in ("KOR", "USA") and e["source"] == "controller"]
    assert mine == [("KOR", {"kind": "foundry_subsidy", "rate": 0.3}), ("KOR", {"kind": "chip_incentive", "rate": 0.1}),
                    ("USA", {"kind": "rd_grant", "designer": grant.split(":", 1)[1], "amount": 5e9})]
    assert any(e["country"] == "CHN" and e["source"] == "controller" for e in log), "the empty seat's AI acted"

    desktop = Session(LESSON, seed=11, humans=("KOR", "USA", "CHN"), autosave=False)
    try:
        from agents.controllers import make_controller

        desktop.players["CHN"].stand_in = make_controller("CHN", "default")
        desktop.end_turn({c: [parse_action(e["action"]) for e in log if e["country"] == c and e["action"]]
                          for c in ("KOR", "USA")})
        assert desktop.world.governance.log == log
        assert digest(desktop.world.history[-1]) == digest(room.world.history[-1])
    finally:
        desktop.close()

    # quarter 2: Korea does not submit; the teacher plays the quarter; its programmes run on
    room.end_quarter()
    assert not [e for e in room.world.governance.log
                if e["turn"] == 2 and e["country"] == "KOR" and e["source"] == "controller"]
    assert room.world.countries["KOR"].policy.foundry_subsidy == pytest.approx(0.3)


def test_the_teachers_switches(room):
    token = room.join(room.code, "KOR", "A", "en")
    room.set_switch("paused", True)
    refused(lambda: room.submit(token, 0, {"foundry_subsidy": 20}, "en"), 409, "paused")
    refused(room.end_quarter, 409, "paused")
    room.set_switch("paused", False)
    room.set_switch("auto_advance", False)
    room.submit(token, 0, {"foundry_subsidy": 20}, "en")
    assert room.world.turn == 0, "no auto-advance: the teacher ends the quarter"
    room.set_switch("scores_hidden", True)
    desk = room.desk(room.tables[0], "KOR", "en")
    assert desk["score"] is None and desk["components"] == []
    assert all(t["score"] is None for t in room.screen_view("en")["teams"])
    assert room.teacher_view("en")["teams"][0]["score"] is not None, "the teacher still sees them"
    room.broadcast("  Look   at the HBM market ")
    assert room.desk(room.tables[0], "KOR", "ko")["message"] == "Look at the HBM market"
    refused(lambda: room.broadcast("   "), 422, "empty_message")


def test_freeing_and_moving_seats(room):
    token = room.join(room.code, "KOR", "A", "en")
    room.set_switch("auto_advance", False)
    room.submit(token, 0, {"foundry_subsidy": 20}, "en")
    room.move_seat("KOR", "CHN")
    assert room.seat_of(token)[1] == "CHN" and room.tables[0].seats["KOR"] is None
    assert "KOR" not in room.tables[0].submissions
    refused(lambda: room.move_seat("USA", "KOR"), 409, "seat_empty")
    room.free_seat("CHN")
    refused(lambda: room.seat_of(token), 403, "token")
    refused(lambda: room.submit(token, 0, {}, "en"), 403, "token")


def test_the_room_resumes_after_a_restart(tmp_path, room):
    korea = room.join(room.code, "KOR", "A", "ko")
    usa = room.join(room.code, "USA", "B", "en")
    room.submit(korea, 0, {"foundry_subsidy": 30}, "en")
    room.submit(usa, 0, {}, "en")
    assert room.world.turn == 1
    room.submit(korea, 1, {"foundry_subsidy": 45}, "en")  # mid-quarter: saved, not played
    code, pin, history = room.code, room.pin, [digest(h) for h in room.world.history]
    room.close()

    again = Room.open(room.folder)
    try:
        assert (again.code, again.pin, again.resumed) == (code, pin, True)
        assert again.world.turn == 1 and [digest(h) for h in again.world.history] == history
        assert again.seat_of(korea)[1] == "KOR" and again.seat_of(usa)[1] == "USA"
        assert again.tables[0].submissions["KOR"].values == {"foundry_subsidy": 45}
        again.submit(usa, 1, {}, "en")
        assert again.world.turn == 2
        assert check(again.folder / GAME_FILE).diverged is None, "the room's save is a normal, re-playable save"
        with pytest.raises(SetupError, match="--seed 12"):
            Room.open(again.folder, seed=12)
    finally:
        again.close()


def test_a_broken_room_file_is_named(tmp_path):
    folder = tmp_path / "room"
    folder.mkdir()
    (folder / ROOM_FILE).write_text(json.dumps({"code": "x"}))
    with pytest.raises(SetupError, match=r"room\.json"):
        Room.open(folder)


def test_the_results_board_at_the_end_of_the_term(room):
    token = room.join(room.code, "KOR", "A", "en")
    refused(lambda: room.results("en"), 409, "not_finished")
    for turn in range(room.world.turns):
        room.submit(token, turn, {"foundry_subsidy": 40} if turn == 0 else {}, "en")
        go_on(room)
    assert room.world.finished
    refused(lambda: room.submit(token, room.world.turn, {}, "en"), 409, "finished")
    board = room.results("ko")
    assert {r["code"] for r in board["rows"]} == {"KOR", "USA", "CHN"}
    korea = next(r for r in board["rows"] if r["code"] == "KOR")
    assert korea["country"] == "한국" and korea["grade"]
    assert korea["score"] == round(float(room.world.scores["KOR"]), 1)
    assert korea["gain"] == pytest.approx(korea["score"] - korea["no_action"], abs=0.11)
    series = [float(h["score"]["KOR"]) for h in room.world.history]
    biggest = max(range(1, len(series)), key=lambda i: abs(series[i] - series[i - 1]))
    assert round(series[biggest] - series[biggest - 1], 1) in [t["change"] for t in korea["turning"]]
    world, _ = load_game(room.folder / GAME_FILE, tables=False)
    try:
        assert world.finished and world.governance.log == room.world.governance.log
    finally:
        world.close()


def test_the_decision_timer_plays_the_quarter_when_time_is_up(room):
    token = room.join(room.code, "KOR", "A", "en")
    room.set_switch("auto_advance", False)
    room.submit(token, 0, {"foundry_subsidy": 20}, "en")
    room.set_timer(60)
    assert 59 <= room.seconds_left() <= 60 and not room.tick()
    room.set_switch("paused", True)  # the clock stops while the class is paused
    assert room.deadline is None and room.seconds_left() == pytest.approx(60, abs=1)
    assert not room.tick(time.time() + 3600)
    room.set_switch("paused", False)
    assert room.tick(room.deadline + 0.1), "time is up: the quarter is played"
    assert room.world.turn == 1 and room.world.countries["KOR"].policy.foundry_subsidy == pytest.approx(0.2)
    assert 59 <= room.seconds_left() <= 60, "the next quarter's clock starts at once"
    resumed = Room.open(room.folder)
    try:
        assert resumed.timer == 60 and resumed.deadline == pytest.approx(room.deadline)
    finally:
        resumed.close()
    room.set_timer(None)
    assert room.seconds_left() is None and not room.tick(time.time() + 3600)


def test_the_teacher_triggers_an_event_and_rewinds(room):
    token = room.join(room.code, "KOR", "A", "en")
    room.set_switch("auto_advance", False)
    ready = next(e["id"] for e in room.events("en") if e["status"] == "ready")
    room.trigger(ready, "en")
    assert next(e for e in room.events("en") if e["id"] == ready)["status"] == "queued"
    error = refused(lambda: room.trigger(ready, "ko"), 422, "event")
    assert error.text("ko").startswith("그 사건은 일으킬 수 없습니다")
    refused(lambda: room.trigger("no_such_event", "en"), 422, "event")
    room.submit(token, 0, {"foundry_subsidy": 20}, "en")
    room.end_quarter()
    go_on(room)
    assert ready in room.world.governance.fired, "the triggered event fired at the start of the quarter"
    room.submit(token, 1, {"foundry_subsidy": 50}, "en")
    room.end_quarter()
    go_on(room)
    first = digest(room.world.history[0])
    refused(lambda: room.rewind(2), 422, "rewind_range")
    room.submit(token, 2, {"foundry_subsidy": 60}, "en")
    room.rewind(1)
    assert room.world.turn == 1 and room.tables[0].submissions == {}
    assert digest(room.world.history[0]) == first, "the quarter kept is the one played"
    assert room.world.countries["KOR"].policy.foundry_subsidy == pytest.approx(0.2)
    assert check(room.folder / GAME_FILE).diverged is None and check(room.folder / GAME_FILE).turns == 1


def test_a_desk_says_why_its_score_moved(room):
    token = room.join(room.code, "USA", "B", "ko")
    for turn in range(3):
        room.submit(token, turn, {}, "en")
    why = room.desk(room.tables[0], "USA", "ko")["why"]
    assert why, "three quarters move a score"
    history = [round(float(h["score"]["USA"]), 1) for h in room.world.history]
    for quarter in why:
        assert quarter["after"] in history and quarter["causes"]
        assert all(any("\uac00" <= ch <= "\ud7a3" for ch in line) for line in quarter["causes"])
    moved = [q for q in why if q["before"] is not None and abs(q["after"] - q["before"]) >= 0.1]
    assert moved and all(q["parts"].startswith("구성 요소별 기여: ") for q in moved), \
        "a quarter whose score moved says what each component gave, in Korean"
    room.set_switch("scores_hidden", True)
    assert room.desk(room.tables[0], "USA", "en")["why"] == []


def test_teammates_watch_a_seat_and_only_one_submits(room):
    captain = room.join(room.code, "KOR", "Team A", "en")
    refused(lambda: room.join(room.code, "KOR", "b", "en"), 409, "seat_taken")
    mates = [room.join(room.code, "KOR", "b", "en", teammate=True) for _ in range(8)]
    refused(lambda: room.join(room.code, "KOR", "c", "en", teammate=True), 409, "seat_full")
    assert room.seat_of(mates[0])[1] == "KOR" and not room.submits(mates[0]) and room.submits(captain)
    error = refused(lambda: room.submit(mates[0], 0, {"foundry_subsidy": 20}, "en"), 403, "viewer")
    assert "Team A" in error.text("en") and room.tables[0].submissions == {}
    assert room.lobby(room.code, "en")["teams"][0]["teammates"] == 8
    room.move_seat("KOR", "CHN")  # the team moves together
    assert room.seat_of(mates[3])[1] == "CHN"
    resumed = Room.open(room.folder)
    try:
        assert resumed.seat_of(mates[5])[1] == "CHN" and not resumed.submits(mates[5])
    finally:
        resumed.close()
    room.free_seat("CHN")
    refused(lambda: room.seat_of(mates[0]), 403, "token")


def test_several_worlds_play_together_on_the_same_seed(tmp_path):
    room = Room.open(tmp_path / "room", scenario=LESSON, teams=("KOR", "USA"), seed=11, lang="en", worlds=2)
    try:
        first = room.join(room.code, "KOR", "A", "en", world=0)
        second = room.join(room.code, "KOR", "B", "en", world=1)  # the same country in the other world
        refused(lambda: room.join(room.code, "KOR", "C", "en", world=2), 404, "world")
        assert room.seat_of(second)[0].index == 1
        assert [t["world"] for t in room.lobby(room.code, "en")["teams"]] == [0, 0, 1, 1]
        room.submit(first, 0, {"foundry_subsidy": 50}, "en")
        assert room.world.turn == 0 and room.waiting_for() == [(1, "KOR")], "the quarter waits for every world"
        room.submit(second, 0, {}, "en")
        one, two = (t.world for t in room.tables)
        assert one.turn == two.turn == 1
        assert one.countries["KOR"].policy.foundry_subsidy == pytest.approx(0.5)
        assert two.countries["KOR"].policy.foundry_subsidy != pytest.approx(0.5)
        assert one.history[0]["date"] == two.history[0]["date"]
        for name in ("game.json", "game-2.json"):
            assert check(room.folder / name).diverged is None
        with pytest.raises(SetupError, match="--worlds 3"):
            Room.open(room.folder, worlds=3)
        again = Room.open(room.folder)
        try:
            assert len(again.tables) == 2 and again.seat_of(second)[0].index == 1
            assert digest(again.tables[1].world.history[-1]) == digest(two.history[-1])
        finally:
            again.close()
        room.move_seat("KOR", "USA", world=1, to_world=0)
        assert room.seat_of(second) == (room.tables[0], "USA")
        for _ in range(1, room.world.turns):
            room.end_quarter()
            go_on(room)
        board = room.results("en")
        assert board["worlds"] == 2 and len(board["rows"]) == 4
        rows = room.results_csv("en").splitlines()
        assert rows[0].startswith("world,country_code") and len(rows) == 5
        assert {r.split(",")[0] for r in rows[1:]} == {"1", "2"}
    finally:
        room.close()


def test_a_team_that_did_not_submit_keeps_its_programmes_or_has_its_ai_decide(tmp_path):
    """China's AI acts in the first quarter (Big Fund equity, capacity support): seated and
    silent, its team keeps the programmes in force; with `absent_ai`, its AI decides instead."""
    logged = {}
    for absent_ai in (False, True):
        room = Room.open(tmp_path / str(absent_ai), scenario=LESSON, teams=("KOR", "CHN"), seed=11)
        try:
            room.join(room.code, "CHN", "C", "en")
            room.set_switch("auto_advance", False)
            room.set_switch("absent_ai", absent_ai)
            room.end_quarter()
            logged[absent_ai] = [e["action"]["kind"] for e in room.world.governance.log
                                 if e["country"] == "CHN" and e["source"] == "controller"]
            resumed = Room.open(room.folder)
            assert resumed.absent_ai is absent_ai
            resumed.close()
        finally:
            room.close()
    assert logged[False] == [] and "equity" in logged[True]


def test_a_team_answers_an_event_addressed_to_it_before_it_happens(tmp_path):
    """Korea is asked whether to back Korean NPUs in a Middle East compute deal. Its standing
    answer is the choice its controller takes when the event fires in a quarter, logged as an
    event choice (so the save re-plays it); a wrong answer is refused and changes nothing."""
    room = Room.open(tmp_path / "room", scenario="baseline", teams=("KOR",), seed=7)
    try:
        token = room.join(room.code, "KOR", "A", "en")
        room.set_switch("auto_advance", False)
        events = {c["id"]: c for c in room.desk(room.tables[0], "KOR", "en")["choices"]}
        assert "middle_east_compute_deal" in events and events["middle_east_compute_deal"]["answer"] is None
        refused(lambda: room.submit(token, 0, {}, "en", {"middle_east_compute_deal": 7}), 422, "answer")
        refused(lambda: room.submit(token, 0, {}, "en", {"no_such_event": 0}), 422, "answer")
        assert room.tables[0].answers == {} and room.tables[0].submissions == {}
        room.submit(token, 0, {}, "en", {"middle_east_compute_deal": 0})
        assert room.desk(room.tables[0], "KOR", "ko")["choices"][0]["answer"] == 0
        assert Room.open(room.folder).tables[0].answers == {"KOR": {"middle_east_compute_deal": 0}}
        for turn in range(room.world.turns):
            if "middle_east_compute_deal" in room.world.governance.fired:
                break
            if turn:
                room.submit(token, turn, {}, "en")  # answers not sent: the standing one holds
            room.end_quarter()
        choice = [e for e in room.world.governance.log if e["source"] == "choice"
                  and e.get("event") == "middle_east_compute_deal"]
        assert choice and choice[0]["choice"] == 0 and choice[0]["country"] == "KOR"
        assert "middle_east_compute_deal" not in {c["id"] for c in room.desk(room.tables[0], "KOR", "en")["choices"]}
        assert check(room.folder / GAME_FILE).diverged is None
    finally:
        room.close()


def test_what_each_teams_own_decisions_made(room):
    """The what-if of a team re-plays every other team's logged Actions: re-playing every team so
    gives the game itself, turn for turn; a team that never acted made no difference of its own."""
    from game.difficulty import Difficulty
    from game.model import World
    from game.scenario import load_scenario
    from game.web.room import LoggedTeam

    korea = room.join(room.code, "KOR", "A", "en")
    room.join(room.code, "USA", "B", "en")  # seated, never submits: its programmes run on
    room.set_switch("auto_advance", False)
    room.submit(korea, 0, {"foundry_subsidy": 50, "chip_incentive": 20}, "en")
    room.trigger(room.events("en")[0]["id"], "en")
    for _ in range(room.world.turns):
        room.end_quarter()
        go_on(room)
    log = room.world.governance.log
    again = World(load_scenario(LESSON), seed=11, controllers={c: LoggedTeam(c, log) for c in room.teams},
                  tables=False, difficulty=Difficulty("normal", room.teams))
    try:
        for turn in range(1, room.world.turns + 1):
            for entry in log:
                if entry["source"] == "teacher" and entry["turn"] == turn - 1:
                    again.governance.trigger(entry["event"])
            again.step()
            assert digest(again.history[-1]) == digest(room.world.history[turn - 1]), turn
    finally:
        again.close()
    rows = {r["code"]: r for r in room.results("en")["rows"]}
    assert rows["USA"]["own"] == 0.0
    assert rows["KOR"]["own"] != 0.0, "a 50% priming-water subsidy and a 20% chip incentive cost budget at least"
    assert "own_decisions" in room.results_csv("en").splitlines()[0]
