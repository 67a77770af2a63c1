"""PNG plots next to the database: score distributions per strategy (each labelled with its
statistically tied group), the paired win-rate matrix, and each strategy's mean points on every
component of the seat's objective. matplotlib (Agg backend) is imported here only, never by the
core."""

from __future__ import annotations

from pathlib import Path

from game.tournament.stats import Board, game_score


def _korean_font() -> str | None:
    """Noto Sans KR (shipped with pygame_gui; game/fontfiles.py) so Hangul titles render on a
    machine with no Korean system font; it has Latin too. None if it cannot be found."""
    from matplotlib.font_manager import FontProperties, fontManager

    from game import fontfiles

    try:
        path = fontfiles.regular()
        fontManager.addfont(str(path))
    except (FileNotFoundError, OSError, RuntimeError):
        return None
    return FontProperties(fname=str(path)).get_name()


def strategy_labels(board: Board) -> list[str]:
    """Each strategy of the board in its order, with its tied group's letters: "team_korea [a]"
    (strategies sharing a letter are not told apart by the paired tests: game.tournament.stats)."""
    groups = {e.strategy: e.group for e in board.entries}
    return [f"{n} [{groups[n]}]" if groups.get(n) else n for n in board.order()]


def component_means(board: Board, rows: list[dict], lang: str = "en") -> tuple[list[str], list[list[float]]]:
    """The seat's objective by component: its components' labels (in `lang`, with their weight in
    the score; the column's name where the scenario cannot be read) and, for each strategy in the
    board's order, its mean points (0-100) on each over its games that finished (NaN where none
    did). The columns are the games table's `c_<component>`."""
    columns = sorted({k for r in rows for k in r if k.startswith("c_") and r.get(k) is not None})
    labels = [c[2:] for c in columns]
    scenario = next((r.get("scenario") for r in rows if r.get("scenario")), None)
    from game.scenario import ScenarioError, load_scenario
    from game.score import component_id, rule_of

    try:
        rule = rule_of(load_scenario(scenario), board.role) if scenario else None
    except (ScenarioError, OSError):  # a scenario moved or gone since the run: the columns' own names
        rule = None
    if rule is not None:
        total = sum(c.weight for c in rule.components) or 1.0
        order = {f"c_{component_id(c)}": (i, f"{c.label_ko if lang == 'ko' else c.label_en} ({c.weight / total:.0%})")
                 for i, c in enumerate(rule.components)}
        columns = sorted((c for c in columns if c in order), key=lambda c: order[c][0])  # the rule's order
        labels = [order[c][1] for c in columns]
    means = []
    for name in board.order():
        mine = [r for r in rows if r["strategy"] == name and r.get("outcome") == "ok"]
        row = []
        for column in columns:
            values = [float(r[column]) for r in mine if r.get(column) is not None]
            row.append(sum(values) / len(values) if values else float("nan"))
        means.append(row)
    return labels, means


def _heatmap(plt, matrix: list[list[float]], columns: list[str], rows: list[str], title: str, path: Path, *,
             size: tuple[float, float], vmax: float, cmap: str, cell, dark, columns_style: dict) -> Path:
    """A matrix as coloured cells (0 to `vmax`), each with its value written (`cell`) in white where
    its colour is `dark`, else black; NaN cells left blank. Saved to `path`."""
    fig, ax = plt.subplots(figsize=size)
    image = ax.imshow(matrix, vmin=0, vmax=vmax, cmap=cmap, aspect="auto")
    ax.set_xticks(range(len(columns)), columns, **columns_style)
    ax.set_yticks(range(len(rows)), rows)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value == value:  # not NaN
                ax.text(j, i, cell(value), ha="center", va="center", fontsize=8,
                        color="white" if dark(value) else "black")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_plots(board: Board, rows: list[dict], folder: Path, lang: str = "en") -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    family = _korean_font() if lang == "ko" else None
    with matplotlib.rc_context({"font.family": family} if family else {}):
        return _draw(plt, board, rows, folder, lang)


def _draw(plt, board: Board, rows: list[dict], folder: Path, lang: str) -> list[Path]:
    from game.text import tr

    names = board.order()
    suffix = f"_{board.role}" if board.role != "KOR" else ""
    written = []

    by_strategy = {n: [game_score(r) for r in rows if r["strategy"] == n] for n in names}
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.5 * len(names)))
    data = [by_strategy[n] or [0.0] for n in reversed(names)]
    try:  # matplotlib 3.10+: `orientation`; `vert` is deprecated there
        ax.boxplot(data, orientation="horizontal", showmeans=True)
    except TypeError:
        ax.boxplot(data, vert=False, showmeans=True)
    ax.set_yticks(range(1, len(names) + 1), list(reversed(strategy_labels(board))))
    ax.set_xlabel(tr("tournament.plot.scores_axis", lang).format(role=board.role))
    ax.set_title(tr("tournament.plot.scores_title", lang).format(seeds=board.seeds, scenario=board.scenario))
    if board.pairs:
        fig.text(0.01, 0.01, tr("tournament.plot.groups_note", lang), fontsize=7, color="0.35")
    fig.tight_layout(rect=(0, 0.04 if board.pairs else 0, 1, 1))
    path = folder / f"scores{suffix}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    written.append(path)

    if len(names) > 1:
        matrix = [[e.wins.get(n, float("nan")) for n in names] for e in board.entries]
        written.append(_heatmap(
            plt, matrix, names, names, tr("tournament.plot.winrate_title", lang), folder / f"winrate{suffix}.png",
            size=(2 + 0.9 * len(names), 1.5 + 0.8 * len(names)), vmax=1, cmap="RdYlGn",
            cell=lambda v: f"{100 * v:.0f}%", dark=lambda v: v > 0.8 or v < 0.2,  # dark red and dark green
            columns_style={"rotation": 45, "ha": "right"}))

    labels, means = component_means(board, rows, lang)
    if labels:
        import textwrap

        written.append(_heatmap(
            plt, means, ["\n".join(textwrap.wrap(label, 16)) for label in labels], strategy_labels(board),
            tr("tournament.plot.components_title", lang).format(role=board.role), folder / f"components{suffix}.png",
            size=(2.5 + 1.2 * len(labels), 1.8 + 0.5 * len(names)), vmax=100, cmap="viridis",
            cell=lambda v: f"{v:.0f}", dark=lambda v: v <= 60,  # viridis: purple to green, yellow at the top
            columns_style={"fontsize": 8}))
    return written
