"""Helpers shared by the benchmark scripts: statistics, memory readings and phase timers.

Phase timers patch attributes for the duration of a `with timer.patched(...)` block and put
the originals back afterwards; nothing in game/ is edited. `World` methods are patched on the
class (so deep copies of a world, which `World.preview` makes, call the timed methods of their
own copy), and the phases that are module functions (`game.upstream.clear_upstream_markets`,
`game.upstream.produce`, `game.accelerators.clear`) and the helpers inside them are patched as
module attributes: the model calls them as `upstream.produce(...)` and the modules call their
helpers by global name, so the patched attribute is what runs. A name the model no longer has
is skipped (listed in `timer.missing`), so the scripts survive renames.

Every timed call also knows which timed call it ran inside, so each part's own time (its time
less the timed parts called from it) comes out without a hand-written call tree.
"""

from __future__ import annotations

import contextlib
import functools
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import mesa  # noqa: E402

import game.accelerators  # noqa: E402
import game.governance  # noqa: E402
import game.indicators  # noqa: E402
import game.market  # noqa: E402
import game.model  # noqa: E402
import game.score  # noqa: E402
import game.upstream  # noqa: E402

# One patch target: (owner, attribute, label). The owner is a class (patched on the class) or a
# module (patched as a module attribute).
Target = tuple[object, str, str]


def _targets(owner: object, names: Iterable[str], prefix: str = "") -> tuple[Target, ...]:
    return tuple((owner, name, f"{prefix}{name}") for name in names)


World = game.model.World

# The turn, in order (World.step, then World.finish_turn; README "The turn"). `step` itself is
# timed as well, so that its own time is what falls outside every phase.
STEP: Target = (World, "step", "step")
PHASES: tuple[Target, ...] = (
    (World, "begin_turn", "begin_turn"),
    (World, "fire_events", "fire_events"),                                              # 1
    (World, "apply_policies", "apply_policies"),                                        # 2
    (World, "fund_the_quarter", "fund_the_quarter"),                                    # 2
    (World, "firms_decide", "firms_decide"),                                            # 3
    (game.upstream, "clear_upstream_markets", "upstream.clear_upstream_markets"),       # 4
    (game.upstream, "produce", "upstream.produce"),                                     # 5
    (game.accelerators, "clear", "accelerators.clear"),                                 # 6
    (World, "turn_compute_into_value", "turn_compute_into_value"),                      # 7
    (World, "settle_money_and_learning", "settle_money_and_learning"),                  # 8
    (World, "record", "record"),                                                        # 9
)
PHASE_LABELS = tuple(label for _, _, label in PHASES)

# Helpers called inside the phases. Where each one is called from is observed, not declared.
HELPERS: tuple[Target, ...] = (
    # 1-2: events and policy (controllers decide inside Governance.decide_all)
    *_targets(game.governance.Governance, ("fire_events", "enact_due", "decide_all", "observe", "submit"),
              "Governance."),
    *_targets(World, ("launch", "foundry_choice", "die_subsidy", "pay_programmes", "procurement_override",
                      "repick_other_foundry_customers", "_llm_shares", "_pay_service_incentive", "record_state",
                      "note")),
    # 4-5: upstream markets and production
    *_targets(game.upstream, ("_clear_wafers", "_clear_by_choice", "_book", "_pay_die_subsidy",
                              "_buy_components"), "upstream."),
    # 6: the accelerator market
    *_targets(game.accelerators, ("chip_terms", "chip_incentive", "chip_utility", "diplomacy", "purchase_rows",
                                  "_ration", "_attribute", "_pay_incentives", "_install", "_update_ecosystems",
                                  "unit_cost"), "accelerators."),
    # 9: the turn's record, and its indicators, scores and snapshot when they are read
    # (game.indicators.TurnRecord calls these through game.indicators' globals, so patched there)
    (game.indicators.TurnRecord, "__init__", "indicators.TurnRecord"),
    *_targets(game.indicators, ("all_country_indicators", "market_shares", "prices", "bottlenecks", "flatten"),
              "indicators."),
    (game.score, "indices", "score.indices"),
    (mesa.DataCollector, "collect", "DataCollector.collect"),
)

# The numpy market maths of game.market, timed in every phase that calls it.
MARKET_FUNCTIONS = ("logit_shares", "group_logit", "cap_shares", "allocate", "clear_with_spill",
                    "adjust_price", "leontief")
MARKET: tuple[Target, ...] = _targets(game.market, MARKET_FUNCTIONS, "market.")

EVERYTHING: tuple[Target, ...] = (STEP, *PHASES, *HELPERS, *MARKET)


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
    """Wall time per patched function: inclusive (`seconds`), own (`own`: less the timed calls
    made from it) and `calls`, per label and per call path (`paths[("step", "record",
    "DataCollector.collect")] = [inclusive, own, calls]`: the chain of timed calls it ran in)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.own: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.paths: dict[tuple[str, ...], list] = {}
        self.missing: set[str] = set()
        self._labels: list[str] = []  # the timed calls running now, outermost first
        self._inner: list[float] = []  # seconds each of them has spent in timed calls of its own

    def _wrap(self, label: str, function: Callable) -> Callable:
        labels, inner = self._labels, self._inner

        @functools.wraps(function)
        def timed(*args, **kwargs):
            labels.append(label)
            inner.append(0.0)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                path = tuple(labels)
                labels.pop()
                own = elapsed - inner.pop()
                if inner:
                    inner[-1] += elapsed
                self.seconds[label] += elapsed
                self.own[label] += own
                self.calls[label] += 1
                entry = self.paths.setdefault(path, [0.0, 0.0, 0])
                entry[0] += elapsed
                entry[1] += own
                entry[2] += 1

        return timed

    @contextlib.contextmanager
    def patched(self, targets: Iterable[Target] = EVERYTHING) -> Iterator[PhaseTimer]:
        """Time the targets inside the block; the original attributes are restored on exit.

        Build the World inside the block too: Mesa 3.3's `Model.__init__` binds `self.step` on
        the instance, so a world made before the patch keeps calling the untimed `step`."""
        undo: list[tuple[object, str, object]] = []
        try:
            for owner, name, label in targets:
                # On a class only what it defines itself (so restoring does not shadow a base).
                original = vars(owner).get(name) if isinstance(owner, type) else getattr(owner, name, None)
                if not callable(original):
                    self.missing.add(label)
                    continue
                undo.append((owner, name, original))
                setattr(owner, name, self._wrap(label, original))
            yield self
        finally:
            for owner, name, original in reversed(undo):
                setattr(owner, name, original)

    def inside(self, parent: str, label: str) -> float:
        """Seconds `label` spent when called directly from `parent` (any path)."""
        return sum(v[0] for path, v in self.paths.items() if path[-2:] == (parent, label))

def revision() -> str:
    """The commit measured, with a note when tracked files of game/, agents/ or assets/ differ
    from it."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "game", "agents", "assets")
    return f"commit {commit}" + (" + uncommitted changes in game/, agents/ or assets/" if dirty else "")


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


def open_ui_window(window: bool = False, size: tuple[int, int] | None = None):
    """The desktop game's window for a UI benchmark: SDL's dummy video driver unless `window` (the
    real display, e.g. under xvfb-run), no audio, pygame initialised; `size` defaults to the game's.
    Returns the screen surface (pygame is imported here, after the drivers are chosen)."""
    if not window:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    import pygame

    from game.ui.app import SIZE

    pygame.init()
    return pygame.display.set_mode(size or SIZE)
