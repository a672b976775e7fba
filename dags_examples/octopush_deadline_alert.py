"""Phone the on-call list when the nightly load misses 07:00 (a Deadline Alert, Airflow 3.2+).

The DAG runs at midnight; its deadline is its logical date plus 7 hours. If the run is
not finished by then, the scheduler hands the alert to the triggerer, which awaits
``OctopushVoiceNotifier`` (its ``async_notify``): the campaign is created, computed,
checked against ``max_contacts`` and sent, once per run and deadline (the request_id
is derived from both, so a re-queued alert never calls twice).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, AsyncCallback, DeadlineAlert, DeadlineReference

# [START import]
from airflow_provider_octopush.notifications.octopush import OctopushVoiceNotifier

# [END import]

# [START deadline_alert]
with DAG(
    dag_id="octopush_deadline_alert",
    schedule="0 0 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Paris"),
    catchup=False,
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=timedelta(hours=7),
        callback=AsyncCallback(
            OctopushVoiceNotifier,
            kwargs={
                "list_name": "on-call",
                "text": "The nightly load {{ dag_run.dag_id }} is not finished at 7 o'clock. Please look at Airflow.",
                "voice_language": "en-GB",
                "max_contacts": 5,
            },
        ),
    ),
    tags=["octopush", "example"],
) as dag:
    BashOperator(task_id="nightly_load", bash_command="echo loading")
# [END deadline_alert]
