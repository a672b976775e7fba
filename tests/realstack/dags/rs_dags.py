"""DAGs for the real-stack tests: each exercises one way a campaign could be lost or doubled."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

from airflow_provider_octopush.notifications.octopush import OctopushVoiceNotifier
from airflow_provider_octopush.operators.voice_campaign import SendVoiceCampaignOperator, VoiceCampaignOperator
from airflow_provider_octopush.sensors.voice_campaign import VoiceCampaignReadySensor

START = pendulum.datetime(2026, 1, 1, tz="UTC")

# One campaign per logical date, no send_at: a backfill creates one for each past day.
with DAG("rs_backfill", schedule="@daily", start_date=START, catchup=False, max_active_runs=5) as rs_backfill:
    VoiceCampaignOperator(task_id="call", list_name="staff", text="Report for {{ ds }}")

# send_at from the data interval: past for a backfill, so skipped by the documented policy.
with DAG("rs_backfill_send_at", schedule="@daily", start_date=START, catchup=False, max_active_runs=5) as rs_send_at:
    VoiceCampaignOperator(
        task_id="call",
        list_name="staff",
        text="Reminder for {{ ds }}",
        send_at="{{ data_interval_end }}",
        on_past_send_at="skip",
    )

# 100 lists, one mapped task each.
with DAG("rs_fanout", schedule=None, start_date=START, max_active_tasks=8) as rs_fanout:
    VoiceCampaignOperator.partial(task_id="call", text="Service update").expand(
        list_name=[f"list-{number:03d}" for number in range(100)]
    )

# Prepare, wait in the triggerer, send.
with DAG("rs_deferrable", schedule=None, start_date=START) as rs_deferrable:
    VoiceCampaignOperator(
        task_id="call", list_name="night-shift", text="Alert", send=True, deferrable=True, poll_interval=1
    )

# A task killed after its create: its retry must not create a second campaign.
with DAG(
    "rs_kill", schedule=None, start_date=START, default_args={"retries": 1, "retry_delay": timedelta(seconds=1)}
) as rs_kill:
    VoiceCampaignOperator(task_id="call", list_name="killed", text="Hello")

# Waits in the worker (not deferred): killed while it waits, its retry resumes the same campaign.
with DAG(
    "rs_resume", schedule=None, start_date=START, default_args={"retries": 1, "retry_delay": timedelta(seconds=1)}
) as rs_resume:
    VoiceCampaignOperator(task_id="call", list_name="resume", text="Alert", send=True, poll_interval=1)

# Deferred, for a user to mark failed, and for a triggerer that lacks the connection.
with DAG("rs_deferred_kill", schedule=None, start_date=START) as rs_deferred_kill:
    VoiceCampaignOperator(
        task_id="call",
        list_name="{{ dag_run.conf.get('list', 'deferred') }}",
        text="Alert",
        send=True,
        deferrable=True,
        poll_interval=1,
    )

# A DAG-level failure callback (the DAG processor runs it) and a task-level one (the worker runs it) on the
# same failure: two events, two request_ids, two calls.
with DAG(
    "rs_dag_callback",
    schedule=None,
    start_date=START,
    on_failure_callback=OctopushVoiceNotifier(list_name="on-call", text="DAG {{ dag.dag_id }} failed", poll_interval=1),
) as rs_dag_callback:
    BashOperator(
        task_id="load",
        bash_command="exit 1",
        on_failure_callback=OctopushVoiceNotifier(
            list_name="on-call", text="Task {{ ti.task_id }} failed", poll_interval=1
        ),
    )

# Prepare, wait with the deferrable sensor (in the triggerer from the start on Airflow 3.3+), send.
with DAG("rs_sensor_start", schedule=None, start_date=START) as rs_sensor_start:
    prepare = VoiceCampaignOperator(task_id="prepare", list_name="review-desk", text="Review")
    ready = VoiceCampaignReadySensor(
        task_id="ready", ticket_number="{{ ti.xcom_pull(task_ids='prepare') }}", deferrable=True, poke_interval=1
    )
    prepare >> ready >> SendVoiceCampaignOperator(task_id="send", ticket_number=ready.ticket_number)

# 100 sensors waiting on 100 campaigns (tickets from the run's conf): started in the triggerer (Airflow 3.3),
# or started on a worker and deferred. The suite compares what each takes from the workers.
for dag_id, from_trigger in (("rs_sensors_triggerer", True), ("rs_sensors_worker", False)):
    with DAG(dag_id, schedule=None, start_date=START, max_active_tasks=100):
        for number in range(100):
            VoiceCampaignReadySensor(
                task_id=f"wait_{number:03d}",
                ticket_number=f"{{{{ dag_run.conf['tickets'][{number}] }}}}",
                deferrable=True,
                start_from_trigger=from_trigger,
                poke_interval=5,
                # Airflow 3.1-3.3 can fail a task resumed within seconds of its deferral (a stale success
                # of the deferring exit, apache/airflow#67287): docs/production.md advises a retry.
                retries=1,
                retry_delay=timedelta(seconds=1),
            )

# Campaigns of one account take turns (these tests switch the sandbox to one draft per account, as Octopush):
# backfills of send=True tasks waiting in the worker or in the triggerer, a mapped fan-out, a waiter's limit.
for dag_id, deferrable in (("rs_turns_backfill", False), ("rs_turns_backfill_deferred", True)):
    with DAG(dag_id, schedule="@daily", start_date=START, catchup=False, max_active_runs=5):
        VoiceCampaignOperator(
            task_id="call",
            list_name="staff",
            text=f"{dag_id}: digest for {{{{ ds }}}}",
            send=True,
            deferrable=deferrable,
            poll_interval=1,
            retries=3,  # each turn ends a deferral within seconds: apache/airflow#67287, docs/production.md
            retry_delay=timedelta(seconds=1),
        )

with DAG("rs_turns_fanout", schedule=None, start_date=START, max_active_tasks=10):
    VoiceCampaignOperator.partial(
        task_id="call",
        text="Shift change",
        send=True,
        deferrable=True,
        poll_interval=1,
        retries=3,
        retry_delay=timedelta(seconds=1),
    ).expand(list_name=[f"team-{number:02d}" for number in range(10)])

with DAG("rs_turns_limit", schedule=None, start_date=START):
    VoiceCampaignOperator(
        task_id="call", list_name="staff", text="Too late", send=True, poll_interval=1, wait_timeout=5
    )
