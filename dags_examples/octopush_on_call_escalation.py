"""Phone the on-call engineers one after another until one of them presses 1 to acknowledge.

The first on the rota is phoned with ``get_back_pressed_keys``; ``VoiceResultsSensor`` waits, deferred,
for their result from Octopush's callbacks (the connection needs a ``callback_secret`` and the account
must point at the receiver: docs/results.md). Whoever presses 1 owns the incident and nobody after them
is phoned; when nobody has pressed 1 within ``ACKNOWLEDGE_WITHIN`` (busy, no answer, another key, no
report at all), the next on the rota is phoned. When the whole rota stays silent the run fails, so that
the DAG's failure alerting takes over.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, task

# [START import]
from airflow_provider_octopush.operators.voice_message import VoiceMessageOperator
from airflow_provider_octopush.sensors.results import VoiceResultsSensor

# [END import]

# The rota, in the order its members are phoned (in practice a roster API or a Variable).
ROTA = [
    {"phone_number": "+33600000201", "param1": "Ada"},
    {"phone_number": "+33600000202", "param1": "Linus"},
    {"phone_number": "+33600000203", "param1": "Grace"},
]
ACKNOWLEDGE_WITHIN = timedelta(minutes=5)

with DAG(
    dag_id="octopush_on_call_escalation",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    tags=["octopush", "example"],
) as dag:

    @task.short_circuit(ignore_downstream_trigger_rules=True)
    def nobody_acknowledged(pressed_keys: dict[str, str]) -> bool:
        """True (phone the next) unless the person phoned pressed 1; False skips everything after."""
        return not any(keys.startswith("1") for keys in pressed_keys.values())

    @task
    def rota_silent() -> None:
        from airflow_provider_octopush.version_compat import AirflowFailException  # no retry: nobody left

        raise AirflowFailException(f"Nobody on the on-call rota ({len(ROTA)} people) acknowledged the alert")

    # [START escalation]
    escalate = None
    for turn, person in enumerate(ROTA):
        phone = VoiceMessageOperator(
            task_id=f"phone_{turn}",
            recipients=[person],
            text="Airflow alert: the nightly checks failed. Press 1 if you take it.",
            purpose="alert",
            voice_language="en-GB",
            get_back_pressed_keys=True,
            max_recipients=1,
        )
        answer = VoiceResultsSensor(
            task_id=f"answer_{turn}",
            ticket_number=f"{{{{ ti.xcom_pull(task_ids='phone_{turn}')['tickets'][0] }}}}",
            expected_numbers=[person["phone_number"]],
            deadline=ACKNOWLEDGE_WITHIN,  # then it succeeds with no result, and the next is phoned
            poke_interval=15,
            deferrable=True,
        )
        if escalate is not None:
            escalate >> phone
        phone >> answer
        escalate = nobody_acknowledged.override(task_id=f"nobody_acknowledged_{turn}")(answer.output["pressed_keys"])
    escalate >> rota_silent()
    # [END escalation]
