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


class SmsSignatureOperator(ElevenTemplateFieldsOperator):
    """The floor of SmsCampaignOperator: its signature (Airflow's ``apply_defaults`` walks every named argument,
    looking each up in the DAG's default_args) and its class depth (``BaseOperator.__setattr__`` looks a converter
    up along the class chain for each of the ~60 attributes BaseOperator sets), its arguments stored unchecked."""

    def __init__(
        self,
        *,
        text: str,
        list_name: str | None = None,
        tag_name: str | None = None,
        type: str | None = None,
        sender: str | None = None,
        send_at: str | None = None,
        purpose: str | None = None,
        with_replies: bool | None = None,
        simulation_mode: bool | None = None,
        auto_remove_blacklisted_numbers: bool | None = None,
        request_id: str | None = None,
        octopush_conn_id: str = "octopush_default",
        send_at_grace: float = 300,
        on_past_send_at: str = "fail",
        send: bool = False,
        max_cost: float | None = None,
        max_contacts: int | None = None,
        poll_interval: float = 30,
        wait_timeout: float = 3600,
        deferrable: bool = False,
        **kwargs: Any,
    ) -> None:
        super(ElevenTemplateFieldsOperator, self).__init__(**kwargs)
        arguments = locals()
        vars(self).update({name: arguments[name] for name in SMS_CAMPAIGN_FIELDS})
