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


def test_why_for_a_firms_share_and_a_price_from_a_desk(client, room):
    """A desk offers every market's firms and the prices; /api/why answers for a firm's share or a
    price with game/why.py's own answer (the desktop's Why?), in the reader's language, even with
    the scores hidden; hostile or confused requests are refused with a clear error and change nothing."""
    from game import why

    token = join(client, room, "KOR")
    play(client, room, 3)
    key = client.post("/api/teacher/login", json={"pin": room.pin}).json()["teacher"]
    assert client.post("/api/teacher/switch", json={"teacher": key, "name": "scores_hidden", "on": True}).is_success
    world = room.world
    desk = client.post("/api/desk", json={"token": token}, headers={"x-lang": "ko"}).json()
    assert [m["market"] for m in desk["markets"]] == ["foundry", "hbm", "packaging", "accelerator"]
    hbm = next(m for m in desk["markets"] if m["market"] == "hbm")
    assert hbm["label"] == "HBM 점유율"
    assert {f["name"] for f in hbm["firms"] if f["home"]} == {"SK하이닉스", "삼성전자"}, "Korea's own firms marked"
    assert [p["price"] for p in desk["prices"]] == ["wafer", "hbm", "accelerator"]
    assert desk["prices"][1]["label"] == "HBM 가격" and desk["prices"][1]["value"].endswith(" 달러/GB")
    wafer = desk["prices"][0]["value"]  # thousands of dollars in the model: in Korean units, no "14.69천 달러"
    assert "만" in wafer and wafer.endswith(" 달러/웨이퍼") and "천" not in wafer and "." not in wafer, wafer

    asked = [({"market": m["market"], "firm": f["firm"]}, f"share:{m['market']}:{f['firm']}")
             for m in desk["markets"] for f in m["firms"][:2]]
    asked += [({"price": p}, f"price:{p}") for p in why.PRICE_MARKET]
    moved = 0
    for what, core in asked:
        expected = why.explain(world, core)[:4]
        for lang in ("en", "ko"):
            r = client.post("/api/why", json={"token": token, **what}, headers={"x-lang": lang})
            assert r.status_code == 200, r.text
            w = r.json()
            assert w["label"] == why.label(world, core, lang)
            assert w["title"].startswith("Why?" if lang == "en" else "왜?")
            assert [t["date"] for t in w["turns"]] == [quarter(world, t["turn"], lang) for t in expected]
            assert [[c["text"] for c in t["causes"]] for t in w["turns"]] == \
                [[(c[lang]).rstrip().removesuffix(":").removeprefix(why.event_prefix(lang) if c["source"] == "event"
                                                                     else "") for c in t["causes"][:10]]
                 for t in expected], "the desktop's Why? answer, cause by cause"
            assert w["now"].startswith("Now: " if lang == "en" else "현재: ")
            moved += bool(w["turns"])
    assert moved, "three quarters moved some share or price"
    korean = client.post("/api/why", json={"token": token, "market": "hbm", "firm": "SK hynix"},
                         headers={"x-lang": "ko"}).json()
    assert korean["title"] == "왜? - SK하이닉스 - HBM 점유율" and korean["now"].endswith("%")
    assert any("SK하이닉스" in c["text"] and c["tag"] == "시장" for t in korean["turns"] for c in t["causes"]), \
        "an HBM qualification names the firm as its supplier: it moved the firm's share"
    price = client.post("/api/why", json={"token": token, "price": "wafer"}, headers={"x-lang": "en"}).json()
    assert price["title"] == "Why? - Wafer price" and price["now"].endswith("US$ k/wafer")
    korean = client.post("/api/why", json={"token": token, "price": "wafer"}, headers={"x-lang": "ko"}).json()
    assert korean["since"].endswith(" 달러") or korean["since"].endswith("±0"), korean["since"]
    assert korean["turns"] and all(t["before"] in ("-", "") or t["before"].endswith(" 달러") for t in korean["turns"])
    assert all(t["after"].endswith(" 달러") for t in korean["turns"]), \
        "a price in Korean is dollars in Korean units with its word everywhere, as the desktop's Why?"

    before = (room.version, (room.folder / "room.json").read_text(), list(world.governance.log))
    for body, status, says in (
            ({"market": "dram", "firm": "SK hynix"}, 404, ("no market dram", "없는 시장입니다: dram")),
            ({"market": "hbm", "firm": "TSMC"}, 404, ("TSMC does not sell in the HBM market",
                                                     "TSMC: HBM 시장에서 파는 회사가 아닙니다")),
            ({"market": "foundry", "firm": "Nobody Inc"}, 404, ("Nobody Inc does not sell", "Nobody Inc:")),
            ({"price": "gold"}, 404, ("no price gold", "없는 가격입니다: gold")),
            ({"price": "hbm", "component": "hbm_share"}, 422, ("one thing", "한 가지만")),
            ({"market": "hbm"}, 422, ("one thing", "한 가지만")),
            ({}, 422, ("one thing", "한 가지만")),
            ({"market": "hbm", "firm": "x" * 65}, 422, ("firm", "firm")),
            ({"market": "hbm", "firm": "<script>"}, 422, ("firm", "firm")),
            ({"market": "HBM", "firm": "SK hynix"}, 422, ("market", "market")),
            ({"price": "wafer", "team": "USA"}, 422, ("team", "team"))):
        for lang, text in zip(("en", "ko"), says, strict=True):
            r = client.post("/api/why", json={"token": token, **body}, headers={"x-lang": lang})
            assert r.status_code == status and text in r.json()["error"], (body, lang, r.text)
    assert client.post("/api/why", json={"token": "forged-token-123", "price": "hbm"}).status_code == 403
    big = client.post("/api/why", content=b'{"token": "' + b"a" * 20_000 + b'", "price": "hbm"}',
                      headers={"content-type": "application/json"})
    assert big.status_code == 413
    assert (room.version, (room.folder / "room.json").read_text(), list(world.governance.log)) == before


def quarter(world, turn: int, lang: str) -> str:
    from game.text import quarter_name

    return quarter_name(world.start + turn - 1, lang)
