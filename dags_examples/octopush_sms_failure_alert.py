"""Text the on-call engineers when a task of this DAG fails.

``OctopushSmsNotifier`` with ``recipients`` texts the numbers at once (no list, nothing to wait
for), each chunk of 500 with its own request_id, so a callback Airflow invokes twice texts nobody
twice. ``purpose="alert"`` marks it transactional: Octopush delivers it at any hour, and it needs
no "STOP au XXXXX" opt-out mention. The text is counted in SMS parts before it is sent; this one
fits one SMS.
"""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

# [START import]
from airflow_provider_octopush.notifications.sms import OctopushSmsNotifier

# [END import]


def load_orders() -> None:
    raise RuntimeError("the orders export is empty")


# [START sms_failure_alert]
with DAG(
    dag_id="octopush_sms_failure_alert",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    default_args={
        "on_failure_callback": OctopushSmsNotifier(
            recipients=["+33612345678", "+33700000001"],  # the on-call roster; an XCom or a Variable works too
            text="Airflow: {{ ti.task_id }} of {{ dag.dag_id }} failed ({{ ds }}). See the task's log.",
            type="sms_premium",  # delivery reports, and a sender name
            purpose="alert",
            sender="Airflow",
        ),
    },
    tags=["octopush", "sms", "example"],
) as dag:
    PythonOperator(task_id="load_orders", python_callable=load_orders)
# [END sms_failure_alert]
