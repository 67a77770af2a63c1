"""A synthetic, k-times larger world built from a real scenario, for scaling measurements.

`scaled_scenario(k)` clones every firm of the baseline k times. Copy i of a firm is named
"<name> #i" and every reference inside copy i (a designer's foundries, HBM suppliers,
packagers, reserved contracts, components, captive buyers, an in-house owner and roadmap foundries; a
qualification's supplier and designer; a buyer's affinities; an LLM developer's compute
sources; a component supplier's links; an LLM market's shares) points at the names of the same
copy i. So the world is k parallel supply chains that meet in the shared markets: every open
chip can be bought by every buyer, the non-AI wafer pool spreads over every foundry, and each
country's LLM market lists every copy's developers.

Quantities that must sum to one are divided by k (foundries' `other_share`, each LLM market's
`initial_shares`); the non-AI foundry pool's demand is multiplied by k so each copy sees the
baseline's wafers. Countries and export controls are shared and unchanged.

Sections this module does not know firm by firm ([levers], [score], [[events]] and anything
added to the schema later) are kept once, with every firm name in them, as a whole string or
as a dotted segment ("firm.Nvidia.cash", "shares.hbm.SK hynix"), pointed at copy 0: an event
hits copy 0's firms, the procurement "leader" is copy 0's Nvidia. Fields that hold country
codes (`from_countries`, `to_countries`, `chooser`, `export_control_reach`, "policy.<country>.x"
keys) are left alone, since a country code may also be a firm's name (the buyers "EU", "Japan").

The built-in default controllers of other countries name home firms ("Intel Foundry", "SMIC");
`copy0_controllers(k)` returns them with those names pointed at copy 0, so a k-times world plays
the same policies as the baseline (with plain defaults, the named firms do not exist and the
Actions naming them are skipped).

Regional (sparse) mode, `scaled_scenario(k, regional=True)`: the same clone, except that copy
i's open-market chips (the designers with an empty `sold_to`: Nvidia, AMD, the other ASICs) are
sold only to copy i's buyers (their `sold_to` lists them; a captive chip's `sold_to` already
points at copy i). So each buyer's choice set stays the baseline's size as k grows: k regional
accelerator markets, each the baseline's, that still share the upstream and LLM markets and the
non-AI wafer pool as the dense mode does. The buyer x chip matrix is then block-diagonal (k
blocks of the baseline's buyers x chips, a 1/k share of its cells): the case a market whose
cost grows with the allowed (buyer, chip) pairs rather than with buyers x chips should handle
in linear time. The dense mode (every open chip on sale to every buyer) is inherently
quadratic: each buyer's choice set grows with k.

k = 1 returns the source scenario unchanged (no suffixes), so it plays exactly like it (in
either mode: one copy's buyers are every buyer).
The result goes through `Scenario.model_validate`, so it obeys every rule a scenario file does.
"""

from __future__ import annotations

import copy
from typing import Any

from agents.controllers import Controller, make_controller
from game.scenario import Scenario, load_scenario

FIRM_GROUPS = ("foundries", "hbm_makers", "packagers", "designers", "buyers",
               "llm_developers", "industries", "component_suppliers")


def _suffix(name: str, i: int) -> str:
    return f"{name} #{i}"


def _copy_firm(group: str, firm: dict[str, Any], i: int, k: int,
               regional: list[str] | None = None) -> dict[str, Any]:
    """Copy i of one firm, with every firm name it refers to renamed to copy i. `regional`: the
    source's buyer names, to which an open-market designer's copy is then sold (copy i's only)."""
    def s(name: str) -> str:
        return _suffix(name, i)

    out = copy.deepcopy(firm)
    out["name"] = s(firm["name"])
    if group == "foundries":
        out["other_share"] = firm["other_share"] / k
    elif group == "designers":
        for key in ("foundries", "hbm_suppliers", "packagers", "components", "sold_to"):
            out[key] = [s(n) for n in firm.get(key, [])]
        if regional is not None and not firm.get("sold_to"):
            out["sold_to"] = [s(n) for n in regional]
        if firm.get("owner"):  # an in-house chip serves its own copy's owner
            out["owner"] = s(firm["owner"])
        out["reserved"] = {s(n): v for n, v in firm.get("reserved", {}).items()}
        for generation in out.get("roadmap", []):
            generation["foundries"] = [s(n) for n in generation["foundries"]]
    elif group == "buyers":
        out["affinity"] = {s(n): v for n, v in firm.get("affinity", {}).items()}
    elif group == "llm_developers":
        out["compute_from"] = {s(n): v for n, v in firm["compute_from"].items()}
    elif group == "component_suppliers":
        out["link_strength"] = {s(n): v for n, v in firm.get("link_strength", {}).items()}
    return out


# Sections handled explicitly (or shared unchanged) by scaled_data.
KNOWN_SECTIONS = {*FIRM_GROUPS, "scenario", "params", "countries", "foundry_pool", "qualifications",
                  "llm_markets", "export_controls"}


# Fields whose values are country codes, never firm names.
COUNTRY_FIELDS = {"from_countries", "to_countries", "chooser", "export_control_reach", "country", "countries",
                  "offered"}


def _to_copy(value: Any, names: set[str], i: int, field: str | None = None) -> Any:
    """`value` with every firm name in it (whole strings, dotted segments, dict keys) renamed
    to copy i; country codes (by field, or in "policy.<country>.<field>" keys) and everything
    else unchanged."""
    if field in COUNTRY_FIELDS:
        return copy.deepcopy(value)
    if isinstance(value, str):
        if value in names:
            return _suffix(value, i)
        if "." in value and not value.startswith("policy."):
            return ".".join(_suffix(part, i) if part in names else part for part in value.split("."))
        return value
    if isinstance(value, dict):
        return {_to_copy(key, names, i): _to_copy(item, names, i, key if isinstance(key, str) else None)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_to_copy(item, names, i, field) for item in value]
    return copy.deepcopy(value)


def scaled_data(base: dict[str, Any], k: int, regional: bool = False) -> dict[str, Any]:
    """The scenario document (plain dict, as read from TOML) of a world cloned k times;
    `regional`: copy i's open-market chips sold to copy i's buyers only (sparse choice sets)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    if k == 1:
        return copy.deepcopy(base)
    data = copy.deepcopy(base)
    buyers = [b["name"] for b in base.get("buyers", [])] if regional else None
    for group in FIRM_GROUPS:
        data[group] = [_copy_firm(group, firm, i, k, buyers) for i in range(k) for firm in base.get(group, [])]
    data["qualifications"] = [
        {**q, "supplier": _suffix(q["supplier"], i), "designer": _suffix(q["designer"], i)}
        for i in range(k) for q in base["qualifications"]
    ]
    data["llm_markets"] = [
        {**m, "initial_shares": {_suffix(n, i): v / k for i in range(k) for n, v in m["initial_shares"].items()}}
        for m in base["llm_markets"]
    ]
    data["foundry_pool"] = {**base["foundry_pool"], "demand": base["foundry_pool"]["demand"] * k}
    names = {firm["name"] for group in FIRM_GROUPS for firm in base.get(group, [])}
    for section in set(base) - KNOWN_SECTIONS:
        data[section] = _to_copy(base[section], names, 0)
    return data


def scaled_scenario(k: int, base: str | Scenario = "baseline", regional: bool = False) -> Scenario:
    """The scenario `base` (a name, a path or a Scenario) with its firms cloned k times;
    `regional`: each copy's open-market chips sold to its own buyers only (see the module's
    docstring)."""
    source = load_scenario(base) if isinstance(base, str) else base
    if k == 1:
        return source
    return Scenario.model_validate(scaled_data(source.model_dump(), k, regional))


def firm_count(scenario: Scenario) -> int:
    """Firms of every kind (countries not included)."""
    return sum(len(getattr(scenario, group)) for group in FIRM_GROUPS)


def copy0_controllers(k: int, countries: list[str] | None = None) -> dict[str, Controller]:
    """Every country's default controller with the firm names it holds (capacity support and
    equity schedules) pointed at copy 0; k = 1 returns the plain defaults."""
    chosen = countries if countries is not None else [c.id for c in load_scenario("baseline").countries]
    out: dict[str, Controller] = {}
    for country in chosen:
        controller = make_controller(country, "default")
        if k > 1:
            if isinstance(getattr(controller, "support", None), dict):
                controller.support = {_suffix(n, 0): v for n, v in controller.support.items()}
            if isinstance(getattr(controller, "equity", None), dict):
                controller.equity = {t: {_suffix(n, 0): v for n, v in firms.items()}
                                     for t, firms in controller.equity.items()}
        out[country] = controller
    return out
