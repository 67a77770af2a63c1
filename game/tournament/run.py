"""The tournament command: plan the games (every strategy on the same seeds, drawn here in the
parent; with several `--seat`s, every combination of the seats' strategies on those seeds:
crossplay.py), skip those already in the database, run the rest in batches on a backend, record
each batch as it finishes, then print the leaderboard (a board per seat, and the payoff matrices),
write games.csv (payoffs.csv) and the plots."""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from game.tournament import crossplay, meta, verify
from game.tournament import store as store_module
from game.tournament import strategies as strategy_specs
from game.tournament.arguments import BACKENDS
from game.tournament.crossplay import Design, DesignError
from game.tournament.store import Store, StoreError
from game.tournament.tasks import lineup, seats

# The per-game hard limit the parent enforces on local workers (backends.run_local), from the
# decision limit: every decision of a game could take nearly the whole limit, so a game is allowed
# twice that and a minute more before its worker is killed.
GAME_LIMIT_FACTOR = 2.0
GAME_LIMIT_SLACK = 60.0


class TournamentUsageError(ValueError):
    """A mistake in the command, or results that cannot be kept where asked (shown as it is, exit
    code 2; game/cli.py maps it)."""


class TournamentEnvironmentError(RuntimeError):
    """The command was right but the machine let it down: the results cannot be kept (a full
    disk, an I/O error, a damaged database) or the board's files cannot be written next to them.
    Shown as it is, exit code 1 (game/cli.py maps it); every game recorded before is kept."""


# What a StoreError means to the user (assets/strings: tournament.store.<kind>). A read-only results
# folder is an --out that cannot be written, a usage error as everywhere else; the rest are the
# environment's.
STORE_KINDS = ("read_only", "damaged", "full", "io")
USAGE_KINDS = ("read_only",)


@dataclass
class Options:
    strategies: list[str]
    seeds: int
    out: Path
    role: str = "KOR"
    scenario: str = "baseline"
    workers: int | None = None  # None: all cores; 0: in this process
    batch_size: int | None = None  # None: automatic (5-25 games per task)
    master_seed: int = 2025
    decision_timeout: float | None = 5.0
    backend: str = "local"
    address: str | None = None
    lang: str = "en"
    plots: bool = True
    progress: bool = True
    restart: bool = False  # rename an existing results.sqlite aside and start afresh
    verify: int = 0  # on a code/library change only: re-play this many recorded games, go on if equal
    difficulty: str = "normal"  # the role's state money and its rivals' (assets/difficulty.toml)
    tasks_per_child: int | None = None  # local workers live for the run; 1: a fresh one per batch (backends.py)
    game_limit: float | None = None  # seconds a game may run in a local worker; None: from the decision limit
    # Cross-play (crossplay.py): {country: [strategies]} for the named seats; then `strategies` stays
    # empty and `role` unused. One seat is the one-seat tournament (its rows are the same games).
    seats: dict[str, list[str]] | None = None
    ecological: int = 0  # generations of an ecological tournament on the payoffs (ecology.py); 0: none
    # Cross-play only: play, for every seat's every strategy, this many sampled profiles of the other
    # seats instead of every combination (crossplay.sample_backgrounds); 0: every combination.
    background: int = 0
    quarters: bool = False  # record each named seat's score and Actions quarter by quarter (quarters.csv)


@dataclass
class Outcome:
    boards: list = field(default_factory=list)
    text: str = ""
    played: int = 0
    skipped: int = 0
    seconds: float = 0.0
    written: list[Path] = field(default_factory=list)
    interrupted: bool = False
    todo: int = 0  # games this run set out to play
    notes: list[str] = field(default_factory=list)  # said before the footer (e.g. where --restart moved things)
    designs: list[Design] = field(default_factory=list)  # what was played: one per role, or the cross-play
    rows: list[list[dict]] = field(default_factory=list)  # per design, its recorded rows on this run's seeds
    labels: dict[str, str] = field(default_factory=dict)  # strategy -> its short label (its `name`)
    evaluation: object = None  # a cross-play's empirical.Evaluation (focal scores, regret, alpha-rank, welfare)
    quarters: list[dict] = field(default_factory=list)  # the quarters table's rows (--quarters), this scenario's
    _payoffs: list[list[crossplay.Payoff]] | None = field(default=None, repr=False)

    @property
    def payoffs(self) -> list[list[crossplay.Payoff]]:
        """Per design, a Payoff per combination (crossplay.payoff_table on its rows), made when
        first asked for: a one-seat command-line run without --ecological never needs them."""
        if self._payoffs is None:
            self._payoffs = [crossplay.payoff_table(rows, design)  # no rows: an interrupted run, no payoffs
                             for design, rows in zip(self.designs, self.rows, strict=False)]
        return self._payoffs


def draw_seeds(master_seed: int, n: int) -> list[int]:
    """n game seeds from one master seed, in the parent. The first k seeds of a larger draw are the
    k seeds of a smaller one, so `--seeds 400` after `--seeds 200` plays only the 200 new seeds."""
    words = np.random.SeedSequence(master_seed).generate_state(n, dtype=np.uint64) if n else []
    return [int(w) >> 1 for w in words]  # SQLite integers and World seeds are below 2**63


def plan(designs: list[Design], seeds: list[int], done: set[tuple[str, str, str, int]]) -> list[tuple]:
    """Games not yet played, design by design (role by role), each seed-major (so an interrupted
    run leaves paired seeds complete). `done`: Store.finished_keys; a game is done when every named
    seat has its row."""
    return [g for design in designs for g in design.games(seeds)
            if not all((lineup(g), role, strategy, g[2]) in done for role, strategy in seats(g))]


TAIL_PARTS = 4


def batches_of(games: list, size: int, workers: int = 0) -> list[list]:
    """Consecutive games of one strategy and role travel together (one import of user code).
    With `workers`, the last two rounds of batches are cut into quarters, so the workers finish
    together: a full last batch would leave the others idle for up to a batch's time (~1 s)."""
    by_key: dict[tuple[str, str], list] = {}
    for game in games:
        by_key.setdefault(game[:2], []).append(game)
    chunks = [(i, key, group[i:i + size]) for key, group in by_key.items() for i in range(0, len(group), size)]
    order = {key: n for n, key in enumerate(by_key)}
    chunks.sort(key=lambda c: (c[0], order[c[1]]))
    batches = [c[2] for c in chunks]
    tail = 2 * workers
    if not tail or len(batches) <= tail:
        return batches
    part = max(1, -(-size // TAIL_PARTS))
    return batches[:-tail] + [b[i:i + part] for b in batches[-tail:] for i in range(0, len(b), part)]


def auto_batch(total: int, workers: int) -> int:
    """5-25 games per task: enough to amortise a task's round trip (and, with `tasks_per_child=1`,
    a fresh worker: ~10-15 ms to fork, ~8 ms more for its cold first game), small enough for a
    smooth progress bar (the tail is cut finer)."""
    return max(5, min(25, total // max(1, 4 * max(workers, 1)) or 5))


def validate(options: Options):
    """The scenario, the roles played, the designs (one per role, or the cross-play's one) and the
    strategies' short labels; any mistake in the command is a TournamentUsageError (exit 2)
    before anything is written."""
    from game.scenario import load_scenario

    scenario = load_scenario(options.scenario)  # ScenarioError -> exit 2 in the CLI
    countries = [c.id for c in scenario.countries]
    if options.seats is not None:
        if options.strategies:
            raise TournamentUsageError("--seat and --strategies: name the strategies of each seat with --seat "
                                       "(--seat KOR=a,b --seat USA=c,d), or one role's with --role and --strategies")
        try:
            design = crossplay.make_design(options.seats, countries, options.scenario)
            if options.background:
                if len(design.seats) < 2:
                    raise DesignError("--background: sample the other seats' profiles of a head-to-head "
                                      "tournament; name at least two seats with --seat")
                design = crossplay.sample_backgrounds(design, options.background, options.master_seed)
        except DesignError as exc:
            raise TournamentUsageError(str(exc)) from None
        designs = [design]
        roles = design.roles
    else:
        roles = countries if options.role.lower() == "all" else [options.role.upper()]
        for role in roles:
            if role not in countries:
                raise TournamentUsageError(f"--role: no country '{role}' in scenario '{options.scenario}' "
                                           f"(countries: {', '.join(countries)}, or all)")
        if options.background:
            raise TournamentUsageError("--background: only for a head-to-head tournament (--seat CODE=A,B "
                                       "for two seats or more)")
        if not options.strategies:
            raise TournamentUsageError("--strategies: name at least one strategy")
        if len(set(options.strategies)) != len(options.strategies):
            raise TournamentUsageError("--strategies: a strategy is named twice")
        designs = [Design(((role, tuple(options.strategies)),)) for role in roles]
    labels: dict[str, str] = {}
    for design in designs:
        for role, specs in design.seats:
            flag = "--strategies" if options.seats is None else f"--seat {role}"
            for spec in specs:
                if strategy_specs.is_plugin(spec) and spec in labels:
                    continue  # a plug-in is the same for every role: loaded once
                try:
                    labels[spec] = strategy_specs.check(spec, role)
                except strategy_specs.SpecError as exc:
                    raise TournamentUsageError(f"{flag}: {exc}") from None
    if options.backend not in BACKENDS:
        raise TournamentUsageError(f"--backend {options.backend}: choose one of {', '.join(BACKENDS)}")
    from game.tournament.backends import BackendMissing, require

    try:
        require(options.backend)
    except BackendMissing as exc:
        raise TournamentUsageError(str(exc)) from None
    return scenario, roles, designs, unique_labels(labels)


def unique_labels(labels: dict[str, str]) -> dict[str, str]:
    """Short labels, except where two strategies would share one: those keep their specs."""
    count: dict[str, int] = {}
    for text in labels.values():
        count[text] = count.get(text, 0) + 1
    return {spec: text if count[text] == 1 else spec for spec, text in labels.items()}


def open_store(options: Options, scenario, roles: list[str], outcome: Outcome, strategies: list[str]) -> Store:
    """The database in --out, after checking that its games were played under this run's setup
    (tournament/meta.py). A mismatch, or games of unknown setup, is a usage error that changes
    nothing; --restart first renames the old database aside. `strategies`: every strategy played,
    in the order first named."""
    from game.scenario import scenario_hash
    from game.text import tr

    wanted = meta.describe(options.scenario, scenario_hash(options.scenario), scenario.scenario.turns,
                           options.decision_timeout, strategies, roles,
                           options.master_seed, options.difficulty)
    database = options.out / "results.sqlite"
    lang = options.lang
    try:
        options.out.mkdir(parents=True, exist_ok=True)
        if options.restart and database.exists():
            outcome.notes.append(tr("tournament.restarted", lang).format(path=store_module.set_aside(database)))
        store = Store(database)
    except OSError as exc:
        raise TournamentUsageError(f"--out {options.out}: cannot write there: {exc.strerror or exc}") from None
    except StoreError as exc:
        if exc.kind == "not_database":
            raise TournamentUsageError(tr("tournament.not_a_database", lang).format(db=database, error=exc.detail)) \
                from None
        raise
    try:
        recorded, games = store.meta(), store.count()
    except StoreError:
        store.close()
        raise
    if games and recorded is None:
        store.close()
        raise TournamentUsageError(tr("tournament.meta_missing", lang).format(db=database, games=games))
    differences = meta.differences(recorded or {}, wanted) if games else []
    if differences and options.verify and verify.can_verify(differences):
        from game.tournament.tasks import Config

        rows = verify.sample(store.rows(options.scenario), strategies, options.verify)
        moved = verify.first_difference(rows, Config(options.scenario, options.decision_timeout, os.getcwd(),
                                                     scenario, options.difficulty))
        if moved:
            store.close()
            raise TournamentUsageError(tr("tournament.verify_failed", lang).format(n=len(rows), game=moved))
        outcome.notes.append(tr("tournament.verified", lang).format(n=len(rows)))
        differences = []
    if differences:
        store.close()
        lines = "\n".join(tr("tournament.meta_line", lang).format(what=what, old=old, new=new)
                          for what, old, new in differences)
        hint = "\n" + tr("tournament.meta_verify_hint", lang) if verify.can_verify(differences) else ""
        raise TournamentUsageError(tr("tournament.meta_mismatch", lang).format(db=database, lines=lines) + hint)
    store.write_meta(meta.merged(recorded or {}, wanted) if games else wanted)
    return store


def run_tournament(options: Options) -> Outcome:
    """Play the tournament and make its board. A StoreError (the results cannot be kept) becomes
    a TournamentEnvironmentError (a TournamentUsageError for a read-only folder) saying what
    happened and that the recorded games are kept; a Ctrl-C
    outside the games (while checking strategies, or while drawing the board) ends the run as an
    interrupted one."""
    from game.text import tr
    from game.tournament.backends import CtrlC

    outcome = Outcome()
    try:
        with CtrlC() as ctrl_c:
            return _run(options, outcome, ctrl_c)
    except StoreError as exc:
        kind = exc.kind if exc.kind in STORE_KINDS else "io"
        message = tr(f"tournament.store.{kind}", options.lang).format(db=exc.path, detail=exc.detail,
                                                                      done=outcome.played)
        raise (TournamentUsageError if kind in USAGE_KINDS else TournamentEnvironmentError)(message) from None
    except KeyboardInterrupt:
        outcome.interrupted = True
        outcome.text = tr("tournament.interrupted", options.lang).format(done=outcome.played)
        return outcome


def game_limit(options: Options, turns: int) -> float | None:
    """Seconds one game may take in a local worker before the parent kills it."""
    if options.game_limit is not None:
        return options.game_limit or None
    if not options.decision_timeout:
        return None
    return GAME_LIMIT_FACTOR * turns * options.decision_timeout + GAME_LIMIT_SLACK


def _run(options: Options, outcome: Outcome, ctrl_c) -> Outcome:
    from game.tournament import backends

    if options.backend == "local" and options.workers != 0:
        backends.start_forkserver()  # it imports the game while we validate
    scenario, roles, designs, labels = validate(options)
    if options.seats is not None and len(designs[0].seats) == 1:  # one seat: the one-seat tournament, exactly
        (role, specs), = designs[0].seats
        options = dataclasses.replace(options, role=role, strategies=list(specs), seats=None)
    outcome.designs, outcome.labels = designs, labels
    store = open_store(options, scenario, roles, outcome,
                       list(dict.fromkeys(s for d in designs for s in d.strategies)))
    try:
        _play(options, scenario, designs, store, outcome, ctrl_c)
        if len(designs[0].seats) > 1:
            _report_crossplay(options, scenario, designs[0], store, outcome)
        else:
            _report(options, roles, store, outcome)
    finally:
        store.close()
    return outcome


def _play(options: Options, scenario, designs: list[Design], store: Store, outcome: Outcome, ctrl_c) -> None:
    """The games not yet in the database, recorded batch by batch as they finish."""
    from game.tournament import backends
    from game.tournament.tasks import Config

    seeds = draw_seeds(options.master_seed, options.seeds)
    todo = plan(designs, seeds, store.finished_keys(options.scenario))
    outcome.skipped = sum(len(d.combinations()) for d in designs) * len(seeds) - len(todo)
    per_game = len(designs[0].seats)  # rows a game gives: one per named seat
    workers = (os.cpu_count() or 1) if options.workers is None else options.workers
    size = options.batch_size or auto_batch(len(todo), workers)
    config = Config(options.scenario, options.decision_timeout, os.getcwd(), scenario, options.difficulty,
                    options.quarters)
    start = time.perf_counter()
    interrupted = False
    if todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), unit="game", file=sys.stderr, disable=not options.progress,
                   dynamic_ncols=True, smoothing=0.1)

        def record(rows: list[dict]) -> None:
            store.add(rows)
            outcome.played += len(rows) // per_game
            bar.update(len(rows) // per_game)

        try:
            chunks = batches_of(todo, size, workers)
            if options.backend == "local":
                backends.run_local(config, chunks, workers, record, options.tasks_per_child,
                                   game_limit(options, scenario.scenario.turns), ctrl_c)
            elif options.backend == "dask":
                backends.run_dask(config, chunks, workers, record, options.address)
            else:
                backends.run_ray(config, chunks, workers, record, options.address)
        except (backends.BackendMissing, backends.Unreachable) as exc:
            raise TournamentUsageError(str(exc)) from None
        except backends.Interrupted:
            interrupted = True
        finally:
            bar.close()
    outcome.seconds = time.perf_counter() - start
    outcome.interrupted = interrupted
    outcome.todo = len(todo)


def _report(options: Options, roles: list[str], store: Store, outcome: Outcome) -> None:
    """The board (and plots, games.csv) from every recorded game of this run's strategies and seeds."""
    from game.tournament.stats import leaderboard, render

    seeds = draw_seeds(options.master_seed, options.seeds)
    every = store.rows(options.scenario)
    outcome.rows = [crossplay.design_rows(every, design, seeds) for design in outcome.designs]
    texts = []
    shown = _shown(options)
    for role, rows in zip(roles, outcome.rows, strict=True):  # a design per role
        board = leaderboard(rows, options.strategies, role, options.scenario)  # rows name the scenario as run
        board.scenario = shown
        outcome.boards.append(board)
        texts.append(render(board, options.lang))
        if options.plots and rows:
            from game.tournament.plots import write_plots

            outcome.written += _writing(options.out, write_plots, board, rows, options.out, options.lang)
    outcome.written.insert(0, _writing(options.out, store.export_csv, options.out / "games.csv"))
    if options.ecological:
        for design, table in zip(outcome.designs, outcome.payoffs, strict=True):
            texts.append(_ecology(options, design, table, {}))
    _finish(options, texts, outcome, store)


def _shown(options: Options) -> str:
    """The scenario as the boards and plots name it: with the difficulty when not normal."""
    shown = options.scenario
    if options.difficulty != "normal":
        from game.difficulty import levels

        level = levels()[options.difficulty]
        shown += f" ({level.name_ko if options.lang == 'ko' else level.name_en})"
    return shown


def _report_crossplay(options: Options, scenario, design: Design, store: Store, outcome: Outcome) -> None:
    """A board per seat (its strategies pooled over the opponents they met, paired on seed and
    opponents), the payoff matrices (crossplay.render_payoffs), payoffs.csv beside games.csv, the
    plots per seat, and with --ecological the shares over generations."""
    from game.text import strategy_name, tr
    from game.tournament.stats import render

    seeds = draw_seeds(options.master_seed, options.seeds)
    rows = crossplay.design_rows(store.rows(options.scenario), design, seeds)
    outcome.rows = [rows]
    lang = options.lang
    names = {c.id: c.name_ko for c in scenario.countries} if lang == "ko" else {}
    labels = {s: strategy_name(text, lang) if not strategy_specs.is_plugin(s) else text
              for s, text in outcome.labels.items()}
    texts = []
    for role, _ in ([] if design.sampled else design.seats):  # sampled: the focal table instead (empirical.py)
        board = crossplay.seat_board(rows, design, role, options.scenario, len(seeds))
        board.scenario = _shown(options)
        outcome.boards.append(board)
        others = len(design.combinations()) // len(design.strategies_of(role))
        texts.append(render(board, lang, labels) + "\n" + tr("tournament.payoffs.seat_board", lang).format(
            seat=names.get(role, role), seeds=len(seeds), opponents=others))
        mine = [r for r in rows if r["role"] == role and r["outcome"] != "void"]
        if options.plots and mine:
            from game.tournament.plots import write_plots

            outcome.written += _writing(options.out, write_plots, board, mine, options.out, lang)
    table = outcome.payoffs[0]
    if not design.sampled:
        texts.append(crossplay.render_payoffs(table, design, len(seeds), lang, labels, names))
    if options.ecological:
        texts.append(_ecology(options, design, table, names, labels))
    if rows:
        from game.tournament import empirical

        outcome.evaluation = result = empirical.evaluate(rows, design, table, seeds)
        texts.append(empirical.render(result, lang, labels, names))
        outcome.written += [_writing(options.out, empirical.write_csv, options.out / "evaluation.csv",
                                     empirical.focal_lines(result)),
                            _writing(options.out, empirical.write_csv, options.out / "welfare.csv",
                                     empirical.welfare_lines(result))]
    outcome.written.insert(0, _writing(options.out, store.export_csv, options.out / "games.csv"))
    outcome.written.insert(1, _writing(options.out, crossplay.write_payoffs, options.out / "payoffs.csv",
                                       table, design))
    _finish(options, texts, outcome, store)


def _ecology(options: Options, design: Design, table: list, names: dict,
             labels: dict | None = None) -> str:
    """--ecological N: the replicator dynamics on the payoffs (ecology.py), as a table."""
    from game.text import tr

    history = crossplay.ecosystem(table, design, options.ecological)
    if history is None:
        missing = sum(1 for p in table if any(c.games == 0 for c in p.cells.values()))
        return tr("tournament.ecology.incomplete", options.lang).format(missing=missing)
    return crossplay.render_ecology(history, design, options.lang, labels or {}, names)


def _finish(options: Options, texts: list[str], outcome: Outcome, store: Store | None = None) -> None:
    """The report's text: the tables, then the footer (games played, files written, notes);
    quarters.csv beside games.csv when any game recorded its quarters."""
    from game.text import tr

    if store is not None and store.has_quarters():
        outcome.written.insert(1, _writing(options.out, store.export_quarters, options.out / "quarters.csv"))
        outcome.quarters = store.quarter_rows(options.scenario)

    if not outcome.todo:
        texts.insert(0, tr("tournament.nothing_to_do", options.lang))
    footer = [f"{outcome.played} games played in {outcome.seconds:.1f} s"
              + (f" ({outcome.played / outcome.seconds:.1f} games/s)" if outcome.played and outcome.seconds else "")
              + f", {outcome.skipped} already in the database; results: {options.out / 'results.sqlite'}"]
    footer += [f"{tr('wrote', options.lang)} {p}" for p in outcome.written] + outcome.notes
    if outcome.interrupted:
        footer.append(tr("tournament.interrupted", options.lang).format(done=outcome.played))
    outcome.text = "\n\n".join(texts) + "\n\n" + "\n".join(footer)


def _writing(folder: Path, write, *args):
    """Files written next to the database; a full disk or a folder gone read-only says so (the
    folder took the database a moment ago, so this is the environment's failure, not the command's)."""
    try:
        return write(*args)
    except OSError as exc:
        raise TournamentEnvironmentError(f"--out {folder}: cannot write the board's files there "
                                         f"({exc.strerror or exc}); every finished game is recorded in "
                                         "results.sqlite") from None


def options_from(args) -> Options:
    """The Options of a `tournament` command line; a mistake is a TournamentUsageError before
    anything is read or written."""
    if not args.out.strip():
        raise TournamentUsageError("--out: name a folder for the results (an empty name would write into the "
                                   "current folder)")
    seats = None
    if args.seat:  # with --strategies too: refused by validate
        if args.role is not None:
            raise TournamentUsageError("--seat and --role: --seat names the seats played; leave out --role")
        try:
            seats = crossplay.parse_seats(args.seat)
        except DesignError as exc:
            raise TournamentUsageError(str(exc)) from None
    elif args.strategies is None:
        raise TournamentUsageError("name the strategies: --strategies A,B,... (with --role), or --seat CODE=A,B,... "
                                   "for each seat of a head-to-head tournament")
    from agents.controllers import split_specs

    strategies = split_specs(args.strategies or "")  # a strategy's parameters may hold commas
    return Options(strategies=strategies, seeds=args.seeds,
                   out=Path(args.out), role=args.role or "KOR", scenario=args.scenario, workers=args.workers,
                   batch_size=args.batch or None, master_seed=args.master_seed,
                   decision_timeout=args.decision_timeout or None, backend=args.backend, address=args.address,
                   lang=args.lang, plots=not args.no_plots, progress=not args.quiet,
                   restart=args.restart, verify=args.verify or 0, difficulty=args.difficulty, seats=seats,
                   ecological=args.ecological or 0, background=args.background or 0, quarters=args.quarters)
