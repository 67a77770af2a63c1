"""The strategy map: countries, firm markers sized by capacity or share, flows of wafers, HBM,
packaging and accelerators between countries, each designer's binding bottleneck.

Goods are told apart by an Okabe-Ito colour and a second cue that survives colour blindness and
a washed-out projector: a marker shape (wafer square, HBM circle, packaging diamond, accelerator
triangle), used for the firms that make the good and for the particles moving along its flows,
and a line pattern per good (solid, dashed, dotted, double).

Everything that only changes when the world does (sea, countries, names, flow lines) is drawn
once per turn onto a cached surface; a frame blits it and draws the moving particles, the
markers and the hover tooltip.
"""

from __future__ import annotations

import itertools
import math

import pygame

from game.describe import capacity_held
from game.mapdata import (
    GEOMETRY as GEOMETRY,  # the names callers and tests have always imported from here
)
from game.mapdata import (
    GOODS,
    KIND_GOOD,
    KIND_MARKET,
    Barrier,
    Marker,
    abroad_line,
    barrier_lines,
    export_barriers,
    flow_arcs,
    layout_markers,
    layout_sites,
    load_geometry,
    place_name,
    site_lines,
)
from game.mapdata import compute_flows as compute_flows
from game.mapdata import domestic_links as domestic_links
from game.mapdata import firms_on_map as firms_on_map
from game.mapdata import shipments as shipments
from game.text import korean_money, korean_number, tr
from game.ui.fonts import readable_on
from game.why import price_dollars

# Okabe-Ito (2008), the usual colour-blind-safe palette.
GOOD_COLOURS = {"wafer": (0, 114, 178), "hbm": (230, 159, 0), "packaging": (0, 158, 115),
                "accelerator": (204, 121, 167)}
GOOD_TERMS = {"wafer": "foundry", "hbm": "hbm", "packaging": "cowos", "accelerator": "accelerator"}
SEA = (16, 28, 44)
LAND = (46, 60, 74)
LAND_KOREA = (58, 78, 104)
BORDER = (120, 140, 160)
BORDER_KOREA = (240, 228, 66)
WALL = (213, 94, 0)  # Okabe-Ito vermillion: export-control walls
WALL_DARK = (120, 30, 20)


def draw_wall(surface, centre, direction, half: int = 20) -> None:
    """A hatched wall across the way in (perpendicular to `direction`) with a stop sign on it."""
    cx, cy = centre
    ux, uy = direction
    px, py = -uy, ux  # along the wall
    corners = [(cx + px * half + ux * 5, cy + py * half + uy * 5), (cx - px * half + ux * 5, cy - py * half + uy * 5),
               (cx - px * half - ux * 5, cy - py * half - uy * 5), (cx + px * half - ux * 5, cy + py * half - uy * 5)]
    pygame.draw.polygon(surface, WALL_DARK, corners)
    for k in range(-half, half, 6):  # diagonal hatching
        a = (cx + px * k - ux * 5, cy + py * k - uy * 5)
        b = (cx + px * min(k + 6, half) + ux * 5, cy + py * min(k + 6, half) + uy * 5)
        pygame.draw.line(surface, WALL, a, b, 3)
    pygame.draw.polygon(surface, WALL, corners, 2)
    stop = [(cx + 9 * math.cos(math.pi / 8 + k * math.pi / 4), cy + 9 * math.sin(math.pi / 8 + k * math.pi / 4))
            for k in range(8)]
    pygame.draw.polygon(surface, (200, 30, 30), stop)
    pygame.draw.polygon(surface, (255, 255, 255), stop, 1)
    pygame.draw.line(surface, (255, 255, 255), (cx - 5, cy), (cx + 5, cy), 3)


def draw_shape(surface, kind: str, centre, radius: int, colour, width: int = 0) -> None:
    x, y = centre
    r = max(radius, 2)
    if kind in ("foundry", "wafer"):
        pygame.draw.rect(surface, colour, pygame.Rect(x - r, y - r, 2 * r, 2 * r), width)
    elif kind in ("hbm_maker", "hbm"):
        pygame.draw.circle(surface, colour, (x, y), r, width)
    elif kind in ("packager", "packaging"):
        pygame.draw.polygon(surface, colour, [(x, y - r - 2), (x + r + 2, y), (x, y + r + 2), (x - r - 2, y)], width)
    else:  # designer / accelerator
        pygame.draw.polygon(surface, colour, [(x, y - r - 2), (x + r + 2, y + r), (x - r - 2, y + r)], width)


def _bezier(p0, p1, bend: float, steps: int = 24) -> list[tuple[float, float]]:
    (x0, y0), (x1, y1) = p0, p1
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    dx, dy = x1 - x0, y1 - y0
    cx, cy = mx - dy * bend, my + dx * bend
    points = []
    for i in range(steps + 1):
        t = i / steps
        a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t * t
        points.append((a * x0 + b * cx + c * x1, a * y0 + b * cy + c * y1))
    return points


def _pattern_line(surface, colour, points, width: int, good: str) -> None:
    """Solid (wafer), dashed (HBM), dotted (packaging), double rail (accelerator)."""
    if good == "wafer":
        pygame.draw.lines(surface, colour, False, points, width)
        return
    if good == "accelerator":
        pygame.draw.lines(surface, colour, False, points, width)
        if width >= 5:
            pygame.draw.lines(surface, SEA, False, points, width - 4)
        return
    segments = list(itertools.pairwise(points))
    for i, (a, b) in enumerate(segments):
        if good == "hbm" and i % 2 == 0:
            pygame.draw.line(surface, colour, a, b, width)
        elif good == "packaging" and i % 2 == 0:
            pygame.draw.circle(surface, colour, (round(a[0]), round(a[1])), max(width // 2 + 1, 2))


def producer_price(market: str, price: float, lang: str) -> str:
    """A producer's price with its unit (docs/model.md, "Units"): US$ per GB of HBM, US$ thousand
    per wafer (foundry) or package-wafer (packaging): "$17.0k per wafer", "웨이퍼 장당 1만 7,000 달러",
    never a bare "17.00"."""
    if market == "hbm":
        value = f"{price:,.1f} 달러" if lang == "ko" else f"${price:,.2f}"
    else:  # in Korean in dollars (9,000 달러), not a sum's "1만 달러 미만"
        value = f"{price_dollars('wafer' if market == 'foundry' else market, price)} 달러" if lang == "ko" \
            else f"${price:,.1f}k"
    return tr(f"ui.tip.price_per.{market}", lang).format(value=value)


class MapView:
    def __init__(self, rect: pygame.Rect, fonts, geometry: dict | None = None) -> None:
        self.rect = pygame.Rect(rect)
        self.fonts = fonts
        self.geometry = geometry or load_geometry()
        w, h = self.geometry["size"]
        self.scale = min(self.rect.width / w, self.rect.height / h)
        self.origin = (self.rect.x + (self.rect.width - w * self.scale) / 2,
                       self.rect.y + (self.rect.height - h * self.scale) / 2)
        self.static: pygame.Surface | None = None
        self.markers: list[Marker] = []
        self.sites: list[Marker] = []  # foundries' fabs abroad, drawn hollow in the host country
        self.paths: list[tuple[str, list[tuple[float, float]], int]] = []
        self.hover: Marker | None = None
        self.pointer: tuple[int, int] | None = None  # the mouse over the map (barrier tooltips)
        self.barriers: list[Barrier] = []
        self.legend_terms: list[tuple[pygame.Rect, str]] = []  # glossary hotspots of the legend (screen)
        self.legend_rect: pygame.Rect | None = None  # the legend's box on the screen (tags keep off it)
        self.label_rects: dict[str, pygame.Rect] = {}  # each country's name on the screen
        self.terms: list[tuple[pygame.Rect, str]] = []  # all glossary hotspots of the last frame
        self.world = None
        self.lang = "en"

    def to_screen(self, point) -> tuple[float, float]:
        return self.origin[0] + point[0] * self.scale, self.origin[1] + point[1] * self.scale

    # ------------------------------------------------------------------ once per turn
    def rebuild(self, world, lang: str) -> None:
        self.world, self.lang = world, lang
        self.markers = layout_markers(world, self.geometry, self.origin, self.scale)
        self.sites = layout_sites(world, self.geometry, self.origin, self.scale)
        surface = pygame.Surface(self.rect.size).convert()
        surface.fill(SEA)
        offset = (-self.rect.x, -self.rect.y)
        countries = self.geometry["countries"]
        for code, spec in countries.items():
            points = [self._local(p, offset) for p in spec["polygon"]]
            korea = code == "KOR"
            pygame.draw.polygon(surface, LAND_KOREA if korea else LAND, points)
            pygame.draw.polygon(surface, BORDER_KOREA if korea else BORDER, points, 3 if korea else 1)
        self.paths = self._flow_paths(world)
        for good, points, width in self.paths:
            local = [(x + offset[0], y + offset[1]) for x, y in points]
            _pattern_line(surface, GOOD_COLOURS[good], local, width, good)
        # markers are drawn over the names every frame: a name that one would cover moves left of it
        # (Taiwan's, beside TSMC's marker, read "Taiwa" at 1024x600)
        marks = [pygame.Rect(m.pos[0] - m.radius - 2, m.pos[1] - m.radius - 2, 2 * m.radius + 4, 2 * m.radius + 4)
                 for m in (*self.markers, *self.sites)]
        self.label_rects = {}
        for code, spec in countries.items():
            name = place_name(world, code, lang)
            label = self.fonts.render(name, 15, BORDER_KOREA if code == "KOR" else (200, 210, 220), bold=True)
            x, y = self._local(spec["label"], offset)
            where = label.get_rect(center=(x, y)).move(self.rect.x, self.rect.y)  # on the screen, as the markers
            for _ in range(3):  # past a few markers at most: a crowded country keeps its name in place
                hit = where.collidelist(marks)
                if hit == -1:
                    break
                where.right = marks[hit].left - 1
            where.clamp_ip(self.rect)  # never off the map (a marker near its left edge)
            self.label_rects[code] = where
            surface.blit(label, where.move(offset))
        self.barriers = export_barriers(world, countries, self.to_screen)
        for barrier in self.barriers:
            draw_wall(surface, (barrier.centre[0] + offset[0], barrier.centre[1] + offset[1]), barrier.direction)
        self._legend(surface)
        self.static = surface

    def _local(self, point, offset) -> tuple[float, float]:
        x, y = self.to_screen(point)
        return x + offset[0], y + offset[1]

    def _flow_paths(self, world) -> list[tuple[str, list[tuple[float, float]], int]]:
        """The flows (game/mapdata.py decides which and how wide) as polylines on this screen."""
        arcs = flow_arcs(world, self.geometry, self.markers, self.to_screen, self.scale)
        return [(arc.good, _bezier(arc.start, arc.end, arc.bend), arc.width) for arc in arcs]

    def _legend(self, surface) -> None:
        x, y = self.to_screen(self.geometry.get("legend", (10, 400)))
        x, y = x - self.rect.x, y - self.rect.y
        labels = [tr("ui.map.barrier", self.lang), *(tr(f"ui.good.{good}", self.lang) for good in GOODS),
                  tr("ui.map.site", self.lang)]
        size = 14  # smaller text on a small map (1024x600 at 150%), so the legend leaves the map a map
        # the rows' height as drawn below (`step`): a floor above it would shrink the text and not the rows
        while size > 9 and (max(20, self.fonts.font(size).get_linesize() + 3) * len(labels) > self.rect.height * 0.38
                            or max(self.fonts.font(size).size(t)[0] for t in labels) + 100 > self.rect.width * 0.4):
            size -= 1
        width = max(self.fonts.font(size).size(text)[0] for text in labels) + 100  # grows with the text size
        step = max(20, self.fonts.font(size).get_linesize() + 3)  # a row per line of text at any text size
        box = pygame.Rect(x - 6, y - 6 - step, width, step * (len(labels) - 1) + 8 + step)
        box.right = min(box.right, self.rect.width - 4)
        box.bottom = min(box.bottom, self.rect.height - 4)  # a short map (1024x600) lifts the legend into view
        x, y = box.x + 6, box.y + 6 + step
        pygame.draw.rect(surface, (10, 18, 30), box, border_radius=6)
        self.legend_rect = box.move(self.rect.x, self.rect.y)
        draw_wall(surface, (x + 26, y - step // 2 - 2), (0.0, 1.0), half=14)
        label = self.fonts.render(tr("ui.map.barrier", self.lang), size, (220, 225, 230))
        surface.blit(label, (x + 64, y - step // 2 - 2 - label.get_height() // 2))
        rows = [(y - step // 2 - 2, "export_control")]
        for i, good in enumerate(GOODS):
            cy = y + step * i + 10
            _pattern_line(surface, GOOD_COLOURS[good], [(x + 2 + 4 * k, cy) for k in range(9)], 4, good)
            draw_shape(surface, good, (x + 50, cy), 6, GOOD_COLOURS[good])
            label = self.fonts.render(tr(f"ui.good.{good}", self.lang), size, (220, 225, 230))
            surface.blit(label, (x + 64, cy - label.get_height() // 2))
            rows.append((cy, GOOD_TERMS[good]))
        cy = y + step * len(GOODS) + 10  # a hollow marker: a foreign firm's fabs in the country it stands in
        draw_shape(surface, "foundry", (x + 50, cy), 6, GOOD_COLOURS["wafer"], 2)
        label = self.fonts.render(tr("ui.map.site", self.lang), size, (220, 225, 230))
        surface.blit(label, (x + 64, cy - label.get_height() // 2))
        rows.append((cy, "fab_abroad"))
        # a "?" on each row: hovering the row shows the glossary card of its term
        self.legend_terms = []
        for cy, term in rows:
            pygame.draw.circle(surface, (86, 180, 233), (box.right - 14, cy), 8, 1)
            mark = self.fonts.render("?", 12, (86, 180, 233), bold=True)
            surface.blit(mark, mark.get_rect(center=(box.right - 14, cy)))
            self.legend_terms.append((pygame.Rect(box.x + self.rect.x, cy - step // 2 + self.rect.y, box.width, step),
                                      term))

    # ------------------------------------------------------------------ every frame
    def draw(self, screen: pygame.Surface, t: float, animate: bool = True) -> None:
        if self.static is None:
            return
        screen.blit(self.static, self.rect)
        if animate:
            self._particles(screen, t)
        world = self.world
        self.terms = list(self.legend_terms)
        bottleneck = world.history[-1]["bottleneck"] if world.history else {}
        for m in self.sites:  # hollow: a foreign firm's fabs, not a firm of this country
            draw_shape(screen, m.kind, m.pos, m.radius, (12, 16, 24))
            draw_shape(screen, m.kind, m.pos, m.radius, GOOD_COLOURS[KIND_GOOD[m.kind]], 3)
        bound = []  # designers held back by an input: their rings and tags go over every marker
        for m in self.markers:
            agent = world.by_name[m.name]
            good = KIND_GOOD[m.kind]
            colour = GOOD_COLOURS[good] if agent.alive else (90, 90, 90)
            draw_shape(screen, m.kind, m.pos, m.radius, colour)
            draw_shape(screen, m.kind, m.pos, m.radius, (250, 250, 250) if m.country == "KOR" else (20, 20, 20), 2)
            binding = bottleneck.get(m.name)
            if m.kind == "designer" and binding in ("wafer", "hbm", "packaging"):
                bound.append((m, binding))
            elif binding == "exited":
                x, y = m.pos
                pygame.draw.line(screen, (230, 60, 60), (x - 8, y - 8), (x + 8, y + 8), 3)
                pygame.draw.line(screen, (230, 60, 60), (x - 8, y + 8), (x + 8, y - 8), 3)
        for m, binding in bound:
            self._bottleneck(screen, m, binding, t)
        for m, binding in bound:  # tags last: no ring or marker covers a name
            self._bottleneck_tag(screen, m, binding)
        if self.hover is not None:
            self._tooltip(screen, self.hover)
        elif (barrier := self.barrier_at(self.pointer)) is not None:
            self._barrier_tooltip(screen, barrier)

    def barrier_at(self, pos) -> Barrier | None:
        if pos is None:
            return None
        return next((b for b in self.barriers if math.dist(pos, b.centre) <= 16), None)

    def barrier_lines(self, barrier: Barrier) -> list[str]:
        """The wall's tooltip: who may not send what to whom (accelerators above a threshold)."""
        return barrier_lines(self.world, barrier, self.lang)

    def _barrier_tooltip(self, screen, barrier: Barrier) -> None:
        surfaces = [self.fonts.render(line, 14, (240, 240, 240), bold=i == 0)
                    for i, line in enumerate(self.barrier_lines(barrier))]
        box = pygame.Rect(barrier.centre[0] + 18, barrier.centre[1] - 10, max(s.get_width() for s in surfaces) + 16,
                          sum(s.get_height() for s in surfaces) + 12)
        box.clamp_ip(self.rect)
        pygame.draw.rect(screen, (12, 16, 24), box, border_radius=6)
        pygame.draw.rect(screen, WALL, box, 2, border_radius=6)
        y = box.y + 6
        for s in surfaces:
            screen.blit(s, (box.x + 8, y))
            y += s.get_height()

    def _particles(self, screen, t: float) -> None:
        for good, points, width in self.paths:
            n = len(points) - 1
            count = 3
            for k in range(count):
                phase = (t * 0.25 + k / count) % 1.0
                i = min(int(phase * n), n - 1)
                f = phase * n - i
                (x0, y0), (x1, y1) = points[i], points[i + 1]
                pos = (round(x0 + (x1 - x0) * f), round(y0 + (y1 - y0) * f))
                draw_shape(screen, good, pos, max(3, width // 2 + 2), (245, 245, 245))
                draw_shape(screen, good, pos, max(2, width // 2 + 1), GOOD_COLOURS[good])

    def _bottleneck(self, screen, m: Marker, binding: str, t: float) -> None:
        """A pulsing ring in the colour of the input that binds."""
        pulse = round(1 + math.sin(t * 4))
        pygame.draw.circle(screen, GOOD_COLOURS[binding], m.pos, m.radius + 5 + pulse, 3)

    def _bottleneck_tag(self, screen, m: Marker, binding: str) -> None:
        """The binding input's name under the marker (above it where the legend is below), clear of
        any neighbour's tag it would cover."""
        label = self.fonts.render("! " + tr(f"ui.short.{binding}", self.lang), 12,
                                  readable_on(GOOD_COLOURS[binding]), bold=True)
        on_map = self.rect.inflate(-8, -4)  # a marker at the map's edge keeps its tag on the map
        box = label.get_rect(midtop=(m.pos[0], m.pos[1] + m.radius + 7)).clamp(on_map)
        step = box.height + 2
        legend = self.legend_rect
        if legend is not None and box.inflate(8, 2).colliderect(legend):  # a small map: the legend is near
            box = label.get_rect(midbottom=(m.pos[0], m.pos[1] - m.radius - 7)).clamp(on_map)
            step = -step
        taken = [rect for rect, term in self.terms if term == "bottleneck"] + ([legend] if legend else [])
        start = box.copy()
        for direction in (step, -step):  # neighbours' tags stack; the other way where the map ends first
            box = start.copy()
            while box.inflate(8, 2).collidelist(taken) != -1 and on_map.contains(box):
                box.y += direction
            if on_map.contains(box):
                break
        box.clamp_ip(on_map)
        pygame.draw.rect(screen, GOOD_COLOURS[binding], box.inflate(6, 0), border_radius=4)
        screen.blit(label, box)
        self.terms.append((box.inflate(6, 0), "bottleneck"))

    # ------------------------------------------------------------------ hover
    def marker_at(self, pos) -> Marker | None:
        best, dist = None, 1e9
        for m in (*self.markers, *self.sites):
            d = math.hypot(pos[0] - m.pos[0], pos[1] - m.pos[1])
            if d <= max(m.radius + 4, 10) and d < dist:
                best, dist = m, d
        return best

    def country_at(self, pos) -> str | None:
        """The code of the country whose outline contains `pos` (screen), or None (the sea)."""
        x, y = pos
        for code, spec in self.geometry["countries"].items():
            points = [self.to_screen(p) for p in spec["polygon"]]
            inside = False
            for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
                if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                    inside = not inside
            if inside:
                return code
        return None

    def tooltip_lines(self, m: Marker) -> list[str]:
        world, lang = self.world, self.lang
        if m.site:
            return site_lines(world, m, lang)
        agent = world.by_name[m.name]
        name = agent.name_ko if lang == "ko" else agent.name
        country = world.countries[agent.country]
        lines = [f"{name} ({country.name_ko if lang == 'ko' else country.name_en})",
                 tr(f"ui.kind.{m.kind}", lang)]
        state = world.history[-1] if world.history else None
        market = KIND_MARKET[m.kind]
        if state:
            lines.append(f"{tr('ui.tip.share', lang)}: {state['shares'][market].get(m.name, 0.0):.1%}")
        korean = lang == "ko"
        if m.kind == "designer":
            # Korean in its own units (7,560개, 2만 5,400 달러), not "7.6k" and "$25.4k"
            lines.append(f"{tr('ui.tip.sold', lang)}: " + (f"{korean_number(agent.sold * 1e3)}개" if korean
                                                            else f"{agent.sold:,.1f}k"))
            label = "ui.tip.cost_in_house" if agent.owner else "ui.tip.price_chip"
            lines.append(f"{tr(label, lang)}: " + (f"{price_dollars('accelerator', agent.price)} 달러" if korean
                                                   else f"${agent.price:,.1f}k"))
            binding = state["bottleneck"].get(m.name, "demand") if state else "demand"
            lines.append(f"{tr('ui.tip.binding', lang)}: {tr(f'binding.{binding}', lang)}")
        else:
            # Korean in its own units: 3만 2,000장/분기, not "32 천 장/분기"
            lines.append(f"{tr('ui.tip.capacity', lang)}: {capacity_held(agent.kind, agent.capacity, lang)}")
            abroad = abroad_line(world, agent, lang)  # its lines at sites abroad
            if abroad:
                lines.append(abroad)
            lines.append(f"{tr('ui.tip.output', lang)}: {capacity_held(agent.kind, agent.output, lang)}")
            lines.append(f"{tr('ui.tip.price', lang)}: {producer_price(market, agent.price, lang)}")
        lines.append(f"{tr('ui.tip.cash', lang)}: " + (korean_money(agent.cash * 1e9) if korean
                                                        else f"${agent.cash:,.2f}B"))
        if not agent.alive:
            lines.append(tr("binding.exited", lang))
        return lines

    def _tooltip(self, screen, m: Marker) -> None:
        surfaces = [self.fonts.render(line, 14, (240, 240, 240), bold=i == 0)
                    for i, line in enumerate(self.tooltip_lines(m))]
        width = max(s.get_width() for s in surfaces) + 16
        height = sum(s.get_height() for s in surfaces) + 12
        box = pygame.Rect(m.pos[0] + 16, m.pos[1] - 10, width, height)
        box.clamp_ip(self.rect)
        if box.collidepoint(m.pos):
            box.right = m.pos[0] - 16
            box.clamp_ip(self.rect)
        pygame.draw.rect(screen, (12, 16, 24), box, border_radius=6)
        pygame.draw.rect(screen, GOOD_COLOURS[KIND_GOOD[m.kind]], box, 2, border_radius=6)
        y = box.y + 6
        for s in surfaces:
            screen.blit(s, (box.x + 8, y))
            y += s.get_height()
