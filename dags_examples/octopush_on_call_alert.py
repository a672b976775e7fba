"""Phone this week's on-call engineers when the nightly check finds a problem: no contact list to keep.

An upstream task returns the numbers to phone (here a fixed roster; in practice a roster
API or a table); ``VoiceMessageOperator`` phones them straight away with ``purpose="alert"``,
each number once, and never more than ``max_recipients``. A retry or a clear of the task
phones nobody twice. Numbers can also come from a Variable, as text:
``recipients="{{ var.value.on_call }}"`` with ``+33612345678, +33700000001``.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task

# [START import]
from airflow_provider_octopush.operators.voice_message import VoiceMessageOperator

# [END import]

with DAG(
    dag_id="octopush_on_call_alert",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    tags=["octopush", "example"],
) as dag:

    @task
    def on_call_roster() -> list[dict[str, str]]:
        """This week's on-call engineers; ``param1`` personalises the message per person."""
        return [
            {"phone_number": "+33 6 12 34 56 78", "param1": "Ada"},
            {"phone_number": "+33 7 00 00 00 01", "param1": "Linus"},
        ]

    @task
    def failed_checks() -> int:
        """The nightly check's finding (here fixed): how many warehouse checks failed."""
        return 3

    checks = failed_checks()
    # [START phone_on_call]
    phone_on_call = VoiceMessageOperator(
        task_id="phone_on_call",
        recipients=on_call_roster(),
        text="Alert from Airflow: {{ ti.xcom_pull(task_ids='failed_checks') }} nightly checks failed. "
        "Please look at the dashboard.",
        purpose="alert",
        voice_language="en-GB",
        max_recipients=5,
    )
    # [END phone_on_call]
    checks >> phone_on_call
