"""The base of the operators that send a message straight to numbers (voice, SMS): what they share.

Both store their arguments the same way (checked at DAG load where no template renders them)
and, in ``execute()``, check the rendered recipients, request_id and parameters before any
call, saying plainly that nobody was reached when one is wrong. The sending itself is
:mod:`~airflow_provider_octopush.steps.message_chunks`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_octopush.rules.arguments import (
    parse_conn_id,
    parse_grace,
    parse_limit,
    parse_policy,
    store_arguments,
)
from airflow_provider_octopush.rules.recipients import check_recipients
from airflow_provider_octopush.rules.templates import check_literals, has_custom_jinja, is_literal

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import timedelta

    from airflow.sdk import Context

    from airflow_provider_octopush.rules.recipients import Recipients
    from airflow_provider_octopush.steps.task_memory import CampaignMemory


class MessageToNumbersOperator(BaseOperator):
    """Not for DAGs: :class:`~airflow_provider_octopush.operators.voice_message.VoiceMessageOperator` and
    :class:`~airflow_provider_octopush.operators.sms_message.SmsMessageOperator` derive from it."""

    parameter_names: tuple[str, ...] = ()  # the API parameters the operator takes, all templated
    channel = "voice"  # or "sms": whose rules and doubts apply
    nobody = "Nobody was reached."  # what a bad value means, said after its error
    done, does = "reached", "reaches"  # "phoned", "phones": the log of a failure says who was reached already
    template_ext = ()
    recipients: Any
    octopush_conn_id: str
    send_at_grace: timedelta
    on_past_send_at: str
    max_recipients: float | None

    def _store_message(self, arguments: Mapping[str, Any], **more: Any) -> None:
        """Check and store the arguments of ``__init__`` (its ``locals()``); ``more``: the operator's own, parsed."""
        message = {name: arguments[name] for name in self.parameter_names}
        check_literals(message, custom_jinja=has_custom_jinja(arguments["kwargs"].get("dag")), needs_target=False)
        limit = parse_limit("max_recipients", arguments["max_recipients"])
        if is_literal(arguments["recipients"]):
            check_recipients(arguments["recipients"], limit)  # at DAG load: a bad number is an import error
        store_arguments(
            self,
            message,
            recipients=arguments["recipients"],
            octopush_conn_id=parse_conn_id(arguments["octopush_conn_id"]),
            send_at_grace=parse_grace(arguments["send_at_grace"]),
            on_past_send_at=parse_policy(arguments["on_past_send_at"]),
            max_recipients=limit,
            **more,
        )

    def _rendered(
        self,
        context: Context,
        normalize: Callable[[Mapping[str, Any]], dict[str, Any]],
        complete: Callable[[dict[str, Any], Recipients], dict[str, Any]] | None = None,
    ) -> tuple[Recipients, str, dict[str, Any]]:
        """The rendered recipients, the request_id the chunks' keys are built on, and the payload, all checked
        before any call (``complete(payload, recipients)``: the operator's own last checks)."""
        from airflow_provider_octopush.exceptions import CampaignParameterError
        from airflow_provider_octopush.rules.parameters import parse_request_id
        from airflow_provider_octopush.rules.reading import is_unset
        from airflow_provider_octopush.rules.request_ids import default_request_id
        from airflow_provider_octopush.steps.message_chunks import check_base_request_id
        from airflow_provider_octopush.steps.send_at import payload_for_now

        ti = context["ti"]
        values = {name: getattr(self, name) for name in self.parameter_names if name != "request_id"}
        try:
            recipients = check_recipients(self.recipients, self.max_recipients)
            given = vars(self)["request_id"]
            base = check_base_request_id(
                default_request_id(ti.dag_id, ti.task_id, ti.run_id, ti.map_index)
                if is_unset(given)
                else parse_request_id(given)
            )
            payload = payload_for_now(
                normalize(values),
                grace=self.send_at_grace,
                on_past_send_at=self.on_past_send_at,
                log=self.log,
                channel=self.channel,
            )
            if complete is not None:
                payload = complete(payload, recipients)
        except CampaignParameterError as err:  # a no-retry error: a retry renders the same values
            err.args = (f"{err} {self.nobody}",)
            raise
        return recipients, base, payload

    def _deliver(
        self,
        context: Context,
        send: Callable[..., dict[str, Any]],
        rendered: tuple[Recipients, str, dict[str, Any]],
        memory: CampaignMemory,
    ) -> dict[str, Any]:
        """Send the :meth:`_rendered` message in chunks with ``send`` (the hook's method for the channel)."""
        from airflow_provider_octopush.steps.message_chunks import deliver

        recipients, base, payload = rendered
        return deliver(
            send,
            payload,
            recipients,
            base,
            memory=memory,
            ti=context["ti"],
            log=self.log,
            done=self.done,
            does=self.does,
        )
