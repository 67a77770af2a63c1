"""What the world looks like after a quarter: market shares, prices, bottlenecks and each
country's indicators, in the shape of the `--json` contract (README, "JSON output").

Shares are fractions of one quarter's market, on the basis the scenario's `coverage_en` states:
foundry and HBM by revenue, packaging by wafers processed, accelerators by units shipped.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Sequence

import numpy as np

from game import market
from game.market import normalised
from game.snapshot import clone


def _shares(firms, values) -> dict[str, float]:
    return dict(zip((f.name for f in firms), (float(v) for v in normalised(np.array(values, float))), strict=True))


def _average_price(book: dict) -> float:
    shipped, price = book["shipped"], book["price"]
    return float((shipped * price).sum() / shipped.sum()) if shipped.sum() > 0 else float(price.mean())


def snapshot(model) -> dict:
    return {
        "turn": model.turn,
        "date": model.date,
        "shares": market_shares(model),
        "prices": prices(model),
        "bottleneck": bottlenecks(model),
        "korea": model.indicators.get("KOR", {}),
        "score": dict(model.scores),
        "korea_index": korea_index(model),
    }


def market_shares(model) -> dict[str, dict[str, float]]:
    designers = model.designers
    return {
        "hbm": _shares(model.hbm_makers, [h.revenue for h in model.hbm_makers]),
        "foundry": _shares(model.foundries, [f.revenue for f in model.foundries]),
        "packaging": _shares(model.packagers, [p.output for p in model.packagers]),
        "accelerator": _shares(designers, [d.sold for d in designers]),
    }


def prices(model) -> dict[str, float]:
    designers = model.designers
    units = np.array([d.sold for d in designers])
    revenue = np.array([d.revenue for d in designers])
    accelerator_price = float(revenue.sum() * 1000 / units.sum()) if units.sum() > 0 else 0.0
    return {
        "wafer": _average_price(model.last_market["wafer"]),
        "hbm": _average_price(model.last_market["hbm"]),
        "accelerator": accelerator_price,
    }


def bottlenecks(model) -> dict[str, str]:
    return {d.name: d.binding if d.alive else "exited" for d in model.designers}


def korea_index(model) -> dict[str, float]:
    """The Team Korea index's components in points (0-100), and the index itself as "total"."""
    spec = model.scenario.score
    if spec is None or "KOR" not in model.indicators:
        return {}
    from game.score import country_breakdown

    points = country_breakdown(spec, model.indicators, "KOR")
    return {**points, "total": model.scores["KOR"]}


SHARE_MARKETS = {"hbm_share": ("hbm_makers", "revenue"), "foundry_share": ("foundries", "revenue"),
                 "packaging_share": ("packagers", "output"), "accelerator_share": ("designers", "sold"),
                 # where the world's leading-edge wafers can be made: the capacity on open processes
                 # standing in the country, whoever owns it (TSMC Arizona counts to the USA; onshoring
                 # goals: CHIPS Act, Rapidus, SMIC; docs/model.md, "Fab location")
                 "leading_edge_capacity_share": ("foundries", "capacity")}
# Share markets counted by where the capacity stands, not by the owner's country.
BY_LOCATION = frozenset({"leading_edge_capacity_share"})

# The firms whose revenue counts as a country's chip industry (`industry_revenue`).
INDUSTRY_GROUPS = ("foundries", "hbm_makers", "packagers", "designers", "component_suppliers")

# The keys of country_indicators, in its order: what a scenario's score components and event
# conditions ("korea.<key>") may name (game/scenario.py checks them when a scenario loads).
INDICATOR_KEYS: tuple[str, ...] = (
    *SHARE_MARKETS, "compute_installed", "compute_share", "domestic_compute_share", "single_vendor_dependence",
    "domestic_llm_share", "llm_domestic_chip_share", "industry_adoption", "industry_domestic_ai_share",
    "chain_completeness", "gdp_effect",
    "domestic_designers_alive", "domestic_designers_cash", "industry_revenue", "policy_support_paid", "budget_used",
)


def market_totals(model) -> dict[str, tuple[float, dict[str, float]]]:
    """Each share market's total and every country's home part, added up in firm order (so the
    sums are the same numbers a one-country pass would get), once per turn for all countries."""
    totals = {}
    for key, (group, field) in SHARE_MARKETS.items():
        home: dict[str, float] = {}
        total = 0
        by_location = key in BY_LOCATION
        for firm in getattr(model, group):
            value = getattr(firm, field)
            total += value
            where = firm.located if by_location else None  # (a live foundry's is worked out per read)
            if where:
                for country, part in where.items():
                    home[country] = home.get(country, 0) + part
            else:
                home[firm.country] = home.get(firm.country, 0) + value
        totals[key] = (total, home)
    return totals


class Members:
    """Who belongs to a country, by position in the model's lists (its buyers; which designers'
    chips are home chips): fixed for a game (no agent changes country or is created), so it is
    worked out once, not for every country every quarter. The other sums over a country's agents
    are made in one pass over each list (all_country_indicators)."""

    def __init__(self, model, country: str) -> None:
        self.buyers = [i for i, b in enumerate(model.buyers) if b.country == country]
        self.home_chip = np.array([d.country == country for d in model.designers], dtype=bool)


def members(model, country: str) -> Members:
    """The model's `Members` of a country, made on first use and kept on the model."""
    table = model.__dict__.setdefault("_members", {})
    found = table.get(country)
    if found is None:
        found = table[country] = Members(model, country)
    return found


def country_indicators(model, country: str, markets: dict | None = None) -> dict[str, float]:
    """The measured quantities a country's score is built from (DESIGN.md, Score). `markets`
    (from market_totals) saves re-adding every market for each country."""
    return all_country_indicators(model, markets, [country])[country]


def _country_bases(model, countries: list[str], width: int) -> np.ndarray:
    """Each country's installed base by chip: its buyers' rows of `model.installed` added in
    the buyers' order. Up to `market.LISTS_MAX_CELLS` cells as Python floats (cheaper than numpy
    calls on a game's 10 x 9 matrix); above, numpy's column sums, which add the same rows in
    the same order (a reduction over the first axis is a running sum), so the same floats, at
    numpy's speed rather than a Python addition per cell (the installed base is buyers x chips)."""
    installed = model.installed
    if installed.size > market.LISTS_MAX_CELLS:
        bases = [installed[mine].sum(axis=0) if (mine := members(model, country).buyers) else np.zeros(width)
                 for country in countries]
        return np.array(bases, dtype=float).reshape(len(countries), width)
    rows = installed.tolist()
    bases = []
    for country in countries:
        mine = [rows[i] for i in members(model, country).buyers]
        base = list(mine[0]) if mine else [0.0] * width  # buyers' rows added in order, as numpy sums a column
        for row in mine[1:]:
            base = [a + b for a, b in zip(base, row, strict=True)]
        bases.append(base)
    return np.array(bases, dtype=float).reshape(len(countries), width)


def all_country_indicators(model, markets: dict | None = None,
                           countries: list[str] | None = None) -> dict[str, dict[str, float]]:
    """`country_indicators` of every country (or of `countries`), in one pass over each list of
    agents: each country's totals are added up in the agents' order, from 0, as a one-country
    pass adds them (so the floats are the same), and the installed base is read once."""
    markets = markets or market_totals(model)
    countries = list(model.countries) if countries is None else countries
    width = len(model.designers)
    table = _country_bases(model, countries, width)
    computes = table.sum(axis=1).tolist()
    tops = table.max(axis=1).tolist() if width else [0.0] * len(countries)  # a max is exact: row by row or at once

    # each country's sums over its developers, industries and designers, in list order, from 0
    wanted = set(countries)
    developers = {c: [0, 0, 0] for c in countries}  # count, domestic compute, capacity
    for d in model.llm_developers:
        if d.country in wanted:
            acc = developers[d.country]
            acc[0] += 1
            acc[1] = acc[1] + d.domestic_compute
            acc[2] = acc[2] + d.capacity
    industries = {c: [0, 0, 0, 0] for c in countries}  # adoption x output, output, domestic x output, GDP
    for i in model.industries:
        if i.country in wanted:
            acc = industries[i.country]
            acc[0] = acc[0] + i.adoption * i.base_output
            acc[1] = acc[1] + i.base_output
            acc[2] = acc[2] + i.domestic_adoption * i.base_output
            acc[3] = acc[3] + i.gdp_effect
    designers = {c: [0, 0] for c in countries}  # alive, cash
    for d in model.designers:
        if d.country in wanted:
            acc = designers[d.country]
            acc[0] = acc[0] + d.alive
            acc[1] = acc[1] + d.cash
    revenue = {c: 0 for c in countries}  # each country's chip industry, in INDUSTRY_GROUPS' order, from 0
    for group in INDUSTRY_GROUPS:
        for f in getattr(model, group):
            if f.country in wanted:
                revenue[f.country] = revenue[f.country] + f.revenue
    shares = [(key, *markets[key]) for key in SHARE_MARKETS]
    by_name, states = model.by_name, model.countries
    world_compute = float(model.installed.sum())

    out = {}
    for k, country in enumerate(countries):
        compute = computes[k]
        n_developers, developed, capacity = developers[country]
        adoption, output, domestic, gdp = industries[country]
        alive, cash = designers[country]
        chip_to_llm = developed / capacity if n_developers else 0.0
        llm_to_service = sum(s for name, s in model.llm_use.get(country, {}).items()
                             if by_name[name].country == country)
        service_to_industry = domestic / adoption if adoption else 0.0
        row = {key: float(home.get(country, 0) / total) if total else 0.0 for key, total, home in shares}
        row["compute_installed"] = compute
        row["compute_share"] = compute / world_compute if world_compute else 0.0
        if compute:
            home_compute = table[k][members(model, country).home_chip].sum()
            row["domestic_compute_share"] = float(home_compute / compute)
            row["single_vendor_dependence"] = float(tops[k] / compute)
        else:
            row["domestic_compute_share"] = 0.0
            row["single_vendor_dependence"] = 0.0
        row["domestic_llm_share"] = float(llm_to_service)
        row["llm_domestic_chip_share"] = float(chip_to_llm)
        row["industry_adoption"] = float(adoption / output) if output else 0.0
        row["industry_domestic_ai_share"] = float(service_to_industry)
        row["chain_completeness"] = float((chip_to_llm + llm_to_service + service_to_industry) / 3)
        row["gdp_effect"] = float(gdp)
        row["domestic_designers_alive"] = float(alive)
        row["domestic_designers_cash"] = float(cash)
        row["industry_revenue"] = float(revenue[country])
        state = states.get(country)
        row["policy_support_paid"] = float(state.support_paid_usd) if state is not None else 0.0
        row["budget_used"] = budget_used(state)
        out[country] = row
    return out


def budget_used(country) -> float:
    """Share of the budget (and policy loans) available so far that the state has spent."""
    if country is None or country.available_total <= 0:
        return 0.0
    return float(min(country.spent_total / country.available_total, 1.0))


def flatten(state: dict, prefix: str = "") -> dict[str, float | str]:
    """One level of columns ("shares.hbm.SK hynix") for tables and CSV files."""
    flat: dict[str, float | str] = {}
    for key, value in state.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


# ------------------------------------------------------------------ a turn's record
# What a turn's indicators, scores and snapshot read of each agent, copied when the turn closes
# (TurnRecord). A field these functions come to read and that is not copied here is missing from
# the record: reading it fails loudly instead of reading a later quarter's value.
_Designer = namedtuple("_Designer", "name country sold revenue alive cash binding")
_Revenue = namedtuple("_Revenue", "name country revenue")  # HBM makers, component suppliers
_Foundry = namedtuple("_Foundry", "name country revenue capacity located")
_Output = namedtuple("_Output", "name country output revenue")  # packagers
_Developer = namedtuple("_Developer", "country domestic_compute capacity")
_Industry = namedtuple("_Industry", "country adoption base_output domestic_adoption gdp_effect")
_Country = namedtuple("_Country", "support_paid_usd spent_total available_total")


class TurnRecord:
    """The close of one turn (or the opening state), frozen: a copy of every value its
    indicators, scores and snapshot are built from, and those three worked out from the copy
    when first read (then kept: a second read returns the same objects).

    The contract (docs/design.md, "What a turn computes and when"): `World.indicators`,
    `World.scores`, `World.current`, `World.current_columns` and each `World.history` entry are
    the values of the world as its turn closed, whenever they are read: the quarter that follows
    changes the world, not the record. A headless game whose controllers never read them never
    builds them. The values are those `snapshot` and `all_country_indicators` give on the live
    world at the close (the same functions run on the copy)."""

    def __init__(self, model) -> None:
        self.turn = model.turn
        self.date = model.date
        self.scenario = model.scenario  # read for its score rule: fixed for a game
        self.by_name = model.by_name  # read for agents' countries only: fixed for a game
        table = model.__dict__.setdefault("_members", {})
        for country in model.countries:  # built from the live lists (buyers are not copied)
            if country not in table:
                members(model, country)
        self._members = table
        self.designers = [_Designer(d.name, d.country, d.sold, d.revenue, d.alive, d.cash, d.binding)
                          for d in model.designers]
        self.foundries = [_Foundry(f.name, f.country, f.revenue, f.capacity, f.located) for f in model.foundries]
        self.hbm_makers = [_Revenue(h.name, h.country, h.revenue) for h in model.hbm_makers]
        self.packagers = [_Output(p.name, p.country, p.output, p.revenue) for p in model.packagers]
        self.component_suppliers = [_Revenue(c.name, c.country, c.revenue) for c in model.component_suppliers]
        self.llm_developers = [_Developer(d.country, d.domestic_compute, d.capacity) for d in model.llm_developers]
        self.industries = [_Industry(i.country, i.adoption, i.base_output, i.domestic_adoption, i.gdp_effect)
                           for i in model.industries]
        self.countries = {code: _Country(c.support_paid_usd, c.spent_total, c.available_total)
                          for code, c in model.countries.items()}
        self.installed = model.installed.copy()
        # each country's use is replaced whole every quarter, never edited, but a record holds none of
        # the world's live objects: a fork shares its records' inputs, and must share nothing live
        self.llm_use = {country: dict(use) for country, use in model.llm_use.items()}
        markets = model.last_market
        self.last_market = {good: {"shipped": markets[good]["shipped"].copy(), "price": markets[good]["price"].copy()}
                            for good in ("wafer", "hbm")}

    _BUILT = ("indicators", "scores", "shares", "prices", "bottleneck", "snapshot", "columns", "totals", "rows")

    def __deepcopy__(self, memo) -> TurnRecord:
        """The record of a copied world (World.preview, greedy look-ahead): the copied inputs
        are shared, since nothing changes them after the close; figures already built are
        copied (a reader may edit what it was handed), and the world's references are the copy's."""
        new = object.__new__(TurnRecord)
        memo[id(self)] = new
        state = dict(self.__dict__)
        for key in ("scenario", "by_name", "_members", *self._BUILT):
            if key in state:
                state[key] = clone(state[key], memo)
        new.__dict__.update(state)
        return new

    def read_by(self, model) -> TurnRecord:
        """This record's inputs as another world's record of the same moment (`World.opening_record`
        hands each world of a scenario and seed the opening it plays alike): the inputs are shared,
        since nothing changes them after the close; the figures are built afresh when `model`'s
        readers first ask, from the same inputs, so they are the same numbers, in objects of its own."""
        new = object.__new__(TurnRecord)
        new.__dict__.update({k: v for k, v in self.__dict__.items() if k not in self._BUILT})
        new.turn, new.date, new.scenario, new.by_name = model.turn, model.date, model.scenario, model.by_name
        return new

    @functools.cached_property
    def totals(self) -> dict[str, tuple[float, dict[str, float]]]:
        """`market_totals` of the close (every country's indicators read them)."""
        return market_totals(self)

    @functools.cached_property
    def indicators(self) -> dict[str, dict[str, float]]:
        return all_country_indicators(self, self.totals)

    @functools.cached_property
    def scores(self) -> dict[str, float]:
        from game.score import indices

        spec = self.scenario.score
        return indices(spec, self.indicators) if spec else {}

    @functools.cached_property
    def rows(self) -> dict[str, dict[str, float]]:
        """The countries' indicators built one by one (`indicators_of`), before or without `indicators`."""
        return {}

    def indicators_of(self, countries: list[str]) -> dict[str, dict[str, float]]:
        """The indicators of `countries` only: the same floats as their rows of `indicators`
        (`all_country_indicators` adds each country's totals on its own, in the agents' order, from
        0), which is handed out where it is built already; else only these countries' rows are
        built (kept for the next reader). What a forecast or a preview reads of a quarter: one
        country's score, not every country's."""
        whole = self.__dict__.get("indicators")
        if whole is not None:
            return {c: whole[c] for c in countries}
        rows = self.rows
        missing = [c for c in countries if c not in rows]
        if missing:
            rows.update(all_country_indicators(self, self.totals, missing))
        return {c: rows[c] for c in countries}

    def score_of(self, country: str) -> float:
        """`scores.get(country, 0.0)` with only the indicators its rule reads built (its own and
        those it names with `of`): the same float (`score.indices` scores each country from its own
        row and the rows it names, whatever else is there)."""
        whole = self.__dict__.get("scores")
        if whole is not None:
            return whole.get(country, 0.0)
        spec = self.scenario.score
        if not spec or country not in self.countries:
            return 0.0
        from game.score import countries_read, indices

        return indices(spec, self.indicators_of(countries_read(spec, country)))[country]

    @functools.cached_property
    def shares(self) -> dict[str, dict[str, float]]:
        return market_shares(self)

    @functools.cached_property
    def prices(self) -> dict[str, float]:
        return prices(self)

    @functools.cached_property
    def bottleneck(self) -> dict[str, str]:
        return bottlenecks(self)

    @functools.cached_property
    def snapshot(self) -> dict:
        """`snapshot` of the world at the close; its parts are the record's own `shares`,
        `prices` and `bottleneck` (each built once, whichever is read first)."""
        return {"turn": self.turn, "date": self.date, "shares": self.shares, "prices": self.prices,
                "bottleneck": self.bottleneck, "korea": self.indicators.get("KOR", {}), "score": dict(self.scores),
                "korea_index": korea_index(self)}

    @functools.cached_property
    def columns(self) -> dict[str, float | str]:
        return flatten(self.snapshot)


class History(Sequence):
    """`World.history`: each played turn's snapshot (`TurnRecord.snapshot`), oldest first, read
    like a list of dicts (index, slice, iterate, compare with a list). A snapshot is built when
    first read, from its turn's record."""

    def __init__(self) -> None:
        self._records: list[TurnRecord] = []

    def append(self, record: TurnRecord) -> None:
        self._records.append(record)

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [r.snapshot for r in self._records[i]]
        return self._records[i].snapshot

    def __iter__(self):
        return (r.snapshot for r in self._records)

    def record(self, i: int) -> TurnRecord:
        """The record itself of the `i`-th played turn (its figures, not only its snapshot)."""
        return self._records[i]

    def indicators(self, i: int) -> dict[str, dict[str, float]]:
        """Every country's indicators as turn `i` closed (`self[i]`'s quarter), built when first
        read like the snapshot. A snapshot keeps Korea's index by component only; any other
        country's components in a past quarter (its end-of-term turning points, Why? for one of
        them) are its rule applied to these."""
        return self._records[i].indicators

    def __eq__(self, other) -> bool:
        if isinstance(other, History | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # a mutable sequence, as a list

    def __repr__(self) -> str:
        return repr(list(self))
