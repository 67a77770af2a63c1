"""Readable and machine-readable accounts of a finished (or stopped) game.

`document` is the `--json` contract; `text_summary` is what a person reads in a terminal, in
Korean or English: its score lines give each team (the countries people played; Korea by default)
on its own objective. Both are built from the model's per-turn records only.
"""

from __future__ import annotations

import json
import math

from game.calendar import parse_quarter
from game.describe import KOREAN_INDICATORS, index_name, korean_indicator
from game.text import display_width, pad, quarter_name, strategy_name, tr

DIGITS = 6


def _rounded(value):
    """Round floats so that output is stable and short; refuse NaN or infinity outright."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("a non-finite number reached the output")
        return round(value, DIGITS)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def document(model) -> dict:
    """The `--json` document: scenario, seed, turns played, final state and the series."""
    return _rounded({
        "scenario": model.scenario.scenario.name,
        "seed": model.seed_value,
        "turns": model.turn,
        "final": model.history[-1],
        "series": list(model.history),
    })


def to_json(model) -> str:
    return json.dumps(document(model), ensure_ascii=False, allow_nan=False)


def _name(model, name: str, lang: str) -> str:
    agent = model.by_name.get(name)
    return agent.name_ko if lang == "ko" and agent is not None else name


def _percent(x: float) -> str:
    return f"{100 * x:5.1f}%"


YEAR_COLUMNS = (
    ("col.nvidia", lambda s: _percent(s["shares"]["accelerator"].get("Nvidia", 0.0))),
    ("col.tsmc", lambda s: _percent(s["shares"]["foundry"].get("TSMC", 0.0))),
    ("col.skhynix", lambda s: _percent(s["shares"]["hbm"].get("SK hynix", 0.0))),
    ("col.samsung_hbm", lambda s: _percent(s["shares"]["hbm"].get("Samsung", 0.0))),
    ("col.samsung_fdry", lambda s: _percent(s["shares"]["foundry"].get("Samsung Foundry", 0.0))),
    ("col.wafer", lambda s: f"{s['prices']['wafer']:6.1f}"),
    ("col.hbm", lambda s: f"{s['prices']['hbm']:6.1f}"),
    ("col.accel", lambda s: f"{s['prices']['accelerator']:6.1f}"),
    ("col.kr_compute", lambda s: _percent(s["korea"]["domestic_compute_share"])),
    ("col.kr_llm", lambda s: _percent(s["korea"]["domestic_llm_share"])),
    ("col.chain", lambda s: _percent(s["korea"]["chain_completeness"])),
)

PERCENT_INDICATORS = {
    "hbm_share", "foundry_share", "packaging_share", "accelerator_share", "domestic_compute_share",
    "single_vendor_dependence", "domestic_llm_share", "llm_domestic_chip_share", "industry_adoption",
    "industry_domestic_ai_share", "chain_completeness", "budget_used", "leading_edge_capacity_share", "compute_share",
}


def _country(model, code: str, lang: str) -> str:
    """A country by its name in Korean (한국, 미국), by its code in English as before: a Korean
    reader should not meet KOR or USA in running text."""
    country = model.countries.get(code)
    return country.name_ko if lang == "ko" and country is not None else code


def _source(model, entry: dict, lang: str) -> str:
    """A cause-log entry's tag: [정책 KOR] is [한국 정책] in Korean."""
    source = tr("source." + entry["source"], lang)
    if not entry["country"]:
        return f"[{source}]"
    return tr("source.line", lang).format(source=source, country=_country(model, entry["country"], lang))


def cause_log(model, lang: str = "en") -> str:
    """Every turn's causes: Actions taken, events, and what the mechanisms attribute to them; under
    each quarter's date the Team Korea index's move and what each component gave to it
    (game.why.contributions)."""
    from game.why import contributions, parts_line

    lines = [tr("explain", lang)]
    for turn, entries in enumerate(model.causes[1:], start=1):
        if not entries:
            continue
        lines.append(f"  {entries[0]['date']}")
        given = parts_line(model, contributions(model, "index", turn), lang)
        if given:
            before, after = (model.history[i]["korea_index"].get("total", 0.0) for i in (turn - 2, turn - 1))
            lines.append(f"    [{tr('korea_index', lang)}] {before:.1f} → {after:.1f}; {given}")
        lines += [f"    {_source(model, e, lang)} {e[lang]}" for e in entries]
    return "\n".join(lines)


def score_lines(model, lang: str) -> list[str]:
    """Each team's score on its own objective (the countries people played, `difficulty.players`;
    Korea's is the Team Korea index) with its breakdown and grade, and every country's score."""
    from game.score import component_id, grade, points_at, rule_of

    if model.scenario.score is None or not model.history:
        return []
    final = model.history[-1]
    teams = [c for c in model.difficulty.players if c in model.countries] or ["KOR"]
    lines = []
    for code in teams:
        spec = rule_of(model.scenario, code)
        index, total = points_at(model, len(model.history) - 1, code), final["score"].get(code, 0.0)
        lines.append(f"  {index_name(model, code, lang)}: {total:.1f} / 100, {tr('grade', lang)} "
                     f"{grade(model.scenario.score, total, code)}")
        for c in spec.components:
            label = c.label_ko if lang == "ko" else c.label_en
            lines.append(f"    {label}: {index[component_id(c)]:.0f} x {c.weight:.2f}")
    scores = ", ".join(tr("score.line", lang).format(name=_country(model, code, lang), value=value)
                       for code, value in final["score"].items())
    lines.append(f"  {tr('score', lang)}: {scores}")
    names = ", ".join(f"{code}={getattr(ctrl, 'name', type(ctrl).__name__)}" if lang != "ko" else
                      f"{_country(model, code, lang)} {strategy_name(getattr(ctrl, 'name', type(ctrl).__name__), lang)}"
                      for code, ctrl in model.governance.controllers.items())
    lines.append(f"  {tr('controllers', lang)}: {names}")
    return lines


def _quarter(date: str, lang: str) -> str:
    """A record's quarter as the reader writes it (2025Q4; 2025년 4분기)."""
    return quarter_name(parse_quarter(date), lang)


def text_summary(model, lang: str = "en") -> str:
    meta = model.scenario.scenario
    title = meta.title_ko if lang == "ko" else meta.title_en
    lines = [f"{tr('title', lang)} — {title}",
             # the scenario's file name (what --scenario takes) in English; Korean shows its title only
             (f"{tr('scenario', lang)}: {meta.name}, " if lang != "ko" else "")
             + f"{tr('seed', lang)} {model.seed_value}, "
             + tr("turns_span", lang).format(n=model.turn, first=_quarter(model.history[0]["date"], lang),
                                             last=_quarter(model.history[-1]["date"], lang)),
             "", tr("per_year", lang)]
    # Korean headers are written whole (삼성파운드리, 12 columns), so a Korean column is as wide as
    # its header; English keeps its 10 columns.
    widths = [max(10, display_width(tr(key, lang)) + 2) if lang == "ko" else 10 for key, _ in YEAR_COLUMNS]
    header = "".join(pad(tr(key, lang), w, right=True) for (key, _), w in zip(YEAR_COLUMNS, widths, strict=True))
    first = 14 if lang == "ko" else 8  # a Korean quarter is written whole (2025년 4분기)
    lines.append(pad(tr("year", lang), first) + header)
    year_ends = [s for i, s in enumerate(model.history)
                 if s["date"].endswith("Q4") or i == len(model.history) - 1]
    for state in year_ends:
        lines.append(pad(_quarter(state["date"], lang), first) + "".join(f"{cell(state):>{w}}"
                                                      for (_, cell), w in zip(YEAR_COLUMNS, widths, strict=True)))

    final = model.history[-1]
    lines += ["", f"{tr('final_state', lang)} ({quarter_name(parse_quarter(final['date']), lang)})"]
    for market, shares in final["shares"].items():
        ranked = sorted(shares.items(), key=lambda kv: -kv[1])
        cells = ", ".join(f"{_name(model, n, lang)} {_percent(v).strip()}" for n, v in ranked if v >= 0.0005)
        lines.append(f"  {tr('market.' + market, lang)}: {cells}")
    if lang == "ko":  # 웨이퍼 장당 1만 4,800 달러, not "첨단 공정 웨이퍼, 천 달러 14.8"
        prices = [tr(f"price.{k}.value", lang).format(value=v) for k, v in final["prices"].items()]
    else:
        prices = [f"{tr('price.' + k, lang)} {v:.1f}" for k, v in final["prices"].items()]
    lines.append(f"  {tr('prices', lang)}: " + ", ".join(prices))
    lines.append(f"  {tr('bottlenecks', lang)}: " + ", ".join(
        f"{_name(model, n, lang)}: {tr('binding.' + b, lang)}" for n, b in final["bottleneck"].items()))
    lines += score_lines(model, lang)
    lines.append(f"  {tr('korea', lang)}:")
    for key, value in final["korea"].items():
        label = tr("kor." + key, lang)
        if key in PERCENT_INDICATORS:
            shown = _percent(value).strip()
        elif lang == "ko" and key in KOREAN_INDICATORS:  # 3만 5,306개, not "(천 H100 환산): 35.306"
            label, shown = tr(f"kor.{key}.plain", lang), korean_indicator(key, value)
        else:
            shown = f"{value:.0f}" if float(value).is_integer() else f"{value:.3f}"
        lines.append(f"    {label}: {shown}")
    return "\n".join(lines)
