"""Every morning, phone the "volunteers" list with the day's reminder, at 08:30 Paris time.

Each run prepares its own day's campaign (the call time comes from the data interval),
waits until Octopush has computed it, and validates it if it costs at most 20 euros:
Octopush then phones the list at 08:30. Over budget, it is cancelled and the task fails.
A backfill over past days skips (nobody wants yesterday's reminder now). Retries are
safe: every try of a run sends the same request_id, and never a second campaign.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG

# [START import]
from airflow_provider_octopush.operators.voice_campaign import VoiceCampaignOperator

# [END import]

# [START daily_reminder]
with DAG(
    dag_id="octopush_daily_reminder",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Paris"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["octopush", "example"],
) as dag:
    VoiceCampaignOperator(
        task_id="call_volunteers",
        list_name="volunteers",
        text="Bonjour. Rappel: la distribution commence aujourd'hui, {{ data_interval_end | ds }}, a neuf heures.",
        sender="Banque",
        voice_language="fr-FR",
        voice_gender="female",
        # 08:30 on the day the run is for, in the DAG's time zone, sent with its offset.
        send_at="{{ data_interval_end.in_timezone('Europe/Paris').replace(hour=8, minute=30, second=0) }}",
        on_past_send_at="skip",
        send=True,  # without it the campaign is only prepared, and nobody is phoned
        max_cost=20.0,  # euros
        poll_interval=5,
    )
# [END daily_reminder]
