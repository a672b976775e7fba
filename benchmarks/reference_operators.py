"""The smallest operator that takes an argument: the floor of DAG parse cost for any operator with an __init__.

Airflow wraps every operator class that defines ``__init__`` in its ``apply_defaults``
wrapper, which merges default args and deep-copies the DAG's params again; EmptyOperator
defines no ``__init__`` and pays that once. This class shows that cost alone.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator


class OneArgumentOperator(BaseOperator):
    """Stores one argument and does nothing."""

    def __init__(self, *, value: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value = value

    def execute(self, context: Any) -> None:
        return None
