"""Answer a Human-in-the-loop task as a person would, through Airflow's own HITL endpoint function."""

from __future__ import annotations

import inspect
import logging
import threading
import time
from typing import Any

# A person answers a task the UI lists as waiting for them: parked, not merely asked.
PARKED = ("awaiting_input", "deferred")
# dag.test() (3.3) runs a task in-process; when the task parks, the Execution API writes AWAITING_INPUT, and then
# dag.test() itself writes the state it got back (``ti.set_state(taskrun_result.ti.state)`` in ``_run_task``).
# An answer given between the two is overwritten: the resumed task is parked again and nothing ever resumes it
# (the hang of this test, 2 runs in 3). dag.test() reports that it is waiting only after that write:
# the answer is given once it has said so, as a person would answer a task already listed as waiting.
DAG_TEST_LOGGER = "airflow.sdk.definitions.dag"
WAITING = "Waiting for Human-in-the-loop input for tasks"


class _WaitingReported(logging.Handler):
    """Set when dag.test() reports that it waits for the task's input."""

    def __init__(self, task_id: str) -> None:
        super().__init__(logging.INFO)
        self.task_id = task_id
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith(WAITING) and self.task_id in map(str, *record.args or [[]]):
            self.seen.set()


class Approver:
    """The user the endpoint records as having answered (what the auth manager would give it)."""

    def get_id(self) -> str:
        return "approver-1"

    def get_name(self) -> str:
        return "Approver"

    def get_display_name(self) -> str:  # asked for by Airflow 3.4
        return "Approver"


def answer_when_asked(
    dag_id: str,
    task_id: str,
    answer: str,
    timeout: float = 240,
    stop: threading.Event | None = None,
    waiting: threading.Event | None = None,
) -> dict[str, Any]:
    """Wait until the task is parked waiting for its HITL answer, answer ``answer``; return what was shown.

    ``stop``: set when the run is over, so that no answer is given to a later run of the same DAG.
    ``waiting``: set when the runner says it waits for the answer (dag.test()'s report); unset: not waited for.
    """
    stop = stop or threading.Event()
    from airflow.api_fastapi.core_api.datamodels.hitl import UpdateHITLDetailPayload
    from airflow.api_fastapi.core_api.routes.public.hitl import update_hitl_detail
    from airflow.models.dagbag import DBDagBag
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    # Airflow 3.4's endpoint also takes the API server's DAG bag (FastAPI gives it; here it is made).
    needs_dag_bag = "dag_bag" in inspect.signature(update_hitl_detail).parameters
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.is_set():
        with create_session() as session:
            row = session.execute(
                select(HITLDetail.subject, HITLDetail.body, TaskInstance.run_id)
                .join(TaskInstance, HITLDetail.ti_id == TaskInstance.id)
                .where(TaskInstance.dag_id == dag_id, TaskInstance.task_id == task_id)
                .where(TaskInstance.state.in_(PARKED), HITLDetail.responded_at.is_(None))
            ).first()
            if row is not None and (waiting is None or waiting.is_set()):
                update_hitl_detail(
                    dag_id=dag_id,
                    dag_run_id=row.run_id,
                    task_id=task_id,
                    update_hitl_detail_payload=UpdateHITLDetailPayload(chosen_options=[answer], params_input={}),
                    user=Approver(),  # type: ignore[arg-type]
                    session=session,
                    **({"dag_bag": DBDagBag()} if needs_dag_bag else {}),
                )
                return {"subject": row.subject, "body": row.body, "run_id": row.run_id}
        stop.wait(0.5)  # polling Airflow's own record of the task's state, not guessing a duration
    raise AssertionError(f"{dag_id}.{task_id} was never parked waiting for an answer (waited up to {timeout:g} s)")


class Responder(threading.Thread):
    """Answers from a thread while ``dag.test()`` waits; a failure there fails the test instead of hanging it.

    dag.test() waits for a parked task as long as it stays parked: when the answer cannot be given,
    the task is failed, so the run ends, and :meth:`result` raises what went wrong.
    """

    def __init__(self, dag_id: str, task_id: str, answer: str) -> None:
        super().__init__(name=f"answer-{task_id}", daemon=True)
        self.dag_id, self.task_id, self.answer = dag_id, task_id, answer
        self.asked: dict[str, Any] = {}
        self.error: BaseException | None = None
        self.run_over = threading.Event()
        self.reported = _WaitingReported(task_id)
        self.logger = logging.getLogger(DAG_TEST_LOGGER)
        self.level = self.logger.level

    def start(self) -> None:
        self.logger.addHandler(self.reported)
        if not self.logger.isEnabledFor(logging.INFO):
            self.logger.setLevel(logging.INFO)
        super().start()

    def run(self) -> None:
        try:
            self.asked = answer_when_asked(
                self.dag_id, self.task_id, self.answer, stop=self.run_over, waiting=self.reported.seen
            )
        except BaseException as error:  # re-raised in the test's thread by result()
            self.error = error
            self._fail_the_task()

    def _fail_the_task(self) -> None:
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session
        from sqlalchemy import update

        with create_session() as session:
            session.execute(
                update(TaskInstance)
                .where(TaskInstance.dag_id == self.dag_id, TaskInstance.task_id == self.task_id)
                .where(TaskInstance.state.in_(PARKED))
                .values(state="failed")
            )

    def result(self, timeout: float = 30) -> dict[str, Any]:
        """What the person was shown; call when the run is over (an answer not given by then never will be)."""
        self.run_over.set()
        self.join(timeout)
        self.logger.removeHandler(self.reported)
        self.logger.setLevel(self.level)
        if self.is_alive():
            raise AssertionError(f"the answer to {self.dag_id}.{self.task_id} was still pending after {timeout:g} s")
        if self.error is not None:
            raise AssertionError(f"answering {self.dag_id}.{self.task_id} failed: {self.error!r}") from self.error
        return self.asked
