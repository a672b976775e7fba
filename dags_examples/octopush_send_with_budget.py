"""Phone the night-shift list when the nightly check finds a problem, within a budget.

``send=True`` prepares the campaign, waits (in the triggerer: no worker slot held) until
Octopush has computed its recipients and cost, and sends it only if it stays within
``max_cost`` euros and ``max_contacts`` people; otherwise it is cancelled and the task
fails with the figures. The ticket, the computed figures and the sending date go to XCom.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_octopush.operators.voice_campaign import VoiceCampaignOperator

with DAG(
    dag_id="octopush_send_with_budget",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    params={"incident": "the nightly stock check found 12 missing deliveries"},
    tags=["octopush", "example"],
) as dag:
    # [START call_night_shift]
    VoiceCampaignOperator(
        task_id="call_night_shift",
        list_name="night-shift",
        text="Hello. This is the operations robot: {{ params.incident }}. Please check the dashboard.",
        voice_language="en-GB",
        send=True,  # wait for the computation, check the guards, send
        max_cost=5.0,  # euros: above it the campaign is cancelled, never sent
        max_contacts=50,  # people: same
        poll_interval=15,  # seconds between two status reads
        wait_timeout=600,  # seconds: not ready by then -> cancelled, task fails
        deferrable=True,  # wait in the triggerer: no worker slot held meanwhile
    )
    # [END call_night_shift]
