"""The tournament command's arguments, apart from the tournament itself: every command of
`main.py` builds the whole parser, and importing game.tournament.run for it (SQLite, the store,
the plug-in loader; ~10 ms of CPU) was paid by `sim`, `play` and `--help` too."""

from __future__ import annotations

import argparse

from game import argtypes

BACKENDS = ("local", "dask", "ray")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `tournament` subcommand's options (run.options_from reads them)."""
    parser.add_argument("--strategies", metavar="A,B,...",
                        help="comma-separated: built-in names, module:Class, or path/to/file.py:Class")
    parser.add_argument("--seat", action="append", metavar="CODE=A,B,...",
                        help="head-to-head, instead of --role/--strategies: a country and its strategies; repeat "
                             "for more seats (every combination plays on the same seeds; countries not named play "
                             "their default). Writes payoffs.csv and a payoff matrix per seat")
    parser.add_argument("--seeds", type=argtypes.positive, required=True, metavar="N",
                        help="seeds per strategy (paired)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for results.sqlite, games.csv, plots")
    parser.add_argument("--role", help="the country the strategies play (default: KOR; all: every one)")
    parser.add_argument("--scenario", default="baseline", help="scenario name or .toml path (default: baseline)")
    parser.add_argument("--workers", type=argtypes.count, metavar="N",
                        help="worker processes (default: all cores; 0: in this process, no isolation)")
    parser.add_argument("--batch", type=argtypes.count, metavar="N", help="games per task (default: automatic, 5-25)")
    parser.add_argument("--difficulty", type=argtypes.difficulty, default="normal", metavar="LEVEL",
                        help="easy, normal or hard for the role played (default: normal)")
    parser.add_argument("--master-seed", type=argtypes.count, default=2025, metavar="N",
                        help="the seed the game seeds are drawn from (default: 2025)")
    parser.add_argument("--decision-timeout", type=argtypes.seconds, default=5.0, metavar="SECONDS",
                        help="a decision slower than this forfeits the game (default: 5; 0: no limit)")
    parser.add_argument("--backend", choices=BACKENDS, default="local",
                        help="local processes (default), or an installed dask/ray cluster")
    parser.add_argument("--address", help="with --backend dask/ray: the scheduler / cluster address")
    parser.add_argument("--lang", choices=("en", "ko"), default="en",
                        help="language of the leaderboard, the plots and the resume checks' messages")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--restart", action="store_true",
                        help="start afresh in --out: an existing results.sqlite is renamed aside (never deleted)")
    parser.add_argument("--verify", type=argtypes.positive, metavar="N",
                        help="if only the code or library versions changed since --out was filled: re-play N "
                             "recorded games and go on when every one comes out the same")
    parser.add_argument("--ecological", type=argtypes.positive, metavar="GENERATIONS",
                        help="also run an ecological tournament on the payoffs: each seat's strategies' shares "
                             "over this many generations (replicator dynamics, as Axelrod's)")
    parser.add_argument("--background", type=argtypes.positive, metavar="N",
                        help="head-to-head with many seats: instead of every combination, play each seat's every "
                             "strategy against N sampled profiles of the other seats (Melting Pot's focal/background "
                             "evaluation); the report scores each strategy as the focal player")
    parser.add_argument("--quarters", action="store_true",
                        help="also record each named seat's score and Actions quarter by quarter (table quarters, "
                             "quarters.csv; ~3%% more CPU a game) for the games this run plays")
