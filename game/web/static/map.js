// The world map on the projector: the desktop's strategy map (game/ui/mapview.py) drawn as SVG
// from the JSON of /api/map (game/mapdata.py), in the geometry's own units (880 x 500) scaled to
// the page. The same cues as the desktop, for colour blindness and a washed-out projector: each
// good has an Okabe-Ito colour, a marker shape (wafer square, HBM circle, packaging diamond,
// accelerator triangle) and a line pattern (solid, dashed, dotted, double rail). Every text is
// set as text (textContent), never as HTML.
"use strict";

const WorldMap = {
  NS: "http://www.w3.org/2000/svg",
  COLOURS: {wafer: "#0072b2", hbm: "#e69f00", packaging: "#009e73", accelerator: "#cc79a7"},
  SEA: "#101c2c", LAND: "#2e3c4a", LAND_KOREA: "#3a4e68", BORDER: "#788ca0", KOREA: "#f0e442",
  WALL: "#d55e00", WALL_DARK: "#781e14",
  KIND_GOOD: {foundry: "wafer", hbm_maker: "hbm", packager: "packaging", designer: "accelerator"},

  node(tag, attrs, ...children) {
    const e = document.createElementNS(this.NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) e.setAttribute(k, v);
    for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  },

  // A hover text (the firm's numbers, the wall's rules): SVG's own <title>, plain text.
  title(text) { return this.node("title", {}, text); },

  // The marker of a firm or a good: square, circle, diamond or triangle around (x, y).
  shape(good, x, y, r, fill, stroke, width) {
    const style = {fill, stroke: stroke || "none", "stroke-width": width || 0};
    if (good === "wafer") return this.node("rect", {x: x - r, y: y - r, width: 2 * r, height: 2 * r, ...style});
    if (good === "hbm") return this.node("circle", {cx: x, cy: y, r, ...style});
    const points = good === "packaging"
      ? [[x, y - r - 2], [x + r + 2, y], [x, y + r + 2], [x - r - 2, y]]
      : [[x, y - r - 2], [x + r + 2, y + r], [x - r - 2, y + r]];
    return this.node("polygon", {points: points.map(p => p.join(",")).join(" "), ...style});
  },

  // A flow's line in its good's pattern; `d` is the SVG path.
  line(good, d, width) {
    const colour = this.COLOURS[good];
    const base = {d, fill: "none", stroke: colour, "stroke-width": width, "data-good": good};
    if (good === "hbm") return [this.node("path", {...base, "stroke-dasharray": `${width * 2.5} ${width * 1.5}`})];
    if (good === "packaging") {
      return [this.node("path", {...base, "stroke-dasharray": `0.1 ${width * 2}`, "stroke-linecap": "round",
                                 "stroke-width": Math.max(width, 3)})];
    }
    const lines = [this.node("path", base)];
    if (good === "accelerator" && width >= 5) {
      lines.push(this.node("path", {d, fill: "none", stroke: this.SEA, "stroke-width": width - 4}));
    }
    return lines;
  },

  // A hatched wall across the way in, with a stop sign, turned to face the exporters.
  wall(b) {
    const [cx, cy] = b.centre, [ux, uy] = b.direction;
    const angle = Math.atan2(uy, ux) * 180 / Math.PI;
    const g = this.node("g", {transform: `translate(${cx} ${cy}) rotate(${angle.toFixed(1)})`, class: "wall"},
                        this.title(b.lines.join("\n")));
    g.append(this.node("rect", {x: -6, y: -22, width: 12, height: 44, fill: this.WALL_DARK, stroke: this.WALL,
                                "stroke-width": 2}));
    for (let k = -22; k < 22; k += 7) {
      g.append(this.node("line", {x1: -6, y1: k, x2: 6, y2: Math.min(k + 7, 22), stroke: this.WALL, "stroke-width": 3}));
    }
    const stop = [...Array(8).keys()].map(k => [10 * Math.cos(Math.PI / 8 + k * Math.PI / 4),
                                                10 * Math.sin(Math.PI / 8 + k * Math.PI / 4)]);
    g.append(this.node("polygon", {points: stop.map(p => p.map(v => v.toFixed(1)).join(",")).join(" "),
                                   fill: "#c81e1e", stroke: "#fff", "stroke-width": 1.5}));
    g.append(this.node("line", {x1: -5, y1: 0, x2: 5, y2: 0, stroke: "#fff", "stroke-width": 3}));
    return g;
  },

  // The whole map of `m` (the JSON of /api/map) as one <svg>; `t` translates the page's words.
  draw(m, t) {
    const [w, h] = m.size;
    const svg = this.node("svg", {viewBox: `0 0 ${w} ${h}`, class: "worldmap", role: "img",
                                  "aria-label": t("map")});
    svg.append(this.node("rect", {x: 0, y: 0, width: w, height: h, fill: this.SEA}));
    for (const c of m.countries) {
      const korea = c.code === "KOR";
      svg.append(this.node("polygon", {points: c.polygon.map(p => p.join(",")).join(" "), "data-country": c.code,
        fill: korea ? this.LAND_KOREA : this.LAND, stroke: korea ? this.KOREA : this.BORDER,
        "stroke-width": korea ? 3 : 1}));
    }
    const flows = this.node("g", {class: "flows"});
    for (const f of m.flows) {
      const d = `M${f.from[0]},${f.from[1]} Q${f.control[0]},${f.control[1]} ${f.to[0]},${f.to[1]}`;
      const group = this.node("g", {"data-flow": `${f.good}:${f.source}:${f.target}`}, this.line(f.good, d, f.width));
      // goods moving along the flow, source to target: the way it goes, as the desktop's particles
      for (let k = 0; k < (f.domestic ? 1 : 2); k++) {
        const dot = this.shape(f.good, 0, 0, Math.max(3, f.width / 2 + 2), this.COLOURS[f.good], "#f5f5f5", 1.5);
        dot.append(this.node("animateMotion", {dur: "6s", repeatCount: "indefinite", path: d,
                                               begin: `${-3 * k}s`}));
        group.append(dot);
      }
      flows.append(group);
    }
    svg.append(flows);
    for (const b of m.barriers) svg.append(this.wall(b));
    const tags = [], taken = [];
    for (const f of m.firms) {
      const colour = f.alive ? this.COLOURS[f.good] : "#5a5a5a";
      const marker = this.shape(f.good, f.x, f.y, f.r, colour, f.country === "KOR" ? "#fafafa" : "#141414", 2);
      const share = f.share === null ? "" : ` ${(100 * f.share).toFixed(1)}%`;
      marker.append(this.title(f.name + share + (f.abroad ? "\n" + f.abroad : "")));
      marker.setAttribute("data-firm", f.name);
      svg.append(marker);
      if (f.bottleneck === "exited") {
        svg.append(this.node("path", {d: `M${f.x - 8},${f.y - 8} L${f.x + 8},${f.y + 8} M${f.x - 8},${f.y + 8} L${f.x + 8},${f.y - 8}`,
                                      stroke: "#e63c3c", "stroke-width": 3}));
      } else if (f.bottleneck) {
        svg.append(this.node("circle", {cx: f.x, cy: f.y, r: f.r + 6, fill: "none",
                                        stroke: this.COLOURS[f.bottleneck], "stroke-width": 3}));
        tags.push(f);
      }
    }
    for (const site of m.sites || []) {  // a foundry's fabs abroad: hollow, in a row under the host's own firms
      const marker = this.shape(site.good, site.x, site.y, site.r, "#0c1018", this.COLOURS[site.good], 3);
      marker.append(this.title(site.lines.join("\n")));
      marker.setAttribute("data-site", site.firm + "@" + site.country);
      svg.append(marker);
    }
    for (const c of m.countries) {  // names over flows and markers, with a dark edge: read from the back row
      svg.append(this.node("text", {x: c.label[0], y: c.label[1], class: "country" + (c.code === "KOR" ? " korea" : ""),
                                    "text-anchor": "middle", "dominant-baseline": "middle"}, c.name));
    }
    for (const f of tags) {  // the binding input's name under its designer; neighbours' tags stack
      const text = "! " + (m.legend.goods.find(g => g.good === f.bottleneck) || {}).short;
      const width = 8 + [...text].reduce((s, ch) => s + (ch.charCodeAt(0) > 0x2e80 ? 14 : 8), 0);
      const box = {x: Math.min(Math.max(f.x - width / 2, 4), w - width - 4), y: f.y + f.r + 8, w: width, h: 18};
      while (taken.some(o => box.x < o.x + o.w && o.x < box.x + box.w && box.y < o.y + o.h && o.y < box.y + box.h)) {
        box.y += box.h + 2;
      }
      taken.push(box);
      svg.append(this.node("g", {class: "bottleneck", "data-bottleneck": f.bottleneck},
        this.node("rect", {x: box.x, y: box.y, width: box.w, height: box.h, rx: 4, fill: this.COLOURS[f.bottleneck]}),
        this.node("text", {x: box.x + box.w / 2, y: box.y + 13, "text-anchor": "middle",
                           fill: f.bottleneck === "wafer" ? "#fff" : "#000"}, text)));
    }
    return svg;
  },

  // The legend beside the map, in large text: each good's line, shape and name, and the wall.
  legend(m) {
    const items = m.legend.goods.map(g => {
      const sample = this.node("svg", {width: 64, height: 22, viewBox: "0 0 64 22"},
        this.line(g.good, "M2,11 L40,11", 4), this.shape(g.good, 52, 11, 6, this.COLOURS[g.good]));
      const item = document.createElement("li");
      item.append(sample, " ", g.label);
      return item;
    });
    const wall = document.createElement("li");
    const sample = this.node("svg", {width: 64, height: 36, viewBox: "-32 -18 64 36"});
    const drawn = this.wall({centre: [0, 0], direction: [1, 0], lines: [m.legend.barrier]});
    drawn.setAttribute("transform", "scale(0.75)");
    sample.append(drawn);
    wall.append(sample, " ", m.legend.barrier);
    const list = document.createElement("ul");
    list.className = "legend";
    list.append(wall, ...items);
    if (m.legend.site) {  // a foreign firm's fabs: the hollow square drawn in the host country
      const site = document.createElement("li");
      site.append(this.node("svg", {width: 64, height: 22, viewBox: "0 0 64 22"},
        this.shape("wafer", 52, 11, 6, "#0c1018", this.COLOURS.wafer, 2.5)), " ", m.legend.site);
      list.append(site);
    }
    return list;
  },
};
