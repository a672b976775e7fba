"""The lifecycle in real DAG runs: send=True (normal and deferred), guards, sensor, send/cancel, notifier."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import pytest
from conftest import connection_json, task_instance, task_states, xcoms

from airflow_provider_octopush.operators.voice_campaign import SEND_XCOM_KEY, STATUS_XCOM_KEY

if TYPE_CHECKING:
    from conftest import Sandbox

pytestmark = pytest.mark.dag

SEND = 'list_name="staff", text="Hello", send=True, poll_interval=0.2'


def the_campaign(sandbox: Sandbox) -> dict[str, Any]:
    (campaign,) = sandbox.campaigns()
    return campaign


@pytest.mark.parametrize("deferrable", [False, True])
def test_send_true_sends_exactly_once_after_ready(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], deferrable: bool
) -> None:
    # 3 s of computation: a loaded machine (CI's two lanes) can take over a second from the create to the first read.
    octopush_conn.configure(computation_delay=3.0, contacts=40, cost_per_contact=0.05)
    run = make_dag(f"{SEND}, max_cost=5, max_contacts=100, deferrable={deferrable}").test()
    assert run.state == "success"
    campaign = the_campaign(octopush_conn)
    assert campaign["status"] == "sent" and campaign["send_calls"] == 1
    pushed = xcoms(run)
    assert pushed["return_value"] == campaign["ticket_number"]
    assert pushed[STATUS_XCOM_KEY] == {
        "ticket_number": campaign["ticket_number"],
        "status": "ready_to_be_sent",
        "number_of_contacts": 40,
        "cost": 2.0,
        "estimated_duration": 13.3,
    }
    assert pushed[SEND_XCOM_KEY] == {}  # Octopush documents no body for the send
    # At least one status read found it still computing: the wait really waited.
    statuses = octopush_conn.requests("/voice-campaign-on-list/status")
    assert len(statuses) >= 2
    out = capfd.readouterr().out
    # dag.test() runs the trigger, rebuilt from its serialized kwargs, inline.
    assert ("Waiting in the triggerer" in out) is deferrable


def test_default_is_prepare_only(octopush_conn: Sandbox, make_dag: Any) -> None:
    octopush_conn.configure(computation_delay=0)
    assert make_dag('list_name="staff", text="Hello"').test().state == "success"
    assert the_campaign(octopush_conn)["status"] == "ready_to_be_sent"
    assert octopush_conn.requests("/voice-campaign-on-list/status") == []


@pytest.mark.parametrize("deferrable", [False, True])
@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ("max_cost=1.0", "its cost 1.5 exceeds max_cost 1.0"),
        ("max_contacts=10", "its 25 contacts exceed max_contacts 10"),
    ],
)
def test_over_budget_is_cancelled_never_sent(
    octopush_conn: Sandbox,
    make_dag: Any,
    capfd: pytest.CaptureFixture[str],
    limit: str,
    message: str,
    deferrable: bool,
) -> None:
    octopush_conn.configure(computation_delay=0.3, contacts=25, cost_per_contact=0.06)
    run = make_dag(f"{SEND}, {limit}, deferrable={deferrable}", retries=2).test()
    assert run.state == "failed" and task_instance(run).try_number == 1
    campaign = the_campaign(octopush_conn)
    assert campaign["status"] == "cancelled" and campaign["send_calls"] == 0
    out = capfd.readouterr().out
    assert message in out and "25 contacts, cost 1.5" in out and "It was cancelled" in out


@pytest.mark.parametrize("deferrable", [False, True])
def test_failed_computation_sends_nothing(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], deferrable: bool
) -> None:
    octopush_conn.configure(computation_delay=0.3, outcome="failed")
    run = make_dag(f"{SEND}, deferrable={deferrable}").test()
    assert run.state == "failed"
    assert the_campaign(octopush_conn)["send_calls"] == 0
    assert "has status 'failed'" in capfd.readouterr().out


@pytest.mark.parametrize("deferrable", [False, True])
def test_no_readiness_within_wait_timeout(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], deferrable: bool
) -> None:
    octopush_conn.configure(computation_delay=600)
    started = time.monotonic()
    run = make_dag(f"{SEND}, wait_timeout=1, deferrable={deferrable}").test()
    assert run.state == "failed" and time.monotonic() - started < 120  # far from 600 s: a loaded machine passes
    campaign = the_campaign(octopush_conn)
    assert campaign["status"] == "cancelled" and campaign["send_calls"] == 0
    assert "still being computed when wait_timeout=1 s ran out" in capfd.readouterr().out


REVIEW = """
prepare = VoiceCampaignOperator(task_id="prepare", list_name="staff", text="Hello")
ready = VoiceCampaignReadySensor(
    task_id="ready",
    ticket_number="{{ ti.xcom_pull(task_ids='prepare') }}",
    poke_interval=0.2,
    timeout=30,
    deferrable=%s,
)
send = SendVoiceCampaignOperator(task_id="send", ticket_number="{{ ti.xcom_pull(task_ids='prepare') }}")
prepare >> ready >> send
"""


@pytest.mark.parametrize("deferrable", [False, True])
def test_review_then_send_with_the_sensor(octopush_conn: Sandbox, make_dag: Any, deferrable: bool) -> None:
    octopush_conn.configure(computation_delay=0.8)
    run = make_dag(tasks=REVIEW % deferrable).test()
    assert run.state == "success"
    campaign = the_campaign(octopush_conn)
    assert campaign["status"] == "sent" and campaign["send_calls"] == 1
    assert xcoms(run, "ready")["return_value"]["number_of_contacts"] == 25
    assert xcoms(run, "send")["return_value"] == {}


@pytest.mark.parametrize("deferrable", [False, True])
def test_sensor_fails_on_a_failed_campaign(octopush_conn: Sandbox, make_dag: Any, deferrable: bool) -> None:
    octopush_conn.configure(computation_delay=0.3, outcome="failed")
    run = make_dag(tasks=REVIEW % deferrable).test()
    states = task_states(run)
    assert states == {"prepare": "success", "ready": "failed", "send": "upstream_failed"}
    assert the_campaign(octopush_conn)["send_calls"] == 0


def test_cancel_operator(octopush_conn: Sandbox, make_dag: Any) -> None:
    run = make_dag(
        tasks="""
        prepare = VoiceCampaignOperator(task_id="prepare", list_name="staff", text="Hello")
        prepare >> CancelVoiceCampaignOperator(task_id="cancel", ticket_number="{{ ti.xcom_pull(task_ids='prepare') }}")
        """
    ).test()
    assert run.state == "success" and the_campaign(octopush_conn)["status"] == "cancelled"


def failing_task(notifier: str) -> str:
    return f"""
    def boom():
        raise RuntimeError("the pipeline found a problem")

    PythonOperator(task_id="work", python_callable=boom, on_failure_callback={notifier})
    """


def test_notifier_calls_on_failure(octopush_conn: Sandbox, make_dag: Any) -> None:
    octopush_conn.configure(computation_delay=0.5)
    notifier = (
        'OctopushVoiceNotifier(list_name="on-call", text="DAG {{ dag.dag_id }} failed in {{ ti.task_id }}", '
        'voice_language="en-GB", poll_interval=0.2, wait_timeout=20)'
    )
    dag = make_dag(tasks=failing_task(notifier))
    run = dag.test()
    assert run.state == "failed"
    campaign = the_campaign(octopush_conn)
    assert campaign["payload"]["text"] == f"DAG {dag.dag_id} failed in work"
    assert campaign["payload"]["list_name"] == "on-call" and campaign["payload"]["voice_language"] == "en-GB"
    assert campaign["status"] == "sent" and campaign["send_calls"] == 1


def test_notifier_wait_is_bounded(octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str]) -> None:
    octopush_conn.configure(computation_delay=600)
    notifier = 'OctopushVoiceNotifier(list_name="on-call", text="failed", poll_interval=0.2, wait_timeout=1)'
    started = time.monotonic()
    run = make_dag(tasks=failing_task(notifier)).test()
    assert run.state == "failed" and time.monotonic() - started < 120  # far from 600 s: a loaded machine passes
    assert the_campaign(octopush_conn)["status"] == "cancelled"
    assert "wait_timeout=1" in capfd.readouterr().out


def test_notifier_respects_the_budget(octopush_conn: Sandbox, make_dag: Any) -> None:
    octopush_conn.configure(computation_delay=0.2, contacts=500)
    notifier = 'OctopushVoiceNotifier(list_name="all", text="failed", max_contacts=50, poll_interval=0.2)'
    make_dag(tasks=failing_task(notifier)).test()
    campaign = the_campaign(octopush_conn)
    assert campaign["status"] == "cancelled" and campaign["send_calls"] == 0


@pytest.mark.timeout(420)  # the process's start, bounded below, and its end after SIGTERM
def test_on_kill_cancels_the_campaign_it_created(octopush_conn: Sandbox, make_dag: Any, airflow_db: Any) -> None:
    """A real task process (`airflow tasks test`), killed with SIGTERM while it waits for the computation."""
    octopush_conn.configure(computation_delay=600)
    dag = make_dag(SEND)
    env = {**os.environ, "AIRFLOW_CONN_OCTOPUSH_DEFAULT": connection_json(octopush_conn.url)}
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow", "tasks", "test", dag.dag_id, "call", "2030-01-01"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # A fresh interpreter imports Airflow and parses the DAG first: over a minute on CI's loaded cores.
        deadline = time.monotonic() + 240
        while (
            not octopush_conn.requests("/voice-campaign-on-list/status")
            and process.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        if not octopush_conn.campaigns():
            process.kill()
            pytest.fail("the task never created its campaign:\n" + process.communicate()[0][-3000:])
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    campaign = the_campaign(octopush_conn)
    assert campaign["status"] == "cancelled" and campaign["send_calls"] == 0, output[-3000:]
    assert f"Octopush campaign {campaign['ticket_number']} cancelled" in output
    (cancel,) = octopush_conn.requests("/voice-campaign-on-list/cancel")  # on_kill's; the failing wait adds none
    assert json.loads(cancel["body"]) == {"ticket_number": campaign["ticket_number"]}


RESCHEDULE = """
prepare = VoiceCampaignOperator(task_id="prepare", list_name="staff", text="Hello")
ready = VoiceCampaignReadySensor(
    task_id="ready",
    ticket_number="{{ ti.xcom_pull(task_ids='prepare') }}",
    mode="reschedule",
    poke_interval=1,
    timeout=60,
)
prepare >> ready
"""


def test_sensor_in_reschedule_mode_gives_its_slot_back_between_pokes(octopush_conn: Sandbox, make_dag: Any) -> None:
    # The first poke is told "still being built" (code 129), whatever the machine's speed; the next finds it ready.
    octopush_conn.configure(computation_delay=0)
    body = {"code": 129, "message": "The campaign is being built"}
    octopush_conn.fault(path="/voice-campaign-on-list/status", status=400, body=body, times=1)
    run = make_dag(tasks=RESCHEDULE).test()
    assert run.state == "success"
    assert xcoms(run, "ready")["return_value"]["status"] == "ready_to_be_sent"
    assert len(octopush_conn.requests("/voice-campaign-on-list/status")) == 2
    assert the_campaign(octopush_conn)["send_calls"] == 0  # the sensor only watches
    # What only reschedule mode does: the first poke ended the try (its slot given back) with a reschedule,
    # which Airflow records; in poke mode the same two pokes happen inside one try and nothing is recorded.
    from airflow.models.taskreschedule import TaskReschedule
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    (ready,) = [ti for ti in run.get_task_instances() if ti.task_id == "ready"]
    with create_session() as session:
        reschedules = session.scalar(select(func.count()).where(TaskReschedule.ti_id == ready.id))
    assert reschedules == 1


@pytest.mark.parametrize("operator", ["SendVoiceCampaignOperator", "CancelVoiceCampaignOperator"])
@pytest.mark.parametrize("ticket", ["\"{{ '' }}\"", "\"{{ '  ' }}\""])
def test_ticket_operators_refuse_an_empty_ticket_before_any_call(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], operator: str, ticket: str
) -> None:
    run = make_dag(tasks=f'{operator}(task_id="act", ticket_number={ticket})', retries=2).test()
    (ti,) = run.get_task_instances()
    assert run.state == "failed" and ti.try_number == 1  # no retry burnt on a value that will not change
    assert octopush_conn.requests() == []
    assert "Parameter 'ticket_number'" in capfd.readouterr().out
