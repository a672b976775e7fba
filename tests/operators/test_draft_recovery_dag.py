"""A campaign whose ticket was lost is found through the account's draft, and sent only when provably ours.

Real DAG runs against the sandbox, on every matrix cell: on Airflow 3.1 and 3.2 the draft is
the only way a retry finds its campaign; on 3.3 the task_state_store finds it first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from conftest import task_instance, xcoms
from test_resume_dag import CANCEL, CREATE, SEND, fail_the_first_wait

from airflow_provider_octopush.hooks.octopush import OctopushHook
from airflow_provider_octopush.version_compat import AIRFLOW_V_3_3_PLUS

if TYPE_CHECKING:
    from conftest import Sandbox

pytestmark = pytest.mark.dag

STATUS = "/voice-campaign-on-list/status"
FIXED = f'{SEND}, request_id="fixed-request-1"'
PENDING = ("under_computation", "ready_to_be_sent")  # awaiting validation: neither sent nor cancelled


def create_earlier(request_id: str) -> str:
    """A campaign created as an earlier try (killed before it could say its ticket) would have."""
    hook = OctopushHook()
    try:
        return hook.create_voice_campaign_on_list(list_name="staff", text="Hello", request_id=request_id)[
            "ticket_number"
        ]
    finally:
        hook.close()


@pytest.mark.parametrize("deferrable", [False, True])
def test_a_retry_after_a_failure_mid_wait_sends_its_campaign_once(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], deferrable: bool
) -> None:
    """Where Octopush's draft answer names the request_id, every Airflow version resumes the campaign."""
    octopush_conn.configure(draft_names_request_id=True)
    fail_the_first_wait(octopush_conn)
    run = make_dag(f"{SEND}, deferrable={deferrable}", retries=1).test()
    (campaign,) = octopush_conn.campaigns()
    out = capfd.readouterr().out
    assert run.state == "success" and task_instance(run).try_number == 2
    assert campaign["status"] == "sent" and campaign["send_calls"] == 1
    assert octopush_conn.requests(CANCEL) == []  # the failing try left it to the retry
    assert xcoms(run)["return_value"] == campaign["ticket_number"]
    assert "the next try resumes it" in out
    if AIRFLOW_V_3_3_PLUS:  # the store found it: no second create
        assert len(octopush_conn.requests(CREATE)) == 1
    else:  # the retry's create met 120, the draft named this request_id
        assert len(octopush_conn.requests(CREATE)) == 2
        assert f"recovered campaign {campaign['ticket_number']}" in out
        assert "Octopush names this task's request_id on it" in out


def test_a_draft_that_is_not_provably_ours_is_never_sent(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """Octopush's documented draft answer does not say which request made it: reported, left alone."""
    ticket = create_earlier("fixed-request-1")
    run = make_dag(FIXED, retries=2).test()
    out = capfd.readouterr().out
    (campaign,) = octopush_conn.campaigns()
    assert run.state == "failed" and task_instance(run).try_number == 1  # no retry: it would meet the same
    assert campaign["ticket_number"] == ticket and campaign["send_calls"] == 0
    assert campaign["status"] in PENDING  # not sent, not cancelled: perhaps somebody else's
    assert octopush_conn.requests(CANCEL) == []
    assert f"Awaiting validation in Octopush: campaign {ticket}" in out
    assert "not sent automatically" in out and f"ticket_number={ticket!r}" in out


def test_a_draft_that_names_our_request_id_is_resumed_after_a_lost_try(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """As after a worker killed mid-wait on 3.1 or 3.2: the campaign exists, no try knows its ticket."""
    octopush_conn.configure(draft_names_request_id=True)
    ticket = create_earlier("fixed-request-1")
    run = make_dag(FIXED).test()
    (campaign,) = octopush_conn.campaigns()
    assert run.state == "success"
    assert campaign["ticket_number"] == ticket and campaign["status"] == "sent" and campaign["send_calls"] == 1
    assert f"recovered campaign {ticket}" in capfd.readouterr().out


@pytest.mark.parametrize("names_request_id", [False, True])
def test_a_create_blocked_by_another_draft_names_it_and_leaves_it_alone(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], names_request_id: bool
) -> None:
    octopush_conn.configure(draft_names_request_id=names_request_id)
    other = create_earlier("somebody-else")
    run = make_dag(f"{FIXED}, wait_timeout=1", retries=2).test()  # it waits for its turn, then fails
    out = capfd.readouterr().out
    (campaign,) = octopush_conn.campaigns()
    assert run.state == "failed" and task_instance(run).try_number == 1
    assert campaign["ticket_number"] == other and campaign["status"] in PENDING
    assert "code 126" in out and f"Awaiting validation in Octopush: campaign {other}" in out
    assert ("created by another request (somebody-else)" in out) is names_request_id


def test_a_status_read_answered_400_with_any_code_is_still_computing(octopush_conn: Sandbox, make_dag: Any) -> None:
    """The voice pages document HTTP 400 while a campaign is not ready, not its code: the wait goes on."""
    octopush_conn.configure(computation_delay=0)
    octopush_conn.fault(path=STATUS, status=400, body={"code": 121, "message": "not ready"}, times=3)
    run = make_dag(SEND).test()
    (campaign,) = octopush_conn.campaigns()
    assert run.state == "success" and campaign["status"] == "sent"
    assert len(octopush_conn.requests(STATUS)) == 4


def test_doubtful_text_and_sender_are_sent_with_a_warning(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    run = make_dag('list_name="staff", text="Réunion à 9h", sender="Acme"').test()
    out = capfd.readouterr().out
    (campaign,) = octopush_conn.campaigns()
    assert run.state == "success"
    assert campaign["payload"]["text"] == "Réunion à 9h" and campaign["payload"]["sender"] == "Acme"
    assert "characters outside ASCII (àé)" in out and "sender 'Acme' has letters" in out


def test_a_refused_cancel_fails_the_task_saying_the_draft_blocks_the_next_create(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    ticket = create_earlier("prepared")
    octopush_conn.fault(path=CANCEL, status=400, body={"code": 999, "message": "refused"})
    run = make_dag(tasks=f'CancelVoiceCampaignOperator(task_id="cancel", ticket_number="{ticket}")').test()
    out = capfd.readouterr().out
    assert run.state == "failed"
    assert octopush_conn.campaigns()[0]["status"] in PENDING
    assert f"Campaign {ticket} was not cancelled" in out and "code 126" in out


def test_campaigns_one_after_the_other_each_send_theirs(octopush_conn: Sandbox, make_dag: Any) -> None:
    """With one draft per account (the sandbox's default, as Octopush), chained send=True tasks both send."""
    octopush_conn.configure(computation_delay=0.2)
    first = 'VoiceCampaignOperator(task_id="first", list_name="a", text="One", send=True, poll_interval=0.1)'
    second = 'VoiceCampaignOperator(task_id="second", list_name="b", text="Two", send=True, poll_interval=0.1)'
    run = make_dag(tasks=f"{first} >> {second}").test()
    assert run.state == "success"
    assert [campaign["status"] for campaign in octopush_conn.campaigns()] == ["sent", "sent"]


def test_an_over_budget_campaign_whose_cancel_is_refused_says_it_blocks_the_next(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    octopush_conn.configure(computation_delay=0)
    octopush_conn.fault(path=CANCEL, status=400, body={"code": 999, "message": "refused"})
    run = make_dag(f"{SEND}, max_cost=0.01").test()
    out = capfd.readouterr().out
    assert run.state == "failed" and octopush_conn.campaigns()[0]["status"] in PENDING
    assert "exceeds max_cost 0.01" in out and "Cancelling it failed" in out and "(code 126)" in out
