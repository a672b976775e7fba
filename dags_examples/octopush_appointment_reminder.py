"""Remind tomorrow's patients of their appointment: "press 1 to confirm, 2 to cancel", then act on the answers.

The day's appointments go into a contact list, a campaign calls it with ``get_back_pressed_keys``, and
``VoiceResultsSensor`` waits, deferred, for every patient's result from Octopush's callbacks (the
connection needs a ``callback_secret`` and the account must point at the receiver: docs/results.md).
Those who pressed 1 are confirmed, those who pressed 2 free their slot, and the rest (busy, no answer,
no key, no report by the deadline) go to the front desk to be called by hand.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, task

# [START import]
from airflow_provider_octopush.operators.contact_list import ContactListOperator
from airflow_provider_octopush.operators.voice_campaign import VoiceCampaignOperator
from airflow_provider_octopush.sensors.results import VoiceResultsSensor

# [END import]

with DAG(
    dag_id="octopush_appointment_reminder",
    schedule="0 16 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Paris"),
    catchup=False,
    tags=["octopush", "example"],
) as dag:

    @task
    def appointments() -> list[dict[str, str]]:
        """Tomorrow's appointments (here fixed; in practice the booking system's)."""
        return [
            {"phone_number": "+33600000101", "first_name": "Ada", "param1": "9:00"},
            {"phone_number": "+33600000102", "first_name": "Alan", "param1": "10:30"},
            {"phone_number": "+33600000103", "first_name": "Grace", "param1": "14:00"},
            {"phone_number": "+33600000104", "first_name": "Edsger", "param1": "16:15"},
        ]

    @task
    def sort_answers(summary: dict, pressed_keys: dict[str, str], expected: list[dict[str, str]]) -> dict:
        """Confirmed (1), cancelled (2), and everyone else: unreached."""
        confirmed = sorted(number for number, keys in pressed_keys.items() if keys.startswith("1"))
        cancelled = sorted(number for number, keys in pressed_keys.items() if keys.startswith("2"))
        answered = set(confirmed) | set(cancelled)
        unreached = sorted(row["phone_number"] for row in expected if row["phone_number"] not in answered)
        return {"confirmed": confirmed, "cancelled": cancelled, "unreached": unreached, "counts": summary["counts"]}

    @task
    def confirm_in_calendar(sorted_answers: dict) -> list[str]:
        return sorted_answers["confirmed"]

    @task
    def free_the_slots(sorted_answers: dict) -> list[str]:
        return sorted_answers["cancelled"]

    @task
    def front_desk_calls(sorted_answers: dict) -> list[str]:
        return sorted_answers["unreached"]

    # [START appointment_reminder]
    patients = appointments()
    fill_list = ContactListOperator(
        task_id="fill_list", contacts=patients, list_name="appointments-{{ ds_nodash }}", mode="sync"
    )
    call = VoiceCampaignOperator(
        task_id="call_patients",
        list_name="appointments-{{ ds_nodash }}",
        text="Hello, this is your clinic: you have an appointment tomorrow. Press 1 to confirm, 2 to cancel.",
        voice_language="en-GB",
        get_back_pressed_keys=True,
        send=True,
        max_cost=10.0,
        poll_interval=5,
        wait_timeout=600,
    )
    answers = VoiceResultsSensor(
        task_id="answers",
        ticket_number="{{ ti.xcom_pull(task_ids='call_patients') }}",
        expected_numbers="{{ ti.xcom_pull(task_ids='appointments') | map(attribute='phone_number') | list }}",
        deadline=timedelta(hours=2),  # then the missing ones count as unreached
        poke_interval=60,
        deferrable=True,
    )

    sorted_answers = sort_answers(answers.output, answers.output["pressed_keys"], patients)
    fill_list >> call >> answers
    confirm_in_calendar(sorted_answers)
    free_the_slots(sorted_answers)
    front_desk_calls(sorted_answers)
    # [END appointment_reminder]
