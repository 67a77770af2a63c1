// The teacher's dashboard: sign in with the PIN printed at start, then see who sits where and
// who has submitted, play the quarter, pause, hide scores, free or move a seat, send a message.
"use strict";
const C = Classroom, el = C.el.bind(C);
const KEY = "classroom-teacher";
let teacher = localStorage.getItem(KEY);
let state = null;

function show(id) { for (const s of ["login", "dash"]) document.getElementById(s).classList.toggle("hidden", s !== id); }

async function signIn() {
  const r = await C.post("/api/teacher/login", {pin: document.getElementById("pin").value});
  document.getElementById("login-error").textContent = r.ok ? "" : r.data.error;
  if (!r.ok) return;
  teacher = r.data.teacher;
  localStorage.setItem(KEY, teacher);
  await refresh();
}

async function act(path, body) {
  const r = await C.post(path, Object.assign({teacher}, body || {}));
  document.getElementById("dash-error").textContent = r.ok ? "" : r.data.error;
  if (r.status === 403) { localStorage.removeItem(KEY); teacher = null; show("login"); }
  await refresh();
  return r;
}

function seatRow(t) {
  const worlds = state.worlds;
  const free = state.teams.filter(x => !x.seated).map(x => el("option", {value: x.world + ":" + x.code},
    [C.worldName(x.world, worlds), x.country].filter(y => y).join(" · ")));
  const move = el("select", {"data-move": t.code}, free);
  const moveTo = () => { const [w, code] = move.value.split(":"); return {to: code, to_world: Number(w)}; };
  return el("tr", {"data-team": t.code, "data-world": t.world},
    el("td", {}, worlds > 1 ? el("span", {class: "muted"}, C.worldName(t.world, worlds) + " · ") : "", el("b", {}, t.country)),
    el("td", {}, t.seated ? t.name + (t.teammates ? " " + C.t("teammates", {n: t.teammates}) : "")
                         : el("span", {class: "muted"}, C.t("empty_seat"))),
    el("td", {class: t.submitted ? "ok" : "muted"}, t.seated || t.submitted ?
       (t.submitted ? "✔ " + (t.changes.length ? t.changes.join("; ") : C.t("no_changes")) : C.t("waiting")) : ""),
    el("td", {class: "num"}, C.score(t.score)),
    el("td", {}, t.seated ? el("span", {class: "buttons"},
      el("button", {class: "small", "data-free": t.code,
                    onclick: () => act("/api/teacher/free", {team: t.code, world: t.world})}, C.t("free_seat")),
      free.length ? move : "",
      free.length ? el("button", {class: "small",
                                   onclick: () => act("/api/teacher/move", Object.assign({team: t.code, world: t.world},
                                                                                         moveTo()))},
                       C.t("move_to")) : "") : ""));
}

function render() {
  const s = state;
  document.getElementById("where").textContent = s.code;
  document.getElementById("date").textContent = s.finished ? C.t("finished") : C.t("deciding", {date: s.date});
  document.getElementById("quarter").textContent = C.t("quarter_of", {turn: Math.min(s.turn + 1, s.turns), turns: s.turns});
  document.getElementById("links").textContent = C.t("links", {students: s.address || location.origin + "/",
                                                                screen: location.origin + "/screen"});
  document.getElementById("end").disabled = s.finished || s.paused;
  document.getElementById("end").textContent = C.t(s.playing ? "go_on" : "end_quarter");
  C.asking(document.getElementById("asking"), s.asking, s.date, s.worlds);
  document.getElementById("pause").textContent = C.t(s.paused ? "resume" : "pause");
  document.getElementById("scores").textContent = C.t(s.scores_hidden ? "show_scores" : "hide_scores");
  document.getElementById("auto").checked = s.auto_advance;
  document.getElementById("absent-ai").checked = s.absent_ai;
  document.getElementById("seats").replaceChildren(
    el("tr", {}, el("th", {}, C.t("country")), el("th", {}, C.t("team")), el("th", {}, C.t("status")),
       el("th", {class: "num"}, C.t("scores")), el("th", {}, "")),
    ...s.teams.map(seatRow));
  document.getElementById("messages").replaceChildren(...s.messages.map(m => el("li", {}, m)));
  const timer = document.getElementById("timer");
  timer.replaceChildren(el("option", {value: ""}, C.t("timer_off")),
    ...[1, 2, 3, 5, 10].map(n => el("option", {value: n * 60}, C.t("minutes", {n}))));
  if (s.timer && ![60, 120, 180, 300, 600].includes(s.timer)) {
    timer.append(el("option", {value: s.timer}, C.t("minutes", {n: (s.timer / 60).toFixed(1)})));
  }
  timer.value = s.timer ? String(s.timer) : "";
  timer.disabled = s.finished;
  C.countdown(document.getElementById("clock"), s.finished ? null : s.seconds_left, s.paused);
  document.getElementById("events").replaceChildren(...s.events.map(e => el("tr", {"data-event": e.id},
    el("td", {}, e.title),
    el("td", {}, e.status === "ready"
      ? el("button", {class: "small", disabled: s.finished,
                      onclick: () => act("/api/teacher/trigger", {event: e.id})}, C.t("trigger"))
      : el("span", {class: "muted"}, C.t(e.status))))));
  const rewindTo = document.getElementById("rewind-to");
  rewindTo.replaceChildren(...s.rewind_to.map(r => el("option", {value: r.turn}, r.date)).reverse());
  document.getElementById("rewind").disabled = !s.rewind_to.length;
}

async function refresh() {
  if (!teacher) return show("login");
  const r = await C.post("/api/teacher/state", {teacher});
  if (r.status === 403) { localStorage.removeItem(KEY); teacher = null; return show("login"); }
  if (!r.ok) return;
  state = r.data;
  show("dash");
  render();
  if (state.finished) {
    const res = await C.get("/api/results");
    if (res.ok) {
      document.getElementById("results-table").replaceChildren(resultsTable(res.data, r =>
        `/results/debrief.html?lang=${C.lang}&world=${r.world + 1}&team=${encodeURIComponent(r.code)}`));
      document.getElementById("debrief").href = "/results/debrief.html?lang=" + C.lang;
      const files = document.getElementById("world-files");
      files.replaceChildren(...(state.worlds > 1 ? [...Array(state.worlds).keys()].map(w => el("li", {},
        C.worldName(w, state.worlds) + ": ",
        el("a", {href: `/results/debrief.html?lang=${C.lang}&world=${w + 1}`, target: "_blank"}, C.t("debrief")), " · ",
        el("a", {href: `/results/save.json?world=${w + 1}`}, C.t("save")))) : []));
      document.getElementById("results").classList.remove("hidden");
    }
  }
}

document.getElementById("lang").addEventListener("click", async () => { await C.switchLang(); refresh(); });
document.getElementById("sign-in").addEventListener("click", signIn);
document.getElementById("pin").addEventListener("keydown", e => { if (e.key === "Enter") signIn(); });
document.getElementById("end").addEventListener("click", async () => {
  const r = await act("/api/teacher/end_quarter");
  document.getElementById("dash-ok").textContent = r.ok ? C.t("ended", {date: r.data.date}) : "";
});
document.getElementById("pause").addEventListener("click", () => act("/api/teacher/switch", {name: "paused", on: !state.paused}));
document.getElementById("scores").addEventListener("click",
  () => act("/api/teacher/switch", {name: "scores_hidden", on: !state.scores_hidden}));
document.getElementById("auto").addEventListener("change",
  e => act("/api/teacher/switch", {name: "auto_advance", on: e.target.checked}));
document.getElementById("absent-ai").addEventListener("change",
  e => act("/api/teacher/switch", {name: "absent_ai", on: e.target.checked}));
document.getElementById("timer").addEventListener("change", e =>
  act("/api/teacher/timer", {seconds: e.target.value ? Number(e.target.value) : null}));
document.getElementById("rewind").addEventListener("click", () => {
  const select = document.getElementById("rewind-to");
  const date = select.options[select.selectedIndex].text;
  if (confirm(C.t("rewind_confirm", {date}))) act("/api/teacher/rewind", {turn: Number(select.value)});
});
document.getElementById("send").addEventListener("click", async () => {
  const box = document.getElementById("message");
  const r = await act("/api/teacher/message", {text: box.value});
  if (r.ok) box.value = "";
});

(async () => {
  await C.loadText();
  await refresh();
  C.listen(() => ({op: "hello", role: "screen"}), refresh);
})();
