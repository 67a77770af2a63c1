"""The debrief report's markup: one HTML page with its charts (PNG, base64) and its font
(Noto Sans KR cut to the page's characters, @font-face data: URI) inside, so it opens and
prints the same on a machine with no network and no Korean font.

With both languages each heading, label and sentence shows English with Korean under it; the
print stylesheet puts every big section on a new A4 page and keeps table rows whole.
"""

from __future__ import annotations

import base64
from html import escape

from game import fontfiles
from game.baseline_run import PLAYER
from game.calendar import parse_quarter
from game.describe import country_name, in_sentence, index_name
from game.difficulty import levels
from game.lesson_text import answer_key, blocks, headings
from game.report import charts
from game.report.debrief import (
    Debrief,
    breakdowns,
    finals,
    people_first,
    players,
    quarter_causes,
    quarter_rows,
    score_series,
    turning_points,
)
from game.score import component_id, points_at
from game.text import quarter_name, strategy_name, tr
from game.why import contributions, event_prefix, parts_line

CSS = """
@font-face { font-family: "Debrief Sans"; font-weight: 400; src: url("__REGULAR__") format("woff"); }
@font-face { font-family: "Debrief Sans"; font-weight: 700; src: url("__BOLD__") format("woff"); }
html { font-family: "Debrief Sans", sans-serif; color: #1a1a1a; background: #fff; }
body { max-width: 190mm; margin: 0 auto; padding: 12px 16px 40px; font-size: 10.5pt; line-height: 1.45; }
:lang(ko) { word-break: keep-all; }
h1 { font-size: 19pt; margin: 0 0 6px; border-bottom: 3px solid #0072B2; padding-bottom: 6px; }
h2 { font-size: 14pt; margin: 26px 0 8px; color: #0b3d63; border-bottom: 1px solid #c8d3dd; padding-bottom: 3px; }
h3 { font-size: 11pt; margin: 14px 0 4px; color: #0b3d63; }
.both .ko { display: block; }
.both .ko.line { display: inline; }
h1 span { display: block; }
.both h1 .ko { font-size: 15pt; color: #333; }
.both h2 .ko, .both h3 .ko { font-size: 0.86em; color: #3c5a73; }
.both td .ko, .both th .ko, .both li .ko, .both p .ko, .both dd .ko, .both figcaption .ko { color: #4a4a4a; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 10px 0; }
dl.meta dt { font-weight: 700; } dl.meta dd { margin: 0; }
div.roles { display: grid; grid-template-columns: minmax(0, 1fr) max-content; gap: 0 14px;
            font-size: 9pt; }
div.roles div:nth-child(odd) { font-weight: 700; }
.score { font-size: 15pt; font-weight: 700; color: #0072B2; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 9.5pt; }
th, td { border-bottom: 1px solid #d9dee3; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eef3f7; font-weight: 700; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.kor td { background: #eaf3fa; }
tr.refused td { color: #8a2a00; }
.kind { font-size: 8.5pt; color: #555; }
figure { margin: 8px 0 14px; } figure img { width: 100%; height: auto; display: block; }
figcaption { font-size: 9pt; color: #333; margin-top: 2px; }
ul.causes { margin: 2px 0 8px; padding-left: 18px; font-size: 9.5pt; }
ul.causes li { margin: 2px 0; }
.tag { font-size: 8pt; color: #555; white-space: nowrap; }
.note { font-size: 9.5pt; color: #333; }
.plus { color: #006b4f; font-weight: 700; } .minus { color: #a33c00; font-weight: 700; }
table.lesson { font-size: 7.5pt; table-layout: fixed; }
table.lesson td.num { white-space: normal; word-break: keep-all; }
table.lesson th, table.lesson td { padding: 2px 3px; }
table.lesson th.q { text-align: right; font-size: 7.5pt; }
table.lesson tr.title td { background: #eef3f7; font-weight: 700; padding-top: 5px; }
table.lesson tr.game td { font-weight: 700; }
table.lesson tr.other td { color: #555; }
table.lesson td.verdict { font-size: 7.5pt; font-weight: 400; color: #006b4f; }
table.lesson td.verdict.differs { color: #a33c00; }
table.lesson td.sum { background: #f6f8fa; }
ol.questions { padding-left: 18px; margin: 4px 0; } ol.questions > li { margin: 5px 0; }
ul.answers { margin: 2px 0 4px; padding-left: 16px; font-size: 9pt; color: #0b3d63; }
ul.goals { margin: 2px 0 6px; padding-left: 18px; font-size: 9.5pt; }
section.appendix { break-before: page; }
table.decisions th[scope="row"] { background: #f6f8fa; font-weight: 700; white-space: nowrap; }
table.decisions tr.quarter td, table.decisions tr.quarter th { border-top: 2px solid #c8d3dd; }
table.decisions .tag { font-size: 8pt; color: #555; }
table.decisions td, table.decisions th { padding: 2px 6px; }
div.beside { display: grid; grid-template-columns: 3fr 2fr; gap: 12px; align-items: start; }
div.beside h3 { margin-top: 4px; }
/* a phone (a report sent to a student): a wide table scrolls in itself, not the page; the key facts
   as label over value; side-by-side parts one under the other */
@media screen and (max-width: 600px) {
  body { padding: 8px 10px 30px; }
  table { display: block; overflow-x: auto; }
  dl.meta { grid-template-columns: minmax(0, 1fr); } dl.meta dd { margin-bottom: 6px; }
  div.roles, div.beside { grid-template-columns: minmax(0, 1fr); }
}
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  body.both { font-size: 9pt; line-height: 1.35; }  /* two languages on a lesson's four pages */
  h1 { font-size: 16pt; } .both h1 .ko { font-size: 12pt; } h2 { margin-top: 12px; }
  section.major { break-before: page; }
  h2, h3 { break-after: avoid; }
  tr, figure, li { break-inside: avoid; }
  thead { display: table-header-group; }
  tr.kor td, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


class Words:
    """Text in the report's languages: English then Korean (or one of them)."""

    def __init__(self, langs: tuple[str, ...]) -> None:
        self.langs = langs

    def both(self, by_lang: dict[str, str]) -> str:
        return "".join(f'<span class="{lang}" lang="{lang}">{escape(by_lang[lang])}</span>' for lang in self.langs)

    def key(self, key: str, **values) -> str:
        return self.both({lang: tr(key, lang).format(**values) for lang in self.langs})

    def inline(self, by_lang: dict[str, str]) -> str:
        """Short labels on one line ("Korea · 한국"), where stacking would waste a row."""
        shown = [lang for i, lang in enumerate(self.langs)
                 if by_lang[lang] not in (by_lang[other] for other in self.langs[:i])]  # "AI: default" once
        return " · ".join(f'<span lang="{lang}">{escape(by_lang[lang])}</span>' for lang in shown)

    def short(self, by_lang: dict[str, str], limit: int = 64) -> str:
        """A phrase in every language on one line when each is short (a decision: "Foundry
        price-gap subsidy 50% / 파운드리 가격차 보조금 50%"), stacked like `both` when one is long:
        a handout's tables then take one line a row instead of two."""
        if len(self.langs) == 1 or any(len(by_lang[lang]) > limit for lang in self.langs):
            return self.both(by_lang)
        return " / ".join(f'<span class="{lang} line" lang="{lang}">{escape(by_lang[lang])}</span>'
                          for lang in self.langs)

    def plain(self, key: str, sep: str = " / ") -> str:
        """For chart labels, which are pictures: the languages joined on one line (or two)."""
        return sep.join(tr(key, lang) for lang in self.langs)


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def _signed(value: float) -> str:
    """A difference of index points, coloured by its sign; one that rounds to zero shows as 0.0."""
    if abs(value) < 0.05:
        return '<span class="">0.0</span>'
    return f'<span class="{"plus" if value > 0 else "minus"}">{value:+.1f}</span>'


def _index(report: Debrief, w: Words) -> str:
    """What the team's score is called: the Team Korea index, or "United States on its own
    objective" ("미국 목표 점수")."""
    return w.both({lang: index_name(report.world, report.team, lang) for lang in w.langs})


def _team_text(report: Debrief, lang: str, korea_key: str, team_key: str) -> str:
    """Korea's text (the debrief as it was), or another team's, its country named."""
    if report.team == PLAYER:
        return tr(korea_key, lang)
    name = country_name(report.world, report.team, lang)
    if team_key != "debrief.title_of":  # in a sentence "the United States"; a title names it bare
        name = in_sentence(name, lang)
    return tr(team_key, lang).format(country=name)


def _team_words(report: Debrief, w: Words, korea_key: str, team_key: str) -> str:
    return w.both({lang: _team_text(report, lang, korea_key, team_key) for lang in w.langs})


def _chart_label(report: Debrief, w: Words):
    """A chart's labels: the what-if's names the team's country; the score's axis."""
    def label(key: str) -> str:
        if key == "debrief.run.whatif":
            return " / ".join(_team_text(report, lang, key, "debrief.run.whatif_of") for lang in w.langs)
        if key == "debrief.chart.index_axis":
            return " / ".join(_team_text(report, lang, key, "debrief.chart.score_axis") for lang in w.langs)
        return w.plain(key)

    return label


def header(report: Debrief, w: Words, logged_names: dict[str, str] | None) -> str:
    """Scenario, seed, quarters, the final index and grade, and who played each country; each
    value one line per language, so a line reads as a sentence rather than a word stack."""
    world, meta = report.world, report.world.scenario.scenario
    final, dates = finals(report), report.dates
    level = levels()[world.difficulty.level]

    def per_lang(make) -> str:
        return "".join(f'<span class="{lang}" lang="{lang}">{make(lang)}</span>' for lang in w.langs)

    def role(lang: str, name: str, person: bool) -> str:
        if person:
            return tr("debrief.person", lang)
        return tr("debrief.ai", lang).format(strategy=strategy_name(name, lang))

    # each person's country on its own; the countries one AI strategy played folded into one line
    # (a lesson's handout: "China, Japan, ... · AI: default" rather than six rows of the same words)
    seats = players(world, logged_names)
    groups: dict[tuple[str, bool], list[str]] = {}
    for code, name, person in seats:
        groups.setdefault((code, True) if person else (name, False), []).append(code)
    roles = "".join(
        f'<div>{w.inline({lang: ", ".join(country_name(world, c, lang) for c in codes) for lang in w.langs})}</div>'
        f"<div>{w.inline({lang: role(lang, key, person) for lang in w.langs})}</div>"
        for (key, person), codes in groups.items())
    rows = (
        # the file name a teacher types after --scenario, in English only: Korean text shows no ids
        ("scenario", per_lang(lambda lang: escape(meta.title_ko) if lang == "ko" else
                              escape(meta.title_en) + f" (<code>{escape(report.scenario_name)}</code>)")),
        ("debrief.seed", str(world.seed_value)),
        ("debrief.difficulty", per_lang(lambda lang: escape(f"{getattr(level, f'name_{lang}')}: "
                                                            f"{getattr(level, f'label_{lang}')}"))),
        ("debrief.quarters", per_lang(lambda lang: f"{escape(quarter_name(parse_quarter(dates[0]), lang))} – "
                                      f"{escape(quarter_name(parse_quarter(dates[-1]), lang))}, "
                                      + escape(tr("debrief.n_quarters", lang).format(n=len(dates))))),
        ("korea_index", f'<span class="score">{final["played"]:.1f}</span> / 100, '
                        f'{w.inline({lang: tr("grade", lang) for lang in w.langs})} '
                        f'<span class="score">{escape(final["played_grade"])}</span>'),
        ("debrief.players", f'<div class="roles">{roles}</div>'),
    )
    items = "".join(f"<dt>{_index(report, w) if key == 'korea_index' else w.key(key)}</dt><dd>{value}</dd>"
                    for key, value in rows)
    title = {lang: f"{tr('title', lang)} · {_team_text(report, lang, 'debrief.title', 'debrief.title_of')}"
             for lang in w.langs}
    return (f"<header><h1>{w.both(title)}</h1>"
            f'<dl class="meta">{items}</dl></header>')


def what_if_section(report: Debrief, w: Words, beside: bool = False) -> str:
    """The index of the game against the no-action what-if: a chart and the final numbers, under
    it (a whole debrief) or, `beside`, the chart narrower with the numbers to its right (a
    lesson's handout, which must print on few pages)."""
    final, code = finals(report), report.team
    # the team's score on its own objective (Korea's is the Team Korea index), by its own grade bands
    history, whatif = score_series(report.world, code), score_series(report.whatif, code)
    size = {"width": charts.WIDTH * 0.6, "height": 2.9} if beside else {}
    png = charts.index_chart(report.dates, history, whatif, report.world.scenario.score.grades_for(code),
                             _chart_label(report, w), w.langs, **size)
    caption = {lang: (tr("debrief.chart.index", lang) if code == PLAYER else
                      tr("debrief.chart.score_of", lang).format(index=index_name(report.world, code, lang)))
               for lang in w.langs}
    figure = (f"<figure>{_img(png, ' / '.join(caption.values()))}<figcaption>{w.both(caption)}"
              "</figcaption></figure>")
    section = _team_words(report, w, "debrief.section.whatif", "debrief.section.whatif_of")
    note = _team_words(report, w, "debrief.whatif_note", "debrief.whatif_note_of")
    run = _team_words(report, w, "debrief.run.whatif", "debrief.run.whatif_of")
    if beside:
        rows = ((w.key("debrief.run.played"), f"{final['played']:.1f} ({escape(final['played_grade'])})"),
                (run, f"{final['whatif']:.1f} ({escape(final['whatif_grade'])})"),
                (w.key("debrief.difference"), _signed(final["difference"])))
        table = ("<table><tbody>" + "".join(f'<tr class="{"kor" if i == 0 else ""}"><td>{name}</td>'
                                            f'<td class="num">{cell}</td></tr>' for i, (name, cell) in enumerate(rows))
                 + "</tbody></table>")
        return (f'<section id="what-if"><h2>{section}</h2>'
                f'<p class="note">{note}</p>'
                f'<div class="beside">{figure}<div><h3>{_index(report, w)}</h3>{table}</div></div></section>')
    return (f'<section id="what-if"><h2>{section}</h2>'
            f'<p class="note">{note}</p>{figure}'
            f"<table><thead><tr><th></th><th class=\"num\">{w.key('debrief.run.played')}</th>"
            f"<th class=\"num\">{run}</th><th class=\"num\">{w.key('debrief.difference')}"
            f"</th></tr></thead><tbody><tr class=\"kor\"><td>{_index(report, w)}</td>"
            f"<td class=\"num\">{final['played']:.1f}</td><td class=\"num\">{final['whatif']:.1f}</td>"
            f"<td class=\"num\">{_signed(final['difference'])}</td></tr>"
            f"<tr><td>{w.key('grade')}</td><td class=\"num\">{escape(final['played_grade'])}</td>"
            f"<td class=\"num\">{escape(final['whatif_grade'])}</td><td></td></tr></tbody></table></section>")


def breakdown_section(report: Debrief, w: Words) -> str:
    rows = breakdowns(report)
    head = "".join(f'<th class="num">{w.key(k)}</th>' for k in (
        "ui.end.weight", "debrief.col.points_played", "debrief.col.contribution_played",
        "debrief.col.points_whatif", "debrief.col.contribution_whatif", "debrief.difference"))
    body = "".join(
        f"<tr><td>{w.both(r['label'])}</td><td class=\"num\">{r['weight'] * 100:.0f}%</td>"
        f"<td class=\"num\">{r['points']:.1f}</td><td class=\"num\">{r['contribution']:.1f}</td>"
        f"<td class=\"num\">{r['whatif_points']:.1f}</td><td class=\"num\">{r['whatif_contribution']:.1f}</td>"
        f"<td class=\"num\">{_signed(r['contribution'] - r['whatif_contribution'])}</td></tr>" for r in rows)
    final = finals(report)
    total = (f"<tr class=\"kor\"><td><b>{_index(report, w)}</b></td><td class=\"num\">100%</td><td></td>"
             f"<td class=\"num\"><b>{final['played']:.1f}</b></td><td></td>"
             f"<td class=\"num\"><b>{final['whatif']:.1f}</b></td>"
             f"<td class=\"num\">{_signed(final['difference'])}</td></tr>")
    return (f'<section id="breakdown" class="major"><h2>{w.key("debrief.section.breakdown")}</h2>'
            f'<p class="note">{w.key("debrief.breakdown_note")}</p>'
            f"<table><thead><tr><th>{w.key('ui.end.component')}</th>{head}</tr></thead>"
            f"<tbody>{body}{total}</tbody></table></section>")


def indicators_section(report: Debrief, w: Words) -> str:
    def korea(world, key: str) -> list[float]:
        return [float(h["korea"].get(key, 0.0)) for h in world.history]

    def series(keys: tuple[str, ...]) -> list[tuple[str, list[float], list[float]]]:
        return [(w.plain(f"kor.{k}", "\n"), korea(report.world, k), korea(report.whatif, k)) for k in keys]

    def price(key: str) -> tuple[str, list[float], list[float]]:
        return (w.plain(f"price.{key}", "\n"), [h["prices"][key] for h in report.world.history],
                [h["prices"][key] for h in report.whatif.history])

    dates = report.dates
    figures = [
        ("debrief.chart.shares", charts.panels_chart(
            dates, series(("foundry_share", "hbm_share", "accelerator_share")), w.plain, w.langs, columns=3,
            percent=True)),
        ("debrief.chart.chain", charts.panels_chart(
            dates, series(("domestic_compute_share", "domestic_llm_share", "chain_completeness")), w.plain,
            w.langs, columns=3, percent=True)),
        ("debrief.chart.compute_prices", charts.panels_chart(
            dates, [*series(("compute_installed",)), price("wafer"), price("hbm"), price("accelerator")], w.plain,
            w.langs)),
    ]
    body = "".join(f"<figure>{_img(png, w.plain(key))}<figcaption>{w.key(key)}</figcaption></figure>"
                   for key, png in figures)
    return (f'<section id="indicators" class="major"><h2>{w.key("debrief.section.indicators")}</h2>'
            f'<p class="note">{w.key("debrief.indicators_note")}</p>{body}</section>')


def components_section(report: Debrief, w: Words) -> str:
    """Another team's charts: each component of its objective in points (0-100, as the breakdown
    counts it: its indicator, its own or another country's, mapped between the rule's low and
    high, inverted where less is better) every quarter, the game against its what-if; then the
    world's prices. Korea's debrief shows Korea's key indicators instead (`indicators_section`)."""
    world, code = report.world, report.team
    rule = world.scenario.score.for_country(code)
    total = sum(c.weight for c in rule.components) or 1.0

    by_quarter = {id(run): [points_at(run, i, code) for i in range(len(run.history))]
                  for run in (world, report.whatif)}  # each quarter's breakdown once, read per component

    def points(run, key: str) -> list[float]:
        return [float(quarter.get(key, 0.0)) for quarter in by_quarter[id(run)]]

    def price(key: str) -> tuple[str, list[float], list[float]]:
        return (w.plain(f"price.{key}", "\n"), [h["prices"][key] for h in world.history],
                [h["prices"][key] for h in report.whatif.history])

    label = _chart_label(report, w)
    panels = [("\n".join(f"{c.label_ko if lang == 'ko' else c.label_en} ({c.weight / total:.0%})" for lang in w.langs),
               points(world, component_id(c)), points(report.whatif, component_id(c))) for c in rule.components]
    columns = 2 if len(panels) in (2, 4) else min(3, len(panels))
    figures = [("debrief.chart.components", charts.panels_chart(report.dates, panels, label, w.langs,
                                                                columns=columns)),
               ("debrief.chart.prices", charts.panels_chart(
                   report.dates, [price("wafer"), price("hbm"), price("accelerator")], label, w.langs, columns=3))]
    body = "".join(f"<figure>{_img(png, w.plain(key))}<figcaption>{w.key(key)}</figcaption></figure>"
                   for key, png in figures)
    return (f'<section id="indicators" class="major"><h2>{w.key("debrief.section.components")}</h2>'
            f'<p class="note">{w.key("debrief.components_note")}</p>{body}</section>')


def turning_points_section(report: Debrief, w: Words) -> str:
    """The quarters that moved the team's score most (the end screen's turning points,
    `game.ui.report.turning_points`): the move, the events, and what moved which component."""
    points = {lang: turning_points(report, lang) for lang in w.langs}
    items = []
    for i, first in enumerate(points[w.langs[0]]):
        when = w.inline({lang: quarter_name(parse_quarter(first["date"]), lang) for lang in w.langs})
        events = w.short({lang: "; ".join(points[lang][i]["events"]) or tr("ui.end.no_event", lang)
                          for lang in w.langs}, 90)
        drivers = "".join(f"<li>{w.short(dict(zip(w.langs, lines, strict=True)), 90)}</li>"
                          for lines in zip(*(points[lang][i]["drivers"] for lang in w.langs), strict=False))
        items.append(f"<li><b>{when}</b>: {first['before']:.1f} → {first['after']:.1f} ({_signed(first['delta'])}). "
                     f"{events}" + (f'<ul class="answers">{drivers}</ul>' if drivers else "") + "</li>")
    body = f'<ul class="causes">{"".join(items)}</ul>' if items else f'<p class="note">{w.key("debrief.quiet")}</p>'
    return (f'<section id="turning-points"><h2>{w.key("ui.end.turning_points_score")}</h2>'
            f'<p class="note">{w.key("debrief.turning_note")}</p>{body}</section>')


def teams_section(report: Debrief, w: Words) -> str:
    """Every team that played, each on its own objective beside its own no-action game (the same
    seed with that country alone doing nothing new); the debrief's own team shaded."""
    world = report.world
    head = "".join(f'<th class="num">{name}</th>' for name in (
        w.key("debrief.run.played"), w.key("onepage.col.nothing"), w.key("debrief.difference")))
    rows = "".join(
        f'<tr class="{"kor" if r.code == report.team else ""}">'
        f"<td>{w.inline({lang: country_name(world, r.code, lang) for lang in w.langs})}</td>"
        f"<td>{w.short({lang: index_name(world, r.code, lang) for lang in w.langs})}</td>"
        f'<td class="num">{r.played:.1f} ({escape(r.played_grade)})</td>'
        f'<td class="num">{r.whatif:.1f} ({escape(r.whatif_grade)})</td>'
        f'<td class="num">{_signed(r.difference)}</td></tr>' for r in report.teams)
    return (f'<section id="teams"><h2>{w.key("debrief.section.teams")}</h2>'
            f'<p class="note">{w.key("debrief.teams_note")}</p>'
            f"<table><thead><tr><th>{w.key('debrief.col.team')}</th><th>{w.key('debrief.col.objective')}</th>"
            f"{head}</tr></thead><tbody>{rows}</tbody></table></section>")


def decisions_section(report: Debrief, w: Words) -> str:
    tables = _quarter_tables(report.world, quarter_rows(report.world), w, quiet=True, team=report.team)
    note = _team_words(report, w, "debrief.decisions_note", "debrief.decisions_note_of")
    return (f'<section id="decisions" class="major"><h2>{w.key("debrief.section.decisions")}</h2>'
            f'<p class="note">{note}</p>{tables}</section>')


def _tag(world, entry: dict, lang: str) -> str:
    """A cause's source and country: "Action · KOR" in English, "정책 · 한국" in Korean (no codes)."""
    source = tr("source." + entry["source"], lang)
    if not entry["country"]:
        return source
    return f"{source} · {country_name(world, entry['country'], lang)}"  # a name, not KOR, in either language


def _untagged(entry: dict) -> dict:
    """A cause's text without the "Event - " its tag already says ("[event] A Gulf mega-deal")."""
    if entry.get("source") != "event":
        return entry
    return {**entry, **{lang: entry[lang].removeprefix(event_prefix(lang)) for lang in ("en", "ko") if lang in entry}}


def causes_section(report: Debrief, w: Words) -> str:
    """Each quarter's cause log, under its date what each component gave to the team's score
    (`game.why.contributions`, as the Why? panel and `sim --explain` write it)."""
    parts = []
    world = report.world
    for turn, (date, entries) in enumerate(quarter_causes(world), start=1):
        items = "".join(
            f"<li><span class=\"tag\">[{w.inline({lang: _tag(world, e, lang) for lang in w.langs})}]</span> "
            f"{w.both(_untagged(e))}</li>" for e in entries)
        when = w.inline({lang: quarter_name(parse_quarter(date), lang) for lang in w.langs})  # 2025년 1분기
        split = contributions(world, f"score:{report.team}", turn)
        given = {lang: parts_line(world, split, lang) for lang in w.langs}
        moved = f"<p class=\"note\">{w.both(given)}</p>" if all(given.values()) else ""
        parts.append(f"<h3>{when}</h3>{moved}<ul class=\"causes\">{items}</ul>" if items else
                     f"<h3>{when}</h3>{moved}<p class=\"note\">{w.key('debrief.quiet')}</p>")
    return (f'<section id="causes" class="major"><h2>{w.key("debrief.section.causes")}</h2>'
            f'<p class="note">{w.key("debrief.causes_note")}</p>{"".join(parts)}</section>')


def _cell(w: Words, by_lang: dict[str, str]) -> str:
    """A table cell's text in the report's languages, each different one on its own line (a share
    reads the same in both: once; a count is 1,280 in English and 128만 in Korean: both)."""
    shown = [lang for i, lang in enumerate(w.langs) if by_lang[lang] not in (by_lang[o] for o in w.langs[:i])]
    return "<br>".join(f'<span lang="{lang}">{escape(by_lang[lang])}</span>' for lang in shown)


def lesson_section(report: Debrief, w: Words) -> str:
    """A lesson's handout page: its goals, the key quantities of this game against the lesson's
    counterfactual quarter by quarter (game/lesson_compare.py: the lesson panel's and `sim
    --compare`'s table), then the questions with the answers this game's numbers give."""
    comparison, lesson = report.lesson, report.world.scenario.lesson
    goals = "".join(f"<li>{w.both({'en': en, 'ko': ko})}</li>" for en, ko in zip(lesson.goals_en, lesson.goals_ko,
                                                                                  strict=True))
    by_lang = {lang: blocks(comparison, lang) for lang in w.langs}
    heads = {lang: headings(comparison, lang) for lang in w.langs}
    quarters = by_lang[w.langs[0]][0].rows
    columns = len(quarters) + 2
    head = "".join(f'<th class="q">{_cell(w, {lang: by_lang[lang][0].rows[i][0] for lang in w.langs})}</th>'
                   for i in range(len(quarters)))
    rows = []
    for n, table in enumerate(comparison.tables):
        title = {lang: by_lang[lang][n].title for lang in w.langs}
        verdict = {lang: by_lang[lang][n].verdict for lang in w.langs}
        summary = {lang: tr("debrief.lesson.last_column", lang).format(summary=by_lang[lang][n].summary[0])
                   for lang in w.langs}
        differs = " differs" if table.holds is False else ""
        heading = {lang: f"{title[lang]} · {summary[lang]}" for lang in w.langs}
        rows.append(f'<tr class="title"><td colspan="{columns}">{w.short(heading, 90)}</td></tr>')
        for r, kind in enumerate(("game", "other", "difference")):
            label = {lang: heads[lang][r + 1] for lang in w.langs}
            cells = "".join(f'<td class="num">{_cell(w, {lang: by_lang[lang][n].rows[i][r + 1] for lang in w.langs})}'
                            "</td>" for i in range(len(quarters)))
            total = _cell(w, {lang: by_lang[lang][n].summary[r + 1] for lang in w.langs})
            rows.append(f'<tr class="{kind}"><td>{_cell(w, label)}</td>{cells}<td class="num sum">{total}</td></tr>')
        rows.append(f'<tr><td class="verdict{differs}" colspan="{columns}">{w.short(verdict, 90)}</td></tr>')
    other = {lang: heads[lang][2] for lang in w.langs}
    caption = w.both({lang: tr("debrief.lesson.table", lang).format(other=other[lang]) for lang in w.langs})
    table_html = (f'<h3>{caption}</h3><p class="note">{w.key("debrief.lesson.table_note")}</p>'
                  f'<table class="lesson"><colgroup><col style="width:13%">'
                  + "".join(f'<col style="width:{75 / len(quarters):.2f}%">' for _ in quarters)
                  + f'<col style="width:12%"></colgroup><thead><tr><th></th>{head}<th class="q"></th></tr></thead>'
                  f"<tbody>{''.join(rows)}</tbody></table>")
    keys = {lang: answer_key(comparison, lang) for lang in w.langs}
    questions = []
    for i in range(len(keys[w.langs[0]])):
        question = w.both({lang: keys[lang][i][0] for lang in w.langs})
        answers = "".join(f"<li>{w.both({lang: keys[lang][i][1][j] for lang in w.langs})}</li>"
                          for j in range(len(keys[w.langs[0]][i][1])))
        questions.append(f'<li>{question}<ul class="answers">{answers}</ul></li>')
    return (f'<section id="lesson"><h2>{w.key("debrief.section.lesson")}</h2>'
            f'<h3>{w.key("debrief.lesson.goals")}</h3><ul class="goals">{goals}</ul>{table_html}'
            f'<h3>{w.key("debrief.lesson.questions")}</h3><ol class="questions">{"".join(questions)}</ol></section>')


def _quarter_tables(world, quarters, w: Words, quiet: bool = False, team: str = PLAYER) -> str:
    """The decisions of every quarter in one table: the quarter on its first row, who
    (unless one country made them all), and what, tagged with its kind unless it is a decision
    (an event, an answer, a refusal...). A quarter without any is left out, or with `quiet` said
    so. One table, not one per quarter, so that a lesson's eight quarters print on a page or two.
    The rows of `team`'s country are shaded."""
    acting = {r.country for _, rows in quarters for r in rows if r.country}
    who = len(acting) > 1
    body = []
    for date, rows in quarters:
        when = w.inline({lang: quarter_name(parse_quarter(date), lang) for lang in w.langs})  # 2025년 1분기
        if not rows:
            if quiet:
                body.append(f'<tr class="quarter"><th scope="row">{when}</th>{"<td></td>" if who else ""}'
                            f'<td class="note">{w.key("debrief.quiet")}</td></tr>')
            continue
        for i, r in enumerate(rows):
            # the quarter on its first row only (a rowspan would keep the quarter's rows on one page)
            first = f'<th scope="row">{when if i == 0 else ""}</th>'
            kind = ("" if r.kind == "decision" else
                    f'<span class="tag">{w.inline({lang: tr("debrief.kind." + r.kind, lang) for lang in w.langs})}'
                    "</span> ")
            text = r.text
            if r.kind == "event":  # the tag says it already: "[Event] A Gulf mega-deal", not "Event Event - ..."
                text = {lang: t.removeprefix(event_prefix(lang)) for lang, t in r.text.items()}
            country = (f"<td>{w.inline({lang: country_name(world, r.country, lang) for lang in w.langs})}</td>"
                       if who else "")
            body.append(
                f"<tr class=\"{'quarter ' if i == 0 else ''}{'kor' if r.country == team else ''}"
                f"{' refused' if r.kind == 'refused' else ''}\">{first}{country}<td>{kind}{w.short(text)}</td></tr>")
    if not body:
        return ""
    head = (f'<th style="width:13%">{w.key("debrief.col.quarter")}</th>'
            + (f'<th style="width:17%">{w.key("debrief.col.who")}</th>' if who else "")
            + f'<th>{w.key("debrief.col.what")}</th>')
    code = next(iter(acting)) if len(acting) == 1 else None
    whose = {lang: tr("debrief.decisions_of", lang).format(
        country=in_sentence(country_name(world, code, lang), lang))
             for lang in w.langs} if code is not None else None
    note = f'<p class="note">{w.both(whose)}</p>' if whose else ""
    return f'{note}<table class="decisions"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def lesson_render(report: Debrief, w: Words, logged_names: dict[str, str] | None) -> str:
    """A lesson's debrief as a handout: the lesson first, the index and the people's decisions, then
    an appendix (the score's breakdown, the indicators, the other governments' routine programmes
    and the cause log) from a new page."""
    mine, others = people_first(report.world, quarter_rows(report.world))
    decisions = (f'<section id="decisions"><h2>{w.key("debrief.section.decisions")}</h2>'
                 f'<p class="note">{w.key("debrief.korea_decisions_note")}</p>'
                 f"{_quarter_tables(report.world, mine, w, team=report.team)}</section>")
    appendix = (f'<section id="appendix" class="appendix"><h2>{w.key("debrief.section.appendix")}</h2>'
                f'<p class="note">{w.key("debrief.appendix_note")}</p>{_quarter_tables(report.world, others, w)}'
                "</section>")
    return "".join((header(report, w, logged_names), lesson_section(report, w), what_if_section(report, w, True),
                    teams_section(report, w) if report.teams else "", decisions, appendix,
                    *team_sections(report, w), causes_section(report, w)))


def team_sections(report: Debrief, w: Words) -> tuple[str, ...]:
    """The score's breakdown and the indicators: Korea's key indicators for Korea; for another
    team, its turning points and the indicators its own objective reads."""
    if report.team == PLAYER:
        return breakdown_section(report, w), indicators_section(report, w)
    return breakdown_section(report, w), turning_points_section(report, w), components_section(report, w)


def render(report: Debrief, langs: tuple[str, ...], logged_names: dict[str, str] | None = None) -> str:
    """The whole debrief of `report.team`: a lesson's handout first (`lesson_render`), else the
    score against the what-if, the teams' results (when several played), the breakdown, the
    indicators, every quarter's decisions and the cause log."""
    w = Words(langs)
    if report.lesson is not None:
        body = lesson_render(report, w, logged_names)
    else:
        body = "".join((header(report, w, logged_names), teams_section(report, w) if report.teams else "",
                        what_if_section(report, w), *team_sections(report, w), decisions_section(report, w),
                        causes_section(report, w)))
    title = " — ".join(tr("title", lang) + " · " + _team_text(report, lang, "debrief.title", "debrief.title_of")
                       for lang in langs)
    return document(body, title, langs)


def document(body: str, title: str, langs: tuple[str, ...], extra_css: str = "") -> str:
    """A whole page around `body`: the stylesheet and the font, cut to the page's characters,
    inside, so it prints the same on a machine with no network and no Korean font (the debrief
    and the handouts, game/report/handouts.py)."""
    page = (f'<!DOCTYPE html>\n<html lang="{langs[0]}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>__CSS__</style></head>"
            f'<body class="{"both" if len(langs) > 1 else langs[0]}">{body}</body></html>\n')
    style = CSS + extra_css
    used = page + style
    css = (style.replace("__REGULAR__", fontfiles.subset_data_uri(fontfiles.regular(), used))
                .replace("__BOLD__", fontfiles.subset_data_uri(fontfiles.bold(), used)))
    return page.replace("__CSS__", css, 1)
