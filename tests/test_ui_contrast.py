"""Every text colour at least 4.5:1 against its background (WCAG 2.1 AA, issue 16 item 7): the
widgets' theme (game/ui/fonts.gui_theme, read back through pygame_gui's own theme lookup, so
its defaults count) and the colours of the text drawn natively. tests/test_ui_text_fit.py checks
the text actually drawn on every screen too."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import pygame
import pygame_gui
import pytest

from game.ui import app, charts, glossary, lessonpanel, leverpanel, mapview
from game.ui.fonts import gui_theme

AA = 4.5


def luminance(colour) -> float:
    """WCAG relative luminance of an sRGB colour."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_contrast_formula_matches_wcag_examples():
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast((0xBB, 0xBB, 0xBB), (0x8A, 0x6A, 0x00)) == pytest.approx(2.6, abs=0.05), "issue 16's figure"
    assert contrast((0x76, 0x76, 0x76), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)


@pytest.fixture(scope="module")
def theme():
    pygame.init()
    pygame.display.set_mode((64, 64))
    manager = pygame_gui.UIManager((64, 64), gui_theme())
    yield manager.get_theme()
    pygame.quit()


def colour(theme, name: str, object_id: str | None, element: str):
    found = theme.get_colour_or_gradient(name, [object_id, element] if object_id else [element])
    return tuple(found)[:3]


# (object id, element): the widgets the game makes
BUTTONS = [(None, "button"), ("#staged", "button"), ("#end_turn", "button")]
BOXES = [(None, "label"), ("#section", "label"), ("#small", "label"), ("#cost", "label"), ("#value", "label"),
         (None, "text_box"), ("#reason", "text_box"), ("#advice", "text_box"), (None, "text_entry_line"),
         (None, "tool_tip")]
PANELS = [(None, "panel"), ("#menu", "panel")]


@pytest.mark.parametrize("object_id,element", BUTTONS)
@pytest.mark.parametrize("state", ["normal", "hovered", "selected", "active", "disabled"])
def test_every_button_state_reads(theme, object_id, element, state):
    text = colour(theme, f"{state}_text", object_id, element)
    bg = colour(theme, f"{state}_bg", object_id, element)
    assert contrast(text, bg) >= AA, f"{object_id or element} {state}: {text} on {bg} is {contrast(text, bg):.2f}:1"


@pytest.mark.parametrize("object_id,element", BOXES)
def test_text_and_links_read_on_every_panel_they_sit_on(theme, object_id, element):
    """Labels and text boxes have no background of their own (or a transparent one): their text
    sits on the panel behind, a pygame_gui panel or a natively drawn one."""
    behind = [colour(theme, "dark_bg", p, e) for p, e in PANELS] + [app.PANEL, app.BG, leverpanel.BG]
    own = colour(theme, "dark_bg", object_id, element)
    if object_id in ("#advice", None) and element in ("text_box", "text_entry_line", "tool_tip"):
        behind = [own]
    names = ["normal_text"] + (["link_text", "link_hover"] if element == "text_box" else [])
    for name in names:
        text = colour(theme, name, object_id, element)
        for bg in behind:
            assert contrast(text, bg) >= AA, f"{object_id or element} {name} {text} on {bg}: {contrast(text, bg):.2f}:1"


NATIVE_TEXT = {
    "app": [app.TEXT, app.DIM, app.YELLOW, app.IN_FORCE, app.STAGED, (120, 190, 255), (200, 205, 212),
            (255, 138, 101), (143, 214, 148)],
    "charts": [charts.TEXT, charts.DIM, charts.YELLOW, charts.BASE],
    "glossary": [glossary.TEXT, glossary.DIM, glossary.YELLOW, glossary.BLUE],
    "lessonpanel": [lessonpanel.TEXT, lessonpanel.DIM, lessonpanel.YELLOW, lessonpanel.OTHER, lessonpanel.HOLDS,
                    lessonpanel.DIFFERS],
    "leverpanel": [leverpanel.TEXT, leverpanel.DIM, leverpanel.YELLOW, leverpanel.UP, leverpanel.DOWN],
}
NATIVE_BACKGROUNDS = {
    "app": [app.BG, app.PANEL, (14, 20, 30), (12, 16, 24), (30, 40, 60)],
    "charts": [charts.BG, charts.PANEL, charts.PLOT],
    "glossary": [(12, 16, 24)],
    "lessonpanel": [lessonpanel.BG],
    "leverpanel": [leverpanel.BG],
}


@pytest.mark.parametrize("module", sorted(NATIVE_TEXT))
def test_natively_drawn_text_colours_read_on_their_panels(module):
    for text in NATIVE_TEXT[module]:
        for bg in NATIVE_BACKGROUNDS[module]:
            assert contrast(text, bg) >= AA, f"{module}: {text} on {bg} is {contrast(text, bg):.2f}:1"


def test_map_labels_read_on_land_and_sea():
    for bg in (mapview.SEA, mapview.LAND, mapview.LAND_KOREA):
        for text in ((220, 225, 230), (240, 228, 66)):
            assert contrast(text, bg) >= AA, f"{text} on {bg}: {contrast(text, bg):.2f}:1"
