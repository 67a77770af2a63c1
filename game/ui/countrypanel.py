"""A country's panel (click a country on the map, away from its firms): its budget and how much of
it has been spent, its lever settings, its firms with their market shares, the leading-edge fabs
standing in it (foreign-owned ones included), its score and the export controls it imposes or
faces. The lines are built from the model (`country_lines`, easy to test); `draw_country` lays
them out in a box on the map.
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


def draw_country(screen, fonts, rect: pygame.Rect, world, code: str, lang: str) -> None:
    pygame.draw.rect(screen, (12, 16, 24), rect, border_radius=6)
    pygame.draw.rect(screen, YELLOW, rect, 2, border_radius=6)
    # two columns: the text runs on into the second when the first is full
    width = (rect.width - 36) // 2
    x, y, column = rect.x + 12, rect.y + 8, 0
    for style, text in country_lines(world, code, lang):
        size, colour, bold = STYLE[style]
        parts = fonts.wrap(text, size, width, bold)[:3]
        step = fonts.font(size, bold).get_linesize() + 2  # the line height of the text size in use
        needed = step * len(parts) + (4 if style == "head" else 0)
        if y + needed > rect.bottom - 24 and column == 0:
            x, y, column = rect.x + 24 + width, rect.y + 8 + 28, 1
        if style == "head":
            y += 4
        for part in parts:
            if y + step > rect.bottom - 24:
                break
            screen.blit(fonts.render(part, size, colour, bold), (x, y))
            y += step
    hint = fonts.fit(tr("ui.country.hint", lang), 11, DIM, rect.width - 20)
    screen.blit(hint, (rect.right - hint.get_width() - 10, rect.bottom - hint.get_height() - 4))
