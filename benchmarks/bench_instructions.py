"""Instructions per game, counted by valgrind's callgrind (a script that prints, not a test).

    python benchmarks/bench_instructions.py [--games 4] [--anchor REV] [--tables off|on|both] [--log on|off|both]

Wall and CPU time move with the load of a shared machine; the number of instructions a game
executes does not (it repeats to ~0.1%), so an A/B comparison of two versions of the code is
made in instructions (issue 15). Each count is one process under `valgrind --tool=callgrind`
with instrumentation off until a warm-up game (imports, the calibration's fit, first-use
caches) is played, then on around the counted games only (`callgrind_control -i on/off`):
Korea played by laissez_faire, team_korea, random and adaptive on seeds 1.. `--games` (so
`4 x --games` games), every other country by its default, 20 turns, the DataCollector tables
off and/or on, the cause log kept (as `sim`, the desktop game and the debrief play) and/or not
(`World(..., explains=False)`, as a tournament's and a learning environment's games are played;
a revision from before that flag keeps its log and reads "n/a"). `PYTHONHASHSEED=0` so that set
and dict orders are the same in every run.

`--anchor REV` measures a git revision beside the working tree in the same run (its tree is
`git archive`d to a temporary folder and imported instead of this one), the anchor the
benchmarks' README asks for. Beside the game: the floor of Mesa 3.3 itself, instructions per
agent activation of an empty model (agents whose `step` does nothing, `shuffle_do`), so the
cost of an agent-step of the game can be read against what Mesa costs to do nothing.

Needs valgrind (Debian: `apt install valgrind`); without it the script says so and exits 1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STRATEGIES = ("laissez_faire", "team_korea", "random", "adaptive")
FLOOR_AGENTS, FLOOR_STEPS = 50, 200  # the empty Mesa model: agents x steps activations


# ------------------------------------------------------------------ in the process valgrind runs
def _instrument(on: bool) -> None:
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],
                   check=True, capture_output=True)


def child_games(games: int, tables: bool, log: bool = True) -> None:
    """A warm-up game, then `games` seeds x the four Korea strategies counted; `log` False plays
    them without the cause log where the code has the flag (else it says "log-kept")."""
    import inspect

    from agents.controllers import make_controller
    from game.model import World
    from game.scenario import load_scenario

    scenario = load_scenario("baseline")
    quiet = {} if log or "explains" not in inspect.signature(World.__init__).parameters else {"explains": False}
    if not log and not quiet:
        print("log-kept")

    def play(seed: int, strategy: str) -> int:
        world = World(scenario, seed, controllers={"KOR": make_controller("KOR", strategy)}, tables=tables, **quiet)
        while not world.finished:
            world.step()
        agents = len(world.agents)
        world.close()
        return agents

    print(f"agents {play(0, 'team_korea')}")  # the parent reads it: instructions per agent-step
    _instrument(True)
    for seed in range(1, games + 1):
        for strategy in STRATEGIES:
            play(seed, strategy)
    _instrument(False)


def child_floor() -> None:
    """Mesa's empty model: FLOOR_AGENTS agents that do nothing, FLOOR_STEPS steps counted."""
    import mesa

    class Idle(mesa.Agent):
        def step(self) -> None:
            pass

    class Empty(mesa.Model):
        def __init__(self) -> None:
            super().__init__(seed=1)
            Idle.create_agents(self, FLOOR_AGENTS)

        def step(self) -> None:
            self.agents.shuffle_do("step")

    model = Empty()
    model.step()
    _instrument(True)
    for _ in range(FLOOR_STEPS):
        model.step()
    _instrument(False)


# ------------------------------------------------------------------ the parent
def count(tree: Path, args: list[str]) -> tuple[int, str]:
    """Instructions counted in one child run on the code of `tree`, and what the child printed."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
        done = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                               sys.executable, str(Path(__file__).resolve()), "--child", *args],
                              env=env, cwd=tree, check=True, capture_output=True, text=True)
        for line in out.read_text().splitlines():
            if line.startswith("totals:"):
                return int(line.split()[1]), done.stdout
    raise RuntimeError("callgrind wrote no totals")


def archive(rev: str, folder: Path) -> Path:
    """The tree of `rev` (a commit of this repository) unpacked into `folder`."""
    tar = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=tar, check=True)
    return folder


def revision(tree: Path) -> str:
    done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=tree, capture_output=True, text=True)
    return done.stdout.strip() or "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=int, default=4, help="seeds per Korea strategy (4 strategies each)")
    parser.add_argument("--anchor", help="a git revision to count beside the working tree")
    parser.add_argument("--tables", choices=("off", "on", "both"), default="both")
    parser.add_argument("--log", choices=("on", "off", "both"), default="on",
                        help="the cause log kept (on), not kept (off: tournaments, learning environments), or both")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.games < 1:
        parser.error("--games: at least 1")
    if args.child:
        if args.floor:
            child_floor()
        else:
            child_games(args.games, args.tables == "on", args.log != "off")
        return 0
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("bench_instructions: valgrind is not installed (Debian: apt install valgrind); nothing counted")
        return 1
    tables = ("off", "on") if args.tables == "both" else (args.tables,)
    logs = ("on", "off") if args.log == "both" else (args.log,)
    settings = [(t, g) for g in logs for t in tables]
    games = args.games * len(STRATEGIES)
    with tempfile.TemporaryDirectory() as folder:
        trees = [("working tree", ROOT, revision(ROOT))]
        if args.anchor:
            trees.insert(0, ("anchor", archive(args.anchor, Path(folder)), args.anchor))
        print(f"Instructions per game (callgrind; Korea {', '.join(STRATEGIES)} on seeds 1-{args.games}, "
              f"{games} games, after a warm-up game; every other country its default; 20 turns)")
        print(f"{'code':<28}" + "".join(f"{'tables ' + t + (', no log' if g == 'off' else ''):>22}"
                                         for t, g in settings))
        results, agents = {}, 0
        for label, tree, rev in trees:
            per_game = []
            for t, g in settings:
                total, said = count(tree, ["--games", str(args.games), "--tables", t, "--log", g])
                per_game.append(None if "log-kept" in said.split() else total / games)
                agents = int(said.split()[-1])
            results[label] = per_game
            print(f"{label + ' ' + rev:<28}" + "".join(f"{'n/a':>22}" if v is None else f"{v / 1e6:>20.1f} M"
                                                       for v in per_game))
        if args.anchor:
            change = [None if a is None or b is None else b / a - 1
                      for a, b in zip(results["anchor"], results["working tree"], strict=True)]
            print(f"{'change':<28}" + "".join(f"{'n/a':>22}" if c is None else f"{c:>+21.1%} " for c in change))
        floor = count(ROOT, ["--floor"])[0] / (FLOOR_AGENTS * FLOOR_STEPS)
        steps = 20 * agents
        print(f"Mesa 3.3's empty model: {floor:,.0f} instructions per agent activation "
              f"({FLOOR_AGENTS} agents x {FLOOR_STEPS} steps, shuffle_do)")
        game = results["working tree"][0]
        print(f"A game of the working tree (tables {settings[0][0]}): {game / steps:,.0f} instructions per agent-step "
              f"({agents} agents x 20 turns), {game / steps / floor:,.0f} x Mesa's floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
