"""Player-facing strings in Korean and English, kept in assets/strings as data.

The files follow python-i18n's `<namespace>.<locale>.json` layout, which pygame_gui reads too,
so the command line and the desktop game share one set of translations.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

STRINGS_DIR = Path(__file__).resolve().parent.parent / "assets" / "strings"
LANGUAGES = ("en", "ko")


@cache
def _table(lang: str) -> dict[str, str]:
    path = STRINGS_DIR / f"game.{lang}.json"
    return json.loads(path.read_text(encoding="utf-8"))[lang]


def tr(key: str, lang: str = "en") -> str:
    """The text for `key`; falls back to English, then to the key itself, never raises."""
    return _table(lang).get(key) or _table("en").get(key, key)
