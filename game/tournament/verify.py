"""--verify N: when only the code or library versions differ from the database's, re-play N
recorded games with this code and accept the new code if every one comes out the same. A
harmless edit (a comment, a refactor) then costs N games, not a full re-run; an edit that moves
any result is caught on the first game it moves.

"The same" is the project's stated precision (game/precision.py): outcome, turns and refusals
exactly, the total and every component within its tolerance, so a database made on one CPU
(AVX-512) verifies on another (AVX2), whose numpy may differ in the last bit."""

from __future__ import annotations

from game.precision import first_difference as precision_difference

# What a row's result is (the rest, timings and pids, varies from run to run).
RESULT = ("outcome", "total", "turns", "refused")
REPLAYABLE = {"code_version", "libraries"}


def can_verify(differences: list[tuple[str, str, str]]) -> bool:
    return bool(differences) and {what for what, _, _ in differences} <= REPLAYABLE


def sample(rows: list[dict], strategies: list[str], n: int) -> list[dict]:
    """Up to n recorded games of this run's strategies, spread over them round-robin (so a change
    that moves only one strategy's games is still met), in key order: deterministic."""
    by_strategy = {s: [r for r in rows if r["strategy"] == s and r.get("outcome") != "void"] for s in strategies}
    picked: list[dict] = []
    depth = 0
    while len(picked) < n and any(len(v) > depth for v in by_strategy.values()):
        picked += [v[depth] for v in by_strategy.values() if len(v) > depth][: n - len(picked)]
        depth += 1
    return picked


def first_difference(rows: list[dict], config) -> str | None:
    """Re-play the rows' games here; None if all match, else which game moved and how. A
    cross-play row's game is rebuilt from its lineup (tasks.game_of) and compared seat by seat."""
    from game.tournament.tasks import game_of, lineup
    from game.tournament.worker import play_batch

    games = list(dict.fromkeys(game_of(r) for r in rows))
    replayed = {(r["lineup"], r["role"], r["strategy"], int(r["seed"])): r for r in play_batch(config, games)}
    for old in rows:
        new = replayed[lineup(game_of(old)), old["role"], old["strategy"], int(old["seed"])]
        now = {k: new.get(k) for k in RESULT} | {f"c_{k}": v for k, v in new["components"].items()}
        moved = precision_difference({k: old.get(k) for k in now}, now)
        if moved:
            against = f", in {old['lineup']}" if old.get("lineup") else ""
            return f"{old['strategy']} on seed {old['seed']} ({old['role']}{against}): {moved} (recorded against now)"
    return None
