"""The projector's world map and the desks' Why? per component, through Starlette's TestClient:
the map's JSON is the desktop map's data (game/mapdata.py, the same flows, markers and walls),
in the reader's language, for the world asked; a team's Why? answers for its own objective's
components only, from the seat's token."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette", reason="the classroom extra is not installed (pip install -e '.[classroom]')")
pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx (the test extra)")

from webtools import LESSON, api_client, lesson_room

from game import mapdata
from game.web.app import create_app
from game.web.room import Room


@pytest.fixture
def room(tmp_path):
    with lesson_room(tmp_path / "room") as made:
        yield made


@pytest.fixture
def client(room):
    with api_client(create_app(room, "http://127.0.0.1:8000/")) as c:
        yield c


def play(client, room, quarters: int) -> None:
    key = client.post("/api/teacher/login", json={"pin": room.pin}).json()["teacher"]
    for _ in range(quarters):
        assert client.post("/api/teacher/end_quarter", json={"teacher": key}).is_success


def test_the_map_is_the_desktop_maps_data_in_the_readers_language(client, room):
    before = client.get("/api/map?lang=en").json()
    assert before["flows"] == [] and before["date"] == "", "nothing has moved before the first quarter"
    assert len(before["firms"]) == len(mapdata.firms_on_map(room.world))
    play(client, room, 2)
    m = client.get("/api/map?lang=en").json()
    world = room.world
    assert m["date"] == "2025Q2" and m["size"] == [880, 500] and (m["world"], m["worlds"]) == (0, 1)
    between = {(f["good"], f["source"], f["target"]) for f in m["flows"] if not f["domestic"]}
    top = {g: max((f.volume for f in mapdata.compute_flows(world) if f.good == g), default=0) for g in mapdata.GOODS}
    assert between == {(f.good, f.source, f.target) for f in mapdata.compute_flows(world)
                       if f.volume >= 0.01 * top[f.good]}, "the flows the desktop draws, no more, no fewer"
    assert {(f["good"], f["source"], f["target"]) for f in m["flows"] if f["domestic"]} == \
        {(g, s, t) for g, s, t, _ in mapdata.domestic_links(world)}
    assert all(1 <= f["width"] <= 9 for f in m["flows"])
    names = {c["code"]: c["name"] for c in m["countries"]}
    assert names["KOR"] == "Korea" and names["GCC"] == "Middle East"
    markers = {mk.name: mk for mk in mapdata.layout_markers(world, mapdata.load_geometry())}
    for firm in m["firms"]:  # where and how big the desktop draws each marker, at scale 1
        agent = next(a for a in mapdata.firms_on_map(world) if a.name == firm["name"])
        assert (firm["x"], firm["y"], firm["r"]) == (*markers[agent.name].pos, markers[agent.name].radius)
    assert any(b["destination"] == "CHN" for b in m["barriers"]), "the export controls on China are walls"
    assert all(b["lines"][0] == "Export control (wall)" for b in m["barriers"])
    ko = client.get("/api/map?lang=ko").json()
    assert {c["code"]: c["name"] for c in ko["countries"]}["KOR"] == "한국" and ko["date"] == "2025년 2분기"
    assert [g["label"] for g in ko["legend"]["goods"]][1] == "HBM 메모리"
    for bad in ("2", "0", "x", "9" * 30):
        r = client.get(f"/api/map?world={bad}&lang=en")
        assert r.status_code == 404 and "no world" in r.json()["error"]


def test_several_worlds_each_have_their_map(tmp_path):
    room = Room.open(tmp_path / "room", scenario=LESSON, teams=("KOR", "USA"), seed=3, worlds=2)
    try:
        with api_client(create_app(room)) as client:
            play(client, room, 1)
            second = client.get("/api/map?world=2").json()
            assert (second["world"], second["worlds"]) == (1, 2) and second["firms"]
            assert client.get("/api/map?world=3").status_code == 404
    finally:
        room.close()


def join(client, room, team: str) -> str:
    r = client.post("/api/join", json={"room": room.code, "team": team, "name": "t", "lang": "en"})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def test_why_answers_each_component_of_the_teams_own_objective(client, room):
    token = join(client, room, "USA")
    play(client, room, 4)
    desk = client.post("/api/desk", json={"token": token}, headers={"x-lang": "en"}).json()
    ids = [c["id"] for c in desk["components"]]
    assert "CHN.compute_share" in ids, "a component read from another country has its own id"
    moved = 0
    for component in desk["components"]:
        for lang in ("en", "ko"):
            r = client.post("/api/why", json={"token": token, "component": component["id"]}, headers={"x-lang": lang})
            assert r.status_code == 200, r.text
            w = r.json()
            assert w["component"] == component["id"] and w["title"].startswith("Why?" if lang == "en" else "왜?")
            assert w["now"] and len(w["turns"]) <= 4
            for turn in w["turns"]:
                assert turn["causes"] and all(c["source"] in ("action", "event", "mechanism") for c in turn["causes"])
                assert all(c["tag"] and c["text"] for c in turn["causes"])
            if lang == "en":
                assert w["label"] == component["label"]
                moved += bool(w["turns"])
    assert moved, "something in four quarters moved one of the US objective's components"
    r = client.post("/api/why", json={"token": token, "component": "foundry_share"}, headers={"x-lang": "en"})
    assert r.status_code == 404 and "no component foundry_share" in r.json()["error"]
    for body in ({"token": token, "component": "<b>x</b>"}, {"token": token, "component": "a" * 65},
                 {"token": token}, {"token": token, "component": "hbm_share", "team": "KOR"}):
        assert client.post("/api/why", json=body).status_code == 422
    assert client.post("/api/why", json={"token": "forged-token-123", "component": "hbm_share"}).status_code == 403


def test_a_teammate_reads_why_and_hidden_scores_hide_it(client, room):
    token = join(client, room, "KOR")
    mate = client.post("/api/join", json={"room": room.code, "team": "KOR", "teammate": True}).json()["token"]
    play(client, room, 1)
    component = client.post("/api/desk", json={"token": token}).json()["components"][0]["id"]
    assert client.post("/api/why", json={"token": mate, "component": component}).status_code == 200
    key = client.post("/api/teacher/login", json={"pin": room.pin}).json()["teacher"]
    assert client.post("/api/teacher/switch", json={"teacher": key, "name": "scores_hidden", "on": True}).is_success
    r = client.post("/api/why", json={"token": token, "component": component}, headers={"x-lang": "en"})
    assert r.status_code == 409 and "hidden" in r.json()["error"]
