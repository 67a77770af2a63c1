"""One printed page per team (issue 17, item 2): what a team takes home from a lesson or a game.

The whole debrief (game/report/page.py) is the teacher's record: every quarter, every government,
the cause log. A team needs one A4 side: its country's score on its own objective against the same
world in which its government did nothing new, component by component; the lesson's key
quantities summed up (this game against the counterfactual, and whether the lesson's point held);
its own decisions, a line each; and the questions to discuss. `python main.py report SAVE --out
F.html --one-page [--team CODE]` writes it.

Why the team's own what-if and not Korea's: in a multi-team game each team asks what its own
choices changed, so the comparison replays the same scenario and seed with that team's country by
`laissez_faire` and every other country by its default (for Korea this is the debrief's what-if).
"""

from __future__ import annotations

from game.calendar import parse_quarter
from game.describe import country_name
from game.lesson_compare import compare_world
from game.lesson_text import format_summary, label, summary_difference, verdict
from game.model import World
from game.report.debrief import DebriefError, quarter_rows, what_if_world
from game.report.debrief import team_of as debrief_team
from game.report.page import Words, _signed, document
from game.score import country_breakdown, grade
from game.text import quarter_name, tr

EXTRA_CSS = """
@media print { body { font-size: 8.5pt; line-height: 1.3; } h2 { margin-top: 8px; } }
h1 { font-size: 15pt; } h2 { font-size: 11.5pt; margin: 12px 0 4px; }
table { font-size: 8.5pt; } td, th { padding: 2px 5px; }
ul.compact { margin: 2px 0; padding-left: 16px; font-size: 8.5pt; } ul.compact li { margin: 1px 0; }
ol.questions { font-size: 9pt; } ol.questions > li { margin: 3px 0; }
p.result { font-size: 11pt; margin: 4px 0; }
"""


class OnePageError(DebriefError):
    """A team the game has no country for; the command prints it and exits 2."""


def team_of(world: World, team: str | None) -> str:
    """The country the page is for: the one named, else the first played by people, else Korea
    (the debrief's rule, `game.report.debrief.team_of`)."""
    try:
        return debrief_team(world, team)
    except DebriefError as exc:
        raise OnePageError(str(exc)) from None


def one_page_html(world: World, scenario_name: str, langs: tuple[str, ...], team: str | None = None) -> str:
    if not world.history:
        raise OnePageError("the game has not played a quarter yet: nothing to report")
    if world.scenario.score is None:
        raise OnePageError(f"the scenario '{scenario_name}' has no [score] table: the page compares scores")
    code = team_of(world, team)
    w = Words(langs)
    whatif = what_if_world(scenario_name, world.seed_value, world.turn, world.difficulty, code)
    try:
        body = (_head(world, code, w) + _score(world, whatif, code, w) + _lesson(world, w)
                + _decisions(world, code, w) + _questions(world, w))
    finally:
        whatif.close()
    title = " — ".join(f"{tr('onepage.title', lang)} · {country_name(world, code, lang)}" for lang in langs)
    return document(body, title, langs, EXTRA_CSS)


def _head(world: World, code: str, w: Words) -> str:
    meta, dates = world.scenario.scenario, [h["date"] for h in world.history]
    first, last = parse_quarter(dates[0]), parse_quarter(dates[-1])
    heading = {lang: tr("onepage.heading", lang).format(country=country_name(world, code, lang)) for lang in w.langs}
    line = {lang: f"{meta.title_ko if lang == 'ko' else meta.title_en} · {quarter_name(first, lang)} – "
                  f"{quarter_name(last, lang)} · {tr('debrief.seed', lang)} {world.seed_value}" for lang in w.langs}
    return f"<h1>{w.both(heading)}</h1><p class=\"note\">{w.both(line)}</p>"


def _score(world: World, whatif: World, code: str, w: Words) -> str:
    spec = world.scenario.score
    played, other = world.scores[code], whatif.scores[code]
    result = {lang: tr("onepage.result", lang).format(score=f"{played:.1f}", grade=grade(spec, played, code),
                                                      whatif=f"{other:.1f}", whatif_grade=grade(spec, other, code))
              for lang in w.langs}
    mine = country_breakdown(spec, world.indicators, code)
    theirs = country_breakdown(spec, whatif.indicators, code)
    rule = spec.for_country(code)
    total = sum(c.weight for c in rule.components) or 1.0
    rows = "".join(
        f"<tr><td>{w.short({'en': c.label_en, 'ko': c.label_ko}, 90)}</td><td class=\"num\">{c.weight / total:.0%}</td>"
        f"<td class=\"num\">{mine[key]:.0f}</td><td class=\"num\">{theirs[key]:.0f}</td>"
        f"<td class=\"num\">{_signed(mine[key] - theirs[key])}</td></tr>"
        for c, key in zip(rule.components, mine, strict=True))
    head = "".join(f'<th class="num">{w.key(k)}</th>' for k in
                   ("ui.end.weight", "debrief.run.played", "onepage.col.nothing", "debrief.difference"))
    return (f"<h2>{w.key('onepage.section.score')}</h2><p class=\"result\">{w.both(result)} "
            f"{_signed(played - other)}</p>"
            f"<table><thead><tr><th>{w.key('ui.end.component')}</th>{head}</tr></thead><tbody>{rows}</tbody></table>")


def _lesson(world: World, w: Words) -> str:
    lesson = world.scenario.lesson
    if lesson is None or lesson.counterfactual is None:
        return ""
    comparison = compare_world(world)
    other = {"en": lesson.counterfactual.label_en, "ko": lesson.counterfactual.label_ko}
    rows = []
    for table in comparison.tables:
        game, counter = table.summaries
        rows.append(
            f"<tr><td>{w.short({lang: label(table.spec, lang) for lang in w.langs}, 90)}</td>"
            f"<td class=\"num\">{w.inline({lang: format_summary(table, game, lang) for lang in w.langs})}</td>"
            f"<td class=\"num\">{w.inline({lang: format_summary(table, counter, lang) for lang in w.langs})}</td>"
            f"<td class=\"num\">{w.inline({lang: summary_difference(table, lang) for lang in w.langs})}</td>"
            f"<td class=\"kind\">{w.short({lang: verdict(table, comparison, lang) for lang in w.langs}, 70)}</td></tr>")
    head = (f"<th>{w.key('handout.col.quantity')}</th><th class=\"num\">{w.key('lesson.col.game')}</th>"
            f"<th class=\"num\">{w.both(other)}</th><th class=\"num\">{w.key('lesson.col.difference')}</th><th></th>")
    return (f"<h2>{w.key('onepage.section.lesson')}</h2>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _decisions(world: World, code: str, w: Words) -> str:
    """The team's country's decisions, answers and refusals, a line a quarter (whoever played it:
    a person or its AI)."""
    items = []
    for date, rows in quarter_rows(world):
        own = [r for r in rows if r.country == code and r.kind != "event"]
        if own:
            when = w.inline({lang: quarter_name(parse_quarter(date), lang) for lang in w.langs})
            items.append(f"<li><b>{when}</b>: " + "; ".join(w.short(r.text, 90) for r in own) + "</li>")
    if not items:
        return f"<h2>{w.key('onepage.section.decisions')}</h2><p class=\"note\">{w.key('onepage.no_decisions')}</p>"
    return f"<h2>{w.key('onepage.section.decisions')}</h2><ul class=\"compact\">{''.join(items)}</ul>"


def _questions(world: World, w: Words) -> str:
    lesson = world.scenario.lesson
    if lesson is None:
        return ""
    items = "".join(f"<li>{w.both({'en': en, 'ko': ko})}</li>"
                    for en, ko in zip(lesson.questions_en, lesson.questions_ko, strict=True))
    return f"<h2>{w.key('handout.section.questions')}</h2><ol class=\"questions\">{items}</ol>"
