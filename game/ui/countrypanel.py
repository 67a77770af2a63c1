"""A country's panel (click a country on the map, away from its firms): its budget and how much of
it has been spent, its lever settings, its firms with their market shares, the leading-edge fabs
standing in it (foreign-owned ones included), its score and the export controls it imposes or
faces. The lines are built from the model (`country_lines`, easy to test); `draw_country` lays
them out (`layout`) in a box on the map, which the window makes as tall as the map, chart and news
together where the map alone is too short for every line (`fits`), and then a point or two smaller
where even that is too short (`fitting`: the largest text in English on a 1024x600 window).
"""

from __future__ import annotations

import pygame

from game.describe import capacity_held, money
from game.indicators import budget_used
from game.text import tr

TEXT = (230, 234, 240)
DIM = (150, 162, 176)
YELLOW = (240, 228, 66)
RED = (230, 90, 60)
MARKET = {"foundry": "foundry", "hbm_maker": "hbm", "packager": "packaging", "designer": "accelerator"}


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def policy_lines(world, code: str, lang: str) -> list[str]:
    """The country's lever settings that are switched on, one line each (names in `lang`)."""
    country = world.countries[code]
    policy = country.policy

    def name(firm: str) -> str:
        agent = world.by_name.get(firm)
        return agent.name_ko if agent is not None and lang == "ko" else firm

    lines = []
    for lever in ("foundry_subsidy", "chip_incentive", "service_incentive"):
        rate = getattr(policy, lever)
        if rate:
            lines.append(f"{tr(f'lever.{lever}', lang)}: {_pct(rate)}")
    if policy.procurement_mix or policy.procurement_budget is not None:
        mix = ", ".join(f"{tr(f'ui.country.mix.{k}', lang)} {_pct(v)}" for k, v in policy.procurement_mix.items() if v)
        budget = world.procurement_cost(country, policy)
        lines.append(f"{tr('lever.procurement', lang)}: {money(budget, lang, country.currency)}"
                     + (f" ({mix})" if mix else ""))
    groups = (("rd_grant", policy.rd_grants, lambda v: money(v, lang, country.currency)),
              ("convergence", policy.convergence, _pct), ("capacity_support", policy.capacity_support,
                                                           lambda v: "+" + _pct(v)))
    for lever, settings, show in groups:
        parts = [f"{name(k)} {show(v)}" for k, v in settings.items() if v]
        if parts:
            lines.append(f"{tr(f'lever.{lever}', lang)}: {', '.join(parts)}")
    if country.capex_support:
        lines.append(f"{tr('ui.country.capex_support', lang)}: {_pct(country.capex_support)}")
    lines.append(f"{tr('lever.trade_stance', lang)}: {tr(f'ui.stance.{policy.trade_stance}', lang)}")
    return lines


def fab_lines(world, code: str, lang: str) -> list[str]:
    """The leading-edge capacity standing in the country, whoever owns it (docs/model.md, "Fab
    location"): one line per foundry with lines there, a foreign owner named."""
    lines = []
    for foundry in world.foundries:
        here = (foundry.located or {foundry.country: foundry.capacity}).get(code, 0.0)
        if here <= 0 or not foundry.alive:
            continue
        label = foundry.name_ko if lang == "ko" else foundry.name
        line = tr("ui.country.fab", lang).format(firm=label, amount=capacity_held("foundry", here, lang))
        if foundry.country != code:
            owner = world.countries[foundry.country]
            line += " " + tr("ui.country.fab_owner", lang).format(
                country=owner.name_ko if lang == "ko" else owner.name_en)
        lines.append(line)
    return lines


def controls(world, code: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Export controls in force as (good, origin, destination): those `code` imposes, those it faces."""
    imposed, faced = [], []
    for rule in world.export_rules.active:
        for origin in rule.from_countries:
            for destination in rule.to_countries:
                if origin == code:
                    imposed.append((rule.good, origin, destination))
                if destination == code:
                    faced.append((rule.good, origin, destination))
    return sorted(set(imposed)), sorted(set(faced))


def country_lines(world, code: str, lang: str) -> list[tuple[str, str]]:
    """(style, text) lines: style is "title", "head", "text" or "warn"."""
    country = world.countries[code]
    name = country.name_ko if lang == "ko" else country.name_en
    score = world.scores.get(code)
    lines = [("title", name + (f"   {tr('ui.country.score', lang)} {score:.1f}" if score is not None else ""))]
    used = budget_used(country)
    lines.append(("text", tr("ui.country.budget", lang).format(
        amount=money(country.budget_per_quarter, lang, country.currency))))
    lines.append(("text", tr("ui.country.used", lang).format(
        used=_pct(used), spent=money(country.spent_total, lang, country.currency))))
    lines.append(("head", tr("ui.country.policy", lang)))
    lines += [("text", line) for line in policy_lines(world, code, lang)]
    shares = world.history[-1]["shares"] if world.history else {}
    firms = [a for a in (*world.foundries, *world.hbm_makers, *world.packagers, *world.designers) if a.country == code]
    if firms:
        lines.append(("head", tr("ui.country.firms", lang)))
        for firm in firms:
            market = MARKET[firm.kind]
            share = shares.get(market, {}).get(firm.name, 0.0)
            label = firm.name_ko if lang == "ko" else firm.name
            lines.append(("text", f"{label} - {tr(f'ui.chart.market.{market}', lang)} {share:.1%}"))
    fabs = fab_lines(world, code, lang)
    if fabs:
        lines.append(("head", tr("ui.country.fabs", lang)))
        lines += [("text", line) for line in fabs]
    imposed, faced = controls(world, code)
    for head, rules, other in (("ui.country.imposes", imposed, 2), ("ui.country.faces", faced, 1)):
        if rules:
            lines.append(("head", tr(head, lang)))
            partners: dict[str, list[str]] = {}
            for good, *pair in rules:
                partner = world.countries.get(pair[other - 1])
                partners.setdefault(good, []).append(
                    (partner.name_ko if lang == "ko" else partner.name_en) if partner else pair[other - 1])
            for good, who in partners.items():
                lines.append(("warn", f"{tr(f'ui.good.{good}', lang)}: {', '.join(who)}"))
    return lines


STYLE = {"title": (16, YELLOW, True), "head": (14, YELLOW, True), "text": (13, TEXT, False), "warn": (13, RED, False)}


def layout(fonts, rect: pygame.Rect, lines: list[tuple[str, str]], smaller: int = 0) -> tuple[list[tuple], bool]:
    """Where each line goes in `rect`, `smaller` points under its style's size: two columns, the
    text running on into the second when the first is full (a heading with its first line), each
    line wrapped to three rows at most. Returns ([(text, style, size, x, y)], whether every row of
    every line found room)."""
    width = (rect.width - 36) // 2
    x, y, column = rect.x + 12, rect.y + 8, 0
    placed, whole = [], True
    for i, (style, text) in enumerate(lines):
        size, _, bold = STYLE[style]
        size -= smaller
        parts = fonts.wrap(text, size, width, bold)
        whole = whole and len(parts) <= 3
        parts = parts[:3]
        step = fonts.font(size, bold).get_linesize() + 2  # the line height of the text size in use
        needed = step * len(parts) + (4 if style == "head" else 0)
        if style == "head" and i + 1 < len(lines):  # a heading goes with its first line
            after = STYLE[lines[i + 1][0]]
            needed += fonts.font(after[0] - smaller, after[2]).get_linesize() + 2
        if y + needed > rect.bottom - 24 and column == 0:
            x, y, column = rect.x + 24 + width, rect.y + 8 + 28, 1
        if style == "head":
            y += 4
        for part in parts:
            if y + step > rect.bottom - 24:
                whole = False
                break
            placed.append((part, style, size, x, y))
            y += step
    return placed, whole


def fitting(fonts, rect: pygame.Rect, lines: list[tuple[str, str]]) -> tuple[list[tuple], bool]:
    """`layout` at the text size in use, else a point or more smaller (never under 11 px for the
    body text), the first that shows every line; the smallest tried if none does."""
    found = layout(fonts, rect, lines)
    smaller = 1
    while not found[1] and round((STYLE["text"][0] - smaller) * fonts.scale) >= 11:
        found = layout(fonts, rect, lines, smaller)
        smaller += 1
    return found


def fits(fonts, rect: pygame.Rect, world, code: str, lang: str) -> bool:
    """Whether the whole panel of `code` fits in `rect` at the text size in use (the window gives
    it more height if not)."""
    return layout(fonts, rect, country_lines(world, code, lang))[1]


def draw_country(screen, fonts, rect: pygame.Rect, world, code: str, lang: str) -> None:
    pygame.draw.rect(screen, (12, 16, 24), rect, border_radius=6)
    pygame.draw.rect(screen, YELLOW, rect, 2, border_radius=6)
    for text, style, size, x, y in fitting(fonts, rect, country_lines(world, code, lang))[0]:
        _, colour, bold = STYLE[style]
        screen.blit(fonts.render(text, size, colour, bold), (x, y))
    hint = fonts.fit(tr("ui.country.hint", lang), 11, DIM, rect.width - 20)
    screen.blit(hint, (rect.right - hint.get_width() - 10, rect.bottom - hint.get_height() - 4))
