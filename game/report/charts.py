"""The debrief report's charts as PNG bytes: matplotlib's Agg canvas (no pyplot state, no
window), Okabe-Ito colours with a line style and a marker per series as a second cue, and Noto
Sans KR so Hangul labels are never boxes. Imported only by the report, never by the model."""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Callable
from functools import cache

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager
from matplotlib.ticker import PercentFormatter

from game import fontfiles
from game.calendar import parse_quarter
from game.text import quarter_tick

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision type.
# The game is blue, solid, filled circles; the what-if vermillion, dashed, open squares: colour,
# line style and marker each tell them apart, so print in grey or any colour vision reads the same.
BLUE, VERMILLION = "#0072B2", "#D55E00"
PLAYED = {"color": BLUE, "linestyle": "-", "marker": "o"}
WHAT_IF = {"color": VERMILLION, "linestyle": "--", "marker": "s", "markerfacecolor": "white"}
DPI = 110
WIDTH = 7.6  # inches: the text width of an A4 page with 2 cm margins, so print needs no scaling

Label = Callable[[str], str]  # a strings key -> chart text in the report's language(s)


@cache
def font_family() -> str:
    """Register the shipped Noto Sans KR with matplotlib once; its family name for rcParams."""
    for path in (fontfiles.regular(), fontfiles.bold()):
        fontManager.addfont(str(path))
    return FontProperties(fname=str(fontfiles.regular())).get_name()


def _figure(panels: int = 1, height: float = 3.4, columns: int = 1, width: float | None = None) -> tuple[Figure, list]:
    figure = Figure(figsize=(width or WIDTH, height), dpi=DPI, layout="constrained")
    axes = list(figure.subplots((panels + columns - 1) // columns, columns, squeeze=False).flat)[:panels]
    for ax in axes:
        ax.grid(True, color="#DDDDDD", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
    return figure, list(axes)


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    FigureCanvasAgg(figure).print_png(out)
    return out.getvalue()


def quarter_ticks(dates: list[str], most: int, langs: tuple[str, ...]) -> tuple[list[int], list[str]]:
    """Which quarters get a label, and the labels, as the rest of the game writes a quarter on a
    chart (game.text.quarter_tick: "2025Q1", "25년 1분기"), one line per language of the report,
    English over Korean like every other chart text. Up to eight quarters (a lesson) every
    quarter is labelled, on two lines a language ("Q1\n2025", "25년\n1분기"), so eight fit a
    narrow panel (or the index chart beside its table) and no two labels read the same; a longer
    game gets at most `most` labels: every other quarter, or whole years."""
    quarters = [parse_quarter(d) for d in dates]

    def label(quarter: int, narrow: bool) -> str:
        return "\n".join(quarter_tick(quarter, lang, narrow) for lang in langs)

    if len(dates) <= 8:
        return list(range(len(dates))), [label(q, True) for q in quarters]
    step = math.ceil(len(dates) / most)
    if step > 2:
        step = 4 * math.ceil(step / 4)
    first = next((i for i, q in enumerate(quarters[:4]) if q % 4 == 0), 0) if step % 4 == 0 else 0
    ticks = list(range(first, len(dates), step))
    return ticks, [label(quarters[i], False) for i in ticks]


def _quarters(ax, dates: list[str], most: int, langs: tuple[str, ...]) -> None:
    """Quarter labels that do not run together (`quarter_ticks`)."""
    ticks, labels = quarter_ticks(dates, most, langs)
    ax.set_xticks(ticks, labels, fontsize=8)
    ax.set_xlim(-0.5, len(dates) - 0.5)


def percent_decimals(ticks: list[float]) -> int:
    """The decimals a percent axis needs so that no two of its tick labels read the same (ticks
    0.05 points apart need two: 0.10%, 0.15%, not 0.1%, 0.1%, 0.2%)."""
    steps = [b - a for a, b in itertools.pairwise(ticks) if b > a]
    if not steps:
        return 0
    step = min(steps) * 100  # in percentage points
    return max(0, math.ceil(-math.log10(step) - 1e-9)) if step < 1 else 0


def grade_window(low: float, high: float, grades: dict[str, float], pad: float) -> tuple[float, float]:
    """The index axis: the data with a margin, widened to the nearest grade threshold below and
    above the data (when there is one), so the grade lines the caption promises are on the chart."""
    bottom, top = max(low - pad, 0.0), min(high + pad, 100.0)
    below = [t for t in grades.values() if t <= low]
    above = [t for t in grades.values() if t >= high]
    if below:
        bottom = min(bottom, max(below) - 2.0)
    if above:
        top = max(top, min(above) + 2.0)
    return max(bottom, 0.0), min(top, 100.0)


def index_chart(dates: list[str], played: list[float], whatif: list[float], grades: dict[str, float],
                label: Label, langs: tuple[str, ...], width: float | None = None, height: float = 3.1) -> bytes:
    """The Team Korea index of the game and of the `laissez_faire` what-if, with the grade lines
    that fall inside the plotted range; quarters written in `langs`, the report's languages.
    `width` (inches) narrower than the page for a chart set beside its table (a lesson's handout)."""
    import matplotlib

    with matplotlib.rc_context({"font.family": font_family()}):
        figure, (ax,) = _figure(height=height, width=width)
        x = range(len(dates))
        ax.plot(x, played, label=label("debrief.run.played"), linewidth=2.2, markersize=4, **PLAYED)
        ax.plot(x, whatif, label=label("debrief.run.whatif"), linewidth=2.2, markersize=4, **WHAT_IF)
        low, high = min(*played, *whatif), max(*played, *whatif)
        bottom, top = grade_window(low, high, grades, max((high - low) * 0.15, 2.0))
        ax.set_ylim(bottom, top)
        for name, threshold in grades.items():
            if bottom < threshold < top:
                ax.axhline(threshold, color="#777777", linewidth=0.8, linestyle=":")
                ax.annotate(name, (1.0, threshold), xycoords=("axes fraction", "data"), xytext=(3, 0),
                            textcoords="offset points", va="center", fontsize=8, color="#555555")
        ax.set_ylabel(label("debrief.chart.index_axis"), fontsize=9)
        _quarters(ax, dates, 10, langs)
        figure.legend(loc="outside lower center", ncol=1, fontsize=8.5, frameon=False)
        return _png(figure)


def panels_chart(dates: list[str], panels: list[tuple[str, list[float], list[float]]], label: Label,
                 langs: tuple[str, ...], columns: int = 2, percent: bool = False) -> bytes:
    """Small multiples, one panel per quantity on its own scale (a 1% accelerator share and an
    80% HBM share cannot share an axis): the game solid blue, the what-if dashed vermillion;
    quarters written in `langs`, the report's languages."""
    import matplotlib

    with matplotlib.rc_context({"font.family": font_family()}):
        rows = (len(panels) + columns - 1) // columns
        figure, axes = _figure(panels=len(panels), height=0.4 + 2.5 * rows, columns=columns)
        x = range(len(dates))
        for ax, (name, played, whatif) in zip(axes, panels, strict=True):
            ax.plot(x, played, label=label("debrief.run.played"), linewidth=1.8, markersize=3, **PLAYED)
            ax.plot(x, whatif, label=label("debrief.run.whatif"), linewidth=1.8, markersize=3, **WHAT_IF)
            ax.set_title(name, fontsize=8.5, loc="left")
            ax.tick_params(labelsize=7.5)
            top = max(*played, *whatif) * 1.15 or 1.0
            ax.set_ylim(bottom=0, top=top)
            if percent:  # as many decimals as the ticks' spacing needs: no label twice
                ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=percent_decimals(list(ax.get_yticks()))))
            _quarters(ax, dates, 3 if columns > 2 else 5, langs)
            for tick in ax.get_xticklabels():
                tick.set_fontsize(6.5 if len(dates) <= 8 and columns > 2 else 7)
        figure.legend(handles=axes[0].get_lines(), loc="outside lower center", ncol=2, fontsize=8, frameon=False)
        return _png(figure)
