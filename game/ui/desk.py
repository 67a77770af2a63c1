"""The Conductor's desk: every Korean lever as a pygame_gui widget, the quarter's cost and the
budget left shown before committing, and the reason the model would refuse an invalid choice.

The desk only stages Actions. Widgets start from Korea's policy as it will be once the Actions
already accepted take effect; a lever the player moves away from that becomes an Action, which
reaches the model when the player ends the turn.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UIHorizontalSlider, UILabel, UIPanel, UIScrollingContainer, UITextBox

from game.describe import money
from game.desk_levers import (
    Lever,
    display_name,
    lever_sections,
    prefetch_order,
    procurement_status,
    read_settings,
    scheduled,
    staged_actions,
)
from game.lever_preview import unpaid_commitment, usage_this_quarter
from game.policy import STANCES
from game.reasons import in_language
from game.text import quarter_name, tr
from game.ui.fonts import Fonts, first_fitting, shorten


def set_html(box: UITextBox, text: str) -> None:
    """Show `text` in `box` if it is not what the box shows already. pygame_gui's UITextBox.set_text
    parses and renders its HTML again even for the same text (~5 ms a box on a slow machine), and
    the desk's refresh sets two boxes at every step of a dragged slider, most steps to the text
    they hold (a UILabel skips an unchanged text by itself)."""
    if box.html_text != text:
        box.set_text(text)


class Desk:
    """Widgets inside `rect`; `values` holds the slider and toggle settings (rates in whole
    percent, money in billion won), `base` the settings the model already has."""

    ROW = 54

    @property
    def scale(self) -> float:
        """The text size chosen on the title screen (the app sets it on the manager)."""
        return getattr(self.manager, "ui_scale", 1.0)

    def px(self, value: float) -> int:
        """A height in pixels at the text size: rows grow with their text."""
        return round(value * self.scale)

    def dp(self, value: float) -> int:
        """A fixed length of the 1080p design (a button), larger on a larger window (layout.growth)."""
        return round(value * getattr(self.manager, "ui_growth", 1.0))

    def __init__(self, manager: pygame_gui.UIManager, rect: pygame.Rect, session, lang: str) -> None:
        """`session` is a Session or one team's `session.view(code)`: the desk shows the levers,
        budget and cost of `session.code`'s country."""
        self.manager = manager
        self.rect = pygame.Rect(rect)
        self.session = session
        self.lang = lang
        self.widgets: dict = {}  # UI element -> key
        self.value_labels: dict[str, UILabel] = {}
        self.buttons: dict[str, UIButton] = {}
        self.root: UIPanel | None = None
        self.focused: str | None = None  # the slider the arrow keys move (Tab to the desk, Up/Down)
        self.forecast = None  # the forecast of what is staged (game.forecast): prices new subsidies
        self.stepped = False  # a slider moved in this frame's events (GameApp.update_forecast reads it)
        self.plan_label: UITextBox | None = None  # under the centre's volume: follows the plan or replaces it
        self.reset_from_model()
        self.build()

    # ------------------------------------------------------------------ model <-> settings
    def reset_from_model(self) -> None:
        """Settings from the model (game.desk_levers, shared with the classroom server's desk)."""
        settings = read_settings(self.session)
        self.settings = settings
        self.has_procurement = settings.has_procurement
        self.designers, self.industries = settings.designers, settings.industries
        self.producers, self.links = settings.producers, settings.links
        self.base = settings.base
        self.values = dict(settings.base)

    def staged(self) -> tuple[list, str | None]:
        """The Actions the moved levers make, and a reason if one cannot even be formed."""
        return staged_actions(self.settings, self.values, self.lang)

    def assess(self) -> tuple[list, float, str | None]:
        """Staged Actions, this quarter's cost with them, and why they would be refused."""
        actions, reason = self.staged()
        cost = self.session.cost(actions if reason is None else [])
        if reason is None:
            reason = self.session.refusal(actions)
        return actions, cost, reason

    # ------------------------------------------------------------------ widgets
    def levers(self) -> list[tuple[str, list]]:
        """Sections of the desk: a title key and its rows (Lever, note, toggle or stance rows:
        game.desk_levers.lever_sections)."""
        return lever_sections(self.session, self.settings, self.lang)

    def _name(self, name: str) -> str:
        return display_name(self.session.world, name, self.lang)

    def fmt(self, key: str, unit: str) -> str:
        value = self.values[key]
        if unit == "pct":
            return f"{value}%"
        return money(value * 1e9, self.lang, self.session.country.currency)

    def build(self) -> None:
        """(Re)create every widget from `values` in the current language."""
        if self.root is not None:
            self.root.kill()
        self.widgets, self.value_labels, self.buttons = {}, {}, {}
        self.plan_label = None
        self.rows: dict[str, tuple[str, list]] = {}  # lever key -> (its section's title, its widgets): hover
        lang, m = self.lang, self.manager
        self.root = UIPanel(self.rect, manager=m, object_id="#desk")
        width = self.rect.width - 8
        px = self.px
        UILabel(pygame.Rect(8, 4, width - 16, px(28)), tr("ui.desk.title", lang), manager=m,
                        container=self.root, object_id="#section")
        footer_h = px(150)
        top = px(28) + 8
        scroll_h = self.rect.height - footer_h - top - 4
        self.scroll = UIScrollingContainer(pygame.Rect(0, top, width, scroll_h), manager=m, container=self.root,
                                           allow_scroll_x=False)
        inner = width - 24
        # the advisor's advice (game/advisor.py) first: each a link to the section of its lever;
        # then the Actions accepted but waiting out their lag, with the quarter each takes effect.
        # Both scroll inside their boxes, which take at most half of the desk's view between them,
        # so the first lever is in view without scrolling (at 1024x600 with the largest text the
        # two boxes filled the whole view)
        line = Fonts(self.scale).font(14).get_linesize()
        advice_h = min(px(124), max(round(scroll_h * 0.3), 2 * line + 12))
        scheduled_h = min(px(76), max(round(scroll_h * 0.2), 2 * line + 12))
        self.advice_box = UITextBox("", pygame.Rect(2, 0, inner - 2, advice_h), manager=m, container=self.scroll,
                                    object_id="#advice")
        y = advice_h + 4
        self.scheduled_box = UITextBox("", pygame.Rect(2, y, inner - 2, scheduled_h), manager=m,
                                       container=self.scroll, object_id="#advice")
        y += scheduled_h + 6
        self.layout = self.row_keys()
        self.section_y: dict[str, int] = {}
        for section, rows in self.levers():
            self.section_y[section.removeprefix("lever.")] = y
            # a section title too long for one line at a large text size takes two
            for line in Fonts(self.scale).wrap(tr(section, lang), 15, inner - 20, bold=True):
                UILabel(pygame.Rect(6, y, inner - 12, px(28)), line, manager=m, container=self.scroll,
                        object_id="#section")
                y += px(24) if line != tr(section, lang) else px(28)
            for row in rows:
                elements = self.scroll.get_container().elements
                made = len(elements)
                y = self._row(row, y, inner)
                if not (isinstance(row, tuple) and row[0] == "note"):  # the row's widgets: hovering shows a preview
                    key = row.key if isinstance(row, Lever) else row[1]
                    self.rows.setdefault(key, (tr(section, lang), []))[1].extend(elements[made:])
            y += 6
        self.scroll.set_scrollable_area_dimensions((inner, y + 8))
        self.scroll_height = y + 8
        self._footer(pygame.Rect(0, self.rect.height - footer_h - 4, width, footer_h))
        self.show_advice()
        self.refresh()

    def show_advice(self) -> None:
        """This quarter's advice for the desk's country, each item a link to its lever's section."""
        from game.advisor import advise

        session = self.session
        items = advise(session.world, session.code, self.lang) if not session.finished else []
        items = [a for a in items if a.lever in self.section_y]
        self.advice = items
        head = f"<font color='#F0E442'>{html.escape(tr('ui.desk.advice', self.lang))}</font>"
        if not items:
            body = html.escape(tr("ui.desk.no_advice", self.lang))
        else:
            body = "<br><br>".join(f"<a href='{a.lever}'>{html.escape(a.text(self.lang))}</a>" for a in items)
        set_html(self.advice_box, f"{head}<br>{body}")
        self.show_scheduled()

    def show_scheduled(self) -> None:
        """The Actions already accepted that wait out their lag, each with its quarter."""
        lang = self.lang
        self.scheduled = scheduled(self.session, lang)
        head = f"<font color='#F0E442'>{html.escape(tr('ui.desk.scheduled', lang))}</font>"
        body = "<br>".join(html.escape(tr("ui.desk.scheduled_item", lang).format(date=quarter_name(q, lang),
                                                                                action=text))
                           for q, text in self.scheduled) or html.escape(tr("ui.desk.nothing_scheduled", lang))
        set_html(self.scheduled_box, f"{head}<br>{body}")

    def row_keys(self) -> list[tuple[str, ...]]:
        """The desk's rows by section (a note, a slider, a button): when they change (the centre
        opens, a designer exits, a link is made) the desk is built again."""
        return [(title, *(row.key if isinstance(row, Lever) else row[1] for row in rows))
                for title, rows in self.levers()]

    def open_lever(self, kind: str) -> None:
        """Scroll the desk to a lever's section (an advice link, or a front end's request)."""
        if kind not in self.section_y or self.scroll_height <= 0:
            return
        bar = getattr(self.scroll, "vert_scroll_bar", None)
        if bar is not None:
            bar.set_scroll_from_start_percentage(min(self.section_y[kind] / self.scroll_height, 1.0))

    def _row(self, row, y: int, inner: int) -> int:
        m, lang = self.manager, self.lang
        if isinstance(row, Lever):
            px = self.px
            # a label longer than its room ("Samsung Foundry (its fabs here)" on the USA's desk at
            # 1024x600) is shortened: the lever's preview names it whole
            room = inner - px(124) - 14
            label = shorten(Fonts(self.scale).font(13), row.label, room - 8)
            UILabel(pygame.Rect(14, y, room, px(26)), label, manager=m, container=self.scroll, object_id="#small")
            value = UILabel(pygame.Rect(inner - px(124), y, px(124) - 8, px(26)), self.fmt(row.key, row.unit),
                            manager=m, container=self.scroll, object_id="#value")
            self.value_labels[row.key] = value
            slider = UIHorizontalSlider(pygame.Rect(14, y + px(26), inner - 22, 22), int(self.values[row.key]),
                                        (row.low, row.high), manager=m, container=self.scroll,
                                        click_increment=row.step)
            self.widgets[slider] = (row.key, row)
            if row.key == "procurement.budget":  # whether the volume follows the centre's plan or replaces it
                self.plan_label = UITextBox("", pygame.Rect(10, y + px(50), inner - 14, px(74)), manager=m,
                                            container=self.scroll, object_id="#reason")
                return y + px(self.ROW) + px(74)
            return y + px(self.ROW)
        kind, key, label = row[:3]
        if kind == "note":  # a line of explanation under a section title, wrapped to the panel
            fonts = Fonts(self.scale)  # the widgets' own sizes (gui_theme)
            tall = max(self.px(22), fonts.font(13).get_linesize() + 4)  # its padding too
            for line in fonts.wrap(label, 13, inner - 48):
                UILabel(pygame.Rect(14, y, inner - 22, tall), line, manager=m, container=self.scroll,
                        object_id="#small")
                y += self.px(20)
            return y + 4
        if kind == "toggle":
            done = self.base[key]
            on, off = row[3:5] if len(row) >= 5 else ("ui.desk.linked", "ui.desk.link")  # a brokered link's words
            text = f"{label}: {tr(on if done else off, lang)}" if on or off else label
            button = UIButton(pygame.Rect(14, y, inner - 22, self.px(30)), text, manager=m, container=self.scroll,
                              object_id="#staged" if self.values[key] and not done else None)
            if done:
                button.disable()
            self.widgets[button] = (key, row)
            self.buttons[key] = button
            return y + self.px(34)
        # stance: three buttons side by side, or one under another where a row would cut their
        # words ("China-open" at 1024x600 and 115-130%)
        names = [tr(f"ui.stance.{stance}", lang) for stance in STANCES]
        w = (inner - 22) // len(STANCES)
        font = Fonts(self.scale).font(15)
        across = all(font.size(name)[0] <= w - 4 - 16 for name in names)  # (the button's padding)
        for i, (stance, name) in enumerate(zip(STANCES, names, strict=True)):
            chosen = self.values[key] == stance
            rect = pygame.Rect(14 + i * w, y, w - 4, self.px(30)) if across else \
                pygame.Rect(14, y + i * self.px(34), inner - 22, self.px(30))
            button = UIButton(rect, name, manager=m, container=self.scroll, object_id="#staged" if chosen else None)
            self.widgets[button] = (key, stance)
            self.buttons[f"stance:{stance}"] = button
        return y + self.px(34) * (1 if across else len(STANCES))

    def _footer(self, rect: pygame.Rect) -> None:
        m, lang = self.manager, self.lang
        footer = UIPanel(rect, manager=m, container=self.root, object_id="#footer")
        w = rect.width - 16
        px = self.px
        self.cost_label = UILabel(pygame.Rect(6, 4, w, px(24)), "", manager=m, container=footer, object_id="#cost")
        self.budget_label = UILabel(pygame.Rect(6, 4 + px(24), w, px(22)), "", manager=m, container=footer)
        dp = self.dp  # the buttons' fixed lengths, larger on a window over 1080p
        self.reason_label = UITextBox("", pygame.Rect(2, 4 + px(46), w + 4, rect.height - dp(64) - px(46)),
                                      manager=m, container=footer, object_id="#reason")
        self.reset_button = UIButton(pygame.Rect(6, rect.height - dp(56), dp(110), dp(44)), tr("ui.desk.reset", lang),
                                     manager=m, container=footer)
        self.end_button = UIButton(pygame.Rect(dp(122), rect.height - dp(56), w - dp(118), dp(44)),
                                   tr("ui.desk.end_turn", lang), manager=m, container=footer, object_id="#end_turn")

    def refresh(self) -> None:
        """Cost, budget left and validity of what is staged, recomputed now."""
        lang = self.lang
        actions, cost, reason = self.assess()
        extra, certainty = usage_this_quarter(self.session.world, self.session.code, actions if reason is None else [],
                                              self.forecast)
        cost += extra  # usage-based programmes not used yet, priced by the forecast's first quarter
        cost -= unpaid_commitment(self.session.world, self.session.code, actions if reason is None else [])
        self.actions, self.cost, self.reason, self.certainty = actions, cost, reason, certainty
        budget = self.session.country.budget_per_quarter
        currency = self.session.country.currency
        note = {"estimated": f" ({tr('ui.desk.estimated', lang)})",
                "pending": f" ({tr('ui.desk.estimating', lang)})"}.get(certainty, "")
        self.cost_text = f"{tr('ui.desk.cost', lang)}: {money(cost, lang, currency)}{note}"
        self.cost_label.set_text(self.cost_text)
        if self.plan_label is not None:
            self.plan_text = procurement_status(self.session, self.settings, self.values, lang)
            set_html(self.plan_label, f'<font color="#B8C4D0">{html.escape(self.plan_text)}</font>')
        if cost > budget:  # "over budget by 79.1B KRW", not "budget left: -79.1B KRW"
            over = money(cost - budget, lang, currency)
            forms = [tr("ui.desk.over_budget", lang).format(over=over, budget=money(budget, lang, currency)),
                     tr("ui.desk.over_budget_short", lang).format(over=over)]
        else:
            left = f"{tr('ui.desk.budget_left', lang)}: {money(budget - cost, lang, currency)}"
            forms = [f"{left} / {money(budget, lang, currency)}", left]
        # the budget itself is in the top bar: where the footer is narrow (1024x600, large text) it goes
        label = self.budget_label
        label.set_text(first_fitting(label.font, label.rect.width, forms))
        if reason:
            text = f"{tr('ui.desk.refused', lang)}: {in_language(reason, lang)}"
        elif actions:
            text = tr("ui.desk.staged", lang).format(n=len(actions))
        else:
            text = tr("ui.desk.no_change", lang)
        self.reason_text = text
        colour = "#FF8A65" if reason else "#8FD694"
        set_html(self.reason_label, f'<font color="{colour}">{html.escape(text)}</font>')
        if self.session.finished:
            self.end_button.disable()

    # ------------------------------------------------------------------ events
    def process(self, event) -> str | None:
        """Handle a pygame_gui event; returns "end_turn" when the player commits."""
        if event.type == pygame_gui.UI_TEXT_BOX_LINK_CLICKED and event.ui_element is getattr(self, "advice_box", None):
            self.open_lever(event.link_target)
            return None
        if event.type == pygame_gui.UI_HORIZONTAL_SLIDER_MOVED and event.ui_element in self.widgets:
            key, lever = self.widgets[event.ui_element]
            value = self.snap(lever, event.value)
            if self.values[key] != value:
                self.values[key] = value
                self.value_labels[key].set_text(self.fmt(key, lever.unit))
                self.refresh()
                self.stepped = True
            return None
        if event.type != pygame_gui.UI_BUTTON_PRESSED:
            return None
        element = event.ui_element
        if element is self.end_button:
            return "end_turn"
        if element is self.reset_button:
            self.values = dict(self.base)
            self.sync()
            return None
        if element in self.widgets:
            key, row = self.widgets[element]
            if key == "trade_stance":
                self.values[key] = row
            else:
                self.values[key] = not self.values[key]
            self.sync()
        return None

    def set_forecast(self, forecast) -> None:
        """The forecast of what is staged has arrived: it prices the subsidies not used yet."""
        if forecast is not self.forecast:
            self.forecast = forecast
            self.refresh()

    def snap(self, lever: Lever, value: float) -> int:
        """A slider's value on its step grid, or on a mark (the centre's plan) within half a step."""
        near = [m for m in lever.marks if abs(value - m) < lever.step / 2]
        return near[0] if near else int(round(value / lever.step) * lever.step)

    def set_value(self, key: str, value) -> None:
        """Move a lever from code (keyboard shortcuts, tests of the desk's arithmetic)."""
        self.values[key] = value
        self.sync()

    def new_turn(self) -> None:
        """After a quarter: settings from the model again. Widgets are updated in place (building
        the desk's ~60 pygame_gui widgets takes about 0.35 s); rebuilt only if the levers on
        offer changed (a designer exited, a link was made)."""
        before = {k: v for k, v in self.base.items() if k.startswith("broker_link")}
        keys = set(self.base)
        self.reset_from_model()
        self.forecast = None  # last quarter's forecast prices nothing now
        after = {k: v for k, v in self.base.items() if k.startswith("broker_link")}
        if set(self.base) != keys or after != before or self.row_keys() != self.layout:
            self.build()
        else:
            self.show_advice()
            self.sync()

    def sync(self) -> None:
        """Show `values` on the existing widgets."""
        for widget, (key, row) in self.widgets.items():
            if isinstance(widget, UIHorizontalSlider):
                if widget.get_current_value() != self.values[key]:
                    widget.set_current_value(self.values[key], warn=False)
                self.value_labels[key].set_text(self.fmt(key, row.unit))
            elif key == "trade_stance":
                self._restyle(widget, self.values[key] == row)
            else:
                self._restyle(widget, bool(self.values[key]) and not self.base[key])
        self.refresh()

    @staticmethod
    def _restyle(button: UIButton, staged: bool) -> None:
        wanted = "#staged" if staged else None
        current = button.object_ids[-1] if button.object_ids else None
        if current != wanted:
            button.change_object_id(wanted)

    # ------------------------------------------------------------------ the lever preview
    def lever_at(self, pos) -> str | None:
        """The lever whose row (name, value and slider, or its buttons) is under `pos`, if that
        part of the desk is scrolled into view."""
        if self.root is None or not self.root.visible or not self.scroll.rect.collidepoint(pos):
            return None
        for key, (_, widgets) in self.rows.items():
            if widgets and widgets[0].rect.unionall([w.rect for w in widgets[1:]]).collidepoint(pos):
                return key
        return None

    def prefetch_bundles(self, key: str) -> Iterator[list]:
        """The bundles the desk would hand the forecast with lever `key` at each of its other
        settings and every other lever as it stands, in the order worth forecasting before it is
        moved: a slider's in `game.desk_levers.prefetch_order` (for a drag), the trade stance's
        other two stances, a brokered link's toggled state (not one already in force: its button
        is disabled). Those that cannot be formed or that the model would refuse (the desk asks no
        forecast for them) are left out. Worked out one at a time as the scheduler takes them
        (~0.03 ms each), on the settings as they are when the lever is hovered."""
        values = dict(self.values)
        lever = next((row for w, (k, row) in self.widgets.items() if k == key and isinstance(w, UIHorizontalSlider)),
                     None)
        if lever is not None:
            settings: list = prefetch_order(lever, values[key])
        elif key == "trade_stance":
            settings = [stance for stance in STANCES if stance != values[key]]
        elif isinstance(values.get(key), bool) and not self.base.get(key):
            settings = [not values[key]]
        else:
            return iter(())
        return self._bundles(key, settings, values)

    def _bundles(self, key: str, settings: list, values: dict) -> Iterator[list]:
        for value in settings:
            actions, reason = staged_actions(self.settings, {**values, key: value}, self.lang)
            if reason is None and self.session.refusal(actions) is None:
                yield actions

    def row_rect(self, key: str) -> pygame.Rect | None:
        """Where a lever's row is on screen."""
        widgets = self.rows.get(key, ("", []))[1]
        return widgets[0].rect.unionall([w.rect for w in widgets[1:]]) if widgets else None

    def lever_title(self, key: str) -> str:
        """A lever as the preview names it: its section, the firm or industry, the setting."""
        title = self.rows.get(key, (key, []))[0]
        row = next((r for _, (k, r) in self.widgets.items() if k == key), None)
        if isinstance(row, Lever):
            head = title if row.label == tr("ui.desk.rate", self.lang) else f"{title} - {row.label}"
            return f"{head}: {self.fmt(key, row.unit)}"
        if key == "trade_stance":
            return f"{title}: {tr(f'ui.stance.{self.values[key]}', self.lang)}"
        return title

    # ------------------------------------------------------------------ keyboard
    def slider_keys(self) -> list[str]:
        """The sliders' keys, top to bottom (the order Up/Down walk them)."""
        sliders = [(w.relative_rect.y, k) for w, (k, _) in self.widgets.items() if isinstance(w, UIHorizontalSlider)]
        return [k for _, k in sorted(sliders)]

    def focus_step(self, step: int) -> str | None:
        """Up/Down: the focused slider moves to the next one and is scrolled into view."""
        keys = self.slider_keys()
        if not keys:
            return None
        i = keys.index(self.focused) + step if self.focused in keys else (0 if step > 0 else len(keys) - 1)
        self.focused = keys[min(max(i, 0), len(keys) - 1)]
        bar = self.scroll.vert_scroll_bar
        if bar is not None:
            slider = self.slider(self.focused)
            total = self.scroll.scrolling_height or 1
            top = slider.relative_rect.y - self.scroll.rect.height / 3
            bar.set_scroll_from_start_percentage(min(max(top / total, 0.0), 1.0 - bar.visible_percentage))
        return self.focused

    def nudge(self, direction: int) -> None:
        """Left/Right: the focused slider one step down or up, within its range."""
        if self.focused is None:
            self.focus_step(1)
        slider = self.focused and self.slider(self.focused)
        if not slider:
            return
        _, lever = self.widgets[slider]
        now = self.values[self.focused]
        value = self.snap(lever, now + direction * lever.step)
        passed = [m for m in lever.marks if min(now, value) < m < max(now, value)]
        value = min(max(passed[0] if passed else value, lever.low), lever.high)  # a key press stops at the plan
        if value != self.values[self.focused]:
            self.set_value(self.focused, value)

    def focus_rect(self) -> pygame.Rect | None:
        """Where the focused slider is on screen, if it is in view."""
        if self.focused is None or self.focused not in self.slider_keys():
            return None
        rect = self.slider(self.focused).rect.inflate(6, 6)
        view = self.scroll.rect
        return rect if view.contains(rect.inflate(-6, -6)) else None

    def slider(self, key: str) -> UIHorizontalSlider:
        return next(w for w, (k, _) in self.widgets.items() if k == key and isinstance(w, UIHorizontalSlider))
