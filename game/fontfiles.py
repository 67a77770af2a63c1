"""The Noto Sans KR that pygame_gui ships, found without importing pygame_gui (and so pygame):
charts and the debrief report use it so Hangul renders on a fresh machine with no system font.

`subset_data_uri` cuts the 6 MB font down to the characters a page uses (a debrief page needs a
few hundred of the 11,172 Hangul syllables), so an HTML file can carry its own font.
"""

from __future__ import annotations

import base64
import importlib.util
import io
from pathlib import Path


def font_dir() -> Path:
    """pygame_gui's data folder, located from the package's spec without running its import."""
    spec = importlib.util.find_spec("pygame_gui")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("pygame_gui is not installed, and with it the Noto Sans KR font")
    return Path(spec.origin).resolve().parent / "data"


def regular() -> Path:
    return font_dir() / "NotoSansKR-Regular.ttf"


def bold() -> Path:
    return font_dir() / "NotoSansKR-Bold.ttf"


def subset_woff(path: Path, text: str) -> bytes:
    """The font at `path` cut to the glyphs `text` needs (plus .notdef), as WOFF (zlib: no extra
    compressor needed). Hinting is dropped: browsers render the outlines well without it. Of the
    layout features only kerning is kept: modern Hangul is precomposed syllables, and the closure
    over Noto's jamo-composition and ligature lookups costs about 40% of the subsetting time."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"
    options.hinting = False
    options.desubroutinize = True
    options.layout_features = ["kern"]
    font = subset.load_font(str(path), options)
    try:  # the font reads its 6 MB file lazily and keeps it open until closed
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(sorted(set(text))))
        subsetter.subset(font)
        out = io.BytesIO()
        subset.save_font(font, out, options)
    finally:
        font.close()
    return out.getvalue()


def subset_data_uri(path: Path, text: str) -> str:
    """A `data:` URI of the subset font, for a CSS @font-face `src`."""
    return "data:font/woff;base64," + base64.b64encode(subset_woff(path, text)).decode("ascii")
