"""Answer a Human-in-the-loop task as a person would, through Airflow's own HITL endpoint function."""

from __future__ import annotations

import time
from typing import Any


class Approver:
    """The user the endpoint records as having answered (what the auth manager would give it)."""

    def get_id(self) -> str:
        return "approver-1"

    def get_name(self) -> str:
        return "Approver"


def answer_when_asked(dag_id: str, task_id: str, answer: str, timeout: float = 240) -> dict[str, Any]:
    """Wait for the task's HITL request, answer it with ``answer``; return what the person was shown."""
    from airflow.api_fastapi.core_api.datamodels.hitl import UpdateHITLDetailPayload
    from airflow.api_fastapi.core_api.routes.public.hitl import update_hitl_detail
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with create_session() as session:
            row = session.execute(
                select(HITLDetail.subject, HITLDetail.body, TaskInstance.run_id)
                .join(TaskInstance, HITLDetail.ti_id == TaskInstance.id)
                .where(TaskInstance.dag_id == dag_id, TaskInstance.task_id == task_id)
                .where(HITLDetail.responded_at.is_(None))
            ).first()
            if row is not None:
                update_hitl_detail(
                    dag_id=dag_id,
                    dag_run_id=row.run_id,
                    task_id=task_id,
                    update_hitl_detail_payload=UpdateHITLDetailPayload(chosen_options=[answer], params_input={}),
                    user=Approver(),  # type: ignore[arg-type]
                    session=session,
                )
                return {"subject": row.subject, "body": row.body, "run_id": row.run_id}
        time.sleep(0.5)  # polling Airflow's own record of the request, not guessing a duration
    raise AssertionError(f"{dag_id}.{task_id} never asked for an answer within {timeout:g} s")
