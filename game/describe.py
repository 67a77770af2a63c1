"""Actions and money in a few words, in Korean or English: shared by the desktop game and the
debrief report, so a decision reads the same on screen and on paper (no pygame here)."""

from __future__ import annotations

import math

from game.text import korean_money, korean_number, tr


def country_name(world, code: str, lang: str) -> str:
    """A country's name in `lang` (the scenario's name_en / name_ko); "—" for a code that names
    no country (an event with no chooser, a teacher's trigger for all)."""
    country = world.countries.get(code)
    if country is None:
        return "—"
    return country.name_ko if lang == "ko" else country.name_en


ARTICLE_EN = ("United ", "European ", "Middle East", "Rest of ", "Netherlands", "Gulf")


def in_sentence(name: str, lang: str) -> str:
    """A country's name inside an English sentence, with the article English gives it: "what if
    the United States had done nothing new", not "what if United States"; Korean as it is."""
    if lang == "en" and name.startswith(ARTICLE_EN):
        return "the " + (name[0].lower() + name[1:] if name.startswith("Rest of ") else name)
    return name


def index_name(world, code: str, lang: str) -> str:
    """What a country's score is called: Korea's is the Team Korea index, another country's its
    score on its own objective ("Japan on its own objective", "일본 목표 점수")."""
    if code == "KOR":
        return tr("korea_index", lang)
    return tr("ui.end.score_of", lang).format(country=country_name(world, code, lang))


def money(local: float, lang: str, currency: str = "KRW") -> str:
    """Billions in English; in Korean the units a Korean reader counts in (game.text.korean_money):
    3,000억 원, 1조 2,000억 원, 730억 위안, never "0억 원" for a small sum."""
    if lang == "ko":
        return korean_money(local, currency)
    return f"{local / 1e9:,.1f}B {currency}"


# Indicators a Korean reader sees in whole units: (the model's unit in ones, "money" or the counter
# word). Their Korean labels for such values are "kor.<key>.plain" (no "천 H100 환산", "십억 달러").
KOREAN_INDICATORS = {"compute_installed": (1e3, "개"), "gdp_effect": (1e9, "money"),
                     "domestic_designers_alive": (1, "곳"), "domestic_designers_cash": (1e9, "money"),
                     "policy_support_paid": (1e9, "money"), "industry_revenue": (1e9, "money")}


# A producer's capacity in the model's units (docs/model.md, "Units"): its strings key, and how
# many of the Korean count's units one model unit holds (thousand wafers, million GB).
CAPACITY_UNITS = {"foundry": ("ui.unit.foundry", 1e3, "장"), "hbm_maker": ("ui.unit.hbm", 1e6, " GB"),
                  "packager": ("ui.unit.packaging", 1e3, "장")}


def capacity(kind: str, amount: float, lang: str) -> str:
    """New or lost capacity of a producer of `kind` with its unit: "34.7 k wafers/qtr" in
    English, "3만 4,700장/분기" in Korean (a count in Korean units, never "34.7천 장")."""
    key, scale, count = CAPACITY_UNITS[kind]
    if lang == "ko":  # three significant figures, as the English: 2,380만 GB, not 2,375만 8,563 GB
        units = amount * scale
        if units:
            step = 10 ** max(math.floor(math.log10(abs(units))) - 2, 0)
            units = round(units / step) * step
        return f"{korean_number(units)}{count}/분기"
    return f"{amount:.1f} {tr(key, lang)}"


def capacity_held(kind: str, amount: float, lang: str) -> str:
    """A producer's capacity as a panel or a tooltip shows it: "1,798 k wafers/qtr" in English (whole
    units), "180만장/분기" in Korean (as `capacity`)."""
    if lang == "ko":
        return capacity(kind, amount, lang)
    return f"{amount:,.0f} {tr(CAPACITY_UNITS[kind][0], lang)}"


def korean_indicator(key: str, value: float, signed: bool = False) -> str:
    """A Korea indicator's value in Korean units (3만 5,306개, 2억 6,800만 달러, 2곳) where the
    English reader gets 35.31 thousand H100e or US$0.27 billion; `signed` for a change (+6,800만 달러)."""
    scale, word = KOREAN_INDICATORS[key]
    amount = value * scale
    sign = ("+" if amount > 0 else "-" if amount < 0 else "±") if signed else ""
    size = abs(amount) if signed else amount
    return sign + (korean_money(size) if word == "money" else f"{korean_number(size)}{word}")


def describe_action(action: dict, lang: str, world=None, currency: str = "KRW") -> str:
    """An Action (as logged or written in the scenario) in a few words: the lever, its target and
    its setting; firm names in the reader's language when a world is at hand."""
    kind = action.get("kind", "")
    parts = [tr(f"lever.{kind}", lang)]
    for key in ("firm", "designer", "industry", "supplier"):
        if key in action:
            agent = world.by_name.get(action[key]) if world is not None else None
            parts.append(agent.name_ko if agent is not None and lang == "ko" else str(action[key]))
    if "stance" in action:
        parts.append(tr(f"ui.stance.{action['stance']}", lang))
    if "good" in action:
        parts.append(tr(f"good.{action['good']}", lang))
    if "to_countries" in action:
        codes = action["to_countries"]
        if lang == "ko" and world is not None:  # 중국, not CHN
            codes = [world.countries[c].name_ko if c in world.countries else c for c in codes]
        parts.append("→ " + ", ".join(codes))
    for key in ("amount", "budget"):
        if action.get(key) is not None:  # a procurement without a budget follows the centre's plan
            parts.append(money(float(action[key]), lang, currency))
    if action.get("kind") == "procurement" and action.get("budget") is None:
        parts.append(tr("describe.plan_volume", lang))
    if action.get("mix"):
        parts[-1] += ":"  # "... procurement following its plan: leader 50%, home chips 40%, others 10%"
        parts.append(", ".join(f"{tr(f'ui.country.mix.{k}', lang)} {float(v) * 100:.0f}%"
                               for k, v in action["mix"].items()))
    for key in ("rate", "intensity"):
        if key in action:
            parts.append(f"{float(action[key]) * 100:.0f}%")
    return " ".join(parts)
