"""Desktop game frame times at 1280x800 (a script that prints, not a test; software rendering,
SDL's dummy driver unless a display is given with --window).

    python benchmarks/bench_ui.py [--frames N] [--window]

Prints the median and 95th-percentile time of a frame (events + update + draw) on the map while
idle (flows still, nothing hovered), while flows animate, on the charts screen (cached, and
redrawn from scratch), with the Why? panel open, the time from End Turn to the next drawn frame
(the quarter itself, the autosave, rebuilding the map and the desk; also with the charts open,
which plays the no-action baseline one more quarter), the whole no-action baseline game, and
the end-of-term screen (a frame that blits its cache, and one that draws it from scratch).
Targets from issue 5: under 8 ms idle, under 16 ms animating, under 200 ms per End Turn.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import open_ui_window


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--turns", type=int, default=12)
    parser.add_argument("--window", action="store_true", help="use the real display instead of the dummy driver")
    args = parser.parse_args()
    screen = open_ui_window(args.window)
    import pygame

    from game.ui.app import SIZE, GameApp
    from game.ui.session import Session

    with tempfile.TemporaryDirectory() as saves:
        app = GameApp(Session("baseline", 7, saves_dir=Path(saves)), "en", screen)
        app.choice_script = [0] * 100  # events with choices answered without the modal dialog waiting for a person
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
        app.toggle_charts()  # the charts screen: cached surface, redrawn only when the turn changes
        charts = frames(True)
        redraws = []
        for _ in range(20):  # a redraw from scratch (what a new turn or a language switch costs)
            app.charts.stamp = None
            start = time.perf_counter()
            app.frame(1 / 60)
            redraws.append((time.perf_counter() - start) * 1000)
        app.why.open("index")
        why = frames(True)
        app.why.close()
        app.toggle_charts()
        def end_turns() -> list[float]:
            """ms from End Turn to the next drawn frame, for up to --turns quarters."""
            times = []
            for _ in range(args.turns):
                if app.session.finished:
                    break
                start = time.perf_counter()
                app.end_turn()
                app.frame(1 / 60)
                pygame.display.flip()
                times.append((time.perf_counter() - start) * 1000)
            return times

        turns = end_turns()
        app.toggle_charts()  # End Turn with the charts open: the baseline plays one more quarter
        charts_turns = end_turns()
        from game.baseline_run import baseline_history

        baseline = []
        for _ in range(5):
            start = time.perf_counter()
            baseline_history(app.session.world.scenario, 7, app.session.world.turns)
            baseline.append((time.perf_counter() - start) * 1000)
        app.toggle_charts()
        while not app.session.finished:  # the end-of-term screen
            app.end_turn()
        app.rebuild()
        end = frames(True)
        end_redraws = []
        for _ in range(20):  # what a language switch, another team's tab or the teacher's switch costs
            app.end.stamp = None
            start = time.perf_counter()
            app.frame(1 / 60)
            end_redraws.append((time.perf_counter() - start) * 1000)

    def row(name, values, target):
        q95 = statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]
        print(f"{name:<36} median {statistics.median(values):7.2f} ms   p95 {q95:7.2f} ms   "
              f"(target < {target} ms, n={len(values)})")

    print(f"pygame {pygame.version.ver}, SDL driver {pygame.display.get_driver()}, {SIZE[0]}x{SIZE[1]}")
    row("map frame, idle", idle, 8)
    row("map frame, flows animating", moving, 16)
    row("charts screen frame", charts, 16)
    row("charts screen, redrawn from scratch", redraws, 16)
    row("Why? panel open (index)", why, 16)
    row("End Turn -> next frame", turns, 200)
    row("End Turn -> next frame, charts open", charts_turns, 200)
    row("no-action baseline, whole game", baseline, 200)
    row("end-of-term screen frame", end, 16)
    row("end-of-term screen, drawn from scratch", end_redraws, 16)
    pygame.quit()


if __name__ == "__main__":
    main()
