"""Helpers shared by the benchmark scripts: statistics, memory readings and phase timers.

Phase timers wrap a World's bound methods on the instance (an instance attribute shadows the
class's method, so `self.fire_events()` inside `World.step` calls the wrapper); nothing in
game/ is edited. A method the model no longer has is skipped, so the scripts survive renames.
"""

from __future__ import annotations

import functools
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The nine phases of World.step, in order (README, "The turn").
PHASES = ("fire_events", "apply_policies", "firms_decide", "clear_upstream_markets", "produce",
          "clear_accelerator_market", "turn_compute_into_value", "settle_money_and_learning", "record")

# Helpers called inside the phases, timed inclusively to find what inside a phase grows.
SUBSTEPS = ("foundry_choice", "repick_other_foundry_customers", "_clear_wafers", "_clear_by_choice",
            "_book_upstream", "buy_components", "chip_terms", "chip_utility", "_ration", "unit_cost",
            "_install", "_update_ecosystems", "_llm_shares", "attempt_qualifications")


# Which phase calls each helper (for the part of a phase spent in its own code).
PARENT = {"foundry_choice": "fire_events", "repick_other_foundry_customers": "firms_decide",
          "_clear_wafers": "clear_upstream_markets", "_clear_by_choice": "clear_upstream_markets",
          "buy_components": "produce", "chip_terms": "clear_accelerator_market",
          "chip_utility": "clear_accelerator_market", "_ration": "clear_accelerator_market",
          "unit_cost": "clear_accelerator_market", "_install": "clear_accelerator_market",
          "_update_ecosystems": "clear_accelerator_market", "_llm_shares": "turn_compute_into_value",
          "attempt_qualifications": "settle_money_and_learning"}

# The numpy market maths of game.market, timed across every phase that calls it.
MARKET_FUNCTIONS = ("logit_shares", "group_logit", "cap_shares", "allocate", "clear_with_spill",
                    "adjust_price", "leontief")


def summary(values: Iterable[float]) -> tuple[float, float, float]:
    """(median, min, max)."""
    data = list(values)
    return statistics.median(data), min(data), max(data)


def rss_bytes() -> int:
    """Resident set size of this process now (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


class PhaseTimer:
    """Accumulates wall time per wrapped method of one or more World instances."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.missing: set[str] = set()

    def _wrap(self, label: str, method: Callable) -> Callable:
        @functools.wraps(method)
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start
                self.calls[label] += 1

        return timed

    def attach(self, world, names: Iterable[str] = PHASES + SUBSTEPS) -> None:
        """Wrap the named methods of `world`, and its snapshot/DataCollector work in `record`."""
        for name in names:
            method = getattr(world, name, None)
            if callable(method):
                setattr(world, name, self._wrap(name, method))
            else:
                self.missing.add(name)
        collector = getattr(world, "datacollector", None)
        if collector is not None:
            collector.collect = self._wrap("datacollector.collect", collector.collect)

    def attach_module(self, module, names: Iterable[str]) -> Callable[[], None]:
        """Wrap module-level functions (e.g. game.model.snapshot); returns an undo function."""
        originals = {n: getattr(module, n) for n in names if callable(getattr(module, n, None))}
        for name, fn in originals.items():
            setattr(module, name, self._wrap(f"{module.__name__.rsplit('.', 1)[-1]}.{name}", fn))

        def undo() -> None:
            for name, fn in originals.items():
                setattr(module, name, fn)

        return undo


def revision() -> str:
    """The commit measured, with a note when game/ or agents/ differ from it."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    dirty = git("status", "--porcelain", "--", "game", "agents")
    return f"commit {commit}" + (" + uncommitted changes in game/ or agents/" if dirty else "")


def fmt_seconds(seconds: float) -> str:
    """A duration with a unit that keeps three significant figures readable."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table with right-aligned columns (first column left-aligned)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in pairs)

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])
