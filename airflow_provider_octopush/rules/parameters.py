"""The parameters of Octopush's voice calls, in one table: their names, rules, what is sent, and checks.

Octopush "repairs" bad input silently (a typo in ``voice_language`` gives a campaign in
some default voice), so every value is checked here before anything is sent. The
operator, the notifier, the hook and the sandbox all use this table; nothing here calls
anything or reads the clock.

Policy where the Octopush docs are vague: be tolerant in what is accepted (booleans
rendered by Jinja as ``"True"``, enum values in any case, ``fr_FR`` for ``fr-FR``) and
strict in what is sent (JSON booleans, canonical spellings, ISO 8601 with an offset).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.exceptions import CampaignParameterError
from airflow_provider_octopush.rules.reading import describe, is_unset
from airflow_provider_octopush.rules.values import (
    BOOLEAN_RULE,
    SEND_AT_RULE,
    format_send_at,
    one_of,
    parse_bool,
    parse_choice,
    parse_send_at,
    require_str,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping


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


TEXT_RULE = f"1 to {TEXT_MAX_LENGTH} characters, not only spaces"


def _text(name: str, value: object) -> str:
    text = require_str(name, value, TEXT_RULE)
    if not text.strip():
        raise CampaignParameterError(name, "is empty", TEXT_RULE)
    if len(text) > TEXT_MAX_LENGTH:
        raise CampaignParameterError(name, f"has {len(text)} characters", TEXT_RULE)
    return text


SENDER_RULE = "3 to 11 characters, letters a-z, A-Z and digits 0-9 only"


def _sender(name: str, value: object) -> str:
    sender = require_str(name, value, SENDER_RULE)
    if not SENDER_PATTERN.fullmatch(sender):
        raise CampaignParameterError(name, f"{describe(value)} does not match", SENDER_RULE)
    return sender


TARGET_RULE = "a non-empty name without leading or trailing spaces or control characters"


_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f]")


def _target(name: str, value: object) -> str:
    target = require_str(name, value, TARGET_RULE)
    if target != target.strip() or _CONTROL_CHARACTER.search(target):
        raise CampaignParameterError(name, f"{describe(value)} has stray spaces or control characters", TARGET_RULE)
    return target


REQUEST_ID_RULE = "1 to 128 characters among a-z, A-Z, 0-9 and . _ : -"


def parse_request_id(value: object, name: str = "request_id") -> str:
    """An idempotency key we are willing to send: short, printable, no spaces."""
    request_id = require_str(name, value, REQUEST_ID_RULE)
    if not REQUEST_ID_PATTERN.fullmatch(request_id):
        raise CampaignParameterError(name, f"{describe(value)} does not match", REQUEST_ID_RULE)
    return request_id


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
        one_of(SEGMENTATIONS),
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
        one_of(VOICE_GENDERS),
        _LOWER,
        "the synthetic voice",
        _choice_check(VOICE_GENDERS),
    ),
    Parameter(
        "voice_language",
        one_of(VOICE_LANGUAGES) + " (any case, _ for -)",
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
    one_of(PURPOSES),
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


SMS_TYPES = ("sms_premium", "sms_low_cost")


# POST /sms-campaign/send (an SMS straight to numbers): the voice message's text, sender, time, purpose and
# options, with the SMS type and replies; the voice and key options left out.
SMS_MESSAGE_PARAMETERS: tuple[Parameter, ...] = (
    replace(BY_NAME["text"], doc="the text of the SMS; its parts are counted before sending (GSM 03.38 or UCS-2)"),
    Parameter(
        "type",
        one_of(SMS_TYPES),
        _LOWER,
        "premium (delivery reports, replies, a sender name) or low cost; no default: each message says which",
        _choice_check(SMS_TYPES),
    ),
    replace(BY_NAME["sender"], doc="the name shown as the sender"),
    replace(BY_NAME["send_at"], doc="when to text; absent: now"),
    PURPOSE,
    Parameter(
        "with_replies",
        BOOLEAN_RULE,
        _JSON_BOOL,
        "true: recipients can answer (in mainland France Octopush then sends from a short number)",
        parse_bool,
    ),
    replace(BY_NAME["simulation_mode"], doc="true: Octopush simulates, nobody is texted"),
    BY_NAME["auto_remove_blacklisted_numbers"],
    BY_NAME["request_id"],
)


SMS_MESSAGE_BY_NAME = {parameter.name: parameter for parameter in SMS_MESSAGE_PARAMETERS}


# POST /sms-campaign-on-list/create: the SMS to numbers' parameters on a list or tag instead of numbers. Octopush
# documents no segmentation for it: not sent.
SMS_CAMPAIGN_BY_NAME = {
    **{name: replace(BY_NAME[name], doc=BY_NAME[name].doc.replace("call", "text")) for name in TARGET_PARAMETERS},
    **SMS_MESSAGE_BY_NAME,
}


SMS_CAMPAIGN_PARAMETERS = tuple(SMS_CAMPAIGN_BY_NAME)


def _normalize(params: Mapping[str, Any], parameters: Mapping[str, Parameter], what: str) -> dict[str, Any]:
    """Check every parameter and return the payload to send, unset ones left out."""
    unknown = sorted(set(params) - parameters.keys())
    if unknown:
        raise CampaignParameterError(unknown[0], f"is not a parameter of {what}", one_of(tuple(parameters)))
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
    return _with_target(_normalize(params, BY_NAME, "a voice campaign"))


def normalize_sms_campaign(params: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`normalize_campaign` for an SMS campaign on a list or tag; its whole-message rules are
    :func:`check_sms_content`'s, once the connection's defaults are merged."""
    return _with_target(_normalize(params, SMS_CAMPAIGN_BY_NAME, "an SMS campaign"))


def _with_target(payload: dict[str, Any]) -> dict[str, Any]:
    if not any(name in payload for name in TARGET_PARAMETERS):
        raise CampaignParameterError(*NO_TARGET)
    return payload


def normalize_message(params: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`normalize_campaign` for a message straight to numbers: every parameter but ``recipients``."""
    return _normalize(params, MESSAGE_BY_NAME, "a voice message to numbers")


def normalize_sms_message(params: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`normalize_message` for an SMS to numbers. What depends on the whole message (its type, which a
    connection may default, and the opt-out mention) is checked by :func:`check_sms_content` once it is whole."""
    return _normalize(params, SMS_MESSAGE_BY_NAME, "an SMS to numbers")


# Octopush refuses (code 121) a marketing premium SMS to France without this mention, which it replaces by the
# opt-out number; checked before the call, so that nobody is half texted.
STOP_MENTION = "STOP au XXXXX"
FRENCH_NUMBER_PREFIX = "+33"
STOP_RULE = (
    f"a premium SMS with purpose wholesale (marketing, Octopush's default) to a French number must carry the "
    f"mention {STOP_MENTION!r} exactly (on a list or tag, which may hold French numbers, always); for a "
    "transactional message set purpose='alert'"
)
TYPE_RULE = f"set on the task or as the connection's sms_type: {one_of(SMS_TYPES)}"


def check_sms_content(payload: Mapping[str, Any], phone_numbers: Iterable[str] | None) -> None:
    """The rules of a whole SMS payload (connection defaults merged): a type, and the opt-out mention where the
    law and Octopush require it. Raises :class:`CampaignParameterError` naming the parameter.

    ``phone_numbers``: None for a list or tag, whose numbers are not known here: any of them may be French, so
    a marketing premium SMS on a list needs the mention (strict in what is sent; harmless where none is French).
    """
    if "type" not in payload:
        raise CampaignParameterError("type", "is not set", TYPE_RULE)
    marketing = payload["type"] == "sms_premium" and payload.get("purpose", "wholesale") == "wholesale"
    to_france = phone_numbers is None or any(number.startswith(FRENCH_NUMBER_PREFIX) for number in phone_numbers)
    if marketing and to_france and STOP_MENTION not in payload["text"]:
        raise CampaignParameterError("text", f"lacks the mention {STOP_MENTION!r}", STOP_RULE)


NO_TARGET = ("list_name", "neither list_name nor tag_name is set", "a campaign calls a contact list, a tag, or both")
