"""The lever-effect table (issue 13, "Checks that must hold"): what each lever does, alone, on paired seeds.

    python benchmarks/bench_levers.py [--seeds 20] [--workers 2] [--scenario baseline] [--write]

For every lever (every Action kind a country can pull) played ALONE from the first quarter at a
stated setting (rates at half and at full of the Action's own upper bound, so that a dose-response
shows), against the same seed with nothing pulled (Korea by `laissez_faire`, every other country
by its `default`), on paired seeds: the model draws every event and shock from per-source streams
(game/streams.py), so the two games of a seed share their history. Reported per lever setting, as
the mean of the per-seed differences (treated minus control) with a 95% Student-t interval:

1. the indicators the lever is meant to move (declared below in `lever_configs`, with the expected
   sign and the smallest effect that counts), at mid-term (quarter `--mid`, 8) and at the end of
   the term, each judged `ok`, `INERT` (the interval includes zero, or the mean is below the stated
   threshold) or `WRONG SIGN` (the interval excludes zero on the other side, beyond the threshold);
2. every component of the Team Korea index and the index itself at the end (and the index at
   mid-term);
3. the priming-water chain: the foundry subsidy at full for the first 8 quarters and then none,
   against nothing: the home foundry's yield and its non-Korean customers at the end;
4. "no fixed setting wins": team_korea, benchmarks/plugins/max_everything.py:MaxEverything,
   laissez_faire, only_procurement and (when agents/controllers.py has it) `adaptive`: the mean
   index with its interval and every paired difference with its interval.

Games run in `--workers` processes (forkserver; each worker imports the game itself), one task per
seed holding every configuration of that seed. `--write` also writes docs/levers.md with a header
saying how it was made. The numbers belong to the model of the day: re-run when the economy changes.

What is read, and from where. Most numbers come from the World's stable public attributes:
`world.indicators` (every country's indicators), `world.current` (shares, prices, the Korea index)
and `world.scores`. What they do not hold is read through ACCESSORS below, each of which returns None
(reported as "not exposed") when the model no longer has what it reads, so that this file keeps
running as the mechanisms change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.reporting import git_describe, publish, source_digest  # noqa: E402

PLUGINS = ROOT / "benchmarks" / "plugins"
DOC = ROOT / "docs" / "levers.md"
HOME = "KOR"

# ---------------------------------------------------------------------------------------------
# ACCESSORS: every number read from somewhere other than world.indicators / world.current /
# world.scores. Each takes the finished (or paused) world and returns a value or None.
#
#   home_firms       each home firm's kind, capacity, cash, output, price and alive, as the country's
#                    controller sees them: Governance.observe(country).home_firms (a public method
#                    of the Action seam, but not in the list of stable World attributes).
#   yield            a foundry's or HBM maker's yield: the agent attribute `yield_` (INTERNAL: for
#                    a foundry, the reference die's yield on its newest node running; an HBM
#                    maker's, its newest generation's).
#   nodes            a foundry's yield (reference die) and wafers run since the start per node class:
#                    `die_yield`, `reference_area` and `nodes[...]["volume"]` (INTERNAL). The
#                    priming water's volume mostly runs on an older node than the newest.
#   other_customers  a foundry's share of the quarter's non-AI leading-edge wafer orders (the pool:
#                    phones, PCs, networking) from every segment but Korea's own (`world.pool`,
#                    INTERNAL: `wafers_by_foundry(world, foreign_of="KOR")`): customers the
#                    subsidy does not pay, so the best proxy the state gives for "foundry revenue
#                    excluding Korean designers' purchases".
#   events           the events fired, (quarter, event id): world.causes entries with source
#                    "event" (the cause log the README documents).
#
# Not exposed at all (the table says so where a lever's seed target needs it): a
# foundry's revenue by customer (so its revenue excluding Korean designers' purchases); each buyer's
# purchases by the chip's or the HBM's country (US and Chinese buyers' purchases of Korean chips);
# a designer's chip performance and its unit costs.
# ---------------------------------------------------------------------------------------------


def _firm(world, name: str):
    by_name = getattr(world, "by_name", None)
    return by_name.get(name) if isinstance(by_name, dict) else None


def home_firms(world, country: str) -> dict[str, dict] | None:
    try:
        return {name: dict(f) for name, f in world.governance.observe(country).home_firms.items()}
    except Exception:
        return None


def firm_yield(world, name: str) -> float | None:
    value = getattr(_firm(world, name), "yield_", None)
    return float(value) if isinstance(value, int | float) else None


def node_state(world, name: str) -> dict[str, dict[str, float]] | None:
    """A foundry's yield (the reference die's) and wafers run since the start, per node class:
    the chain's second link (volume -> yield) where the subsidy bought the volume, which the
    newest node's yield (`yield`) does not show while the subsidised designs run on an older one."""
    firm = _firm(world, name)
    nodes, die_yield = getattr(firm, "nodes", None), getattr(firm, "die_yield", None)
    area = getattr(firm, "reference_area", None)
    if not isinstance(nodes, dict) or die_yield is None or area is None:
        return None
    try:
        return {node: {"yield": float(die_yield(node, area)), "volume": float(state["volume"])}
                for node, state in nodes.items()}
    except (KeyError, TypeError, ValueError):
        return None


def other_customers(world, name: str) -> float | None:
    """The foundry's share of this quarter's pool orders from every segment but Korea's own."""
    firm, pool = _firm(world, name), getattr(world, "pool", None)
    foundries = getattr(world, "foundries", None)
    if firm is None or pool is None or foundries is None or not hasattr(pool, "wafers_by_foundry"):
        return None
    orders = pool.wafers_by_foundry(world, foreign_of=HOME)
    total = float(orders.sum())
    return float(orders[foundries.index(firm)]) / total if total > 0 else 0.0


def events_fired(world) -> list[tuple[int, str]] | None:
    causes = getattr(world, "causes", None)
    if causes is None:
        return None
    fired = []
    for turn, entries in enumerate(causes):
        for entry in entries:
            if entry.get("source") == "event":
                fired.append((turn, str(entry.get("params", {}).get("event", entry.get("key")))))
    return fired


ACCESSORS: dict[str, Callable] = {"home_firms": home_firms, "yield": firm_yield, "nodes": node_state,
                                  "other_customers": other_customers, "events": events_fired}


# --------------------------------------------------------------------------------- declarations

@dataclass(frozen=True)
class Target:
    """An indicator a lever is meant to move: the metric's name (see `measure`), the expected sign
    (+1 up, -1 down), the smallest effect that counts (in the metric's units), and whether it is
    judged (a context row is reported but cannot flag the lever)."""

    metric: str
    sign: int
    threshold: float
    judged: bool = True
    note: str = ""


@dataclass(frozen=True)
class Config:
    """One treated game per seed: `actions(obs)` pulled by `country` on its first decision and held,
    or a whole controller (`controller`: a strategy, or a plug-in that times its lever itself)."""

    name: str
    lever: str
    setting: str
    country: str = HOME
    actions: Callable | None = None
    controller: Callable | None = None
    targets: tuple[Target, ...] = ()
    group: str = "lever"  # "lever", "chain" or "strategy"
    dose_of: str | None = None  # the same lever at a lower setting: the dose-response pair


# Smallest effects that count (units of the metric): stated in the table.
SHARE = 0.001        # 0.1 percentage point of a share (0-1)
SMALL_SHARE = 0.0005  # 0.05 pp, for the Korean accelerator share (about 0.2% at the start)
YIELD = 0.001        # 0.1 pp of yield
CASH = 0.001         # US$ 1 M
GDP = 0.001          # US$ 1 M a quarter
CAPACITY = 0.5       # half a unit of capacity (thousand wafers or million GB a quarter)
UNITS = 0.01         # ten units a quarter (thousand units)


def _le(cls, name: str) -> float:
    for meta in cls.model_fields[name].metadata:
        if getattr(meta, "le", None) is not None:
            return float(meta.le)
    raise ValueError(f"{cls.__name__}.{name} has no upper bound")


def _home(obs, *kinds: str) -> list[str]:
    return [n for n, f in obs.home_firms.items() if f["kind"] in kinds and f["alive"]]


def load_plugin(path: Path, cls: str):
    import importlib.util

    name = f"_bench_levers_plugin_{path.stem}"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return getattr(module, cls)


def lever_configs() -> list[Config]:
    """Every lever alone, at its stated settings, with the indicators it is meant to move."""
    from game.actions import (
        BrokerLink,
        CapacitySupport,
        ChipIncentive,
        Convergence,
        Equity,
        ExportControl,
        FoundrySubsidy,
        Procurement,
        RDGrant,
        ServiceIncentive,
        TradeStance,
    )

    configs: list[Config] = []

    def rates(lever, cls, field_name, make, targets, label=""):
        top = _le(cls, field_name)
        for part, word in ((0.5, "half"), (1.0, "full")):
            value = part * top
            configs.append(Config(f"{lever}@{word}{label}", lever, f"{field_name} {value:g} ({word} of max {top:g})"
                                  + (f", {label.strip('_ ')}" if label else ""),
                                  actions=lambda obs, v=value: make(obs, v), targets=targets,
                                  dose_of=f"{lever}@half{label}" if word == "full" else None))

    rates("foundry_subsidy", FoundrySubsidy, "rate", lambda obs, v: [FoundrySubsidy(rate=v)], (
        Target("KOR.foundry_share", +1, SHARE),
        Target("KOR.foundry_yield", +1, YIELD, note="home foundry's yield (accessor)"),
        Target("KOR.foundry_other_customers", +1, SHARE, note="home foundry's non-AI customers (accessor)"),
        Target("KOR.domestic_designers_cash", +1, CASH, judged=False, note="the subsidy lowers their wafer bill"),
    ))
    mixes = (({"leader": 0.5, "domestic": 0.4, "other": 0.1}, "50-40-10", "leader/domestic/other 50/40/10", None),
             ({"domestic": 1.0}, "home100", "domestic 100%", "procurement@50-40-10"))
    for mix, word, said, lower in mixes:
        configs.append(Config(
            f"procurement@{word}", "procurement", f"planned volume, mix {said}", dose_of=lower,
            actions=lambda obs, m=mix: [Procurement(mix=m)] if obs.national_buyer else [],
            targets=(Target("KOR.domestic_compute_share", +1, SHARE),
                     Target("KOR.accelerator_share", +1, SMALL_SHARE),
                     Target("KOR.single_vendor_dependence", -1, SHARE))))
    rates("chip_incentive", ChipIncentive, "rate", lambda obs, v: [ChipIncentive(rate=v)], (
        Target("KOR.llm_domestic_chip_share", +1, SHARE),
        Target("KOR.domestic_compute_share", +1, SHARE),
    ))
    rates("service_incentive", ServiceIncentive, "rate", lambda obs, v: [ServiceIncentive(rate=v)], (
        Target("KOR.domestic_llm_share", +1, SHARE),
        Target("KOR.chain_completeness", +1, SHARE),
    ))
    for usd in (0.02, 0.1):  # team_korea's grant, and five times it (the scenario's reference is 0.15 cumulative)
        configs.append(Config(
            f"rd_grant@{usd:g}", "rd_grant", f"US$ {usd * 1000:g} M a quarter to every home designer",
            dose_of="rd_grant@0.02" if usd != 0.02 else None,
            actions=lambda obs, u=usd: [RDGrant(designer=d, amount=u * obs.usd_rate * 1e9)
                                        for d in _home(obs, "designer")],
            targets=(Target("KOR.accelerator_share", +1, SMALL_SHARE),
                     Target("KOR.domestic_designers_cash", +1, CASH),
                     Target("KOR.designers_output", +1, UNITS, judged=False, note="units built (accessor)"))))
    configs.append(Config(
        "broker_link", "broker_link", "every home designer with every home component supplier",
        actions=lambda obs: [BrokerLink(designer=d, supplier=s) for d in _home(obs, "designer")
                             for s in _home(obs, "component_supplier")
                             if obs.check([BrokerLink(designer=d, supplier=s)]) is None],
        targets=(Target("KOR.suppliers_output", +1, UNITS, note="home suppliers' components sold (accessor)"),
                 Target("KOR.designers_output", +1, UNITS, note="home designers' units built (accessor)"),
                 Target("KOR.accelerator_share", +1, SMALL_SHARE))))
    rates("convergence", Convergence, "intensity",
          lambda obs, v: [Convergence(industry=i, intensity=v) for i in obs.home_industries], (
              Target("KOR.industry_domestic_ai_share", +1, SHARE),
              Target("KOR.gdp_effect", +1, GDP),
          ))
    top = _le(CapacitySupport, "rate")
    for part, word in ((0.5, "half"), (1.0, "full")):
        configs.append(Config(
            f"capacity_support@{word}_hbm", "capacity_support", f"rate {part * top:g} ({word} of max {top:g}), "
            "every home HBM maker",
            dose_of="capacity_support@half_hbm" if word == "full" else None,
            actions=lambda obs, v=part * top: [CapacitySupport(firm=f, rate=v) for f in _home(obs, "hbm_maker")],
            targets=(Target("KOR.hbm_capacity", +1, CAPACITY, note="home HBM makers' capacity (accessor)"),
                     Target("KOR.hbm_share", +1, SHARE))))
    configs.append(Config(
        "capacity_support@full_foundry", "capacity_support", f"rate {top:g} (max), every home foundry",
        actions=lambda obs: [CapacitySupport(firm=f, rate=top) for f in _home(obs, "foundry")],
        targets=(Target("KOR.foundry_capacity", +1, CAPACITY, note="home foundries' capacity (accessor)"),
                 Target("KOR.foundry_share", +1, SHARE))))
    for stance, sign in (("us_aligned", +1), ("china_open", -1)):
        configs.append(Config(
            f"trade_stance@{stance}", "trade_stance", f"{stance} (control: balanced, until laissez_faire answers "
            "the us_asks_allies event)",
            actions=lambda obs, s=stance: [TradeStance(stance=s)],
            targets=(Target("KOR.hbm_share", sign, SHARE, note="proxy: US designers buy most HBM"),
                     Target("KOR.accelerator_share", sign, SMALL_SHARE, judged=False,
                            note="US buyers' favour against China's: net sign open"))))
    configs.append(Config(
        "equity", "equity", "US$ 100 M once to every home designer",
        actions=lambda obs: [Equity(firm=d, amount=0.1 * obs.usd_rate * 1e9) for d in _home(obs, "designer")],
        targets=(Target("KOR.domestic_designers_cash", +1, 0.01),
                 Target("KOR.domestic_designers_alive", +1, 0.05, judged=False,
                        note="survival: moves only where a designer would exit"))))
    configs.append(Config(
        "export_control@USA", "export_control", "USA: every accelerator to CHN (perf_above 0), with its reach",
        country="USA",
        actions=lambda obs: [ExportControl(good="accelerator", to_countries=["CHN"], perf_above=0.0)],
        targets=(Target("CHN.compute_share", -1, SHARE,
                        note="the US objective's aim: controlled compute out of China"),
                 Target("CHN.domestic_compute_share", +1, SHARE),
                 Target("USA.accelerator_share", -1, SHARE, judged=False,
                        note="barely moves: Chinese demand the control turns away goes unmet, not to rivals"),
                 Target("KOR.accelerator_share", -1, SMALL_SHARE, judged=False,
                        note="Korean chips are under the US reach too"))))
    configs.append(Config(
        "capacity_support@host_USA", "capacity_support", f"USA: rate {top / 2:g} (half of max {top:g}) for every "
        "foreign foundry's lines in the US (TSMC Arizona, Samsung Taylor: the CHIPS award's kind)",
        country="USA",
        actions=lambda obs: [CapacitySupport(firm=f, rate=top / 2) for f in obs.hosted_foundries],
        targets=(Target("USA.leading_edge_capacity_share", +1, SHARE,
                        note="capacity standing in the US (docs/model.md, 'Fab location')"),
                 Target("TWN.leading_edge_capacity_share", -1, SHARE, judged=False,
                        note="drawn from Taiwan: TSMC's new lines built in Arizona instead"))))
    # The priming-water chain: the subsidy at full for 8 quarters, then none (a plug-in file).
    full = _le(FoundrySubsidy, "rate")
    configs.append(Config(
        "priming_water", "foundry_subsidy", f"rate {full:g} for quarters 1-8, 0 from quarter 9 "
        "(benchmarks/plugins/priming_water.py:PrimingWater)",
        controller=lambda: load_plugin(PLUGINS / "priming_water.py", "PrimingWater")(),
        targets=(Target("KOR.foundry_yield", +1, YIELD, note="home foundry's yield (accessor)"),
                 Target("KOR.foundry_other_customers", +1, SHARE,
                        note="home foundry's share of non-AI wafer demand (accessor)"),
                 Target("share.foundry.Samsung Foundry", +1, SHARE, judged=False,
                        note="public proxy: revenue share incl. Korean designers and mature nodes"),
                 Target("volume.Samsung Foundry.3nm", +1, 1.0, judged=False,
                        note="thousand wafers run on SF3 since the start (accessor): the subsidy's volume"),
                 Target("yield.Samsung Foundry.3nm", +1, YIELD, judged=False,
                        note="SF3's yield (accessor): where that volume teaches"),
                 Target("volume.Samsung Foundry.2nm", +1, 1.0, judged=False,
                        note="thousand wafers run on SF2 since the start (accessor)"),
                 Target("yield.Samsung Foundry.2nm", +1, YIELD, judged=False,
                        note="SF2's yield (accessor): the newest node, which the yield above reads")),
        group="chain"))
    return configs


def strategy_configs() -> list[Config]:
    """The "no fixed setting wins" comparison (laissez_faire is the control itself)."""
    from agents.controllers import make_controller, strategy_names

    configs = [
        Config("team_korea", "team_korea", "built-in", controller=lambda: make_controller(HOME, "team_korea"),
               group="strategy"),
        Config("max_everything", "max_everything", "benchmarks/plugins/max_everything.py:MaxEverything",
               controller=lambda: load_plugin(PLUGINS / "max_everything.py", "MaxEverything")(), group="strategy"),
        Config("only_procurement", "only_procurement", "built-in",
               controller=lambda: make_controller(HOME, "only_procurement"), group="strategy"),
    ]
    if "adaptive" in strategy_names(HOME):
        configs.append(Config("adaptive", "adaptive", "built-in", controller=lambda: make_controller(HOME, "adaptive"),
                              group="strategy"))
    return configs


def all_configs() -> list[Config]:
    return [*lever_configs(), *strategy_configs()]


# --------------------------------------------------------------------------------- playing

def held_controller(config: Config, base=None):
    """A controller that pulls `config`'s Actions on its first decision and holds them: an event's
    choice that resets its trade stance is answered, then the stance is set again. Other event
    choices are answered as the base (or laissez_faire) answers them, so that the treated game
    differs from the control only by the lever."""
    from agents.controllers import LaissezFaire
    from game.actions import TradeStance

    class Held(LaissezFaire):
        name = f"held:{config.name}"

        def __init__(self) -> None:
            self.pulled: list = []

        def decide(self, obs):
            if obs.turn == 0:
                own = self.pulled = list(config.actions(obs))
            else:
                own = [a for a in self.pulled if isinstance(a, TradeStance) and obs.policy.trade_stance != a.stance]
            return (base.decide(obs) if base else []) + own

        def choose(self, event, obs):
            return base.choose(event, obs) if base else super().choose(event, obs)

    return Held()


def recorded(inner):
    """`inner` as it is, also keeping what its observations said: Actions refused (with the quarter
    they were submitted for: an observation reports last quarter's refusals, so those of the last
    quarter are never seen) and each programme's funded share, quarter by quarter."""
    from agents.controllers import Controller

    class Recorder(Controller):
        name = getattr(inner, "name", "recorded")

        def __init__(self) -> None:
            self.refused: list[dict] = []
            self.funded: dict[str, list[float]] = {}

        def decide(self, obs):
            self.refused += [dict(r, turn=obs.turn) for r in obs.refused]  # submitted for quarter obs.turn
            for programme, share in obs.funded.items():
                self.funded.setdefault(programme, []).append(share)
            return inner.decide(obs)

        def choose(self, event, obs):
            return inner.choose(event, obs)

    return Recorder()


def measure(world) -> dict[str, float]:
    """Every number a table may ask for, flat: "<country>.<indicator>", "index.<component>",
    "score.<country>", "share.<market>.<firm>", and the derived home-firm sums ("KOR.hbm_capacity",
    ...) read through the accessors (absent when not exposed)."""
    values: dict[str, float] = {}
    for country, indicators in world.indicators.items():
        values.update({f"{country}.{k}": float(v) for k, v in indicators.items()})
    values.update({f"score.{c}": float(s) for c, s in world.scores.items()})
    state = world.current
    values.update({f"index.{k}": float(v) for k, v in state.get("korea_index", {}).items()})
    for market, shares in state.get("shares", {}).items():
        values.update({f"share.{market}.{firm}": float(v) for firm, v in shares.items()})
    firms = ACCESSORS["home_firms"](world, HOME)
    if firms is not None:
        def total(kind: str, key: str) -> float:
            return float(sum(f[key] for f in firms.values() if f["kind"] == kind))

        values["KOR.hbm_capacity"] = total("hbm_maker", "capacity")
        values["KOR.foundry_capacity"] = total("foundry", "capacity")
        values["KOR.designers_output"] = total("designer", "output")
        values["KOR.suppliers_output"] = total("component_supplier", "output")
        foundries = [n for n, f in firms.items() if f["kind"] == "foundry"]
        yields = [ACCESSORS["yield"](world, n) for n in foundries]
        if foundries and None not in yields:
            weights = [max(firms[n]["capacity"], 1e-9) for n in foundries]
            values["KOR.foundry_yield"] = sum(w * y for w, y in zip(weights, yields, strict=True)) / sum(weights)
        for name in foundries:
            for node, state in (ACCESSORS["nodes"](world, name) or {}).items():
                values[f"yield.{name}.{node}"] = state["yield"]
                values[f"volume.{name}.{node}"] = state["volume"]
        others = [ACCESSORS["other_customers"](world, n) for n in foundries]
        if foundries and None not in others:
            values["KOR.foundry_other_customers"] = float(sum(others))
    return values


def play(scenario, seed: int, config: Config | None, mid: int, turns: int) -> dict:
    """One game: Korea (or the config's country) by the config, the rest by their defaults.
    Returns the measures at quarter `mid` and at the end, the events fired, refusals, funded shares."""
    from agents.controllers import make_controller
    from game.model import World

    start = time.thread_time()
    controllers = {HOME: make_controller(HOME, "laissez_faire")}
    if config is not None and config.controller is not None:
        controllers[config.country] = config.controller()
    elif config is not None:
        base = make_controller(config.country, "default") if config.country != HOME else None
        controllers[config.country] = held_controller(config, base)
    acting = config.country if config is not None else HOME
    recorder = controllers[acting] = recorded(controllers[acting])
    world = World(scenario, seed, controllers=controllers, tables=False)
    try:
        result: dict = {}
        while not world.finished and world.turn < turns:
            world.step()
            if world.turn == mid:
                result["mid"] = measure(world)
        result["end"] = measure(world)
        result.setdefault("mid", result["end"])
        result["events"] = ACCESSORS["events"](world)
        result["refused"] = recorder.refused
        result["funded"] = {k: sum(v) / len(v) for k, v in recorder.funded.items()}
        result["cpu"] = time.thread_time() - start
        return result
    finally:
        world.close()


_SCENARIOS: dict[str, object] = {}


def play_seed(job: dict) -> dict:
    """A worker's task: the control game and every named configuration on one seed."""
    from game.scenario import load_scenario

    scenario = _SCENARIOS.get(job["scenario"])
    if scenario is None:
        scenario = _SCENARIOS[job["scenario"]] = load_scenario(job["scenario"])
    turns = job.get("turns") or scenario.scenario.turns
    configs = {c.name: c for c in all_configs()}
    games = {"control": play(scenario, job["seed"], None, job["mid"], turns)}
    for name in job["configs"]:
        try:
            games[name] = play(scenario, job["seed"], configs[name], job["mid"], turns)
        except Exception as exc:  # a setting the model no longer accepts: reported, the rest goes on
            games[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return {"seed": job["seed"], "games": games}


def run(scenario: str = "baseline", seeds: list[int] | None = None, configs: list[str] | None = None,
        workers: int = 2, mid: int = 8, turns: int | None = None, context: str = "forkserver") -> dict[int, dict]:
    """Every configuration on every seed: {seed: {config name or "control": game result}}."""
    seeds = list(range(20)) if seeds is None else list(seeds)
    names = [c.name for c in all_configs()] if configs is None else list(configs)
    jobs = [{"scenario": scenario, "seed": s, "configs": names, "mid": mid, "turns": turns} for s in seeds]
    if workers <= 1:
        done = [play_seed(job) for job in jobs]
    else:
        import benchmarks.bench_levers as this  # by its importable name, so workers can unpickle the task

        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(context)) as pool:
            done = list(pool.map(this.play_seed, jobs))
    return {d["seed"]: d["games"] for d in done}


# --------------------------------------------------------------------------------- statistics

def t_quantile(df: int, level: float = 0.95) -> float:
    from scipy.stats import t

    return float(t.ppf(0.5 + level / 2, df))


def t_interval(values: list[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its two-sided Student-t interval; (mean, nan, nan) with fewer than two values."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = math.fsum(values) / n
    if n < 2:
        return mean, math.nan, math.nan
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_quantile(n - 1, level) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


OK, INERT, WRONG = "ok", "INERT", "WRONG SIGN"


def verdict(mean: float, low: float, high: float, sign: int, threshold: float) -> str:
    """WRONG SIGN: the interval excludes zero on the side opposite to `sign` and the effect is at
    least `threshold`; INERT: the interval includes zero (or is undefined) or the effect is below
    `threshold`; ok otherwise."""
    if any(math.isnan(x) for x in (mean, low, high)):
        return INERT
    excludes_zero = low > 0 or high < 0
    if excludes_zero and mean * sign < 0 and abs(mean) >= threshold:
        return WRONG
    if not excludes_zero or abs(mean) < threshold or mean * sign < 0:
        return INERT
    return OK


def lever_verdict(verdicts: list[str]) -> str:
    """A lever setting's flag from its judged targets' verdicts."""
    if not verdicts:
        return "not judged"
    if WRONG in verdicts:
        return WRONG
    if all(v == INERT for v in verdicts):
        return INERT
    inert = verdicts.count(INERT)
    return f"PARTLY INERT ({inert} of {len(verdicts)})" if inert else OK


def paired(results: dict[int, dict], config: str, metric: str, when: str = "end",
           against: str = "control") -> list[float] | None:
    """Per-seed differences config minus `against`; None when a game lacks the metric."""
    diffs = []
    for games in results.values():
        a, b = games[config][when].get(metric), games[against][when].get(metric)
        if a is None or b is None:
            return None
        diffs.append(a - b)
    return diffs


def same_events(results: dict[int, dict], config: str, against: str = "control") -> tuple[int, int]:
    """Seeds whose treated and control games fired the same events at the same quarters, of all
    seeds (events read through the accessor; (0, 0) when the cause log is not exposed)."""
    pairs = [(g[config]["events"], g[against]["events"]) for g in results.values()]
    if any(a is None or b is None for a, b in pairs):
        return 0, 0
    return sum(a == b for a, b in pairs), len(pairs)


# --------------------------------------------------------------------------------- tables

NEGLIGIBLE = 1e-12  # smaller than this is floating-point noise around zero: printed as 0


def fmt(x: float) -> str:
    if x is None or math.isnan(x):
        return "n/a"
    if abs(x) < NEGLIGIBLE:
        return "0"
    return f"{x:+.3g}" if abs(x) >= 1e-3 else f"{x:+.2e}"


def fmt_ci(values: list[float] | None) -> str:
    if values is None:
        return "not exposed"
    mean, low, high = t_interval(values)
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"


TARGET_COLUMNS = ["lever", "setting", "indicator", "expected", "min effect", "control at end",
                  "Q{mid} effect [95% CI]", "end effect [95% CI]", "verdict", "same events"]
INDEX_COLUMNS_LEAD = ["lever", "setting"]


def target_rows(results: dict, configs: list[Config], mid: int) -> tuple[list[list[str]], dict[str, str]]:
    """The targets table's rows and each configuration's flag."""
    rows, flags = [], {}
    for config in configs:
        judged = []
        same, total = same_events(results, config.name)
        for target in config.targets:
            end = paired(results, config.name, target.metric)
            middle = paired(results, config.name, target.metric, "mid")
            result = "not exposed" if end is None else verdict(*t_interval(end), target.sign, target.threshold)
            if target.judged and end is not None:
                judged.append(result)
            shown = result if target.judged else f"({result}, context)"
            label = target.metric + (f" ({target.note})" if target.note else "")
            levels = [g["control"]["end"].get(target.metric) for g in results.values()]
            level = "n/a" if None in levels else f"{sum(levels) / len(levels):.4g}"
            rows.append([config.lever, config.setting, label, "up" if target.sign > 0 else "down",
                         f"{target.threshold:g}", level, fmt_ci(middle), fmt_ci(end), shown, f"{same}/{total}"])
        flags[config.name] = lever_verdict(judged)
    return rows, flags


def markdown(headers: list[str], rows: list[list[str]]) -> str:
    def line(cells):
        return "| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |"

    return "\n".join([line(headers), line(["---"] * len(headers)), *(line(r) for r in rows)])


def index_components(results: dict) -> list[str]:
    any_game = next(iter(results.values()))["control"]["end"]
    return [k[len("index."):] for k in any_game if k.startswith("index.")]


def index_table(results: dict, configs: list[Config], mid: int) -> str:
    components = index_components(results)
    headers = [*INDEX_COLUMNS_LEAD, *components, f"total at Q{mid}", "USA index"]
    rows = []
    for config in configs:
        cells = [config.lever, config.setting]
        for key in components:
            cells.append(fmt_pm(paired(results, config.name, f"index.{key}")))
        cells.append(fmt_pm(paired(results, config.name, "index.total", "mid")))
        cells.append(fmt_pm(paired(results, config.name, "score.USA")))
        rows.append(cells)
    return markdown(headers, rows)


def fmt_pm(values: list[float] | None) -> str:
    """mean ± half-width of the 95% t interval, starred when the interval excludes zero."""
    if values is None:
        return "n/a"
    mean, low, high = t_interval(values)
    if math.isnan(low):
        return fmt(mean)
    star = "*" if low > 0 or high < 0 else ""
    half = abs(high - mean)
    return f"{fmt(mean)}±{half:.2g}{star}" if half >= NEGLIGIBLE else f"{fmt(mean)}{star}"


def dose_rows(results: dict, configs: list[Config]) -> list[list[str]]:
    """The higher setting minus the lower one, paired, on each judged target of a lever played at two."""
    by_name = {c.name: c for c in configs}
    rows = []
    for config in configs:
        lower = by_name.get(config.dose_of) if config.dose_of else None
        if lower is None:
            continue
        for target in config.targets:
            if not target.judged:
                continue
            diffs = paired(results, config.name, target.metric, against=lower.name)
            if diffs is None:
                rows.append([config.name, lower.name, target.metric, "not exposed", ""])
                continue
            _, low, high = t_interval(diffs)
            more = low > 0 if target.sign > 0 else high < 0
            less = high < 0 if target.sign > 0 else low > 0
            reads = "more effect at the higher setting" if more else (
                "LESS effect at the higher setting" if less else "no difference shown")
            rows.append([config.name, lower.name, target.metric, fmt_ci(diffs), reads])
    return rows


def strategy_section(results: dict, names: list[str]) -> str:
    """Mean index with its interval per strategy, and every paired difference."""
    label = {"control": "laissez_faire"}
    rows = []
    for name in names:
        values = [games[name]["end"]["index.total"] for games in results.values()]
        mean, low, high = t_interval(values)
        rows.append([label.get(name, name), f"{mean:.2f} [{low:.2f}, {high:.2f}]"])
    out = [markdown(["strategy", "Team Korea index at the end, mean [95% CI]"], rows), ""]
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            diffs = paired(results, a, "index.total", against=b)
            mean, low, high = t_interval(diffs)
            clear = "A above" if low > 0 else "A below" if high < 0 else "not distinguishable"
            pairs.append([label.get(a, a), label.get(b, b), f"{mean:+.2f} [{low:+.2f}, {high:+.2f}]", clear])
    out.append(markdown(["A", "B", "A - B, paired mean [95% CI]", "reads"], pairs))
    return "\n".join(out)


def refusal_notes(results: dict, configs: list[Config]) -> list[str]:
    notes = []
    for config in configs:
        refused = [r for games in results.values() for r in games[config.name]["refused"]]
        if refused:
            kinds = sorted({str((r.get("action") or {}).get("kind", "?")) for r in refused})
            quarters = sorted({r["turn"] for r in refused})
            reasons = sorted({r["reason"] for r in refused})
            notes.append(f"- {config.name}: {len(refused)} Actions refused over the seeds ({', '.join(kinds)}; "
                         f"submitted for quarter {', '.join(map(str, quarters))}): {'; '.join(reasons[:3])}"
                         + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else ""))
    return notes


def event_notes(results: dict, configs: list[Config]) -> list[str]:
    """Which events differ between the treated and the control game of a seed, where any do."""
    notes = []
    for config in configs:
        differ: dict[str, int] = {}
        for games in results.values():
            treated, control = games[config.name]["events"], games["control"]["events"]
            if treated is None or control is None:
                return ["- the cause log is not exposed: pairing not checked"]
            for turn, event in sorted(set(treated) ^ set(control)):
                where = "treated only" if (turn, event) in treated else "control only"
                key = f"{event} ({where})"
                differ[key] = differ.get(key, 0) + 1
        if differ:
            notes.append(f"- {config.name}: " + ", ".join(f"{k} x{n}" for k, n in sorted(differ.items())))
    return notes


def funded_notes(results: dict, configs: list[Config]) -> list[str]:
    notes = []
    for config in configs:
        shares: dict[str, list[float]] = {}
        for games in results.values():
            for programme, share in games[config.name]["funded"].items():
                shares.setdefault(programme, []).append(share)
        low = {p: sum(v) / len(v) for p, v in shares.items() if sum(v) / len(v) < 0.999}
        if low:
            notes.append(f"- {config.name}: " + ", ".join(f"{p} {s:.0%}" for p, s in sorted(low.items())))
    return notes


def failures(results: dict) -> dict[str, str]:
    """Configurations whose game raised on some seed, with the first error."""
    failed: dict[str, str] = {}
    for games in results.values():
        for name, game in games.items():
            if "error" in game:
                failed.setdefault(name, game["error"])
    return failed


def report(results: dict, mid: int, header: str = "") -> str:
    failed = failures(results)
    configs = [c for c in all_configs() if c.name in next(iter(results.values())) and c.name not in failed]
    levers = [c for c in configs if c.group == "lever"]
    chain = [c for c in configs if c.group == "chain"]
    strategies = [c for c in configs if c.group == "strategy"]
    rows, flags = target_rows(results, levers, mid)
    headers = [h.replace("{mid}", str(mid)) for h in TARGET_COLUMNS]
    parts = [header] if header else []
    flagged = [f"`{name}` {flag}" for name, flag in flags.items() if flag != OK]
    clean = [f"`{name}`" for name, flag in flags.items() if flag == OK]
    parts += ["## Headline", "",
              "- Flagged (INERT: every judged target failed to move beyond noise and the threshold; WRONG SIGN: a "
              "judged target moved clearly the other way; PARTLY INERT: some judged targets did not move): "
              + ("; ".join(flagged) if flagged else "none") + ".",
              "- Moved every judged target the expected way: " + (", ".join(clean) if clean else "none") + "."]
    if chain:
        chain_rows, chain_flags = target_rows(results, chain, mid)
        moved = [f"{t.metric} {fmt_ci(paired(results, chain[0].name, t.metric))}" for t in chain[0].targets
                 if t.judged]
        parts += [f"- Priming-water chain ({chain[0].setting}): {chain_flags[chain[0].name]}; at the end "
                  + "; ".join(moved) + "."]
    if strategies:
        names = [s.name for s in strategies]
        for a, b in (("max_everything", "team_korea"), ("max_everything", "adaptive"),
                     ("only_procurement", "team_korea")):
            if a in names and b in names:
                mean, low, high = t_interval(paired(results, a, "index.total", against=b))
                reads = "clearly below" if high < 0 else "clearly above" if low > 0 else "not distinguishable from"
                parts += [f"- {a} - {b}: {mean:+.2f} index points [{low:+.2f}, {high:+.2f}]: {a} is {reads} {b}."]
    parts += ["", "## 1. Each lever alone: the indicators it is meant to move", "",
              "Effect = treated minus control on the same seed, mean over seeds with its 95% Student-t "
              "interval, in the indicator's own units (shares 0-1, cash and GDP in US$ B, capacity in the "
              "market's units). Verdicts are judged at the end of the term; rows marked 'context' are "
              "reported but cannot flag the lever. 'same events': seeds whose two games fired the same "
              "events at the same quarters.", "",
              markdown(headers, rows), "",
              "Flags per setting: " + "; ".join(f"`{n}` {f}" for n, f in flags.items()) + ".", ""]
    dose = dose_rows(results, levers)
    if dose:
        parts += ["### Dose-response (higher setting minus lower, paired, at the end)", "",
                  markdown(["higher", "lower", "indicator", "higher - lower [95% CI]", "reads"], dose), ""]
    parts += ["## 2. Each lever alone: the Team Korea index, component by component (end of the term)", "",
              "Points (0-100) per component, treated minus control: mean ± half-width of the 95% t interval, "
              "* where the interval excludes zero. 'USA index' is the USA's own score (for export_control).", "",
              index_table(results, levers, mid), ""]
    if chain:
        parts += ["## 3. The priming-water chain", "",
                  "The foundry subsidy at full for the first 8 quarters, then none, against nothing. Yield and "
                  "the non-AI customers come through the accessors at the top of benchmarks/bench_levers.py "
                  "(internal attributes: the model exposes neither). The yield is the reference die's on "
                  "the home foundry's newest node; the non-AI share is the home foundry's share of the "
                  "quarter's leading-edge orders from the pool's segments other than Korea's (phones, PCs, "
                  "networking designed abroad), so it never includes Korean designers' purchases nor the "
                  "subsidised anchor customers: the best proxy the state gives for 'revenue excluding "
                  "Korean designers'. The context rows follow the chain's links per node: the wafers run "
                  "and the yield on 3 nm, where the subsidised designs run, and on 2 nm. Why the chain stops "
                  "at its last link (the home foundry's lines are "
                  "full when the subsidy ends, so the home designs that stay displace outside customers "
                  "through the price), measured, with three variants that keep the sign: docs/model.md, "
                  "\"The price-gap subsidy\".", "",
                  markdown(headers, chain_rows), "", index_table(results, chain, mid), ""]
    if strategies:
        parts += ["## 4. No fixed setting wins", "",
                  "Korea by each strategy, every other country by its default, on the same seeds. "
                  + ("" if "adaptive" in [s.name for s in strategies] else
                     "No built-in `adaptive` strategy exists yet: skipped. "), "",
                  strategy_section(results, ["control", *(s.name for s in strategies)]), ""]
    notes = refusal_notes(results, configs)
    funded = funded_notes(results, configs)
    events = event_notes(results, configs)
    parts += ["## Notes", "",
              "Settings that could not be played (left out of every table): "
              + ("none." if not failed else "; ".join(f"`{n}`: {e}" for n, e in failed.items())), "",
              "Pairing: the events that fired in one game of a seed and not in the other (or in another "
              "quarter), counted over seeds. Every event draws from its own stream, so these are events whose "
              "odds or conditions depend on the state the lever changed (R&D received, volume shipped, the "
              "trade stance): " + ("none." if not events else ""), *events, "",
              "Refused Actions (a refused Action changes nothing; in a lever's game, kinds other than the "
              "lever's are its answers to events, such as trade_stance for us_asks_allies): "
              + ("none." if not notes else ""), *notes, "",
              "Programmes the budget did not fund in full (mean funded share over the quarters they ran, "
              "as the controller saw it): " + ("none." if not funded else ""), *funded, "",
              "Not exposed by the model (read through internal accessors, or not measured): per-node yield; "
              "a foundry's revenue by customer; each buyer's purchases by the chip's or the HBM's country "
              "(the seed's target for trade_stance, here proxied by Korea's HBM share); a designer's chip "
              "performance and unit costs (rd_grant and broker_link are measured through shares, units and "
              "cash instead).", ""]
    return "\n".join(parts)


def header(args, seeds: list[int], scenario_hash: str, wall: float, cpu: float, games: int) -> str:
    command = "python benchmarks/bench_levers.py " + " ".join(sys.argv[1:])
    return "\n".join([
        "# Lever-effect table", "",
        "Generated by `benchmarks/bench_levers.py` (issue 13): do not edit by hand. The numbers are the "
        "current model's and will change as the economy changes: regenerate with the command below.", "",
        f"- command: `{command.strip()}`",
        f"- date: {dt.date.today().isoformat()}; code version: `{args.code_version or git_describe()}` "
        f"({'as given by --code-version' if args.code_version else 'git describe --always --dirty'}); "
        f"digest of game/, agents/ and assets/scenarios/: `{source_digest()}`",
        f"- scenario: `{args.scenario}` (content hash {scenario_hash[:12]}), "
        f"{args.turns or 'all its'} turns; mid-term = quarter {args.mid}",
        f"- seeds: {seeds[0]}-{seeds[-1]} ({len(seeds)} paired seeds, common random numbers): each setting's "
        "game and the control game share the seed",
        "- control: Korea by `laissez_faire`, every other country by its `default`; a treated game differs only "
        "by the lever, pulled on the first decision and held (export_control: the USA's default plus the round)",
        "- rates at half and at full of the Action's own upper bound (read from its pydantic field)",
        f"- {games} games in {wall:.1f} s wall, {cpu:.1f} s CPU in games, {args.workers} worker process(es)",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--mid", type=int, default=8, help="the mid-term quarter (default 8)")
    parser.add_argument("--turns", type=int, default=None, help="play only the first N quarters")
    parser.add_argument("--only", default="", help="comma-separated configuration names (default: all)")
    parser.add_argument("--write", action="store_true", help=f"also write {DOC.relative_to(ROOT)}")
    parser.add_argument("--code-version", default="",
                        help="name the code in the header (for a tree exported with git archive, which has no git)")
    args = parser.parse_args(argv)

    from game.scenario import content_hash, load_scenario

    scenario = load_scenario(args.scenario)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    names = [n for n in args.only.split(",") if n] or None
    unknown = sorted(set(names or ()) - {c.name for c in all_configs()})
    if unknown:
        parser.error(f"--only: no configuration named {', '.join(unknown)} "
                     f"(there are: {', '.join(c.name for c in all_configs())})")
    start = time.perf_counter()
    results = run(args.scenario, seeds, names, args.workers, args.mid, args.turns)
    wall = time.perf_counter() - start
    games = sum(len(g) for g in results.values())
    cpu = sum(game.get("cpu", 0.0) for g in results.values() for game in g.values())
    text = report(results, args.mid, header(args, seeds, content_hash(scenario), wall, cpu, games))
    publish(text, DOC, args.write)
    print(f"{games} games: {wall:.1f} s wall, {cpu:.1f} s CPU in games", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
