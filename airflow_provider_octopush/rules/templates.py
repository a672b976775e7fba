"""At DAG load: which arguments a template will still render, and the check of those that none will."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.exceptions import CampaignParameterError
from airflow_provider_octopush.rules.parameters import (
    BY_NAME,
    MESSAGE_BY_NAME,
    NO_TARGET,
    SMS_MESSAGE_BY_NAME,
    check_sms_content,
)
from airflow_provider_octopush.rules.reading import is_unset
from airflow_provider_octopush.rules.recipients import parse_recipients

if TYPE_CHECKING:
    from collections.abc import Mapping


_LITERAL_TYPES = (str, bool, int, float, datetime)


def holds_template(value: object) -> bool:
    """Whether Airflow may still render ``value`` into something else: a Jinja string, an XComArg, a container."""
    if isinstance(value, str):
        return "{{" in value or "{%" in value or "{#" in value
    return not (value is None or isinstance(value, _LITERAL_TYPES))


def is_literal(value: object) -> bool:
    """Whether ``value``, a container included, holds nothing Airflow would render (so it can be checked now)."""
    if isinstance(value, (list, tuple)):
        return all(is_literal(item) for item in value)
    if isinstance(value, dict):
        return all(is_literal(item) for item in value.values())
    return not holds_template(value)


def has_custom_jinja(dag: object) -> bool:
    """A DAG that changes Jinja's delimiters: its templates cannot be told from plain text here."""
    return bool(getattr(dag, "jinja_environment_kwargs", None))


@lru_cache(maxsize=1024, typed=True)
def _check_literal(name: str, value: object) -> None:
    """Cached: a DAG file of 300 tasks repeats the same sender and voice 300 times (typed: True is not 1).
    A name the voice and SMS tables share has the same check in both."""
    (BY_NAME.get(name) or MESSAGE_BY_NAME.get(name) or SMS_MESSAGE_BY_NAME[name]).normalize(value)


def check_literals(arguments: Mapping[str, Any], *, custom_jinja: bool = False, needs_target: bool = True) -> None:
    """At DAG load: check the campaign values that no template will render, and (``needs_target``) that a list
    or tag is given.

    A value holding a template is checked after rendering, in ``execute()``; with ``custom_jinja``
    (other delimiters than ``{{ }}``) no text can be told from a template, and only the rest is checked.
    Runs for every task at every parse of a DAG file, so it is kept cheap (benchmarks/run.py).
    """
    for name, value in arguments.items():
        if value is None:
            continue
        if value.__class__ is str:
            if not value or custom_jinja or ("{" in value and holds_template(value)):
                continue  # rendered later: checked in execute()
        elif not isinstance(value, _LITERAL_TYPES):
            continue
        _check_literal(name, value)
    if is_unset(arguments["text"]):
        BY_NAME["text"].normalize(arguments["text"])
    if needs_target and arguments.get("list_name") is None and arguments.get("tag_name") is None:
        raise CampaignParameterError(*NO_TARGET)


_SMS_CONTENT = ("text", "type", "purpose")


def check_sms_literals(arguments: Mapping[str, Any], recipients: object, *, custom_jinja: bool = False) -> None:
    """At DAG load: the opt-out rule of an SMS whose text, type and purpose are all written out on the task
    (none rendered, none left to the connection's defaults), to literal ``recipients`` or (None) a list or tag.
    Otherwise :func:`~airflow_provider_octopush.rules.parameters.check_sms_content` decides after rendering."""
    if custom_jinja:
        return
    for name in _SMS_CONTENT:  # a loop, not any(): this runs for every SMS task at every parse
        value = arguments[name]
        if is_unset(value) or holds_template(value):
            return
    if recipients is None:
        phone_numbers = None
    elif is_literal(recipients):
        phone_numbers = list(parse_recipients(recipients).numbers())
    else:
        return  # numbers still to render: whether one is French is not known yet
    check_sms_content(
        {name: SMS_MESSAGE_BY_NAME[name].normalize(arguments[name]) for name in _SMS_CONTENT}, phone_numbers
    )
