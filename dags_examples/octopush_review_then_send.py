"""Prepare a campaign, wait until Octopush has computed it, then send it from a separate task.

Three tasks instead of one ``send=True`` operator, so that each step shows on its own in
the grid: the sensor pushes the computed figures (contacts, cost, duration) to XCom,
where they can be read in the UI, and the send task takes the ticket from XCom. Nothing
here stops the send: to have a person agree first, put an approval step between
``ready`` and ``send``; ``CancelVoiceCampaignOperator`` withdraws a campaign that must
not go out.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_octopush.operators.voice_campaign import SendVoiceCampaignOperator, VoiceCampaignOperator
from airflow_provider_octopush.sensors.voice_campaign import VoiceCampaignReadySensor

TICKET = "{{ ti.xcom_pull(task_ids='prepare') }}"

with DAG(
    dag_id="octopush_review_then_send",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    tags=["octopush", "example"],
) as dag:
    prepare = VoiceCampaignOperator(
        task_id="prepare",
        tag_name="members",
        text="Bonjour. L'assemblée générale a lieu samedi à dix heures, salle des fêtes.",
        voice_language="fr-FR",
    )
    ready = VoiceCampaignReadySensor(
        task_id="ready", ticket_number=TICKET, poke_interval=30, timeout=3600, deferrable=True
    )
    send = SendVoiceCampaignOperator(task_id="send", ticket_number=TICKET)
    prepare >> ready >> send
