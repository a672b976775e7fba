"""A person approves before the calls go out; a DAG scheduled on the campaign's asset reacts to the calls.

``rs_approval`` waits up to 10 minutes for the answer, ``rs_approval_timeout`` 5 seconds (the
default answer, Reject, is then taken by Airflow itself). ``rs_after_calls`` runs on each
asset event and returns the event's extra, for the test to read.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import DAG, Asset, task

from airflow_provider_octopush.operators.voice_campaign import (
    CancelVoiceCampaignOperator,
    SendVoiceCampaignOperator,
    VoiceCampaignOperator,
)
from airflow_provider_octopush.sensors.voice_campaign import VoiceCampaignReadySensor

START = pendulum.datetime(2026, 1, 1, tz="UTC")
CALLED = Asset("octopush://campaigns/rs-approval")
TICKET = "{{ ti.xcom_pull(task_ids='prepare') }}"

for dag_id, wait in (("rs_approval", timedelta(minutes=10)), ("rs_approval_timeout", timedelta(seconds=5))):
    with DAG(dag_id, schedule=None, start_date=START, max_active_runs=1):
        prepare = VoiceCampaignOperator(
            task_id="prepare", list_name="{{ dag_run.conf['list'] }}", text="Please confirm your shift."
        )
        ready = VoiceCampaignReadySensor(task_id="ready", ticket_number=TICKET, deferrable=True, poke_interval=1)
        approve = ApprovalOperator(
            task_id="approve",
            subject="Send?",
            body="{{ ti.xcom_pull(task_ids='ready')['number_of_contacts'] }} contacts",
            defaults="Reject",
            response_timeout=wait,
        )
        send = SendVoiceCampaignOperator(task_id="send", ticket_number=TICKET, outlets=[CALLED])
        withdraw = CancelVoiceCampaignOperator(task_id="withdraw", ticket_number=TICKET, trigger_rule="all_skipped")
        prepare >> ready >> approve >> send >> withdraw

with DAG("rs_after_calls", schedule=[CALLED], start_date=START):

    @task
    def report(triggering_asset_events: dict | None = None) -> list[dict]:
        return [dict(event.extra) for events in triggering_asset_events.values() for event in events]

    report()
