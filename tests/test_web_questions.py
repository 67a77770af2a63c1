"""Live event questions in the classroom (issue 18): the room pauses a world at an event that
asks a seated team, the team's desk shows the question, the team answers over the API and the
quarter goes on. A standing answer is taken without asking; the teacher's End Quarter and the
decision timer go on without an answer still awaited; bad answers change nothing."""

from __future__ import annotations

import time

import pytest

from game.actions import parse_action
from game.saves import check, world_state
from game.session import Session
from game.web.room import GAME_FILE, ROOM_FILE, Room, RoomError

EVENT = "middle_east_compute_deal"  # asks Korea: 0 backs Korean NPUs (equity), 1 stays out
TEAMS = ("KOR", "USA")


@pytest.fixture
def room(tmp_path):
    made = Room.open(tmp_path / "room", scenario="baseline", teams=TEAMS, seed=7, lang="en")
    yield made
    made.close()


def seated(room) -> dict[str, str]:
    return {code: room.join(room.code, code, code.lower(), "en") for code in TEAMS}


def asked(room, tokens, korea: dict | None = None) -> None:
    """The teacher has the event fire next quarter; both teams submit, so the quarter is played and
    stops at Korea's question."""
    room.trigger(EVENT, "en")
    room.submit(tokens["KOR"], 0, {"foundry_subsidy": 20}, "en", korea)
    room.submit(tokens["USA"], 0, {}, "en")


def refused(call, status: int, key: str) -> RoomError:
    with pytest.raises(RoomError) as caught:
        call()
    assert (caught.value.status, caught.value.key) == (status, key), caught.value.text("en")
    return caught.value


def choice_log(world) -> list[tuple]:
    return [(e["turn"], e["country"], e["event"], e["choice"]) for e in world.governance.log if e["source"] == "choice"]


def test_a_team_answers_a_live_question_and_the_quarter_goes_on(room):
    tokens = seated(room)
    asked(room, tokens)
    world = room.world
    assert room.playing and world.question.event == EVENT and room.turn == 0, "paused at the question"
    question = room.desk(room.tables[0], "KOR", "en")["question"]
    assert question["id"] == EVENT and question["title"] == "A Gulf mega-deal for AI compute"
    assert [o["label"] for o in question["options"]] == ["Back Korean NPUs with state financing", "Stay out"]
    assert question["options"][0]["does"] == ["State equity Rebellions 70.0B KRW", "State equity FuriosaAI 40.0B KRW"]
    assert question["options"][1]["does"] == ["No new measure"]
    assert question["options"][0]["stakes"].startswith("Costs 110.0B KRW now")
    assert question["budget"].startswith("Budget left this quarter")
    korean = room.desk(room.tables[0], "KOR", "ko")["question"]
    assert korean["title"] == "중동 초대형 AI 컴퓨팅 계약" and korean["options"][1]["label"] == "참여하지 않음"
    assert korean["options"][0]["stakes"].startswith("지금 비용 1,100억 원")
    usa = room.desk(room.tables[0], "USA", "en")
    assert usa["question"] is None and usa["playing"]
    assert usa["asking"] == [{"team": "KOR", "country": "Korea", "title": "A Gulf mega-deal for AI compute"}]
    assert room.teacher_view("en")["asking"] == [{"world": 0, **usa["asking"][0]}]
    assert room.screen_view("en")["asking"] == room.teacher_view("en")["asking"]
    assert room.desk(room.tables[0], "KOR", "en")["turn"] == 0, "the desk's quarter is the one being played"

    # what is refused while the quarter waits, and bad answers: each changes nothing
    before = ((room.folder / ROOM_FILE).read_text(), list(world.governance.log), world.question,
              {c: dict(a) for c, a in room.tables[0].answers.items()})
    refused(lambda: room.submit(tokens["KOR"], 0, {}, "en"), 409, "asking")
    refused(lambda: room.withdraw(tokens["USA"], 0), 409, "asking")
    refused(lambda: room.answer(tokens["USA"], EVENT, 0, "en"), 409, "no_question")
    refused(lambda: room.answer(tokens["KOR"], "us_asks_allies", 0, "en"), 422, "answer")
    refused(lambda: room.answer(tokens["KOR"], EVENT, 2, "en"), 422, "answer")
    refused(lambda: room.answer("not-a-seat-token", EVENT, 0, "en"), 403, "token")
    mate = room.join(room.code, "KOR", "mate", "en", teammate=True)
    refused(lambda: room.answer(mate, EVENT, 0, "en"), 403, "viewer")
    room.set_switch("paused", True)
    refused(lambda: room.answer(tokens["KOR"], EVENT, 0, "en"), 409, "paused")
    room.set_switch("paused", False)
    after = ((room.folder / ROOM_FILE).read_text(), list(world.governance.log), world.question,
             {c: dict(a) for c, a in room.tables[0].answers.items()})
    assert after[1:] == before[1:]

    out = room.answer(tokens["KOR"], EVENT, 0, "en")
    assert out["advanced"] and not room.playing and room.world.turn == 1 and room.turn == 1
    assert choice_log(room.world) == [(1, "KOR", EVENT, 0)]
    assert room.world.countries["KOR"].policy.foundry_subsidy == pytest.approx(0.2)
    assert room.tables[0].answers == {"KOR": {EVENT: 0}}, "kept as the team's answer to that event"
    assert check(room.folder / GAME_FILE).diverged is None, "the save re-plays the live answer"

    # the same game played at a desktop session with the answer given at once: the same world
    desktop = Session("baseline", seed=7, humans=TEAMS, autosave=False)
    try:
        desktop.trigger(EVENT)
        desktop.players["KOR"].script = {EVENT: 0}
        log = room.world.governance.log
        desktop.end_turn({c: [parse_action(e["action"]) for e in log if e["country"] == c
                              and e["source"] == "controller" and e.get("action")] for c in TEAMS})
        assert desktop.world.governance.log == log
        assert world_state(desktop.world) == world_state(room.world)
    finally:
        desktop.close()


def test_a_standing_answer_is_taken_without_asking(room):
    tokens = seated(room)
    asked(room, tokens, korea={EVENT: 1})
    assert not room.playing and room.world.turn == 1
    assert choice_log(room.world) == [(1, "KOR", EVENT, 1)]


def test_the_teacher_goes_on_without_the_answer_and_the_least_change_is_taken(room):
    tokens = seated(room)
    asked(room, tokens)
    assert room.playing
    assert room.teacher_view("en")["playing"]
    room.end_quarter()  # the teacher goes on
    assert not room.playing and room.world.turn == 1
    assert choice_log(room.world) == [(1, "KOR", EVENT, 1)], "staying out commits nothing"
    assert check(room.folder / GAME_FILE).diverged is None


def test_the_decision_timer_does_not_wait_for_ever_for_an_answer(room):
    tokens = seated(room)
    room.set_timer(60)
    asked(room, tokens)
    assert room.playing and 59 <= room.seconds_left() <= 60, "the question has its own countdown"
    assert not room.tick(time.time() + 30)
    assert room.tick(room.deadline + 0.1), "time is up: the quarter goes on"
    assert not room.playing and room.world.turn == 1 and choice_log(room.world) == [(1, "KOR", EVENT, 1)]
    assert 59 <= room.seconds_left() <= 60, "and the next quarter's clock starts"


def test_a_restart_while_a_question_waits_plays_the_quarter_again_from_its_start(room):
    tokens = seated(room)
    asked(room, tokens)
    assert room.playing
    resumed = Room.open(room.folder)  # the server restarted: the saves hold the quarter before it
    try:
        assert resumed.turn == 0 and set(resumed.tables[0].submissions) == set(TEAMS), "the submissions are kept"
        assert resumed.playing and resumed.world.question.event == EVENT, "played again and asked again at once"
        resumed.answer(tokens["KOR"], EVENT, 1, "en")
        assert resumed.world.turn == 1 and choice_log(resumed.world) == [(1, "KOR", EVENT, 1)]
    finally:
        resumed.close()


def test_an_event_the_teacher_triggers_while_a_question_waits_survives_a_restart(room):
    """Nothing is lost: the quarter's save comes only when it closes, so the room file keeps the
    event till then, and a restart triggers it again once the quarter is open again."""
    tokens = seated(room)
    asked(room, tokens)
    room.trigger("video_demand_surge", "en")
    teacher = [e for e in room.world.governance.log if e["source"] == "teacher"]
    assert [e["event"] for e in teacher] == [EVENT, "video_demand_surge"]
    resumed = Room.open(room.folder)  # the server stopped while the question waited
    try:
        assert [e for e in resumed.world.governance.log if e["source"] == "teacher"] == teacher
        resumed.answer(tokens["KOR"], EVENT, 1, "en")  # the quarter closes; the next one meets the event
        assert not resumed.playing and not resumed.triggered
        again = Room.open(room.folder)  # a second restart reads the quarter's save: once, not twice
        try:
            assert [e for e in again.world.governance.log if e["source"] == "teacher"] == teacher
        finally:
            again.close()
    finally:
        resumed.close()


def test_an_answer_over_http(tmp_path):
    pytest.importorskip("starlette", reason="the classroom extra is not installed")
    pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx (the test extra)")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from game.web.app import create_app

    room = Room.open(tmp_path / "room", scenario="baseline", teams=TEAMS, seed=7, lang="ko")
    try:
        with TestClient(create_app(room)) as client:
            tokens = seated(room)
            asked(room, tokens)
            desk = client.post("/api/desk", json={"token": tokens["KOR"]}, headers={"x-lang": "ko"}).json()
            assert desk["question"]["title"] == "중동 초대형 AI 컴퓨팅 계약"
            wrong = client.post("/api/answer", json={"token": tokens["KOR"], "event": EVENT, "choice": 5},
                                headers={"x-lang": "en"})
            assert wrong.status_code == 422 and "no choice 5" in wrong.json()["error"] and room.playing
            bad = client.post("/api/answer", json={"token": tokens["KOR"], "event": EVENT, "choice": -1})
            assert bad.status_code == 422 and room.playing
            other = client.post("/api/answer", json={"token": tokens["USA"], "event": EVENT, "choice": 0},
                                headers={"x-lang": "en"})
            assert other.status_code == 409 and other.json()["code"] == "no_question"
            key = client.post("/api/teacher/login", json={"pin": room.pin}).json()["teacher"]
            freed = client.post("/api/teacher/free", json={"teacher": key, "team": "USA"}, headers={"x-lang": "en"})
            assert freed.status_code == 200 and room.playing, "a seat is freed while the question waits"
            gone = client.post("/api/desk", json={"token": tokens["USA"]}, headers={"x-lang": "ko"})
            assert gone.status_code == 403 and "다시 들어오세요" in gone.json()["error"]
            with client.websocket_connect("/ws") as ws:
                ws.send_json({"op": "hello", "role": "screen"})
                assert ws.receive_json()["type"] == "hello"
                r = client.post("/api/answer", json={"token": tokens["KOR"], "event": EVENT, "choice": 0})
                assert r.status_code == 200 and r.json()["advanced"] is True
                assert ws.receive_json()["type"] == "changed", "every page is told the quarter went on"
            assert room.world.turn == 1 and not room.playing
    finally:
        room.close()


# ---------------------------------------------------------------- seats moved while a question waits

def korea_asked_with_japan_free(tmp_path) -> tuple[Room, dict[str, str]]:
    """Korea and the USA seated, Japan's seat free (its AI plays); the quarter paused at Korea's question."""
    room = Room.open(tmp_path / "room", scenario="baseline", teams=(*TEAMS, "JPN"), seed=7, lang="en")
    tokens = seated(room)
    asked(room, tokens)
    assert room.playing and room.world.question.chooser == "KOR"
    return room, tokens


def test_the_teacher_moves_a_seat_while_a_question_waits_and_the_new_holder_answers(tmp_path):
    room, tokens = korea_asked_with_japan_free(tmp_path)
    try:
        log = list(room.world.governance.log)
        refused(lambda: room.move_seat("KOR", "USA"), 409, "seat_taken")  # nothing changed by a refusal
        assert room.world.governance.log == log and room.seat_of(tokens["KOR"])[1] == "KOR"

        room.move_seat("KOR", "JPN")  # Korea's student to Japan's free seat, mid-question
        assert room.seat_of(tokens["KOR"])[1] == "JPN" and room.tables[0].seats["KOR"] is None
        moved = room.desk(*room.seat_of(tokens["KOR"]), "en")
        assert moved["team"] == "JPN" and moved["question"] is None, "Korea's question is not Japan's"
        refused(lambda: room.answer(tokens["KOR"], EVENT, 0, "en"), 409, "no_question")
        assert room.playing and room.world.question.event == EVENT, "the question still waits for Korea"
        assert "KOR" in room.tables[0].submissions, "Korea's programme is already in the quarter"
        assert room.teacher_view("en")["asking"][0]["team"] == "KOR"

        newcomer = room.join(room.code, "KOR", "new", "ko")
        question = room.desk(*room.seat_of(newcomer), "ko")["question"]
        assert question["id"] == EVENT and question["title"] == "중동 초대형 AI 컴퓨팅 계약"
        out = room.answer(newcomer, EVENT, 0, "en")
        assert out["advanced"] and room.world.turn == 1 and not room.playing
        assert choice_log(room.world) == [(1, "KOR", EVENT, 0)]
        assert room.world.countries["KOR"].policy.foundry_subsidy == pytest.approx(0.2)
        assert room.tables[0].submissions == {}
        assert check(room.folder / GAME_FILE).diverged is None
    finally:
        room.close()


def test_a_seat_freed_while_its_question_waits_survives_a_restart(tmp_path):
    room, tokens = korea_asked_with_japan_free(tmp_path)
    try:
        room.free_seat("KOR")
        refused(lambda: room.seat_of(tokens["KOR"]), 403, "token")
        refused(lambda: room.answer(tokens["KOR"], EVENT, 0, "en"), 403, "token")
        assert room.playing and room.world.question.chooser == "KOR", "the question waits for Korea's next student"
        room.move_seat("USA", "KOR")  # the teacher puts the US team at Korea's desk
        assert room.desk(*room.seat_of(tokens["USA"]), "en")["question"]["id"] == EVENT
    finally:
        room.close()

    resumed = Room.open(tmp_path / "room")  # the server restarted mid-question
    try:
        assert resumed.playing and resumed.world.question.chooser == "KOR", "the room is where it was"
        assert resumed.tables[0].seats["USA"] is None and resumed.seat_of(tokens["USA"])[1] == "KOR"
        refused(lambda: resumed.seat_of(tokens["KOR"]), 403, "token")
        assert resumed.desk(*resumed.seat_of(tokens["USA"]), "en")["question"]["id"] == EVENT
        resumed.answer(tokens["USA"], EVENT, 1, "en")
        assert resumed.world.turn == 1 and not resumed.playing
        assert choice_log(resumed.world) == [(1, "KOR", EVENT, 1)]
        log = resumed.world.governance.log
        korea = [e["action"] for e in log if e["country"] == "KOR" and e["source"] == "controller" and e.get("action")]
        assert korea and all(e["kind"] == "foundry_subsidy" for e in korea), "Korea's submission was played"
        assert not [e for e in log if e["country"] == "USA" and e["source"] == "controller" and e.get("action")]
        assert check(resumed.folder / GAME_FILE).diverged is None
    finally:
        resumed.close()
