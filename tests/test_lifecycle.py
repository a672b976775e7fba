"""The campaign lifecycle below the DAG level: hook calls, the trigger, the budget rule."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import pytest
from conftest import connection_json

from airflow_provider_octopush.campaign import CampaignStatus, budget_problem, check_limits
from airflow_provider_octopush.exceptions import OctopushApiError
from airflow_provider_octopush.hooks.octopush import OctopushHook, ticket_from
from airflow_provider_octopush.triggers.voice_campaign import VoiceCampaignComputedTrigger

if TYPE_CHECKING:
    from collections.abc import Iterator

    from conftest import Sandbox


@pytest.fixture
def hook(octopush_conn: Sandbox) -> Iterator[OctopushHook]:
    hook = OctopushHook(retry_backoff=0.01)
    yield hook
    hook.close()


def create(hook: OctopushHook, request_id: str = "r1") -> str:
    return ticket_from(hook.create_voice_campaign_on_list(list_name="staff", text="Hello", request_id=request_id))


def campaign(sandbox: Sandbox, ticket: str) -> dict:
    (found,) = [item for item in sandbox.campaigns() if item["ticket_number"] == ticket]
    return found


def test_status_while_computing_is_not_an_error(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    octopush_conn.configure(computation_delay=60)
    assert hook.get_voice_campaign_status(create(hook))["status"] == "under_computation"
    assert octopush_conn.requests("/voice-campaign-on-list/status")[0]["method"] == "GET"


def test_status_when_ready_carries_the_figures(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    octopush_conn.configure(computation_delay=0, contacts=147, cost_per_contact=0.0634)
    ticket = create(hook)
    status = CampaignStatus.from_response(ticket, hook.get_voice_campaign_status(ticket))
    assert (status.status, status.number_of_contacts, status.cost) == ("ready_to_be_sent", 147, 9.32)


def test_other_status_errors_are_raised(hook: OctopushHook) -> None:
    with pytest.raises(OctopushApiError, match="code 131"):
        hook.get_voice_campaign_status("voice_unknown")


def test_send_before_ready_is_refused(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    octopush_conn.configure(computation_delay=60)
    with pytest.raises(OctopushApiError, match="code 129"):
        hook.send_voice_campaign(create(hook))


def test_send_twice_is_refused(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    octopush_conn.configure(computation_delay=0)
    ticket = create(hook)
    assert "sending_date" in hook.send_voice_campaign(ticket)
    with pytest.raises(OctopushApiError, match="code 132"):
        hook.send_voice_campaign(ticket)


def test_send_whose_answer_is_lost_is_retried_and_sends_once(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    octopush_conn.configure(computation_delay=0)
    ticket = create(hook)
    octopush_conn.fault(path="/voice-campaign-on-list/send", drop="after")
    assert hook.send_voice_campaign(ticket)["done_by_earlier_attempt"] is True
    sent = campaign(octopush_conn, ticket)
    assert sent["status"] == "sent" and sent["send_calls"] == 2


def test_cancel_and_its_lost_answer(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    octopush_conn.configure(computation_delay=60)
    ticket = create(hook)
    octopush_conn.fault(path="/voice-campaign-on-list/cancel", drop="after")
    assert hook.cancel_voice_campaign(ticket)["done_by_earlier_attempt"] is True
    assert campaign(octopush_conn, ticket)["status"] == "cancelled"
    assert [item["method"] for item in octopush_conn.requests("/voice-campaign-on-list/cancel")] == ["DELETE"] * 2


def test_a_sent_campaign_cannot_be_cancelled(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    octopush_conn.configure(computation_delay=0)
    ticket = create(hook)
    hook.send_voice_campaign(ticket)
    with pytest.raises(OctopushApiError, match="code 132"):
        hook.cancel_voice_campaign(ticket)


@pytest.mark.parametrize(
    ("max_cost", "max_contacts", "problem"),
    [
        (None, None, None),
        (1.5, 25, None),
        (1.49, None, "its cost 1.5 exceeds max_cost 1.49"),
        (None, 24, "its 25 contacts exceed max_contacts 24"),
    ],
)
def test_budget_problem(max_cost: float | None, max_contacts: int | None, problem: str | None) -> None:
    status = CampaignStatus("t", "ready_to_be_sent", number_of_contacts=25, cost=1.5)
    assert budget_problem(status, max_cost, max_contacts) == problem


def test_unknown_figures_fail_a_set_limit() -> None:
    status = CampaignStatus.from_response("t", {"status": "ready_to_be_sent", "cost": "n/a"})
    assert status.cost is None and budget_problem(status, 10.0, None)
    assert CampaignStatus.from_response("t", {"cost": "9.32"}).cost == 9.32


@pytest.mark.parametrize(
    "limits",
    [(-1, None, 1, 1), (None, "many", 1, 1), (None, None, 0, 1), (None, None, 1, -5), (True, None, 1, 1)],
)
def test_check_limits(limits: tuple) -> None:
    with pytest.raises(ValueError, match="must be a number"):
        check_limits(*limits)


def test_trigger_serialization_round_trips() -> None:
    trigger = VoiceCampaignComputedTrigger("voice_1", "octopush_default", 2.5, 1_900_000_000.0)
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(__import__(module, fromlist=[name]), name)(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)


SLOW_ANSWER = 0.5  # seconds the sandbox holds each status answer in the test below
LOOP_HELD_LIMIT = 0.3  # what counts as the loop being held: below a slow answer, far above scheduling noise


def run_trigger(trigger: VoiceCampaignComputedTrigger) -> dict:
    """Run the trigger to its first event in an event loop in debug mode."""

    async def first_event() -> dict:
        asyncio.get_running_loop().slow_callback_duration = LOOP_HELD_LIMIT
        async for event in trigger.run():
            return event.payload
        raise AssertionError("the trigger ended without an event")

    return asyncio.run(first_event(), debug=True)


def test_trigger_waits_for_the_computation_without_blocking_the_loop(
    octopush_conn: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """Every status answer takes 0.5 s: a blocking read would hold the loop that long, and asyncio's
    debug mode would log it. The threshold sits well above what a loaded machine's scheduling adds,
    so the test fails on a blocking call, not by chance."""
    octopush_conn.configure(computation_delay=1.0)
    ticket = create(OctopushHook())
    octopush_conn.fault(path="/voice-campaign-on-list/status", delay=SLOW_ANSWER, times=100)
    with caplog.at_level(logging.WARNING, logger="asyncio"):
        event = run_trigger(VoiceCampaignComputedTrigger(ticket, "octopush_default", 0.2, time.time() + 30))
    assert event["outcome"] == "computed" and event["response"]["status"] == "ready_to_be_sent"
    assert len(octopush_conn.requests("/voice-campaign-on-list/status")) >= 2
    assert not [record for record in caplog.records if "Executing" in record.getMessage()]


def test_trigger_times_out_at_its_deadline(octopush_conn: Sandbox) -> None:
    octopush_conn.configure(computation_delay=60)
    ticket = create(OctopushHook())
    event = run_trigger(VoiceCampaignComputedTrigger(ticket, "octopush_default", 0.1, time.time() + 0.5))
    assert event["outcome"] == "timeout" and event["response"]["status"] == "under_computation"


def test_trigger_reports_errors_as_events(octopush_conn: Sandbox) -> None:
    event = run_trigger(VoiceCampaignComputedTrigger("voice_unknown", "octopush_default", 0.1, time.time() + 5))
    assert event["outcome"] == "error" and "code 131" in event["message"]


def test_async_status_read_retries_like_the_sync_one(octopush_conn: Sandbox) -> None:
    """The trigger's httpx path follows the hook's one retry policy: 503 twice, then the answer."""
    octopush_conn.configure(computation_delay=0)
    ticket = create(OctopushHook())
    octopush_conn.fault(path="/voice-campaign-on-list/status", status=503, times=2)

    async def read() -> dict:
        hook = OctopushHook(retry_backoff=0.01)
        try:
            await hook.aload_settings()
            return await hook.aget_voice_campaign_status(ticket)
        finally:
            await hook.aclose()

    assert asyncio.run(read())["status"] == "ready_to_be_sent"
    assert len(octopush_conn.requests("/voice-campaign-on-list/status")) == 3


def test_trigger_reports_an_unreachable_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json("http://127.0.0.1:9/v1", max_retries=0))
    event = run_trigger(VoiceCampaignComputedTrigger("voice_1", "octopush_default", 0.1, time.time() + 5))
    assert event["outcome"] == "error" and "ConnectError" in event["message"]
