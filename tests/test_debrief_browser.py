"""The debrief report in a real browser: Debian's headless Chromium renders it, and the
screenshot shows a page, the charts' pixels, and Hangul drawn with real glyphs (not tofu boxes).
Printing it gives A4 pages, one big section per page at least.

Chromium runs with --no-sandbox (CI runs as root, where the sandbox refuses to start), a
throw-away --user-data-dir and a timeout. Without Chromium the tests skip, naming the apt line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from game import fontfiles
from tests.clitools import run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed; install it with "
                                "`apt-get install -y -qq chromium` (.ci/run does)")
BLUE, VERMILLION = (0, 114, 178), (213, 94, 0)  # Okabe-Ito: the game and the what-if in every chart
PROBE = "분기별 결정과 사건 팀 코리아"  # a heading of the report


def chromium(tmp_path: Path, url: str, *flags: str) -> None:
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", *flags, url],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def screenshot(tmp_path: Path, page: Path, width: int, height: int) -> np.ndarray:
    png = tmp_path / f"{page.stem}.png"
    chromium(tmp_path, page.as_uri(), f"--window-size={width},{height}", f"--screenshot={png}")
    return np.asarray(Image.open(png).convert("RGB")).astype(int)


def near(pixels: np.ndarray, colour: tuple[int, int, int], tolerance: int = 12) -> np.ndarray:
    return (np.abs(pixels - np.array(colour)) <= tolerance).all(axis=-1)


def bands(rows: np.ndarray, gap: int = 60) -> int:
    """Groups of screen rows holding a colour, split where `gap` rows in a row have none."""
    ys = np.flatnonzero(rows)
    return 0 if ys.size == 0 else 1 + int((np.diff(ys) > gap).sum())


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    save, out = folder / "game.json", folder / "report.html"
    assert run_cli("sim", "--control", "KOR=team_korea", "--turns", "8", "--save", str(save))[0] == 0
    code, _, err = run_cli("report", str(save), "--out", str(out))
    assert code == 0, err
    return out


def test_the_page_and_all_four_charts_render(report, tmp_path):
    pixels = screenshot(tmp_path, report, 1000, 4200)
    Image.fromarray(pixels.astype(np.uint8)).save(tmp_path / "look.png")
    assert pixels.std() > 20, "not a blank page"
    ink = (pixels.sum(axis=-1) < 300).sum()
    assert ink > 20_000, "text is drawn"
    blue, vermillion = near(pixels, BLUE), near(pixels, VERMILLION)
    assert blue.sum() > 2_000 and vermillion.sum() > 1_000, "the index chart's two lines are on screen"
    # the what-if colour is used only by the charts: one band of rows per chart (the compute and
    # prices chart has two rows of panels), so a missing image leaves fewer bands
    assert bands(vermillion.any(axis=1)) >= 4


def test_hangul_is_drawn_with_the_embedded_glyphs_not_tofu(report, tmp_path):
    """The report's own @font-face (the subset) draws the Korean heading exactly as the full Noto
    Sans KR file does; a font with no Hangul draws something else (boxes, blanks or a system font); and
    distinct syllables look distinct (tofu boxes would all be the same)."""
    html = report.read_text(encoding="utf-8")
    faces = re.findall(r"@font-face \{[^}]*\}", html)
    assert len(faces) == 2
    latin_only = fontfiles.subset_data_uri(fontfiles.regular(), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    rows = {"embedded": "'Debrief Sans'", "full": "'Full Noto'", "no_hangul": "'No Hangul'"}
    style = "".join(faces) + (
        f'@font-face {{ font-family: "Full Noto"; src: url("{fontfiles.regular().as_uri()}"); }}'
        f'@font-face {{ font-family: "No Hangul"; src: url("{latin_only}") format("woff"); }}'
        "body { margin: 0; background: #fff; } div { position: absolute; left: 10px; height: 90px; "
        "font-size: 56px; line-height: 90px; white-space: nowrap; color: #000; }")
    body = "".join(f'<div style="top:{i * 100}px; font-family: {family}">{PROBE}</div>'
                   for i, family in enumerate(rows.values()))
    syllables = "".join(f'<div style="top:300px; left:{10 + i * 100}px; font-family: {rows["embedded"]}">{c}</div>'
                        for i, c in enumerate("분결사팀"))
    probe = tmp_path / "probe.html"
    probe.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{style}</style></head>'
                     f"<body>{body}{syllables}</body></html>", encoding="utf-8")
    pixels = screenshot(tmp_path, probe, 1000, 400)
    dark = pixels.sum(axis=-1) < 384
    embedded, full, no_hangul = (dark[i * 100:i * 100 + 90] for i in range(3))
    assert embedded.sum() > 5_000, "the heading is drawn"
    assert (embedded != full).mean() < 0.002, "the subset draws the same glyphs as the full font"
    assert (embedded != no_hangul).mean() > 0.03, "and not what a font without Hangul draws"
    cells = [dark[300:390, 10 + i * 100:10 + i * 100 + 90] for i in range(4)]
    assert all(c.sum() > 300 for c in cells)
    assert all((a != b).mean() > 0.02 for i, a in enumerate(cells) for b in cells[i + 1:]), "no two alike"


def test_printing_gives_a4_pages_with_the_sections_apart(report, tmp_path):
    pdf = tmp_path / "report.pdf"
    chromium(tmp_path, report.as_uri(), "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes and all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in boxes), "A4"
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert pages >= 5, "the four big sections after the first each start a page"


def test_on_a_phone_the_page_does_not_scroll_sideways(report):
    """A report sent to a student and opened on a phone (390 px): wide tables scroll inside
    themselves, the page does not (it was 700 px wide: the roles and the decisions' tables)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the test extra)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"],
                                    headless=True)
        try:
            for width in (390, 1000):
                page = browser.new_context(viewport={"width": width, "height": 844}).new_page()
                page.goto(report.as_uri())
                wide = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
                assert wide[0] <= wide[1], (width, wide)
                page.context.close()
        finally:
            browser.close()
