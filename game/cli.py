"""The command line: `python main.py play | sim | replay | report | scenarios | tournament | train | classroom`.

User mistakes (a bad flag, an unknown or broken scenario, an unwritable output folder) end
with a one-paragraph message on stderr and exit code 2, never a traceback. When the command was
right but the machine failed it (a full disk under a tournament's results) the message is the
same kind and the exit code 1. Ctrl-C outside a command's own handling ends with 130, quietly.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import textwrap
from pathlib import Path

from game import argtypes
from game.text import LANGUAGES, tr

USAGE_ERROR = 2
ENVIRONMENT_FAILED = 1
INTERRUPTED = 130  # what a shell reports for a program ended by Ctrl-C (128 + SIGINT)


class UsageError(Exception):
    """A mistake in how the program was called; the message is shown as it is."""


class EnvironmentFailure(Exception):
    """The command was right but the environment failed it (a full disk, an I/O error); the
    message is shown as it is, exit code 1."""


def _controls(text: str) -> dict[str, str]:
    """Parse KOR=team_korea,USA=default into {country: strategy name} (a strategy's parameters,
    `team_korea(scale=0.5, domestic=0.6)`, may hold commas)."""
    from agents.controllers import split_specs

    chosen: dict[str, str] = {}
    for part in split_specs(text):
        code, sep, name = part.partition("=")
        if not sep or not code.strip() or not name.strip():
            raise argparse.ArgumentTypeError(f"'{part}' is not CODE=STRATEGY (e.g. KOR=team_korea)")
        chosen[code.strip().upper()] = name.strip()
    return chosen


def _codes(text: str) -> tuple[str, ...]:
    """Parse KOR,JPN,USA into country codes (checked against the scenario once it is loaded)."""
    codes = tuple(dict.fromkeys(p.strip().upper() for p in text.split(",") if p.strip()))
    if not codes:
        raise argparse.ArgumentTypeError("name at least one country, e.g. KOR,JPN,USA")
    return codes


def make_controllers(chosen: dict[str, str], countries: list[str] | None) -> dict:
    """Controllers by built-in name or plug-in spec (agents/plugins.py: a plug-in's module is
    imported and the class made here, in this process); an unknown country or strategy, or a
    plug-in that cannot be loaded or made, is a usage error naming it. `countries=None`: the
    seats are checked by the save they continue (game/saves.py)."""
    from agents.plugins import SpecError, make_controller

    controllers = {}
    for code, name in chosen.items():
        if countries is not None and code not in countries:
            raise UsageError(f"--control: no country '{code}' in this scenario (countries: {', '.join(countries)})")
        if name.startswith("policy:"):
            raise UsageError(f"--control: '{name}': a trained policy plays in tournaments "
                             "(python main.py tournament --strategies policy:PATH,...), not in sim")
        try:
            controllers[code] = make_controller(code, name)
        except SpecError as exc:
            raise UsageError(f"--control: {exc}") from None
    return controllers


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py", description="Team Korea: AI Chip Conductor / 팀 코리아: AI 칩 컨덕터")
    commands = parser.add_subparsers(dest="command",
                                     metavar="{play,sim,replay,report,handouts,scenarios,tournament,train,classroom}")

    play = commands.add_parser("play", help="the desktop game (the default with no arguments)")
    play.add_argument("--scenario", default="baseline", help="scenario name or .toml path (default: baseline)")
    play.add_argument("--seed", type=argtypes.seed, default=7, help="random seed (default: 7)")
    play.add_argument("--lang", choices=LANGUAGES, default="en", help="language at the start (en, ko)")
    play.add_argument("--autoplay", type=argtypes.positive, metavar="N",
                      help="play N turns with a built-in strategy (Korea: team_korea; another first team's "
                           "country: its real programme, default), no input needed "
                           f"({argtypes.TURNS_RULE})")
    play.add_argument("--screenshot", metavar="PATH",
                      help="write a PNG of the window (after --autoplay) and exit; works without a display; "
                           "the folder must exist")
    play.add_argument("--difficulty", type=argtypes.difficulty, default="normal", metavar="LEVEL",
                      help="easy, normal or hard: the players' state money and their rivals' (default: normal)")
    play.add_argument("--size", type=argtypes.window_size, metavar="WxH",
                      help="the window's size in pixels, 1024x600 to 3840x2160 (default: the title's setting, "
                           "else 1280x800); the screens are laid out for it, --screenshot included")
    play.add_argument("--fullscreen", action="store_true", help="full screen at the desktop's resolution")
    play.add_argument("--humans", type=_codes, default=("KOR",), metavar="CODE,...",
                      help="hot-seat teams: the countries played by people, in turn at the desk "
                           "(default: KOR; the others keep their AI), e.g. KOR,JPN,USA")

    sim = commands.add_parser("sim", help="play a game headless, every role by its built-in AI")
    sim.add_argument("--scenario", help="scenario name or .toml path (default: baseline)")
    sim.add_argument("--seed", type=argtypes.seed, help="random seed (default: 7)")
    sim.add_argument("--turns", type=argtypes.positive, metavar="N",
                     help="stop after N quarters (with --load: N more); " + argtypes.TURNS_RULE)
    sim.add_argument("--save", metavar="PATH", help="save the game at the end (a name in saves/ or a .json path)")
    sim.add_argument("--save-every", type=argtypes.positive, metavar="N",
                     help="autosave every N turns into saves/autosave/ (the last 10 are kept)")
    sim.add_argument("--load", metavar="PATH", help="continue a saved game (its scenario, seed and strategies)")
    sim.add_argument("--force", action="store_true",
                     help="with --load: accept a changed scenario file if the game still re-plays identically")
    sim.add_argument("--json", action="store_true", help="print one JSON document instead of the summary")
    sim.add_argument("--csv", metavar="DIR", help="write the DataCollector tables (model.csv, agents.csv) here")
    sim.add_argument("--lang", choices=LANGUAGES, default="en", help="summary language (en, ko)")
    sim.add_argument("--control", type=_controls, default={}, metavar="CODE=STRATEGY,...",
                     help="strategies by country, e.g. KOR=team_korea,USA=default (others: default); a strategy "
                          "may be your own plug-in, KOR=path/to/file.py:Class or KOR=module:Class. A plug-in is "
                          "arbitrary Python code: sim imports and runs it in this process, with your rights and "
                          "no sandbox, so run only code you trust")
    sim.add_argument("--difficulty", type=argtypes.difficulty, metavar="LEVEL",
                     help="easy, normal or hard: Korea's state money and its rivals' (default: normal)")
    sim.add_argument("--explain", action="store_true", help="also print the cause log: what moved what, and why")
    sim.add_argument("--compare", action="store_true",
                     help="a lesson scenario only: also print its key quantities quarter by quarter, this game "
                          "against the lesson's counterfactual (the same seed and decisions, one difference)")

    replay = commands.add_parser("replay", help="re-play a saved game from its log and check every turn")
    replay.add_argument("path", help="the save (a name in saves/ or a .json path)")
    replay.add_argument("--force", action="store_true", help="accept a changed scenario file")

    debrief = commands.add_parser("report", help="a debrief of a saved game: one self-contained HTML file",
                                  description="A debrief of a saved game for one team: its score and grade on its "
                                              "own objective, the same seed with its country doing nothing new, and "
                                              "every team's result when several played.")
    debrief.add_argument("path", help="the save (a name in saves/ or a .json path)")
    debrief.add_argument("--out", required=True, metavar="FILE.html", help="where to write the report")
    debrief.add_argument("--lang", choices=(*LANGUAGES, "both"), default="both",
                         help="en, ko, or both (Korean under English; the default)")
    debrief.add_argument("--force", action="store_true", help="accept a changed scenario file")
    debrief.add_argument("--one-page", action="store_true",
                         help="one printed page for a team: its score against doing nothing, the lesson's key "
                              "quantities, its decisions and the questions")
    debrief.add_argument("--team", type=str.upper, metavar="CODE",
                         help="whose debrief: the team's country, judged on its own objective against the same seed "
                              "with that country doing nothing new (default: the save's first team played by "
                              "people, else KOR), e.g. USA")

    handouts = commands.add_parser(
        "handouts", help="printable A4 pages for a class: a lesson's prediction worksheet and a role sheet per country")
    handouts.add_argument("--scenario", default="baseline", help="scenario name or .toml path (default: baseline)")
    handouts.add_argument("--out", required=True, metavar="FOLDER",
                          help="the folder to write into (made if its parent exists)")
    handouts.add_argument("--lang", choices=(*LANGUAGES, "both"), default="both",
                          help="en, ko, or both (Korean under English; the default)")
    handouts.add_argument("--teams", type=_codes, metavar="CODE,...",
                          help="role sheets for these countries only (default: every country of the scenario)")

    listing = commands.add_parser("scenarios", help="list the installed scenarios")
    listing.add_argument("--lang", choices=LANGUAGES, default="en")

    from game.tournament.arguments import add_arguments  # argparse only: not the tournament's modules

    tournament = commands.add_parser("tournament", help="many strategies x many seeds in parallel: a leaderboard")
    add_arguments(tournament)

    train = commands.add_parser("train", help="train a linear policy for Korea (cross-entropy method)")
    train.add_argument("--episodes", type=argtypes.positive, default=2,
                       help="training episodes per candidate (default: 2)")
    train.add_argument("--iterations", type=argtypes.positive, default=8, help="CEM iterations (default: 8)")
    train.add_argument("--samples", type=argtypes.positive, default=16, help="candidates per iteration (default: 16)")
    train.add_argument("--eval-seeds", type=argtypes.positive, default=16,
                       help="held-out seeds to compare on (default: 16)")
    train.add_argument("--seed", type=argtypes.seed, default=0, help="random seed (default: 0)")
    train.add_argument("--scenario", default="baseline", help="scenario name or .toml path (default: baseline)")
    train.add_argument("--out", default="policy.json", help="where to save the policy (default: policy.json)")

    classroom = commands.add_parser("classroom", help="a networked classroom: teams play one world from their browsers")
    classroom.add_argument("--scenario",
                           help="scenario name or .toml path (default: baseline; a resumed room: its own)")
    classroom.add_argument("--teams", type=_codes, metavar="CODE,...",
                           help="the countries the class plays, one team each (default: KOR,USA,CHN,JPN)")
    classroom.add_argument("--port", type=argtypes.whole_in(1, 65535, "a port number"), default=8000,
                           help="the port to listen on (default: 8000)")
    classroom.add_argument("--host", default="127.0.0.1",
                           help="the address to listen on (default: 127.0.0.1, this machine only; the machine's "
                                "address on the classroom network, or 0.0.0.0, for students' devices)")
    classroom.add_argument("--seed", type=argtypes.seed, help="random seed (default: 7)")
    classroom.add_argument("--worlds", type=argtypes.whole_in(1, 8, "a number of worlds"), metavar="N",
                           help="several worlds of the same scenario and seed, one team per country in each "
                                "(1 to 8; default 1), played together and compared on the projector")
    classroom.add_argument("--lang", choices=LANGUAGES,
                           help="the pages' language until a student chooses (default: ko)")
    classroom.add_argument("--room-dir", default=str(Path("saves") / "classroom"), metavar="DIR",
                           help="where the room is kept; the same folder resumes it (default: saves/classroom)")
    classroom.add_argument("--certfile", metavar="FILE",
                           help="serve over HTTPS with this certificate (PEM; with --keyfile): the school's or "
                                "the teacher's own, trusted by the students' devices")
    classroom.add_argument("--keyfile", metavar="FILE",
                           help="the certificate's private key (PEM, without a passphrase; with --certfile)")
    return parser


def run_train(args) -> str:
    """game/env.py (Gymnasium and PettingZoo, imported only here)."""
    try:
        from game.env import run_train as run
    except ImportError as exc:
        raise UsageError(f"train needs the rl extra (pip install -e '.[rl]'): {exc}") from None
    try:
        return run(args)
    except OSError as exc:
        raise UsageError(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None


CLASSROOM_INSTALL = "python -m pip install -e \".[classroom]\""


def run_classroom(args) -> str:
    """The classroom server (game/web: Starlette on uvicorn, imported only here)."""
    try:
        from game.web.serve import ServeError, serve
    except ImportError as exc:
        raise UsageError(f"classroom needs the classroom extra ({exc.name} is not installed): "
                         f"{CLASSROOM_INSTALL}") from None
    try:
        serve(scenario=args.scenario, teams=args.teams, host=args.host, port=args.port, seed=args.seed,
              lang=args.lang, room_dir=Path(args.room_dir), worlds=args.worlds,
              certfile=Path(args.certfile) if args.certfile else None,
              keyfile=Path(args.keyfile) if args.keyfile else None)
    except ServeError as exc:
        raise UsageError(str(exc)) from None
    return ""


def run_tournament(args) -> str:
    """Headless agent tournaments (game/tournament); results in --out/results.sqlite."""
    from game.tournament.run import TournamentEnvironmentError, TournamentUsageError, options_from
    from game.tournament.run import run_tournament as run

    try:
        outcome = run(options_from(args))
    except TournamentUsageError as exc:
        raise UsageError(str(exc)) from None
    except TournamentEnvironmentError as exc:
        raise EnvironmentFailure(str(exc)) from None
    if outcome.interrupted:
        print(outcome.text)
        raise SystemExit(INTERRUPTED)
    return outcome.text


def run_sim(args) -> str:
    from agents.plugins import PluginFault
    from game.difficulty import Difficulty
    from game.model import World  # imported here so `scenarios` stays fast
    from game.saves import SaveError, autosave, document, load_game, save_path, write_save
    from game.scenario import load_scenario
    from game.summary import cause_log, text_summary, to_json

    csv_dir = Path(args.csv) if args.csv else None
    if csv_dir is not None and csv_dir.exists() and not csv_dir.is_dir():
        raise UsageError(f"--csv {csv_dir}: exists and is not a folder")
    if args.compare and args.json:
        raise UsageError("--compare prints a table for people; drop --json (or --compare)")
    if args.compare and args.load is None:
        check_comparable(load_scenario(args.scenario or "baseline"), "--scenario")
    try:
        for flag, value in (("--save", args.save), ("--load", args.load)):
            if value is not None and not value.strip():
                raise UsageError(f"{flag} needs a name or a path")
        target = save_path(args.save) if args.save is not None else None
        if args.load is not None:
            if args.scenario or args.seed is not None or args.difficulty:
                raise UsageError("--load takes the scenario, seed, difficulty and strategies from the save; "
                                 "drop --scenario, --seed and --difficulty")
            seats = make_controllers(args.control, None) if args.control else None  # a plug-in's seat, again
            model, save = load_game(save_path(args.load), force=args.force, seats=seats, tables=csv_dir is not None)
            scenario_name = save.scenario.name
            if args.compare:
                check_comparable(model.source_scenario, f"--load {args.load}")
            turns = turns_to_play(model, args.turns, args.load)
        else:
            scenario_name = args.scenario or "baseline"
            scenario = load_scenario(scenario_name)
            turns = args.turns or scenario.scenario.turns
            if turns > scenario.scenario.turns:
                raise UsageError(f"--turns {turns}: the scenario '{scenario.scenario.name}' has "
                                 f"{scenario.scenario.turns} turns")
            controllers = make_controllers(args.control, [c.id for c in scenario.countries])
            model = World(scenario, seed=7 if args.seed is None else args.seed, controllers=controllers,
                          tables=csv_dir is not None, difficulty=Difficulty(args.difficulty or "normal"))
        for _ in range(turns):
            model.step()
            if args.save_every and model.turn % args.save_every == 0:
                autosave(model, scenario_name)
        if target is not None:
            write_save(target, document(model, scenario_name))
    except SaveError as exc:
        raise UsageError(str(exc)) from None
    except PluginFault as exc:  # a plug-in's decide() or choose() raised: the game cannot go on
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot write the save: {exc.strerror or exc}") from None
    if not model.history:
        raise UsageError("the saved game is already over: nothing to show")

    out = to_json(model) if args.json else text_summary(model, args.lang)
    if args.explain and not args.json:
        out += "\n\n" + cause_log(model, args.lang)
    if args.compare:
        from game.lesson_compare import compare_world
        from game.lesson_text import text_table

        out += "\n\n" + text_table(compare_world(model), args.lang)
    if csv_dir is not None:
        written = write_tables(model, csv_dir)
        if not args.json:
            out += "\n\n" + "\n".join(f"{tr('wrote', args.lang)} {p}" for p in written)
    if target is not None and not args.json:
        out += f"\n{tr('wrote', args.lang)} {target}"
    return out


def check_comparable(scenario, where: str) -> None:
    """`sim --compare` needs a lesson that declares its question (key quantities and a
    counterfactual); anything else is a usage error, said before a game is played."""
    from game.scenario import list_scenarios

    lesson = scenario.lesson
    if lesson is None or lesson.counterfactual is None:
        lessons = [s.scenario.name for s in sorted(list_scenarios(), key=_listing_order)
                   if s.lesson is not None and s.lesson.counterfactual is not None]
        raise UsageError(f"--compare: {where}: scenario '{scenario.scenario.name}' is not a lesson with key "
                         f"quantities to compare; the lessons are {', '.join(lessons)}")


def turns_to_play(model, asked: int | None, where: str) -> int:
    """The quarters `sim --load` plays: all that are left, or `--turns N` of them. A World refuses
    to step past its term, so asking for more than are left is a usage error, as it is for a new
    game; a finished game is said to be finished (without --turns its summary is printed)."""
    left = model.turns - model.turn
    if asked is None:
        return left
    if left == 0:
        raise UsageError(f"--turns {asked}: the saved game {where} is over ({model.turn} of {model.turns} "
                         "turns played); there is nothing left to play. Drop --turns to print its summary")
    if asked > left:
        raise UsageError(f"--turns {asked}: the saved game {where} has {left} turn{'s' if left != 1 else ''} "
                         f"left ({model.turn} of {model.turns} played)")
    return asked


def run_report(args) -> str:
    """game/report/debrief.py: re-play the save, play the team's laissez_faire what-if, write the HTML."""
    from game.report.debrief import DebriefError, report_from_save
    from game.saves import SaveError, save_path

    try:
        path = report_from_save(save_path(args.path), Path(args.out), args.lang, force=args.force,
                                one_page=args.one_page, team=args.team)
    except (SaveError, DebriefError) as exc:
        raise UsageError(str(exc)) from None
    return f"{tr('wrote', 'ko' if args.lang == 'ko' else 'en')} {path}"


def run_handouts(args) -> str:
    """game/report/handouts.py: the worksheet (for a lesson) and the role sheets, as HTML files."""
    from game.report.handouts import HandoutError, write_handouts

    try:
        written = write_handouts(args.scenario, Path(args.out), args.lang, list(args.teams) if args.teams else None)
    except HandoutError as exc:
        raise UsageError(str(exc)) from None
    lang = "ko" if args.lang == "ko" else "en"
    return "\n".join(f"{tr('wrote', lang)} {path}" for path in written)


def run_replay(args) -> str:
    from game.saves import SaveError, check, save_path

    try:
        path = save_path(args.path)
        found = check(path, force=args.force)
    except SaveError as exc:
        raise UsageError(str(exc)) from None
    if found.diverged is not None:
        raise UsageError(f"{path}: {found.why}")
    return (f"{path}: {found.turns} turns re-played from the scenario, the seed and the log; every turn matches "
            "(numbers within the stated precision, game/precision.py)")


def write_tables(model, folder: Path) -> list[Path]:
    """The DataCollector's model-level and agent-level tables as CSV."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        model_path, agent_path = folder / "model.csv", folder / "agents.csv"
        collector = model.datacollector
        collector.get_model_vars_dataframe().rename_axis("step").to_csv(model_path)
        collector.get_agent_vars_dataframe().to_csv(agent_path)
    except OSError as exc:
        raise UsageError(f"--csv {folder}: cannot write: {exc.strerror or exc}") from None
    return [model_path, agent_path]


def check_screenshot(shot: Path) -> None:
    """Refuse a screenshot path that cannot be written before any game is played: the folder is
    not created for the user (a typo in it would otherwise leave the picture somewhere unexpected)."""
    if shot.suffix.lower() != ".png":
        raise UsageError(f"--screenshot {shot}: the file name must end in .png")
    if shot.is_dir():
        raise UsageError(f"--screenshot {shot}: is a folder; give a file name ending in .png")
    folder = shot.parent
    if not folder.is_dir():
        raise UsageError(f"--screenshot {shot}: the folder {folder} does not exist (create it first)")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--screenshot {shot}: the folder {folder} is not writable")


def run_play(args) -> str:
    """The desktop game. pygame is imported only here, so the other commands never load it."""
    from game.scenario import load_scenario

    if args.screenshot is not None:
        check_screenshot(Path(args.screenshot))
    scenario = load_scenario(args.scenario)  # a bad scenario is a usage error before any window opens
    if args.autoplay and args.autoplay > scenario.scenario.turns:
        raise UsageError(f"--autoplay {args.autoplay}: the scenario '{scenario.scenario.name}' has "
                         f"{scenario.scenario.turns} turns")
    countries = [c.id for c in scenario.countries]
    unknown = [c for c in args.humans if c not in countries]
    if unknown:
        raise UsageError(f"--humans: no country {', '.join(unknown)} in scenario '{scenario.scenario.name}' "
                         f"(countries: {', '.join(countries)})")
    from game.ui.app import NoDisplay, play

    try:
        play(args.scenario, args.seed, args.lang, args.autoplay or 0, args.screenshot, humans=args.humans,
             difficulty=args.difficulty, window="fullscreen" if args.fullscreen else args.size)
    except NoDisplay as exc:
        raise UsageError(f"play: cannot open a window ({exc}). The desktop game needs a display; "
                         "on a machine without one, run it under Xvfb (apt-get install xvfb; "
                         "Xvfb :99 & DISPLAY=:99 python main.py), or use `python main.py sim`") from None
    except OSError as exc:
        raise UsageError(f"play: {exc}") from None
    return ""


def _listing_order(scenario) -> tuple:
    """Lessons after the other scenarios and in their teaching order (Lesson 1, 2, 3, 4 by the
    number in the title), not by file name, which put lesson 4 (export_controls) second."""
    number = re.match(r"Lesson (\d+)", scenario.scenario.title_en)
    return (number is not None, int(number.group(1)) if number else 0, scenario.scenario.name)


def run_scenarios(args) -> str:
    from game.scenario import list_scenarios

    lines = [tr("scenarios", args.lang)]
    for s in sorted(list_scenarios(), key=_listing_order):
        meta = s.scenario
        korean = args.lang == "ko"
        title, text = (meta.title_ko, meta.description_ko) if korean else (meta.title_en, meta.description_en)
        lines.append(f"  {meta.name:<14} {title} ({meta.start}, {meta.turns} {tr('turns', args.lang)}): {text}")
        if s.lesson:  # a classroom scenario: its briefing, to read out before play
            brief = s.lesson.briefing_ko if korean else s.lesson.briefing_en
            lines += textwrap.wrap(brief, 100, initial_indent="      ", subsequent_indent="      ")
    return "\n".join(lines)


BROKEN_PIPE = 1  # what Python itself exits with when stdout's reader has gone (the docs' recipe)


def main(argv: list[str] | None = None) -> int:
    """Run one command. A reader that stops early (`python main.py sim | head -2`) is not an
    error of ours: the rest of the output is dropped quietly, without a traceback. Nor is Ctrl-C
    where a command does not handle it itself (a sim, the tournament's board being printed after
    its games are recorded): exit code 130, no traceback."""
    try:
        code = dispatch(argv)
        sys.stdout.flush()  # a buffered tail written at exit would fail outside this handler
    except BrokenPipeError:
        quiet_stdout()
        return BROKEN_PIPE
    except KeyboardInterrupt:
        with contextlib.suppress(Exception):
            print("interrupted", file=sys.stderr)
        return INTERRUPTED
    return code


def is_scenario_error(exc: BaseException) -> bool:
    """A game.scenario.ScenarioError (a usage error). The module is imported only by the commands
    that read a scenario, so `--help` or a mistyped flag does not load pydantic and numpy (~0.2 s
    of CPU); an error of that class can only come from a command that has imported it."""
    scenario = sys.modules.get("game.scenario")
    return scenario is not None and isinstance(exc, scenario.ScenarioError)


def quiet_stdout() -> None:
    """Point stdout at the null device so that Python's own flush at exit cannot fail again
    (https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test's StringIO)
        pass


def dispatch(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["play", *argv]  # `python main.py --lang ko`: the desktop game's options, as `play --lang ko`
    args = parser.parse_args(argv)
    if args.command is None:  # no arguments: the desktop game
        args = parser.parse_args(["play", *argv])
    try:
        runner = {"scenarios": run_scenarios, "replay": run_replay, "report": run_report, "play": run_play,
                  "handouts": run_handouts,
                  "tournament": run_tournament,
                  "train": run_train, "classroom": run_classroom}.get(args.command, run_sim)
        out = runner(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except EnvironmentFailure as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ENVIRONMENT_FAILED
    except Exception as exc:
        if not is_scenario_error(exc):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    if out:
        print(out)
    return 0
