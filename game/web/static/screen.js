// The projected view: where to join (address, QR code, room code), the quarter, every team's
// score side by side with its line so far, the world map, the headlines, the teacher's message,
// and at the end the results board. Laid out for a projector: one screen, nothing to scroll
// (style.css, body.screen): join, scores and banners in a column beside the map and headlines.
"use strict";
const C = Classroom, el = C.el.bind(C);

async function refresh() {
  const r = await C.get("/api/screen");
  if (!r.ok) return;
  const s = r.data;
  const address = s.address || location.origin + "/";
  document.getElementById("address").textContent = address;
  document.getElementById("code").textContent = s.code;
  document.getElementById("date").textContent = s.finished ? C.t("finished")
    : C.t("deciding", {date: s.date}) + " · " + C.t("quarter_of", {turn: Math.min(s.turn + 1, s.turns), turns: s.turns});
  document.getElementById("paused").classList.toggle("hidden", !s.paused);
  C.countdown(document.getElementById("clock"), s.finished ? null : s.seconds_left, s.paused);
  C.asking(document.getElementById("asking"), s.asking, s.date, s.worlds);
  const message = document.getElementById("message");
  message.textContent = s.message ? C.t("message") + ": " + s.message : "";
  message.classList.toggle("hidden", !s.message);
  document.getElementById("hidden-scores").classList.toggle("hidden", !s.scores_hidden);
  const status = t => s.finished ? "" : t.seated ? (t.submitted ? "✔" : C.t("waiting")) : C.t("empty_seat");
  const baseline = t => (s.no_action ? s.no_action[t.code] : null);
  const scores = document.getElementById("scores");
  document.body.classList.toggle("several", s.worlds > 1);
  document.body.classList.toggle("finished", !!s.finished);
  if (s.worlds > 1) {  // a class of several worlds: one row per country, one column per world
    scores.className = "";
    const countries = [...new Set(s.teams.map(t => t.code))];
    scores.replaceChildren(el("table", {class: "worlds"},
      el("tr", {}, el("th", {}, ""), [...Array(s.worlds).keys()].map(w => el("th", {class: "num"}, C.worldName(w, s.worlds))),
         el("th", {class: "num"}, C.t("no_action"))),
      countries.map(code => {
        const row = s.teams.filter(t => t.code === code);
        const line = baseline(row[0]);
        return el("tr", {"data-team": code}, el("td", {class: "country"}, el("b", {}, row[0].country)),
          row.map(t => el("td", {class: "num", "data-world": t.world},
            s.scores_hidden ? status(t) : [C.score(t.score), s.worlds > 4 ? "" : " ",
                                           s.worlds > 4 ? "" : C.sparkline(t.history, s.worlds > 2 ? 32 : 80, 22, line)],
            s.scores_hidden ? "" : el("div", {class: "muted"}, status(t)))),
          el("td", {class: "num muted"}, line && line.length ? C.score(line[line.length - 1]) : ""));
      })));
    document.getElementById("worlds-note").textContent = C.t("worlds_note", {n: s.worlds});
  } else {
    scores.className = "scores" + (s.teams.length > 4 ? " two" : "");
    scores.replaceChildren(...s.teams.map(t => el("div", {class: "card", "data-team": t.code},
      el("div", {class: "head"}, el("div", {class: "name"}, t.country), el("div", {class: "muted"}, status(t))),
      s.scores_hidden ? "" : el("div", {class: "body"}, el("div", {class: "score"}, C.score(t.score)),
                                stretch(C.sparkline(t.history, 200, 50, baseline(t)))),
      s.scores_hidden ? "" : el("div", {class: "bar"}, el("div", {style: `width:${Math.max(0, Math.min(100, t.score))}%`})))));
  }
  await showMap(s.worlds, [s.code, s.turn, s.finished].join(":"));
  document.getElementById("news").replaceChildren(
    ...(s.news.length ? s.news.map(n => el("li", {}, n)) : [el("li", {class: "muted"}, C.t("no_news"))]));
  if (s.finished) {
    const res = await C.get("/api/results");
    if (res.ok) {
      board = res.data;
      document.getElementById("results").classList.remove("hidden");
      fitResults();
    }
  }
}

// At the end of the term the results board is the whole screen, nothing to scroll: the rows in
// one table, or split into two or three side by side, in the largest type that fits (the layout
// with the larger type wins; every row of a big class stays on the screen).
let board = null;
const TYPE = {largest: 30, smallest: 10};

function fitResults() {
  if (!board) return;
  TYPE.largest = Math.round(Math.max(24, innerHeight / 27));  // 40 px on a 1080-line projector
  const box = document.getElementById("results-table");
  const fits = () => {
    const style = getComputedStyle(box);  // the board may grow to the bottom of its section
    const bottom = box.parentElement.getBoundingClientRect().bottom - parseFloat(style.paddingBottom) -
      parseFloat(style.borderBottomWidth);
    return [...box.children].every(part => {
      const table = part.firstChild.getBoundingClientRect();
      return table.bottom <= bottom + 1 && table.width <= part.clientWidth + 1;
    });
  };
  const lay = columns => {
    const per = Math.ceil(board.rows.length / columns);
    box.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
    box.replaceChildren(...[...Array(columns).keys()].map(i => el("div", {class: "part"},
      resultsTable({...board, rows: board.rows.slice(i * per, (i + 1) * per)}))));
  };
  const largest = columns => {  // the largest type (px) at which `columns` tables fit, or 0
    lay(columns);
    let low = TYPE.smallest - 1, high = TYPE.largest;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      box.style.fontSize = mid + "px";
      if (fits()) low = mid; else high = mid - 1;
    }
    return low >= TYPE.smallest ? low : 0;
  };
  let best = {columns: 1, size: largest(1)};
  for (const columns of [2, 3]) {
    if (board.rows.length < columns * 4 || best.size >= 20) break;
    const size = largest(columns);
    if (size > best.size) best = {columns, size};
  }
  lay(best.columns);
  box.style.fontSize = (best.size || TYPE.smallest) + "px";
  box.dataset.columns = best.columns;
  box.dataset.type = best.size || TYPE.smallest;
}
window.addEventListener("resize", fitResults);

// A card's line fills the room the card has (the projector's cards shrink with 8 teams).
function stretch(svg) {
  svg.setAttribute("preserveAspectRatio", "none");
  svg.removeAttribute("width"); svg.removeAttribute("height");
  return svg;
}

// The world map of the world chosen here (?world=N in the address, or a button; the first by
// default). It is the map after the last quarter, so it is fetched and drawn again only when a
// quarter has been played (or rewound), the room or the language changes, or another world is
// chosen: `quarter` says which quarter of which room the page shows. Every other push (a seat
// taken, a decision submitted, the clock) leaves it as it is.
let mapWorld = Math.max(1, Number(new URLSearchParams(location.search).get("world")) || 1);
let mapShown = "";

async function showMap(worlds, quarter) {
  mapWorld = Math.min(mapWorld, worlds);
  const picker = document.getElementById("map-worlds");
  picker.classList.toggle("hidden", worlds < 2);
  picker.replaceChildren(...(worlds < 2 ? [] : [...Array(worlds).keys()].map(w => el("button", {
    class: "small" + (w + 1 === mapWorld ? " chosen" : ""), "data-world": w + 1,
    onclick: () => { mapWorld = w + 1; showMap(worlds, quarter); }}, C.worldName(w, worlds)))));
  const wanted = [quarter, worlds, mapWorld, C.lang].join("|");
  if (wanted === mapShown) return;
  const r = await C.get("/api/map?world=" + mapWorld);
  if (!r.ok) return;
  mapShown = wanted;
  const m = r.data;
  const box = document.getElementById("map");
  box.style.aspectRatio = `${m.size[0]} / ${m.size[1]}`;
  box.replaceChildren(WorldMap.draw(m, k => C.t(k)));
  document.getElementById("map-legend").replaceChildren(WorldMap.legend(m));
  document.getElementById("map-date").textContent = [worlds > 1 ? C.worldName(m.world, worlds) : "", m.date]
    .filter(x => x).join(" · ");
  document.getElementById("map-waiting").classList.toggle("hidden", m.flows.length > 0);
}

document.getElementById("lang").addEventListener("click", async () => { await C.switchLang(); refresh(); });
document.getElementById("qr").addEventListener("error", e => { e.target.classList.add("hidden"); });
(async () => {
  await C.loadText();
  await refresh();
  C.listen(() => ({op: "hello", role: "screen"}), refresh);
})();
