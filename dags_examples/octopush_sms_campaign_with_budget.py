"""Text tomorrow's delivery customers: rows -> a contact list -> an SMS campaign sent within a budget.

``ContactListOperator(mode="sync")`` makes the day's list hold exactly the rows the upstream
task returned; ``SmsCampaignOperator(send=True)`` then texts that list, once Octopush has
computed the campaign, and only if its cost stays within ``max_cost`` and its contacts within
``max_contacts``: otherwise it cancels it and fails, having texted nobody. Octopush bills an SMS
per part (160 characters of the GSM alphabet, 70 with any other character): this text is one.
Re-running the DAG run is harmless: the campaign's request_id refuses a second one.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task

# [START import]
from airflow_provider_octopush.operators.contact_list import ContactListOperator
from airflow_provider_octopush.operators.sms_campaign import SmsCampaignOperator

# [END import]

with DAG(
    dag_id="octopush_sms_campaign_with_budget",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    tags=["octopush", "sms", "example"],
) as dag:

    @task
    def customers_to_text() -> list[dict[str, str]]:
        """Tomorrow's deliveries (here fixed; in practice a warehouse query)."""
        return [
            {"phone_number": "+33612345678", "first_name": "Ada", "param1": "9:00"},
            {"phone_number": "+33700000001", "first_name": "Alan", "param1": "11:30"},
        ]

    # [START sms_campaign_with_budget]
    fill_list = ContactListOperator(
        task_id="fill_list",
        contacts=customers_to_text(),
        list_name="sms-deliveries-{{ ds_nodash }}",
        mode="sync",
    )
    text_them = SmsCampaignOperator(
        task_id="text_customers",
        list_name="sms-deliveries-{{ ds_nodash }}",
        text="Your parcel arrives tomorrow. Reply to this SMS to change the slot.",
        type="sms_premium",
        purpose="alert",  # a service message, not marketing: no opt-out mention needed
        with_replies=True,
        send=True,
        max_cost=2.0,
        max_contacts=500,
        poll_interval=5,
        wait_timeout=600,
    )
    fill_list >> text_them
    # [END sms_campaign_with_budget]
