"""Phone the on-call list when a task of this DAG fails.

``OctopushVoiceNotifier`` is an ordinary Airflow notifier: it renders its text with the
callback's context, creates the campaign, waits for Octopush to compute it, and sends it
(never above ``max_contacts``), all within ``timeout`` (by default 10 s less than the
DAG processor's ``dag_file_processor_timeout``, which also bounds DAG-level callbacks).
"""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

# [START import]
from airflow_provider_octopush.notifications.octopush import OctopushVoiceNotifier

# [END import]


def load_orders() -> None:
    raise RuntimeError("the orders export is empty")


# [START failure_alert]
with DAG(
    dag_id="octopush_failure_alert",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    default_args={
        "on_failure_callback": OctopushVoiceNotifier(
            list_name="on-call",
            text="Alert. Task {{ ti.task_id }} of DAG {{ dag.dag_id }} failed. Please look at Airflow.",
            voice_language="en-GB",
            max_contacts=5,
        ),
    },
    tags=["octopush", "example"],
) as dag:
    PythonOperator(task_id="load_orders", python_callable=load_orders)
# [END failure_alert]
