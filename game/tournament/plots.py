"""PNG plots next to the database: score distributions per strategy and the paired win-rate
matrix. matplotlib (Agg backend) is imported here only, never by the core."""

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
    ax.set_yticks(range(1, len(names) + 1), list(reversed(names)))
    ax.set_xlabel(tr("tournament.plot.scores_axis", lang).format(role=board.role))
    ax.set_title(tr("tournament.plot.scores_title", lang).format(seeds=board.seeds, scenario=board.scenario))
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
                    ink = "white" if value > 0.8 or value < 0.2 else "black"  # readable on dark red/green
                    ax.text(j, i, f"{100 * value:.0f}%", ha="center", va="center", fontsize=8, color=ink)
        ax.set_title(tr("tournament.plot.winrate_title", lang))
        fig.colorbar(image, ax=ax, fraction=0.046)
        fig.tight_layout()
        path = folder / f"winrate{suffix}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written
