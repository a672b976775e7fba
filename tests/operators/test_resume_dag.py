"""Retries resume the campaign an earlier try created (Airflow 3.3's task_state_store), in real DAG runs.

On Airflow 3.1 and 3.2 there is no store: with Octopush's documented draft answer (no
request_id in it) the same runs show the fallback (the failing try cancels what it created,
the retry meets code 120 and finds no draft). The matrix runs both branches;
test_draft_recovery_dag.py has the draft that names its request_id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from conftest import task_instance, xcoms

from airflow_provider_octopush.operators.voice_campaign import SEND_XCOM_KEY
from airflow_provider_octopush.version_compat import AIRFLOW_V_3_3_PLUS

if TYPE_CHECKING:
    from conftest import Sandbox

pytestmark = pytest.mark.dag

CREATE = "/voice-campaign-on-list/create"
STATUS = "/voice-campaign-on-list/status"
SEND_PATH = "/voice-campaign-on-list/send"
CANCEL = "/voice-campaign-on-list/cancel"
SEND = 'list_name="staff", text="Hello", send=True, poll_interval=0.2'


def fail_the_first_wait(sandbox: Sandbox) -> None:
    """The first try's status reads all answer 503 (the test connection allows 2 retries): it fails while waiting."""
    sandbox.configure(computation_delay=0.5)
    sandbox.fault(path=STATUS, status=503, body={"code": 500, "message": "maintenance"}, times=3)


@pytest.mark.parametrize("deferrable", [False, True])
def test_a_retry_resumes_the_campaign_the_first_try_created(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], deferrable: bool
) -> None:
    fail_the_first_wait(octopush_conn)
    run = make_dag(f"{SEND}, deferrable={deferrable}", retries=1).test()
    (campaign,) = octopush_conn.campaigns()
    out = capfd.readouterr().out
    if AIRFLOW_V_3_3_PLUS:
        assert run.state == "success" and task_instance(run).try_number == 2
        assert len(octopush_conn.requests(CREATE)) == 1  # the retry created nothing
        assert campaign["status"] == "sent" and campaign["send_calls"] == 1
        assert octopush_conn.requests(CANCEL) == []  # the failing try left it to the retry
        assert xcoms(run)["return_value"] == campaign["ticket_number"]
        assert f"Resuming Octopush campaign {campaign['ticket_number']}" in out
        assert "the next try resumes it" in out
    else:  # no task_state_store: the failing try cancels, the retry stops at 120 (docs/retries-and-errors.md)
        assert run.state == "failed"
        assert campaign["status"] == "cancelled" and campaign["send_calls"] == 0
        assert len(octopush_conn.requests(CREATE)) == 2 and "code 120" in out
        assert "No campaign awaits validation now" in out and "/voice-campaign/draft" in str(octopush_conn.requests())


def test_the_last_try_cancels_what_it_created(octopush_conn: Sandbox, make_dag: Any) -> None:
    fail_the_first_wait(octopush_conn)
    run = make_dag(SEND, retries=0).test()
    assert run.state == "failed"
    (campaign,) = octopush_conn.campaigns()
    assert campaign["status"] == "cancelled" and campaign["send_calls"] == 0
    assert len(octopush_conn.requests(CANCEL)) == 1


FAIL_FIRST_TRY_AFTER_EXECUTE = """
def fail_first_try(context, result):
    if context["ti"].try_number == 1:
        raise RuntimeError("the worker died after the send (simulated)")

VoiceCampaignOperator(
    task_id="call", list_name="staff", text="Hello", send=True, poll_interval=0.2, post_execute=fail_first_try
)
"""


def test_a_retry_after_the_send_does_not_send_again(octopush_conn: Sandbox, make_dag: Any) -> None:
    octopush_conn.configure(computation_delay=0.3)
    run = make_dag(tasks=FAIL_FIRST_TRY_AFTER_EXECUTE, retries=1).test()
    (campaign,) = octopush_conn.campaigns()
    assert campaign["status"] == "sent" and campaign["send_calls"] == 1
    if AIRFLOW_V_3_3_PLUS:
        assert run.state == "success" and task_instance(run).try_number == 2
        assert len(octopush_conn.requests(CREATE)) == 1
        pushed = xcoms(run)
        assert pushed["return_value"] == campaign["ticket_number"] and pushed[SEND_XCOM_KEY] == {}
    else:
        assert run.state == "failed" and len(octopush_conn.requests(CREATE)) == 2  # the retry met 120


CANCEL_BETWEEN_TRIES = """
def cancel_in_octopush(context):
    from airflow_provider_octopush.hooks.octopush import OctopushHook

    OctopushHook().cancel_voice_campaign(context["ti"].xcom_pull(task_ids="call"))

VoiceCampaignOperator(
    task_id="call", list_name="staff", text="Hello", send=True, poll_interval=0.2, on_retry_callback=cancel_in_octopush
)
"""


@pytest.mark.skipif(not AIRFLOW_V_3_3_PLUS, reason="resuming needs Airflow 3.3's task_state_store")
def test_a_retry_that_finds_its_campaign_cancelled_fails_and_says_so(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """Between the tries a person cancels the campaign in Octopush: the retry must not create another."""
    fail_the_first_wait(octopush_conn)
    run = make_dag(tasks=CANCEL_BETWEEN_TRIES, retries=1).test()
    (campaign,) = octopush_conn.campaigns()
    assert run.state == "failed" and task_instance(run).try_number == 2
    assert campaign["status"] == "cancelled" and campaign["send_calls"] == 0
    assert len(octopush_conn.requests(CREATE)) == 1
    assert f"Octopush no longer knows campaign {campaign['ticket_number']}" in capfd.readouterr().out


LOSE_THE_SEND_RECORD = """
def lose_the_record(context, result):
    if context["ti"].try_number == 1:
        context["task_state_store"].delete("octopush_sent")  # as when Airflow ended the try before the write
        raise RuntimeError("the try could not report its success (simulated)")

VoiceCampaignOperator(
    task_id="call", list_name="staff", text="Hello", send=True, poll_interval=0.2, deferrable=DEFERRABLE,
    post_execute=lose_the_record,
)
"""


@pytest.mark.skipif(not AIRFLOW_V_3_3_PLUS, reason="resuming needs Airflow 3.3's task_state_store")
@pytest.mark.parametrize("deferrable", [False, True])
def test_a_retry_that_lost_the_record_of_its_send_reads_the_status_and_asks_no_second_send(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], deferrable: bool
) -> None:
    """The store kept the ticket but not the send (the real stack's API server under load): the retry resumes the
    campaign, Octopush's status says it is sent, and no second send call reaches Octopush."""
    octopush_conn.configure(computation_delay=0.3)
    run = make_dag(tasks=LOSE_THE_SEND_RECORD.replace("DEFERRABLE", str(deferrable)), retries=1).test()
    (campaign,) = octopush_conn.campaigns()
    assert run.state == "success" and task_instance(run).try_number == 2
    assert campaign["status"] == "sent" and campaign["send_calls"] == 1
    assert len(octopush_conn.requests(CREATE)) == 1 and len(octopush_conn.requests(SEND_PATH)) == 1
    assert xcoms(run)[SEND_XCOM_KEY] == {"already_sent": True, "status": "sent"}
    assert f"Octopush reports campaign {campaign['ticket_number']} as 'sent'" in capfd.readouterr().out
