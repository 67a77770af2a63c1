// A team's page: join with the room code, then the desk (the country's levers, cost and budget,
// score, news) and Submit. The seat's token stays in this browser (localStorage), so a reload
// or a reconnect finds the same seat; the server checks it on every request.
"use strict";
const C = Classroom, el = C.el.bind(C);
const SEAT = "classroom-seat";
let seat = JSON.parse(localStorage.getItem(SEAT) || "null");
let desk = null, values = {}, answers = {}, previewTimer = null, choicesShown = "";

function show(id) {
  for (const s of ["join", "desk", "results"]) document.getElementById(s).classList.toggle("hidden", s !== id);
}

function forget(message) {
  localStorage.removeItem(SEAT);
  seat = null;
  desk = null;
  show("join");
  document.getElementById("join-error").textContent = message || "";
}

async function enter() {
  const room = document.getElementById("room").value.trim().toUpperCase();
  const r = await C.post("/api/lobby", {room});
  document.getElementById("join-error").textContent = r.ok ? "" : r.data.error;
  if (!r.ok) return;
  const box = document.getElementById("teams");
  const worlds = r.data.worlds;
  const buttons = [];
  r.data.teams.forEach(t => {
    if (worlds > 1 && (!buttons.length || t.world !== buttons.lastWorld)) {
      buttons.push(el("h3", {}, C.worldName(t.world, worlds)));
      buttons.lastWorld = t.world;
    }
    buttons.push(t.free
      ? el("button", {"data-team": t.code, "data-world": t.world, class: "primary",
                      onclick: () => join(room, t.code, false, t.world)},
           el("span", {}, C.t("join", {country: t.name})), el("span", {class: "muted"}, C.t("free")))
      : el("button", {"data-teammate": t.code, "data-world": t.world, onclick: () => join(room, t.code, true, t.world)},
           el("span", {}, C.t("join_team", {country: t.name})),
           el("span", {class: "muted"}, t.team_name + (t.teammates ? " " + C.t("teammates", {n: t.teammates}) : ""))));
  });
  box.replaceChildren(...buttons);
  document.getElementById("lobby").classList.remove("hidden");
}

async function join(room, team, teammate, world) {
  const name = document.getElementById("name").value;
  const r = await C.post("/api/join", {room, team, name, lang: C.lang, teammate, world: world || 0});
  if (!r.ok) { document.getElementById("join-error").textContent = r.data.error; return enter(); }
  seat = {token: r.data.token, team};
  localStorage.setItem(SEAT, JSON.stringify(seat));
  await refresh();
}

function fmt(row, v) { return row.unit === "pct" ? v + "%" : (row.labels[String(v)] || String(v)); }

function leverRow(row) {
  if (row.type === "note") return el("p", {class: "note"}, row.text);
  if (row.type === "slider") {
    const value = el("span", {class: "value"}, fmt(row, values[row.key]));
    const input = el("input", {type: "range", min: row.low, max: row.high, step: row.step, value: values[row.key],
                              "data-key": row.key, disabled: desk.finished || !desk.submits});
    const mark = () => value.classList.toggle("moved", values[row.key] !== desk.base[row.key]);
    input.addEventListener("input", () => {
      values[row.key] = Number(input.value);
      value.textContent = fmt(row, values[row.key]);
      mark();
      schedulePreview();
    });
    mark();
    return el("div", {class: "row"}, el("div", {class: "top"}, el("span", {}, row.label), value), input);
  }
  if (row.type === "toggle") {
    const b = el("button", {"data-key": row.key, disabled: row.done || desk.finished || !desk.submits,
                            class: values[row.key] && !row.done ? "chosen" : ""},
                 row.on || row.off ? row.label + ": " + (row.done ? row.on : row.off) : row.label);
    b.addEventListener("click", () => {
      values[row.key] = !values[row.key];
      b.classList.toggle("chosen", values[row.key]);
      schedulePreview();
    });
    return el("div", {class: "row"}, b);
  }
  const buttons = row.options.map(o => {
    const b = el("button", {"data-key": row.key, "data-value": o.value, class: values[row.key] === o.value ? "chosen" : "",
                            disabled: desk.finished || !desk.submits}, o.label);
    b.addEventListener("click", () => {
      values[row.key] = o.value;
      buttons.forEach(x => x.classList.toggle("chosen", x.dataset.value === o.value));
      schedulePreview();
    });
    return b;
  });
  return el("div", {class: "row buttons"}, buttons);
}

function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(preview, 150);
}

function showAssessment(a) {
  document.getElementById("cost").textContent = a.cost;
  document.getElementById("left").textContent = a.left;
  const label = document.getElementById("left-label");  // data-t: a language switch keeps the right words
  label.dataset.t = a.over ? "over" : "left";
  label.textContent = C.t(label.dataset.t);
  document.getElementById("left").classList.toggle("error", !!a.over);
  document.getElementById("changes").replaceChildren(
    ...(a.changes.length ? a.changes.map(c => el("li", {}, c)) : [el("li", {class: "muted"}, C.t("no_changes"))]));
  document.getElementById("refusal").textContent = a.refusal ? a.refusal : "";
  document.getElementById("submit").disabled = !!a.refusal || desk.finished || desk.paused || !desk.submits ||
    desk.playing;
}

// The question the quarter is paused at, when it is this team's: each answer with what it does
// and its stakes; a click answers at once (the server checks it is this team's question).
function renderQuestion(d) {
  const q = d.question;
  document.getElementById("question").classList.toggle("hidden", !q);
  C.asking(document.getElementById("asking"), d.asking.filter(a => !q || a.team !== d.team), d.date, 1);
  if (!q) return;
  document.getElementById("question-title").textContent = q.title;
  document.getElementById("question-text").textContent = q.text;
  document.getElementById("question-budget").textContent = q.budget;
  document.getElementById("question-options").replaceChildren(...q.options.map(o => el("div", {class: "row"},
    el("button", {class: "primary", "data-answer": o.index, disabled: d.paused || !d.submits,
                  onclick: () => answer(q.id, o.index)}, C.t("answer_with", {choice: o.label})),
    el("div", {class: "note"}, o.does.join(", ")), el("div", {class: "note"}, o.stakes))));
}

async function answer(event, choice) {
  document.querySelectorAll("#question-options button").forEach(b => { b.disabled = true; });
  const r = await C.post("/api/answer", {token: seat.token, event, choice});
  document.getElementById("answer-error").textContent = r.ok ? "" : r.data.error;
  if (r.status === 403) return forget(r.data.error);
  await refresh();
}

async function preview() {
  const r = await C.post("/api/preview", {token: seat.token, values});
  if (r.ok) showAssessment(r.data);
  else if (r.status === 403) forget(r.data.error);
  else document.getElementById("refusal").textContent = r.data.error;
}

async function submit() {
  const button = document.getElementById("submit");
  button.disabled = true;
  const r = await C.post("/api/submit", {token: seat.token, turn: desk.turn, values, answers});
  document.getElementById("submit-error").textContent = r.ok ? "" : r.data.error;
  if (r.status === 403) return forget(r.data.error);
  await refresh(!r.ok);
}

function render(keepLevers) {
  const d = desk;
  document.getElementById("where").textContent = [C.worldName(d.world, d.worlds), d.country].filter(x => x).join(" · ");
  document.getElementById("country").textContent = d.country;
  document.getElementById("quarter").textContent =
    C.t("deciding", {date: d.date}) + " · " + C.t("quarter_of", {turn: Math.min(d.turn + 1, d.turns), turns: d.turns});
  document.getElementById("budget").textContent = d.budget;
  C.countdown(document.getElementById("clock"), d.finished ? null : d.seconds_left, d.paused);
  const message = document.getElementById("message");
  message.textContent = d.message ? C.t("message") + ": " + d.message : "";
  message.classList.toggle("hidden", !d.message);
  document.getElementById("paused").classList.toggle("hidden", !d.paused);
  renderQuestion(d);
  document.getElementById("choices-panel").classList.toggle("hidden", !d.choices.length);
  const events = JSON.stringify(d.choices.map(ev => ev.id));  // an event that fired leaves the list at once
  if (!keepLevers || events !== choicesShown) {
    choicesShown = events;
    document.getElementById("choices").replaceChildren(...d.choices.map(ev => {
      const buttons = ev.options.map(o => {
        const b = el("button", {"data-event": ev.id, "data-choice": o.index, disabled: d.finished || !d.submits,
                                class: answers[ev.id] === o.index ? "chosen" : ""}, o.label);
        b.addEventListener("click", () => {
          answers[ev.id] = o.index;
          buttons.forEach(x => x.classList.toggle("chosen", Number(x.dataset.choice) === o.index));
        });
        return b;
      });
      return el("div", {class: "row"}, el("b", {}, ev.title), el("p", {class: "note"}, ev.text),
                el("div", {class: "buttons"}, buttons));
    }));
  }
  if (!keepLevers) {  // not while a student drags a slider and another team's submission arrives
    document.getElementById("levers").replaceChildren(...d.sections.map(s =>
      el("div", {id: "lever-" + s.lever}, el("h3", {}, s.title), s.rows.map(leverRow))));
  }
  // the advisor (game/advisor.py): each piece names a lever; a click brings its section into view
  document.getElementById("advice-box").classList.toggle("hidden", !d.advice.length);
  document.getElementById("advice").replaceChildren(...d.advice.map(a => {
    const item = el("li", {}, a.text);
    const target = document.getElementById("lever-" + a.lever);
    if (target) {
      item.classList.add("link");
      item.addEventListener("click", () => {
        target.scrollIntoView({behavior: "smooth", block: "center"});
        target.classList.add("flash");
        setTimeout(() => target.classList.remove("flash"), 1500);
      });
    }
    return item;
  }));
  const button = document.getElementById("submit");
  button.textContent = d.submitted ? C.t("resubmit") : C.t("submit", {date: d.date});
  button.classList.toggle("hidden", !d.submits);
  const viewer = document.getElementById("viewer");
  viewer.textContent = d.submits ? "" : C.t("viewer_note", {name: d.seat_name});
  viewer.classList.toggle("hidden", d.submits);
  document.getElementById("status").textContent = d.playing ? "" : d.submitted ? C.t("submitted") : C.t("not_submitted");
  document.getElementById("status").className = d.submitted ? "ok" : "note";
  showAssessment(d);
  const hidden = d.scores_hidden;
  document.getElementById("hidden-scores").classList.toggle("hidden", !hidden);
  document.getElementById("score-box").classList.toggle("hidden", hidden);
  document.getElementById("score").textContent = hidden ? "" : C.score(d.score);
  document.getElementById("spark").replaceChildren(hidden ? "" : C.sparkline(d.score_history, 160, 36, d.no_action_history));
  document.getElementById("objective").replaceChildren(...d.components.map(c => el("tr", {
      class: "link" + (c.id === whyShown ? " open" : ""), "data-component": c.id, tabindex: 0, role: "button",
      onclick: () => openWhy(c.id), onkeydown: e => { if (e.key === "Enter" || e.key === " ") openWhy(c.id); }},
    el("td", {}, "? ", c.label, c.lower_is_better ? el("span", {class: "muted"}, " (" + C.t("lower_better") + ")") : ""),
    el("td", {class: "num"}, c.value), el("td", {class: "num"}, c.points + " " + C.t("points")),
    el("td", {class: "num muted"}, C.t("weight") + " " + c.weight + "%"))));
  document.getElementById("why-hint").classList.toggle("hidden", !d.components.length);
  if (whyShown && (hidden || !d.components.some(c => c.id === whyShown))) closeWhy();
  else if (whyShown && whyRead !== d.turn + C.lang) openWhy(whyShown);  // a new quarter or language: read again
  document.getElementById("why-title").classList.toggle("hidden", !d.why.length);
  document.getElementById("why").replaceChildren(...d.why.map(w => el("div", {},
    el("div", {class: "note"}, w.date + ": " + (w.before === null ? "" : C.score(w.before) + " → ") + C.score(w.after)),
    ...(w.parts ? [el("div", {class: "muted"}, w.parts)] : []),  // what each component gave to the move
    el("ul", {class: "plain"}, w.causes.map(c => el("li", {}, c))))));
  renderMarkets(d);
  document.getElementById("news").replaceChildren(
    ...(d.news.length ? d.news.map(n => el("li", {}, n)) : [el("li", {class: "muted"}, C.t("no_news"))]));
  document.getElementById("verdicts-title").classList.toggle("hidden", !d.verdicts.length);
  document.getElementById("verdicts").replaceChildren(...d.verdicts.map(v =>
    el("li", {class: v.refused ? "error" : ""}, v.text + ": " + (v.refused || C.t("accepted")))));
}

// Why? for one component of the team's objective (game/why.py through /api/why): the quarters
// that moved it and the causes behind them, tagged lever, event or market, as the desktop's panel.
let whyShown = null, whyRead = null;  // the component shown, and the quarter and language it was read in

async function openWhy(component) {
  const r = await C.post("/api/why", {token: seat.token, component});
  const box = document.getElementById("component-why");
  if (!r.ok) { box.replaceChildren(el("p", {class: "error"}, r.data.error)); box.classList.remove("hidden"); return; }
  whyShown = component;
  whyRead = desk.turn + C.lang;
  document.querySelectorAll("#objective tr").forEach(tr => tr.classList.toggle("open", tr.dataset.component === component));
  box.dataset.component = component;
  showWhy(box, r.data, closeWhy);
}

// The answer laid out as the desktop's Why? panel: title, now and since, then each quarter
// that moved it with its causes (the same for a component, a firm's share and a price).
function showWhy(box, w, close) {
  box.replaceChildren(
    el("div", {class: "why-head"}, el("b", {}, w.title),
       el("button", {class: "small", onclick: close}, C.t("close"))),
    el("div", {}, [w.now, w.since].filter(x => x).join(" · ")), el("p", {class: "note"}, w.legend),
    w.turns.length ? "" : el("p", {class: "note"}, w.nothing),
    ...w.turns.map(t => el("div", {class: "why-turn"},
      el("div", {class: "why-date " + (t.direction > 0 ? "ok" : t.direction < 0 ? "error" : "")},
         `${t.date}: ${t.before} → ${t.after}` + (t.change ? `  (${t.change})` : "")),
      el("ul", {class: "plain"}, t.causes.map(c => el("li", {class: "cause " + c.source},
        el("span", {class: "tag"}, "[" + c.tag + "]"), " ", c.text))))));
  box.classList.remove("hidden");
}

// Why? for a firm's share of a market or a market price (game/why.py through /api/why, the
// desktop's Why? for a firm on its map or a line of its charts): each market's firms by share,
// the team's own country's in bold, and the prices; a click opens the answer under them.
let marketShown = null, marketRead = null;  // the thing asked ({market, firm} or {price}), and when

function renderMarkets(d) {
  document.getElementById("markets-panel").classList.toggle("hidden", !d.markets.length);
  const ask = (what, label) => el("button", {class: "small" + (JSON.stringify(what) === JSON.stringify(marketShown)
    ? " chosen" : ""), "data-why": JSON.stringify(what), onclick: () => openMarketWhy(what)}, label);
  document.getElementById("markets").replaceChildren(
    ...d.markets.map(m => el("tr", {"data-market": m.market}, el("td", {}, m.label),
      el("td", {}, el("div", {class: "buttons"}, m.firms.map(f =>
        ask({market: m.market, firm: f.firm}, f.home ? el("b", {}, f.name + " " + f.share) : f.name + " " + f.share)))))),
    ...(d.prices.length ? [el("tr", {}, el("td", {}, C.t("prices")), el("td", {}, el("div", {class: "buttons"},
      d.prices.map(p => ask({price: p.price}, p.label + " " + p.value)))))] : []));
  if (marketShown && marketRead !== d.turn + C.lang) openMarketWhy(marketShown);  // a new quarter or language
}

async function openMarketWhy(what) {
  const r = await C.post("/api/why", Object.assign({token: seat.token}, what));
  const box = document.getElementById("market-why");
  if (!r.ok) {
    marketShown = null;
    box.replaceChildren(el("p", {class: "error"}, r.data.error));
    box.classList.remove("hidden");
    return;
  }
  marketShown = what;
  marketRead = desk.turn + C.lang;
  document.querySelectorAll("#markets button[data-why]").forEach(b =>
    b.classList.toggle("chosen", b.dataset.why === JSON.stringify(what)));
  showWhy(box, r.data, closeMarketWhy);
}

// Empty and hide a Why? box, and unmark what opened it (`marked`: the selector, `mark`: its class).
function hideWhyBox(id, marked, mark) {
  const box = document.getElementById(id);
  box.replaceChildren();
  box.classList.add("hidden");
  document.querySelectorAll(marked).forEach(e => e.classList.remove(mark));
}

function closeMarketWhy() {
  marketShown = null;
  hideWhyBox("market-why", "#markets button.chosen", "chosen");
}

function closeWhy() {
  whyShown = null;
  hideWhyBox("component-why", "#objective tr.open", "open");
}

async function showResults() {
  const r = await C.get("/api/results");
  if (!r.ok) return;
  document.getElementById("results-table").replaceChildren(resultsTable(r.data));
  document.getElementById("debrief").href =
    `/results/debrief.html?lang=${C.lang}&world=${desk.world + 1}&team=${encodeURIComponent(desk.team)}`;
  document.getElementById("team-page").href =
    `/results/team.html?lang=${C.lang}&world=${desk.world + 1}&team=${encodeURIComponent(desk.team)}`;
  document.getElementById("results").classList.remove("hidden");
}

async function refresh(keepValues) {
  if (!seat) return show("join");
  const r = await C.post("/api/desk", {token: seat.token});
  if (r.status === 403) return forget(r.data.error);
  if (!r.ok) return;
  const changed = !desk || desk.turn !== r.data.turn || desk.team !== r.data.team || desk.submits !== r.data.submits;
  const before = values;
  const sections = desk ? JSON.stringify(desk.sections) : null;
  desk = r.data;
  values = Object.assign({}, desk.values);
  const answersBefore = answers;
  answers = {};
  for (const ev of desk.choices) if (ev.answer !== null && ev.answer !== undefined) answers[ev.id] = ev.answer;
  if (keepValues && !changed) Object.assign(answers, answersBefore);
  if (keepValues && !changed) Object.assign(values, before);  // a refused submission: keep what was moved
  show("desk");
  render(keepValues && !changed && !r.data.finished && JSON.stringify(desk.sections) === sections);
  if (keepValues && !changed) preview();
  if (desk.finished) showResults();
}

document.getElementById("lang").addEventListener("click", async () => { await C.switchLang(); refresh(true); });
document.getElementById("enter").addEventListener("click", enter);
document.getElementById("room").addEventListener("keydown", e => { if (e.key === "Enter") enter(); });
document.getElementById("submit").addEventListener("click", submit);
document.getElementById("leave").addEventListener("click", () => forget(""));

(async () => {
  await C.loadText();
  const room = new URLSearchParams(location.search).get("room");
  if (room) document.getElementById("room").value = room;
  if (seat) await refresh(); else show("join");
  C.listen(() => (seat ? {op: "hello", role: "student", token: seat.token} : {op: "hello", role: "screen"}),
           () => { if (seat) refresh(true); },
           m => forget(m.error));
})();
