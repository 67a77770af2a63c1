"""A real classroom server for tests: `python main.py classroom` in a subprocess on a free
port, its banner read for the room code and the teacher's PIN, stopped with SIGKILL (as a
power cut or a closed laptop would stop it)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, room_dir: Path, *flags: str, port: int | None = None) -> None:
        self.room_dir, self.flags = Path(room_dir), flags
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.banner = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 30) -> Server:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "classroom", "--port", str(self.port), "--room-dir",
             str(self.room_dir), *self.flags], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, encoding="utf-8")
        lines = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
        self.banner = "".join(lines)
        if "room code" not in self.banner:
            self.kill()
            raise RuntimeError(f"the classroom server did not start:\n{self.banner}")
        while time.monotonic() < deadline:  # the banner is printed just before uvicorn binds
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("the classroom server never listened")

    @property
    def code(self) -> str:
        return re.search(r"room code:\s+(\w+)", self.banner).group(1)

    @property
    def pin(self) -> str:
        return re.search(r"PIN (\d+)", self.banner).group(1)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        if self.process is not None and self.process.stdout:
            self.process.stdout.close()
        self.process = None


# ---------------------------------------------------------------- the app in this process (TestClient)

LESSON = "lesson_procurement_chain"  # the rooms the API tests open: 8 quarters, a centre to buy for


@contextlib.contextmanager
def lesson_room(folder: Path, **options):
    """A room on the lesson (Korea, the USA and China seated, seed 3, Korean by default), closed after."""
    from game.web.room import Room

    made = Room.open(folder, scenario=LESSON, **{"teams": ("KOR", "USA", "CHN"), "seed": 3, "lang": "ko", **options})
    try:
        yield made
    finally:
        made.close()


def api_client(app):
    """Starlette's TestClient for `app` (Starlette 1.x prefers httpx2 and warns about httpx; either works)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    return TestClient(app)
