"""The quantities a lesson may name as its key quantities (the `[[lesson.quantities]]` of a lesson
scenario), each read from a live world after a quarter by one named accessor.

Why a closed list of accessors and not a path into the model: a scenario file is data a teacher
may edit, and a name that reaches any attribute would let a typo fail in class, or read something
that is not what the label says. Each accessor here says what it reads and which names it needs
(a firm, a node, a country, a buyer, an indicator); game/scenario.py refuses a lesson that names an
unknown accessor or leaves out or adds a name, and checks the names against the scenario, so a
lesson that loads can be measured. This module imports nothing of the model (the scenario schema
imports it): an accessor reads the world it is handed by duck typing.

Units say how a value is written (game/lesson_compare.py formats them): shares as percentages,
counts in thousands (written in Korean units in Korean), money in US$ billions, a binding input
as its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# The names an accessor may need, and the section of the scenario each is checked against.
PARAMETERS = ("firm", "node", "country", "buyer", "indicator")
UNITS = ("percent", "k_units", "k_h100e", "k_wafers", "usd_b", "binding", "number")


@dataclass(frozen=True)
class Accessor:
    """One readable quantity: the names it needs, the kind of firm `firm` must be, whether its
    value is a category (a binding input) rather than a number, and the reader."""

    needs: tuple[str, ...]
    read: Callable[[Any, dict[str, str]], float | str]
    firm_kind: str | None = None  # a section of the scenario: "designers", "foundries"
    categorical: bool = False
    about: str = ""


def _binding(world, p: dict[str, str]) -> str:
    return str(world.by_name[p["firm"]].binding)


def _output(world, p: dict[str, str]) -> float:
    return float(world.by_name[p["firm"]].output)


def _all_output(world, p: dict[str, str]) -> float:
    return float(sum(d.output for d in world.designers))


def _country_output(world, p: dict[str, str]) -> float:
    return float(sum(d.output for d in world.designers if d.country == p["country"]))


def _country_planned(world, p: dict[str, str]) -> float:
    return float(sum(d.target for d in world.designers if d.country == p["country"]))


def _node_yield(world, p: dict[str, str]) -> float:
    return float(world.by_name[p["firm"]].die_yield(p["node"], world.params.reference_die_area))


def _node_volume(world, p: dict[str, str]) -> float:
    return float(world.by_name[p["firm"]].nodes[p["node"]]["volume"])


def _foreign_node_share(world, p: dict[str, str]) -> float:
    """The firm's share of the node class's wafer orders from customers outside `country` (the
    pool's segments are the customers' countries)."""
    firm = world.by_name[p["firm"]]
    foreign = total = 0.0
    for segment, node, i, wafers in world.pool.orders(world):
        if segment != p["country"] and node == p["node"]:
            total += wafers
            foreign += wafers if world.foundries[i] is firm else 0.0
    return foreign / total if total else 0.0


def _spent(world, p: dict[str, str]) -> float:
    country = world.countries[p["country"]]
    return float(country.spent_total / country.usd_rate / 1e9)


def _indicator(world, p: dict[str, str]) -> float:
    return float(world.indicators[p["country"]][p["indicator"]])


def _installed(world, p: dict[str, str]) -> float:
    buyer = [b.name for b in world.buyers].index(p["buyer"])
    designer = [d.name for d in world.designers].index(p["firm"])
    return float(world.installed[buyer, designer])


ACCESSORS: dict[str, Accessor] = {
    "binding": Accessor(("firm",), _binding, "designers", categorical=True,
                        about="the input that limits a designer's output this quarter"),
    "output": Accessor(("firm",), _output, "designers", about="a designer's accelerators built this quarter"),
    "all_designers_output": Accessor((), _all_output, about="every designer's accelerators built this quarter"),
    "country_designers_output": Accessor(("country",), _country_output,
                                         about="the accelerators a country's designers built this quarter"),
    "country_designers_planned": Accessor(("country",), _country_planned,
                                          about="the accelerators a country's designers planned this quarter "
                                                "(the demand they were handed)"),
    "node_yield": Accessor(("firm", "node"), _node_yield, "foundries",
                           about="a foundry's yield on a node class for the reference die"),
    "node_volume": Accessor(("firm", "node"), _node_volume, "foundries",
                            about="a foundry's cumulative wafers on a node class (its learning volume)"),
    "foreign_node_share": Accessor(("firm", "node", "country"), _foreign_node_share, "foundries",
                                   about="a foundry's share of a node class's orders from outside a country"),
    "spent": Accessor(("country",), _spent, about="a state's spending since the start, US$ billions"),
    "indicator": Accessor(("country", "indicator"), _indicator,
                          about="one of a country's indicators (game/indicators.py INDICATOR_KEYS)"),
    "installed": Accessor(("buyer", "firm"), _installed, "designers",
                          about="a designer's compute installed at a buyer"),
}


def params_of(spec) -> dict[str, str]:
    """The names a key-quantity spec gives its accessor (those it set)."""
    return {name: getattr(spec, name) for name in PARAMETERS if getattr(spec, name) is not None}


def read(world, spec) -> float | str:
    """The spec's quantity in `world` now (after a quarter)."""
    return ACCESSORS[spec.quantity].read(world, params_of(spec))
