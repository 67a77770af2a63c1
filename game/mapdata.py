"""What the strategy map shows, without drawing it: the flows of wafers, HBM, packaging and
accelerators between countries in the last quarter, the firm-to-firm links inside a country, where
each firm's marker sits and how big it is, the export-control walls, each designer's bottleneck.

Kept in the core, without pygame, so both front ends draw the same map: the desktop's map view
(game/ui/mapview.py) draws it with pygame, the classroom's projector (game/web) sends `map_view`
as JSON and the browser draws it as SVG. Positions are in the geometry's own units
(assets/map/world.json, 880 x 500); a front end passes its own `to_screen` and scale.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from game.describe import capacity_held
from game.text import quarter_name, tr

GEOMETRY = Path(__file__).resolve().parent.parent / "assets" / "map" / "world.json"
GOODS = ("wafer", "hbm", "packaging", "accelerator")
KIND_GOOD = {"foundry": "wafer", "hbm_maker": "hbm", "packager": "packaging", "designer": "accelerator"}
KIND_MARKET = {"foundry": "foundry", "hbm_maker": "hbm", "packager": "packaging", "designer": "accelerator"}

Point = tuple[float, float]


def load_geometry(path: Path = GEOMETRY) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def identity(point) -> Point:
    """The geometry's own units as the screen: what a browser's SVG viewBox draws in."""
    return float(point[0]), float(point[1])


@dataclass(frozen=True)
class Flow:
    good: str
    source: str  # country code
    target: str
    volume: float  # the good's own unit (thousand wafers, million GB, thousand package-wafers, thousand units)


def shipments(world) -> Iterator[tuple[str, object, object, float]]:
    """(good, supplier, designer, amount) for every filled order of the last quarter's wafer, HBM
    and packaging markets (the order book; the rest of the foundry market is not drawn)."""
    groups = {"wafer": world.foundries, "hbm": world.hbm_makers, "packaging": world.packagers}
    for good, suppliers in groups.items():
        book = world.last_market.get(good, {})
        if "filled" not in book:
            continue
        for buyer, supplier, amount in zip(book["buyer"], book["supplier"], book["filled"], strict=True):
            if buyer < len(world.designers) and amount > 0:
                yield good, suppliers[supplier], world.designers[buyer], float(amount)


def compute_flows(world) -> list[Flow]:
    """Between-country flows of the last quarter, exact: what each supplier shipped to each
    designer and what each buyer bought from each designer."""
    volume: dict[tuple[str, str, str], float] = {}

    def add(good, source, target, amount):
        if source != target and amount > 0:
            key = (good, source, target)
            volume[key] = volume.get(key, 0.0) + float(amount)

    for good, supplier, designer, amount in shipments(world):
        add(good, supplier.country, designer.country, amount)
    sold = world.last_market.get("accelerator", {}).get("sold")
    if sold is not None:
        for i, buyer in enumerate(world.buyers):
            for j, d in enumerate(world.designers):
                add("accelerator", d.country, buyer.country, sold[i][j])
    return [Flow(g, s, t, v) for (g, s, t), v in sorted(volume.items())]


def domestic_links(world) -> list[tuple[str, str, str, float]]:
    """Within-country shipments of the last quarter, firm to firm: (good, supplier, designer,
    volume) whose supplier and designer share a country (Korea's own chain: Samsung Foundry to
    Rebellions, SK hynix and Samsung to the Korean designers...)."""
    links: dict[tuple[str, str, str], float] = {}
    for good, supplier, designer, amount in shipments(world):
        if supplier.country == designer.country:
            key = (good, supplier.name, designer.name)
            links[key] = links.get(key, 0.0) + amount
    return [(g, s, t, v) for (g, s, t), v in sorted(links.items())]


@dataclass
class Barrier:
    """An export-control wall on the map: goods from `origins` may not reach `destination`."""

    destination: str
    rules: list[tuple[str, str, float]]  # (origin, good, performance threshold; 0 = all)
    centre: Point  # screen
    direction: Point  # unit vector from the destination towards the origins


def export_barriers(world, countries: dict, to_screen: Callable = identity, reach: float = 78.0) -> list[Barrier]:
    """One wall per controlled destination and direction: exporters whose bearings from the
    destination lie within 20 degrees share a wall (so the US, Japan and Korea, all east of
    China, make one wall and Taiwan another)."""
    pairs: dict[str, dict[str, list[tuple[str, float]]]] = {}
    for rule in world.export_rules.active:
        for origin in rule.from_countries:
            for destination in rule.to_countries:
                if origin != destination and origin in countries and destination in countries:
                    pairs.setdefault(destination, {}).setdefault(origin, []).append((rule.good, rule.perf_above))
    barriers = []
    for destination, origins in sorted(pairs.items()):
        dx, dy = to_screen(countries[destination]["anchor"])
        clusters: list[list[tuple[str, float]]] = []  # (origin, bearing)
        for origin in sorted(origins):
            ox, oy = to_screen(countries[origin]["anchor"])
            bearing = math.atan2(oy - dy, ox - dx)
            home = next((c for c in clusters if abs(math.remainder(c[0][1] - bearing, math.tau)) < math.radians(20)),
                        None)
            if home is None:
                clusters.append([(origin, bearing)])
            else:
                home.append((origin, bearing))
        for cluster in clusters:
            angle = math.atan2(sum(math.sin(b) for _, b in cluster), sum(math.cos(b) for _, b in cluster))
            ux, uy = math.cos(angle), math.sin(angle)
            rules = [(o, good, perf) for o, _ in cluster for good, perf in origins[o]]
            barriers.append(Barrier(destination, rules, (dx + ux * reach, dy + uy * reach), (ux, uy)))
    return barriers


def barrier_lines(world, barrier: Barrier, lang: str) -> list[str]:
    """The wall's words: who may not send what to whom (accelerators above a threshold)."""
    def name(code: str) -> str:
        c = world.countries.get(code)
        return (c.name_ko if lang == "ko" else c.name_en) if c else code

    lines = [tr("ui.map.barrier", lang), tr("ui.map.barrier_to", lang).format(country=name(barrier.destination))]
    by_origin: dict[str, list[str]] = {}
    for origin, good, perf in barrier.rules:
        text = tr(f"ui.good.{good}", lang)
        if good == "accelerator" and perf > 0:
            text += " " + tr("ui.map.above", lang).format(perf=perf)
        by_origin.setdefault(origin, []).append(text)
    lines += [f"{name(o)}: {', '.join(goods)}" for o, goods in by_origin.items()]
    return lines


@dataclass
class Marker:
    name: str
    kind: str
    country: str
    pos: tuple[int, int]
    radius: int
    site: bool = False  # `name`'s fabs standing in `country`, a host abroad (`layout_sites`)


def firms_on_map(world) -> list:
    return [*world.foundries, *world.hbm_makers, *world.packagers, *world.designers]


def size_share(world, agent) -> float:
    """The firm's share of its market: accelerator units for designers, capacity otherwise."""
    if agent.kind == "designer":
        shares = world.history[-1]["shares"]["accelerator"] if world.history else {}
        share = shares.get(agent.name, 0.0)
        if not any(shares.values()):
            total = sum(d.demand_est for d in world.designers) or 1.0
            share = agent.demand_est / total
        return share
    group = {"foundry": world.foundries, "hbm_maker": world.hbm_makers, "packager": world.packagers}[agent.kind]
    total = sum(a.capacity for a in group) or 1.0
    return agent.capacity / total


def layout_markers(world, geometry: dict, origin: tuple[float, float] = (0, 0), scale: float = 1.0) -> list[Marker]:
    """Each firm's marker: in a small grid around its country's anchor, its radius growing with the
    square root of its share (so the area follows the share)."""
    markers = []
    by_country: dict[str, list] = {}
    for agent in firms_on_map(world):
        by_country.setdefault(agent.country, []).append(agent)
    spacing = 42 * scale
    for code, agents in by_country.items():
        spec = geometry["countries"].get(code)
        if spec is None:
            continue
        cols = spec.get("cols", 2)
        rows = math.ceil(len(agents) / cols)
        ax, ay = spec["anchor"]
        for k, agent in enumerate(agents):
            row, col = divmod(k, cols)
            in_row = min(cols, len(agents) - row * cols)
            x = ax + (col - (in_row - 1) / 2) * spacing / scale
            y = ay + (row - (rows - 1) / 2) * spacing / scale
            radius = 6 + 11 * math.sqrt(max(size_share(world, agent), 0.0))
            markers.append(Marker(agent.name, agent.kind, code,
                                  (round(origin[0] + x * scale), round(origin[1] + y * scale)),
                                  round(radius * scale)))
    return markers


def sites_abroad(agent) -> dict[str, float]:
    """A foundry's capacity standing in each host country abroad, in its market's units (empty for
    a firm with everything at home, and for every firm but a foundry: docs/model.md, "Fab location")."""
    return {c: v for c, v in (getattr(agent, "located", None) or {}).items() if c != agent.country and v > 0}


def layout_sites(world, geometry: dict, origin: tuple[float, float] = (0, 0), scale: float = 1.0) -> list[Marker]:
    """A marker for each foundry's fabs in a host country abroad (TSMC Arizona, Samsung Taylor,
    JASM), in a row under the host's own firms so that theirs keep their places; its area follows
    the share of the world's foundry capacity standing there, as a home marker's does."""
    home_count: dict[str, int] = {}
    for agent in firms_on_map(world):
        home_count[agent.country] = home_count.get(agent.country, 0) + 1
    hosted: dict[str, list[tuple[object, float]]] = {}
    for agent in world.foundries:
        for code, capacity in sites_abroad(agent).items():
            hosted.setdefault(code, []).append((agent, capacity))
    total = sum(a.capacity for a in world.foundries) or 1.0
    spacing = 42 * scale
    markers = []
    for code, sites in hosted.items():
        spec = geometry["countries"].get(code)
        if spec is None:
            continue
        ax, ay = spec["anchor"]
        rows = math.ceil(home_count.get(code, 0) / spec.get("cols", 2))
        y = ay + (rows + 1) / 2 * spacing / scale  # the row below the host's grid (its anchor when it has none)
        for k, (agent, capacity) in enumerate(sites):
            x = ax + (k - (len(sites) - 1) / 2) * spacing / scale
            radius = 5 + 11 * math.sqrt(capacity / total)
            pos = (round(origin[0] + x * scale), round(origin[1] + y * scale))
            markers.append(Marker(agent.name, agent.kind, code, pos, round(radius * scale), site=True))
    return markers


def site_lines(world, marker: Marker, lang: str) -> list[str]:
    """A site marker's tooltip: whose fabs, where, how much stands there, and what it counts for."""
    agent = world.by_name[marker.name]
    owner = world.countries[agent.country]
    name = agent.name_ko if lang == "ko" else agent.name
    place = place_name(world, marker.country, lang)
    here = sites_abroad(agent).get(marker.country, 0.0)
    return [f"{name} ({owner.name_ko if lang == 'ko' else owner.name_en})",
            tr("ui.tip.site", lang).format(place=place),
            f"{tr('ui.tip.capacity_here', lang)}: {capacity_held(agent.kind, here, lang)}",
            f"{tr('ui.tip.capacity_all', lang)}: {capacity_held(agent.kind, agent.capacity, lang)}",
            tr("ui.tip.site_counts", lang)]


@dataclass(frozen=True)
class Arc:
    """A flow as drawn: a quadratic curve from `start` to `end` bending by `bend` (its control
    point sits off the chord's middle by `bend` times the chord, to the left), `width` pixels wide."""

    good: str
    start: Point
    end: Point
    bend: float
    width: int
    source: str  # country codes between countries, firm names inside one
    target: str
    volume: float
    domestic: bool = False

    @property
    def control(self) -> Point:
        (x0, y0), (x1, y1) = self.start, self.end
        return (x0 + x1) / 2 - (y1 - y0) * self.bend, (y0 + y1) / 2 + (x1 - x0) * self.bend


def flow_arcs(world, geometry: dict, markers: list[Marker], to_screen: Callable = identity,
              scale: float = 1.0) -> list[Arc]:
    """The flows to draw: between countries, as wide as the square root of their share of the
    good's largest flow (under 1% left out); inside a country, a short arc between the two firms'
    markers, however thin (a link that exists shows)."""
    flows = compute_flows(world)
    top = {g: max((f.volume for f in flows if f.good == g), default=0.0) for g in GOODS}
    countries = geometry["countries"]
    arcs = []
    for flow in flows:
        if flow.source not in countries or flow.target not in countries or top[flow.good] <= 0:
            continue
        share = flow.volume / top[flow.good]
        if share < 0.01:
            continue
        width = max(1, round((1.5 + 7 * math.sqrt(share)) * scale))
        bend = 0.12 + 0.07 * GOODS.index(flow.good)
        arcs.append(Arc(flow.good, to_screen(countries[flow.source]["anchor"]),
                        to_screen(countries[flow.target]["anchor"]), bend, width, flow.source, flow.target,
                        flow.volume))
    positions = {m.name: m.pos for m in markers}
    for good, source, target, volume in domestic_links(world):
        if source not in positions or target not in positions:
            continue
        share = volume / top[good] if top[good] > 0 else 1.0
        width = max(1, round((1.5 + 5 * math.sqrt(min(share, 1.0))) * scale))
        arcs.append(Arc(good, positions[source], positions[target], 0.45, width, source, target, volume, True))
    return arcs


def abroad_line(world, agent, lang: str) -> str | None:
    """A foundry's capacity standing abroad, by site ("Of which abroad: Japan 45 k wafers/qtr"; in
    Korean in its own units), or None when all of it is at home (docs/model.md, "Fab location")."""
    abroad = sites_abroad(agent)
    if not abroad:
        return None
    where = ", ".join(f"{place_name(world, c, lang)} {capacity_held(agent.kind, v, lang)}" for c, v in abroad.items())
    return f"{tr('ui.tip.abroad', lang)}: {where}"


def place_name(world, code: str, lang: str) -> str:
    """A place's name on the map: the country's, or the region's (the Gulf, the rest of the world)."""
    if code == "GCC":
        return tr("ui.region.gcc", lang)
    if code == "ROW":
        return tr("ui.region.row", lang)
    country = world.countries.get(code)
    return (country.name_ko if lang == "ko" else country.name_en) if country else code


def map_view(world, lang: str, geometry: dict | None = None) -> dict:
    """The whole map of the last quarter as plain data (JSON-ready), in the geometry's units: the
    countries' outlines and names, the flows, the firms' markers with their bottleneck, the walls
    and the legend's words. What the classroom's projector draws."""
    geometry = geometry or load_geometry()
    countries = geometry["countries"]
    markers = layout_markers(world, geometry)
    bottleneck = world.history[-1]["bottleneck"] if world.history else {}
    state = world.history[-1] if world.history else None
    firms = []
    for m in markers:
        agent = world.by_name[m.name]
        share = state["shares"][KIND_MARKET[m.kind]].get(m.name, 0.0) if state else None
        binding = bottleneck.get(m.name)
        firms.append({"name": agent.name_ko if lang == "ko" else agent.name, "kind": m.kind,
                      "good": KIND_GOOD[m.kind], "country": m.country, "x": m.pos[0], "y": m.pos[1], "r": m.radius,
                      "alive": bool(agent.alive), "share": None if share is None else round(float(share), 4),
                      "abroad": abroad_line(world, agent, lang),
                      "bottleneck": binding if binding in ("wafer", "hbm", "packaging", "exited") else None})
    arcs = flow_arcs(world, geometry, markers)
    sites = [{"firm": m.name, "name": world.by_name[m.name].name_ko if lang == "ko" else m.name, "kind": m.kind,
              "good": KIND_GOOD[m.kind], "country": m.country, "x": m.pos[0], "y": m.pos[1], "r": m.radius,
              "lines": site_lines(world, m, lang)} for m in layout_sites(world, geometry)]
    return {
        "size": geometry["size"],
        "date": quarter_name(world.start + len(world.history) - 1, lang) if world.history else "",  # the last played
        "countries": [{"code": code, "name": place_name(world, code, lang), "polygon": spec["polygon"],
                       "label": spec["label"], "anchor": spec["anchor"]} for code, spec in countries.items()],
        "flows": [{"good": a.good, "from": [round(v, 1) for v in a.start], "to": [round(v, 1) for v in a.end],
                   "control": [round(v, 1) for v in a.control], "width": a.width, "domestic": a.domestic,
                   "source": a.source, "target": a.target, "volume": round(a.volume, 3)} for a in arcs],
        "firms": firms,
        "sites": sites,  # foundries' fabs abroad, drawn hollow in the host country (`layout_sites`)
        "barriers": [{"destination": b.destination, "centre": [round(v, 1) for v in b.centre],
                      "direction": [round(v, 4) for v in b.direction], "lines": barrier_lines(world, b, lang)}
                     for b in export_barriers(world, countries)],
        "legend": {"origin": geometry.get("legend", [10, 400]), "barrier": tr("ui.map.barrier", lang),
                   "site": tr("ui.map.site", lang),
                   "goods": [{"good": g, "label": tr(f"ui.good.{g}", lang), "short": tr(f"ui.short.{g}", lang)}
                             for g in GOODS]},
    }
