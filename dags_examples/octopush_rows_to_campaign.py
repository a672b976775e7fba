"""Phone tomorrow's delivery customers: rows from an upstream task -> a contact list -> a campaign sent within a budget.

The list is the pipeline's: ``ContactListOperator(mode="sync")`` makes the day's list hold
exactly the rows the upstream task returned (a bad number is reported and left out, not
phoned); ``VoiceCampaignOperator(send=True)`` then calls that list, and sends only if the
cost Octopush computes stays within ``max_cost``. Re-running the DAG run is harmless: the
list is synced again to the same rows, and the campaign's request_id refuses a second one.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task

# [START import]
from airflow_provider_octopush.operators.contact_list import ContactListOperator
from airflow_provider_octopush.operators.voice_campaign import VoiceCampaignOperator

# [END import]

with DAG(
    dag_id="octopush_rows_to_campaign",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    tags=["octopush", "example"],
) as dag:

    @task
    def customers_to_call() -> list[dict[str, str]]:
        """Tomorrow's deliveries (here fixed; in practice a warehouse query)."""
        return [
            {"phone_number": "+33612345678", "first_name": "Ada", "last_name": "Lovelace", "param1": "9:00"},
            {"phone_number": "+33 7 00 00 00 01", "first_name": "Alan", "last_name": "Turing", "param1": "11:30"},
            {"phone_number": "06 00 00 00 02", "first_name": "Grace", "last_name": "Hopper", "param1": "14:00"},
        ]

    # [START rows_to_campaign]
    fill_list = ContactListOperator(
        task_id="fill_list",
        contacts=customers_to_call(),
        list_name="deliveries-{{ ds_nodash }}",
        mode="sync",  # the list holds exactly these rows
        on_bad_row="skip",  # a bad number is reported in XCom and the log, not phoned
    )
    call = VoiceCampaignOperator(
        task_id="call_customers",
        list_name="deliveries-{{ ds_nodash }}",
        text="Hello, this is your delivery service: your parcel arrives tomorrow. Goodbye.",
        voice_language="en-GB",
        send=True,
        max_cost=5.0,
        poll_interval=5,
        wait_timeout=600,
    )
    fill_list >> call
    # [END rows_to_campaign]
