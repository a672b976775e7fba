"""DAGs for the production-like stack (PostgreSQL, CeleryExecutor with two workers, two triggerers)."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

from airflow_provider_octopush.operators.voice_campaign import VoiceCampaignOperator

START = pendulum.datetime(2026, 1, 1, tz="UTC")
RETRY = {"retries": 1, "retry_delay": timedelta(seconds=2)}


def nothing(**_: object) -> None:
    """The baseline task: runs on a worker like ours, and does nothing."""


# 100 lists, one mapped task each, running truly in parallel on both workers.
with DAG("ps_fanout", schedule=None, start_date=START, max_active_tasks=32) as ps_fanout:
    VoiceCampaignOperator.partial(task_id="call", text="Service update").expand(
        list_name=[f"list-{number:03d}" for number in range(100)]
    )

# The same fan-out of a task that does nothing: the baseline of the drain time.
with DAG("ps_fanout_baseline", schedule=None, start_date=START, max_active_tasks=32) as ps_fanout_baseline:
    PythonOperator.partial(task_id="call", python_callable=nothing).expand(
        op_kwargs=[{"list_name": f"list-{number:03d}"} for number in range(100)]
    )

# 20 campaigns sent from tasks that wait in their worker (not deferred): one worker dies meanwhile.
with DAG("ps_wait", schedule=None, start_date=START, max_active_tasks=32, default_args=RETRY) as ps_wait:
    VoiceCampaignOperator.partial(task_id="call", text="Alert", send=True, poll_interval=2).expand(
        list_name=[f"wait-{number:02d}" for number in range(20)]
    )

# 50 campaigns waiting in the triggerers: one of the two dies meanwhile.
with DAG("ps_defer", schedule=None, start_date=START, max_active_tasks=50, default_args=RETRY) as ps_defer:
    VoiceCampaignOperator.partial(task_id="call", text="Alert", send=True, deferrable=True, poll_interval=2).expand(
        list_name=[f"defer-{number:02d}" for number in range(50)]
    )

# A month of daily campaigns, backfilled while the scheduler restarts.
with DAG("ps_backfill", schedule="@daily", start_date=START, catchup=False, max_active_runs=10) as ps_backfill:
    VoiceCampaignOperator(task_id="call", list_name="daily", text="Report for {{ ds }}")

# Taking turns on one account (the test switches the sandbox to one draft, as Octopush): send=True, deferred.
with DAG("ps_turns_backfill", schedule="@daily", start_date=START, catchup=False, max_active_runs=5):
    VoiceCampaignOperator(
        task_id="call",
        list_name="turns",
        text="Digest for {{ ds }}",
        send=True,
        deferrable=True,
        poll_interval=1,
        retries=3,  # each turn ends a deferral within seconds: apache/airflow#67287, docs/production.md
        retry_delay=timedelta(seconds=1),
    )
