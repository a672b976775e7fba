"""Asset events in real DAG runs: a sent campaign announces itself to the DAGs scheduled on its outlets.

The downstream DAG that such an event starts is shown on the real stack (tests/realstack).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from conftest import asset_events

from airflow_provider_octopush.exceptions import CampaignParameterError
from airflow_provider_octopush.steps.asset_event import EXTRA_KEYS

if TYPE_CHECKING:
    from conftest import Sandbox

pytestmark = pytest.mark.dag

URI = "octopush://campaigns/staff"
SEND_WITH_OUTLET = """
from airflow.sdk import Asset
VoiceCampaignOperator(
    task_id="call", list_name="staff", text="Hello", send=True, poll_interval=0.2, outlets=[Asset("%s")]%s
)
"""


def test_a_sent_campaign_emits_its_figures(octopush_conn: Sandbox, make_dag: Any) -> None:
    octopush_conn.configure(computation_delay=0.3, contacts=12, cost_per_contact=0.1)
    before = len(asset_events(URI))
    run = make_dag(tasks=SEND_WITH_OUTLET % (URI, "")).test()
    assert run.state == "success"
    (campaign,) = octopush_conn.campaigns()
    (extra,) = asset_events(URI)[before:]
    assert set(extra) == set(EXTRA_KEYS)
    assert extra["ticket_number"] == campaign["ticket_number"]
    assert extra["number_of_contacts"] == 12 and extra["cost"] == pytest.approx(1.2)
    assert extra["sending_date"] == extra["validated_at"]  # no send_at: the calls left when the send was accepted


def test_a_campaign_cancelled_over_budget_emits_nothing(octopush_conn: Sandbox, make_dag: Any) -> None:
    octopush_conn.configure(computation_delay=0, contacts=12, cost_per_contact=0.1)
    before = len(asset_events(URI))
    run = make_dag(tasks=SEND_WITH_OUTLET % (URI, ", max_cost=1")).test()
    assert run.state == "failed"
    assert [c["status"] for c in octopush_conn.campaigns()] == ["cancelled"]
    assert asset_events(URI)[before:] == []


def test_the_send_operator_emits_the_figures_it_read_before_sending(octopush_conn: Sandbox, make_dag: Any) -> None:
    octopush_conn.configure(computation_delay=0, contacts=3, cost_per_contact=0.5)
    before = len(asset_events(URI))
    run = make_dag(
        tasks=f"""
        from airflow.sdk import Asset
        prepare = VoiceCampaignOperator(task_id="prepare", list_name="staff", text="Hello")
        ready = VoiceCampaignReadySensor(task_id="ready", ticket_number=prepare.output, poke_interval=0.2)
        prepare >> ready >> SendVoiceCampaignOperator(
            task_id="send", ticket_number=prepare.output, outlets=[Asset("{URI}")]
        )
        """
    ).test()
    assert run.state == "success"
    (campaign,) = octopush_conn.campaigns()
    (extra,) = asset_events(URI)[before:]
    assert extra["ticket_number"] == campaign["ticket_number"] and extra["number_of_contacts"] == 3
    assert extra["cost"] == pytest.approx(1.5)
    assert extra["sending_date"] is None  # the send_at is the creating task's: this one does not know it


def test_outlets_on_a_task_that_does_not_send_are_refused_when_the_dag_loads(octopush_conn: Sandbox) -> None:
    from airflow.sdk import Asset

    from airflow_provider_octopush.operators.voice_campaign import VoiceCampaignOperator

    with pytest.raises(CampaignParameterError, match=r"'outlets'.*send=True"):
        VoiceCampaignOperator(task_id="call", list_name="staff", text="Hello", outlets=[Asset(URI)])
    assert octopush_conn.requests() == []
