"""Prepare a campaign, wait until Octopush has computed it, have a person approve it, then send it.

The approver sees, in Airflow's Required Actions page, the contacts and the cost that
Octopush computed (the sensor's figures). "Approve" sends the campaign. "Reject", or no
answer within four hours (the default answer), skips the send, and ``withdraw`` cancels
the campaign; ``withdraw_on_failure`` cancels it when anything before the send failed
(Airflow has no single trigger rule for "the send did not succeed"; the failed task shows
in the grid, while the run, judged by its last tasks, ends successful). Either way the
campaign is never left prepared, blocking the account's next campaign. The send
also announces itself on the ``octopush://campaigns/members`` asset, with the ticket,
contacts, cost and sending date, so that DAGs scheduled on it start once the calls went
out.

The approver is phoned too, from a second Octopush account (``octopush_alerts``):
Octopush holds one prepared campaign per account, and the one awaiting approval is it.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import DAG, Asset

from airflow_provider_octopush.notifications.octopush import OctopushVoiceNotifier
from airflow_provider_octopush.operators.voice_campaign import (
    CancelVoiceCampaignOperator,
    SendVoiceCampaignOperator,
    VoiceCampaignOperator,
)
from airflow_provider_octopush.sensors.voice_campaign import VoiceCampaignReadySensor

# [START review_then_send]
MEMBERS_CALLED = Asset("octopush://campaigns/members")
TICKET = "{{ ti.xcom_pull(task_ids='prepare') }}"
FIGURES = "ti.xcom_pull(task_ids='ready')"

with DAG(
    dag_id="octopush_review_then_send",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    max_active_runs=1,  # one prepared campaign per Octopush account
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
    approve = ApprovalOperator(
        task_id="approve",
        subject="Phone the members about the general assembly?",
        body=(
            f"Campaign {TICKET}: {{{{ {FIGURES}['number_of_contacts'] }}}} contacts, "
            f"cost {{{{ {FIGURES}['cost'] }}}} EUR, about {{{{ {FIGURES}['estimated_duration'] }}}} s a call."
        ),
        defaults="Reject",  # no answer in time: nobody is called
        response_timeout=timedelta(hours=4),
        notifiers=[
            OctopushVoiceNotifier(
                octopush_conn_id="octopush_alerts",
                list_name="approvers",
                text="A voice campaign to the members waits for your approval in Airflow.",
                voice_language="en-GB",
                max_contacts=5,
            )
        ],
    )
    send = SendVoiceCampaignOperator(task_id="send", ticket_number=TICKET, outlets=[MEMBERS_CALLED])
    # The approval skipped the send (rejected, or no answer in time): nobody will send it.
    withdraw = CancelVoiceCampaignOperator(task_id="withdraw", ticket_number=TICKET, trigger_rule="all_skipped")
    # A step failed before the send (e.g. the approver could not be phoned): the same.
    withdraw_on_failure = CancelVoiceCampaignOperator(
        task_id="withdraw_on_failure", ticket_number=TICKET, trigger_rule="one_failed"
    )
    prepare >> ready >> approve >> send >> [withdraw, withdraw_on_failure]
# [END review_then_send]
