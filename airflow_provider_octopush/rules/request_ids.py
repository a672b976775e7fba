"""The request_id a task sends by default: Octopush's idempotency key, the same for every try of a task instance."""

from __future__ import annotations

import hashlib


def default_request_id(dag_id: str, task_id: str, run_id: str, map_index: int | None) -> str:
    """The same for every try of one task instance, different for every run and map index.

    The try number is left out on purpose: a retried task must send the same key, so
    that Octopush refuses a second campaign (code 120) instead of creating one.
    """
    key = "\x1f".join((dag_id, task_id, run_id, str(-1 if map_index is None else map_index)))
    return "airflow-" + hashlib.sha256(key.encode()).hexdigest()[:40]
