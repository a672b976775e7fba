"""A Deadline Alert (Airflow 3.2+; a file of its own so that older Airflows parse the others)."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, AsyncCallback, DeadlineAlert, DeadlineReference

from airflow_provider_octopush.notifications.octopush import OctopushVoiceNotifier

with DAG(
    "rs_deadline",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(seconds=10),
        callback=AsyncCallback(
            OctopushVoiceNotifier,
            kwargs={"list_name": "on-call-deadline", "text": "{{ dag_run.dag_id }} is late", "poll_interval": 1},
        ),
    ),
) as rs_deadline:
    BashOperator(task_id="slow_load", bash_command="sleep 60")
