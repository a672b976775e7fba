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

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.exceptions import CampaignParameterError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from airflow_provider_octopush.steps.campaign import Logger

TEXT_MAX_LENGTH = 1224
SENDER_PATTERN = re.compile(r"[A-Za-z0-9]{3,11}")
# Octopush states no rule for request_id; we send only what survives any proxy or log.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
SEGMENTATIONS = ("filter", "group")
PURPOSES = ("alert", "wholesale")
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


def _one_of(choices: tuple[str, ...]) -> str:
    return "one of " + ", ".join(choices)


def parse_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    """One of ``choices``, in any case (``_`` for ``-``), returned in its canonical spelling."""
    rule = _one_of(choices)
    text = _require_str(name, value, rule)
    key = text.strip().lower().replace("_", "-")
    for choice in choices:
        if choice.lower().replace("_", "-") == key:
            return choice
    raise CampaignParameterError(name, f"{_describe(value)} is not allowed", rule)


BOOLEAN_RULE = 'a boolean, or the text "true" or "false" (any case)'


def parse_bool(name: str, value: object) -> bool:
    """Accept a bool or the strings Jinja renders for one ("true"/"false", any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise CampaignParameterError(name, f"{_describe(value)} is not a boolean", BOOLEAN_RULE)


SEND_AT_RULE = "an ISO 8601 date-time with a UTC offset, e.g. 2024-05-01T08:30:00+02:00, or an aware datetime"


def parse_send_at(value: object) -> datetime:
    """Turn an aware datetime or an ISO 8601 string with offset into an aware datetime."""
    import pendulum  # the sandbox and parse-time imports of this module do not need it

    if isinstance(value, str):
        try:
            parsed = pendulum.parse(value.strip(), tz=None, exact=True)
        except (ValueError, pendulum.parsing.exceptions.ParserError) as err:
            raise CampaignParameterError("send_at", f"{_describe(value)} is not a date-time", SEND_AT_RULE) from err
        if not isinstance(parsed, datetime):
            raise CampaignParameterError("send_at", f"{_describe(value)} is a date or a duration", SEND_AT_RULE)
        value = parsed
    if not isinstance(value, datetime):
        raise CampaignParameterError("send_at", f"got {type(value).__name__} {_describe(value)}", SEND_AT_RULE)
    if value.tzinfo is None or value.utcoffset() is None:
        raise CampaignParameterError("send_at", f"{_describe(value)} has no UTC offset (naive)", SEND_AT_RULE)
    return pendulum.instance(value).replace(microsecond=0)


def format_send_at(value: datetime) -> str:
    """ISO 8601 with an explicit offset, whole seconds: the form Octopush documents."""
    return value.replace(microsecond=0).isoformat()


TEXT_RULE = f"1 to {TEXT_MAX_LENGTH} characters, not only spaces"


def _text(name: str, value: object) -> str:
    text = _require_str(name, value, TEXT_RULE)
    if not text.strip():
        raise CampaignParameterError(name, "is empty", TEXT_RULE)
    if len(text) > TEXT_MAX_LENGTH:
        raise CampaignParameterError(name, f"has {len(text)} characters", TEXT_RULE)
    return text


SENDER_RULE = "3 to 11 characters, letters a-z, A-Z and digits 0-9 only"


def _sender(name: str, value: object) -> str:
    sender = _require_str(name, value, SENDER_RULE)
    if not SENDER_PATTERN.fullmatch(sender):
        raise CampaignParameterError(name, f"{_describe(value)} does not match", SENDER_RULE)
    return sender


TARGET_RULE = "a non-empty name without leading or trailing spaces or control characters"


_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f]")


def _target(name: str, value: object) -> str:
    target = _require_str(name, value, TARGET_RULE)
    if target != target.strip() or _CONTROL_CHARACTER.search(target):
        raise CampaignParameterError(name, f"{_describe(value)} has stray spaces or control characters", TARGET_RULE)
    return target


REQUEST_ID_RULE = "1 to 128 characters among a-z, A-Z, 0-9 and . _ : -"


def parse_request_id(value: object, name: str = "request_id") -> str:
    """An idempotency key we are willing to send: short, printable, no spaces."""
    request_id = _require_str(name, value, REQUEST_ID_RULE)
    if not REQUEST_ID_PATTERN.fullmatch(request_id):
        raise CampaignParameterError(name, f"{_describe(value)} does not match", REQUEST_ID_RULE)
    return request_id


def is_unset(value: object) -> bool:
    """None means "not sent"; so does "" (what a template for an optional value renders)."""
    return value is None or value == ""


@dataclass(frozen=True)
class Parameter:
    """One parameter of the create call: its name (the API's spelling), rule, what is sent, and its check.

    The one definition that the operator, the notifier, the hook's payload, the sandbox and
    the docs' argument table are derived from or tested against.
    """

    name: str
    rule: str
    sent: str
    doc: str
    check: Callable[[str, object], Any]

    def normalize(self, value: object) -> Any:
        """The value to send, or a :class:`CampaignParameterError` naming this parameter and its rule."""
        return self.check(self.name, value)


def _choice_check(choices: tuple[str, ...]) -> Callable[[str, object], str]:
    return lambda name, value: parse_choice(name, value, choices)


_AS_GIVEN = "as given"
_LOWER = "lower case"
_JSON_BOOL = "JSON boolean"
# Every parameter of POST /voice-campaign-on-list/create, in the order of the API docs.
PARAMETERS: tuple[Parameter, ...] = (
    Parameter("list_name", TARGET_RULE, _AS_GIVEN, "the contact list to call (a list, a tag, or both)", _target),
    Parameter("tag_name", TARGET_RULE, _AS_GIVEN, "the contact tag to call", _target),
    Parameter(
        "segmentation",
        _one_of(SEGMENTATIONS),
        _LOWER,
        "how list and tag combine",
        _choice_check(SEGMENTATIONS),
    ),
    Parameter("text", TEXT_RULE, _AS_GIVEN, "the message read aloud", _text),
    Parameter("sender", SENDER_RULE, _AS_GIVEN, "the number or name shown to the called person", _sender),
    Parameter(
        "send_at",
        SEND_AT_RULE,
        "ISO 8601 with offset, whole seconds",
        "when to call; absent: now",
        lambda _, value: format_send_at(parse_send_at(value)),
    ),
    Parameter(
        "voice_gender",
        _one_of(VOICE_GENDERS),
        _LOWER,
        "the synthetic voice",
        _choice_check(VOICE_GENDERS),
    ),
    Parameter(
        "voice_language",
        _one_of(VOICE_LANGUAGES) + " (any case, _ for -)",
        "canonical spelling",
        "the language of the synthetic voice",
        _choice_check(VOICE_LANGUAGES),
    ),
    Parameter("simulation_mode", BOOLEAN_RULE, _JSON_BOOL, "true: Octopush simulates, nobody is called", parse_bool),
    Parameter("auto_remove_blacklisted_numbers", BOOLEAN_RULE, _JSON_BOOL, "skip blacklisted numbers", parse_bool),
    Parameter(
        "get_back_pressed_keys", BOOLEAN_RULE, _JSON_BOOL, "collect the keys the called person presses", parse_bool
    ),
    Parameter(
        "request_id",
        REQUEST_ID_RULE,
        _AS_GIVEN,
        "idempotency key: Octopush refuses a repeat within 24 hours",
        lambda name, value: parse_request_id(value, name),
    ),
)
BY_NAME = {parameter.name: parameter for parameter in PARAMETERS}
CAMPAIGN_PARAMETERS = tuple(BY_NAME)
REQUIRED_PARAMETERS = ("text",)

PURPOSE = Parameter(
    "purpose",
    _one_of(PURPOSES),
    _LOWER,
    "alert (urgent, prioritised) or wholesale (marketing) traffic; Octopush's default is wholesale",
    _choice_check(PURPOSES),
)
# POST /voice-campaign/send (a message straight to numbers): the list campaign's voice and time parameters
# but the target and segmentation, with purpose. The recipients are checked by the recipients module.
MESSAGE_PARAMETERS: tuple[Parameter, ...] = (
    *(parameter for parameter in PARAMETERS if parameter.name not in (*TARGET_PARAMETERS, "segmentation")),
    PURPOSE,
)
MESSAGE_BY_NAME = {parameter.name: parameter for parameter in MESSAGE_PARAMETERS}


def _normalize(params: Mapping[str, Any], parameters: Mapping[str, Parameter], what: str) -> dict[str, Any]:
    """Check every parameter and return the payload to send, unset ones left out."""
    unknown = sorted(set(params) - parameters.keys())
    if unknown:
        raise CampaignParameterError(unknown[0], f"is not a parameter of {what}", _one_of(tuple(parameters)))
    payload: dict[str, Any] = {}
    for name, parameter in parameters.items():
        value = params.get(name)
        if name in REQUIRED_PARAMETERS or not is_unset(value):
            payload[name] = parameter.normalize(value)
    return payload


def normalize_campaign(params: Mapping[str, Any]) -> dict[str, Any]:
    """Check every create parameter and return the payload to send, unset ones left out.

    ``send_at`` comes back as a string in canonical form; whether it lies in the past is
    decided by :func:`resolve_send_at`, which needs the current time.
    """
    payload = _normalize(params, BY_NAME, "a voice campaign")
    if not any(name in payload for name in TARGET_PARAMETERS):
        raise CampaignParameterError(*NO_TARGET)
    return payload


def normalize_message(params: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`normalize_campaign` for a message straight to numbers: every parameter but ``recipients``."""
    return _normalize(params, MESSAGE_BY_NAME, "a voice message to numbers")


def doubtful_values(payload: Mapping[str, Any]) -> list[str]:
    """Values that Octopush's own pages disagree on: sent as given, with a warning, never refused.

    The voice pages say "1 to 1224 characters non unicode" for the text (whether accents are
    read, stripped or refused is not said) and 3 to 11 alphanumeric characters for the sender,
    while the account's default voice sender is documented as digits only.
    """
    doubts = []
    text = payload.get("text", "")
    if not text.isascii():
        odd = sorted({char for char in text if not char.isascii()})
        doubts.append(
            f"text has characters outside ASCII ({''.join(odd[:10])}): Octopush's voice pages ask for "
            "'non unicode' text, and may read, strip or refuse them. Try it with simulation_mode=True first."
        )
    sender = payload.get("sender")
    if sender and not sender.isdigit():
        doubts.append(
            f"sender {sender!r} has letters: Octopush documents the voice sender as digits (a phone number) in "
            "places; a name may be replaced by the account's default number."
        )
    return doubts


NO_TARGET = ("list_name", "neither list_name nor tag_name is set", "a campaign calls a contact list, a tag, or both")
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
    """Cached: a DAG file of 300 tasks repeats the same sender and voice 300 times (typed: True is not 1)."""
    (BY_NAME.get(name) or MESSAGE_BY_NAME[name]).normalize(value)


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
            if value == "" or custom_jinja or "{{" in value or "{%" in value or "{#" in value:
                continue  # rendered later: checked in execute()
        elif not isinstance(value, _LITERAL_TYPES):
            continue
        _check_literal(name, value)
    if is_unset(arguments["text"]):
        BY_NAME["text"].normalize(arguments["text"])
    if needs_target and arguments.get("list_name") is None and arguments.get("tag_name") is None:
        raise CampaignParameterError(*NO_TARGET)


# The operators' own arguments (not sent to Octopush), checked when the DAG file loads.
NUMBER_RULE = "a number of 0 or more (a numeric text is read as a number), or None for no limit"
SECONDS_RULE = "a number of seconds greater than 0 (a numeric text is read as a number)"


def _as_number(name: str, value: object, rule: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise CampaignParameterError(name, f"got {type(value).__name__} {_describe(value)}", rule)
    try:
        number = float(value)
    except ValueError:
        raise CampaignParameterError(name, f"{_describe(value)} is not a number", rule) from None
    if not math.isfinite(number):
        raise CampaignParameterError(name, f"{_describe(value)} is not finite", rule)
    return number


def parse_limit(name: str, value: object) -> float | None:
    """A budget limit (``max_cost``, ``max_contacts``): None for none, else a number of 0 or more.

    A number is kept as given; a numeric text becomes a number (an int when whole, so that messages say 50).
    """
    if value is None:
        return None
    if value.__class__ in (int, float) and 0 <= value < math.inf:
        return value
    number = _as_number(name, value, NUMBER_RULE)
    if number < 0:
        raise CampaignParameterError(name, f"{_describe(value)} is negative", NUMBER_RULE)
    if not isinstance(value, str):
        return value  # type: ignore[return-value]
    return int(number) if number.is_integer() else number


def parse_seconds(name: str, value: object) -> float:
    """A duration in seconds (``poll_interval``, ``wait_timeout``, ``timeout``): greater than 0."""
    if value.__class__ in (int, float) and 0 < value < math.inf:
        return value
    number = _as_number(name, value, SECONDS_RULE)
    if number <= 0:
        raise CampaignParameterError(name, f"{_describe(value)} is not greater than 0", SECONDS_RULE)
    return number


def parse_grace(value: object) -> timedelta:
    """``send_at_grace``: a timedelta, or a number of seconds, of zero or more."""
    if value is DEFAULT_SEND_AT_GRACE:
        return value
    rule = "a timedelta, or a number of seconds, of zero or more"
    grace = value if isinstance(value, timedelta) else timedelta(seconds=_as_number("send_at_grace", value, rule))
    if grace < timedelta(0):
        raise CampaignParameterError("send_at_grace", f"{_describe(value)} is negative", rule)
    return grace


def parse_policy(value: object) -> str:
    """``on_past_send_at``: fail, skip or send_now."""
    if value in PAST_SEND_AT_POLICIES:
        return value
    return parse_choice("on_past_send_at", value, PAST_SEND_AT_POLICIES)


def parse_conn_id(value: object) -> str:
    """A connection id: a non-empty text (templates are not rendered in it)."""
    if value.__class__ is str and value.strip():
        return value
    rule = "the id of an Octopush connection, a non-empty text"
    conn_id = _require_str("octopush_conn_id", value, rule)
    if not conn_id.strip():
        raise CampaignParameterError("octopush_conn_id", "is empty", rule)
    return conn_id


def parse_ticket(value: object) -> str:
    """A ticket number: a non-empty text (stripped)."""
    rule = (
        "the ticket of a prepared campaign, a non-empty string such as 'voice_5f3fbce61266e' "
        "(check the task or XCom it is pulled from)"
    )
    if not isinstance(value, str) or not value.strip():
        raise CampaignParameterError("ticket_number", f"got {_describe(value)}", rule)
    return value.strip()


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
    policy = parse_policy(on_past_send_at)
    grace = parse_grace(grace)
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


def payload_for_now(
    payload: Mapping[str, Any], *, grace: timedelta, on_past_send_at: str, log: Logger
) -> dict[str, Any]:
    """The payload to send now: ``send_at`` checked against the clock (:func:`resolve_send_at`), what the
    Octopush pages leave doubtful warned about. Skips the task when ``on_past_send_at`` says so."""
    import pendulum

    decision = resolve_send_at(payload, now=pendulum.now("UTC"), grace=grace, on_past_send_at=on_past_send_at)
    if decision.skip_reason:
        from airflow_provider_octopush.version_compat import AirflowSkipException

        raise AirflowSkipException(decision.skip_reason)
    for doubt in filter(None, (decision.warning, *doubtful_values(decision.payload))):
        log.warning("Octopush: %s", doubt)
    return decision.payload


def _format_delta(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{seconds:02d}s"
    return f"{seconds}s"
