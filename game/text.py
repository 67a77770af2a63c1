"""Player-facing strings in Korean and English, kept in assets/strings as data.

The files follow python-i18n's `<namespace>.<locale>.json` layout, which pygame_gui reads too,
so the command line and the desktop game share one set of translations.

Korean needs two things str.format cannot do, so a template from `tr` formats with
`TemplateFormatter` (the syntax is documented in assets/strings/README.md):

- a particle chosen by the final sound of the word before it: `{firm|이}` gives "리벨리온이" or
  "엔비디아가", `{to|으로}` "중국으로" or "미국으로", never "이(가)" or "(으)로";
- numbers in Korean units: `{units:n3}개` (a value in thousands) gives "7,560개", `{amount:n6}
  달러` (millions) "1억 2,000만 달러", where str.format would give "7.56천 개" or "0.1백만 달러".
"""

from __future__ import annotations

import json
import math
import re
import string
import unicodedata
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

STRINGS_DIR = Path(__file__).resolve().parent.parent / "assets" / "strings"
LANGUAGES = ("en", "ko")

# ------------------------------------------------------------------ particles
# Each particle by its two forms: after a final consonant (받침), after a vowel. 으로/로 has a
# third rule: after a final ㄹ it is 로 (서울로, 일로), like after a vowel.
PARTICLES: dict[str, tuple[str, str]] = {}
for _consonant, _vowel in (("이", "가"), ("은", "는"), ("을", "를"), ("과", "와"), ("으로", "로"),
                           ("이나", "나"), ("이라", "라"), ("이다", "다"), ("아", "야"), ("이며", "며")):
    PARTICLES[_consonant] = PARTICLES[_vowel] = (_consonant, _vowel)

# How a Latin letter is read when it ends a word spelt as letters (an acronym: HBM 에이치비엠):
# the final consonant of the letter's Korean name, "" for none. A, E, I, O, U, Y end in a vowel
# and so do most; L 엘 and R 알 end in ㄹ, M 엠 in ㅁ, N 엔 in ㄴ.
LETTER_FINAL = {letter: "" for letter in string.ascii_uppercase}
LETTER_FINAL.update({"L": "ㄹ", "R": "ㄹ", "M": "ㅁ", "N": "ㄴ"})

# How a word written in lower-case Latin letters ends when read as an English word (Nvidia 엔비디아,
# Rubin 루빈, Google 구글): by its last letters, the longest match first; no match reads as a vowel
# (Samsung is 삼성 with ㅇ, caught by "ng").
WORD_FINAL = (("ng", "ㅇ"), ("ck", "ㄱ"), ("le", "ㄹ"), ("l", "ㄹ"), ("m", "ㅁ"), ("n", "ㄴ"),
              ("k", "ㄱ"), ("p", "ㅂ"), ("b", "ㅂ"), ("t", ""), ("d", ""), ("r", ""))

# A digit's reading: 0 영, 1 일, 2 이, 3 삼, 4 사, 5 오, 6 육, 7 칠, 8 팔, 9 구.
DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ",
               "9": ""}
# A whole number ending in zeros is read by its last unit: 10 십, 100 백, 1000 천, 10^4 만, 10^8 억,
# 10^12 조 (20 이십, 300 삼백, 5만, 12억).
ZEROS_FINAL = {1: "ㅂ", 2: "ㄱ", 3: "ㄴ"}
GROUP_FINAL = {1: "ㄴ", 2: "ㄱ", 3: ""}  # 만, 억, 조
# A symbol at the end of a word is read as a word: % 퍼센트, $ 달러.
SYMBOL_FINAL = {"%": "", "$": "ㄹ"}

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_FINALS = ("", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ", "ㅁ",
           "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ")


def _number_final(digits: str) -> str:
    """The final sound of a number written in digits: the last non-zero digit, or the unit a
    run of trailing zeros is read as (10 십, 2000 이천, 30000 삼만)."""
    whole, _, fraction = digits.replace(",", "").partition(".")
    if fraction.strip("0"):
        return DIGIT_FINAL[fraction.rstrip("0")[-1]]
    whole = whole.lstrip("0") or "0"
    if whole == "0":
        return DIGIT_FINAL["0"]
    zeros = len(whole) - len(whole.rstrip("0"))
    if zeros == 0:
        return DIGIT_FINAL[whole[-1]]
    group, rest = divmod(zeros, 4)
    if rest:
        return ZEROS_FINAL[rest]
    return GROUP_FINAL[min(group, 3)]


def final_sound(word: str) -> str:
    """The final consonant (받침) with which `word` is read aloud, "" when it ends in a vowel.
    A parenthesised gloss at the end does not count (엔비디아(Nvidia) reads as 엔비디아), nor
    closing quotes or brackets."""
    text = word.rstrip()
    while text.endswith(")") and "(" in text and text.rfind("(") > 0:
        text = text[:text.rfind("(")].rstrip()
    text = text.rstrip("'\"’”」』]》〉 ")
    if not text:
        return ""
    last = text[-1]
    if _HANGUL_FIRST <= ord(last) <= _HANGUL_LAST:
        return _FINALS[(ord(last) - _HANGUL_FIRST) % 28]
    if last.isdigit():
        match = re.search(r"[\d,]*\.?\d+$", text)
        return _number_final(match.group(0) if match else last)
    if last in SYMBOL_FINAL:
        return SYMBOL_FINAL[last]
    if last.isascii() and last.isalpha():
        token = re.search(r"[A-Za-z]+$", text).group(0)
        if token.isupper() or len(token) == 1:  # spelt letter by letter: HBM, TSMC, AMD
            return LETTER_FINAL[last.upper()]
        lower = token.lower()
        for ending, final in WORD_FINAL:
            if lower.endswith(ending):
                return final
        return ""
    return ""


def particle(word: str, which: str) -> str:
    """The form of particle `which` (either form: "이" or "가", "으로" or "로", ...) that follows
    `word`: 이/은/을/과/으로 after a final consonant, 가/는/를/와/로 after a vowel, and 로 after ㄹ."""
    with_consonant, with_vowel = PARTICLES[which]
    final = final_sound(word)
    if with_consonant == "으로" and final == "ㄹ":
        return with_vowel
    return with_consonant if final else with_vowel


def attach(word: str, which: str) -> str:
    """`word` followed by the right form of particle `which`: attach("리벨리온", "이") is "리벨리온이"."""
    return f"{word}{particle(word, which)}"


# ------------------------------------------------------------------ Korean numbers
_GROUPS = ((10 ** 12, "조"), (10 ** 8, "억"), (10 ** 4, "만"))


def korean_number(value: float, decimals: int = 0) -> str:
    """A number as a Korean reader writes it, in 만 (10^4), 억 (10^8) and 조 (10^12) with commas
    inside each group: 7,560 / 8만 5,170 / 12억 / 1조 2,000억. Below 10,000 it keeps `decimals`
    places (0.5); above, it is rounded to its two largest groups (12억 3,400만, not 12억 3,456만
    7,890), the precision a student reads. Never a fraction of a unit word ("7.56천")."""
    if not math.isfinite(value):
        return str(value)
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    if round(magnitude, decimals) < 10 ** 4:
        text = f"{magnitude:,.{decimals}f}"
        if float(text.replace(",", "")) == 0:
            sign = ""
        return sign + text
    for size, _ in _GROUPS:
        if magnitude >= size:
            lower = size // 10 ** 4
            magnitude = round(magnitude / lower) * lower  # keep this group and the next one down
            break
    parts = []
    for size, unit in _GROUPS:
        count, magnitude = divmod(magnitude, size)
        if count:
            parts.append(f"{int(count):,}{unit}")
    if magnitude >= 1:
        parts.append(f"{int(magnitude):,}")
    return sign + " ".join(parts)


CURRENCY_KO = {"KRW": "원", "USD": "달러", "CNY": "위안", "JPY": "엔", "EUR": "유로", "TWD": "대만달러"}


def korean_money(amount: float, currency: str = "USD") -> str:
    """Money in Korean units and the currency's Korean name: 1억 달러, 1조 2,000억 원, 60억 위안,
    1억 5,000만 달러.
    Less than one unit of the rounding shown reads "1만 달러 미만" (not "0.0백만 달러")."""
    unit = CURRENCY_KO.get(currency, currency)
    if 0 < abs(amount) < 10 ** 4:
        return f"1만 {unit} 미만"
    if amount == 0:
        return f"0{unit}"  # a bare digit takes its unit: "0원", as "3,000억 원" keeps the space after 억
    return f"{korean_amount(amount)} {unit}"


def korean_amount(amount: float) -> str:
    """The number part of `korean_money`: from 10억 on whole 억 (843억, 1조 2,000억, as a budget is
    read), below that three significant digits (2,690만, 1만 1,400: an invoice to the last dollar is
    noise in a cause log); under 1만 "1만 미만"."""
    size = abs(amount)
    if 0 < size < 10 ** 4:
        return "1만 미만"
    if size >= 10 ** 9:
        amount = round(amount / 10 ** 8) * 10 ** 8
    elif size > 0:
        step = 10 ** (math.floor(math.log10(size)) - 2)
        amount = round(amount / step) * step
    return korean_number(amount)


def quarter_name(index: int, lang: str) -> str:
    """A quarter as a reader writes it: "2025Q4" in English (as the rest of the game writes
    quarters), "2025년 4분기" in Korean, never "2025Q4" in a Korean sentence."""
    year, quarter = index // 4, index % 4 + 1
    return f"{year}년 {quarter}분기" if lang == "ko" else f"{year}Q{quarter}"


def quarter_tick(index: int, lang: str, narrow: bool = False) -> str:
    """A quarter as a chart's axis writes it, short: "2025Q1" in English, "25년 1분기" in Korean
    (a Korean reader does not write Q; the year's last two digits keep the label as narrow).
    `narrow`: on two lines, for a label under each of eight quarters in a small panel: "Q1\n2025"
    in English, "25년\n1분기" in Korean (the year first, as a Korean writes a date)."""
    year, quarter = index // 4, index % 4 + 1
    if lang == "ko":
        return f"{year % 100:02d}년{chr(10) if narrow else ' '}{quarter}분기"
    return f"Q{quarter}\n{year}" if narrow else f"{year}Q{quarter}"


def korean_name(name: str) -> str:
    """An English name the model keeps for an item without its own Korean name, in Korean where a
    rule reads it: a chip's "X successor" is "X 후속 칩" (RNGD successor -> RNGD 후속 칩)."""
    if name.endswith(" successor"):
        return name[: -len(" successor")] + " 후속 칩"
    return name


# ------------------------------------------------------------------ templates
_SCALE_SPEC = re.compile(r"^([nm])(\d*)(?:\.(\d+))?([A-Z]{3})?$")


class TemplateFormatter(string.Formatter):
    """str.format with additions for Korean, and one for English (`{n|+quarter}`: "1 quarter",
    "2 quarters"):

    - `{name|이}` (or `{name:.0%|를}`): the value, formatted, then the particle that fits it;
      `{name|~이}` the particle alone (after a quoted name: `'{name}'{name|~은}`);
    - format spec `n`, `nK` or `nK.D`: the value times 10^K in Korean units (`korean_number`,
      D decimals below 10,000): `{units:n3}개` with units=7.56 is "7,560개"; spec `mKCUR` is money
      in currency CUR, rounded as `korean_money` does: `{amount:m6USD}` with amount=26.88 is
      "2,690만 달러", with 0.004 "1만 달러 미만";
    - format spec ending `pt` (`+.2pt`): a change of a share in percentage points, for English,
      which does not write a share's change with %: `{points:+.2pt}` with 0.0135 is "+1.35 points"
      (Korean writes `{points:+.2%}p`)."""

    def parse(self, format_string: str):
        for literal, field, spec, conversion in super().parse(format_string):
            if field is not None and "|" in field:
                field, _, which = field.partition("|")
                spec = f"{spec or ''}|{which}"
            yield literal, field, spec, conversion

    def format_field(self, value: Any, format_spec: str) -> str:
        which = ""
        if "|" in format_spec:
            format_spec, _, which = format_spec.rpartition("|")
        match = _SCALE_SPEC.match(format_spec)
        if format_spec.endswith("pt") and isinstance(value, int | float):
            text = f"{format(float(value) * 100, format_spec[:-2] + 'f')} points"
        elif match and isinstance(value, int | float):
            scale = int(match.group(2) or 0)
            number = float(value) * 10 ** scale
            if match.group(1) == "n":
                text = korean_number(number, int(match.group(3) or 0))
            else:  # money, with its currency word when the spec names one: 1만 달러 미만, 2,690만 달러
                text = korean_money(number, match.group(4)) if match.group(4) else korean_amount(number)
        else:
            text = super().format_field(value, format_spec)
        if which.startswith("~"):  # the particle alone, for a word quoted in the template: '{name}'{name|~은}
            return particle(text, which[1:])
        if which.startswith("+"):  # English: the count and its noun, plural unless it is one: {n|+quarter}
            return f"{text} {which[1:]}{'' if value == 1 else 's'}"
        return attach(text, which) if which else text


FORMATTER = TemplateFormatter()


class Template(str):
    """A strings-file text whose `format` understands particles and Korean units: every caller
    that writes `tr(key, lang).format(...)` gets them without knowing."""

    def format(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        return FORMATTER.vformat(str(self), args, kwargs)

    def format_map(self, mapping: Mapping[str, Any]) -> str:  # type: ignore[override]
        return FORMATTER.vformat(str(self), (), mapping)

    def __copy__(self) -> Template:  # a str: a copy of a world's cause log shares its texts
        return self

    def __deepcopy__(self, memo) -> Template:
        return self


def fill(template: str, *args: Any, **kwargs: Any) -> str:
    """Any template (a strings-file text or one built in code) formatted with particles and units."""
    return FORMATTER.vformat(template, args, kwargs)


@cache
def _table(lang: str) -> dict[str, str]:
    path = STRINGS_DIR / f"game.{lang}.json"
    return json.loads(path.read_text(encoding="utf-8"))[lang]


def tr(key: str, lang: str = "en") -> Template:
    """The text for `key`; falls back to English, then to the key itself, never raises."""
    return Template(_table(lang).get(key) or _table("en").get(key, key))


def strategy_name(name: str, lang: str) -> str:
    """A built-in strategy's name for a Korean reader ("laissez_faire" is "자유방임"); in English,
    and for a plug-in's spec (a path or module:Class), the name as typed after --control."""
    if lang == "en":
        return name
    return _table(lang).get(f"strategy.{name}") or name


# ------------------------------------------------------------------ terminal columns
def display_width(text: str) -> int:
    """Columns a text takes in a terminal: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    """`text` padded to `columns` terminal columns, on the left when `right` (str.ljust/rjust count
    a Hangul syllable as one column)."""
    gap = " " * max(0, columns - display_width(text))
    return gap + text if right else text + gap


# ------------------------------------------------------------------ glossary
GLOSSARY_PATH = STRINGS_DIR / "glossary.json"


@cache
def glossary() -> Sequence[dict[str, Any]]:
    """The one term table (assets/strings/glossary.json): each entry's preferred Korean and
    English term and the variants no string may use any more (checked by tests/test_korean_text.py)."""
    return tuple(json.loads(GLOSSARY_PATH.read_text(encoding="utf-8"))["terms"])
