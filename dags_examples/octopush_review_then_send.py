"""Prepare a campaign, let it be computed and reviewed, then send it.

The sensor waits until Octopush has computed the campaign and pushes its figures
(contacts, cost, duration) to XCom, where a reviewer sees them; the send task takes the
ticket from XCom. Put an approval step (e.g. a human-in-the-loop operator) between
``ready`` and ``send`` when a person must say yes; ``cancel`` is the way out.
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
