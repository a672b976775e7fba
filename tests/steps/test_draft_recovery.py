"""What decides that a draft is ours, and what the hook reads as "duplicate" or "still computing"."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from airflow_provider_octopush.api.answers import Draft
from airflow_provider_octopush.api.facts import COMPUTING
from airflow_provider_octopush.exceptions import OctopushApiError, OctopushDuplicateRequestError, OctopushRejectedError
from airflow_provider_octopush.hooks.octopush import OctopushHook
from airflow_provider_octopush.rules.warnings import doubtful_values
from airflow_provider_octopush.steps.draft_recovery import TIMING_WINDOW, proof_of_ownership

if TYPE_CHECKING:
    from conftest import Sandbox

STATUS = "/voice-campaign-on-list/status"
CAMPAIGN = {"list_name": "staff", "text": "Hello", "request_id": "r-1"}


def draft(request_id: str | None = None) -> Draft:
    return Draft("voice_1", "ready_to_be_sent", 3, 0.18, request_id)


@pytest.mark.parametrize(
    ("named", "created_ago", "proven"),
    [
        ("r-1", None, True),  # the answer names our request_id
        ("r-2", 1.0, False),  # it names another: timing cannot outweigh that
        (None, 5.0, True),  # our create moments ago, answer lost, one draft per account
        (None, TIMING_WINDOW + 1, False),  # too long ago: ours may have been settled, another made
        (None, None, False),  # an earlier try made ours: it may have been sent or cancelled since
    ],
)
def test_only_a_proven_draft_is_ours(named: str | None, created_ago: float | None, proven: bool) -> None:
    assert (proof_of_ownership(draft(named), "r-1", created_ago=created_ago) is not None) is proven


def test_a_draft_answer_is_read_tolerantly() -> None:
    read = Draft.from_response({"vocal_ticket": "voice_2", "cost": "1.5", "status": "validated"})
    assert (read.ticket_number, read.total_cost, read.request_id) == ("voice_2", "1.5", None)


@pytest.mark.parametrize(
    ("code", "message", "duplicate"),
    [
        (120, "anything", True),
        (None, "A request with the same request_id already exists", True),
        (100, "Duplicate request id", True),
        (None, "request_id is not valid", False),  # names the request_id, but says nothing was seen before
        (303, "request_id: the list already exists", False),  # a code we know keeps its meaning
    ],
)
def test_a_duplicate_is_recognised_by_its_code_or_its_wording(
    octopush_conn: Sandbox, code: int | None, message: str, duplicate: bool
) -> None:
    body = {"message": message} if code is None else {"code": code, "message": message}
    octopush_conn.fault(status=400, body=body)
    hook = OctopushHook(retry_backoff=0.01)
    with pytest.raises(OctopushApiError if not duplicate else OctopushDuplicateRequestError) as info:
        hook.create_voice_campaign_on_list(**CAMPAIGN)
    assert isinstance(info.value, OctopushDuplicateRequestError) is duplicate


@pytest.mark.parametrize(
    ("status", "code", "computing"),
    [(400, 129, True), (400, 121, True), (400, None, True), (400, 131, False), (403, 129, False)],
)
def test_a_status_read_answered_400_is_still_computing_except_131(
    octopush_conn: Sandbox, status: int, code: int | None, computing: bool
) -> None:
    octopush_conn.fault(path=STATUS, status=status, body={"code": code, "message": "not yet"})
    hook = OctopushHook(retry_backoff=0.01)
    if computing:
        assert hook.get_voice_campaign_status("voice_1")["status"] == COMPUTING
    else:
        with pytest.raises(OctopushRejectedError if code == 131 else OctopushApiError):
            hook.get_voice_campaign_status("voice_1")


@pytest.mark.parametrize(
    ("payload", "doubts"),
    [
        ({"text": "Hello", "sender": "33612345678"}, []),
        ({"text": "Hello"}, []),
        ({"text": "Réunion"}, ["text has characters outside ASCII (é)"]),
        ({"text": "Hi", "sender": "Acme"}, ["sender 'Acme' has letters"]),
    ],
)
def test_doubtful_values_are_named(payload: dict[str, str], doubts: list[str]) -> None:
    found = doubtful_values(payload)
    assert len(found) == len(doubts) and all(found[i].startswith(doubt) for i, doubt in enumerate(doubts))
