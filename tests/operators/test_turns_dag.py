"""Campaigns of one account take turns: a create refused because another campaign awaits validation (126)
waits for it to go, in the worker or deferred, within the task's limits; real DAG runs against the sandbox,
which holds one draft per account as Octopush does."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
from conftest import task_instance
from test_draft_recovery_dag import create_earlier
from test_resume_dag import CREATE, SEND

from airflow_provider_octopush.hooks.octopush import OctopushHook

if TYPE_CHECKING:
    from conftest import Sandbox

pytestmark = pytest.mark.dag

DRAFT = "/voice-campaign/draft"


def settle_once_waited_on(sandbox: Sandbox, ticket: str, *, send: bool) -> threading.Thread:
    """Send or cancel ``ticket`` once the task met 126 and read the draft twice (it is waiting for its turn)."""

    def settle() -> None:
        deadline = time.monotonic() + 120
        while len(sandbox.requests(DRAFT)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # polls the sandbox's record of requests, not a guess at timing
        with OctopushHook() as hook:
            if send:
                hook.send_voice_campaign(ticket)
            else:
                hook.cancel_voice_campaign(ticket)

    thread = threading.Thread(target=settle, name="settle-the-draft-ahead")
    thread.start()
    return thread


@pytest.mark.parametrize("deferrable", [False, True])
def test_a_campaign_left_prepared_makes_the_next_wait_and_it_goes_once_that_one_is_cancelled(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], deferrable: bool
) -> None:
    octopush_conn.configure(computation_delay=0)
    ahead = create_earlier("a-draft-left-for-a-person")
    settler = settle_once_waited_on(octopush_conn, ahead, send=False)
    run = make_dag(f"{SEND}, deferrable={deferrable}").test()
    settler.join()
    out = capfd.readouterr().out
    ahead_campaign, ours = octopush_conn.campaigns()
    assert run.state == "success" and task_instance(run).try_number == 1
    assert ahead_campaign["ticket_number"] == ahead and ahead_campaign["status"] == "cancelled"
    assert ours["status"] == "sent" and ours["send_calls"] == 1
    assert len(octopush_conn.requests(CREATE)) == 3  # ahead, ours refused with 126, ours again
    assert "waiting for the turn behind it" in out or f"Waiting for the turn behind Octopush campaign {ahead}" in out
    assert ahead in out and f"SendVoiceCampaignOperator with ticket_number={ahead!r}" in out


def test_a_campaign_waits_behind_one_being_sent_and_goes_after_it(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    octopush_conn.configure(computation_delay=0)
    ahead = create_earlier("another-dag")
    settler = settle_once_waited_on(octopush_conn, ahead, send=True)
    run = make_dag(SEND).test()
    settler.join()
    assert run.state == "success"
    assert [campaign["status"] for campaign in octopush_conn.campaigns()] == ["sent", "sent"]


@pytest.mark.parametrize("deferrable", [False, True])
def test_a_waiter_whose_limit_passes_fails_naming_the_draft_and_creates_nothing(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], deferrable: bool
) -> None:
    ahead = create_earlier("somebody-else")
    run = make_dag(f"{SEND}, wait_timeout=1.5, deferrable={deferrable}", retries=2).test()
    out = capfd.readouterr().out
    (campaign,) = octopush_conn.campaigns()
    assert run.state == "failed" and task_instance(run).try_number == 1  # no retry: another try waits the same
    assert campaign["ticket_number"] == ahead and campaign["status"] in ("under_computation", "ready_to_be_sent")
    assert f"behind campaign {ahead}" in out and "wait_timeout=1.5 s ran out" in out
    assert "Nothing was created by this task" in out and "code 126" in out
    assert len(octopush_conn.requests(DRAFT)) >= 2  # it read the draft while waiting, not the create again
    assert len(octopush_conn.requests(CREATE)) == 2  # the one ahead, and this task's one refused create
