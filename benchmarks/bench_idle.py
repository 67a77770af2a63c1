"""CPU the desktop game burns while nobody touches it (a script that prints, not a test).

    python benchmarks/bench_idle.py [--seconds S] [--size WxH] [--window]
    xvfb-run -a -s "-screen 0 1920x1080x24" python benchmarks/bench_idle.py --window

For each screen (the map with its flows animating, the map with animation off, the charts
screen, the end-of-term screen, the Esc menu, an event's question the quarter is paused at) the
real main loop `GameApp.run()` runs with no input at all (a timer posts QUIT at the end); over S
seconds from 2 s after the screen was
opened (the loop draws every frame for 1.5 s after any input), the process's CPU time
(user + system, every thread; `time.process_time`) is divided by the wall time: the share of
one core the idle game takes. The forecast's worker process is idle too (nothing is staged), and
its CPU is not counted here. Issue 16's target: under 5% of a core on a static screen.
Also printed: how many times the display was flipped (a frame shown) per second.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import open_ui_window

SETTLE = 2.0  # seconds after the last input before the measurement starts (the loop draws every frame for 1.5 s)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--window", action="store_true", help="the real display (e.g. under xvfb-run), not dummy")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    screen = open_ui_window(args.window, size)
    import pygame

    from game.ui.app import GameApp
    from game.ui.session import Session

    flips = [0]
    real_flip = pygame.display.flip

    def counted_flip(*a):
        flips[0] += 1
        return real_flip(*a)

    pygame.display.flip = counted_flip
    print(f"video driver {pygame.display.get_driver()}, window {size[0]}x{size[1]}, {args.seconds:.0f} s a screen")
    with tempfile.TemporaryDirectory() as saves:
        app = GameApp(Session("baseline", 7, saves_dir=Path(saves)), "en", screen)
        app.choice_script = [0] * 100
        for _ in range(3):
            app.end_turn()
        for _ in range(30):  # the text caches warm, the forecast of the desk settles
            app.frame(1 / 60)
            time.sleep(0.02)

        def idle(name: str) -> None:
            """The loop runs SETTLE + S seconds and a little more; S seconds from SETTLE on are
            measured (a thread reads the process's CPU clock, which counts every thread, at both ends)."""
            pygame.event.clear()
            app.running = True
            pygame.time.set_timer(pygame.QUIT, int((SETTLE + args.seconds + 0.2) * 1000), loops=1)
            marks = []

            def mark() -> None:
                marks.append((time.process_time(), time.perf_counter(), flips[0]))

            timers = [threading.Timer(SETTLE, mark), threading.Timer(SETTLE + args.seconds, mark)]
            for timer in timers:  # the end is marked before the QUIT, whose handling is not idle
                timer.start()  # (at a question it answers and plays the rest of the quarter)
            app.run()
            for timer in timers:
                timer.join()
            (cpu0, wall0, f0), (cpu1, wall1, f1) = marks[0], marks[-1]
            cpu, wall = cpu1 - cpu0, wall1 - wall0
            print(f"{name:<28} {100 * cpu / wall:5.1f}% of a core   {(f1 - f0) / wall:5.1f} frames shown/s")

        idle("map, flows animating")
        import game.ui.app as gameapp

        resting, gameapp.ANIMATE_SECONDS = gameapp.ANIMATE_SECONDS, 1.0  # as 30 s after the last input
        idle("map, flows at rest")
        gameapp.ANIMATE_SECONDS = resting
        app.animate = False
        idle("map, animation off")
        app.animate = True
        app.toggle_charts()
        idle("charts screen")
        app.toggle_charts()
        app.open_menu()
        idle("Esc menu")
        app.close_menu()
        events = app.session.world.scenario.events  # the quarter paused at a question: its dialog
        i = next(i for i, e in enumerate(events) if e.choices and e.id not in app.session.world.governance.fired)
        events[i] = events[i].model_copy(update={"probability": 1.0, "conditions": [], "start": "2025Q1"})
        app.choice_script = []
        app.end_turn()
        app.frame(1 / 60)
        assert app.asking is not None
        idle("event question dialog")  # the QUIT that ends it answers with the first choice
        while not app.session.finished:
            app.end_turn()
        app.open_end_screen()
        idle("end-of-term screen")
        app.close()
    pygame.quit()


if __name__ == "__main__":
    main()
