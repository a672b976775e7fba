"""The checks of single values that every rule builds on: texts, choices, booleans, numbers, dates.

Each failure is a :class:`~airflow_provider_octopush.exceptions.CampaignParameterError` naming the
parameter and its rule, or the ``error`` given (an ``ArgumentError`` for an operator's own argument).
This is the package's one tolerant number parser.
"""

from __future__ import annotations

from datetime import datetime

from airflow_provider_octopush.exceptions import CampaignParameterError
from airflow_provider_octopush.rules.reading import describe, finite_number


def require_str(
    name: str, value: object, rule: str, error: type[CampaignParameterError] = CampaignParameterError
) -> str:
    if not isinstance(value, str):
        raise error(name, f"got {type(value).__name__} {describe(value)}", rule)
    return value


def one_of(choices: tuple[str, ...]) -> str:
    return "one of " + ", ".join(choices)


def parse_choice(
    name: str, value: object, choices: tuple[str, ...], error: type[CampaignParameterError] = CampaignParameterError
) -> str:
    """One of ``choices``, in any case (``_`` for ``-``), returned in its canonical spelling."""
    rule = one_of(choices)
    text = require_str(name, value, rule, error)
    key = text.strip().lower().replace("_", "-")
    for choice in choices:
        if choice.lower().replace("_", "-") == key:
            return choice
    raise error(name, f"{describe(value)} is not allowed", rule)


BOOLEAN_RULE = 'a boolean, or the text "true" or "false" (any case)'


def parse_bool(name: str, value: object, error: type[CampaignParameterError] = CampaignParameterError) -> bool:
    """Accept a bool or the strings Jinja renders for one ("true"/"false", any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise error(name, f"{describe(value)} is not a boolean", BOOLEAN_RULE)


SEND_AT_RULE = "an ISO 8601 date-time with a UTC offset, e.g. 2024-05-01T08:30:00+02:00, or an aware datetime"


def parse_send_at(value: object) -> datetime:
    """Turn an aware datetime or an ISO 8601 string with offset into an aware datetime."""
    import pendulum  # the sandbox and parse-time imports of this module do not need it

    if isinstance(value, str):
        try:
            parsed = pendulum.parse(value.strip(), tz=None, exact=True)
        except (ValueError, pendulum.parsing.exceptions.ParserError) as err:
            raise CampaignParameterError("send_at", f"{describe(value)} is not a date-time", SEND_AT_RULE) from err
        if not isinstance(parsed, datetime):
            raise CampaignParameterError("send_at", f"{describe(value)} is a date or a duration", SEND_AT_RULE)
        value = parsed
    if not isinstance(value, datetime):
        raise CampaignParameterError("send_at", f"got {type(value).__name__} {describe(value)}", SEND_AT_RULE)
    if value.tzinfo is None or value.utcoffset() is None:
        raise CampaignParameterError("send_at", f"{describe(value)} has no UTC offset (naive)", SEND_AT_RULE)
    return pendulum.instance(value).replace(microsecond=0)


def format_send_at(value: datetime) -> str:
    """ISO 8601 with an explicit offset, whole seconds: the form Octopush documents."""
    return value.replace(microsecond=0).isoformat()


def parse_number(
    name: str, value: object, rule: str, error: type[CampaignParameterError] = CampaignParameterError
) -> float:
    """A finite number, as :func:`~airflow_provider_octopush.rules.reading.finite_number` reads one."""
    number = finite_number(value)
    if number is None:
        shown = describe(value) if isinstance(value, str) else f"{type(value).__name__} {describe(value)}"
        raise error(name, f"{shown} is not a number", rule)
    return number
