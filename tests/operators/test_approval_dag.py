"""The review-then-send example with a person's approval, in dag.test(): approve sends, reject cancels.

The answer is recorded by Airflow's own HITL endpoint function (the one behind the UI's
Required Actions page and the REST API), from another thread while dag.test() waits. The
time-out, which Airflow's scheduler enforces, is shown on the real stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from conftest import LOGIN, Sandbox, asset_events, connection_json, task_states, xcoms
from harness_hitl import Responder
from test_examples import example_dag

from airflow_provider_octopush.sandbox import SandboxServer, SandboxState
from airflow_provider_octopush.version_compat import AIRFLOW_V_3_3_PLUS

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.dag

ALERTS_KEY = "alerts-Account-Key-77c1"


@pytest.fixture
def alerts_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A second Octopush account (its own sandbox) for phoning the approver: the first one holds the
    campaign awaiting approval, and Octopush keeps one prepared campaign per account."""
    server = SandboxServer(SandboxState(LOGIN, ALERTS_KEY, balance=10.0))
    server.start_in_thread()
    account = Sandbox(server.url)
    account.configure(computation_delay=0, contacts=2)
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_ALERTS", connection_json(server.url, password=ALERTS_KEY, timeout=5))
    yield account
    server.shutdown()
    server.server_close()


def run_answered(answer: str) -> tuple[Any, dict[str, Any]]:
    """Run the example; answer its approval as a person would once Airflow parks it."""
    dag = example_dag("octopush_review_then_send")
    responder = Responder(dag.dag_id, "approve", answer)
    responder.start()
    run = dag.test()
    return run, responder.result()


@pytest.mark.skipif(
    not AIRFLOW_V_3_3_PLUS,
    reason="before 3.3 dag.test() runs the HITL trigger in-process, where it cannot read the answer "
    "(Airflow's HITLTrigger gets no HITL detail there); the 3.1 and 3.2 cells prove approval on their real stacks",
)
@pytest.mark.parametrize("answer", ["Approve", "Reject"])
def test_the_approver_decides_and_the_campaign_is_never_left_prepared(
    octopush_conn: Sandbox, alerts_account: Sandbox, airflow_db: Path, answer: str
) -> None:
    octopush_conn.configure(computation_delay=0.3, contacts=180, cost_per_contact=0.05)
    before = len(asset_events("octopush://campaigns/members"))
    run, asked = run_answered(answer)
    assert run.state == "success"
    (campaign,) = octopush_conn.campaigns()
    # What the approver was shown: the figures Octopush computed.
    assert asked["body"] == f"Campaign {campaign['ticket_number']}: 180 contacts, cost 9.0 EUR, about 60.0 s a call."
    (approver_call,) = alerts_account.campaigns()
    assert approver_call["payload"]["list_name"] == "approvers" and approver_call["status"] == "sent"
    states = task_states(run)
    announced = asset_events("octopush://campaigns/members")[before:]
    if answer == "Approve":
        assert campaign["status"] == "sent" and campaign["send_calls"] == 1
        assert states["send"] == "success" and states["withdraw"] == states["withdraw_on_failure"] == "skipped"
        assert [event["ticket_number"] for event in announced] == [campaign["ticket_number"]]
        assert announced[0]["number_of_contacts"] == 180
    else:
        assert campaign["status"] == "cancelled" and campaign["send_calls"] == 0
        assert states["send"] == "skipped" and states["withdraw"] == "success"
        assert states["withdraw_on_failure"] == "skipped"
        assert announced == []
    assert xcoms(run, "ready")["return_value"]["number_of_contacts"] == 180


def test_an_approver_who_cannot_be_phoned_leaves_no_campaign_prepared(
    octopush_conn: Sandbox, alerts_account: Sandbox, airflow_db: Path
) -> None:
    """The notifier's failure fails the approval task (Airflow calls HITL notifiers inside it): the
    campaign is then withdrawn, not left blocking the account."""
    octopush_conn.configure(computation_delay=0)
    alerts_account.configure(contacts=50)  # over the notifier's max_contacts of 5: it cancels and fails
    run = example_dag("octopush_review_then_send").test()
    states = task_states(run)
    assert states["approve"] == "failed" and states["withdraw_on_failure"] == "success"
    (campaign,) = octopush_conn.campaigns()
    assert campaign["status"] == "cancelled" and campaign["send_calls"] == 0
