"""The pages' Hangul font, served by the game itself (no font CDN, no system font needed):
pygame_gui's Noto Sans KR (game/fontfiles.py) cut to the characters the game can write, so a
phone downloads a few hundred kilobytes once instead of 6 MB.

What the game can write: every string of both languages, the scenario files (names, titles,
events), the glossary, and printable ASCII. A student's own team name in characters outside
this set falls back to the device's font (the style sheet lists it after Noto).
"""

from __future__ import annotations

import string
from functools import cache

from game.fontfiles import bold, regular, subset_woff
from game.scenario import SCENARIO_DIR
from game.text import STRINGS_DIR


def game_characters(scenario_dir=SCENARIO_DIR) -> str:
    """Every character the game's text and the installed scenarios hold."""
    chars = set(string.printable) | set("·–—→←…°“”‘’%₩$")
    for path in [*STRINGS_DIR.glob("*.json"), *scenario_dir.glob("*.toml")]:
        chars |= set(path.read_text(encoding="utf-8"))
    return "".join(sorted(c for c in chars if c.isprintable()))


@cache
def page_fonts(scenario_name: str = "baseline") -> dict[str, bytes]:
    """{"regular": WOFF, "bold": WOFF}; empty if the font cannot be found (the pages then use
    the device's own fonts)."""
    text = game_characters()
    try:
        return {"regular": subset_woff(regular(), text), "bold": subset_woff(bold(), text)}
    except (OSError, FileNotFoundError):
        return {}
