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


SMS_CAMPAIGN_FIELDS = (
    "list_name",
    "tag_name",
    "text",
    "type",
    "sender",
    "send_at",
    "purpose",
    "with_replies",
    "simulation_mode",
    "auto_remove_blacklisted_numbers",
    "request_id",
)


class ElevenTemplateFieldsOperator(BaseOperator):
    """Stores the SMS campaign's eleven arguments, all templated, unchecked: what Airflow's own handling of
    template fields (the XComArg scan after ``__init__``, one per field) costs an operator whose every API
    parameter is templated, against BashOperator's three."""

    template_fields = SMS_CAMPAIGN_FIELDS

    def __init__(self, **kwargs: Any) -> None:
        values = {name: kwargs.pop(name, None) for name in SMS_CAMPAIGN_FIELDS}
        super().__init__(**kwargs)
        vars(self).update(values)

    def execute(self, context: Any) -> None:
        return None
