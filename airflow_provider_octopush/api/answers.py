"""Reading Octopush's answers: a pure function from a response to its body or to the error that says what to do.

Tested without a server (tests/api/test_answers.py); the hook calls it after each attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.api.facts import (
    CHANNELS,
    CODE_BAD_LOGIN,
    CODE_DUPLICATE_REQUEST,
    CODE_NOT_FOUND,
    COMPUTING,
    DELIVERY_CALLBACK_KEY,
    DUPLICATE_WORDING,
    ERROR_HINTS,
    REJECTED_CODES,
    REQUEST_ID_WORDING,
    TICKET_KEYS,
)
from airflow_provider_octopush.api.retries import TRANSIENT_STATUSES
from airflow_provider_octopush.exceptions import (
    OctopushApiError,
    OctopushAuthError,
    OctopushDuplicateRequestError,
    OctopushRejectedError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow_provider_octopush.api.retries import Answer, Response


def interpret(
    answer: Answer, method: str, path: str, *, conn_id: str, api_key: str, done_on_replay: int | None
) -> dict[str, Any]:
    """The body of a success; the error that says what to do, otherwise. The API key never goes into it.

    A refusal that means an earlier attempt of this very call went through (``done_on_replay``, on an
    uncertain attempt) is a success: ``{"code", "message", "done_by_earlier_attempt": True}``.
    Pure: no I/O, no log; the hook logs what it needs.
    """
    response = answer.response
    status = response.status_code
    body = json_object(response)
    if 200 <= status < 300:
        if body is None and response.content.strip():
            raise OctopushApiError(
                f"{method} {path}: Octopush answered HTTP {status} with a body that is not a JSON object "
                f"({redact(snippet(response), api_key)}). Check the connection's host: it may point at a proxy "
                "or a web page.",
                status=status,
            )
        return body or {}
    code = int_or_none(body.get("code")) if body else None
    api_message = redact(str(body.get("message", "")), api_key) if body else None
    what = f"{method} {path}: Octopush answered HTTP {status}"
    if body is None:
        what += f" with a body that is not a JSON object ({redact(snippet(response), api_key)})"
    else:
        what += f", code {code}: {api_message or '(no message)'}"
    if answer.uncertain and code is not None and code == done_on_replay:
        return {"code": code, "message": api_message, "done_by_earlier_attempt": True}
    if status == 401 or code == CODE_BAD_LOGIN:
        raise OctopushAuthError(
            f"{what}. The API login or key is wrong, or the key was revoked: fix the password (API key) and login "
            f"of connection {conn_id!r}, then clear the task.",
            status=status,
            code=code,
            api_message=api_message,
        )
    if is_duplicate(status, code, api_message):
        earlier = (
            "an earlier attempt of this very call reached Octopush but its answer was lost"
            if answer.uncertain
            else "an earlier attempt (for example a previous try of this task) already created it"
        )
        after = (
            "Nothing was created twice. Find the campaign in the Octopush web interface; a list campaign is not "
            "sent until it is validated."
            if path in {channel.create_path for channel in CHANNELS.values()}
            else "Nothing was sent twice."
        )
        raise OctopushDuplicateRequestError(
            f"{what}. A request with this request_id was accepted before: {earlier}. {after}",
            replayed=answer.uncertain,
            status=status,
            code=code,
            api_message=api_message,
        )
    hint = ERROR_HINTS.get(code or 0)
    if code in REJECTED_CODES:
        raise OctopushRejectedError(
            f"{what}. What to do: {hint}, then clear the task (a retry would meet the same answer).",
            status=status,
            code=code,
            api_message=api_message,
        )
    if hint is None:
        hint = (
            "a transient server failure persisted: retry later"
            if status in TRANSIENT_STATUSES
            else "check the parameters"
        )
    raise OctopushApiError(f"{what}. What to do: {hint}.", status=status, code=code, api_message=api_message)


def redact(text: str, api_key: str) -> str:
    """An answer may quote the request (a proxy's error page, an echoing server): never pass the key on."""
    return text.replace(api_key, "***")


def still_computing(err: OctopushApiError) -> dict[str, Any]:
    """A status read answered HTTP 400 means "still computing", whatever its code (129 in the general table, but
    the voice pages give none), except 131: the campaign is gone. Other errors stand."""
    if err.status != 400 or err.code == CODE_NOT_FOUND:
        raise err
    return {"status": COMPUTING, "code": err.code, "message": err.api_message}


def is_duplicate(status: int, code: int | None, message: str | None) -> bool:
    """Code 120, or a 400 without a code we know whose wording says "this request_id was seen": the voice
    pages document the refusal of a repeated request_id as "a validation error", without its code."""
    if code == CODE_DUPLICATE_REQUEST:
        return True
    if status != 400 or code in ERROR_HINTS:
        return False
    text = (message or "").lower()
    return any(word in text for word in REQUEST_ID_WORDING) and any(word in text for word in DUPLICATE_WORDING)


def ticket_in(response: Mapping[str, Any]) -> Any:
    """The ticket an answer carries, as given (``ticket_number``, or ``vocal_ticket`` as older clients read it),
    or None."""
    return next((response[key] for key in TICKET_KEYS if response.get(key)), None)


def delivery_callback_in(settings: Mapping[str, Any]) -> str | None:
    """The URL the account sends delivery reports to, from its settings (None or "" when it has none).

    Tolerant: under ``callbacks`` as the edit call takes it, under ``campaign_parameters.callbacks``, or at the
    top level as one unofficial client sends it.
    """
    for holder in (settings.get("callbacks"), (settings.get("campaign_parameters") or {}).get("callbacks"), settings):
        if isinstance(holder, dict) and holder.get(DELIVERY_CALLBACK_KEY):
            return str(holder[DELIVERY_CALLBACK_KEY])
    return None


def ticket_from(response: Mapping[str, Any]) -> str:
    """The ticket of a created campaign; older clients read it as ``vocal_ticket``."""
    ticket = ticket_in(response)
    if not isinstance(ticket, str) or not ticket:
        raise OctopushApiError(
            f"Octopush answered the create call without a ticket_number (keys: {sorted(response)}); "
            "the campaign may exist: check the Octopush web interface before running the task again."
        )
    return ticket


def json_object(response: Response) -> dict[str, Any] | None:
    """The body as a dict, or None when it is empty, not JSON, or JSON of another shape."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def snippet(response: Response) -> str:
    text = " ".join(response.text[:120].split())
    return repr(text) + ("..." if len(response.text) > 120 else "") if text else "empty"


@dataclass(frozen=True)
class Draft:
    """What ``GET /voice-campaign/draft`` says of the account's campaign awaiting validation."""

    ticket_number: str
    status: str | None
    number_of_contacts: Any
    total_cost: Any
    request_id: str | None

    @classmethod
    def from_response(cls, body: Mapping[str, Any]) -> Draft:
        return cls(
            ticket_number=str(ticket_in(body)),
            status=body.get("status"),
            number_of_contacts=body.get("number_of_contacts"),
            total_cost=body.get("total_cost", body.get("cost")),
            request_id=body.get("request_id") or None,
        )

    def describe(self) -> str:
        return (
            f"campaign {self.ticket_number} (status {self.status}, {self.number_of_contacts} contacts, "
            f"cost {self.total_cost})"
        )

    def as_json(self) -> dict[str, Any]:
        """What a trigger's event carries of it (``from_response`` reads it back)."""
        return {
            "ticket_number": self.ticket_number,
            "status": self.status,
            "number_of_contacts": self.number_of_contacts,
            "total_cost": self.total_cost,
            "request_id": self.request_id,
        }
