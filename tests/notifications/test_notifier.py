"""OctopushVoiceNotifier and OctopushSmsNotifier in the hosts that run them: the DAG processor's time limit,
Deadline Alerts in the triggerer."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_octopush.exceptions import (
    CampaignNotSent,
    CampaignParameterError,
    OctopushApiError,
    OctopushError,
    OctopushRejectedError,
)
from airflow_provider_octopush.notifications.octopush import (
    OctopushVoiceNotifier,
    default_timeout,
    notification_request_id,
)
from airflow_provider_octopush.notifications.sms import OctopushSmsNotifier
from airflow_provider_octopush.rules.request_ids import default_request_id
from airflow_provider_octopush.version_compat import AIRFLOW_V_3_2_PLUS, AIRFLOW_V_3_3_PLUS

if TYPE_CHECKING:
    from conftest import Sandbox

NOTIFIER_PATH = "airflow_provider_octopush.notifications.octopush.OctopushVoiceNotifier"
SMS_NOTIFIER_PATH = "airflow_provider_octopush.notifications.sms.OctopushSmsNotifier"
# What a Deadline Alert's callback gets as its context (Airflow builds it in the scheduler).
DEADLINE_CONTEXT = {
    "dag_run": {"dag_id": "nightly_load", "dag_run_id": "scheduled__2026-11-27T00:00:00+00:00"},
    "deadline": {"id": "0193b1f2-deadline", "deadline_time": "2026-11-27T07:00:00+00:00"},
}


def test_the_default_timeout_fits_the_dag_processor(monkeypatch: pytest.MonkeyPatch) -> None:
    """DAG-level callbacks run in the DAG processor, which kills them after dag_file_processor_timeout."""
    assert default_timeout() == 40.0  # Airflow's default of 50 s, less 10 s
    monkeypatch.setenv("AIRFLOW__DAG_PROCESSOR__DAG_FILE_PROCESSOR_TIMEOUT", "25")
    assert default_timeout() == 15.0


def test_the_default_timeout_of_a_sync_deadline_callback_follows_the_callback_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Deadline Alert's sync callback runs in the executor's callback process, which Airflow 3.3 kills after
    [callbacks] callback_execution_timeout (0, the default, for never): the bound follows it when set."""
    assert default_timeout(DEADLINE_CONTEXT) == 40.0  # no callback limit: the strictest host's, as before
    monkeypatch.setenv("AIRFLOW__CALLBACKS__CALLBACK_EXECUTION_TIMEOUT", "300")
    assert default_timeout(DEADLINE_CONTEXT) == 290.0
    assert default_timeout(DEADLINE_CONTEXT, in_triggerer=True) == 40.0  # the triggerer's async callbacks
    assert default_timeout({"reason": "task_failure"}) == 40.0  # a DAG callback: the DAG processor's limit


def sync_deadline_callback(kwargs: dict[str, Any], path: str = NOTIFIER_PATH) -> tuple[bool, str | None]:
    """Run the notifier as the executor runs a Deadline Alert's SyncCallback (Airflow 3.2+): by its path."""
    import structlog

    log = structlog.get_logger("callback")  # Airflow's own loggers are structlog's
    data = {"path": path, "kwargs": kwargs}
    if AIRFLOW_V_3_3_PLUS:
        from airflow.sdk.execution_time.callback_supervisor import execute_callback

        return execute_callback(data["path"], data["kwargs"], "", None, log)
    from types import SimpleNamespace

    from airflow.executors.workloads.callback import execute_callback_workload

    return execute_callback_workload(SimpleNamespace(data=data), log)


@pytest.mark.skipif(not AIRFLOW_V_3_2_PLUS, reason="the executor runs sync deadline callbacks from Airflow 3.2")
def test_a_sync_deadline_callback_phones_once_within_its_host_limit(
    octopush_conn: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SyncCallback form of the Deadline Alert: sent when computed in time; on Airflow 3.3 with a callback
    limit of 25 s the default wait is 5 s, so a slow computation ends cancelled, with the limit named, before
    Airflow would kill the callback."""
    octopush_conn.configure(computation_delay=0.3)
    kwargs = {"list_name": "on-call", "text": "Late: {{ dag_run.dag_id }}", "poll_interval": 0.2}
    assert sync_deadline_callback({**kwargs, "context": dict(DEADLINE_CONTEXT)}) == (True, None)
    (sent,) = octopush_conn.campaigns()
    assert sent["status"] == "sent" and sent["payload"]["text"] == "Late: nightly_load"
    if not AIRFLOW_V_3_3_PLUS:
        return
    monkeypatch.setenv("AIRFLOW__CALLBACKS__CALLBACK_EXECUTION_TIMEOUT", "25")
    octopush_conn.configure(computation_delay=600)
    context = {**DEADLINE_CONTEXT, "deadline": {"id": "another-deadline", "deadline_time": "2026-11-27T08:00:00"}}
    started = time.monotonic()
    ok, error = sync_deadline_callback({**kwargs, "context": context})
    assert not ok and "wait_timeout=5 s" in str(error), error
    assert time.monotonic() - started < 15
    assert [c["status"] for c in octopush_conn.campaigns()] == ["sent", "cancelled"]


def test_the_connection_id_is_templated(octopush_conn: Sandbox) -> None:
    """One DAG file, one connection per environment: the id renders with the callback's context."""
    octopush_conn.configure(computation_delay=0)
    notifier = OctopushVoiceNotifier(
        list_name="on-call", text="late", poll_interval=0.2, octopush_conn_id="{{ dag_run.conf['conn'] }}"
    )
    with pytest.raises(OctopushError, match="octopush_nowhere"):
        notifier({**DEADLINE_CONTEXT, "dag_run": {**DEADLINE_CONTEXT["dag_run"], "conf": {"conn": "octopush_nowhere"}}})
    assert octopush_conn.campaigns() == []
    notifier = OctopushVoiceNotifier(
        list_name="on-call", text="late", poll_interval=0.2, octopush_conn_id="{{ 'octopush_' ~ 'default' }}"
    )
    notifier(dict(DEADLINE_CONTEXT))
    assert [c["status"] for c in octopush_conn.campaigns()] == ["sent"]
    with pytest.raises(CampaignParameterError, match="'octopush_conn_id'"):
        OctopushVoiceNotifier(list_name="on-call", text="late", octopush_conn_id=" ")


def test_a_wait_longer_than_the_whole_is_refused_when_the_dag_loads(octopush_conn: Sandbox) -> None:
    with pytest.raises(CampaignParameterError, match="'wait_timeout'"):
        OctopushVoiceNotifier(list_name="on-call", text="late", timeout=20, wait_timeout=20)
    assert octopush_conn.requests() == []


def test_a_wait_longer_than_the_default_whole_is_refused_before_any_call(
    octopush_conn: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the default timeout (from the configuration where the callback runs) the pair is checked at run time."""
    notifier = OctopushVoiceNotifier(list_name="on-call", text="late", wait_timeout=45)
    with pytest.raises(CampaignParameterError, match="'wait_timeout': 45 s does not fit in timeout 40 s"):
        notifier(dict(DEADLINE_CONTEXT))
    assert octopush_conn.requests() == []


def test_a_slow_computation_ends_in_a_cancel_within_the_timeout(octopush_conn: Sandbox) -> None:
    octopush_conn.configure(computation_delay=600)
    notifier = OctopushVoiceNotifier(list_name="on-call", text="late", poll_interval=0.2, timeout=12)
    started = time.monotonic()
    with pytest.raises(CampaignNotSent, match="still being computed"):
        notifier(dict(DEADLINE_CONTEXT))
    assert time.monotonic() - started < 12
    (campaign,) = octopush_conn.campaigns()
    assert campaign["status"] == "cancelled"


def test_a_hanging_api_cannot_hold_the_callback_past_its_timeout(octopush_conn: Sandbox) -> None:
    """Every answer hangs for 60 s: each request's time-out shrinks to what is left of ``timeout``, and
    no retry starts that could not end in time. (Octopush acted on the first create: the replay with the
    same request_id is refused with 120, so nothing is created twice.)"""
    octopush_conn.fault(delay=60, times=10)
    notifier = OctopushVoiceNotifier(list_name="on-call", text="late", timeout=11, wait_timeout=6)
    started = time.monotonic()
    with pytest.raises(OctopushError):
        notifier(dict(DEADLINE_CONTEXT))
    assert time.monotonic() - started < 13
    assert len(octopush_conn.campaigns()) == 1


@pytest.mark.parametrize("path", ["/voice-campaign-on-list/status", "/voice-campaign-on-list/send"])
def test_a_failure_after_the_create_cancels(octopush_conn: Sandbox, path: str) -> None:
    """A status read or a send that keeps failing (503 after every retry): nobody would ever send or cancel the
    campaign a callback created, so the notifier cancels it."""
    octopush_conn.configure(computation_delay=0.5)
    octopush_conn.fault(path=path, status=503, times=10)
    with pytest.raises(OctopushApiError, match="HTTP 503"):
        OctopushVoiceNotifier(list_name="on-call", text="x", poll_interval=0.2, timeout=15)(dict(DEADLINE_CONTEXT))
    (campaign,) = octopush_conn.campaigns()
    assert campaign["status"] == "cancelled" and campaign["send_calls"] == 0


class FailedTry:
    """The task instance a callback's context holds (only what the request id reads)."""

    dag_id, task_id, run_id, map_index, try_number = "nightly_load", "load", "manual__1", -1, 1


def test_a_dag_callback_and_a_task_callback_on_one_failure_get_two_request_ids() -> None:
    """Airflow 3.1 to 3.3 give a DAG-level callback the context of the run's last task instance, "ti" included,
    and add "reason": without telling them apart both notifiers sent one request_id and the second met 120."""
    task_context: dict[str, Any] = {"ti": FailedTry(), "run_id": "manual__1", "dag_run": {"run_id": "manual__1"}}
    dag_context = {**task_context, "reason": "task_failure"}
    task_key, dag_key = notification_request_id(task_context), notification_request_id(dag_context)  # type: ignore[arg-type]
    assert task_key != dag_key
    assert task_key == default_request_id("nightly_load", "notify:load:try1", "manual__1", -1)
    assert dag_key == default_request_id("nightly_load", "notify:dag", "manual__1", -1)


def run_callback_trigger(kwargs: dict[str, Any], path: str = NOTIFIER_PATH) -> list[dict[str, Any]]:
    """Airflow's own CallbackTrigger, as the triggerer runs a Deadline Alert's AsyncCallback."""
    from airflow.triggers.callback import CallbackTrigger

    async def events() -> list[dict[str, Any]]:
        trigger = CallbackTrigger(callback_path=path, callback_kwargs=kwargs)
        return [event.payload async for event in trigger.run()]

    return asyncio.run(events())


@pytest.mark.skipif(not AIRFLOW_V_3_2_PLUS, reason="Airflow runs Deadline Alerts through CallbackTrigger from 3.2")
def test_a_deadline_alert_phones_once_from_the_triggerer(octopush_conn: Sandbox) -> None:
    octopush_conn.configure(computation_delay=0.5)
    kwargs = {
        "list_name": "on-call",
        "text": "The nightly load of {{ dag_run.dag_id }} missed its deadline.",
        "poll_interval": 0.2,
        "context": dict(DEADLINE_CONTEXT),
    }
    events = run_callback_trigger(kwargs)
    assert [event["state"] for event in events] == ["running", "success"], events
    (campaign,) = octopush_conn.campaigns()
    assert campaign["status"] == "sent" and campaign["send_calls"] == 1
    assert campaign["payload"]["text"] == "The nightly load of nightly_load missed its deadline."
    run_id = DEADLINE_CONTEXT["dag_run"]["dag_run_id"]
    assert campaign["request_id"] == default_request_id(
        "nightly_load", f"notify:deadline:{DEADLINE_CONTEXT['deadline']['id']}", run_id, -1
    )
    # The same deadline again (a re-queued callback): Octopush refuses the repeat, nobody is called twice.
    assert [event["state"] for event in run_callback_trigger(kwargs)] == ["running", "failed"]
    assert len(octopush_conn.campaigns()) == 1


def test_an_alert_waits_for_the_campaign_ahead_of_it_to_go_out(octopush_conn: Sandbox) -> None:
    """Octopush holds one campaign awaiting validation per account: a notifier meeting 126 tries again within its
    time bound, and phones once the other campaign was sent (here by a thread, once it saw the refusal)."""
    import threading

    from airflow_provider_octopush.hooks.octopush import OctopushHook

    octopush_conn.configure(computation_delay=0)
    hook = OctopushHook()
    other = hook.create_voice_campaign_on_list(list_name="staff", text="ahead", request_id="other")["ticket_number"]

    def send_the_other_once_refused() -> None:
        while not octopush_conn.requests("/voice-campaign/draft"):  # the notifier met 126 and looked it up
            time.sleep(0.05)  # polls the sandbox's record of requests, not a guess at timing
        hook.send_voice_campaign(other)

    sender = threading.Thread(target=send_the_other_once_refused)
    sender.start()
    OctopushVoiceNotifier(list_name="on-call", text="alert", poll_interval=0.2, timeout=20)(dict(DEADLINE_CONTEXT))
    sender.join()
    hook.close()
    campaigns = octopush_conn.campaigns()
    assert [campaign["status"] for campaign in campaigns] == ["sent", "sent"]
    assert len(octopush_conn.requests("/voice-campaign-on-list/create")) >= 3  # other, refused one(s), the alert


def test_an_alert_behind_a_draft_that_never_goes_ends_within_its_timeout_naming_it(octopush_conn: Sandbox) -> None:
    """The notifier's own time bound holds while it waits for the account's turn: it fails in time, having created
    nothing, and says which campaign held the account."""
    from airflow_provider_octopush.hooks.octopush import OctopushHook

    with OctopushHook() as hook:
        ahead = hook.create_voice_campaign_on_list(list_name="staff", text="left prepared")["ticket_number"]
    notifier = OctopushVoiceNotifier(list_name="on-call", text="alert", poll_interval=0.2, timeout=12, wait_timeout=2)
    started = time.monotonic()
    with pytest.raises(OctopushRejectedError, match=f"behind campaign {ahead}") as raised:
        notifier(dict(DEADLINE_CONTEXT))
    assert time.monotonic() - started < 12
    assert "Nothing was created by this task" in str(raised.value) and len(octopush_conn.campaigns()) == 1


def test_a_notifier_phones_numbers_at_once_and_a_reinvoked_callback_phones_nobody_twice(
    octopush_conn: Sandbox,
) -> None:
    """``recipients=``: no list, no wait; the numbers are phoned in one call, with ``purpose``; the same event
    again (a re-invoked callback) is refused by Octopush as a repeat."""
    notifier = OctopushVoiceNotifier(
        recipients="+33612345678, +33700000001",
        text="The nightly load of {{ dag_run.dag_id }} missed its deadline.",
        purpose="alert",
        timeout=15,
    )
    notifier(dict(DEADLINE_CONTEXT))
    (message,) = octopush_conn.messages()
    assert [row["phone_number"] for row in message["recipients"]] == ["+33612345678", "+33700000001"]
    assert message["payload"]["purpose"] == "alert"
    assert message["payload"]["text"] == "The nightly load of nightly_load missed its deadline."
    assert message["request_id"].startswith(notification_request_id(dict(DEADLINE_CONTEXT)) + ".1.")  # type: ignore[arg-type]
    assert octopush_conn.campaigns() == [] and octopush_conn.requests("/voice-campaign/draft") == []
    notifier(dict(DEADLINE_CONTEXT))
    assert len(octopush_conn.messages()) == 1


@pytest.mark.skipif(not AIRFLOW_V_3_2_PLUS, reason="Airflow runs Deadline Alerts through CallbackTrigger from 3.2")
def test_a_deadline_alert_phones_numbers_from_the_triggerer(octopush_conn: Sandbox) -> None:
    kwargs = {"recipients": ["+33612345678"], "text": "Late", "context": dict(DEADLINE_CONTEXT)}
    assert [event["state"] for event in run_callback_trigger(kwargs)] == ["running", "success"]
    (message,) = octopush_conn.messages()
    assert message["recipients"] == [{"phone_number": "+33612345678"}]


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        ({"recipients": ["+33612345678"], "list_name": "on-call"}, "list_name"),
        ({"recipients": ["+33612345678"], "max_cost": 5}, "max_cost"),
        ({"list_name": "on-call", "purpose": "alert"}, "purpose"),
        ({"recipients": ["0612345678"]}, "recipients[0].phone_number"),
        ({"recipients": ["+33612345678", "+33612345679"], "max_contacts": 1}, "recipients"),
        ({}, "list_name"),
    ],
)
def test_a_notifier_has_one_target_checked_when_the_dag_loads(arguments: dict[str, Any], parameter: str) -> None:
    with pytest.raises(CampaignParameterError) as info:
        OctopushVoiceNotifier(text="x", **arguments)
    assert info.value.parameter == parameter


def test_an_sms_notifier_texts_numbers_at_once_and_a_reinvoked_callback_texts_nobody_twice(
    octopush_conn: Sandbox, capfd: pytest.CaptureFixture[str]
) -> None:
    notifier = OctopushSmsNotifier(
        recipients="+33612345678, +33700000001",
        text="Le chargement {{ dag_run.dag_id }} est en retard ⚠",
        type="sms_premium",
        purpose="alert",
        timeout=15,
    )
    notifier(dict(DEADLINE_CONTEXT))
    (sms,) = octopush_conn.sms()
    assert [row["phone_number"] for row in sms["recipients"]] == ["+33612345678", "+33700000001"]
    assert sms["payload"]["text"] == "Le chargement nightly_load est en retard ⚠"
    assert sms["payload"]["type"] == "sms_premium" and sms["payload"]["purpose"] == "alert"
    assert sms["request_id"].startswith(notification_request_id(dict(DEADLINE_CONTEXT)) + ".1.")  # type: ignore[arg-type]
    assert octopush_conn.messages() == [] and octopush_conn.campaigns() == []
    notifier(dict(DEADLINE_CONTEXT))
    assert len(octopush_conn.sms()) == 1
    assert "voice pages" not in capfd.readouterr().out  # the voice side's doubts are not an SMS's


@pytest.mark.skipif(not AIRFLOW_V_3_2_PLUS, reason="Airflow runs Deadline Alerts through CallbackTrigger from 3.2")
def test_a_deadline_alert_texts_numbers_from_the_triggerer(octopush_conn: Sandbox) -> None:
    kwargs = {"recipients": ["+33612345678"], "text": "Late", "type": "sms_low_cost", "context": dict(DEADLINE_CONTEXT)}
    assert [event["state"] for event in run_callback_trigger(kwargs, SMS_NOTIFIER_PATH)] == ["running", "success"]
    (sms,) = octopush_conn.sms()
    assert sms["recipients"] == [{"phone_number": "+33612345678"}]


@pytest.mark.skipif(not AIRFLOW_V_3_2_PLUS, reason="the executor runs sync deadline callbacks from Airflow 3.2")
def test_a_sync_deadline_callback_texts_a_list_once_within_its_budget(octopush_conn: Sandbox) -> None:
    octopush_conn.configure(computation_delay=0.3, contacts=4, cost_per_contact=0.05)
    kwargs = {
        "list_name": "on-call",
        "text": "Late: {{ dag_run.dag_id }}",
        "type": "sms_premium",
        "purpose": "alert",  # a list campaign's SMS takes one
        "max_cost": 1,
        "poll_interval": 0.2,
        "context": dict(DEADLINE_CONTEXT),
    }
    assert sync_deadline_callback(kwargs, SMS_NOTIFIER_PATH) == (True, None)
    (campaign,) = octopush_conn.campaigns()
    assert campaign["channel"] == "sms" and campaign["status"] == "sent" and campaign["send_calls"] == 1
    assert campaign["payload"]["text"] == "Late: nightly_load" and campaign["payload"]["purpose"] == "alert"
    later = {**DEADLINE_CONTEXT, "deadline": {"id": "another-deadline"}}
    ok, error = sync_deadline_callback({**kwargs, "max_cost": 0.1, "context": later}, SMS_NOTIFIER_PATH)
    assert not ok and "exceeds max_cost 0.1" in str(error)
    assert [campaign["status"] for campaign in octopush_conn.campaigns()] == ["sent", "cancelled"]


def test_a_marketing_sms_alert_without_the_stop_mention_is_refused_before_any_call(octopush_conn: Sandbox) -> None:
    notifier = OctopushSmsNotifier(list_name="on-call", text="{{ dag_run.dag_id }} failed", type="sms_premium")
    with pytest.raises(CampaignParameterError, match="STOP au XXXXX") as info:
        notifier(dict(DEADLINE_CONTEXT))
    assert info.value.parameter == "text" and octopush_conn.requests() == []


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        ({"recipients": ["+33612345678"], "list_name": "on-call"}, "list_name"),
        ({"recipients": ["+33612345678"], "max_cost": 5}, "max_cost"),
        ({"list_name": "on-call", "type": "sms_vocal"}, "type"),
        ({"list_name": "on-call", "type": "sms_premium", "purpose": "wholesale"}, "text"),  # no STOP au XXXXX
        ({"recipients": ["+33612345678"], "type": "sms_premium", "purpose": "wholesale"}, "text"),
        ({"recipients": ["0612345678"]}, "recipients[0].phone_number"),
        ({}, "list_name"),
    ],
)
def test_an_sms_notifier_is_checked_when_the_dag_loads(arguments: dict[str, Any], parameter: str) -> None:
    with pytest.raises(CampaignParameterError) as info:
        OctopushSmsNotifier(text="x", **arguments)
    assert info.value.parameter == parameter
