"""The operators' own arguments (not sent to Octopush), checked when the DAG file loads or after rendering."""

from __future__ import annotations

import math
from datetime import timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.exceptions import ArgumentError, CampaignParameterError
from airflow_provider_octopush.rules.reading import describe
from airflow_provider_octopush.rules.values import parse_bool, parse_choice, parse_number, require_str

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

PAST_SEND_AT_POLICIES = ("fail", "skip", "send_now")


DEFAULT_SEND_AT_GRACE = timedelta(minutes=5)


# The operators' own arguments (not sent to Octopush), checked when the DAG file loads.
NUMBER_RULE = "a number of 0 or more (a numeric text is read as a number), or None for no limit"


SECONDS_RULE = "a number of seconds greater than 0 (a numeric text is read as a number)"


def parse_limit(name: str, value: object) -> float | None:
    """A budget limit (``max_cost``, ``max_contacts``): None for none, else a number of 0 or more.

    A number is kept as given; a numeric text becomes a number (an int when whole, so that messages say 50).
    """
    if value is None:
        return None
    if value.__class__ in (int, float) and 0 <= value < math.inf:
        return value
    number = parse_number(name, value, NUMBER_RULE, ArgumentError)
    if number < 0:
        raise ArgumentError(name, f"{describe(value)} is negative", NUMBER_RULE)
    if not isinstance(value, str):
        return value  # type: ignore[return-value]
    return int(number) if number.is_integer() else number


def parse_seconds(name: str, value: object) -> float:
    """A duration in seconds (``poll_interval``, ``wait_timeout``, ``timeout``): greater than 0."""
    if value.__class__ in (int, float) and 0 < value < math.inf:
        return value
    number = parse_number(name, value, SECONDS_RULE, ArgumentError)
    if number <= 0:
        raise ArgumentError(name, f"{describe(value)} is not greater than 0", SECONDS_RULE)
    return number


def parse_grace(value: object) -> timedelta:
    """``send_at_grace``: a timedelta, or a number of seconds, of zero or more."""
    if value is DEFAULT_SEND_AT_GRACE:
        return value
    rule = "a timedelta, or a number of seconds, of zero or more"
    if isinstance(value, timedelta):
        grace = value
    else:
        grace = timedelta(seconds=parse_number("send_at_grace", value, rule, ArgumentError))
    if grace < timedelta(0):
        raise ArgumentError("send_at_grace", f"{describe(value)} is negative", rule)
    return grace


def parse_policy(value: object) -> str:
    """``on_past_send_at``: fail, skip or send_now."""
    if value in PAST_SEND_AT_POLICIES:
        return value
    return parse_choice("on_past_send_at", value, PAST_SEND_AT_POLICIES, ArgumentError)


def parse_conn_id(value: object) -> str:
    """A connection id: a non-empty text (templates are not rendered in it)."""
    if value.__class__ is str and value.strip():
        return value
    rule = "the id of an Octopush connection, a non-empty text"
    conn_id = require_str("octopush_conn_id", value, rule, ArgumentError)
    if not conn_id.strip():
        raise ArgumentError("octopush_conn_id", "is empty", rule)
    return conn_id


def parse_ticket(value: object) -> str:
    """A ticket number: a non-empty text (stripped)."""
    rule = (
        "the ticket of a prepared campaign, a non-empty string such as 'voice_5f3fbce61266e' "
        "(check the task or XCom it is pulled from)"
    )
    if not isinstance(value, str) or not value.strip():
        raise CampaignParameterError("ticket_number", f"got {describe(value)}", rule)  # sent to Octopush
    return value.strip()


def parse_flag(name: str, value: object) -> bool:
    """An operator's own on/off argument (``send``, ``deferrable``, ...), read as ``parse_bool`` reads."""
    return parse_bool(name, value, ArgumentError)


def parse_option(name: str, value: object, choices: tuple[str, ...]) -> str:
    """An operator's own choice (``mode``, ``on_bad_row``), read as ``parse_choice`` reads."""
    return parse_choice(name, value, choices, ArgumentError)


def _parse_campaign_arguments(*values: object) -> Mapping[str, Any]:
    return MappingProxyType(
        {name: parse(value) for (name, parse), value in zip(_CAMPAIGN_ARGUMENTS, values, strict=True)}
    )


# typed: True equals 1 and hashes alike, and must not pass as the 1 checked before it.
_cached_campaign_arguments = lru_cache(maxsize=256, typed=True)(_parse_campaign_arguments)


def campaign_arguments(arguments: Mapping[str, Any]) -> Mapping[str, Any]:
    """A campaign operator's own arguments (:data:`CAMPAIGN_ARGUMENT_NAMES`, from its ``__init__``'s
    ``locals()``), checked, read-only (one answer serves every task that repeats them). Cached: the tasks of a
    DAG file mostly repeat them, and this runs for each at every parse (benchmarks/run.py); an unhashable value
    is checked uncached (and refused)."""
    values = [arguments[name] for name in CAMPAIGN_ARGUMENT_NAMES]
    try:
        return _cached_campaign_arguments(*values)
    except TypeError:  # unhashable
        return _parse_campaign_arguments(*values)


def store_arguments(task: object, values: Mapping[str, Any], /, **checked: Any) -> None:
    """Keep an operator's, a sensor's or a notifier's arguments as its attributes, once, in ``__init__``:
    ``values`` as given (the parameters sent to Octopush, checked by the rules later or at load), the
    ``checked`` ones as parsed.

    Stored through ``vars()``: while ``__init__`` runs, ``BaseOperator.__setattr__`` only looks for a
    converter (none of these names has one); the init kwargs and XComArg dependencies are recorded by
    the wrapper around ``__init__`` once it returns. The plain assignment costs about a microsecond an
    attribute at every DAG parse, and DAG files hold hundreds of these tasks (benchmarks/run.py).
    Assignments after ``__init__`` go through ``__setattr__`` as usual.
    """
    vars(task).update(values, **checked)


_CAMPAIGN_ARGUMENTS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("octopush_conn_id", parse_conn_id),
    ("send_at_grace", parse_grace),
    ("on_past_send_at", parse_policy),
    ("send", lambda value: parse_flag("send", value)),
    ("max_cost", lambda value: parse_limit("max_cost", value)),
    ("max_contacts", lambda value: parse_limit("max_contacts", value)),
    ("poll_interval", lambda value: parse_seconds("poll_interval", value)),
    ("wait_timeout", lambda value: parse_seconds("wait_timeout", value)),
    ("deferrable", lambda value: parse_flag("deferrable", value)),
)
CAMPAIGN_ARGUMENT_NAMES = tuple(name for name, _ in _CAMPAIGN_ARGUMENTS)
