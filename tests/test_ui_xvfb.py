"""The desktop game in a real X11 window, under Xvfb (a virtual X server): the x11 video driver,
not the dummy one the other UI tests use. `.ci/run` installs Debian's xvfb so CI always runs
this; elsewhere it is skipped with a message saying how to install it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def xvfb():
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed: apt-get install xvfb (Debian/Ubuntu) to run the real-window test")
    display = ":99"
    for number in range(99, 120):  # a display number nobody else (another test run) is using
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            display = f":{number}"
            break
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = Path(f"/tmp/.X11-unix/X{display[1:]}")
    deadline = time.monotonic() + 10
    while not socket.exists() and time.monotonic() < deadline and server.poll() is None:
        time.sleep(0.05)
    if not socket.exists():
        server.terminate()
        server.wait(timeout=5)
        pytest.fail(f"Xvfb {display} did not start")
    try:
        yield display
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()


def test_autoplay_in_a_real_x11_window_writes_a_non_blank_screenshot(xvfb, tmp_path):
    shot = tmp_path / "x.png"
    env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = xvfb
    env["SDL_AUDIODRIVER"] = "dummy"
    done = subprocess.run([sys.executable, "main.py", "play", "--autoplay", "2", "--screenshot", str(shot)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert shot.exists()
    assert "video driver: x11" in done.stdout, done.stdout
    check = subprocess.run(
        [sys.executable, "-c",
         "import sys, pygame; image = pygame.image.load(sys.argv[1]); print(image.get_size());"
         "print(len({image.get_at((x, y))[:3] for x in range(0, 1280, 16) for y in range(0, 800, 16)}))",
         str(shot)], env=env, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    size, colours = check.stdout.split("\n")[-3:-1]
    assert size == "(1280, 800)"
    assert int(colours) > 20, "the screenshot is not blank"


@pytest.fixture
def xvfb_1600():
    """An Xvfb screen of 1600x900 (a size the game has no preset for)."""
    if shutil.which("xvfb-run") is None:
        pytest.skip("Xvfb is not installed: apt-get install xvfb (Debian/Ubuntu) to run the real-window test")
    return ["xvfb-run", "-a", "-s", "-screen 0 1600x900x24 -nolisten tcp"]


FULL_SCREEN_CHECK = """
import os, sys
import pygame
from pathlib import Path
from game.ui.app import GameApp, open_window
from game.ui.session import Session
screen = open_window(window="fullscreen")
print("surface", screen.get_size(), "window", pygame.display.get_window_size())
app = GameApp(Session("baseline", 7, saves_dir=Path(sys.argv[1])), "en", screen)
app.frame()
target = app.desk.end_button.rect.center
pygame.mouse.set_pos(target)  # the X server moves its pointer; SDL reports the motion back
for _ in range(50):
    pygame.time.wait(20)
    app.frame()
    if app.pointer == target:
        break
print("pointer", app.pointer, "target", target, "hovered", app.desk.end_button.hovered)
app.close()
"""


def test_full_screen_uses_the_screens_pixels_and_the_mouse_lands_where_it_is_drawn(xvfb_1600, tmp_path):
    """Full screen at the X screen's own 1600x900 (no scaled 1280x800 picture): the surface is the
    window, so a pointer moved by the X server to the End Turn button's centre arrives at that
    position and hovers that button."""
    env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "WAYLAND_DISPLAY", "DISPLAY")}
    env["SDL_AUDIODRIVER"] = "dummy"
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([*xvfb_1600, sys.executable, "-c", FULL_SCREEN_CHECK, str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "surface (1600, 900) window (1600, 900)" in done.stdout, done.stdout
    line = next(row for row in done.stdout.splitlines() if row.startswith("pointer"))
    pointer, target = line.split(" target ")
    assert pointer.removeprefix("pointer ") == target.split(" hovered")[0], line
    assert line.endswith("hovered True"), line


def test_play_size_in_a_real_window_screenshots_that_size(xvfb_1600, tmp_path):
    shot = tmp_path / "x.png"
    env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "WAYLAND_DISPLAY", "DISPLAY")}
    env["SDL_AUDIODRIVER"] = "dummy"
    done = subprocess.run([*xvfb_1600, sys.executable, "main.py", "play", "--autoplay", "1", "--size", "1366x768",
                           "--screenshot", str(shot)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "video driver: x11" in done.stdout, done.stdout
    size = "import sys, pygame; print(pygame.image.load(sys.argv[1]).get_size())"
    check = subprocess.run([sys.executable, "-c", size, str(shot)], capture_output=True, text=True, timeout=60)
    assert check.stdout.strip().endswith("(1366, 768)"), check.stdout
