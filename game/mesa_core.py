"""Mesa's `Model` and `Agent` without the rest of `mesa/__init__` until something asks for it.

Why: `import mesa` runs `mesa/__init__.py`, which imports every part of Mesa (experimental →
scipy.spatial, datacollection → pandas, space → networkx, the batch runner): ~0.5 s of a `sim`
whose game takes ~0.07 s (issue 15, "Startup"). The game needs two classes from two modules
(`mesa.model`, `mesa.agent`) and the DataCollector only for `sim --csv` (`tables_base`). Importing
a submodule runs its package's `__init__` first, so a lazy import of `mesa` alone cannot help
(benchmarks/README.md: LazyLoader saved nothing).

How: if Mesa is not imported yet, the `mesa` package module is created from its spec without
running its `__init__` and put in `sys.modules`; the submodules then import as usual. The first
read of a name the package's `__init__` defines (`mesa.DataCollector`, `from mesa import
batch_run`, `mesa.__version__`) runs the whole `__init__` then (PEP 562's module `__getattr__`),
so any other code that uses Mesa sees the package it knows. If Mesa was imported before this
module, nothing is changed.
"""

from __future__ import annotations

import importlib.util
import sys

_INIT_DUNDERS = frozenset({"__all__", "__version__", "__title__", "__license__", "__copyright__"})


def _defer_package_init() -> None:
    """Register the `mesa` package module with its `__init__` deferred (see the module's docstring)."""
    if "mesa" in sys.modules:
        return
    spec = importlib.util.find_spec("mesa")
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # not the package we know: let `import mesa` fail or succeed as it would
    package = importlib.util.module_from_spec(spec)
    state = {"ran": False}

    def __getattr__(name: str):
        if state["ran"] or (name.startswith("__") and name not in _INIT_DUNDERS):
            raise AttributeError(f"module 'mesa' has no attribute {name!r}")
        state["ran"] = True
        spec.loader.exec_module(package)  # the rest of mesa/__init__: every name it defines
        return getattr(package, name)

    package.__getattr__ = __getattr__
    sys.modules["mesa"] = package


_defer_package_init()

from mesa.agent import Agent  # noqa: E402
from mesa.model import Model  # noqa: E402

if "Model" not in vars(sys.modules["mesa"]):  # deferred: the two names the game reads need no __init__
    sys.modules["mesa"].Agent, sys.modules["mesa"].Model = Agent, Model


def tables_base() -> type:
    """Mesa's DataCollector class, imported when a world first makes its tables (it imports pandas)."""
    from mesa.datacollection import DataCollector

    return DataCollector


__all__ = ["Agent", "Model", "tables_base"]
