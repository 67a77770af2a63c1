"""`python main.py classroom`: open (or resume) the room, print where to go, run uvicorn.

Imported by the command line only inside `run_classroom`, so the other commands never load the
web stack; an ImportError here means the `classroom` extra is not installed.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import ssl
from pathlib import Path

import starlette  # noqa: F401  (the extra's presence is checked by importing this module)
import uvicorn

from game.web.app import create_app
from game.web.room import Room, SetupError


class ServeError(Exception):
    """The server cannot start as asked (a port in use, an address this machine does not have,
    a room folder made for another game); the message says what to change."""


def lan_address() -> str:
    """This machine's address on its network (what a student's device can reach), found by
    asking the system which interface would route outward; no packet is sent."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("10.255.255.255", 1))
        return probe.getsockname()[0]
    return "127.0.0.1"


def check_port(host: str, port: int) -> None:
    """Refuse, before anything is started, an address this machine cannot listen on."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise ServeError(f"--host {host}: not an address of this machine (try 127.0.0.1, or 0.0.0.0 for every "
                         "network it is on)") from None
    family, kind, proto, _, where = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(where)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(f"--port {port}: another program is already listening there; choose another "
                                 "port, e.g. --port 8001") from None
            raise ServeError(f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc})") from None


def check_tls(certfile: Path | None, keyfile: Path | None) -> None:
    """Refuse, before anything is started or written, a certificate and key uvicorn could not serve
    HTTPS with: one without the other, a missing or unreadable file, a file that is not PEM, a key
    that does not match the certificate, a key with a passphrase (the server would stop to ask)."""
    if certfile is None and keyfile is None:
        return
    if certfile is None or keyfile is None:
        raise ServeError("--certfile and --keyfile go together: give both, the certificate (PEM) and its "
                         "private key (PEM, without a passphrase)")
    for flag, path in (("--certfile", certfile), ("--keyfile", keyfile)):
        if not path.is_file():
            raise ServeError(f"{flag} {path}: no such file")
        try:
            path.open("rb").close()
        except OSError as exc:
            raise ServeError(f"{flag} {path}: cannot read it ({exc.strerror or exc})") from None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)

    def no_passphrase() -> bytes:
        raise ServeError(f"--keyfile {keyfile}: the key has a passphrase; give the key without one "
                         f"(e.g. openssl pkey -in {keyfile.name} -out key-plain.pem)")

    try:
        context.load_cert_chain(certfile, keyfile, password=no_passphrase)
    except ssl.SSLError as exc:
        reason = "the key does not belong to the certificate" if "KEY_VALUES_MISMATCH" in str(exc) \
            else f"not a PEM certificate and its private key ({exc.reason or exc})"
        raise ServeError(f"--certfile {certfile} --keyfile {keyfile}: {reason}") from None


def banner(room: Room, address: str, host: str) -> str:
    lines = [
        "Team Korea: AI Chip Conductor - classroom" + (" (resumed)" if room.resumed else ""),
        f"  students:   {address}",
        f"  teacher:    {address}teacher   PIN {room.pin}",
        f"  projector:  {address}screen",
        f"  room code:  {room.code}",
        f"  worlds:     {len(room.tables)} x {','.join(room.teams)} (seed {room.seed})",
        f"  quarter:    {room.deciding('en')} ({room.world.turn} of {room.world.turns} played)",
        f"  room folder: {room.folder} (start the same command again to resume this room)",
    ]
    if host in ("127.0.0.1", "localhost", "::1"):
        lines.append("  Only this machine can open these pages; for students' devices start with "
                     "--host 0.0.0.0 (or this machine's address on the classroom network).")
    try:
        import io

        import segno

        out = io.StringIO()
        segno.make(f"{address}?room={room.code}", error="m").terminal(out=out, compact=True)
        lines.append(out.getvalue())
    except ImportError:
        pass
    lines.append("Ctrl-C stops the server; the room is saved after every submission and every quarter.")
    return "\n".join(lines)


def serve(scenario: str | None, teams: tuple[str, ...] | None, host: str, port: int, seed: int | None,
          lang: str | None, room_dir: Path, worlds: int | None = None, certfile: Path | None = None,
          keyfile: Path | None = None) -> None:
    """Open (or resume) the room and serve it until Ctrl-C; with `certfile` and `keyfile` (the
    teacher's own certificate and key, PEM), over HTTPS (uvicorn's TLS: nothing is downloaded)."""
    if room_dir.exists() and not room_dir.is_dir():
        raise ServeError(f"--room-dir {room_dir}: exists and is not a folder")
    check_tls(certfile, keyfile)
    check_port(host, port)
    try:
        room = Room.open(room_dir, scenario=scenario, teams=teams, seed=seed, lang=lang, worlds=worlds)
    except SetupError as exc:
        raise ServeError(str(exc)) from None
    except OSError as exc:
        raise ServeError(f"--room-dir {room_dir}: cannot write there ({exc.strerror or exc})") from None
    shown = lan_address() if host in ("0.0.0.0", "::") else host
    scheme = "https" if certfile else "http"
    address = f"{scheme}://{shown}:{port}/" if ":" not in shown else f"{scheme}://[{shown}]:{port}/"
    try:
        app = create_app(room, address)
        print(banner(room, address, host), flush=True)
        tls = {"ssl_certfile": str(certfile), "ssl_keyfile": str(keyfile)} if certfile else {}
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, **tls)
        uvicorn.Server(config).run()
    finally:
        room.close()
