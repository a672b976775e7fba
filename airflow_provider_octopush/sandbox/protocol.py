"""What every sandbox endpoint shares: the request it reads, the error answer, strict parsing, tickets."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from airflow_provider_octopush.api.facts import (
    CODE_DUPLICATE_REQUEST,
    CODE_SENDER_MALFORMED,
    CODE_TEXT_MISSING,
    DIRECT_SEND_MAX_RECIPIENTS,
)
from airflow_provider_octopush.exceptions import CampaignParameterError
from airflow_provider_octopush.rules.recipients import parse_recipients
from airflow_provider_octopush.sandbox.state import SandboxState

# Octopush's codes for the parameters that have one; others get 100 (our choice: undocumented).
PARAMETER_CODES = {"text": CODE_TEXT_MISSING, "sender": CODE_SENDER_MALFORMED}

Answer = tuple[int, Any]  # HTTP status and body (None: no body)


class ApiError(Exception):
    """An Octopush error answer: HTTP status, code, message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Request:
    """One request as an endpoint sees it: its query and its raw body."""

    query: dict[str, list[str]]
    raw: bytes

    @cached_property
    def body(self) -> dict[str, Any]:
        """The JSON object sent; anything else is refused with code 100."""
        try:
            body = json.loads(self.raw or b"{}")
        except ValueError:
            raise ApiError(400, 100, "the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, 100, "the body must be a JSON object")
        return body

    def ticket(self) -> str:
        """The ``ticket_number`` of the query (GET) or of the body."""
        value = self.query["ticket_number"][0] if "ticket_number" in self.query else self.body.get("ticket_number")
        if not isinstance(value, str) or not value:
            raise ApiError(400, 100, "ticket_number is missing")
        return value

    def flag(self, name: str) -> bool:
        """A JSON boolean, absent meaning false (text or numbers are refused: strict, as everywhere here)."""
        value = self.body.get(name, False)
        if not isinstance(value, bool):
            raise ApiError(400, 100, f"{name} must be a JSON boolean")
        return value


Endpoint = Callable[[SandboxState, Request], Answer]


@contextmanager
def bad_input_refused() -> Iterator[None]:
    """A rule of the provider's broken answers 400 with the parameter's Octopush code (100 if it has none)."""
    try:
        yield
    except CampaignParameterError as err:
        raise ApiError(400, PARAMETER_CODES.get(err.parameter, 100), str(err)) from None


def checked_message(
    request: Request, normalize: Callable[[dict[str, Any]], dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A message to numbers (voice or SMS) as strictly as a create: its parameters (``normalize``) and its
    1 to 500 recipients, each in canonical form, else 400."""
    body = request.body
    parameters = {name: value for name, value in body.items() if name != "recipients"}
    with bad_input_refused():
        canonical = normalize(parameters)
        recipients = parse_recipients(body.get("recipients")).rows()
    if canonical != parameters or recipients != body["recipients"]:
        raise ApiError(400, 100, "a parameter or recipient is not in canonical form")
    if len(recipients) > DIRECT_SEND_MAX_RECIPIENTS:
        raise ApiError(400, 100, f"at most {DIRECT_SEND_MAX_RECIPIENTS} recipients a request")
    return canonical, recipients


def refuse_a_repeat(state: SandboxState, request_id: str | None) -> None:
    """Code 120 for a request_id seen before (Octopush keeps them 24 hours; the sandbox, until a reset)."""
    if request_id and request_id in state.by_request_id:
        raise ApiError(400, CODE_DUPLICATE_REQUEST, "A request with the same request_id already exists")


def new_ticket(state: SandboxState, request_id: str | None, channel: str = "voice") -> str:
    """A ticket like Octopush's (``voice_`` or ``sms_`` and 13 hex digits), its request_id remembered."""
    ticket = f"{channel}_" + secrets.token_hex(7)[:13]
    if request_id:
        state.by_request_id[request_id] = ticket
    return ticket
