"""Strategies by name: a built-in (`agents.controllers`), `module:Class`, or `path/to/file.py:Class`.

A strategy is a class (or any zero-argument callable) whose instances have
`decide(observation) -> list[Action]` and optionally `choose(event, observation) -> int`.
A plug-in (user code) is loaded only in sandbox processes (tournament/sandbox.py): once from the
parent, to refuse a bad spec before any game runs, and then in a sandbox beside each worker that
plays it. Neither the parent nor a worker ever imports it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path


class StrategyError(ValueError):
    """A strategy spec that cannot be loaded; the message names the valid choices."""


LOADER_SAYS = "spec: "  # how a sandbox marks the loader's own message (a StrategyError) in its reply


def builtin_names(role: str) -> list[str]:
    from agents.controllers import strategy_names

    return strategy_names(role)


def is_plugin(spec: str) -> bool:
    """User code (`module:Class`, `path/file.py:Class`), played from a sandbox; built-ins and
    `policy:PATH` (the game's own code reading a data file) play in the worker."""
    return ":" in spec and not spec.startswith("policy:")


def _load_file(path_text: str):
    path = Path(path_text).expanduser().resolve()
    if not path.is_file():
        raise StrategyError(f"strategy file '{path_text}' does not exist")
    name = "_tournament_user_" + hashlib.sha1(str(path).encode()).hexdigest()[:12]
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise StrategyError(f"strategy file '{path_text}' is not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise StrategyError(f"strategy file '{path_text}' failed to import: {type(exc).__name__}: {exc}") from None
    return module


def _load_module(name: str):
    if os.getcwd() not in sys.path:  # like `python -m`: modules in the current folder are found
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise StrategyError(f"cannot import module '{name}': {exc}") from None
    except Exception as exc:
        raise StrategyError(f"module '{name}' failed to import: {type(exc).__name__}: {exc}") from None


def factory(spec: str, role: str) -> Callable[[], object]:
    """A zero-argument callable making a fresh controller for one game. `policy:PATH` plays a
    policy saved by `python main.py train --out PATH`."""
    if spec.startswith("policy:"):
        path = spec[len("policy:"):]
        if not path or not os.path.isfile(path):
            raise StrategyError(f"'{spec}': no policy file '{path}' (make one with python main.py train --out PATH)")
        from game.env import PolicyController

        return lambda: PolicyController(path)
    if ":" not in spec:
        from agents.controllers import make_controller

        if spec not in builtin_names(role):
            raise StrategyError(f"unknown strategy '{spec}' for {role} (valid: {', '.join(builtin_names(role))}; "
                                "or your own as module:Class or path/to/file.py:Class)")
        return lambda: make_controller(role, spec)
    where, _, attr = spec.rpartition(":")
    if not where or not attr:
        raise StrategyError(f"'{spec}' is not module:Class or path/to/file.py:Class")
    looks_like_file = where.endswith(".py") or "/" in where or os.sep in where
    module = _load_file(where) if looks_like_file else _load_module(where)
    target = getattr(module, attr, None)
    if target is None or not callable(target):
        found = sorted(n for n, v in vars(module).items() if isinstance(v, type) and hasattr(v, "decide"))
        raise StrategyError(f"'{where}' has no strategy class '{attr}'"
                            + (f" (strategy classes there: {', '.join(found)})" if found else ""))
    return target


def check(spec: str, role: str) -> None:
    """Raise StrategyError unless `spec` makes a controller with a decide() method. A plug-in is
    loaded and made once in a sandbox (its import and constructor may do anything, sys.exit
    included), within sandbox.LOAD_SECONDS."""
    if not is_plugin(spec):
        factory(spec, role)
        return
    from game.tournament.sandbox import check_spec

    problem = check_spec(spec, role, os.getcwd())
    if problem is not None:
        if problem.startswith(LOADER_SAYS):
            raise StrategyError(problem[len(LOADER_SAYS):])
        raise StrategyError(f"strategy '{spec}' cannot be created: {problem}")
