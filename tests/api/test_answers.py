"""The reading of Octopush's answers, a pure function: held to its rules on made-up responses, no server."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from airflow_provider_octopush.api.answers import interpret, still_computing
from airflow_provider_octopush.api.facts import CODE_ALREADY_SENT, COMPUTING, CREATE_PATH
from airflow_provider_octopush.api.retries import Answer
from airflow_provider_octopush.exceptions import (
    OctopushApiError,
    OctopushAuthError,
    OctopushDuplicateRequestError,
    OctopushRejectedError,
)

KEY = "the-Api-Key-4f1b9c"


@dataclass
class Made:
    """A response as the retry policy's protocol reads it, whatever the HTTP client."""

    status_code: int
    text: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def content(self) -> bytes:
        return self.text.encode()

    def json(self) -> Any:
        return json.loads(self.text)


def read(status: int, body: Any = None, *, raw: str | None = None, uncertain: bool = False, **kwargs: Any) -> Any:
    text = raw if raw is not None else ("" if body is None else json.dumps(body))
    answer = Answer(Made(status, text), uncertain=uncertain)
    return interpret(answer, "POST", CREATE_PATH, conn_id="octopush_default", api_key=KEY, **kwargs)


def test_a_success_is_its_body_and_an_empty_one_is_empty() -> None:
    assert read(201, {"ticket_number": "voice_1"}, done_on_replay=None) == {"ticket_number": "voice_1"}
    assert read(204, done_on_replay=None) == {}


def test_a_success_that_is_not_json_says_to_check_the_host_and_never_quotes_the_key() -> None:
    with pytest.raises(OctopushApiError, match="Check the connection's host") as raised:
        read(200, raw=f"<html>proxy login, api-key={KEY}</html>", done_on_replay=None)
    assert KEY not in str(raised.value) and "***" in str(raised.value)


def test_a_wrong_key_is_an_auth_error_naming_the_connection() -> None:
    with pytest.raises(
        OctopushAuthError, match="fix the password \\(API key\\) and login of connection 'octopush_default'"
    ):
        read(401, {"code": 101, "message": "bad login"}, done_on_replay=None)


def test_a_repeated_request_id_is_a_duplicate_that_says_nothing_was_created_twice() -> None:
    with pytest.raises(OctopushDuplicateRequestError, match="Nothing was created twice") as raised:
        read(400, {"code": 120, "message": "duplicate"}, uncertain=True, done_on_replay=None)
    assert raised.value.replayed is True


def test_the_refusal_of_a_replayed_call_already_done_is_a_success() -> None:
    body = read(400, {"code": CODE_ALREADY_SENT, "message": "sent"}, uncertain=True, done_on_replay=CODE_ALREADY_SENT)
    assert body == {"code": CODE_ALREADY_SENT, "message": "sent", "done_by_earlier_attempt": True}
    with pytest.raises(OctopushApiError):  # the same refusal of a first attempt is an error
        read(400, {"code": CODE_ALREADY_SENT, "message": "sent"}, done_on_replay=CODE_ALREADY_SENT)


def test_codes_no_retry_can_fix_are_rejections_with_what_to_do() -> None:
    with pytest.raises(OctopushRejectedError, match=r"What to do: .*then clear the task") as raised:
        read(400, {"code": 126, "message": "a campaign awaits validation"}, done_on_replay=None)
    assert raised.value.code == 126


def test_an_unknown_answer_keeps_its_status_and_advice() -> None:
    with pytest.raises(OctopushApiError, match="retry later") as raised:
        read(503, raw="Service Unavailable", done_on_replay=None)
    assert raised.value.status == 503 and type(raised.value) is OctopushApiError


def test_a_status_read_answered_400_is_still_computing_unless_the_campaign_is_gone() -> None:
    assert still_computing(OctopushApiError("x", status=400, code=129))["status"] == COMPUTING
    with pytest.raises(OctopushApiError):
        still_computing(OctopushApiError("x", status=400, code=131))
