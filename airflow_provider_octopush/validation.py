"""The rules of an Octopush voice campaign, in one plain module.

Octopush "repairs" bad input silently (a typo in ``voice_language`` gives a campaign in
some default voice), so every value is checked here before anything is sent. The
operator, the notifier and the sandbox all use these functions; nothing here calls
anything or imports ``requests`` (the error class comes from the provider's error family).

Policy where the Octopush docs are vague: be tolerant in what is accepted (booleans
rendered by Jinja as ``"True"``, enum values in any case, ``fr_FR`` for ``fr-FR``) and
strict in what is sent (JSON booleans, canonical spellings, ISO 8601 with an offset).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.exceptions import CampaignParameterError

if TYPE_CHECKING:
    from collections.abc import Mapping

TEXT_MAX_LENGTH = 1224
SENDER_PATTERN = re.compile(r"[A-Za-z0-9]{3,11}")
# Octopush states no rule for request_id; we send only what survives any proxy or log.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
SEGMENTATIONS = ("filter", "group")
VOICE_GENDERS = ("male", "female")
VOICE_LANGUAGES = (
    "en-US",
    "en-GB",
    "el-GR",
    "pl-PL",
    "hu-HU",
    "sv-SE",
    "de-DE",
    "es-ES",
    "es-LA",
    "fr-FR",
    "it-IT",
    "pt-BR",
    "ru-RU",
)
BOOLEAN_PARAMETERS = ("simulation_mode", "auto_remove_blacklisted_numbers", "get_back_pressed_keys")
TARGET_PARAMETERS = ("list_name", "tag_name")
# Every parameter of POST /voice-campaign-on-list/create, in the order of the API docs.
CAMPAIGN_PARAMETERS = (
    *TARGET_PARAMETERS,
    "segmentation",
    "text",
    "sender",
    "send_at",
    "voice_gender",
    "voice_language",
    *BOOLEAN_PARAMETERS,
    "request_id",
)
PAST_SEND_AT_POLICIES = ("fail", "skip", "send_now")
DEFAULT_SEND_AT_GRACE = timedelta(minutes=5)


def _describe(value: object) -> str:
    """Show a bad value without flooding the log with a 10 kB text."""
    shown = repr(value)
    return shown if len(shown) <= 80 else f"{shown[:77]}..."


def _require_str(name: str, value: object, rule: str) -> str:
    if not isinstance(value, str):
        raise CampaignParameterError(name, f"got {type(value).__name__} {_describe(value)}", rule)
    return value


def _choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    rule = "one of " + ", ".join(choices)
    text = _require_str(name, value, rule)
    key = text.strip().lower().replace("_", "-")
    for choice in choices:
        if choice.lower().replace("_", "-") == key:
            return choice
    raise CampaignParameterError(name, f"{_describe(value)} is not allowed", rule)


def parse_bool(name: str, value: object) -> bool:
    """Accept a bool or the strings Jinja renders for one ("true"/"false", any case)."""
    rule = 'a boolean, or the text "true" or "false" (any case)'
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise CampaignParameterError(name, f"{_describe(value)} is not a boolean", rule)


def parse_send_at(value: object) -> datetime:
    """Turn an aware datetime or an ISO 8601 string with offset into an aware datetime."""
    import pendulum  # the sandbox and parse-time imports of this module do not need it

    rule = "an ISO 8601 date-time with a UTC offset, e.g. 2024-05-01T08:30:00+02:00, or an aware datetime"
    if isinstance(value, str):
        try:
            parsed = pendulum.parse(value.strip(), tz=None, exact=True)
        except (ValueError, pendulum.parsing.exceptions.ParserError) as err:
            raise CampaignParameterError("send_at", f"{_describe(value)} is not a date-time", rule) from err
        if not isinstance(parsed, datetime):
            raise CampaignParameterError("send_at", f"{_describe(value)} is a date or a duration", rule)
        value = parsed
    if not isinstance(value, datetime):
        raise CampaignParameterError("send_at", f"got {type(value).__name__} {_describe(value)}", rule)
    if value.tzinfo is None or value.utcoffset() is None:
        raise CampaignParameterError("send_at", f"{_describe(value)} has no UTC offset (naive)", rule)
    return pendulum.instance(value).replace(microsecond=0)


def format_send_at(value: datetime) -> str:
    """ISO 8601 with an explicit offset, whole seconds: the form Octopush documents."""
    return value.replace(microsecond=0).isoformat()


def _text(value: object) -> str:
    rule = f"1 to {TEXT_MAX_LENGTH} characters, not only spaces"
    text = _require_str("text", value, rule)
    if not text.strip():
        raise CampaignParameterError("text", "is empty", rule)
    if len(text) > TEXT_MAX_LENGTH:
        raise CampaignParameterError("text", f"has {len(text)} characters", rule)
    return text


def _sender(value: object) -> str:
    rule = "3 to 11 characters, letters a-z, A-Z and digits 0-9 only"
    sender = _require_str("sender", value, rule)
    if not SENDER_PATTERN.fullmatch(sender):
        raise CampaignParameterError("sender", f"{_describe(value)} does not match", rule)
    return sender


def _target(name: str, value: object) -> str:
    rule = "a non-empty name without leading or trailing spaces or control characters"
    target = _require_str(name, value, rule)
    if target != target.strip() or any(ord(char) < 32 for char in target):
        raise CampaignParameterError(name, f"{_describe(value)} has stray spaces or control characters", rule)
    return target


def parse_request_id(value: object) -> str:
    """An idempotency key we are willing to send: short, printable, no spaces."""
    rule = "1 to 128 characters among a-z, A-Z, 0-9 and . _ : -"
    request_id = _require_str("request_id", value, rule)
    if not REQUEST_ID_PATTERN.fullmatch(request_id):
        raise CampaignParameterError("request_id", f"{_describe(value)} does not match", rule)
    return request_id


def is_unset(value: object) -> bool:
    """None means "not sent"; so does "" (what a template for an optional value renders)."""
    return value is None or value == ""


def normalize_campaign(params: Mapping[str, Any]) -> dict[str, Any]:
    """Check every create parameter and return the payload to send, unset ones left out.

    ``send_at`` comes back as a string in canonical form; whether it lies in the past is
    decided by :func:`resolve_send_at`, which needs the current time.
    """
    unknown = sorted(set(params) - set(CAMPAIGN_PARAMETERS))
    if unknown:
        raise CampaignParameterError(
            unknown[0], "is not a parameter of a voice campaign", "one of " + ", ".join(CAMPAIGN_PARAMETERS)
        )
    payload: dict[str, Any] = {}
    for name in CAMPAIGN_PARAMETERS:
        value = params.get(name)
        if name == "text":
            payload[name] = _text(value)
        elif is_unset(value):
            continue
        elif name in TARGET_PARAMETERS:
            payload[name] = _target(name, value)
        elif name in BOOLEAN_PARAMETERS:
            payload[name] = parse_bool(name, value)
        elif name == "segmentation":
            payload[name] = _choice(name, value, SEGMENTATIONS)
        elif name == "voice_gender":
            payload[name] = _choice(name, value, VOICE_GENDERS)
        elif name == "voice_language":
            payload[name] = _choice(name, value, VOICE_LANGUAGES)
        elif name == "sender":
            payload[name] = _sender(value)
        elif name == "send_at":
            payload[name] = format_send_at(parse_send_at(value))
        else:
            payload[name] = parse_request_id(value)
    if not any(name in payload for name in TARGET_PARAMETERS):
        raise CampaignParameterError(
            "list_name", "neither list_name nor tag_name is set", "a campaign calls a contact list, a tag, or both"
        )
    return payload


@dataclass(frozen=True)
class SendAtDecision:
    """What to do with a campaign whose ``send_at`` was checked against the clock."""

    payload: dict[str, Any]
    warning: str | None = None
    skip_reason: str | None = None


def resolve_send_at(
    payload: Mapping[str, Any],
    *,
    now: datetime,
    grace: timedelta = DEFAULT_SEND_AT_GRACE,
    on_past_send_at: str = "fail",
) -> SendAtDecision:
    """Never pass a past ``send_at`` on silently.

    Up to ``grace`` late: send now (``send_at`` dropped) with a warning. Older: by
    ``on_past_send_at``, fail (the default), skip, or send now with a warning. That
    is the choice a backfill over past dates has to make.
    """
    policy = _choice("on_past_send_at", on_past_send_at, PAST_SEND_AT_POLICIES)
    if not isinstance(grace, timedelta) or grace < timedelta(0):
        raise CampaignParameterError("send_at_grace", f"got {_describe(grace)}", "a timedelta of zero or more")
    if "send_at" not in payload:
        return SendAtDecision(dict(payload))
    send_at = parse_send_at(payload["send_at"])
    late = now - send_at
    if late <= timedelta(0):
        return SendAtDecision(dict(payload))
    now_payload = {name: value for name, value in payload.items() if name != "send_at"}
    lateness = f"send_at {format_send_at(send_at)} is {_format_delta(late)} in the past"
    if late <= grace:
        return SendAtDecision(now_payload, warning=f"{lateness} (within the {_format_delta(grace)} grace): sending now")
    if policy == "send_now":
        return SendAtDecision(now_payload, warning=f"{lateness}: sending now, as on_past_send_at='send_now' asks")
    if policy == "skip":
        return SendAtDecision(now_payload, skip_reason=f"{lateness}: skipped, as on_past_send_at='skip' asks")
    raise CampaignParameterError(
        "send_at",
        f"{lateness}, beyond the {_format_delta(grace)} grace",
        "a time in the future; for runs over past dates (backfills) set on_past_send_at to 'skip' or "
        "'send_now', or widen send_at_grace",
    )


def _format_delta(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{seconds:02d}s"
    return f"{seconds}s"
