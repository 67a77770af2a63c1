"""The window while the debrief is exported from the end screen (a script that prints, not a test).

    python benchmarks/bench_export.py [--window]

Plays a 20-turn game, opens the end screen, presses Export, and keeps running frames (events,
update, draw, flip; a mouse move posted every frame so every frame is drawn) until the debrief is
written. Prints the export's wall time, the window's frame times during it (median, 95th
percentile, worst; a frame that waits on the export would show as a long one), and the same with
the export in a thread of the window's process (the fallback where fork is unsafe), then the
time the old synchronous export froze the window for (the same steps in the window's thread).
Issue 16's target: frames <= 16 ms throughout.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import open_ui_window

MODES = {"fork": "child process (default)", "thread": "thread (fallback)", "sync": "synchronous (before)"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--window", action="store_true", help="the real display (e.g. under xvfb-run)")
    parser.add_argument("--mode", choices=MODES, help="one way only, in this process (the default runs each "
                                                      "in a fresh process: matplotlib's first import counts)")
    args = parser.parse_args()
    if args.mode is None:
        for mode in MODES:
            extra = ["--window"] if args.window else []
            subprocess.run([sys.executable, __file__, "--mode", mode, *extra], check=True)
        return
    screen = open_ui_window(args.window)
    import pygame

    import game.ui.exporter as exporter
    from game.ui.app import GameApp
    from game.ui.session import Session

    with tempfile.TemporaryDirectory() as saves:
        session = Session("baseline", 7, ai="team_korea", saves_dir=Path(saves), autosave=False)
        while not session.finished:
            session.end_turn([])
        app = GameApp(session, "en", screen)
        for _ in range(30):
            app.frame()
        label = MODES[args.mode]
        if args.mode == "sync":  # the old way: every step in the window's thread, nothing drawn meanwhile
            started = time.perf_counter()
            exporter.build_debrief(session.world, session.scenario_name, Path(saves) / "sync.html", lambda step: None)
            print(f"{label:<26} the window froze {time.perf_counter() - started:5.2f} s")
        else:
            exporter.FORK_SAFE = args.mode == "fork"
            started = time.perf_counter()
            app.export_report()
            frames = []
            while app.exporting is not None:
                pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=(200, 200), rel=(1, 0),
                                                     buttons=(0, 0, 0)))
                t0 = time.perf_counter()
                app.frame(1 / 60)
                pygame.display.flip()
                frames.append((time.perf_counter() - t0) * 1000)
                time.sleep(max(0.0, 1 / 60 - (time.perf_counter() - t0)))
            took = time.perf_counter() - started
            worst_at = frames.index(max(frames))
            frames.sort()
            print(f"{label:<26} export {took:5.2f} s; {len(frames)} frames: "
                  f"median {statistics.median(frames):5.1f} ms, p95 {frames[int(0.95 * (len(frames) - 1))]:5.1f} ms, "
                  f"worst {frames[-1]:5.1f} ms (frame {worst_at + 1})")
        app.close()
    pygame.quit()


if __name__ == "__main__":
    main()
