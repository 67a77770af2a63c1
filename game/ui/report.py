"""The end of the term in words and numbers: grade, the Team Korea index by component, the
quarters that moved it most and the events behind them, and a Markdown report written next to
the saves. No pygame here (the end screen draws what these functions return)."""

from __future__ import annotations

import time
from pathlib import Path

from game import score as scoring
from game.text import tr

PLAYER = "KOR"


def final_index(world) -> float:
    if world.history:
        return world.history[-1]["korea_index"]["total"]
    return world.scores.get(PLAYER, 0.0)


def final_grade(world) -> str:
    return scoring.grade(world.scenario.score, final_index(world), PLAYER)


def breakdown(world, lang: str) -> list[dict]:
    """Each component of the index: label, weight (share of the total), points (0-100) and its
    contribution to the total in index points."""
    spec = scoring.rule_of(world.scenario, PLAYER)
    points = world.history[-1]["korea_index"] if world.history else {}
    total_weight = sum(c.weight for c in spec.components) or 1.0
    rows = []
    for c in spec.components:
        key = scoring.component_id(c)
        p = float(points.get(key, 0.0))
        rows.append({"key": key, "label": c.label_ko if lang == "ko" else c.label_en,
                     "weight": c.weight / total_weight, "points": p, "contribution": p * c.weight / total_weight})
    return rows


def events_of(world, turn_index: int, lang: str) -> list[str]:
    """Titles of the events that fired in the quarter of `world.history[turn_index]`, and Korea's
    answers to them."""
    causes = world.causes[turn_index + 1] if turn_index + 1 < len(world.causes) else []
    out = []
    for c in causes:
        params = c.get("params", {})
        title = params.get("title_ko" if lang == "ko" else "title") or params.get("title", "")
        if c["source"] == "event":
            out.append(title)
        elif c["key"] == "cause.choice":
            out.append(c.get(lang) or c.get("en", ""))
    return out


def turning_points(world, lang: str, n: int = 3) -> list[dict]:
    """The `n` largest quarter-on-quarter moves of the index, in date order, each with the events
    of that quarter."""
    series = [h["korea_index"]["total"] for h in world.history]
    moves = [(abs(series[i] - series[i - 1]), i) for i in range(1, len(series))]
    chosen = sorted(i for _, i in sorted(moves, reverse=True)[:n])
    return [{"date": world.history[i]["date"], "before": series[i - 1], "after": series[i],
             "delta": series[i] - series[i - 1], "events": events_of(world, i, lang)} for i in chosen]


def all_events(world, lang: str) -> list[tuple[str, str]]:
    """(date, title) of every event of the term, and Korea's answers."""
    return [(h["date"], text) for i, h in enumerate(world.history) for text in events_of(world, i, lang)]


def report_markdown(world, scenario_name: str, lang: str) -> str:
    t = lambda key: tr(key, lang)  # noqa: E731
    meta = world.scenario.scenario
    total = final_index(world)
    lines = [f"# {t('title')} - {t('ui.end.report')}", "",
             f"- {t('scenario')}: {meta.title_ko if lang == 'ko' else meta.title_en} ({scenario_name}), "
             f"{t('seed')} {world.seed_value}",
             f"- {world.history[0]['date'] if world.history else ''} - {world.date}, {world.turn} {t('turns')}",
             f"- **{t('korea_index')}: {total:.1f} / 100, {t('ui.end.grade')} {final_grade(world)}**", "",
             f"## {t('ui.end.breakdown')}", "",
             f"| {t('ui.end.component')} | {t('ui.end.weight')} | {t('ui.end.points')} | {t('ui.end.contribution')} |",
             "|---|---:|---:|---:|"]
    for row in breakdown(world, lang):
        lines.append(f"| {row['label']} | {row['weight'] * 100:.0f}% | {row['points']:.1f} | "
                     f"{row['contribution']:.1f} |")
    lines += ["", f"## {t('ui.end.turning_points')}", ""]
    for tp in turning_points(world, lang):
        events = "; ".join(tp["events"]) or t("ui.end.no_event")
        lines.append(f"- {tp['date']}: {tp['before']:.1f} -> {tp['after']:.1f} ({tp['delta']:+.1f}). {events}")
    lines += ["", f"## {t('ui.chart.title')}", "", "| | |", "|---|---:|"]
    lines += [f"| {h['date']} | {h['korea_index']['total']:.1f} |" for h in world.history]
    lines += ["", f"## {t('ui.end.events')}", ""]
    lines += [f"- {date}: {text}" for date, text in all_events(world, lang)] or [f"- {t('ui.end.no_event')}"]
    return "\n".join(lines) + "\n"


def export_report(world, scenario_name: str, folder: Path, lang: str) -> Path:
    """Write the report as Markdown into `folder` (next to the saves); a new name each time."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    scenario_name = Path(scenario_name).stem
    path = folder / f"report-{scenario_name}-seed{world.seed_value}-{stamp}-{lang}.md"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"report-{scenario_name}-seed{world.seed_value}-{stamp}-{lang}-{n}.md"
    path.write_text(report_markdown(world, scenario_name, lang), encoding="utf-8")
    return path
