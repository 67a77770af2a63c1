"""A lesson comparison (game/lesson_compare.py) in words and numbers, in English or Korean: each
key quantity's rows quarter by quarter, its summary row and its verdict (`blocks`), the terminal
table of `sim --compare`, and the debrief's answer key.

Kept apart from the measurement so that the lesson panel, `sim --compare` and the debrief share
one wording as well as one set of numbers: every front end lays out `blocks`, none formats a value
itself. Numbers follow game/text.py's rules: shares in percent (percentage points for a
difference, "%p" in Korean), counts in Korean units in Korean (7,560, 8만 5,170, never 7.56천),
money in 억 달러 in Korean.
"""

from __future__ import annotations

from dataclasses import dataclass

from game.calendar import parse_quarter
from game.lesson_compare import Comparison, QuantityTable, Value
from game.scenario import KeyQuantity
from game.text import display_width, korean_amount, korean_number, pad, quarter_name, tr


def _signed(text: str, value: float) -> str:
    return text if text.startswith("-") or value == 0 else "+" + text


def format_value(spec: KeyQuantity, value: Value, lang: str) -> str:
    """A value as the table writes it: shares in percent, counts in thousands in English and in
    Korean units in Korean (7,560 not 7.56천), money in US$ billions or 억 달러, a bottleneck by its
    short name (a table cell: "demand", not the map's "demand (inputs suffice)")."""
    if isinstance(value, str):
        return tr(f"lesson.binding.{value}", lang) if spec.unit == "binding" else value
    return _number(spec, value, lang)


def _number(spec: KeyQuantity, value: float, lang: str, signed: bool = False) -> str:
    d = spec.decimals
    if spec.unit == "percent":
        text = f"{value * 100:.{d}f}"
        text = "0" if float(text) == 0 else text
        return (_signed(text, float(text)) if signed else text) + ("%p" if signed and lang == "ko" else
                                                                    " pp" if signed else "%")
    if lang == "ko" and spec.unit in ("k_units", "k_h100e", "k_wafers"):
        text = korean_number(value * 1000)
    elif lang == "ko" and spec.unit == "usd_b":
        text = korean_amount(value * 1e9) if abs(value * 1e9) >= 1e4 else "0"
    else:
        text = f"{value:,.{d}f}"
        if float(text.replace(",", "")) == 0:
            text = "0"
    return _signed(text, value) if signed and text != "0" else text


def format_difference(spec: KeyQuantity, game: Value, other: Value, lang: str) -> str:
    """This game minus the counterfactual: "=" / "≠" for a bottleneck, a signed number otherwise
    (percentage points for a share)."""
    if isinstance(game, str) or isinstance(other, str):
        return "=" if game == other else "≠"
    return _number(spec, float(game) - float(other), lang, signed=True)


def unit_text(spec: KeyQuantity, lang: str) -> str:
    """The unit a quantity's numbers are in ("" when each value carries it: percent, bottleneck)."""
    return tr(f"lesson.unit.{spec.unit}", lang)


def label(spec: KeyQuantity, lang: str) -> str:
    """The quantity's label with its unit: "Nvidia's accelerators built (thousand units)"."""
    name = spec.label_ko if lang == "ko" else spec.label_en
    unit = unit_text(spec, lang)
    return f"{name} ({unit})" if unit else name


def summary_text(table: QuantityTable, lang: str) -> str:
    """What the summary row sums up: "total 2025Q2-2026Q1", "quarters with HBM", "last quarter"."""
    return spec_summary_text(table.spec, lang)


def spec_summary_text(spec: KeyQuantity, lang: str) -> str:
    """`summary_text` before any game is played (the prediction worksheet)."""
    window = ""
    if spec.window is not None:
        first, last = (quarter_name(parse_quarter(q), lang) for q in spec.window)
        window = f"{first}-{last}"
    key = f"lesson.summary.{spec.summary}" + ("_window" if window else "")
    value = format_value(spec, spec.equals, lang) if spec.equals is not None else ""
    return tr(key, lang).format(window=window, value=value)


def format_summary(table: QuantityTable, value: float, lang: str) -> str:
    if value != value:
        return "-"
    if table.spec.summary == "count":
        return tr("lesson.quarters_one" if value == 1 else "lesson.quarters", lang).format(n=int(value))
    return _number(table.spec, value, lang)


def summary_difference(table: QuantityTable, lang: str) -> str:
    game, other = table.summaries
    if game != game or other != other:
        return "-"
    if table.spec.summary == "count":
        return f"{int(game - other):+d}" if game != other else "0"
    return _number(table.spec, game - other, lang, signed=True)


def readable(table: QuantityTable) -> bool:
    """Can a student read the summary's difference at the precision the table shows it (a share
    of 7.936% against 7.934% at two decimals reads "0 pp": the model's direction, not a lesson)?"""
    text = summary_difference(table, "en")
    return text not in ("-", "0") and any(c in "123456789" for c in text)


def as_taught(table: QuantityTable) -> bool:
    """The lesson's point as a student reads it: the taught direction, by a difference readable
    at the precision shown for "higher"/"lower"; for "no higher"/"no lower" a difference too small
    to read (38,264 against 38,262 units shown as 38.3 thousand both) is no difference."""
    if not table.holds:
        return table.spec.direction.startswith("not_") and table.holds is not None and not readable(table)
    return table.spec.direction.startswith("not_") or readable(table)


def verdict(table: QuantityTable, comparison: Comparison, lang: str) -> str:
    """Does this game show the lesson's point on this quantity: as taught, too small to read yet,
    not as taught, or no difference because this game never used the lever."""
    if comparison.same_game:
        return tr("lesson.verdict.same_game", lang)
    holds = table.holds
    if holds is None:
        return tr("lesson.verdict.not_yet", lang)
    if holds and table.spec.direction in ("higher", "lower") and not readable(table):
        return tr("lesson.verdict.too_small", lang).format(
            direction=tr(f"lesson.direction.{table.spec.direction}", lang))
    key = "lesson.verdict.holds" if as_taught(table) else "lesson.verdict.differs"
    return tr(key, lang).format(direction=tr(f"lesson.direction.{table.spec.direction}", lang))


@dataclass(frozen=True)
class Block:
    """One quantity's table, as text: what every front end shows (the terminal, the lesson
    panel, the debrief), so that they cannot disagree."""

    title: str
    rows: list[tuple[str, str, str, str]]  # (quarter, this game, counterfactual, difference)
    summary: tuple[str, str, str, str]  # (what is summed up, this game, counterfactual, difference)
    verdict: str


def blocks(comparison: Comparison, lang: str) -> list[Block]:
    """Each key quantity's quarter-by-quarter rows, its summary row and its verdict, in `lang`."""
    out = []
    for table in comparison.tables:
        spec = table.spec
        rows = [(quarter_name(q, lang), format_value(spec, g, lang), format_value(spec, o, lang),
                 format_difference(spec, g, o, lang))
                for q, g, o in zip(table.quarters, table.game, table.other, strict=True)]
        game, other = table.summaries
        summary = (summary_text(table, lang), format_summary(table, game, lang), format_summary(table, other, lang),
                   summary_difference(table, lang))
        out.append(Block(label(spec, lang), rows, summary, verdict(table, comparison, lang)))
    return out


def headings(comparison: Comparison, lang: str) -> tuple[str, str, str, str]:
    """The column headings: quarter, this game, the counterfactual's label, difference."""
    change = comparison.change
    return (tr("lesson.col.quarter", lang), tr("lesson.col.game", lang),
            change.label_ko if lang == "ko" else change.label_en, tr("lesson.col.difference", lang))


def text_table(comparison: Comparison, lang: str) -> str:
    """The comparison for a terminal: one aligned block per key quantity (Hangul counted as two
    columns), then the note when this game never used the lever."""
    head = headings(comparison, lang)
    parts = [tr("lesson.compare.title", lang).format(
        title=comparison.scenario.scenario.title_ko if lang == "ko" else comparison.scenario.scenario.title_en,
        other=head[2])]
    if comparison.same_game:
        parts.append(same_game_note(comparison, lang))
    for block in blocks(comparison, lang):
        lines = [head, *block.rows, block.summary]
        widths = [max(display_width(line[i]) for line in lines) for i in range(4)]
        text = [block.title]
        for n, line in enumerate(lines):
            if n == len(lines) - 1:
                text.append("  " + "-" * (sum(widths) + 6))
            text.append("  " + "  ".join(pad(cell, widths[i], right=i > 0) for i, cell in enumerate(line)))
        text.append(f"  {block.verdict}")
        parts.append("\n".join(text))
    return "\n\n".join(parts)


def same_game_note(comparison: Comparison, lang: str) -> str:
    """Why both columns are equal: this game never used the lever the counterfactual takes away."""
    return tr("lesson.compare.same_game", lang).format(lever=tr(f"lever.{comparison.change.action}", lang))


# ---------------------------------------------------------------------- the answer key

def _runs(table: QuantityTable, values: list[Value], lang: str) -> str:
    """A bottleneck quarter by quarter, equal neighbours merged: "2025Q1-2025Q2 demand, 2025Q3 HBM"."""
    parts: list[str] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            first, last = quarter_name(table.quarters[start], lang), quarter_name(table.quarters[i - 1], lang)
            when = first if start == i - 1 else f"{first}-{last}"
            parts.append(f"{when} {format_value(table.spec, values[start], lang)}")
            start = i
    return ", ".join(parts)


def answer_sentences(comparison: Comparison, table: QuantityTable, lang: str) -> list[str]:
    """What this game's numbers say about one key quantity, as sentences for the answer key: the
    quarters of a bottleneck, and the summary in both games with their difference (the verdict is
    the table's, right above it on the page)."""
    spec, other_label = table.spec, headings(comparison, lang)[2]
    name = spec.label_ko if lang == "ko" else spec.label_en
    out = []
    if isinstance(table.game[0] if table.game else 0.0, str):
        out.append(tr("lesson.answer.sequence", lang).format(label=name, game=_runs(table, table.game, lang),
                                                             counterfactual=other_label,
                                                             other=_runs(table, table.other, lang)))
    game, other = table.summaries
    amount = tr(f"lesson.amount.{spec.unit}", lang)

    def with_unit(value: str) -> str:  # "US$1.96 billion", "432만 2,679개"; a count of quarters says so itself
        if spec.summary == "count" or value == "-":
            return value
        if value[0] in "+-" and not amount.startswith("{v}"):  # the sign before the currency: -US$0.7 billion
            return value[0] + amount.format(v=value[1:])
        return amount.format(v=value)

    out.append(tr("lesson.answer.summary", lang).format(
        label=name, summary=summary_text(table, lang), game=with_unit(format_summary(table, game, lang)),
        counterfactual=other_label, other=with_unit(format_summary(table, other, lang)),
        difference=with_unit(summary_difference(table, lang))))
    return out


def answer_key(comparison: Comparison, lang: str) -> list[tuple[str, list[str]]]:
    """Each debrief question with the sentences of the key quantities that answer it (the lesson's
    `answers`), computed from the game played; a question no quantity answers is for discussion."""
    lesson = comparison.scenario.lesson
    questions = lesson.questions_ko if lang == "ko" else lesson.questions_en
    key = []
    for number, question in enumerate(questions, start=1):
        sentences = [s for table in comparison.tables if number in table.spec.answers
                     for s in answer_sentences(comparison, table, lang)]
        key.append((question, sentences or [tr("lesson.answer.none", lang)]))
    return key
