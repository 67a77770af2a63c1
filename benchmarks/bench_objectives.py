"""Each country's own objective, measured (issue 14, "Checks that must hold"): for every country,
does its real programme (`default`) beat doing nothing (`laissez_faire`) on its own objective, do
its strategies differ beyond noise, and does a head-to-head run show the seats interacting?

Every game is a tournament game (game.tournament.api.Tournament: the same paired seeds, workers and
statistics as `python main.py tournament`), so the numbers here are what a tournament organiser gets.

    python benchmarks/bench_objectives.py [--seeds 20] [--workers 2] [--write]

--write also keeps the report in docs/objectives.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reporting import git_describe, publish, source_digest  # noqa: E402

DOC = ROOT / "docs" / "objectives.md"
OTHERS = ["laissez_faire", "random", "adaptive"]  # besides each country's real programme
# The head-to-head check of issue 14: KOR x USA x CHN strategies on paired seeds. Korea's only_rd_grant
# is in because R&D grants race: what Korea's grants buy depends on whether the USA's designers get
# grants too (the USA's adaptive gives them), which is the interaction the check asks to see.
H2H = {"KOR": ["team_korea", "laissez_faire", "adaptive", "only_rd_grant"],
       "USA": ["default", "laissez_faire", "adaptive"], "CHN": ["default", "laissez_faire"]}


def t_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% Student-t interval."""
    from scipy import stats

    mean = float(values.mean())
    if len(values) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values)))
    return mean, mean - half, mean + half


def paired_p(values: np.ndarray) -> float:
    """Two-sided p of a paired t test that the mean difference is 0 (1 with fewer than two pairs;
    0 for a difference with no spread that is not 0)."""
    from scipy import stats

    if len(values) < 2:
        return 1.0
    mean, sd = float(values.mean()), float(values.std(ddof=1))
    if sd == 0:
        return 1.0 if mean == 0 else 0.0
    return float(2 * stats.t.sf(abs(mean) / (sd / math.sqrt(len(values))), len(values) - 1))


def strategies_differ(pairs: list[tuple[np.ndarray, str, str]], alpha: float = 0.05) -> tuple[bool, tuple]:
    """Whether some pair of strategies differs beyond noise (Holm's step-down correction of the paired
    t tests over every pair, family-wise `alpha`), and the pair with the smallest p (ties: the
    larger mean difference)."""
    tested = sorted(((paired_p(d), -abs(float(d.mean())) if len(d) else 0.0, k) for k, (d, _, _) in enumerate(pairs)))
    m = len(tested)
    differ = bool(m) and tested[0][0] <= alpha / m  # Holm's first step decides whether any is rejected
    return differ, pairs[tested[0][2]] if m else (np.array([]), "", "")


def real_programme(country: str) -> str | None:
    """Korea's real programme is the seeds' (team_korea); another country's is its `default`, if the
    game gives it one (in the baseline every country has one; a scenario's country without one is
    reported as having no programme)."""
    from agents.controllers import strategy_names

    if country == "KOR":
        return "team_korea"
    return "default" if "default" in strategy_names(country) else None


def in_force_only(country: str) -> bool:
    """Whether the country's real programme is only what the scenario runs in every game (standing
    credits, a national centre's plan: agents.controllers.StandingProgrammes, whose `decide` never
    acts), so that `default` and `laissez_faire` are the same game by construction: Taiwan's
    credits (cal 4h), the EU's AI factories (cal 4e) and IndiaAI's GPU tender (cal 4i)."""
    from agents.controllers import make_controller

    decide = getattr(type(make_controller(country, "default")), "decide", None)
    return bool(getattr(decide, "acts_never", False))


def play(seats=None, strategies=None, role="KOR", seeds=20, workers=None, scenario="baseline"):
    from game.tournament.api import Tournament

    with contextlib.redirect_stdout(io.StringIO()):
        return Tournament(seats=seats, strategies=strategies, role=role, seeds=seeds, workers=workers,
                          scenario=scenario).play()


def withdrawn(scenario, country: str, folder: Path) -> Path:
    """The baseline without `country`'s programmes in force, as a scenario file (`extends`): no
    standing capex credit (`capex_support` and its cap 0) and its national computing centre
    buying nothing (a national buyer's `budget` 0; the starting shares are fitted again without
    it). What no lever of the country's can undo, so for a country whose real programme is only
    what is in force (Taiwan's credit, cal 4h; the EU's AI factories, cal 4e) this world, played
    by `laissez_faire`, is what its programme is measured against."""
    lines = ['extends = "baseline"', "", "[scenario]", f'name = "baseline_without_{country.lower()}"', "",
             "[[countries]]", f'id = "{country}"', "capex_support = 0.0", "capex_support_cap = 0.0"]
    for buyer in scenario.buyers:
        if buyer.country == country and buyer.national:
            lines += ["", "[[buyers]]", f'name = "{buyer.name}"', "budget = 0.0"]
    path = folder / f"baseline_without_{country.lower()}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def paired(frame, a: str, b: str, other=None) -> np.ndarray:
    """a's total minus b's on the same seeds (b's from the `other` games if given)."""
    x = frame[frame.strategy == a].set_index("seed")["total"]
    other = frame if other is None else other
    y = other[other.strategy == b].set_index("seed")["total"]
    common = x.index.intersection(y.index)
    return (x[common] - y[common]).to_numpy(float)


def countries_section(seeds: int, workers) -> tuple[str, dict]:
    from game.scenario import load_scenario

    scenario = load_scenario("baseline")
    lines = ["## 1. Each country alone: its real programme against doing nothing, and its board", "",
             f"Each country's strategies played in its own seat, every other country by its `default`, on "
             f"{seeds} paired seeds. Scores are the country's own objective (docs/model.md, \"Scores and "
             "grades\"). 'real - nothing' is the real programme minus `laissez_faire` on the same seeds; for "
             "a country whose real programme is only what the scenario runs in every game (marked *: its "
             "`default` never acts, so it is `laissez_faire`'s game), minus `laissez_faire` in the same world "
             "without that programme (no standing capex credit, its national computing centre buying nothing; "
             "`withdrawn` in the benchmark), on the same seeds; "
             "'differ' says whether some two of its strategies differ beyond noise: a paired t test on every "
             "pair, Holm's step-down correction over the pairs (family-wise 5%); 'clearest pair' is the pair "
             "with the smallest p, its paired difference and 95% interval. (Before, only the pair with the "
             "largest mean difference was tested, however noisy, and a clear difference elsewhere was missed.)",
             "",
             "| country | real programme | mean [95% CI] | laissez_faire | random | adaptive | real - nothing [95% CI] "
             "| verdict | clearest pair [95% CI] | differ |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    summary, withdrawn_gain = {}, {}
    for country in (c.id for c in scenario.countries):
        programme = real_programme(country)
        real = programme or "laissez_faire"
        names = [real, *(s for s in OTHERS if s != real)]
        games = play(strategies=names, role=country, seeds=seeds, workers=workers).games
        games = games[games.outcome == "ok"]
        means = {s: t_interval(games[games.strategy == s]["total"].to_numpy(float)) for s in names}
        gain = t_interval(paired(games, real, "laissez_faire"))
        verdict = "beats" if gain[1] > 0 else ("loses" if gain[2] < 0 else "tie")
        if programme is None:
            verdict = "no programme"
        elif programme == "default" and in_force_only(country):  # its programme against the world without it
            with tempfile.TemporaryDirectory() as folder:
                bare = play(strategies=["laissez_faire"], role=country, seeds=seeds, workers=workers,
                            scenario=str(withdrawn(scenario, country, Path(folder)))).games
            gain = t_interval(paired(games, real, "laissez_faire", bare[bare.outcome == "ok"]))
            verdict = "beats" if gain[1] > 0 else ("loses" if gain[2] < 0 else "tie")
            withdrawn_gain[country] = gain
        pairs = [(paired(games, a, b), a, b) for i, a in enumerate(names) for b in names[i + 1:]]
        differ, (clearest, a, b) = strategies_differ(pairs)
        widest = t_interval(clearest)
        summary[country] = {"verdict": verdict, "differ": differ, "gain": gain}

        named = f"`{programme}`" if programme else "(none)"
        mean = means[real]
        lines.append(f"| {country} | {named} | {mean[0]:.1f} [{mean[1]:.1f}, {mean[2]:.1f}] | "
                     f"{means['laissez_faire'][0]:.1f} | "
                     f"{means['random'][0]:.1f} | {means['adaptive'][0]:.1f} | "
                     f"{'*' if country in withdrawn_gain else ''}{gain[0]:+.2f} [{gain[1]:+.2f}, "
                     f"{gain[2]:+.2f}] | {verdict} | {a} - {b}: {widest[0]:+.2f} [{widest[1]:+.2f}, "
                     f"{widest[2]:+.2f}] | {'yes' if differ else 'NO'} |")
    return "\n".join(lines), summary


def head_to_head_section(seeds: int, workers) -> tuple[str, bool]:
    results = play(seats=H2H, seeds=seeds, workers=workers)
    payoffs = results.payoffs
    size = " x ".join(f"{len(H2H[seat])} {seat}" for seat in ("KOR", "USA", "CHN"))
    lines = [f"## 2. Head to head: {size} strategies", "",
             f"Every combination on the same {seeds} seeds (`--seat KOR=... --seat USA=... --seat CHN=...`). "
             "Korea's mean score by its strategy (rows) and the USA's (columns), China by its `default`; "
             "then whether Korea's ranking of its strategies changes with the USA strategy it meets.", ""]
    china = payoffs[payoffs.CHN == "default"]
    usa = H2H["USA"]
    lines += ["| KOR \\ USA | " + " | ".join(usa) + " |", "| --- |" + " --- |" * len(usa)]
    for k in H2H["KOR"]:
        row = china[k == china.KOR].set_index("USA")
        lines.append(f"| {k} | " + " | ".join(f"{row.loc[u, 'KOR_mean']:.2f}" for u in usa) + " |")
    rankings = {}
    for u in usa:
        table = china[u == china.USA].sort_values("KOR_mean", ascending=False)
        rankings[u] = list(table.KOR)
    changed = len({tuple(r) for r in rankings.values()}) > 1
    lines += ["", "Korea's ranking by the USA strategy it meets (China by its default): " +
              "; ".join(f"against {u}: {' > '.join(r)}" for u, r in rankings.items()) + ".",
              f"Ranking changes with the opponent: {'yes' if changed else 'NO'} (on the means)."]
    lines += interaction_lines(results.games, rankings)
    usa_rows = ["", "The USA's mean score by its strategy (rows) and Korea's (columns), China by its default:", "",
                "| USA \\ KOR | " + " | ".join(H2H["KOR"]) + " |", "| --- |" + " --- |" * len(H2H["KOR"])]
    for u in usa:
        row = china[u == china.USA].set_index("KOR")
        usa_rows.append(f"| {u} | " + " | ".join(f"{row.loc[k, 'USA_mean']:.2f}" for k in H2H["KOR"]) + " |")
    return "\n".join(lines + usa_rows + evaluation_lines(results)), changed


def seat_strategy(lineup: str, seat: str) -> str:
    """The strategy a game's lineup ("KOR=a | USA=b | CHN=c") puts in `seat`."""
    return dict(part.split("=", 1) for part in lineup.split(" | "))[seat]


def interaction_lines(games, rankings: dict[str, list[str]]) -> list[str]:
    """For every pair of Korean strategies whose order differs between two USA strategies (China by
    its default), the interaction on paired seeds: (a - b against u) - (a - b against v), Korea's
    own score, with its 95% interval. An interval that excludes 0 says the USA's strategy changes
    what Korea's choice is worth beyond noise, whatever the order of the means."""
    games = games[games.outcome == "ok"].drop_duplicates(["lineup", "seed"])
    korea = games.assign(KOR=games.lineup.map(lambda x: seat_strategy(x, "KOR")),
                         USA=games.lineup.map(lambda x: seat_strategy(x, "USA")),
                         CHN=games.lineup.map(lambda x: seat_strategy(x, "CHN")))
    table = korea[korea.CHN == "default"].pivot_table(index="seed", columns=["USA", "KOR"], values="s_KOR")
    usa = list(rankings)
    found = []
    for i, u in enumerate(usa):
        for v in usa[i + 1:]:
            for a in rankings[u]:
                for b in rankings[u]:
                    order_u, order_v = rankings[u].index, rankings[v].index
                    if not (order_u(a) < order_u(b) and order_v(a) > order_v(b)):
                        continue
                    diff = ((table[(u, a)] - table[(u, b)]) - (table[(v, a)] - table[(v, b)])).dropna().to_numpy(float)
                    mean, low, high = t_interval(diff)
                    gap_u, gap_v = t_interval((table[(u, a)] - table[(u, b)]).to_numpy(float)), \
                        t_interval((table[(v, a)] - table[(v, b)]).to_numpy(float))
                    found.append(f"- {a} - {b}: {gap_u[0]:+.2f} [{gap_u[1]:+.2f}, {gap_u[2]:+.2f}] against the "
                                 f"USA's {u}, {gap_v[0]:+.2f} [{gap_v[1]:+.2f}, {gap_v[2]:+.2f}] against its {v}; "
                                 f"interaction {mean:+.2f} [{low:+.2f}, {high:+.2f}]: "
                                 + ("beyond noise." if low > 0 or high < 0 else "within noise."))
    if not found:
        return []
    return ["", "Where the order changes, Korea's score difference against each USA strategy and the interaction "
                "(the difference of the two differences, paired by seed, 95% interval):", "", *found]


def evaluation_lines(results) -> list[str]:
    """The same games read as an empirical game (game/tournament/evaluation.py): each seat's
    strategies as focal players (mean over the others' profiles, on the seat's 0-1 scale), their
    regret and alpha-rank mass; the pure equilibria; the welfare panel's best profiles."""
    frame = results.evaluation
    lines = ["", "### The same games as an empirical game", "",
             "Each seat's strategies as the focal player against every profile of the other seats (a uniform "
             "background), scaled so the seat's worst strategy is 0 and its best 1 (bootstrap 95% intervals over "
             "seeds and backgrounds); regret: points below the seat's best; alpha-rank (alpha 50 on scores as "
             "0-1, m 50): the strategy's stationary mass.", "",
             "| seat | strategy | focal mean [95%] | scaled [95%] | regret | alpha-rank |",
             "| --- | --- | --- | --- | --- | --- |"]
    for line in frame.itertuples():
        lines.append(f"| {line.role} | {line.strategy} | {line.mean:.2f} [{line.low:.2f}, {line.high:.2f}] | "
                     f"{line.scaled:.2f} [{line.scaled_low:.2f}, {line.scaled_high:.2f}] | {line.regret:.2f} | "
                     f"{100 * line.alpharank:.1f}% |")
    result = results.outcome.evaluation
    design = result.design
    equilibria = [", ".join(f"{role}={specs[i]}" for (role, specs), i in zip(design.seats, e, strict=True))
                  for e in result.regret.equilibria()]
    welfare = results.welfare.sort_values("welfare_total", ascending=False)
    top = welfare.iloc[0]
    fair = welfare.sort_values("worst_off", ascending=False).iloc[0]
    show = lambda w: ", ".join(f"{r}={w[r]}" for r in design.roles)  # noqa: E731
    lines += ["", f"Pure Nash equilibria of the empirical game (on the means): {'; '.join(equilibria) or 'none'}.",
              f"Highest total welfare (every country's score on its own objective, summed): {show(top)}, "
              f"{top.welfare_total:.1f} [{top.welfare_low:.1f}, {top.welfare_high:.1f}]; worst-off country "
              f"{top.worst_off_country} at {top.worst_off:.1f}. Best for the worst-off: {show(fair)} "
              f"({fair.worst_off_country} at {fair.worst_off:.1f}); the spread of totals over all combinations: "
              f"{welfare.welfare_total.min():.1f} to {welfare.welfare_total.max():.1f}."]
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--write", action="store_true", help="also write docs/objectives.md")
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error("--seeds: at least 2 (intervals need two paired games)")
    began = time.perf_counter()
    countries, summary = countries_section(args.seeds, args.workers)
    h2h, changed = head_to_head_section(args.seeds, args.workers)
    beats = [c for c, s in summary.items() if s["verdict"] == "beats"]
    flat = [c for c, s in summary.items() if not s["differ"]]
    header = ["# Each country's objective", "",
              "Generated by `benchmarks/bench_objectives.py` (issue 14): do not edit by hand; regenerate with the "
              "command below when the economy or an objective changes.", "",
              f"- command: `python benchmarks/bench_objectives.py --seeds {args.seeds} --write`",
              f"- date: {time.strftime('%Y-%m-%d')}; code version: `{git_describe()}`; digest of game/, agents/ and "
              f"assets/scenarios/: `{source_digest()}`",
              f"- scenario: `baseline`; {args.seeds} paired seeds per board; "
              f"{time.perf_counter() - began:.0f} s wall (the games in tournament worker processes)",
              "", "## Headline", "",
              f"- Real programme beats doing nothing on the country's own objective: {', '.join(beats) or 'none'} "
              f"(of {len(summary)}); the others: " + ", ".join(f"{c} {s['verdict']}" for c, s in summary.items()
                                                              if s["verdict"] != "beats") + ".",
              "- Where a country's real programme is only what the scenario runs in every game (standing credits, "
              "a national centre's plan: its `default` never acts), doing nothing is the same world without that "
              "programme (section 1, marked *); 'no programme': the game gives the country no `default` of its own.",
              f"- Boards whose strategies do not differ beyond noise: {', '.join(flat) or 'none'}.",
              f"- Head to head, Korea's ranking changes with the USA strategy it meets: {'yes' if changed else 'no'}.",
              ""]
    text = "\n".join(header) + "\n" + countries + "\n\n" + h2h + "\n"
    publish(text, DOC, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
