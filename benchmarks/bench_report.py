"""How long `main.py report SAVE --out FILE.html` takes for a 20-turn game, and where the time goes.

    python benchmarks/bench_report.py [--runs 5] [--lang both]

Prints figures; asserts nothing. A 20-turn baseline game with Korea played by team_korea is
saved once; then, `--runs` times in this process (imports and matplotlib's font registration
paid once, before the first run, and reported separately):

- the whole command's work (`report_from_save`: re-play and check the save, play the what-if,
  draw the charts, cut the font, write the file), median/min/max;
- its parts, timed by wrapping the module functions the report calls: `load_game` (re-play and
  check), `what_if_world` (the laissez_faire game), each chart function, the font subsets;
- the file's size and what it is made of (PNG and font bytes as base64).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

started = time.perf_counter()
import game.fontfiles as fontfiles  # noqa: E402
import game.report.charts as charts  # noqa: E402
import game.report.debrief as debrief  # noqa: E402
import game.report.page  # noqa: E402, F401  (imported here so the first run does not pay for it)
import game.saves as saves  # noqa: E402
from agents.controllers import make_controller  # noqa: E402
from game.model import World  # noqa: E402
from game.scenario import load_scenario  # noqa: E402

IMPORTS = time.perf_counter() - started

PARTS = ((saves, "load_game"), (debrief, "what_if_world"), (charts, "index_chart"), (charts, "panels_chart"),
         (fontfiles, "subset_data_uri"))


def timed(times: dict[str, list[float]]):
    """Wrap each part so every call adds its seconds to `times[name]`; returns the originals."""
    originals = {}
    for module, name in PARTS:
        original = getattr(module, name)
        originals[(module, name)] = original

        def wrapper(*args, _original=original, _name=name, **kwargs):
            t = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                times[_name].append(time.perf_counter() - t)

        setattr(module, name, wrapper)
    return originals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lang", choices=debrief.LANG_CHOICES, default="both")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench_report_"))
    world = World(load_scenario("baseline"), seed=7, controllers={"KOR": make_controller("KOR", "team_korea")})
    for _ in range(world.turns):
        world.step()
    save = saves.write_save(folder / "game.json", saves.document(world, "baseline"))
    out = folder / "report.html"

    t = time.perf_counter()
    charts.font_family()
    fonts = time.perf_counter() - t

    totals: list[float] = []
    parts: dict[str, list[float]] = defaultdict(list)
    originals = timed(parts)
    try:
        for _ in range(args.runs):
            t = time.perf_counter()
            debrief.report_from_save(save, out, args.lang)
            totals.append(time.perf_counter() - t)
    finally:
        for (module, name), original in originals.items():
            setattr(module, name, original)

    html = out.read_text(encoding="utf-8")
    pngs = sum(len(m) for m in re.findall(r"data:image/png;base64,[A-Za-z0-9+/=]+", html))
    woffs = sum(len(m) for m in re.findall(r"data:font/woff;base64,[A-Za-z0-9+/=]+", html))
    size = len(html.encode("utf-8"))

    print(f"Debrief report of a {world.turns}-turn baseline game (Korea: team_korea), --lang {args.lang}, "
          f"{args.runs} runs")
    print(f"  imports (game.report, matplotlib, fontTools)    {IMPORTS * 1000:8.0f} ms once")
    print(f"  register Noto Sans KR with matplotlib            {fonts * 1000:8.0f} ms once")
    print(f"  whole report (report_from_save)                  {statistics.median(totals) * 1000:8.0f} ms median "
          f"(min {min(totals) * 1000:.0f}, max {max(totals) * 1000:.0f})")
    for name, values in parts.items():
        per_run = sum(values) / args.runs
        print(f"    {name:<46} {per_run * 1000:8.0f} ms a run ({len(values) // args.runs} call(s))")
    print(f"  file: {size / 1024:,.0f} KiB = charts {pngs / 1024:,.0f} KiB + fonts {woffs / 1024:,.0f} KiB "
          f"(base64) + text {(size - pngs - woffs) / 1024:,.0f} KiB")


if __name__ == "__main__":
    main()
