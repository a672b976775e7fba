"""The Octopush connection: its fields, its extras and their defaults, read in one place.

login = API login (the account e-mail), password = API key, host = API base URL
(empty for Octopush itself). Extras: ``timeout``, ``max_retries`` and ``retry_backoff``, and the defaults of
:data:`DEFAULT_PARAMETERS` (and, for SMS, :data:`SMS_DEFAULTS`) that every call on this connection sends
unless a task gives its own value. This module imports neither Airflow nor ``requests`` at import time, so the
provider info can use it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from airflow_provider_octopush.api.facts import DEFAULT_BASE_URL
from airflow_provider_octopush.rules.reading import finite_number, is_unset

CONN_TYPE = "octopush"
DEFAULT_CONN_ID = "octopush_default"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 3
MAX_RETRIES_LIMIT = 10
DEFAULT_RETRY_BACKOFF = 1.0
# The longest single wait between two tries (the hook's default max_retry_wait): a first back-off above it
# would be cut to it anyway.
RETRY_BACKOFF_LIMIT = 60.0
# Call parameters a connection may set once for every task using it (a task's own value wins): a staging
# connection with simulation_mode on makes every DAG safe to try.
DEFAULT_PARAMETERS = ("sender", "voice_language", "voice_gender", "purpose", "simulation_mode")
# The SMS's own defaults, by extra, and the parameter each fills: an SMS sender is a name (a voice one is often a
# number), and the type has no default but this one. For an SMS, sms_sender wins over sender.
SMS_DEFAULTS = {"sms_sender": "sender", "sms_type": "type"}
# The secret in the receiver's URL (``secrets.token_urlsafe(32)`` makes one): long enough not to be guessed,
# only characters that need no escaping in a URL path.
CALLBACK_SECRET_RULE = (
    "32 to 128 letters, digits, '-' or '_' (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
)
_URL_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _invalid(conn_id: str, problem: str) -> Exception:
    from airflow_provider_octopush.exceptions import OctopushConnectionError  # Airflow only when it fails

    return OctopushConnectionError(f"Invalid Octopush connection {conn_id!r}: {problem}")


@dataclass(frozen=True)
class OctopushSettings:
    """What the hook needs from a connection, validated."""

    base_url: str
    login: str
    api_key: str
    timeout: float
    max_retries: int
    retry_backoff: float = DEFAULT_RETRY_BACKOFF  # the first wait before a retry, doubled at each, with jitter
    defaults: dict[str, Any] = field(default_factory=dict)  # of DEFAULT_PARAMETERS, checked, as sent
    callback_secret: str | None = None  # the results receiver's secret for this connection; None: no receiver

    def __repr__(self) -> str:
        # the dataclass default would print the key into any log line or traceback
        return (
            f"OctopushSettings(base_url={self.base_url!r}, login={self.login!r}, api_key='***', "
            f"timeout={self.timeout!r}, max_retries={self.max_retries!r}, retry_backoff={self.retry_backoff!r}, "
            f"defaults={self.defaults!r}, callback_secret={'***' if self.callback_secret else None})"
        )


def base_url_from(host: str | None, port: int | None = None) -> str:
    """Empty host: Octopush. A host with a scheme: used as given, path included. A bare host: https."""
    host = (host or "").strip()
    if not host:
        return DEFAULT_BASE_URL
    if "://" in host:
        return host.rstrip("/")
    netloc = f"{host}:{port}" if port else host
    return f"https://{netloc}".rstrip("/")


def _number(conn_id: str, name: str, raw: Any, *, integer: bool) -> float | int:
    rule = "a whole number of 0 or more" if integer else "a number of seconds greater than 0"
    value = finite_number(raw)
    if value is None or (integer and (value < 0 or not value.is_integer())) or (not integer and value <= 0):
        raise _invalid(conn_id, f"extra {name!r} is {raw!r}; it must be {rule}")
    return int(value) if integer else value


def settings_from(
    conn_id: str, *, host: str | None, port: int | None, login: str | None, password: str | None, extra: dict[str, Any]
) -> OctopushSettings:
    """Validate the parts of a connection; every error names the connection and the field."""
    if not login:
        raise _invalid(conn_id, "login is empty; set it to your Octopush API login (e-mail)")
    if not password:
        raise _invalid(conn_id, "password is empty; set it to your Octopush API key")
    max_retries = extra.get("max_retries")
    retries = (
        DEFAULT_MAX_RETRIES if is_unset(max_retries) else _number(conn_id, "max_retries", max_retries, integer=True)
    )
    if retries > MAX_RETRIES_LIMIT:
        raise _invalid(conn_id, f"extra 'max_retries' is {max_retries!r}; it must be {MAX_RETRIES_LIMIT} or less")
    backoff = _seconds(conn_id, extra, "retry_backoff", DEFAULT_RETRY_BACKOFF)
    if backoff > RETRY_BACKOFF_LIMIT:
        raise _invalid(
            conn_id, f"extra 'retry_backoff' is {extra['retry_backoff']!r}; it must be {RETRY_BACKOFF_LIMIT:g} or less"
        )
    return OctopushSettings(
        base_url=base_url_from(host, port),
        login=login,
        api_key=password,
        timeout=_seconds(conn_id, extra, "timeout", DEFAULT_TIMEOUT),
        max_retries=int(retries),
        retry_backoff=backoff,
        defaults=_defaults(conn_id, extra),
        callback_secret=callback_secret_from(conn_id, extra),
    )


def callback_secret_from(conn_id: str, extra: dict[str, Any]) -> str | None:
    """The connection's ``callback_secret`` extra, checked; None when the connection receives no reports."""
    secret = extra.get("callback_secret")
    if is_unset(secret):
        return None
    if not isinstance(secret, str) or not 32 <= len(secret) <= 128 or not _URL_SAFE.issuperset(secret):
        shown = f"{len(secret)} characters" if isinstance(secret, str) else type(secret).__name__
        raise _invalid(conn_id, f"extra 'callback_secret' ({shown}, not shown) must be {CALLBACK_SECRET_RULE}")
    return secret


def _seconds(conn_id: str, extra: dict[str, Any], name: str, default: float) -> float:
    """An extra in seconds, greater than 0; unset or empty: ``default``."""
    raw = extra.get(name)
    return default if is_unset(raw) else float(_number(conn_id, name, raw, integer=False))


def _defaults(conn_id: str, extra: dict[str, Any]) -> dict[str, Any]:
    """The call parameters the connection sets, checked by the rules of the calls themselves."""
    from airflow_provider_octopush.exceptions import CampaignParameterError
    from airflow_provider_octopush.rules.parameters import MESSAGE_BY_NAME, SMS_MESSAGE_BY_NAME

    checks = {
        **{name: MESSAGE_BY_NAME[name] for name in DEFAULT_PARAMETERS},
        **{name: SMS_MESSAGE_BY_NAME[parameter] for name, parameter in SMS_DEFAULTS.items()},
    }
    defaults = {}
    for name, parameter in checks.items():
        if is_unset(extra.get(name)):
            continue
        try:
            defaults[name] = parameter.normalize(extra[name])
        except CampaignParameterError as err:
            raise _invalid(conn_id, f"extra {name!r}: {err.problem}; it must be {err.rule}") from None
    return defaults


# The connection form, for the provider info (Airflow 3.2+) and the hook's legacy methods (3.1).
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["port", "schema"],
    "relabeling": {"login": "API login (e-mail)", "password": "API key", "host": "API base URL"},
    "placeholders": {
        "login": "you@example.com",
        "password": "your Octopush API key",
        "host": f"empty for {DEFAULT_BASE_URL}",
        "timeout": str(int(DEFAULT_TIMEOUT)),
        "max_retries": str(DEFAULT_MAX_RETRIES),
        "retry_backoff": f"{DEFAULT_RETRY_BACKOFF:g}",
        "sender": "e.g. 33612345678 (3 to 11 letters or digits)",
        "voice_language": "e.g. fr-FR",
        "voice_gender": "male or female",
        "purpose": "alert or wholesale",
        "sms_sender": "e.g. MyShop (3 to 11 letters or digits)",
        "sms_type": "sms_premium or sms_low_cost",
    },
}


def _default(label: str, rule: str, kind: str = "string") -> dict[str, Any]:
    """The form field of a call parameter that the connection sets for every call (a task's own value wins)."""
    note = "Optional. Sent by every call on this connection unless the task gives its own value."
    return {"label": label, "description": f"{note} {rule}", "schema": {"type": [kind, "null"]}}


CONN_FIELDS: dict[str, Any] = {
    "timeout": {
        "label": "Timeout (seconds)",
        "description": f"Optional. Seconds to wait for each HTTP request to Octopush. Default {int(DEFAULT_TIMEOUT)}.",
        "schema": {"type": ["number", "null"], "exclusiveMinimum": 0},
    },
    "max_retries": {
        "label": "Max retries",
        "description": (
            "Optional. Retries of a transient failure (network error, 429, 500, 502, 503, 504), "
            f"with back-off. Default {DEFAULT_MAX_RETRIES}, at most {MAX_RETRIES_LIMIT}."
        ),
        "schema": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_RETRIES_LIMIT},
    },
    "retry_backoff": {
        "label": "Retry back-off (seconds)",
        "description": (
            "Optional. The first wait before a retry, doubled at each retry (with jitter), never longer than "
            f"a Retry-After or 60 s. Default {DEFAULT_RETRY_BACKOFF:g}, at most {RETRY_BACKOFF_LIMIT:g}."
        ),
        "schema": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": RETRY_BACKOFF_LIMIT},
    },
    "sender": _default("Default sender", "3 to 11 letters or digits."),
    "voice_language": _default("Default voice language", "A locale such as fr-FR or en-GB."),
    "voice_gender": _default("Default voice gender", "male or female."),
    "purpose": _default("Default purpose", "alert or wholesale; messages to numbers only (a list campaign has none)."),
    "simulation_mode": _default(
        "Simulation mode", "On: Octopush simulates every call, nobody is phoned or texted (for staging).", "boolean"
    ),
    "sms_sender": _default("Default SMS sender", "3 to 11 letters or digits; for SMS it wins over the sender above."),
    "sms_type": _default("Default SMS type", "sms_premium or sms_low_cost; an SMS has no other default."),
    "callback_secret": {
        "label": "Callback secret",
        "description": (
            "Optional. The secret in the URL that Octopush calls with each recipient's result (Airflow's "
            f"/octopush/callbacks/<conn id>/<secret>); empty: no results are received. {CALLBACK_SECRET_RULE}."
        ),
        "schema": {"type": ["string", "null"], "format": "password"},
    },
}
