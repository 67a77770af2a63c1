// The projected view: where to join (address, QR code, room code), the quarter, every team's
// score side by side with its line so far, the headlines, the teacher's message, and at the end
// the results board.
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
  const message = document.getElementById("message");
  message.textContent = s.message ? C.t("message") + ": " + s.message : "";
  message.classList.toggle("hidden", !s.message);
  document.getElementById("hidden-scores").classList.toggle("hidden", !s.scores_hidden);
  document.getElementById("scores").replaceChildren(...s.teams.map(t => el("div", {class: "card", "data-team": t.code},
    el("div", {class: "name"}, t.country),
    el("div", {class: "muted"}, s.finished ? "" : t.seated ? (t.submitted ? "✔" : C.t("waiting")) : C.t("empty_seat")),
    s.scores_hidden ? "" : el("div", {class: "score"}, C.score(t.score)),
    s.scores_hidden ? "" : el("div", {class: "bar"}, el("div", {style: `width:${Math.max(0, Math.min(100, t.score))}%`})),
    s.scores_hidden ? "" : C.sparkline(t.history, 200, 50))));
  document.getElementById("news").replaceChildren(
    ...(s.news.length ? s.news.map(n => el("li", {}, n)) : [el("li", {class: "muted"}, C.t("no_news"))]));
  if (s.finished) {
    const res = await C.get("/api/results");
    if (res.ok) {
      document.getElementById("results-table").replaceChildren(resultsTable(res.data));
      document.getElementById("results").classList.remove("hidden");
    }
  }
}

document.getElementById("lang").addEventListener("click", async () => { await C.switchLang(); refresh(); });
document.getElementById("qr").addEventListener("error", e => { e.target.classList.add("hidden"); });
(async () => {
  await C.loadText();
  await refresh();
  C.listen(() => ({op: "hello", role: "screen"}), refresh);
})();
