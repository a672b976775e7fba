"""How the rules read a value, before any rule applies: what counts as unset, what as a number, how a bad
value is shown in a message.

No error type of its own and no Airflow import, so that the connection's rules (read by the UI and
``get_provider_info``) use the same reading as the operators' and the answers'. Tolerant in what it
accepts: a number may come as an int, a float or a numeric text (spaces around it allowed), as
Octopush's own figures do; never as a bool (True is not one contact), never NaN or infinite.
"""

from __future__ import annotations

import math


def describe(value: object) -> str:
    """Show a bad value without flooding the log with a 10 kB text."""
    shown = repr(value)
    return shown if len(shown) <= 80 else f"{shown[:77]}..."


def is_unset(value: object) -> bool:
    """None means "not sent"; so does "" (what a template for an optional value renders)."""
    return value is None or value == ""


def finite_number(value: object) -> float | None:
    """The number an int, a float or a numeric text holds; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def as_count(value: object) -> int | float | None:
    """A count (of contacts, say): whole numbers as int, so that messages say 25, not 25.0."""
    number = finite_number(value)
    return int(number) if number is not None and number.is_integer() else number
