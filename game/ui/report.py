"""The end of the term in words and numbers: grade, the Team Korea index by component, the
quarters that moved it most and the events behind them, and a Markdown report written next to
the saves. No pygame here (the end screen draws what these functions return).

Every function reads Korea's objective unless given another country (`code`): a team that plays
Japan is judged on Japan's own objective (`[score.JPN]`, game/score.py), with its own components,
turning points and no-action game; so are the Markdown report (`report_markdown`, the end
screen's Export, for the team shown) and the HTML debrief (game/report/debrief.py).
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from game import score as scoring
from game.calendar import parse_quarter
from game.describe import country_name, index_name
from game.text import quarter_name, tr
from game.why import component_key, component_spec, contributions, indicators_of, relevant

PLAYER = "KOR"


def final_index(world, code: str = PLAYER) -> float:
    """`code`'s score on its own objective at the end (Korea's: the Team Korea index)."""
    if world.history:
        return world.history[-1]["score"].get(code, 0.0)
    return world.scores.get(code, 0.0)


def final_grade(world, code: str = PLAYER) -> str:
    """`code`'s grade: its own bands if the scenario gives it some, else `[score]`'s, which every
    country is graded by (game.score.grade); "" where the scenario scores nothing."""
    if world.scenario.score is None:
        return ""
    return scoring.grade(world.scenario.score, final_index(world, code), code)


def score_series(world, code: str = PLAYER) -> list[float]:
    """`code`'s score after each quarter played."""
    return [h["score"].get(code, 0.0) for h in world.history]


def breakdown(world, lang: str, code: str = PLAYER) -> list[dict]:
    """Each component of `code`'s objective: label, weight (share of the total), points (0-100)
    and its contribution to the total in points; `why` is its Why? key."""
    spec = scoring.rule_of(world.scenario, code)
    if spec is None:
        return []
    points = scoring.points_at(world, len(world.history) - 1, code) if world.history else {}
    total_weight = sum(c.weight for c in spec.components) or 1.0
    rows = []
    for c in spec.components:
        key = scoring.component_id(c)
        p = float(points.get(key, 0.0))
        rows.append({"key": key, "label": c.label_ko if lang == "ko" else c.label_en, "why": component_key(code, key),
                     "weight": c.weight / total_weight, "points": p, "contribution": p * c.weight / total_weight})
    return rows


def events_of(world, turn_index: int, lang: str, code: str = PLAYER) -> list[str]:
    """Titles of the events that fired in the quarter of `world.history[turn_index]` (the
    world's, and those that ask `code` a question: not another country's questions), and `code`'s
    answers to them."""
    causes = world.causes[turn_index + 1] if turn_index + 1 < len(world.causes) else []
    out = []
    for c in causes:
        params = c.get("params", {})
        title = params.get("title_ko" if lang == "ko" else "title") or params.get("title", "")
        if c["source"] == "event" and c["country"] in ("", code):
            out.append(title)
        elif c["key"] == "cause.choice" and c["country"] == code:
            out.append(c.get(lang) or c.get("en", ""))
    return out


def turning_points(world, lang: str, n: int = 3, code: str = PLAYER) -> list[dict]:
    """The `n` largest quarter-on-quarter moves of `code`'s score, in date order, each with the
    events of that quarter and what moved it (`driver_lines`)."""
    series = score_series(world, code)
    moves = [(abs(series[i] - series[i - 1]), i) for i in range(1, len(series))]
    chosen = sorted(i for _, i in sorted(moves, reverse=True)[:n])
    return [{"date": world.history[i]["date"], "before": series[i - 1], "after": series[i],
             "delta": series[i] - series[i - 1], "events": events_of(world, i, lang, code),
             "drivers": driver_lines(world, i, lang, code)} for i in chosen]


# mechanism entries of the cause log that are a lever at work (their key names it), and the others by name
MECHANISM_LEVER = {"cause.capacity_support": "capacity_support", "cause.chip_incentive": "chip_incentive",
                   "cause.convergence": "convergence", "cause.foundry_subsidy": "foundry_subsidy",
                   "cause.procurement": "procurement", "cause.service_incentive": "service_incentive",
                   "cause.rd_boost": "rd_grant"}


def _cause_name(world, entry: dict, lang: str) -> str | None:
    """A cause-log entry in a few words: the lever it is (an Action or a programme at work), the
    event's title, or the market mechanism; None for one that names nothing Korea can read."""
    key, params = entry["key"], entry.get("params", {})
    if key in MECHANISM_LEVER:
        return tr(f"lever.{MECHANISM_LEVER[key]}", lang)
    if key == "cause.action":
        return params.get("kind_ko" if lang == "ko" else "kind") or None
    if key in ("cause.event", "cause.teacher_event"):
        return params.get("title_ko" if lang == "ko" else "title") or None
    if key == "cause.choice":
        return entry.get(lang) or None
    if key == "cause.qualification_passed" and "supplier" in params:
        # whose HBM passed (the team's own makers', or for a component read from another country,
        # that country's), one entry per maker however many of its generations and customers
        # passed that quarter, so the line has room for the levers beside it
        return world.render("ui.end.qualification_by", {"supplier": params["supplier"]}, lang)
    if key in ("cause.qualification_passed", "cause.exit", "cause.foundry_choice", "cause.variant_designed",
               "cause.project_online"):
        return tr(f"ui.end.{key.removeprefix('cause.')}", lang)
    return None


def _cause_order(entry: dict, home: tuple[str, ...], rose: bool) -> int:
    """Where a cause goes in a component's line: events, then the country's Actions, then its
    programmes at work, then the market's own. For a market share (which every country's
    mechanisms move: game.why.indicators_of) first the firms whose gains move it the way it went:
    the country's own when it rose, its rivals' when it fell."""
    if entry["source"] in ("event", "action"):
        return 0 if entry["source"] == "event" else 1
    if entry["key"] in MECHANISM_LEVER:
        return 2
    return 3 if (entry["country"] in home) == rose else 4


def drivers(world, index: int, lang: str, n: int = 2, code: str = PLAYER) -> list[dict]:
    """What moved `code`'s score in the quarter `world.history[index]`: the `n` components that
    moved it most (points, weighted as in the total), each with the levers, events and market
    mechanisms of that quarter that feed it (the links Why? uses: game.why.relevant): the
    country's own (and, for a component read from another country, that country's) and the
    world's events, events first."""
    parts = contributions(world, f"score:{code}", index + 1)  # played turn index + 1: history[index]
    causes = world.causes[index + 1] if index + 1 < len(world.causes) else []
    out = []
    for key, delta in parts[:n]:
        if abs(delta) < 0.05:
            continue
        c = component_spec(world, key)
        indicators = indicators_of(world, key)  # the key's, once for its entries
        found = [e for e in causes if relevant(world, key, e, indicators)]
        found.sort(key=partial(_cause_order, home=(code, c.of or code), rose=delta > 0))
        names = list(dict.fromkeys(filter(None, (_cause_name(world, e, lang) for e in found))))
        out.append({"component": c.label_ko if lang == "ko" else c.label_en, "points": delta, "causes": names[:3]})
    return out


def driver_lines(world, index: int, lang: str, code: str = PLAYER) -> list[str]:
    """`drivers` as lines of text: "HBM share +1.3: Capacity support, HBM qualification"."""
    lines = []
    for d in drivers(world, index, lang, code=code):
        causes = ", ".join(d["causes"]) or tr("ui.end.market_only", lang)
        lines.append(f"{d['component']} {d['points']:+.1f}: {causes}")
    return lines


def no_action(world, base_history: list[dict], code: str = PLAYER) -> dict | None:
    """The end of the term beside the no-action game (`BaselineRun` of `code`: for Korea the
    charts' and the debrief's what-if, the same seed with Korea changing nothing; for another
    team the same seed with its country changing nothing): both scores and grades, the gap."""
    if not world.history or len(base_history) < len(world.history):
        return None
    played, still = final_index(world, code), base_history[len(world.history) - 1]["score"].get(code, 0.0)
    grade = (lambda v: scoring.grade(world.scenario.score, v, code)) if world.scenario.score is not None \
        else (lambda v: "")
    return {"played": played, "whatif": still, "difference": played - still,
            "played_grade": grade(played), "whatif_grade": grade(still)}


def all_events(world, lang: str, code: str = PLAYER) -> list[tuple[str, str]]:
    """(date, title) of every event of the term, and `code`'s answers."""
    return [(h["date"], text) for i, h in enumerate(world.history) for text in events_of(world, i, lang, code)]


def report_markdown(world, scenario_name: str, lang: str, code: str = PLAYER, teams: list[str] | None = None,
                    baselines: dict[str, list[dict]] | None = None) -> str:
    """The term's report in Markdown for `code`'s team: its score and grade on its own
    objective, beside its no-action game when `baselines` has it (`code`: that game's history,
    as `no_action` reads it), its components, turning points, score each quarter and events;
    with more than one team (`teams`), every team's result on its own objective."""
    t = lambda key: tr(key, lang)  # noqa: E731

    def when(date: str) -> str:
        """A history's quarter as the reader writes it: 2025Q1, 2025년 1분기 (never 2025Q1 in Korean)."""
        return quarter_name(parse_quarter(date), lang)

    meta = world.scenario.scenario
    total = final_index(world, code)
    name = index_name(world, code, lang)
    country = country_name(world, code, lang)
    lines = [f"# {t('title')} - {t('ui.end.report')}", "",
             f"- {t('scenario')}: {meta.title_ko if lang == 'ko' else meta.title_en} ({scenario_name}), "
             f"{t('seed')} {world.seed_value}",
             f"- {when(world.history[0]['date']) if world.history else ''}{'~' if lang == 'ko' else ' - '}"
             f"{quarter_name(world.now, lang)}, "
             f"{t('debrief.n_quarters').format(n=world.turn)}",  # 8 quarters, 8개 분기 (was "8 턴")
             f"- **{name}: {total:.1f} / 100, {t('ui.end.grade')} {final_grade(world, code)}**"]
    versus = no_action(world, (baselines or {}).get(code, []), code)
    if versus is not None:
        lines.append(f"- {t('ui.end.no_action').format(score=versus['whatif'], grade=versus['whatif_grade'])} "
                     f"({versus['difference']:+.1f})")
    if teams is not None and len(teams) > 1:
        lines += ["", f"## {t('debrief.section.teams')}", "",
                  f"| {t('debrief.col.team')} | {t('debrief.col.objective')} | {t('debrief.run.played')} | "
                  f"{t('onepage.col.nothing')} | {t('debrief.difference')} |", "|---|---|---:|---:|---:|"]
        for team in teams:
            other = no_action(world, (baselines or {}).get(team, []), team)
            played = f"{final_index(world, team):.1f} ({final_grade(world, team)})"
            still = (f"{other['whatif']:.1f} ({other['whatif_grade']}) | {other['difference']:+.1f}"
                     if other is not None else "- | -")
            who = f"{country_name(world, team, lang)} | {index_name(world, team, lang)}"
            lines.append(f"| {who} | {played} | {still} |")
    breakdown_title = t("ui.end.breakdown") if code == PLAYER else \
        t("ui.end.breakdown_of").format(country=country)
    lines += ["", f"## {breakdown_title}", "",
              f"| {t('ui.end.component')} | {t('ui.end.weight')} | {t('ui.end.points')} | {t('ui.end.contribution')} |",
              "|---|---:|---:|---:|"]
    for row in breakdown(world, lang, code):
        lines.append(f"| {row['label']} | {row['weight'] * 100:.0f}% | {row['points']:.1f} | "
                     f"{row['contribution']:.1f} |")
    turning = t("ui.end.turning_points") if code == PLAYER else t("ui.end.turning_points_score")
    lines += ["", f"## {turning}", ""]
    for tp in turning_points(world, lang, code=code):
        events = "; ".join(tp["events"]) or t("ui.end.no_event")
        lines.append(f"- {when(tp['date'])}: {tp['before']:.1f} → {tp['after']:.1f} ({tp['delta']:+.1f}). {events}")
        lines += [f"  - {line}" for line in tp["drivers"]]
    series = score_series(world, code)  # Korea's score is the Team Korea index
    lines += ["", f"## {t('ui.chart.title') if code == PLAYER else name}", "", "| | |", "|---|---:|"]
    lines += [f"| {when(h['date'])} | {value:.1f} |" for h, value in zip(world.history, series, strict=True)]
    lines += ["", f"## {t('ui.end.events')}", ""]
    lines += [f"- {when(date)}: {text}" for date, text in all_events(world, lang, code)] \
        or [f"- {t('ui.end.no_event')}"]
    return "\n".join(lines) + "\n"


def export_report(world, scenario_name: str, folder: Path, lang: str, code: str = PLAYER,
                  teams: list[str] | None = None, baselines: dict[str, list[dict]] | None = None) -> Path:
    """Write the report as Markdown into `folder` (next to the saves); a new name each time.
    `code`, `teams`, `baselines`: as `report_markdown` takes them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    scenario_name = Path(scenario_name).stem
    path = folder / f"report-{scenario_name}-seed{world.seed_value}-{stamp}-{lang}.md"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"report-{scenario_name}-seed{world.seed_value}-{stamp}-{lang}-{n}.md"
    path.write_text(report_markdown(world, scenario_name, lang, code, teams, baselines), encoding="utf-8")
    return path
