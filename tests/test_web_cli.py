"""`python main.py classroom`: a real server starts and says where to go; a mistake in how it
is called, a port in use, a room folder made for another game or a missing extra is a clear
message and exit code 2, never a traceback."""

from __future__ import annotations

import json
import socket
import sys
import urllib.request

import pytest
from clitools import run_cli as run
from webtools import Server

pytest.importorskip("starlette", reason="the classroom extra is not installed (pip install -e '.[classroom]')")


@pytest.mark.parametrize("flags, says", [
    (["--port", "0"], "not a port number"),
    (["--port", "http"], "not a port number"),
    (["--lang", "fr"], "invalid choice"),
    (["--teams", ","], "name at least one country"),
    (["--teams", "KOR,XYZ"], "XYZ"),
    (["--scenario", "no_such_lesson"], "no_such_lesson"),
    (["--host", "no.such.host.invalid"], "not an address of this machine"),
    (["--seed", "-1"], "seed"),
    (["--worlds", "0"], "not a number of worlds"),
    (["--worlds", "9"], "not a number of worlds"),
])
def test_bad_flags_are_usage_errors(tmp_path, flags, says):
    code, _, err = run("classroom", "--room-dir", str(tmp_path / "room"), *flags)
    assert code == 2 and says in err and "Traceback" not in err, err


def test_a_room_folder_that_is_a_file_or_another_games_room(tmp_path):
    (tmp_path / "file").write_text("x")
    code, _, err = run("classroom", "--room-dir", str(tmp_path / "file"))
    assert code == 2 and "is not a folder" in err
    from game.web.room import Room

    Room.open(tmp_path / "room", scenario="lesson_procurement_chain", seed=5).close()
    code, _, err = run("classroom", "--room-dir", str(tmp_path / "room"), "--seed", "6")
    assert code == 2 and "--seed 6 (the room has 5)" in err


def test_a_port_in_use_is_named(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run("classroom", "--room-dir", str(tmp_path / "room"), "--port", str(port))
    assert code == 2 and f"--port {port}: another program is already listening" in err


def test_without_the_classroom_extra_the_command_names_the_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "game.web.serve", raising=False)
    code, _, err = run("classroom", "--room-dir", str(tmp_path / "room"))
    assert code == 2 and 'pip install -e ".[classroom]"' in err and "uvicorn" in err
    assert not (tmp_path / "room").exists()


def test_the_server_starts_prints_its_addresses_and_serves(tmp_path):
    server = Server(tmp_path / "room", "--scenario", "lesson_procurement_chain", "--teams", "KOR,USA", "--lang", "en")
    try:
        server.start()
        for line in (server.url, f"{server.url}teacher", f"{server.url}screen"):
            assert line in server.banner
        assert len(server.code) == 6 and len(server.pin) == 6
        with urllib.request.urlopen(server.url + "api/screen") as answer:
            screen = json.loads(answer.read())
        assert screen["code"] == server.code and [t["code"] for t in screen["teams"]] == ["KOR", "USA"]
        with urllib.request.urlopen(server.url) as page:
            assert b'<html lang="en">' in page.read()
    finally:
        server.kill()
