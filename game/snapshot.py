"""A deep copy of a world that costs a fraction of `copy.deepcopy` (World.fork, issue 15).

A fork is played forward for previews, greedy's look-ahead and the desk's forecast, so it is
made often, and `copy.deepcopy` spent most of its time on two things: copying what never changes
after a world is built (the scenario's pydantic specs, several hundred objects) and its own
per-object dispatch on plain containers of numbers. This module keeps deepcopy's semantics (one
copy per original reached, aliasing and cycles preserved through the memo, the same `memo`
protocol, so `__deepcopy__` methods in and out of it mix freely; the one difference is that a
value that cannot change, a numpy scalar or a frozenset of numbers and strings, is shared where
deepcopy would make an equal one) and removes that overhead:

- `share(memo, *roots)` seeds a deepcopy memo with immutable roots (the scenario) and every
  object reachable from them, so that the copy *shares* them;
- `clone(value, memo)` is `copy.deepcopy(value, memo)` with fast paths for atomic values, exact
  dicts, lists, tuples and sets, bound methods, numeric numpy arrays, numpy `Generator`s over
  PCG64, `random.Random`, and plain instances (a `__dict__` and no copy protocol of their own);
  anything else goes to its own `__deepcopy__` or to `copy.deepcopy` with the same memo.

Why not a field-by-field copier: a new attribute on any class is copied here without anyone
remembering to list it, exactly as deepcopy would copy it.
"""

from __future__ import annotations

import copy
import copyreg
import functools
import random
import types
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import BaseModel

# Types whose deep copy is the object itself (copy's own atomic types, and numpy's scalars).
ATOMIC: frozenset[type] = frozenset({
    type(None), int, float, bool, complex, str, bytes, range, type, types.FunctionType,
    types.BuiltinFunctionType, types.CodeType, types.EllipsisType, types.NotImplementedType,
    weakref.ref, property, np.float64, np.float32, np.int64, np.int32, np.bool_})

_MISSING = object()
# One seed sequence for every copied generator: its state is overwritten at once, and seeding
# from a ready SeedSequence is the cheapest way to make a PCG64 (no OS entropy).
_SEED = np.random.SeedSequence(0)


def clone(value: Any, memo: dict[int, Any]) -> Any:
    """`copy.deepcopy(value, memo)`, faster on the values a world is made of."""
    cls = type(value)
    if cls in ATOMIC:
        return value
    found = memo.get(id(value), _MISSING)
    if found is not _MISSING:
        return found
    copier = _BY_TYPE.get(cls)
    if copier is None:
        copier = _BY_TYPE[cls] = _copier(cls)
    return copier(value, memo)


def copy_instance(value: Any, memo: dict[int, Any]) -> Any:
    """A new instance of `value`'s class (its `__init__` not run) whose `__dict__` is a deep copy
    of `value`'s: what deepcopy does for a plain object, for a class's own `__deepcopy__`."""
    new = object.__new__(type(value))
    memo[id(value)] = new
    new.__dict__.update(_items(value.__dict__, memo))
    return new


def copy_items(value: dict, memo: dict[int, Any]) -> dict:
    """A deep copy of a dict's entries as a plain dict (keys copied too, as deepcopy does)."""
    return _items(value, memo)


def share(memo: dict[int, Any], *roots: Any) -> None:
    """Seed a deepcopy memo so that the copy shares `roots` and every container and pydantic model
    reachable from them instead of copying them (entries a caller put in the memo stay). Only
    for objects nothing changes once a world is built: the scenario and its specs, frozen models
    whose lists and dicts the game only reads (tests/test_fork.py checks that a played game
    leaves the scenario's content unchanged)."""
    for root in roots:
        inside = dict(_reachable(root))
        inside[id(root)] = root
        inside.update(memo)
        memo.update(inside)


_REACHABLE: dict[int, dict[int, Any]] = {}  # id of a root -> what `_reachable` found, while the root lives


def _reachable(root: Any) -> dict[int, Any]:
    """Everything reachable from `root` but `root` itself, by id, found once per root and kept
    until the root is collected (a tournament forks many worlds of one scenario; held here, the
    list neither pins the root nor is written into the world it was made for)."""
    key = id(root)
    found = _REACHABLE.get(key)
    if found is None:
        found = {}
        stack = [root]
        while stack:
            obj = stack.pop()
            if type(obj) in ATOMIC or id(obj) in found:
                continue
            found[id(obj)] = obj
            if isinstance(obj, BaseModel):
                stack.extend(obj.__dict__.values())
            elif isinstance(obj, dict):
                stack.extend(obj.keys())
                stack.extend(obj.values())
            elif isinstance(obj, list | tuple | set | frozenset):
                stack.extend(obj)
            elif hasattr(obj, "__dict__") and _plain(type(obj)):
                stack.extend(vars(obj).values())
        del found[key]
        _REACHABLE[key] = found
        weakref.finalize(root, _REACHABLE.pop, key, None)
    return found


# ------------------------------------------------------------------ copiers, by type
def _items(value: dict, memo: dict[int, Any]) -> dict:
    atomic = ATOMIC
    return {(k if type(k) in atomic else clone(k, memo)): (v if type(v) in atomic else clone(v, memo))
            for k, v in value.items()}


def _copy_dict(value: dict, memo: dict[int, Any]) -> dict:
    new: dict = {}
    memo[id(value)] = new  # before the entries: a cycle back to this dict finds the copy
    new.update(_items(value, memo))
    return new


def _copy_list(value: list, memo: dict[int, Any]) -> list:
    new: list = []
    memo[id(value)] = new
    atomic = ATOMIC
    new.extend([v if type(v) in atomic else clone(v, memo) for v in value])
    return new


def _copy_tuple(value: tuple, memo: dict[int, Any]) -> tuple:
    """As deepcopy: the same tuple when every item copies to itself, else a new one."""
    atomic = ATOMIC
    for v in value:  # most are rows of numbers and names (the DataCollector's): nothing to copy
        if type(v) not in atomic:
            break
    else:
        return value
    items = [v if type(v) in atomic else clone(v, memo) for v in value]
    found = memo.get(id(value), _MISSING)  # a cycle through the tuple made its copy already
    if found is not _MISSING:
        return found
    if all(a is b for a, b in zip(items, value, strict=True)):
        return value
    new = tuple(items)
    memo[id(value)] = new
    return new


def _copy_set(value: set | frozenset, memo: dict[int, Any]) -> set | frozenset:
    atomic = ATOMIC
    if type(value) is frozenset and all(type(v) in atomic for v in value):
        return value  # immutable all the way down
    new = type(value)(v if type(v) in atomic else clone(v, memo) for v in value)
    memo[id(value)] = new
    return new


def _copy_method(value: types.MethodType, memo: dict[int, Any]) -> types.MethodType:
    new = types.MethodType(value.__func__, clone(value.__self__, memo))
    memo[id(value)] = new
    return new


def _copy_array(value: np.ndarray, memo: dict[int, Any]) -> np.ndarray:
    new = value.copy() if value.dtype != object else value.__deepcopy__(memo)
    memo[id(value)] = new
    return new


def _copy_generator(value: np.random.Generator, memo: dict[int, Any]) -> np.random.Generator:
    """The same bit generator state in a new PCG64 (pickling one, as deepcopy does, is ~3x slower)."""
    bits = value.bit_generator
    if type(bits) is not np.random.PCG64:
        return _fallback(value, memo)
    fresh = np.random.PCG64(_SEED)
    fresh.state = bits.state
    new = np.random.Generator(fresh)
    memo[id(value)] = new
    return new


def _copy_random(value: random.Random, memo: dict[int, Any]) -> random.Random:
    new = random.Random(0)
    new.setstate(value.getstate())  # the tuple of 625 ints deepcopy would copy one by one
    memo[id(value)] = new
    return new


def _fallback(value: Any, memo: dict[int, Any]) -> Any:
    return copy.deepcopy(value, memo)


def _own_deepcopy(value: Any, memo: dict[int, Any]) -> Any:
    new = value.__deepcopy__(memo)
    if new is not value:
        memo[id(value)] = new
    return new


_COPIERS: dict[type, Callable[[Any, dict[int, Any]], Any]] = {
    dict: _copy_dict, list: _copy_list, tuple: _copy_tuple, set: _copy_set, frozenset: _copy_set,
    types.MethodType: _copy_method, np.ndarray: _copy_array, np.random.Generator: _copy_generator,
    random.Random: _copy_random}


_BY_TYPE: dict[type, Callable[[Any, dict[int, Any]], Any]] = {}  # every type met so far -> its copier


def _copier(cls: type) -> Callable[[Any, dict[int, Any]], Any]:
    found = _COPIERS.get(cls)
    if found is not None:
        return found
    if _plain(cls):
        return copy_instance
    if _stateful(cls):
        return _copy_with_state
    if getattr(cls, "__deepcopy__", None) is not None:
        return _own_deepcopy
    return _fallback


def _copy_with_state(value: Any, memo: dict[int, Any]) -> Any:
    """deepcopy's copy of an object with its own `__getstate__`/`__setstate__` (Mesa's AgentSet):
    a new instance, given a deep copy of the state. The state is made for the copy, so it is kept
    alive in the memo as deepcopy keeps it (its id must not be reused while the copy is made)."""
    new = object.__new__(type(value))
    memo[id(value)] = new
    state = value.__getstate__()
    if state is not None:
        memo.setdefault(id(memo), []).append(state)
        new.__setstate__(clone(state, memo))
    return new


def _bare(cls: type) -> bool:
    """Instances made by object's `__new__`, pickled by object's reduce, with a `__dict__`, and no
    slots of their own (an ABC's empty `__slots__` is no slot) nor a hook deepcopy would call."""
    hooks = ("__deepcopy__", "__getnewargs_ex__", "__getnewargs__")
    return (cls.__new__ is object.__new__ and cls.__reduce_ex__ is object.__reduce_ex__
            and cls.__reduce__ is object.__reduce__ and cls not in copyreg.dispatch_table
            and not any(hasattr(cls, h) for h in hooks) and cls.__dictoffset__ != 0
            and not any(_slots(k) - {"__dict__", "__weakref__"} for k in cls.__mro__))


def _slots(cls: type) -> set[str]:
    slots = vars(cls).get("__slots__", ())
    return {slots} if isinstance(slots, str) else set(slots)


@functools.cache
def _plain(cls: type) -> bool:
    """Whether deepcopy would copy an instance of `cls` as `copy_instance` does: a bare class
    (above) whose state is its `__dict__`."""
    return _bare(cls) and cls.__getstate__ is object.__getstate__ and not hasattr(cls, "__setstate__")


@functools.cache
def _stateful(cls: type) -> bool:
    return _bare(cls) and hasattr(cls, "__setstate__")
