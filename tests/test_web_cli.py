"""`python main.py classroom`: a real server starts and says where to go; a mistake in how it
is called, a port in use, a room folder made for another game or a missing extra is a clear
message and exit code 2, never a traceback."""

from __future__ import annotations

import json
import socket
import sys
import urllib.error
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


# ---------------------------------------------------------------- HTTPS with the teacher's own certificate

def pem_pair(folder, name: str, passphrase: str | None = None):
    """A self-signed certificate for 127.0.0.1 and its key (PEM), made by the system's openssl."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate to test HTTPS with")
    cert, key = folder / f"{name}-cert.pem", folder / f"{name}-key.pem"
    keyopts = ["-passout", f"pass:{passphrase}"] if passphrase else ["-nodes"]
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    *keyopts, "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def test_a_certificate_that_cannot_serve_https_is_named_and_nothing_starts(tmp_path):
    cert, key = pem_pair(tmp_path, "good")
    other_cert, _ = pem_pair(tmp_path, "other")
    _, locked = pem_pair(tmp_path, "locked", passphrase="secret")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    room = tmp_path / "room"
    for flags, says in (
            (["--certfile", str(cert)], "--certfile and --keyfile go together"),
            (["--keyfile", str(key)], "--certfile and --keyfile go together"),
            (["--certfile", str(tmp_path / "none.pem"), "--keyfile", str(key)], "none.pem: no such file"),
            (["--certfile", str(cert), "--keyfile", str(tmp_path)], f"--keyfile {tmp_path}: no such file"),
            (["--certfile", str(junk), "--keyfile", str(key)], "not a PEM certificate and its private key"),
            (["--certfile", str(other_cert), "--keyfile", str(key)], "the key does not belong to the certificate"),
            (["--certfile", str(cert), "--keyfile", str(locked)], "the key has a passphrase")):
        code, _, err = run("classroom", "--room-dir", str(room), *flags)
        assert code == 2 and says in err and "Traceback" not in err, (flags, err)
        assert not room.exists(), "nothing is written before the server can start"


def test_the_server_serves_https_with_the_teachers_certificate(tmp_path):
    import ssl

    cert, key = pem_pair(tmp_path, "class")
    server = Server(tmp_path / "room", "--teams", "KOR,USA", "--lang", "en", "--certfile", str(cert),
                    "--keyfile", str(key))
    try:
        server.start()
        url = f"https://127.0.0.1:{server.port}/"
        assert f"students:   {url}" in server.banner and f"{url}teacher" in server.banner
        trusted = ssl.create_default_context(cafile=str(cert))  # a device that trusts the teacher's certificate
        with urllib.request.urlopen(url + "api/screen", context=trusted, timeout=30) as answer:
            assert json.loads(answer.read())["code"] == server.code
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):  # one that does not: warned off
            urllib.request.urlopen(url + "api/screen", context=ssl.create_default_context(), timeout=30)
        with pytest.raises(OSError):  # plain HTTP is not spoken on that port
            urllib.request.urlopen(server.url + "api/screen", timeout=5).read()
        assert _tls_socket_hello(server.port, trusted) == "hello", "the pages' WebSocket works over TLS too"
    finally:
        server.kill()


def _tls_socket_hello(port: int, context, limit: float = 60.0) -> str:
    """The type of the first message a screen's WebSocket gets over TLS, from a thread given
    `limit` seconds. Why a thread: when a TLS handshake fails (on a loaded machine the 5 s it once
    had ran out), websockets' sync client joins its reader thread on a socket it has closed, which
    blocked a CI run until its own timeout (2026-12-07); a slow server now fails this test, not
    the suite. The handshake is given 30 s."""
    import threading

    from websockets.sync.client import connect

    seen: dict[str, object] = {}

    def talk() -> None:
        try:
            with connect(f"wss://127.0.0.1:{port}/ws", ssl=context, open_timeout=30) as ws:
                ws.send(json.dumps({"op": "hello", "role": "screen"}))
                seen["type"] = json.loads(ws.recv(timeout=30))["type"]
        except Exception as exc:  # reported by the test below, with its cause
            seen["error"] = exc

    thread = threading.Thread(target=talk, daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        pytest.fail(f"the TLS WebSocket did not answer within {limit:.0f} s")
    if "error" in seen:
        raise AssertionError(f"the TLS WebSocket failed: {seen['error']!r}")
    return str(seen["type"])
