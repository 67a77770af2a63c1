"""Desktop game frame times at 1280x800 (a script that prints, not a test; software rendering,
SDL's dummy driver unless a display is given with --window).

    python benchmarks/bench_ui.py [--frames N] [--window]

Prints the median and 95th-percentile time of a frame (events + update + draw) on the map while
idle (flows still, nothing hovered), while flows animate, and the time from End Turn to the next
drawn frame (the quarter itself, the autosave, rebuilding the map and the desk).
Targets from issue 5: under 8 ms idle, under 16 ms animating, under 200 ms per End Turn.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--turns", type=int, default=12)
    parser.add_argument("--window", action="store_true", help="use the real display instead of the dummy driver")
    args = parser.parse_args()
    if not args.window:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

    import pygame

    from game.ui.app import SIZE, GameApp
    from game.ui.session import Session

    pygame.init()
    screen = pygame.display.set_mode(SIZE)
    with tempfile.TemporaryDirectory() as saves:
        app = GameApp(Session("baseline", 7, saves_dir=Path(saves)), "en", screen)
        for _ in range(3):  # a few quarters so that flows and the chart have content
            app.end_turn()

        def frames(animate: bool) -> list[float]:
            app.animate = animate
            times = []
            for _ in range(args.frames):
                start = time.perf_counter()
                app.frame(1 / 60)
                pygame.display.flip()
                times.append((time.perf_counter() - start) * 1000)
            return times

        frames(True)  # warm the text caches
        idle = frames(False)
        moving = frames(True)
        turns = []
        for _ in range(args.turns):
            if app.session.finished:
                break
            start = time.perf_counter()
            app.end_turn()
            app.frame(1 / 60)
            pygame.display.flip()
            turns.append((time.perf_counter() - start) * 1000)

    def row(name, values, target):
        q95 = statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]
        print(f"{name:<34} median {statistics.median(values):7.2f} ms   p95 {q95:7.2f} ms   "
              f"(target < {target} ms, n={len(values)})")

    print(f"pygame {pygame.version.ver}, SDL driver {pygame.display.get_driver()}, {SIZE[0]}x{SIZE[1]}")
    row("map frame, idle", idle, 8)
    row("map frame, flows animating", moving, 16)
    row("End Turn -> next frame", turns, 200)
    pygame.quit()


if __name__ == "__main__":
    main()
