"""Printable handouts a teacher hands out before play (issue 17, item 3): a prediction worksheet
per lesson and a role sheet per country, each one self-contained A4 HTML page (the debrief's
stylesheet and embedded font, game/report/page.py), in English, Korean or both.

Everything on them is read from the scenario and from a world built from it, never written by
hand: a lesson's key quantities, counterfactual, briefing and questions (`[lesson]`), a country's
objective (`[score.<country>]` or `[score]`), its levers and their lags (`[levers]`), its budget
and firms, and the events that ask it to choose. So a teacher's edited scenario prints its own
handouts, and a handout cannot promise a lever the game refuses.

Why a worksheet asks for predictions of the key quantities and not of the score: the lesson's
point rests on those numbers (game/lesson_compare.py), and the lesson panel (L), `sim --compare`
and the debrief show the same numbers after play, so students check their own predictions.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from game.calendar import parse_quarter
from game.describe import money
from game.lesson_quantities import read
from game.lesson_text import format_value, label, spec_summary_text
from game.report.debrief import DebriefError
from game.report.page import Words, document
from game.saves import write_text_atomically
from game.scenario import Scenario
from game.summary import PERCENT_INDICATORS
from game.text import korean_money, korean_number, quarter_name, tr

# Readable only once a quarter has traded (a flow, or a share of this quarter's orders): the
# worksheet's "at the start" cell says so rather than printing a misleading 0.
_AFTER_FIRST_QUARTER = {"binding", "output", "all_designers_output", "country_designers_output",
                        "country_designers_planned", "foreign_node_share", "spent"}

# Indicators that are flows a quarter (an objective's threshold then says "a quarter").
_QUARTERLY_INDICATORS = {"gdp_effect", "industry_revenue"}

# The producers a role sheet lists, by the scenario section they are in.
_FIRM_KINDS = ("designers", "foundries", "hbm_makers", "packagers")

EXTRA_CSS = """
table.blank td { height: 3.4em; }
table.blank td.predict { width: 17%; color: #555; font-size: 8pt; }
table.blank tr.why td { height: 2.6em; border-bottom: 1px solid #999; }
table.blank td.boxes { font-size: 8.5pt; line-height: 1.7; width: 13%; }
table.blank td.result { width: 14%; }
table.fields { width: 100%; margin: 4px 0 8px; }
table.fields td { border-bottom: 1px solid #999; width: 33%; padding: 10px 4px 2px; }
ol.questions > li { margin-bottom: 2.6em; }
div.lines { border-bottom: 1px solid #999; height: 1.9em; }
p.lead { font-size: 10pt; margin: 4px 0 8px; }
@media print { h2 { margin-top: 10px; } }
"""


class HandoutError(DebriefError):
    """A handout that cannot be made (no such country, no lesson, a target that cannot be written);
    the command prints it and exits 2."""


# ------------------------------------------------------------------------------ small parts

def _world(scenario: Scenario, seed: int = 7):
    """The world at its start, for the values a handout quotes (a start value, a firm's name):
    built like every game (calibration included) and released afterwards."""
    from game.model import World

    return World(scenario, seed=seed, tables=False)


def _period(scenario: Scenario, lang: str) -> str:
    first = parse_quarter(scenario.scenario.start)
    return tr("handout.role.period", lang).format(first=quarter_name(first, lang),
                                                  last=quarter_name(first + scenario.scenario.turns - 1, lang),
                                                  quarters=scenario.scenario.turns)


def _title(scenario: Scenario, lang: str) -> str:
    meta = scenario.scenario
    return meta.title_ko if lang == "ko" else meta.title_en


def _fields(w: Words) -> str:
    """Name, team and date lines to write on."""
    cells = "".join(f"<td>{w.inline({lang: tr(key, lang) for lang in w.langs})}:</td>"
                    for key in ("handout.name", "handout.team", "handout.date"))
    return f'<table class="fields"><tr>{cells}</tr></table>'


def _indicator_value(key: str, value: float, lang: str) -> str:
    """An objective's threshold in its indicator's units: a share in percent, a count or an
    amount in Korean units in Korean (1조 2,000억 원), in thousands or billions in English."""
    if key in PERCENT_INDICATORS:
        return f"{value * 100:.3g}%"
    if value == 0:
        return "0"
    if key == "compute_installed":
        return f"{korean_number(value * 1000)}개" if lang == "ko" else f"{value:,.3g} thousand H100e"
    if key == "domestic_designers_alive":
        return f"{value:.0f}곳" if lang == "ko" else f"{value:.0f}"
    amount = korean_money(value * 1e9) if lang == "ko" else f"US${value:,.3g} billion"
    if key in _QUARTERLY_INDICATORS:
        return tr("handout.per_quarter", lang).format(amount=amount)
    return amount


def _threshold(key: str, value: float, w: Words) -> str:
    return w.inline({lang: _indicator_value(key, value, lang) for lang in w.langs})


def _lag(quarters: int, lang: str) -> str:
    if quarters == 0:
        return tr("handout.lag.none", lang)
    return tr("handout.lag.one" if quarters == 1 else "handout.lag.many", lang).format(n=quarters)


def _country_name(scenario: Scenario, code: str, lang: str) -> str:
    spec = next(c for c in scenario.countries if c.id == code)
    return spec.name_ko if lang == "ko" else spec.name_en


def playable_countries(scenario: Scenario) -> list[str]:
    """The countries a team may play: every country of the scenario (one without levers still has
    an objective and plays its programmes)."""
    return [c.id for c in scenario.countries]


# ------------------------------------------------------------------------------ the worksheet

def worksheet_html(scenario: Scenario, langs: tuple[str, ...]) -> str:
    """A lesson's prediction worksheet: the situation, a row per key quantity to predict in this
    game and in the counterfactual (with its value at the start where one exists), and the
    debrief's questions with room to answer."""
    lesson = scenario.lesson
    if lesson is None or lesson.counterfactual is None:
        raise HandoutError(f"scenario {scenario.scenario.name!r} is not a lesson with key quantities: "
                           "only a lesson has a prediction worksheet (its role sheets can still be printed)")
    w = Words(langs)
    world = _world(scenario)
    try:
        starts = {i: (None if q.quantity in _AFTER_FIRST_QUARTER else read(world, q))
                  for i, q in enumerate(lesson.quantities)}
    finally:
        world.close()
    change = lesson.counterfactual
    other = {"en": change.label_en, "ko": change.label_ko}
    heads = (f"<th>{w.key('handout.col.quantity')}</th><th>{w.key('handout.col.now')}</th>"
             f"<th colspan=\"2\">{w.key('handout.section.predict')}</th>"
             f"<th>{w.key('handout.col.compare')}</th><th>{w.key('handout.col.result')}</th>")
    boxes = "<br>".join("☐ " + " / ".join(escape(tr(f"handout.compare.{box}", lang)) for lang in langs)
                        for box in ("higher", "lower", "same"))
    rows = []
    for i, spec in enumerate(lesson.quantities):
        start = starts[i]
        now = (w.inline({lang: format_value(spec, start, lang) for lang in langs}) if start is not None
               else w.both({lang: f"({tr('handout.after_first', lang)})" for lang in langs}))
        game = w.both({lang: tr("handout.col.game", lang).format(summary=spec_summary_text(spec, lang))
                       for lang in langs})
        counter = w.both({lang: tr("handout.col.other", lang).format(label=other[lang][:1].upper() + other[lang][1:])
                          for lang in langs})
        rows.append(f"<tr><td>{w.both({lang: label(spec, lang) for lang in langs})}</td><td>{now}</td>"
                    f'<td class="predict">{game}</td><td class="predict">{counter}</td>'
                    f'<td class="boxes">{boxes}</td><td class="result"></td></tr>')
        rows.append(f'<tr class="why"><td colspan="6" class="kind">{w.key("handout.why")}</td></tr>')
    questions = "".join(f"<li>{w.both({'en': en, 'ko': ko})}</li>"
                        for en, ko in zip(lesson.questions_en, lesson.questions_ko, strict=True))
    title = w.both({lang: f"{tr('handout.worksheet.title', lang)}: {_title(scenario, lang)}" for lang in langs})
    intro = w.both({lang: tr("handout.predict.intro", lang).format(label=other[lang]) for lang in langs})
    body = (f"<h1>{title}</h1>{_fields(w)}"
            f"<h2>{w.key('handout.section.situation')}</h2>"
            f"<p class=\"lead\">{w.both({'en': lesson.briefing_en, 'ko': lesson.briefing_ko})}</p>"
            f"<h2>{w.key('handout.section.predict')}</h2>"
            f"<p class=\"note\">{intro}</p>"
            f'<table class="blank"><thead><tr>{heads}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f"<h2>{w.key('handout.section.questions')}</h2><ol class=\"questions\">{questions}</ol>")
    return document(body, " — ".join(f"{tr('handout.worksheet.title', lang)} · {_title(scenario, lang)}"
                                     for lang in langs), langs, EXTRA_CSS)


# ------------------------------------------------------------------------------ the role sheet

def role_sheet_html(scenario: Scenario, country: str, langs: tuple[str, ...]) -> str:
    """One country's role sheet: its objective (components, weights, thresholds, grades), its
    levers (what each does and when it bites), where it starts (budget, standing support, firms),
    the choices events may put to it, and room for the team's plan."""
    if country not in playable_countries(scenario):
        raise HandoutError(f"--teams: no country {country!r} in scenario {scenario.scenario.name!r} "
                           f"(its countries: {', '.join(playable_countries(scenario))})")
    w = Words(langs)
    spec = next(c for c in scenario.countries if c.id == country)
    names = {lang: _country_name(scenario, country, lang) for lang in langs}
    lead = {lang: f"{_title(scenario, lang)} · {_period(scenario, lang)}" for lang in langs}
    parts = [f"<h1>{w.both({lang: tr('handout.role.of', lang).format(country=names[lang]) for lang in langs})}</h1>",
             f"<p class=\"lead\">{w.both(lead)}</p>",
             _fields(w), _objective(scenario, country, w), _levers(scenario, country, w),
             _start(scenario, spec, w), _choices(scenario, country, w),
             f"<h2>{w.key('handout.section.plan')}</h2>" + '<div class="lines"></div>' * 5]
    title = " — ".join(f"{tr('handout.role.title', lang)} · {names[lang]}" for lang in langs)
    return document("".join(parts), title, langs, EXTRA_CSS)


def _objective(scenario: Scenario, country: str, w: Words) -> str:
    if scenario.score is None:
        return ""
    rule = scenario.score.for_country(country)
    total = sum(c.weight for c in rule.components) or 1.0
    rows = []
    for c in sorted(rule.components, key=lambda c: -c.weight):
        zero, full = (c.high, c.low) if c.invert else (c.low, c.high)
        rows.append(f"<tr><td>{w.both({'en': c.label_en, 'ko': c.label_ko})}</td>"
                    f'<td class="num">{c.weight / total:.0%}</td>'
                    f'<td class="num">{_threshold(c.key, zero, w)}</td>'
                    f'<td class="num">{_threshold(c.key, full, w)}</td></tr>')
    bands = sorted(scenario.score.grades_for(country).items(), key=lambda kv: -kv[1])
    grades = w.both({lang: tr("handout.objective.grades", lang).format(
        bands=", ".join(f"{name} ≥ {low:.0f}" for name, low in bands if low > 0)) for lang in w.langs})
    head = f"<th>{w.key('handout.col.component')}</th>" + "".join(
        f'<th class="num">{w.key(k)}</th>' for k in ("handout.col.weight", "handout.col.zero", "handout.col.full"))
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return (f"<h2>{w.key('handout.section.objective')}</h2><p class=\"note\">{w.key('handout.objective.note')}</p>"
            f"{table}<p class=\"note\">{grades}</p>")


def _levers(scenario: Scenario, country: str, w: Words) -> str:
    title = f"<h2>{w.key('handout.section.levers')}</h2>"
    kinds = scenario.levers.offered_to(country) if scenario.levers is not None else []
    if not kinds:
        return title + f"<p>{w.key('handout.levers.none')}</p>"
    head = "".join(f"<th>{w.key(f'handout.col.{k}')}</th>" for k in ("lever", "does", "takes_effect"))
    rows = "".join(
        f"<tr><td>{w.key(f'lever.{kind}')}</td><td>{w.key(f'handout.lever.{kind}')}</td>"
        f"<td>{w.both({lang: _lag(scenario.levers.lags[kind], lang) for lang in w.langs})}</td></tr>"
        for kind in kinds)
    return title + f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _start(scenario: Scenario, spec, w: Words) -> str:
    budget = spec.budget_per_quarter + spec.policy_loans_per_quarter
    lines = [w.both({lang: tr("handout.start.budget", lang).format(money=money(budget, lang, spec.currency))
                     for lang in w.langs})]
    if spec.capex_support > 0:
        lines.append(w.both({lang: tr("handout.start.capex", lang).format(share=f"{spec.capex_support:.0%}")
                             for lang in w.langs}))
    firms = []
    for kind in _FIRM_KINDS:
        mine = [f for f in getattr(scenario, kind) if f.country == spec.id]
        if mine:
            listed = {lang: ", ".join((getattr(f, "name_ko", None) or f.name) if lang == "ko" else f.name for f in mine)
                      for lang in w.langs}
            firms.append(f"<dt>{w.key(f'handout.kind.{kind}')}</dt><dd>{w.both(listed)}</dd>")
    owned = (f'<dl class="meta">{"".join(firms)}</dl>' if firms else f"<p>{w.key('handout.start.no_firms')}</p>")
    return (f"<h2>{w.key('handout.section.start')}</h2>" + "".join(f"<p>{line}</p>" for line in lines)
            + f"<h3>{w.key('handout.start.firms')}</h3>{owned}")


def _choices(scenario: Scenario, country: str, w: Words) -> str:
    events = [e for e in scenario.events if e.chooser == country and e.choices]
    if not events:
        return ""
    last_quarter = parse_quarter(scenario.scenario.start) + scenario.scenario.turns - 1
    items = []
    for e in events:
        first = parse_quarter(e.start)
        last = min(parse_quarter(e.end), last_quarter) if e.end else last_quarter
        if first > last_quarter:
            continue
        when = {lang: tr("handout.choices.when", lang).format(
            first=quarter_name(first, lang), last=quarter_name(last, lang)) for lang in w.langs}
        options = {lang: tr("handout.choices.options", lang).format(
            options=", ".join(c.label_ko if lang == "ko" else c.label_en for c in e.choices)) for lang in w.langs}
        items.append(f"<li><b>{w.both({'en': e.title_en, 'ko': e.title_ko})}</b> "
                     f"<span class=\"kind\">{w.both(when)}</span>"
                     f"{w.both({'en': e.text_en, 'ko': e.text_ko})}{w.both(options)}</li>")
    if not items:
        return ""
    return f"<h2>{w.key('handout.section.choices')}</h2><ul class=\"goals\">{''.join(items)}</ul>"


# ------------------------------------------------------------------------------ the command

def write_handouts(scenario_name: str, out: Path, lang: str = "both", teams: list[str] | None = None) -> list[Path]:
    """Write the worksheet (for a lesson) and a role sheet per team into the folder `out`:
    `<scenario>_worksheet.html`, `<scenario>_role_<COUNTRY>.html`. Everything is checked before
    anything is written, so a bad team leaves the folder as it was."""
    from game.report.debrief import languages
    from game.scenario import ScenarioError, load_scenario

    if out.exists() and not out.is_dir():
        raise HandoutError(f"--out {out}: is a file; give a folder")
    if not out.parent.is_dir() and not out.is_dir():
        raise HandoutError(f"--out {out}: the folder {out.parent} does not exist (create it first)")
    try:
        scenario = load_scenario(scenario_name)
    except ScenarioError as exc:
        raise HandoutError(str(exc)) from None
    langs = languages(lang)
    codes = teams or playable_countries(scenario)
    unknown = [c for c in codes if c not in playable_countries(scenario)]
    if unknown:
        raise HandoutError(f"--teams: no country {', '.join(unknown)} in scenario {scenario_name!r} "
                           f"(its countries: {', '.join(playable_countries(scenario))})")
    pages: dict[str, str] = {}
    if scenario.lesson is not None and scenario.lesson.counterfactual is not None:
        pages[f"{scenario_name}_worksheet.html"] = worksheet_html(scenario, langs)
    for code in codes:
        pages[f"{scenario_name}_role_{code}.html"] = role_sheet_html(scenario, code, langs)
    out.mkdir(exist_ok=True)
    written = []
    for name, html in pages.items():
        try:
            written.append(write_text_atomically(out / name, html))
        except OSError as exc:
            raise HandoutError(f"--out {out}: cannot write {name}: {exc.strerror or exc}") from None
    return written

