"""The classroom server's HTTP API and WebSocket (game/web/app.py) through Starlette's
TestClient: what pages do, and what hostile clients try. Every refusal has a clear message in
the asker's language and leaves the room as it was."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("starlette", reason="the classroom extra is not installed (pip install -e '.[classroom]')")
pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx (the test extra)")

from starlette.websockets import WebSocketDisconnect
from webtools import LESSON, api_client, lesson_room

from game.web.app import create_app
from game.web.room import ROOM_FILE, Room


@pytest.fixture
def room(tmp_path):
    with lesson_room(tmp_path / "room") as made:
        yield made


@pytest.fixture
def client(room):
    with api_client(create_app(room, "http://127.0.0.1:8000/")) as c:
        yield c


def joined(client, room, team="KOR", lang="en") -> str:
    r = client.post("/api/join", json={"room": room.code, "team": team, "name": "t", "lang": lang})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def teacher(client, room) -> str:
    r = client.post("/api/teacher/login", json={"pin": room.pin})
    assert r.status_code == 200
    return r.json()["teacher"]


def unchanged(room):
    """A snapshot of everything a request could change."""
    return ((room.folder / ROOM_FILE).read_text(), room.world.turn, dict(room.tables[0].submissions),
            {c: s and s.token for c, s in room.tables[0].seats.items()})


def test_the_pages_and_their_assets_are_served_by_the_game(client):
    for path in ("/", "/teacher", "/screen"):
        page = client.get(path)
        assert page.status_code == 200 and "<script" in page.text
        assert "http://" not in page.text.replace("http://www.w3.org", ""), "no asset from another server"
    for asset in ("/static/common.js", "/static/student.js", "/static/style.css"):
        assert client.get(asset).status_code == 200
    font = client.get("/font/regular.woff")
    assert font.status_code == 200 and font.content[:4] == b"wOFF"
    css = client.get("/static/style.css").text
    assert "@import" not in css and "https:" not in css
    assert client.get("/api/strings?lang=ko").json()["submit"] == "{date} 정책 제출"


def test_a_student_joins_submits_and_reads_the_desk(client, room):
    lobby = client.post("/api/lobby", json={"room": room.code}, headers={"x-lang": "en"}).json()
    assert [t["code"] for t in lobby["teams"]] == ["KOR", "USA", "CHN"] and all(t["free"] for t in lobby["teams"])
    token = joined(client, room)
    desk = client.post("/api/desk", json={"token": token}, headers={"x-lang": "ko"}).json()
    assert desk["team"] == "KOR" and desk["country"] == "한국" and desk["turn"] == 0
    preview = client.post("/api/preview", json={"token": token, "values": {"foundry_subsidy": 30}},
                          headers={"x-lang": "en"}).json()
    assert preview["changes"] == ["Foundry price-gap subsidy 30%"] and preview["refusal"] is None
    assert preview["over"] is False
    lavish = {"rd_grant:Rebellions": 100, "rd_grant:FuriosaAI": 100, "procurement.budget": 600}
    over = client.post("/api/preview", json={"token": token, "values": lavish}, headers={"x-lang": "ko"}).json()
    assert over["over"] is True and over["refusal"] and not over["left"].startswith("-")  # "예산 초과" and by how much
    r = client.post("/api/submit", json={"token": token, "turn": 0, "values": {"foundry_subsidy": 30}})
    assert r.status_code == 200 and r.json()["advanced"] is True  # the only seated team
    assert room.world.turn == 1
    assert client.post("/api/lobby", json={"room": room.code}).json()["teams"][0]["free"] is False


@pytest.mark.parametrize("body, status", [
    ("{not json", 422),
    ('{"token": "abcdefgh1234", "turn": 0, "values": {}, "extra": 1}', 422),
    ('{"token": "abcdefgh1234", "turn": "zero", "values": {}}', 422),
    ('{"token": "abc def ghi", "turn": 0, "values": {}}', 422),
    ('{"token": "abcdefgh1234", "turn": 0, "values": {"foundry_subsidy": [1, 2]}}', 422),
    ('{"token": "abcdefgh1234", "turn": 0, "values": {"foundry_subsidy": 1e300}}', 422),
    ('[]', 422),
    ('{"token": "' + "a" * 20_000 + '", "turn": 0, "values": {}}', 413),
])
def test_malformed_and_oversized_bodies_are_refused_and_change_nothing(client, room, body, status):
    joined(client, room)
    before = unchanged(room)
    r = client.post("/api/submit", content=body, headers={"content-type": "application/json", "x-lang": "en"})
    assert r.status_code == status
    assert r.json()["error"] and r.json()["code"] in ("malformed", "too_big")
    assert unchanged(room) == before


def test_too_many_levers_in_one_message_are_refused(client, room):
    token = joined(client, room)
    values = {f"lever{i}": 0 for i in range(65)}
    r = client.post("/api/submit", json={"token": token, "turn": 0, "values": values})
    assert r.status_code == 422 and r.json()["code"] == "malformed"


def test_forged_replayed_and_foreign_tokens_are_refused(client, room):
    korea = joined(client, room, "KOR")
    usa = joined(client, room, "USA")
    room.set_switch("auto_advance", False)
    before = unchanged(room)
    forged = client.post("/api/submit", json={"token": "A" * 32, "turn": 0, "values": {"foundry_subsidy": 30}},
                         headers={"x-lang": "ko"})
    assert forged.status_code == 403 and "방 코드로 다시" in forged.json()["error"]
    # the US team cannot set Korea's priming water: its token acts only for its own desk
    foreign = client.post("/api/submit", json={"token": usa, "turn": 0, "values": {"foundry_subsidy": 30}})
    assert foreign.status_code == 422 and foreign.json()["code"] == "values"
    assert unchanged(room) == before
    assert client.post("/api/submit", json={"token": korea, "turn": 0, "values": {"foundry_subsidy": 30}}).is_success
    client.post("/api/teacher/end_quarter", json={"teacher": teacher(client, room)})
    before = unchanged(room)
    replay = client.post("/api/submit", json={"token": korea, "turn": 0, "values": {"foundry_subsidy": 30}},
                         headers={"x-lang": "en"})
    assert replay.status_code == 409 and "That quarter is over" in replay.json()["error"]
    assert unchanged(room) == before


def test_a_wrong_room_code_admits_nobody_and_guessing_is_limited(room):
    with api_client(create_app(room, guess_limit=5)) as client:
        before = unchanged(room)
        for _ in range(5):
            r = client.post("/api/join", json={"room": "AAAAAA", "team": "KOR"}, headers={"x-lang": "en"})
            assert r.status_code == 403 and "Wrong room code" in r.json()["error"]
        r = client.post("/api/join", json={"room": room.code, "team": "KOR"})
        assert r.status_code == 429, "after five wrong guesses even the right code waits"
        assert unchanged(room) == before


def test_students_cannot_call_the_teachers_endpoints(client, room):
    token = joined(client, room)
    before = unchanged(room)
    for path, extra in (("/api/teacher/end_quarter", {}), ("/api/teacher/state", {}),
                        ("/api/teacher/switch", {"name": "paused", "on": True}),
                        ("/api/teacher/free", {"team": "KOR"}), ("/api/teacher/message", {"text": "hi"})):
        r = client.post(path, json={"teacher": token, **extra}, headers={"x-lang": "en"})
        assert r.status_code == 403 and "PIN" in r.json()["error"], path
    assert client.post("/api/teacher/login", json={"pin": "000000" if room.pin != "000000" else "111111"}
                       ).status_code == 403
    assert unchanged(room) == before


def test_the_teachers_dashboard(client, room):
    korea = joined(client, room, "KOR")
    joined(client, room, "USA")
    key = teacher(client, room)
    state = client.post("/api/teacher/state", json={"teacher": key}, headers={"x-lang": "en"}).json()
    assert [(t["code"], t["seated"], t["submitted"]) for t in state["teams"]] == [
        ("KOR", True, False), ("USA", True, False), ("CHN", False, False)]
    client.post("/api/submit", json={"token": korea, "turn": 0, "values": {"foundry_subsidy": 30}})
    state = client.post("/api/teacher/state", json={"teacher": key}, headers={"x-lang": "en"}).json()
    assert state["teams"][0]["submitted"] and state["teams"][0]["changes"] == ["Foundry price-gap subsidy 30%"]
    assert client.post("/api/teacher/message", json={"teacher": key, "text": "Two minutes left"}).is_success
    assert client.get("/api/screen").json()["message"] == "Two minutes left"
    assert client.post("/api/teacher/switch", json={"teacher": key, "name": "scores_hidden", "on": True}).is_success
    assert all(t["score"] is None for t in client.get("/api/screen").json()["teams"])
    assert client.post("/api/teacher/end_quarter", json={"teacher": key}).is_success
    assert room.world.turn == 1
    assert client.post("/api/teacher/free", json={"teacher": key, "team": "KOR"}).is_success
    assert client.post("/api/desk", json={"token": korea}).status_code == 403


def test_the_end_of_term_board_debrief_and_save(client, room):
    key = teacher(client, room)
    assert client.get("/api/results").status_code == 409
    assert client.get("/results/save.json").status_code == 409
    for _ in range(room.world.turns):
        assert client.post("/api/teacher/end_quarter", json={"teacher": key}).is_success
    r = client.post("/api/teacher/end_quarter", json={"teacher": key}, headers={"x-lang": "en"})
    assert r.status_code == 409 and "game is over" in r.json()["error"]
    board = client.get("/api/results?lang=en").json()
    assert {row["code"] for row in board["rows"]} == {"KOR", "USA", "CHN"}
    save = client.get("/results/save.json")
    assert save.status_code == 200 and json.loads(save.content)["log"]
    debrief = client.get("/results/debrief.html?lang=en")
    assert debrief.status_code == 200 and "<html" in debrief.text[:500].lower()
    assert (room.folder / "debrief-en-world1.html").exists()  # written once, then served
    assert client.get("/results/debrief.html?lang=en&world=2").status_code == 404
    usa = client.get("/results/debrief.html?lang=en&team=USA")  # a team's whole debrief, its own objective
    assert usa.status_code == 200 and "Lead in AI chips" in usa.text and usa.text != debrief.text
    assert (room.folder / "debrief-USA-en-world1.html").exists()
    assert client.get("/results/debrief.html?lang=en&team=XYZ").status_code == 404
    team = client.get("/results/team.html?lang=ko&team=USA")  # a team's one printed page, its own objective
    assert team.status_code == 200 and "모둠 요약" in team.text and "AI 칩 주도권" in team.text
    assert client.get("/results/team.html?lang=ko&team=XYZ").status_code == 404
    assert client.get("/results/team.html?lang=en&team=%3Cscript%3E").status_code == 404
    assert client.post("/api/teacher/rewind", json={"teacher": key, "turn": room.world.turns - 1}).is_success
    assert not list(room.folder.glob("debrief-*.html")), "a rewind drops the debrief of the term as it was"
    assert not list(room.folder.glob("team-*.html"))
    assert client.get("/results/debrief.html?lang=en").status_code == 409


def test_the_websocket_tells_pages_when_the_room_changes(client, room):
    token = joined(client, room)
    room.set_switch("auto_advance", False)
    with client.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"op": "hello", "role": "student", "token": token}))
        hello = ws.receive_json()
        assert hello["type"] == "hello"
        assert client.post("/api/submit", json={"token": token, "turn": 0, "values": {"foundry_subsidy": 30}}
                           ).is_success
        pushed = ws.receive_json()
        assert pushed["type"] == "changed" and pushed["version"] > hello["version"]
        ws.send_text(json.dumps({"op": "ping"}))
        assert ws.receive_json()["type"] == "pong"


@pytest.mark.parametrize("first", [
    json.dumps({"op": "hello", "role": "student", "token": "forged-token-123"}),
    json.dumps({"op": "hello", "role": "teacher", "token": "forged-token-123"}),
    json.dumps({"op": "submit", "values": {}}),
    "not json",
    json.dumps({"op": "hello", "role": "screen", "pad": "x" * 20_000}),
])
def test_the_websocket_refuses_forged_and_malformed_hellos(client, room, first):
    before = unchanged(room)
    with client.websocket_connect("/ws") as ws:
        ws.send_text(first)
        answer = ws.receive_json()
        assert answer["type"] == "error" and answer["error"]
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()
    assert unchanged(room) == before


def test_a_malformed_message_after_hello_closes_the_socket(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"op": "hello", "role": "screen"}))
        assert ws.receive_json()["type"] == "hello"
        ws.send_text(json.dumps({"op": "end_quarter"}))
        assert ws.receive_json()["type"] == "error"
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()


def test_the_timer_trigger_and_rewind_need_the_teacher_and_valid_values(client, room):
    token = joined(client, room)
    key = teacher(client, room)
    before = unchanged(room)
    for path, body in (("/api/teacher/timer", {"seconds": 60}), ("/api/teacher/rewind", {"turn": 0}),
                       ("/api/teacher/trigger", {"event": room.events("en")[0]["id"]})):
        assert client.post(path, json={"teacher": token, **body}).status_code == 403, path
    for body in ({"seconds": 5}, {"seconds": 10**6}, {"seconds": "soon"}):
        assert client.post("/api/teacher/timer", json={"teacher": key, **body}).status_code == 422, body
    assert client.post("/api/teacher/rewind", json={"teacher": key, "turn": 0}).status_code == 422  # nothing played
    assert unchanged(room) == before
    assert client.post("/api/teacher/timer", json={"teacher": key, "seconds": 120}).is_success
    desk = client.post("/api/desk", json={"token": token}).json()
    assert 115 <= desk["seconds_left"] <= 120
    assert 115 <= client.get("/api/screen").json()["seconds_left"] <= 120


def test_the_clock_plays_a_quarter_whose_time_is_up(room):
    import time

    with api_client(create_app(room)) as client:  # the app's lifespan runs the clock
        token = joined(client, room)
        room.set_switch("auto_advance", False)
        client.post("/api/submit", json={"token": token, "turn": 0, "values": {"foundry_subsidy": 30}})
        room.set_timer(10)
        room.deadline = time.time() + 0.2  # as if ten seconds had passed
        deadline = time.monotonic() + 5
        while room.world.turn == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert room.world.turn == 1


def test_a_teammate_sees_the_desk_but_cannot_submit(client, room):
    joined(client, room, "KOR")
    r = client.post("/api/join", json={"room": room.code, "team": "KOR", "teammate": True, "lang": "en"})
    mate = r.json()["token"]
    desk = client.post("/api/desk", json={"token": mate}).json()
    assert desk["team"] == "KOR" and desk["submits"] is False
    before = unchanged(room)
    r = client.post("/api/submit", json={"token": mate, "turn": 0, "values": {"foundry_subsidy": 30}},
                    headers={"x-lang": "en"})
    assert r.status_code == 403 and r.json()["code"] == "viewer"
    assert unchanged(room) == before


def test_several_worlds_over_http(tmp_path):
    room = Room.open(tmp_path / "room", scenario=LESSON, teams=("KOR", "USA"), seed=3, worlds=2)
    try:
        with api_client(create_app(room)) as client:
            lobby = client.post("/api/lobby", json={"room": room.code}).json()
            assert lobby["worlds"] == 2 and len(lobby["teams"]) == 4
            r = client.post("/api/join", json={"room": room.code, "team": "USA", "world": 1})
            desk = client.post("/api/desk", json={"token": r.json()["token"]}).json()
            assert (desk["world"], desk["worlds"], desk["team"]) == (1, 2, "USA")
            assert client.post("/api/join", json={"room": room.code, "team": "USA", "world": 8}).status_code == 422
            key = teacher(client, room)
            screen = client.get("/api/screen").json()
            assert screen["worlds"] == 2 and set(screen["no_action"]) == {"KOR", "USA"}
            for _ in range(room.world.turns):
                assert client.post("/api/teacher/end_quarter", json={"teacher": key}).is_success
            csv_file = client.get("/results/results.csv")
            assert csv_file.status_code == 200 and csv_file.content.startswith(b"\xef\xbb\xbfworld,")
            assert client.get("/results/save.json?world=2").status_code == 200
            for bad in ("3", "0", "x" * 50):
                assert client.get(f"/results/save.json?world={bad}").status_code == 404
    finally:
        room.close()


def test_a_room_that_cannot_be_saved_says_so(client, room, monkeypatch):
    token = joined(client, room)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("game.web.room.write_text_atomically", full_disk)
    r = client.post("/api/submit", json={"token": token, "turn": 0, "values": {"foundry_subsidy": 30}},
                    headers={"x-lang": "en"})
    assert r.status_code == 503 and "could not save the room" in r.json()["error"]
    assert room.tables[0].submissions == {}, "what could not be kept is not kept"


def test_teammates_asking_for_one_debrief_at_once_wait_for_one_render(client, room, monkeypatch):
    """Every student's results link asks for its team's debrief (a no-action game re-played):
    several asking together get the one file, rendered once."""
    import asyncio

    import httpx

    from game.report import debrief

    key = teacher(client, room)
    for _ in range(room.world.turns):
        assert client.post("/api/teacher/end_quarter", json={"teacher": key}).is_success
    renders = []

    def counted(world, scenario_name, out, lang="both", *args, **kwargs):
        renders.append(out)
        out.write_text("<html>debrief</html>", encoding="utf-8")
        return out

    monkeypatch.setattr(debrief, "write_report", counted)

    async def together():
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
            return await asyncio.gather(*[c.get("/results/debrief.html?lang=en&team=USA") for _ in range(4)])

    answers = asyncio.run(together())
    assert [a.status_code for a in answers] == [200] * 4 and all("debrief" in a.text for a in answers)
    assert len(renders) == 1


def test_a_desk_read_and_a_preview_are_json_when_the_costs_are_numpys(client, room, monkeypatch):
    """A cost projected from the model's numbers can be numpy's; every answer must still be JSON
    (the over-budget flag came out as numpy's bool and failed desk reads with a 500 under load)."""
    import numpy as np

    from game.governance import Governance

    projected = Governance.projected_cost
    monkeypatch.setattr(Governance, "projected_cost", lambda self, *a, **k: np.float64(projected(self, *a, **k)))
    token = joined(client, room)
    key = teacher(client, room)
    for _ in range(2):
        assert client.post("/api/teacher/end_quarter", json={"teacher": key}).is_success
    assert client.post("/api/desk", json={"token": token}).status_code == 200
    preview = client.post("/api/preview", json={"token": token, "values": {"foundry_subsidy": 30}})
    assert preview.status_code == 200 and isinstance(preview.json()["over"], bool)
