"""A layout that scales (issue 16 item 7): the screens are laid out for the window's real size
(1024x600 to 4K) and text size, not stretched from a 1280x800 picture."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import subprocess
import sys
from pathlib import Path

import pygame
import pytest

from game.ui.layout import DEFAULT_SIZE, Layout

ROOT = Path(__file__).resolve().parent.parent
SIZES = [(1024, 600), (1280, 800), (1366, 768), (1600, 900), (1920, 1080), (2560, 1440), (3840, 2160)]


def test_1280x800_at_100_percent_is_the_old_layout():
    layout = Layout.of(DEFAULT_SIZE)
    assert layout.top == 40
    assert layout.map == pygame.Rect(0, 40, 880, 500)
    assert layout.chart == pygame.Rect(0, 540, 430, 260)
    assert layout.ticker == pygame.Rect(430, 540, 450, 260)
    assert layout.desk == pygame.Rect(880, 40, 400, 760)
    assert layout.end == pygame.Rect(60, 60, 1160, 720)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scale", [1.0, 1.15, 1.3, 1.5])
def test_the_panels_tile_the_window_at_every_size_and_text_size(size, scale):
    layout = Layout.of(size, scale)
    window = pygame.Rect((0, 0), size)
    parts = [layout.map, layout.chart, layout.ticker, layout.desk]
    for rect in [*parts, layout.end, layout.overlay(800, 700), layout.centred(700, 900)]:
        assert window.contains(rect), f"{rect} is outside the {size} window"
    for i, a in enumerate(parts):
        assert not any(a.colliderect(b) for b in parts[i + 1:]), "no two panels overlap"
    assert sum(r.width * r.height for r in parts) == size[0] * (size[1] - layout.top), "and nothing is left black"
    assert layout.desk.width >= 300 * min(scale, 1.2) and layout.map.height >= 250, "each keeps a usable size"
    if size[0] > 1280:
        assert layout.map.width > 880, "a bigger window shows a bigger map, not black borders"
    why = layout.overlay(800, 640)  # drawn under the desk's widgets, which stay in view
    assert not why.colliderect(layout.desk), f"Why? {why} runs under the desk {layout.desk}, drawn over it"
    assert window.contains(layout.overlay(800, 700, over_desk=True))  # the glossary, drawn over the desk


@pytest.mark.parametrize("size", ["1024x600", "1920x1080"])
def test_play_size_writes_a_screenshot_of_that_size(tmp_path, size):
    shot = tmp_path / "shot.png"
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", PYTHONPATH=str(ROOT))
    env.pop("DISPLAY", None)
    done = subprocess.run([sys.executable, "main.py", "play", "--autoplay", "1", "--size", size,
                           "--screenshot", str(shot)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    pygame.init()
    try:
        image = pygame.image.load(str(shot))
        assert image.get_size() == tuple(int(v) for v in size.split("x"))
        w, h = image.get_size()
        assert image.get_at((w - 3, h // 2))[:3] != (0, 0, 0), "the desk reaches the right edge (no border)"
    finally:
        pygame.quit()


@pytest.mark.parametrize("bad", ["800x600", "1024", "5000x3000", "wide"])
def test_a_window_size_outside_1024x600_to_4k_is_a_usage_error(bad):
    done = subprocess.run([sys.executable, "main.py", "play", "--size", bad, "--autoplay", "1"], cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--size" in done.stderr


def test_full_screen_is_drawn_at_the_screens_own_resolution():
    """No SCALED surface: the surface the game draws on is the window (so mouse positions are
    the picture's positions); headless it is the default window."""
    from game.ui.title import window_mode

    assert window_mode("fullscreen") == ((0, 0), pygame.FULLSCREEN)
    assert window_mode("1920x1080") == ((1920, 1080), 0)
    assert window_mode("1920x1200x") == (DEFAULT_SIZE, 0), "a broken setting falls back"
