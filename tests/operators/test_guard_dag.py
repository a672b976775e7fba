"""Nothing left prepared: whatever fails after the create, the campaign is cancelled (or left to a retry
that resumes it), in real DAG runs. Each step is failed in turn, in the worker and after a deferral."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from conftest import task_instance

from airflow_provider_octopush.operators.voice_campaign import SEND_XCOM_KEY, STATUS_XCOM_KEY
from airflow_provider_octopush.steps import campaign as campaign
from airflow_provider_octopush.version_compat import AIRFLOW_V_3_3_PLUS

if TYPE_CHECKING:
    from conftest import Sandbox

pytestmark = pytest.mark.dag

STATUS = "/voice-campaign-on-list/status"
SEND_PATH = "/voice-campaign-on-list/send"
CANCEL = "/voice-campaign-on-list/cancel"
SEND = 'list_name="staff", text="Hello", send=True, poll_interval=0.1'
REFUSED = {"code": 999, "message": "refused"}  # a code Octopush does not document: an ordinary API error


def fail_the_guard(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> str:
    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("the budget guard broke")

    monkeypatch.setattr(campaign, "budget_problem", broken)
    return "the budget guard broke"


def fail_the_status_read(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> str:
    # Not a 400: a status read answered 400 counts as "still computing" until the deadline.
    sandbox.fault(path=STATUS, status=403, body=REFUSED, times=100)
    return "code 999: refused"


def fail_the_send(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> str:
    sandbox.fault(path=SEND_PATH, status=400, body=REFUSED, times=100)
    return "code 999: refused"


def break_xcom_push(monkeypatch: pytest.MonkeyPatch, broken_key: str) -> str:
    """Pushes of ``broken_key`` fail, as with an XCom backend that is down; others go through."""
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    push = RuntimeTaskInstance.xcom_push

    def broken(self: Any, key: str, value: Any) -> None:
        if key == broken_key:
            raise RuntimeError("the XCom backend is down")
        push(self, key, value)

    monkeypatch.setattr(RuntimeTaskInstance, "xcom_push", broken)
    return "the XCom backend is down"


def fail_the_xcom_push(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> str:
    return break_xcom_push(monkeypatch, STATUS_XCOM_KEY)


STEPS = {
    "guard": fail_the_guard,
    "status read": fail_the_status_read,
    "send": fail_the_send,
    "XCom push": fail_the_xcom_push,
}


@pytest.mark.parametrize("deferrable", [False, True])
@pytest.mark.parametrize("step", sorted(STEPS))
def test_whatever_fails_after_the_create_cancels_the_campaign(
    octopush_conn: Sandbox,
    make_dag: Any,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    step: str,
    deferrable: bool,
) -> None:
    octopush_conn.configure(computation_delay=0.2)
    message = STEPS[step](octopush_conn, monkeypatch)
    run = make_dag(f"{SEND}, deferrable={deferrable}").test()
    assert run.state == "failed"
    (created,) = octopush_conn.campaigns()
    assert created["status"] == "cancelled", f"{step} failed and left the campaign {created['status']}"
    assert len(octopush_conn.requests(CANCEL)) == 1
    out = capfd.readouterr().out
    assert message in out and f"Octopush campaign {created['ticket_number']} cancelled" in out


def test_prepare_only_cancels_what_it_cannot_hand_over(
    octopush_conn: Sandbox, make_dag: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """send=False: the ticket is the task's whole result; a try that cannot push it leaves nothing prepared."""
    break_xcom_push(monkeypatch, "return_value")
    run = make_dag('list_name="staff", text="Hello"').test()
    assert run.state == "failed"
    assert [item["status"] for item in octopush_conn.campaigns()] == ["cancelled"]


def test_a_cancel_after_the_send_went_through_says_so_without_error(
    octopush_conn: Sandbox, make_dag: Any, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The send answered, then the last step failed: the guard's cancel meets 132, which is no error to report."""
    break_xcom_push(monkeypatch, SEND_XCOM_KEY)
    octopush_conn.configure(computation_delay=0)
    run = make_dag(SEND).test()
    assert run.state == "failed"
    ((created,),) = [octopush_conn.campaigns()]
    assert created["status"] == "sent" and created["send_calls"] == 1
    out = capfd.readouterr().out
    assert "was sent already; it cannot be cancelled" in out and "Could not cancel" not in out


@pytest.mark.parametrize("deferrable", [False, True])
def test_a_no_retry_error_met_while_waiting_stays_one(octopush_conn: Sandbox, make_dag: Any, deferrable: bool) -> None:
    """A campaign cancelled by a person while the task waits (131): no retry, whether the wait was deferred or not.
    Before, the deferred path turned every error into a plain one and burnt the task's retries on it."""
    octopush_conn.configure(computation_delay=60)
    octopush_conn.fault(path=STATUS, status=400, body={"code": 131, "message": "not found"}, times=100)
    run = make_dag(f"{SEND}, deferrable={deferrable}", retries=2).test()
    assert run.state == "failed" and task_instance(run).try_number == 1
    assert octopush_conn.requests(SEND_PATH) == []


@pytest.mark.parametrize("deferrable", [False, True])
def test_execution_timeout_ends_the_wait_and_cancels(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], deferrable: bool
) -> None:
    """Airflow does not enforce execution_timeout across a deferral: the trigger's deadline is the earlier of
    wait_timeout and execution_timeout, so a deferred wait ends there too, and the campaign is cancelled."""
    import time

    octopush_conn.configure(computation_delay=600)
    arguments = f"{SEND}, wait_timeout=600, execution_timeout=timedelta(seconds=3), deferrable={deferrable}"
    started = time.monotonic()
    run = make_dag(arguments).test()
    # Ended by the 3 s limit, not by the 600 s ones (a bound far from both, so that a loaded machine passes too)
    assert run.state == "failed" and 2.5 <= time.monotonic() - started < 120
    (created,) = octopush_conn.campaigns()
    assert created["status"] == "cancelled" and created["send_calls"] == 0
    if deferrable:  # in the worker, Airflow's own time-out stops the task (and the guard cancels)
        assert "still being computed when execution_timeout=3 s ran out" in capfd.readouterr().out


@pytest.mark.skipif(not AIRFLOW_V_3_3_PLUS, reason="task_state_store is Airflow 3.3's")
def test_the_remembered_campaign_never_expires(octopush_conn: Sandbox, make_dag: Any) -> None:
    """Octopush forgets a request_id after 24 h; a record that expired after Airflow's 30 days would let a late
    clear create and send the campaign again."""
    from airflow.models.task_state_store import TaskStateStoreModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    octopush_conn.configure(computation_delay=0)
    run = make_dag(SEND).test()
    assert run.state == "success"
    with create_session() as session:
        rows = session.execute(
            select(TaskStateStoreModel.key, TaskStateStoreModel.expires_at).where(
                TaskStateStoreModel.dag_id == run.dag_id, TaskStateStoreModel.run_id == run.run_id
            )
        ).all()
    assert dict(rows) == {"octopush_campaign": None, "octopush_sent": None}


@pytest.mark.skipif(not AIRFLOW_V_3_3_PLUS, reason="task_state_store is Airflow 3.3's")
def test_clear_on_success_is_warned_about(
    octopush_conn: Sandbox, make_dag: Any, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIRFLOW__STATE_STORE__CLEAR_ON_SUCCESS", "True")
    assert make_dag('list_name="staff", text="Hello"').test().state == "success"
    assert "[state_store] clear_on_success is set" in capfd.readouterr().out
