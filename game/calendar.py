"""Quarter labels ("2025Q1") and arithmetic on them.

A turn is one quarter; scenarios name dates as quarter labels so that data files read like the
calendar they describe. Internally a date is an integer count of quarters since year 0.
"""

import re
from functools import lru_cache

_LABEL = re.compile(r"^([0-9]{4})Q([1-4])$")  # ASCII digits only, as scenarios and saves write them


@lru_cache(maxsize=4096)
def parse_quarter(label: str) -> int:
    """Return the quarter index of a label such as "2025Q1"; raise ValueError on anything else.
    Remembered: the model reads the same few labels (launch dates, event windows) thousands of
    times a game."""
    match = _LABEL.match(label)
    if not match:
        raise ValueError(f"'{label}' is not a quarter such as 2025Q1")
    return int(match.group(1)) * 4 + int(match.group(2)) - 1


@lru_cache(maxsize=4096)
def quarter_label(index: int) -> str:
    """Inverse of parse_quarter."""
    return f"{index // 4}Q{index % 4 + 1}"
