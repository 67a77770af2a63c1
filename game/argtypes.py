"""Argument types shared by every command: a bad value becomes argparse's usage error (exit 2)."""

from __future__ import annotations

import argparse

TURNS_RULE = ("N is a whole number from 1 to the quarters left to play (a new game: the scenario's turns); "
              "0, a negative number or more than are left is a usage error")


def count(text: str) -> int:
    """A whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def positive(text: str) -> int:
    """A whole number, 1 or more: 0 and negative numbers get the same message (one rule)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}': must be a whole number, 1 or more")
    return value


def seed(text: str) -> int:
    value = count(text)
    if value >= 2**63:
        raise argparse.ArgumentTypeError("the seed must be between 0 and 2**63 - 1")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be 0 (no limit) or a positive number of seconds")
    return value


def difficulty(text: str) -> str:
    """A level named in assets/difficulty.toml."""
    from game.difficulty import levels

    if text not in levels():
        raise argparse.ArgumentTypeError(f"'{text}' is not a difficulty (choose from {', '.join(levels())})")
    return text


MIN_WINDOW, MAX_WINDOW = (1024, 600), (3840, 2160)  # the desktop game's layout is checked from 1024x600 to 4K


def parse_window(text: str) -> tuple[int, int]:
    """'1920x1080' -> (1920, 1080); ValueError for anything else or a size outside 1024x600..4K
    (smaller does not fit the desk; above 4K the layout has not been looked at). No pygame here:
    every command parses its arguments with this module."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"'{text}': a window size is WIDTHxHEIGHT, e.g. 1920x1080") from None
    if not (MIN_WINDOW[0] <= w <= MAX_WINDOW[0] and MIN_WINDOW[1] <= h <= MAX_WINDOW[1]):
        raise ValueError(f"'{text}': the window must be from {MIN_WINDOW[0]}x{MIN_WINDOW[1]} "
                         f"to {MAX_WINDOW[0]}x{MAX_WINDOW[1]}")
    return w, h


def window_size(text: str) -> str:
    """`play --size WxH`: kept as text ("1920x1080"), the form the settings file uses too."""
    try:
        w, h = parse_window(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return f"{w}x{h}"


def whole_in(low: int, high: int, what: str):
    """A parser for a whole number from `low` to `high`, its message naming `what` ("a port
    number (1 to 65535)") for text that is not a number and for a number out of range alike."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not {what} ({low} to {high})") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not {what} ({low} to {high})")
        return value

    parse.__name__ = what  # argparse names the type in some messages
    return parse

