"""Text drawn outside pygame_gui (map labels, charts, tooltips) in the Noto Sans KR that pygame_gui
ships, so Hangul renders on a fresh install without any system font; rendered labels are cached
(a Korean string costs about 0.6 ms to render, a blit of the cached surface almost nothing)."""

from __future__ import annotations

import pygame

from game import fontfiles

REGULAR, BOLD = fontfiles.regular(), fontfiles.bold()  # one place finds the shipped font


def luminance(colour) -> float:
    """WCAG relative luminance of an sRGB colour."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def readable_on(background) -> tuple[int, int, int]:
    """Near-black or white text, whichever reads better on `background` (a tag in a good's
    colour: white on orange is 2.2:1, near-black 9:1)."""
    light = (1.05) / (luminance(background) + 0.05)
    dark = (luminance(background) + 0.05) / (luminance((10, 14, 22)) + 0.05)
    return (255, 255, 255) if light >= dark else (10, 14, 22)


class Fonts:
    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._cache: dict[tuple, pygame.Surface] = {}
        self.fitted: list[tuple[str, int, int]] = []  # (text, width drawn, width allowed) of fit()

    def close(self) -> None:
        """Let go of every font now, while pygame's font module is still running: a Font freed
        after `pygame.quit()` never closes its file (pygame-ce skips TTF_CloseFont then), so a
        process that opens many games (the tests) would run out of file descriptors."""
        self._fonts.clear()
        self._cache.clear()

    def font(self, size: int, bold: bool = False) -> pygame.font.Font:
        key = (round(size * self.scale), bold)
        if key not in self._fonts:
            self._fonts[key] = pygame.font.Font(str(BOLD if bold else REGULAR), key[0])
        return self._fonts[key]

    def render(self, text: str, size: int = 14, color=(230, 230, 230), bold: bool = False) -> pygame.Surface:
        key = (text, size, tuple(color), bold)
        surface = self._cache.get(key)
        if surface is None:
            if len(self._cache) > 3000:
                self._cache.clear()
            surface = self.font(size, bold).render(text, True, color)
            self._cache[key] = surface
        return surface

    def fit(self, text: str, size: int, color, width: int, bold: bool = False, least: int = 11) -> pygame.Surface:
        """`text` rendered no wider than `width`: at `size` if it fits, else at a smaller size
        down to `least`, else at `least` shortened with "…". The one way to draw a label into a
        box of a given width, so no label runs out of its box at any text size or window size
        (`self.fitted` keeps the last boxes asked for, for the layout tests)."""
        width = max(int(width), 1)
        surface = self.render(text, size, color, bold)
        smaller = size
        while surface.get_width() > width and round((smaller - 1) * self.scale) >= least:
            smaller -= 1
            surface = self.render(text, smaller, color, bold)
        if surface.get_width() > width:
            font, cut = self.font(smaller, bold), text
            while cut and font.size(cut + "…")[0] > width:
                cut = cut[:-1]
            surface = self.render(cut.rstrip() + "…" if cut else "", smaller, color, bold)
        self.fitted.append((text, surface.get_width(), width))
        if len(self.fitted) > 500:
            del self.fitted[:250]
        return surface

    def wrap(self, text: str, size: int, width: int, bold: bool = False) -> list[str]:
        """Lines of at most `width` pixels; breaks at spaces, or anywhere in a long word."""
        font = self.font(size, bold)
        lines: list[str] = []
        line = ""
        for word in text.split(" "):
            candidate = f"{line} {word}" if line else word
            if font.size(candidate)[0] <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = word
            while font.size(line)[0] > width and len(line) > 1:
                cut = len(line) - 1
                while cut > 1 and font.size(line[:cut])[0] > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        if line:
            lines.append(line)
        return lines


DEFAULT_COLOURS = {
    "normal_text": "#EEF1F5", "hovered_text": "#FFFFFF", "selected_text": "#FFFFFF", "active_text": "#FFFFFF",
    "disabled_text": "#A3ABB3",
    "normal_bg": "#3A4046", "hovered_bg": "#4A5259", "selected_bg": "#1F4E79", "active_bg": "#1F4E79",
    "disabled_bg": "#25292E", "dark_bg": "#161B22",
    "link_text": "#9CC8FF", "link_hover": "#FFFFFF", "link_selected": "#9CC8FF",
    "text_cursor": "#EEF1F5", "normal_border": "#5A6470", "hovered_border": "#8A96A3",
}


def shorten(font: pygame.font.Font, text: str, width: int) -> str:
    """`text`, cut and ended with "…" if it is wider than `width` at `font` (for a widget whose
    box cannot grow: pygame_gui would cut it mid-letter). The whole text belongs in a tool tip."""
    if font.size(text)[0] <= width:
        return text
    while text and font.size(text + "…")[0] > width:
        text = text[:-1]
    return text.rstrip() + "…"


def first_fitting(font: pygame.font.Font, room: int, forms: list[str]) -> str:
    """The first of `forms` (longest, most informative first) no wider than `room` at `font`; the
    last one cut with "…" (`shorten`) if none is."""
    for text in forms:
        if font.size(text)[0] <= room:
            return text
    return shorten(font, forms[-1], room)


def gui_theme(scale: float = 1.0) -> dict:
    """A pygame_gui theme at a text size (`scale`) using Noto Sans KR for every widget in both
    locales (it has Latin glyphs too), so a Korean word on an English screen (the language button)
    is never a box. Its sizes are `Fonts`' own: a widget's text of 15 (labels, buttons), 13 (the
    small ones) or 17 (End turn) is `Fonts(scale).font(15 / 13 / 17)`, so a layout measures a
    widget's text with the font the widget draws it in (the small size was 15 x scale - 2, which
    is not 13 x scale at 130% or on a 4K window)."""
    px = lambda size: str(round(size * scale))  # noqa: E731  (as Fonts.font rounds)
    font = [{"name": "noto_sans_kr", "locale": loc, "size": px(15), "regular_path": str(REGULAR),
             "bold_path": str(BOLD)} for loc in ("en", "ko")]
    small = [dict(f, size=px(13)) for f in font]
    theme = {k: {"font": font} for k in ("label", "button", "text_box", "window", "drop_down_menu",
                                         "text_entry_line", "selection_list", "tool_tip")}
    # every text colour at least 4.5:1 on its background (WCAG AA; tests/test_ui_contrast.py):
    # pygame_gui's own defaults are #BBBBBB on #4C5052 (3.9:1), and on a highlighted button 2.6:1
    theme["defaults"] = {"colours": DEFAULT_COLOURS}
    theme["tool_tip"] = {"font": small}
    theme["label"]["misc"] = {"text_horiz_alignment": "left"}
    theme["#section"] = {"font": [dict(f, bold="1") for f in font], "colours": {"normal_text": "#F0E442"}}
    theme["#value"] = {"misc": {"text_horiz_alignment": "right"}}
    theme["#small"] = {"font": small, "colours": {"normal_text": "#B8C4D0"}}
    theme["#body"] = {"font": small}  # small text in the normal colour (an event's text in its dialog)
    theme["#cost"] = {"font": [dict(f, bold="1") for f in font]}
    theme["#reason"] = {"font": small, "colours": {"dark_bg": "#00000000", "normal_border": "#00000000"},
                        "misc": {"border_width": "0", "padding": "2,0"}}
    theme["#advice"] = {"font": small, "colours": {"dark_bg": "#1A2633", "normal_border": "#3A4A5A",
                                                   "link_text": "#9CC8FF", "link_hover": "#FFFFFF",
                                                   "link_selected": "#9CC8FF"},
                        "misc": {"border_width": "1", "padding": "4,2"}}
    theme["#end_turn"] = {"font": [dict(f, bold="1", size=px(17)) for f in font],
                          "colours": {"normal_bg": "#0072B2", "hovered_bg": "#005A8F", "normal_text": "#FFFFFF",
                                      "hovered_text": "#FFFFFF"}}
    # the chosen button of a row (scenario, language, text size, trade stance): dark gold, white text
    theme["#staged"] = {"colours": {"normal_bg": "#6B5200", "hovered_bg": "#806200", "normal_text": "#FFFFFF",
                                    "hovered_text": "#FFFFFF", "normal_border": "#F0E442"}}
    return theme
