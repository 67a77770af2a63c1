// What every classroom page shares: the language, the server's text, JSON requests, and a
// WebSocket that says "something changed" (with slow polling if it drops). Plain script, no
// library: everything the pages need is served by the game itself.
"use strict";

const Classroom = {
  lang: localStorage.getItem("classroom-lang") || document.documentElement.lang || "ko",
  text: {},

  score(value) { return value === null || value === undefined ? "" : Number(value).toFixed(1); },

  async loadText() {
    const r = await fetch("/api/strings?lang=" + this.lang);
    this.text = await r.json();
    document.documentElement.lang = this.lang;
    document.querySelectorAll("[data-t]").forEach(el => { el.textContent = this.t(el.dataset.t); });
    document.querySelectorAll("[data-ph]").forEach(el => { el.placeholder = this.t(el.dataset.ph); });
  },

  t(key, params) {
    let s = this.text[key] || key;
    for (const [k, v] of Object.entries(params || {})) s = s.split("{" + k + "}").join(v);
    return s;
  },

  async switchLang() {
    this.lang = this.lang === "ko" ? "en" : "ko";
    localStorage.setItem("classroom-lang", this.lang);
    await this.loadText();
  },

  // POST a JSON body; resolves to {ok, status, data} (data.error holds the server's message).
  async post(path, body) {
    try {
      const r = await fetch(path, {method: "POST", headers: {"content-type": "application/json", "x-lang": this.lang},
                                   body: JSON.stringify(body)});
      let data = {};
      try { data = await r.json(); } catch (e) { data = {error: r.statusText}; }
      return {ok: r.ok, status: r.status, data};
    } catch (e) {
      return {ok: false, status: 0, data: {error: this.t("offline")}};
    }
  },

  async get(path) {
    try {
      const r = await fetch(path + (path.includes("?") ? "&" : "?") + "lang=" + this.lang);
      return {ok: r.ok, status: r.status, data: await r.json()};
    } catch (e) {
      return {ok: false, status: 0, data: {error: this.t("offline")}};
    }
  },

  // hello(): the first message; onChange(): re-read the page; onRefused(): the server said no.
  listen(hello, onChange, onRefused) {
    let socket = null, lastVersion = null;
    const offline = document.createElement("div");
    offline.className = "offline hidden";
    document.body.appendChild(offline);
    const open = () => {
      socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
      socket.onopen = () => { offline.classList.add("hidden"); socket.send(JSON.stringify(hello())); };
      socket.onmessage = ev => {
        const m = JSON.parse(ev.data);
        if (m.type === "error") { if (onRefused) onRefused(m); return; }  // the socket closes; it reopens
        if (m.version !== lastVersion) { lastVersion = m.version; onChange(); }
      };
      socket.onclose = () => {
        offline.textContent = this.t("offline");
        offline.classList.remove("hidden");
        setTimeout(open, 1500);
      };
    };
    open();
    setInterval(() => { if (socket && socket.readyState === 1) socket.send(JSON.stringify({op: "ping"})); }, 15000);
    setInterval(onChange, 20000);  // a missed push costs at most this long
  },

  // A countdown shown in `node` from the server's seconds left (null: no timer); frozen while paused.
  countdown(node, secondsLeft, paused) {
    clearInterval(node._timer);
    if (secondsLeft === null || secondsLeft === undefined) { node.textContent = ""; node.classList.add("hidden"); return; }
    node.classList.remove("hidden");
    const end = Date.now() + secondsLeft * 1000;
    const show = () => {
      const left = Math.max(0, Math.round(paused ? secondsLeft : (end - Date.now()) / 1000));
      node.textContent = this.t("time_left", {time: Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0")});
      node.classList.toggle("urgent", left <= 30);
    };
    show();
    if (!paused) node._timer = setInterval(show, 1000);
  },

  el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v !== false && v !== null && v !== undefined) e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  },

  // A team's score so far (solid blue) and, if given, the no-action line (dashed grey), on one
  // scale fitted to both (at least 5 points high).
  sparkline(values, width, height, baseline) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", width); svg.setAttribute("height", height);
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    if (values && values.length > 1) {
      const all = values.concat(baseline || []);
      let low = Math.min(...all), high = Math.max(...all);
      if (high - low < 5) { const mid = (high + low) / 2; low = mid - 2.5; high = mid + 2.5; }
      const step = width / (values.length - 1);
      const y = v => height - 2 - (height - 4) * (v - low) / (high - low);
      const draw = (series, colour, dash) => {
        const line = document.createElementNS(ns, "polyline");
        line.setAttribute("points", series.map((v, i) => `${(i * step).toFixed(1)},${y(v).toFixed(1)}`).join(" "));
        line.setAttribute("fill", "none"); line.setAttribute("stroke", colour); line.setAttribute("stroke-width", "2");
        if (dash) line.setAttribute("stroke-dasharray", "4 3");
        svg.appendChild(line);
      };
      if (baseline && baseline.length > 1) draw(baseline.slice(0, values.length), "#9aa7bd", true);
      draw(values, "#4fa3ff", false);
    }
    return svg;
  },

  worldName(world, worlds) { return worlds > 1 ? this.t("world", {n: world + 1}) : ""; },

  // What a quarter paused at an event's question waits for (one line per question), in `node`.
  asking(node, asking, date, worlds) {
    node.replaceChildren(...(asking || []).map(a => this.el("div", {"data-asking": a.team},
      (worlds > 1 && a.world !== undefined ? this.worldName(a.world, worlds) + " · " : "") +
      this.t("waiting_answer", {date, country: a.country, title: a.title}))));
    node.classList.toggle("hidden", !(asking && asking.length));
  },
};

// `linkOf(row)`, if given, makes each country a link (the teacher's page: each team's own debrief).
function resultsTable(results, linkOf) {
  const C = Classroom, el = C.el.bind(C);
  const several = results.worlds > 1;
  return el("table", {},
    el("tr", {}, several ? el("th", {}, "") : "", el("th", {}, C.t("country")), el("th", {}, C.t("team")),
       el("th", {class: "num"}, C.t("start")),
       el("th", {class: "num"}, C.t("final")), el("th", {class: "num"}, C.t("no_action")),
       el("th", {class: "num"}, C.t("gain")), el("th", {class: "num"}, C.t("own")), el("th", {}, C.t("grade")),
       el("th", {}, C.t("turning"))),
    results.rows.map(r => el("tr", {"data-team": r.code, "data-world": r.world},
      several ? el("td", {class: "muted"}, C.worldName(r.world, results.worlds)) : "",
      el("td", {class: "country"}, linkOf ? el("a", {href: linkOf(r), target: "_blank"}, r.country) : r.country), el("td", {class: "muted team"}, r.team || "AI"), el("td", {class: "num"}, C.score(r.start)),
      el("td", {class: "num"}, C.score(r.score)), el("td", {class: "num"}, C.score(r.no_action)),
      el("td", {class: "num " + (r.gain >= 0 ? "ok" : "error")}, (r.gain >= 0 ? "+" : "") + C.score(r.gain)),
      el("td", {class: "num " + (r.own >= 0 ? "ok" : "error")}, (r.own >= 0 ? "+" : "") + C.score(r.own)),
      el("td", {}, r.grade),
      el("td", {class: "muted turning"}, (r.turning || []).map((t, i) => [i ? el("span", {class: "sep"}, ", ") : "",
        el("span", {class: "turn"}, t.date + " " + (t.change >= 0 ? "+" : "") + t.change.toFixed(1))]).flat()))));
}
