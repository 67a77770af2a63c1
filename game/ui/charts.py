"""The charts screen (top-bar button or C): market shares over time (foundry, HBM, accelerators;
Korean firms drawn thick and named in bold), prices, the Team Korea index beside the "no action"
baseline (game/baseline_run.py), and each index component as a small chart with its baseline.

Drawn natively with pygame.draw (matplotlib costs ~20 ms a chart, notes/ui.md) onto a cached
surface that is redrawn only when the turn, the world or the language changes; a frame blits it.
Every line differs from its neighbours by colour AND by dash pattern and marker shape, so the
charts survive colour blindness and a washed-out projector. Clicking a line or a small chart
names the indicator (a game/why.py key) for the "Why?" panel.
"""

from __future__ import annotations

import itertools
import math

import pygame

from game.baseline_run import NoActionGames
from game.mapdata import place_name
from game.race import race
from game.score import component_id, rule_of
from game.text import quarter_tick, tr
from game.ui.fonts import first_fitting
from game.ui.mapview import GOOD_COLOURS
from game.why import price_dollars

PLAYER = "KOR"
BG = (10, 14, 22)
PANEL = (20, 28, 40)
PLOT = (14, 20, 30)
GRID = (48, 58, 72)
TEXT = (230, 234, 240)
DIM = (150, 162, 176)
YELLOW = (240, 228, 66)
BASE = (170, 178, 190)  # the no-action baseline: light grey, dashed, hollow markers
# Okabe-Ito without the yellow (kept for the player's index) and black (the background).
PALETTE = ((86, 180, 233), (230, 159, 0), (0, 158, 115), (204, 121, 167), (213, 94, 0), (0, 114, 178),
           (240, 240, 240))
DASHES = (None, (10, 5), (3, 4), (14, 4, 3, 4))
MARKERS = ("circle", "square", "triangle", "diamond")
GOOD_DASH = {"wafer": None, "hbm": (10, 5), "accelerator": (3, 4)}
GOOD_MARKER = {"wafer": "square", "hbm": "circle", "accelerator": "triangle"}
SHARE_MARKETS = ("foundry", "hbm", "accelerator")


def dashed(surface, colour, points, width: int, pattern: tuple[int, ...] | None) -> None:
    """A polyline, solid or with an on/off `pattern` in pixels that runs on across vertices."""
    if len(points) < 2:
        return
    if not pattern:
        pygame.draw.lines(surface, colour, False, points, width)
        return
    k, left, on = 0, pattern[0], True
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        length = math.hypot(x1 - x0, y1 - y0)
        pos = 0.0
        while pos < length - 1e-9:
            step = min(left, length - pos)
            if on:
                a, b = pos / length, (pos + step) / length
                pygame.draw.line(surface, colour, (x0 + (x1 - x0) * a, y0 + (y1 - y0) * a),
                                 (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b), width)
            pos += step
            left -= step
            if left <= 1e-9:
                k = (k + 1) % len(pattern)
                left, on = pattern[k], not on


def marker(surface, shape: str, centre, r: int, colour, hollow: bool = False) -> None:
    x, y = round(centre[0]), round(centre[1])
    width = 2 if hollow else 0
    if hollow:
        marker(surface, shape, centre, r, PLOT)
    if shape == "square":
        pygame.draw.rect(surface, colour, (x - r, y - r, 2 * r, 2 * r), width)
    elif shape == "triangle":
        pygame.draw.polygon(surface, colour, [(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)], width)
    elif shape == "diamond":
        pygame.draw.polygon(surface, colour, [(x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y)], width)
    else:
        pygame.draw.circle(surface, colour, (x, y), r, width)


def series_line(surface, points, colour, width, pattern, shape, hollow=False, every: int = 1) -> None:
    dashed(surface, colour, points, width, pattern)
    for i, p in enumerate(points):
        if i % every == 0 or i == len(points) - 1:
            marker(surface, shape, p, 3 if width < 3 else 4, colour, hollow)


def price_legend(good: str, now: float, lang: str) -> str:
    """A price under its name in the legend: $16.3k/wafer; in Korean dollars in Korean units
    (1만 6,300 달러/웨이퍼), as the classroom writes them."""
    value = price_dollars(good, now) if lang == "ko" else f"{now:,.1f}"
    return tr(f"ui.charts.price_value.{good}", lang).format(value=value)


class Charts:
    """The charts screen inside `rect`; `hits` maps what was drawn to why.py keys."""

    def __init__(self, rect: pygame.Rect, fonts, no_action: NoActionGames | None = None) -> None:
        self.rect = pygame.Rect(rect)
        self.fonts = fonts
        self.surface: pygame.Surface | None = None
        self.stamp: tuple | None = None
        self.no_action = no_action if no_action is not None else NoActionGames()  # the window's, shared
        self.lines: list[tuple[str, list[tuple[float, float]]]] = []  # (why key, screen points)
        self.cells: list[tuple[str, pygame.Rect]] = []  # (why key, screen rect) of whole charts
        self.page = 0  # a short screen (1024x600, big text) shows the components on a page of their own

    # ------------------------------------------------------------------ data
    def baseline_history(self, world) -> list[dict]:
        """Korea's no-action game up to the world's turn (the window's NoActionGames)."""
        return self.no_action.history(world)

    def close(self) -> None:
        """Release the no-action games from Mesa's registry; a later draw starts them again."""
        self.no_action.close()

    def shown_firms(self, world, market: str) -> list[str]:
        """Korean firms first, then the largest others by their latest share (five lines at most)."""
        latest = world.history[-1]["shares"][market] if world.history else {}
        group = {"foundry": world.foundries, "hbm": world.hbm_makers, "accelerator": world.designers}[market]
        korean = [f.name for f in group if f.country == PLAYER]
        others = sorted((f.name for f in group if f.country != PLAYER), key=lambda n: -latest.get(n, 0.0))
        return (korean + others)[:5]

    # ------------------------------------------------------------------ drawing
    def draw(self, screen, world, lang: str) -> None:
        stamp = (world, world.turn, lang, self.page)  # the world itself: a released world's id may be reused
        if self.surface is None or stamp != self.stamp:
            self.render(world, lang)
            self.stamp = stamp
        screen.blit(self.surface, self.rect)

    def render(self, world, lang: str) -> None:
        """Everything onto the cached surface (screen coordinates kept for the hit tests)."""
        self.lines, self.cells = [], []
        surface = pygame.Surface(self.rect.size).convert()
        surface.fill(BG)
        self.offset = (-self.rect.x, -self.rect.y)
        base = self.baseline_history(world)
        x0, y0 = self.rect.x, self.rect.y
        head = self.fonts.render(tr("ui.charts.title", lang), 18, YELLOW, bold=True)
        self._blit(surface, head, (x0 + 12, y0 + 6))
        room = self.rect.width - head.get_width() - 36  # the hints share the header with the title
        hint = self.fonts.fit(tr("ui.charts.hint", lang), 13, DIM, room)
        self._blit(surface, hint, (self.rect.right - hint.get_width() - 12, y0 + 2))
        note = self.fonts.fit(tr("ui.charts.share_note", lang), 13, DIM, room)
        self._blit(surface, note, (self.rect.right - note.get_width() - 12, y0 + 2 + hint.get_height()))
        w = (self.rect.width - 16) // 3
        # three bands, in the proportions of the 1280x800 design (274 / 210 / the rest of 760 px);
        # on a short screen two pages: the shares and the middle band, then the components
        mid, low = self.band_tops()
        if self.paged:
            pages = self.fonts.fit(tr("ui.charts.pages", lang), 13, YELLOW, room)
            self._blit(surface, pages, (self.rect.right - pages.get_width() - 12,
                                        y0 + 2 + hint.get_height() + note.get_height()))
        if self.paged and self.page == 1:
            top = max(36, 8 + hint.get_height() + note.get_height() + pages.get_height())
            self._components(surface, world, base, pygame.Rect(x0 + 8, y0 + top, self.rect.width - 16,
                                                               self.rect.height - top - 6), lang)
            self.surface = surface
            return
        for i, market in enumerate(SHARE_MARKETS):
            top = max(36, 6 + hint.get_height() + note.get_height()
                      + (pages.get_height() if self.paged else 0))  # the header grows with the text size
            self._shares(surface, world, base, market, pygame.Rect(x0 + 8 + i * w, y0 + top, w - 8, mid - 10 - top),
                         lang)
        # prices, the index against doing nothing, and the race of every country's own score
        width = self.rect.width - 32
        wide = (round(width * 0.34), round(width * 0.30))
        band = low - mid - 10
        self._prices(surface, world, pygame.Rect(x0 + 8, y0 + mid, wide[0], band), lang)
        self._index(surface, world, base, pygame.Rect(x0 + 16 + wide[0], y0 + mid, wide[1], band), lang)
        self._race(surface, world, pygame.Rect(x0 + 24 + sum(wide), y0 + mid, width - sum(wide), band), lang)
        if not self.paged:
            self._components(surface, world, base, pygame.Rect(x0 + 8, y0 + low, self.rect.width - 16,
                                                               self.rect.height - low - 6), lang)
        self.surface = surface

    @property
    def paged(self) -> bool:
        """Too short for three bands of charts at this text size: two pages (Page Down / Up)."""
        return self.rect.height < 640 * self.fonts.scale

    def flip_page(self, step: int) -> None:
        if self.paged:
            self.page = min(max(self.page + step, 0), 1)

    def band_tops(self) -> tuple[int, int]:
        """The tops of the middle band (prices, index, race) and of the components, from the
        screen's top: 284 and 494 px in a 760 px tall screen, in proportion in any other (on a
        paged screen the first page's two bands share the height, 55 / 45)."""
        if self.paged:
            return round(self.rect.height * 0.55), self.rect.height
        f = self.rect.height / 760
        return round(284 * f), round(494 * f)

    def _blit(self, surface, image, pos) -> None:
        surface.blit(image, (pos[0] + self.offset[0], pos[1] + self.offset[1]))

    def _local(self, points):
        return [(x + self.offset[0], y + self.offset[1]) for x, y in points]

    def _frame(self, surface, box: pygame.Rect, title: str, lang: str) -> pygame.Rect:
        """A chart's box and title; returns the plot area (screen coordinates)."""
        pygame.draw.rect(surface, PANEL, box.move(self.offset), border_radius=6)
        head = self.fonts.fit(title, 14, TEXT, box.width - 16, bold=True)
        self._blit(surface, head, (box.x + 8, box.y + 4))
        # room for the title and the axis labels at any text size (the top label sits on the top line)
        left = round(40 * self.fonts.scale)
        top = max(28, 4 + head.get_height() + self.fonts.font(12).get_height() // 2 + 2)  # the top tick's label too
        return pygame.Rect(box.x + left, box.y + top, box.width - left - 10, box.height - top)

    def _axes(self, surface, plot: pygame.Rect, top: float, fmt: str, world) -> None:
        pygame.draw.rect(surface, PLOT, plot.move(self.offset))
        last = None
        for k in (0, 4, 2, 1, 3):  # the ends first; the middle ones where a short plot has room
            y = plot.bottom - plot.height * k / 4
            pygame.draw.line(surface, GRID, (plot.x + self.offset[0], y + self.offset[1]),
                             (plot.right + self.offset[0], y + self.offset[1]), 1)
            label = self.fonts.render(fmt.format(top * k / 4), 12, DIM)
            spot = label.get_rect(topright=(plot.x - 4, y - label.get_height() // 2))
            if last is None or spot.inflate(0, -4).collidelist(last) == -1:
                self._blit(surface, label, spot.topleft)
                last = (last or []) + [spot]

    def _xy(self, plot: pygame.Rect, world, values, top: float) -> list[tuple[float, float]]:
        turns = max(world.turns - 1, 1)
        return [(plot.x + plot.width * i / turns, plot.bottom - plot.height * min(max(v / top, 0.0), 1.0))
                for i, v in enumerate(values)]

    def _dates(self, surface, plot, world, lang: str) -> None:
        start = self.fonts.render(quarter_tick(world.start, lang), 12, DIM)
        end = self.fonts.render(quarter_tick(world.start + world.turns - 1, lang), 12, DIM)
        if start.get_width() + end.get_width() + 12 <= plot.width:  # a narrow plot shows its last quarter only
            self._blit(surface, start, (plot.x + 4, plot.bottom + 2))
        if end.get_width() + 4 <= plot.width:
            self._blit(surface, end, (plot.right - end.get_width(), plot.bottom + 2))

    def _shares(self, surface, world, base, market: str, box: pygame.Rect, lang: str) -> None:
        box_plot = self._frame(surface, box, tr(f"ui.chart.market.{market}", lang), lang)
        dates = self.fonts.font(12).get_linesize() + 2
        firms = self.shown_firms(world, market)
        latest = world.history[-1]["shares"][market] if world.history else {}
        labels = [world.by_name[n].name_ko if lang == "ko" else n for n in firms]
        korean = sum(1 for n in firms if world.by_name[n].country == PLAYER)  # listed first (`shown_firms`)
        columns, rows, size, shown = self._legend_layout(labels, [latest.get(n, 0.0) for n in firms], box.width,
                                                         box_plot.height - dates, korean)
        firms = firms[:shown]  # a line for every name in the legend, and none without
        row_h = self._legend_line(size)
        room = box.width // columns - 44
        plot = pygame.Rect(box_plot.x, box_plot.y, box_plot.width, box_plot.height - dates - rows * row_h - 4)
        self._axes(surface, plot, 1.0, "{:.0%}", world)
        self._dates(surface, plot, world, lang)
        legend_y = plot.bottom + dates
        for i, name in enumerate(firms):
            agent = world.by_name[name]
            korean = agent.country == PLAYER
            colour = PALETTE[i % len(PALETTE)]
            pattern, shape = DASHES[i % len(DASHES)], MARKERS[i % len(MARKERS)]
            values = [h["shares"][market].get(name, 0.0) for h in world.history]
            points = self._xy(plot, world, values, 1.0)
            if korean and base:
                ghost = self._xy(plot, world, [h["shares"][market].get(name, 0.0) for h in base], 1.0)
                dashed(surface, BASE, self._local(ghost), 1, (3, 4))
            series_line(surface, self._local(points), colour, 3 if korean else 1, pattern, shape, every=2)
            self.lines.append((f"share:{market}:{name}", points))
            # legend: two columns, the sample line with its marker, the name (Korean firms bold)
            col, row = divmod(i, rows)
            lx, ly = box.x + 10 + col * (box.width // columns), legend_y + row * row_h
            sample = [(lx, ly + 8), (lx + 22, ly + 8)]
            dashed(surface, colour, self._local(sample), 3 if korean else 1, pattern)
            marker(surface, shape, (lx + 11 + self.offset[0], ly + 8 + self.offset[1]), 3, colour)
            label = agent.name_ko if lang == "ko" else name
            share = values[-1] if values else 0.0
            font = self.fonts.font(size, korean)
            short = label  # shortened to `room`: from the sample's end to the box's edge
            if font.size(f"{short} {share:.0%}")[0] > room and " " in short:  # "Samsung 7%", not "Sams… 7%"
                short = short.split()[0]
            while font.size(f"{short} {share:.0%}")[0] > room and len(short) > 3:
                short = short[:-2] + "…"
            text = self.fonts.fit(f"{short} {share:.0%}", size, YELLOW if korean else TEXT, room, bold=korean)
            self._blit(surface, text, (lx + 28, ly))
        self.cells.append((f"korea:{market}_share", box))

    def _legend_line(self, size: int) -> int:
        """A legend row's height at text size `size`."""
        return max(16, self.fonts.font(size).get_linesize())

    def _legend_layout(self, labels: list[str], shares: list[float], width: int, height: int,
                       keep: int = 0) -> tuple[int, int, int, int]:
        """(columns, rows, text size, firms shown) of a share chart's legend, under a plot `height`
        px tall with it (the title and the dates apart) in a box `width` px wide, for the firms
        `labels` (Korean firms first, then the largest others). The first that holds, at each size
        from 13 down to the smallest still 10 px on screen: every name whole in one column or in
        two columns of three, the legend taking at most half the height; then the same with each
        name's first word ("Samsung 8%" for "Samsung Foundry 8%", as the rows draw it); then the
        first words in one column taking up to two thirds of the height, dropping the smallest
        other firms (never the first `keep`, nor below three) until it holds: a 1024x600 window
        with the largest text, where two columns left two letters of each name. Else every firm
        in two columns at the smallest size, the names cut to their room."""
        whole = [f"{label} {share:.0%}" for label, share in zip(labels, shares, strict=True)]
        first = [f"{label.split()[0] if label.strip() else label} {share:.0%}"
                 for label, share in zip(labels, shares, strict=True)]
        one = (1, max(len(labels), 1))

        def holds(names: list[str], size: int, layout: tuple[int, int], room: int) -> bool:
            widest = max((self.fonts.font(size, True).size(n)[0] for n in names), default=0)
            return widest <= width // layout[0] - 44 and layout[1] * self._legend_line(size) <= room

        sizes = []
        for size in range(13, 8, -1):
            if round(size * self.fonts.scale) < 10:
                break
            sizes.append(size)
        half, two_thirds = height // 2, height * 2 // 3
        for names in (whole, first):
            for size in sizes:
                for layout in (one, (2, 3)):
                    if holds(names, size, layout, half):
                        return (*layout, size, len(labels))
        for shown in range(len(labels), max(keep, 3, 1) - 1, -1):
            for size in sizes:
                if holds(first[:shown], size, (1, shown), two_thirds):
                    return 1, shown, size, shown
        # every size tried: the smallest, 9; else the first size under 10 px, where the sizes stopped
        size = 9 if len(sizes) == 5 else sizes[-1] - 1 if sizes else 13
        while 3 * self._legend_line(size) > half and size > 9:
            size -= 1
        return 2, 3, size, len(labels)

    def _prices(self, surface, world, box: pygame.Rect, lang: str) -> None:
        """Each good's price against its first quarter's, the legend (name, price now) in a column
        beside the plot; under it, one row a good, where the column would cut the names (the
        largest text on a small window)."""
        plot = self._frame(surface, box, tr("ui.charts.prices", lang), lang)
        legend_w = min(round(118 * self.fonts.scale), plot.width * 45 // 100)
        dates = self.fonts.font(12).get_linesize() + 4
        history = world.history
        goods = ("wafer", "hbm", "accelerator")
        names = {good: tr(f"ui.short.{good}", lang) for good in goods}
        name_font = self.fonts.font(13, True)
        # beside the plot while the names fit its column at least at 11 (`fit` shrinks them so far)
        below = max(self.fonts.font(11, True).size(name)[0] for name in names.values()) > legend_w - 22
        row = max(18, name_font.get_linesize())
        if below:
            plot = pygame.Rect(plot.x, plot.y, plot.width, plot.height - dates - row * len(goods))
        else:
            plot = pygame.Rect(plot.x, plot.y, plot.width - legend_w - 8, plot.height - dates)
        ratios = {}
        for good in goods:
            values = [h["prices"][good] for h in history]
            first = next((v for v in values if v > 0), 0.0)
            ratios[good] = [100 * v / first if first else 0.0 for v in values]
        top = max([150.0] + [v for r in ratios.values() for v in r])
        top = math.ceil(top / 50) * 50
        self._axes(surface, plot, top, "{:.0f}", world)
        self._dates(surface, plot, world, lang)
        for i, (good, values) in enumerate(ratios.items()):
            points = self._xy(plot, world, values, top)
            series_line(surface, self._local(points), GOOD_COLOURS[good], 2, GOOD_DASH[good], GOOD_MARKER[good],
                        every=2)
            self.lines.append((f"price:{good}", points))
            now = history[-1]["prices"][good] if history else 0.0
            if below:
                lx, ly = box.x + 10, plot.bottom + dates + row * i
            else:
                step = name_font.get_linesize() + self.fonts.font(12).get_linesize() + 4
                lx, ly = plot.right + 8, plot.y + 4 + step * i
            dashed(surface, GOOD_COLOURS[good], self._local([(lx, ly + 8), (lx + 22, ly + 8)]), 2, GOOD_DASH[good])
            marker(surface, GOOD_MARKER[good], (lx + 11 + self.offset[0], ly + 8 + self.offset[1]), 3,
                   GOOD_COLOURS[good])
            room = box.right - lx - 32
            if below:  # the name, and the price after it where the row has room
                name = self.fonts.fit(names[good], 13, TEXT, room, bold=True)
                self._blit(surface, name, (lx + 28, ly))
                price = self.fonts.render(price_legend(good, now, lang), 12, DIM)
                if name.get_width() + 8 + price.get_width() <= room:
                    self._blit(surface, price, (lx + 28 + name.get_width() + 8, ly + 2))
                continue
            self._blit(surface, self.fonts.fit(names[good], 13, TEXT, room, bold=True), (lx + 28, ly))
            if ly + name_font.get_linesize() > box.bottom:
                break  # a short box: the goods that fit
            text = price_legend(good, now, lang)
            if ly + step <= box.bottom:  # the price under the name, where the box has room
                self._blit(surface, self.fonts.fit(text, 12, DIM, room + 24), (lx + 4, ly + name_font.get_linesize()))

    def _index(self, surface, world, base, box: pygame.Rect, lang: str) -> None:
        """The index against the no-action game's, the legend (each line's name and value now)
        inside the plot at its top left; under the plot where the plot is too narrow for it (the
        largest text on a small window), the values at the box's right edge."""
        plot = self._frame(surface, box, tr("korea_index", lang), lang)
        dates = self.fonts.font(12).get_linesize() + 4
        mine = [h["korea_index"].get("total", 0.0) for h in world.history]
        ghost = [h["korea_index"].get("total", 0.0) for h in base]
        entries = [(tr("ui.charts.you", lang), YELLOW, None, "circle", False, mine),
                   (tr("ui.charts.baseline", lang), BASE, (8, 5), "square", True, ghost)]
        texts = [f"{label} {values[-1]:.1f}" if values else label for label, *_, values in entries]
        font = self.fonts.font(12, True)
        step = max(18, self.fonts.font(12).get_linesize())
        below = max(font.size(t)[0] for t in texts) > plot.width - 38
        plot = pygame.Rect(plot.x, plot.y, plot.width, plot.height - dates - (step * len(entries) if below else 0))
        self._axes(surface, plot, 100.0, "{:.0f}", world)
        self._dates(surface, plot, world, lang)
        ghost_points = self._xy(plot, world, ghost, 100.0)
        series_line(surface, self._local(ghost_points), BASE, 2, (8, 5), "square", hollow=True, every=2)
        points = self._xy(plot, world, mine, 100.0)
        series_line(surface, self._local(points), YELLOW, 3, None, "circle", every=2)
        self.lines.append(("index", points))
        for i, ((_, colour, pattern, shape, hollow, values), text) in enumerate(zip(entries, texts, strict=True)):
            if below:
                lx, ly = box.x + 10, plot.bottom + dates + step * i
                room = box.right - lx - 36
            else:
                lx, ly = plot.x + 6, plot.y + 4 + step * i
                room = plot.right - lx - 32
            dashed(surface, colour, self._local([(lx, ly + 8), (lx + 22, ly + 8)]), 2, pattern)
            marker(surface, shape, (lx + 11 + self.offset[0], ly + 8 + self.offset[1]), 4, colour, hollow)
            if below and values:  # the name, and the value at the box's right edge
                value = self.fonts.render(f"{values[-1]:.1f}", 12, colour, bold=True)
                self._blit(surface, value, (box.right - 10 - value.get_width(), ly))
                text, room = entries[i][0], room - value.get_width() - 6
            self._blit(surface, self.fonts.fit(text, 12, colour, room, bold=True), (lx + 28, ly))
        self.cells.append(("index", box))

    def _race(self, surface, world, box: pygame.Rect, lang: str) -> None:
        """The race: every country ranked by its score on its own objective, a sparkline of its
        quarters (one scale for all, so the lines compare), its score and grade; Korea
        highlighted. A click on a row asks why that country's score moved."""
        plot = self._frame(surface, box, tr("ui.charts.race", lang), lang)
        runners = race(world, lang)
        if not runners:
            return
        values = [v for r in runners for v in r.scores]
        low, high = min(values), max(values)
        low, high = max(0.0, low - 2), min(100.0, high + 2)
        row_h = max(1, (box.bottom - plot.y - 4) // len(runners))
        size = 12 if row_h < 22 else 13
        while size > 8 and self.fonts.font(size, True).get_height() > row_h:  # rows too short for the text size
            size -= 1
        score_w = self.fonts.font(size, True).size("100.0 A")[0] + 6
        spark_w = max(40, round((box.width - 16) * 0.32))
        name_w = box.width - 16 - spark_w - score_w - 8
        code_w = max(self.fonts.font(size, True).size(f"{r.rank}. {r.code}")[0] for r in runners)
        if name_w < code_w:  # a narrow chart (1024x600 at large text): the names before the sparklines
            spark_w = max(16, spark_w - (code_w - name_w))
            name_w = box.width - 16 - spark_w - score_w - 8
        for runner in runners:
            y = plot.y + (runner.rank - 1) * row_h
            row = pygame.Rect(box.x + 4, y, box.width - 8, row_h - 1)
            mine = runner.code == PLAYER
            if mine:
                pygame.draw.rect(surface, (52, 50, 18), row.move(self.offset), border_radius=3)
            colour = YELLOW if mine else TEXT
            font = self.fonts.font(size, mine)
            # the whole name, else the map's ("Middle East"), else the code ("GCC"), not "3. Middle Ea…"
            forms = [runner.name, place_name(world, runner.code, lang), runner.code]
            name = first_fitting(font, name_w, [f"{runner.rank}. {form}" for form in forms])
            label = self.fonts.render(name, size, colour, bold=mine)
            self._blit(surface, label, (row.x + 4, y + (row_h - label.get_height()) // 2))
            spark = pygame.Rect(row.x + 8 + name_w, y + 3, spark_w, row_h - 7)
            span = max(len(runner.scores) - 1, 1)
            points = [(spark.x + spark.width * i / span,
                       spark.bottom - spark.height * (v - low) / max(high - low, 1e-9))
                      for i, v in enumerate(runner.scores)]
            if len(points) >= 2:
                pygame.draw.lines(surface, colour if mine else DIM, False, self._local(points), 2 if mine else 1)
            if points:
                marker(surface, "circle", self._local(points[-1:])[0], 2, colour)
            value = self.fonts.render(f"{runner.now:.1f} {runner.grade}", size, colour, bold=mine)
            self._blit(surface, value, (row.right - value.get_width() - 4, y + (row_h - value.get_height()) // 2))
            self.cells.append((f"score:{runner.code}", row))
        self.race_rows = runners

    def _components(self, surface, world, base, box: pygame.Rect, lang: str) -> None:
        spec = rule_of(world.scenario, PLAYER)
        if spec is None:
            return
        title = self.fonts.fit(tr("ui.charts.components", lang), 14, TEXT, box.width // 2, bold=True)
        self._blit(surface, title, (box.x + 4, box.y))
        legend = self.fonts.fit(tr("ui.charts.components_legend", lang), 12, DIM, box.width - title.get_width() - 20)
        self._blit(surface, legend, (box.right - legend.get_width() - 4, box.y + 2))
        names = [c.label_ko if lang == "ko" else c.label_en for c in spec.components]
        head = title.get_height() + 2
        step = self.fonts.font(12).get_linesize() - 2
        cols = self._component_columns(names, box, head, step)
        rows = math.ceil(len(spec.components) / cols)
        cw, ch = box.width // cols, (box.height - head) // max(rows, 1)
        for i, (c, name) in enumerate(zip(spec.components, names, strict=True)):
            r, k = divmod(i, cols)
            cell = pygame.Rect(box.x + k * cw, box.y + head + r * ch, cw - 6, ch - 6)
            pygame.draw.rect(surface, PANEL, cell.move(self.offset), border_radius=4)
            mine = [h["korea_index"].get(component_id(c), 0.0) for h in world.history]
            room = cell.width - 44  # the name beside the value (two digits, or three at 100)
            if mine:
                value = self.fonts.render(f"{mine[-1]:.0f}", 14, YELLOW, bold=True)
                self._blit(surface, value, (cell.right - value.get_width() - 5, cell.y + 2))
                room = min(room, cell.width - value.get_width() - 16)
            lines = self.fonts.wrap(name, 12, room)
            if len(lines) > 2:  # two lines at most: the second ends in "…" (the whole name is in Why?)
                lines = [lines[0], " ".join(lines[1:])]
            for j, line in enumerate(lines):
                text = self.fonts.fit(line, 12, TEXT, room, least=round(12 * self.fonts.scale))
                self._blit(surface, text, (cell.x + 5, cell.y + 2 + step * j))
            top = 6 + 2 * step
            plot = pygame.Rect(cell.x + 5, cell.y + top, cell.width - 10, cell.height - top - 6)
            pygame.draw.rect(surface, PLOT, plot.move(self.offset))
            ghost = self._xy(plot, world, [h["korea_index"].get(component_id(c), 0.0) for h in base], 100.0)
            dashed(surface, BASE, self._local(ghost), 2, (6, 4))
            points = self._xy(plot, world, mine, 100.0)
            dashed(surface, YELLOW, self._local(points), 2, None)
            if points:
                marker(surface, "circle", self._local(points[-1:])[0], 3, YELLOW)
            self.lines.append((f"component:{component_id(c)}", points))
            self.cells.append((f"component:{component_id(c)}", cell))

    def _component_columns(self, names: list[str], box: pygame.Rect, head: int, step: int) -> int:
        """Columns of the components' small charts: five, or fewer where a cell would be too
        narrow for the longest word of a name at the text size (a word broken mid-letter, as
        "Foundr / y share" at 1024x600 and 150%), while each cell keeps room for two lines of
        name over a plot of at least 36 px."""
        font = self.fonts.font(12)
        longest = max((font.size(word)[0] for name in names for word in name.split()), default=0)
        for cols in (5, 4, 3):
            rows = math.ceil(len(names) / cols)
            tall = (box.height - head) // max(rows, 1) - 6 - (6 + 2 * step) - 6 >= 36
            if longest <= box.width // cols - 6 - 44 and (tall or cols == 5):
                return cols
        return 5

    # ------------------------------------------------------------------ clicks
    def key_at(self, pos) -> str | None:
        """The why.py key of the line nearest `pos` (within 7 px), else of the chart under it."""
        best, dist = None, 7.0
        for key, points in self.lines:
            for (xa, ya), (xb, yb) in itertools.pairwise(points):
                d = _segment_distance(pos, (xa, ya), (xb, yb))
                if d < dist:
                    best, dist = key, d
            if len(points) == 1 and math.dist(pos, points[0]) < dist:
                best, dist = key, math.dist(pos, points[0])
        if best is not None:
            return best
        return next((key for key, rect in reversed(self.cells) if rect.collidepoint(pos)), None)


def _segment_distance(p, a, b) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    span = dx * dx + dy * dy
    t = 0.0 if span == 0 else min(max(((px - ax) * dx + (py - ay) * dy) / span, 0.0), 1.0)
    return math.hypot(px - ax - t * dx, py - ay - t * dy)
