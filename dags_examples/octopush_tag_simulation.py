"""Try a campaign on a tag in simulation mode: Octopush checks it, nobody is called.

Triggered by hand; the parameters come from the run's params, so one DAG serves
any tag. Booleans rendered by Jinja ("true") are accepted.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_octopush.operators.voice_campaign import VoiceCampaignOperator

with DAG(
    dag_id="octopush_tag_simulation",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    params={
        "tag_name": Param("on-call", type="string", minLength=1),
        "text": Param("This is a test of the alert call. No action is needed.", type="string", maxLength=1224),
    },
    tags=["octopush", "example"],
) as dag:
    VoiceCampaignOperator(
        task_id="simulate_alert_call",
        tag_name="{{ params.tag_name }}",
        text="{{ params.text }}",
        voice_language="en-GB",
        simulation_mode="{{ true }}",
    )
