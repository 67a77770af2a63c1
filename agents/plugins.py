"""Plug-in controllers: strategies the user wrote, named `path/to/file.py:Class` or `module:Class`.

The one place where such a spec becomes a controller class, and an instance of it, with the
checks and the messages that go with them. `sim --control KOR=SPEC` plays a plug-in in its own
process (`make_controller`); the tournament loads one only in its sandbox processes
(game/tournament/sandbox.py), through `load_class`.

A plug-in is arbitrary Python code that runs with the user's rights: importing its module runs
it. Nothing here limits what it can do; the tournament's sandbox protects a game's integrity
(the plug-in cannot reach the world or overrun its time), not the machine. A save never loads
one by itself: continuing a plug-in's game needs the user to name it again (game/cli.py).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
import traceback
from pathlib import Path

SPEC_FORMS = "path/to/file.py:Class or module:Class"
MODULE_PREFIX = "_plugin_"  # the name a plug-in's file is imported under (plus a digest of its path)


class SpecError(ValueError):
    """A spec that does not make a controller; the message names the spec and what is wrong."""


class PluginFault(RuntimeError):
    """A plug-in playing in this process raised (or exited) in decide() or choose()."""


def is_plugin(spec: str) -> bool:
    """User code (`module:Class`, `path/file.py:Class`); not a built-in name, not `policy:PATH`
    (the game's own code reading a data file, played by the tournament)."""
    return ":" in spec and not spec.startswith("policy:")


def parse(spec: str) -> tuple[str, str, bool]:
    """(where, class name, whether `where` is a file path) of a plug-in spec."""
    where, _, attr = spec.rpartition(":")
    if not where.strip() or not attr.strip():
        raise SpecError(f"strategy '{spec}' is not {SPEC_FORMS}")
    is_file = where.endswith(".py") or "/" in where or os.sep in where
    return where, attr, is_file


def load_class(spec: str):
    """The class (or zero-argument callable) a plug-in spec names, its module imported. A class
    must have a decide(observation) method."""
    where, attr, is_file = parse(spec)
    module = _load_file(spec, where) if is_file else _load_module(spec, where)
    target = getattr(module, attr, None)
    if target is None:
        found = sorted(n for n, v in vars(module).items() if isinstance(v, type) and hasattr(v, "decide"))
        raise SpecError(f"strategy '{spec}': '{where}' has no strategy class '{attr}'"
                        + (f" (strategy classes there: {', '.join(found)})" if found else ""))
    if not callable(target):
        raise SpecError(f"strategy '{spec}': '{attr}' in '{where}' is not a strategy class "
                        f"(it is of type {type(target).__name__})")
    if isinstance(target, type) and not callable(getattr(target, "decide", None)):
        raise SpecError(f"strategy '{spec}': class {attr} has no decide(observation) method, so it is not a "
                        "controller")
    return target


def instantiate(spec: str, target=None):
    """One instance of the plug-in (its class loaded first unless given)."""
    target = load_class(spec) if target is None else target
    try:
        instance = target()
    except (Exception, SystemExit) as exc:
        raise SpecError(f"strategy '{spec}' cannot be created: {error_text(exc)}") from None
    if not callable(getattr(instance, "decide", None)):
        raise SpecError(f"strategy '{spec}' made a {type(instance).__name__}, which has no decide(observation) "
                        "method, so it is not a controller")
    return instance


def make_controller(country: str, spec: str):
    """A controller by built-in name (agents.controllers) or plug-in spec; SpecError naming the
    spec, or the valid names, when it cannot be made."""
    if not is_plugin(spec):
        from agents.controllers import make_controller as builtin

        try:
            return builtin(country, spec)
        except KeyError as exc:
            raise SpecError(f"{exc.args[0]}; or your own as {SPEC_FORMS}") from None
        except ValueError as exc:  # a parameter it does not take, or a value out of range
            raise SpecError(str(exc)) from None
    return PlugIn(spec, country, instantiate(spec))


class PlugIn:
    """A plug-in playing in this process: named by its spec (what the summary shows and a save
    records); without choose() it takes an event's first choice, as in the tournament. What its
    code raises, SystemExit included, becomes a PluginFault naming the spec, country and quarter."""

    def __init__(self, spec: str, country: str, instance) -> None:
        self.name = spec
        self.country = country
        self.instance = instance

    def __deepcopy__(self, memo):  # World.preview copies the world, then drops the copy's controllers
        return self

    def decide(self, obs) -> list:
        try:
            return list(self.instance.decide(obs) or [])
        except (Exception, SystemExit) as exc:
            raise PluginFault(self._failed("decide", obs, exc)) from None

    def choose(self, event, obs) -> int:
        choose = getattr(self.instance, "choose", None)
        if choose is None:
            return 0
        try:
            return int(choose(event, obs))
        except (Exception, SystemExit) as exc:
            raise PluginFault(self._failed("choose", obs, exc)) from None

    def _failed(self, what: str, obs, exc: BaseException) -> str:
        return (f"strategy '{self.name}' ({self.country}) failed in {what}() in quarter {obs.date}: "
                f"{error_text(exc)}")


def error_text(exc: BaseException, skip: tuple[str, ...] = ()) -> str:
    """The exception and the innermost frames of the user's code (not this module's, nor the
    files in `skip`), short enough for a message or a table cell."""
    ours = {__file__, *skip}
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename not in ours and not f.filename.startswith("<frozen")][-3:]
    where = " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}" for f in reversed(frames))
    text = f"{type(exc).__name__}: {exc}" + (f" (at {where})" if where else "")
    return text[:2000]


def _load_file(strategy: str, path_text: str):
    path = Path(path_text).expanduser().resolve()
    if not path.is_file():
        raise SpecError(f"strategy '{strategy}': the file '{path_text}' does not exist")
    name = MODULE_PREFIX + hashlib.sha1(str(path).encode()).hexdigest()[:12]
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SpecError(f"strategy '{strategy}': the file '{path_text}' is not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        del sys.modules[name]
        raise SpecError(f"strategy '{strategy}': the file '{path_text}' failed to import: {error_text(exc)}") \
            from None
    return module


def _load_module(strategy: str, name: str):
    if os.getcwd() not in sys.path:  # like `python -m`: modules in the current folder are found
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise SpecError(f"strategy '{strategy}': cannot import module '{name}': {exc}") from None
    except (Exception, SystemExit) as exc:
        raise SpecError(f"strategy '{strategy}': module '{name}' failed to import: {error_text(exc)}") from None
