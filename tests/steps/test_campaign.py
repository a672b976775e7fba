"""The campaign lifecycle below the DAG level: hook calls, the trigger, the budget rule."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import pytest
from conftest import connection_json

from airflow_provider_octopush.api.answers import ticket_from
from airflow_provider_octopush.exceptions import (
    CampaignNotSent,
    CampaignParameterError,
    OctopushApiError,
    OctopushAuthError,
    OctopushConnectionError,
    OctopushNetworkError,
)
from airflow_provider_octopush.hooks.octopush import OctopushHook
from airflow_provider_octopush.steps.campaign import (
    CampaignStatus,
    budget_problem,
    describe_send,
    status_from_event,
    wait_until_computed,
)
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
    assert hook.send_voice_campaign(ticket) == {}  # documented: "200 OK" without a body, which is success
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


@pytest.mark.parametrize(
    ("status", "sent"),
    [
        ("sent", True),
        ("SENT", True),
        ("being_sent", True),
        ("sending", True),
        ("ready_to_be_sent", False),
        ("ready_to_be_send", False),  # a spelling in one of Octopush's samples
        ("under_computation", False),
        ("failed", False),
        ("unheard_of", False),
    ],
)
def test_a_status_says_sent_only_when_it_names_sending(status: str, sent: bool) -> None:
    assert CampaignStatus("t", status).sent is sent


def test_unknown_figures_fail_a_set_limit() -> None:
    status = CampaignStatus.from_response("t", {"status": "ready_to_be_sent", "cost": "n/a"})
    assert status.cost is None and budget_problem(status, 10.0, None)
    assert CampaignStatus.from_response("t", {"cost": "9.32"}).cost == 9.32


def test_trigger_serialization_round_trips() -> None:
    trigger = VoiceCampaignComputedTrigger("voice_1", "octopush_default", 2.5, None, deadline_margin=60.0)
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
    octopush_conn.configure(computation_delay=2.0)
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


def test_a_trigger_the_scheduler_started_ends_before_airflows_own_time_out(octopush_conn: Sandbox) -> None:
    """Started by the scheduler (a sensor's start_from_trigger), the trigger has no deadline of its own:
    it follows the ``timeout_after`` the triggerer sets, less its margin, so that its clear "timeout"
    event comes before Airflow's bare TaskDeferralTimeout."""
    from datetime import datetime, timedelta, timezone

    octopush_conn.configure(computation_delay=60)
    ticket = create(OctopushHook())
    trigger = VoiceCampaignComputedTrigger(ticket, "octopush_default", 0.1, None, deadline_margin=60)
    trigger.timeout_after = datetime.now(timezone.utc) + timedelta(seconds=60.5)  # as the triggerer does
    started = time.time()
    event = run_trigger(trigger)
    assert event["outcome"] == "timeout" and time.time() - started < 5


def test_a_ticket_rendered_in_the_triggerer_is_checked_there() -> None:
    """No worker has seen a ticket the triggerer rendered: an empty one is the parameter error, not a 404."""
    event = run_trigger(VoiceCampaignComputedTrigger("  ", "octopush_default", 0.1, None))
    assert event["outcome"] == "error" and event["error"]["error_class"] == "CampaignParameterError"
    with pytest.raises(CampaignParameterError, match="ticket_number"):
        status_from_event(event)


def test_trigger_reports_errors_as_events_that_keep_their_class(octopush_conn: Sandbox) -> None:
    """A campaign cancelled meanwhile (131) is a no-retry CampaignNotSent in the worker; across the
    deferral it must stay one, or the resumed task would burn its retries on it."""
    event = run_trigger(VoiceCampaignComputedTrigger("voice_unknown", "octopush_default", 0.1, time.time() + 5))
    assert event["outcome"] == "error" and event["error"]["code"] == 131
    with pytest.raises(CampaignNotSent, match="code 131") as raised:
        status_from_event(event)
    assert raised.value.code == 131 and raised.value.status == 400


def test_an_auth_error_in_the_trigger_is_an_auth_error_in_the_task(
    octopush_conn: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(octopush_conn.url, password="wrong-key-12345"))
    event = run_trigger(VoiceCampaignComputedTrigger("voice_1", "octopush_default", 0.1, time.time() + 5))
    with pytest.raises(OctopushAuthError) as raised:
        status_from_event(event)
    assert raised.value.status == 401 and "wrong-key-12345" not in str(raised.value)


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
    assert event["outcome"] == "error" and "ConnectError" in event["error"]["message"]
    with pytest.raises(OctopushNetworkError):  # retryable in the worker, retryable after the deferral
        status_from_event(event)


def test_trigger_without_its_connection_reports_an_error_event(octopush_conn: Sandbox) -> None:
    """The connection missing where the trigger runs: an event, never an exception that would fail the
    task in the triggerer and leave the campaign prepared."""
    event = run_trigger(VoiceCampaignComputedTrigger("voice_1", "octopush_missing", 0.1, time.time() + 5))
    assert event["outcome"] == "error" and "octopush_missing" in event["error"]["message"]
    assert octopush_conn.requests() == []
    with pytest.raises(OctopushConnectionError, match="'octopush_missing' is not defined where this runs"):
        status_from_event(event)  # no retry: it is missing until a person adds it


@pytest.mark.parametrize("cancel_on_kill", [True, False])
def test_trigger_on_kill_cancels_only_what_its_task_created(octopush_conn: Sandbox, cancel_on_kill: bool) -> None:
    """Airflow 3.3 calls on_kill when a user kills the deferred task; the operator's trigger cancels,
    the sensor's (which only watches a campaign) does not."""
    octopush_conn.configure(computation_delay=60)
    ticket = create(OctopushHook())
    trigger = VoiceCampaignComputedTrigger(ticket, "octopush_default", 0.1, time.time() + 60, cancel_on_kill)
    asyncio.run(trigger.on_kill())
    (campaign,) = octopush_conn.campaigns()
    assert campaign["status"] == ("cancelled" if cancel_on_kill else "under_computation")
    assert len(octopush_conn.requests("/voice-campaign-on-list/cancel")) == int(cancel_on_kill)


def test_trigger_on_kill_that_cannot_cancel_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Octopush unreachable: the kill goes on (no exception), and the log names the campaign to cancel by hand."""
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json("http://127.0.0.1:9/v1", max_retries=0))
    trigger = VoiceCampaignComputedTrigger("voice_1", "octopush_default", 0.1, 0.0, True)
    asyncio.run(trigger.on_kill())
    (line,) = [line for line in capfd.readouterr().out.splitlines() if "[error" in line]
    assert "Could not cancel Octopush campaign voice_1; cancel it in the Octopush web interface" in line
    assert "refuses every new campaign of its kind on this account (code 126)" in line


def test_a_campaign_a_person_cancelled_is_no_error(octopush_conn: Sandbox, capfd: pytest.CaptureFixture[str]) -> None:
    octopush_conn.configure(computation_delay=60)
    ticket = create(OctopushHook())
    OctopushHook().cancel_voice_campaign(ticket)  # a person, in the web interface
    trigger = VoiceCampaignComputedTrigger(ticket, "octopush_default", 0.1, time.time() + 60, True)
    capfd.readouterr()
    asyncio.run(trigger.on_kill())
    out = capfd.readouterr().out
    assert "[error" not in out and f"Octopush campaign {ticket} was cancelled already" in out


async def read_status(ticket: str, **hook_args: float) -> dict:
    hook = OctopushHook(**hook_args)
    try:
        await hook.aload_settings()
        return await hook.aget_voice_campaign_status(ticket)
    finally:
        await hook.aclose()


def test_async_429_waits_for_retry_after(octopush_conn: Sandbox) -> None:
    octopush_conn.configure(computation_delay=0)
    ticket = create(OctopushHook())
    octopush_conn.fault(path="/voice-campaign-on-list/status", status=429, headers={"Retry-After": "1"})
    started = time.monotonic()
    assert asyncio.run(read_status(ticket, retry_backoff=0.01))["status"] == "ready_to_be_sent"
    assert time.monotonic() - started >= 0.9  # the server's 1 s, not the 10 ms back-off
    assert len(octopush_conn.requests("/voice-campaign-on-list/status")) == 2


def test_async_read_is_retried_after_a_refused_connection(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first attempt finds nothing listening (refused: provably never sent), the second finds the API."""
    import socket
    import threading

    from conftest import API_KEY, LOGIN

    from airflow_provider_octopush.sandbox import SandboxServer, SandboxState

    with socket.socket() as placeholder:  # a port that refuses connections until the server takes it
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    monkeypatch.setenv(
        "AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(f"http://127.0.0.1:{port}/v1/public", max_retries=3)
    )
    server: list[SandboxServer] = []
    started = threading.Event()

    async def read_when_the_server_comes_up() -> dict:
        hook = OctopushHook(retry_backoff=0.4)
        try:
            await hook.aload_settings()

            def serve() -> None:
                time.sleep(0.2)  # after the first attempt was refused, before the retry
                server.append(SandboxServer(SandboxState(LOGIN, API_KEY, balance=1.0), port=port))
                server[0].start_in_thread()
                started.set()

            threading.Thread(target=serve, daemon=True).start()
            return await hook._arequest("GET", "/wallet/check-balance", replay_safe=False)
        finally:
            await hook.aclose()

    try:
        answer = asyncio.run(read_when_the_server_comes_up())
    finally:
        started.wait(5)
        for running in server:
            running.shutdown()
            running.server_close()
    assert answer == {"amount": 1.0, "unit": "euros"}
    assert len(server[0].state.requests) == 1  # the refused attempt never reached anything


class ListLog:
    """A logger that keeps its lines."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def _keep(self, level: str, msg: str, *args: object) -> None:
        self.lines.append((level, msg % args))

    def info(self, msg: str, *args: object) -> None:
        self._keep("info", msg, *args)

    def warning(self, msg: str, *args: object) -> None:
        self._keep("warning", msg, *args)

    def error(self, msg: str, *args: object) -> None:
        self._keep("error", msg, *args)


def test_a_wait_logs_once_a_minute_not_once_a_poll(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    """20-odd polls in 2 s: one line says it is being computed (then one a minute), not one per poll."""
    octopush_conn.configure(computation_delay=2.0)
    ticket = create(hook)
    log = ListLog()
    status = wait_until_computed(hook, ticket, poll_interval=0.1, deadline=time.time() + 30, log=log)
    assert status.status == "ready_to_be_sent"
    assert len(octopush_conn.requests("/voice-campaign-on-list/status")) >= 10
    assert [line for _, line in log.lines if "being computed" in line] == [
        f"Octopush campaign {ticket} is being computed; waiting up to 30 s more"
    ]


@pytest.mark.parametrize(
    ("answer", "line"),
    [
        (
            {"sending_date": "2026-05-01T08:30:00+02:00"},
            "Octopush campaign v1 sent; sending date 2026-05-01T08:30:00+02:00",
        ),
        ({}, "Octopush campaign v1 sent"),  # Octopush documents "200 OK" without a body
        ({"code": 132, "already_sent": True}, "Octopush campaign v1 had been sent already; nothing was sent again"),
    ],
)
def test_the_send_is_logged_as_what_happened(answer: dict, line: str) -> None:
    assert describe_send("v1", answer) == line
