"""Strategies by name: a built-in (`agents.controllers`), `policy:PATH`, or a plug-in
(`module:Class`, `path/to/file.py:Class`, loaded by `agents.plugins`).

A strategy is a class (or any zero-argument callable) whose instances have
`decide(observation) -> list[Action]` and optionally `choose(event, observation) -> int`.
A plug-in (user code) is loaded only in sandbox processes (tournament/sandbox.py): once from the
parent, to refuse a bad spec before any game runs, and then in a sandbox beside each worker that
plays it. Neither the parent nor a worker ever imports it.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from agents.plugins import SPEC_FORMS, SpecError, is_plugin, load_class

__all__ = ["LOADER_SAYS", "SpecError", "builtin_names", "check", "factory", "is_plugin", "label"]

LOADER_SAYS = "spec: "  # how a sandbox marks the loader's own message (a SpecError) in its reply


def builtin_names(role: str) -> list[str]:
    from agents.controllers import strategy_names

    return strategy_names(role)


def factory(spec: str, role: str) -> Callable[[], object]:
    """A zero-argument callable making a fresh controller for one game. `policy:PATH` plays a
    policy saved by `python main.py train --out PATH` (game.env, a front end: here, not in
    agents.plugins)."""
    if spec.startswith("policy:"):
        path = spec[len("policy:"):]
        if not path or not os.path.isfile(path):
            raise SpecError(f"'{spec}': no policy file '{path}' (make one with python main.py train --out PATH)")
        from game.env import PolicyController

        try:
            PolicyController(path)  # a policy for another design (an older trainer's) is refused here, once
        except ValueError as exc:
            raise SpecError(f"'{spec}': {exc}") from None
        return lambda: PolicyController(path)
    if is_plugin(spec):
        return load_class(spec)
    from agents.controllers import make_controller

    if spec.partition("(")[0].strip() not in builtin_names(role):
        raise SpecError(f"unknown strategy '{spec}' for {role} (valid: {', '.join(builtin_names(role))}; "
                        f"or your own as {SPEC_FORMS})")
    try:
        make_controller(role, spec)  # its parameters checked here, once, not in every game
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    return lambda: make_controller(role, spec)


def check(spec: str, role: str) -> str:
    """Raise SpecError unless `spec` makes a controller with a decide() method; return its short
    label for tables (`label`). A plug-in is loaded and made once in a sandbox (its import and
    constructor may do anything, sys.exit included), within sandbox.LOAD_SECONDS, and names itself
    there (its `name` attribute)."""
    if not is_plugin(spec):
        factory(spec, role)
        return label(spec)
    from game.tournament.sandbox import inspect_spec

    problem, name = inspect_spec(spec, role, os.getcwd())
    if problem is not None:
        if problem.startswith(LOADER_SAYS):
            raise SpecError(problem[len(LOADER_SAYS):])
        raise SpecError(f"strategy '{spec}' cannot be created: {problem}")
    return name or label(spec)


def label(spec: str) -> str:
    """A strategy's short label without running it: a built-in's name is its spec; a plug-in's
    class (`path/file.py:Class` -> Class); a saved policy's file name (`policy:runs/a.json` -> a)."""
    if spec.startswith("policy:"):
        return "policy:" + os.path.splitext(os.path.basename(spec[len("policy:"):]))[0]
    if is_plugin(spec):
        return spec.rpartition(":")[2] or spec
    return spec
