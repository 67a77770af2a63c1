"""Headless agent tournaments (issue 6): many strategies x many seeds, in parallel processes,
results in SQLite, a paired leaderboard. The core (game/ outside this package) never imports
anything from here; matplotlib is imported only by `plots`.

Entry points: `python main.py tournament ...` (game.cli) and `run.run_tournament(Options(...))`.
"""
