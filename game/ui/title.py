"""The title screen: new game (scenario, language), continue (the desktop game's newest autosave,
in saves/desktop/: never one that `sim --save-every` wrote), load (a list of saves), settings
(language, window size, text size), quit.

It only decides what to play; `TitleScreen.result` is what the player picked:
("new", scenario name, lang), ("load", path, lang) or ("quit",). No game is touched here.
"""

from __future__ import annotations

import json
import re
import time
import warnings
from pathlib import Path

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UILabel, UIPanel, UITextBox

from game.difficulty import levels as difficulty_levels
from game.scenario import list_scenarios
from game.text import tr
from game.ui.fonts import Fonts, gui_theme, shorten
from game.ui.layout import DEFAULT_SIZE, WINDOW_SIZES, growth, parse_size
from game.ui.pacing import sleep_until_input
from game.ui.session import desktop_autosaves

SIZE = (1280, 800)  # the default window (game.ui.layout.DEFAULT_SIZE); the screen uses its real size
BG = (10, 14, 22)
TEXT = (230, 234, 240)
DIM = (150, 162, 176)
YELLOW = (240, 228, 66)
UI_SCALES = (1.0, 1.15, 1.3, 1.5)  # text size: widgets' theme font and the natively drawn text
GOODS = ((0, 114, 178), (230, 159, 0), (0, 158, 115), (204, 121, 167))  # Okabe-Ito, as on the map


def latest_autosave(folder: Path) -> Path | None:
    """The newest autosave: the highest number (autosave-NNNNNN.json), not the newest file time."""
    numbered = [(int(m.group(1)), p) for p in Path(folder).glob("autosave-*.json")
                if (m := re.fullmatch(r"autosave-(\d{6})\.json", p.name))]
    return max(numbered)[1] if numbered else None


def save_files(folder: Path) -> list[Path]:
    """The saves in `folder` (not the autosaves or the settings), newest first."""
    files = [p for p in Path(folder).glob("*.json") if p.is_file() and p.name != "settings.json"]
    return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)


def load_settings(folder: Path) -> dict:
    try:
        data = json.loads((Path(folder) / "settings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def ui_scale(settings: dict) -> float:
    """The text size kept in the settings (1.0 when missing or not one of UI_SCALES)."""
    value = settings.get("ui_scale", 1.0)
    return float(value) if value in UI_SCALES else 1.0


def view_scale(chosen: float, size: tuple[int, int]) -> float:
    """The text size a window draws at: the chosen size (UI_SCALES) on windows up to 1920x1080;
    on a larger one (a 1440p or 4K screen, full screen) the chosen size times `growth`, so the
    picture keeps its proportions instead of shrinking to a corner of small text."""
    return round(chosen * growth(size), 3)


def store_settings(folder: Path, settings: dict) -> None:
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    except OSError:
        pass  # settings that cannot be kept are only lost for the next start


def window_mode(choice: str | None) -> tuple[tuple[int, int], int]:
    """The size and flags `pygame.display.set_mode` needs for a window-size setting: a window of
    that many pixels, or the whole desktop ("fullscreen", drawn at the desktop's own resolution,
    so the mouse and the picture agree). A setting that is not a size (an old "1920x1200" too
    tall for the screen is still a size) falls back to the default window."""
    if choice == "fullscreen":
        return (0, 0), pygame.FULLSCREEN
    try:
        w, h = parse_size(choice or "")
    except ValueError:
        w, h = DEFAULT_SIZE
    real = pygame.display.get_init() and pygame.display.get_driver() not in ("dummy", "offscreen")
    desktop = pygame.display.get_desktop_sizes() if real else []  # a headless driver's desktop is made up
    if desktop and desktop[0][0] >= 1024 and desktop[0][1] >= 600:  # never taller or wider than the screen
        w, h = min(w, desktop[0][0]), min(h, desktop[0][1])
    return (w, h), 0


def apply_window_size(choice: str) -> pygame.Surface | None:
    """Open the window at a size setting; the game lays itself out for the surface it gets.
    Refused quietly (None) by drivers that cannot (an offscreen driver keeps what it has)."""
    size, flags = window_mode(choice)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pygame.display.set_mode(size, flags)
        except pygame.error:
            return None


class TitleScreen:
    def __init__(self, screen: pygame.Surface, lang: str = "en", saves_dir: Path = Path("saves"),
                 scenario: str = "baseline", difficulty: str = "normal") -> None:
        self.screen = screen
        self.saves_dir = Path(saves_dir)
        self.settings = load_settings(self.saves_dir)
        self.lang = self.settings.get("lang", lang) if self.settings.get("lang") in ("en", "ko") else lang
        self.scenarios = sorted((s.scenario for s in list_scenarios()), key=lambda meta: meta.title_en)
        self.difficulty = difficulty if difficulty in difficulty_levels() else "normal"
        self.scenario = scenario if any(s.name == scenario for s in self.scenarios) else self.scenarios[0].name
        self.scale = ui_scale(self.settings)  # the text size chosen (the settings' row of buttons)
        self.fonts = Fonts(self.view)
        self.manager = pygame_gui.UIManager(self.size, gui_theme(self.view), starting_language=self.lang)
        self.page = "main"
        self.buttons: dict = {}
        self.result: tuple | None = None
        self.message = ""
        self.t = 0.0
        self.build()

    @property
    def size(self) -> tuple[int, int]:
        """The window's real size: everything is placed for it."""
        return self.screen.get_size()

    @property
    def view(self) -> float:
        """The text size the screen draws at: the chosen one, larger on a window over 1920x1080."""
        return view_scale(self.scale, self.size)

    def dp(self, v: float) -> int:
        """A fixed length of the 1080p design (a button's height), larger on a larger window."""
        return round(v * growth(self.size))

    def header(self) -> dict[str, int]:
        """The tops of the title, its other-language line, the moving supply chain, the tagline
        and the first button: the 800 px design's places, pushed down when the text is bigger."""
        title = self.y(70)
        sub = max(self.y(134), title + self.fonts.font(44, True).get_linesize() + 2)
        lines = max(self.y(210), sub + self.fonts.font(22).get_linesize() + 14)
        tagline = max(self.y(272), lines + 3 * 14 + 14)
        buttons = max(self.y(310), tagline + self.fonts.font(17).get_linesize() + 10)
        return {"title": title, "sub": sub, "lines": lines, "tagline": tagline, "buttons": buttons}

    def y(self, v: int) -> int:
        """A height of the 800 px tall design, in proportion in a shorter window."""
        return round(v * min(1.0, self.size[1] / 800))

    # ------------------------------------------------------------------ pages
    def build(self) -> None:
        self.manager.clear_and_reset()
        self.manager.set_locale(self.lang)
        self.buttons = {}
        getattr(self, f"_page_{self.page}")()

    def _button(self, key, rect, text, container=None, object_id=None, enabled=True) -> UIButton:
        button = UIButton(pygame.Rect(rect), text, manager=self.manager, container=container, object_id=object_id)
        if not enabled:
            button.disable()
        self.buttons[button] = key
        return button

    def _panel(self, height: int, title: str, width: int = 560) -> UIPanel:
        rect = pygame.Rect(0, 0, width, height)
        rect.midtop = (self.size[0] // 2, max(min(self.y(300), self.size[1] - height - 10), 10))
        panel = UIPanel(rect, manager=self.manager, object_id="#menu")
        UILabel(pygame.Rect(16, 8, width - 40, self.fonts.font(15, True).get_linesize() + 4), title,
                manager=self.manager, container=panel, object_id="#section")
        return panel

    def _page_main(self) -> None:
        lang = self.lang
        autosave = latest_autosave(desktop_autosaves(self.saves_dir))
        items = [("new", "ui.title.new", True), ("continue", "ui.title.continue", autosave is not None),
                 ("load", "ui.title.load", bool(save_files(self.saves_dir))), ("settings", "ui.title.settings", True),
                 ("quit", "ui.menu.quit", True)]
        top = self.header()["buttons"]
        step = min(self.dp(58), (self.size[1] - 10 - top) // len(items))  # five buttons under the header
        for i, (key, text, enabled) in enumerate(items):
            self._button(key, (self.size[0] // 2 - self.dp(170), top + i * step, self.dp(340), step - self.dp(12)),
                         tr(text, lang), object_id="#end_turn" if key == "new" else None, enabled=enabled)

    def _page_new(self) -> None:
        """Scenario on the left (its description under the list); language and difficulty on the
        right, each level's meaning under its buttons; Back and Start along the bottom. Sized for
        the window and the text: a title too long for its button is shortened, whole in its tip."""
        lang = self.lang
        k = max(self.view, 1.0)
        label_h = self.fonts.font(13).get_linesize() + 2
        row = max(34, self.fonts.font(15).get_linesize() + 10)
        width = min(round(920 * k), self.size[0] - 40)
        left_w = (width - 48) * 60 // 100
        right, right_w = 16 + left_w + 16, width - left_w - 48
        dp = self.dp
        y = dp(44) + label_h + 2
        height = y + len(self.scenarios) * (row + 4) + dp(84) + 16 + dp(44) + 12
        panel = self._panel(min(height, self.size[1] - 20), tr("ui.title.new", lang), width=width)
        small = {"manager": self.manager, "container": panel, "object_id": "#small"}
        UILabel(pygame.Rect(16, dp(44), left_w, label_h), tr("scenario", lang), **small)
        font = self.fonts.font(15)
        for s in self.scenarios:
            title = s.title_ko if lang == "ko" else s.title_en
            button = self._button(("scenario", s.name), (16, y, left_w, row), shorten(font, title, left_w - 16), panel,
                                  "#staged" if s.name == self.scenario else None)
            if button.text != title:
                button.set_tooltip(title)
            y += row + 4
        chosen = next(s for s in self.scenarios if s.name == self.scenario)
        bottom = panel.get_container().get_rect().height - dp(44) - 12
        UITextBox(chosen.description_ko if lang == "ko" else chosen.description_en,
                  pygame.Rect(12, y, left_w + 8, max(bottom - y - 8, 40)),
                  manager=self.manager, container=panel, object_id="#reason")
        UILabel(pygame.Rect(right, dp(44), right_w, label_h), tr("ui.title.language", lang), **small)
        top = dp(44) + label_h + 2
        for i, code in enumerate(("ko", "en")):
            self._button(("lang", code), (right + i * (right_w // 2), top, right_w // 2 - 4, row),
                         tr(f"ui.lang.{code}", "en"), panel, "#staged" if code == lang else None)
        top += row + 16
        UILabel(pygame.Rect(right, top, right_w, label_h), tr("ui.title.difficulty", lang), **small)
        top += label_h + 2
        offered = difficulty_levels()
        each = right_w // len(offered)
        for i, (name, level) in enumerate(offered.items()):
            self._button(("difficulty", name), (right + i * each, top, each - 4, row),
                         level.name_ko if lang == "ko" else level.name_en, panel,
                         "#staged" if name == self.difficulty else None)
        top += row + 4
        level = offered[self.difficulty]
        UITextBox(level.label_ko if lang == "ko" else level.label_en,
                  pygame.Rect(right - 4, top, right_w + 8, max(bottom - top - 8, 40)),
                  manager=self.manager, container=panel, object_id="#reason")
        self._button("back", (16, bottom, dp(160), dp(44)), tr("ui.title.back", lang), panel)
        self._button("start", (right, bottom, right_w, dp(44)), tr("ui.title.start", lang), panel, "#end_turn")

    def _page_load(self) -> None:
        lang = self.lang
        files = save_files(self.saves_dir)[:8]
        dp = self.dp
        panel = self._panel(dp(120) + dp(40) * len(files), tr("ui.title.load", lang), width=dp(560))
        for i, path in enumerate(files):
            stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
            self._button(("file", path), (16, dp(44) + i * dp(40), dp(520), dp(34)), f"{path.name}   ({stamp})", panel)
        self._button("back", (16, dp(56) + dp(40) * len(files), dp(160), dp(40)), tr("ui.title.back", lang), panel)

    def _page_settings(self) -> None:
        """Language, window size and text size, each a row of buttons as wide as the panel allows
        (the panel grows with the text, up to the window's width)."""
        lang = self.lang
        width = min(round(560 * max(self.view, 1.0)), self.size[0] - 40)
        row = max(round(34 * max(self.view, 1.0) ** 0.5), self.fonts.font(15).get_linesize() + 10)
        label_h = max(self.dp(29), self.fonts.font(13).get_linesize() + 4)
        gap = row + label_h + 5
        back_h = max(self.dp(40), self.fonts.font(15).get_linesize() + 10)
        panel = self._panel(self.dp(41) + 3 * gap + 6 + back_h + self.dp(25), tr("ui.title.settings", lang),
                            width=width)
        inner = width - 40
        rows = [("ui.title.language", [(("lang", c), tr(f"ui.lang.{c}", "en"), c == lang) for c in ("ko", "en")]),
                ("ui.title.window", [(("window", size), tr("ui.title.fullscreen", lang) if size == "fullscreen"
                                      else size, size == self.settings.get("window", "x".join(map(str, self.size))))
                                     for size in WINDOW_SIZES]),
                ("ui.title.text_size", [(("scale", v), f"{v:.0%}", v == self.scale) for v in UI_SCALES])]
        y = self.dp(41)
        for title, buttons in rows:
            UILabel(pygame.Rect(16, y, inner, label_h), tr(title, lang), manager=self.manager, container=panel,
                    object_id="#small")
            each = inner // len(buttons)
            for i, (key, text, chosen) in enumerate(buttons):
                self._button(key, (16 + i * each, y + label_h, each - 4, row), text, panel,
                             "#staged" if chosen else None)
            y += gap
        self._button("back", (16, y + 6, self.dp(160), back_h), tr("ui.title.back", lang), panel)

    # ------------------------------------------------------------------ input
    def handle(self, event) -> None:
        if event.type == pygame.QUIT:
            self.result = ("quit",)
            return
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            if self.page == "main":
                self.result = ("quit",)
            else:
                self.page = "main"
                self.build()
            return
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_RETURN, pygame.K_KP_ENTER) \
                and self.page in ("main", "new"):
            self._press("new" if self.page == "main" else "start")
            return
        self.manager.process_events(event)
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element in self.buttons:
            self._press(self.buttons[event.ui_element])

    def _press(self, key) -> None:
        lang = self.lang
        if key in ("new", "load", "settings"):
            self.page = key
        elif key == "back":
            self.page = "main"
        elif key == "quit":
            self.result = ("quit",)
        elif key == "continue":
            path = latest_autosave(desktop_autosaves(self.saves_dir))
            if path is not None:
                self.result = ("load", path, lang)
        elif key == "start":
            self.result = ("new", self.scenario, lang, self.difficulty)
        elif isinstance(key, tuple) and key[0] == "file":
            self.result = ("load", key[1], lang)
        elif isinstance(key, tuple) and key[0] == "scenario":
            self.scenario = key[1]
        elif isinstance(key, tuple) and key[0] == "difficulty":
            self.difficulty = key[1]
        elif isinstance(key, tuple) and key[0] == "lang":
            self.lang = key[1]
            self.settings["lang"] = self.lang
            store_settings(self.saves_dir, self.settings)
        elif isinstance(key, tuple) and key[0] == "window":
            self.settings["window"] = key[1]
            store_settings(self.saves_dir, self.settings)
            self.screen = apply_window_size(key[1]) or self.screen
            self.fonts = Fonts(self.view)  # a larger window draws larger (view_scale)
            self.manager = pygame_gui.UIManager(self.size, gui_theme(self.view), starting_language=self.lang)
        elif isinstance(key, tuple) and key[0] == "scale":
            self.scale = self.settings["ui_scale"] = key[1]
            store_settings(self.saves_dir, self.settings)
            self.fonts = Fonts(self.view)
            self.manager = pygame_gui.UIManager(self.size, gui_theme(self.view), starting_language=self.lang)
        if self.result is None:
            self.build()

    # ------------------------------------------------------------------ frame
    def frame(self, dt: float = 1 / 60) -> None:
        for event in pygame.event.get():
            self.handle(event)
            if self.result is not None:
                return
        self.t += dt
        self.manager.update(dt)
        self.draw()

    def draw(self) -> None:
        screen, lang = self.screen, self.lang
        screen.fill(BG)
        w, h = self.size
        # a supply chain in four goods running across the screen, as on the map
        ys = self.header()
        for i, colour in enumerate(GOODS):
            y = ys["lines"] + i * 14
            pygame.draw.line(screen, tuple(c // 3 for c in colour), (0, y), (w, y), 3)
            for k in range(8):
                x = (k * 170 + self.t * 60 * (1 + i * 0.25)) % (w + 40) - 20
                pygame.draw.circle(screen, colour, (round(x), y), 5)
        other = "en" if lang == "ko" else "ko"
        title = self.fonts.render(tr("title", lang), 44, YELLOW, bold=True)
        screen.blit(title, title.get_rect(midtop=(w // 2, ys["title"])))
        sub = self.fonts.render(tr("title", other), 22, DIM)
        screen.blit(sub, sub.get_rect(midtop=(w // 2, ys["sub"])))
        tagline = self.fonts.fit(tr("ui.title.tagline", lang), 17, TEXT, w - 40)
        screen.blit(tagline, tagline.get_rect(midtop=(w // 2, ys["tagline"])))
        self.manager.draw_ui(screen)
        if self.message:
            for i, line in enumerate(self.fonts.wrap(self.message, 15, w - 80)[:3]):
                label = self.fonts.render(line, 15, (255, 138, 101))
                screen.blit(label, label.get_rect(midtop=(w // 2, h - 80 + i * 20)))

    def run(self) -> tuple:
        """The title's loop: its supply-chain line moves at 30 frames a second for half a minute
        after the last input, then the screen holds still and the loop sleeps until input."""
        clock = pygame.time.Clock()
        last_input = time.perf_counter()
        while self.result is None:
            still = time.perf_counter() - last_input > 30.0
            if still and not sleep_until_input(1.0):
                clock.tick()
                continue
            if pygame.event.peek():
                last_input = time.perf_counter()
            self.frame(clock.tick(30) / 1000)
            pygame.display.flip()
        return self.result
