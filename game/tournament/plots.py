"""PNG plots next to the database: score distributions per strategy and the paired win-rate
matrix. matplotlib (Agg backend) is imported here only, never by the core."""

from __future__ import annotations

from pathlib import Path

from game.tournament.stats import Board, game_score


def write_plots(board: Board, rows: list[dict], folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    ax.set_yticks(range(1, len(names) + 1), list(reversed(names)))
    ax.set_xlabel(f"{board.role} score (0-100; a forfeit scores 0)")
    ax.set_title(f"Score distribution, {board.seeds} paired seeds, scenario {board.scenario}")
    fig.tight_layout()
    path = folder / f"scores{suffix}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    written.append(path)

    if len(names) > 1:
        matrix = [[e.wins.get(n, float("nan")) for n in names] for e in board.entries]
        fig, ax = plt.subplots(figsize=(2 + 0.9 * len(names), 1.5 + 0.8 * len(names)))
        image = ax.imshow(matrix, vmin=0, vmax=1, cmap="RdYlGn")
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
        ax.set_yticks(range(len(names)), names)
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                if value == value:  # not NaN
                    ax.text(j, i, f"{100 * value:.0f}%", ha="center", va="center", fontsize=8)
        ax.set_title("Paired win rate: row beats column")
        fig.colorbar(image, ax=ax, fraction=0.046)
        fig.tight_layout()
        path = folder / f"winrate{suffix}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written
