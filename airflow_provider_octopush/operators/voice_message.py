"""VoiceMessageOperator: a text read aloud and phoned straight to numbers, no contact list.

For an alert to an on-call roster, or to numbers an upstream task computes. Octopush calls
at once (or at ``send_at``): there is no prepared campaign, no budget step and nothing to
cancel, so the operator's care goes into never phoning anybody twice (see
:mod:`~airflow_provider_octopush.steps.message_chunks`). ``execute()`` imports the hook and the
rules; DAG files importing this module stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_octopush.rules.arguments import (
    DEFAULT_SEND_AT_GRACE,
    parse_conn_id,
    parse_grace,
    parse_limit,
    parse_policy,
    store_arguments,
)
from airflow_provider_octopush.rules.connection import DEFAULT_CONN_ID
from airflow_provider_octopush.rules.parameters import MESSAGE_BY_NAME
from airflow_provider_octopush.rules.recipients import check_recipients
from airflow_provider_octopush.rules.templates import check_literals, has_custom_jinja, is_literal

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from airflow.sdk import Context

# The names of the message parameters (the table itself is rules.parameters.MESSAGE_PARAMETERS).
MESSAGE_PARAMETER_NAMES = tuple(MESSAGE_BY_NAME)


class VoiceMessageOperator(BaseOperator):
    """Phone a voice message to numbers (``POST /voice-campaign/send``), 500 a call, each number once.

    Arguments carry the names of the API parameters and are all templated; one left at
    None is not sent, and the connection's defaults (``sender``, ``voice_language``,
    ``voice_gender``, ``purpose``, ``simulation_mode``) fill the gaps. Values are checked
    when the DAG file loads (those no template renders) and after rendering, before any
    call. Returns the tickets and counts (XCom ``return_value``): ``tickets``,
    ``recipients``, ``chunks``, ``chunks_sent_before``, ``total_cost``, ``results``.

    :param text: the message read aloud, 1 to 1224 characters.
    :param recipients: phone numbers in international form (``+33612345678``), or rows
        ``{phone_number, param1..param5}``; a list, an upstream task's XCom, or a text of
        numbers separated by commas, semicolons or new lines (``"{{ var.value.on_call }}"``).
        A number given twice is phoned once.
    :param purpose: ``alert`` or ``wholesale`` (Octopush's default).
    :param request_id: the key each chunk's request_id is built on (at most 100 characters);
        by default derived from dag_id, task_id, run_id and map_index, so that no retry or
        clear phones anybody twice.
    :param max_recipients: refuse to phone more numbers than this (an upstream bug must not
        phone a whole customer base); None: no limit.
    :param send_at, sender, voice_gender, voice_language, simulation_mode,
        auto_remove_blacklisted_numbers, get_back_pressed_keys, octopush_conn_id,
        send_at_grace, on_past_send_at: as for :class:`VoiceCampaignOperator`.
    """

    template_fields = (*MESSAGE_PARAMETER_NAMES, "recipients")
    template_ext = ()
    ui_color = "#ffe9cc"
    recipients: Any
    octopush_conn_id: str
    send_at_grace: timedelta
    on_past_send_at: str
    max_recipients: float | None

    def __init__(
        self,
        *,
        text: str,
        recipients: Any,
        sender: str | None = None,
        send_at: str | datetime | None = None,
        voice_gender: str | None = None,
        voice_language: str | None = None,
        simulation_mode: bool | str | None = None,
        auto_remove_blacklisted_numbers: bool | str | None = None,
        get_back_pressed_keys: bool | str | None = None,
        request_id: str | None = None,
        purpose: str | None = None,
        octopush_conn_id: str = DEFAULT_CONN_ID,
        send_at_grace: timedelta | float = DEFAULT_SEND_AT_GRACE,
        on_past_send_at: str = "fail",
        max_recipients: int | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        arguments = locals()
        message = {name: arguments[name] for name in MESSAGE_PARAMETER_NAMES}
        check_literals(message, custom_jinja=has_custom_jinja(kwargs.get("dag")), needs_target=False)
        limit = parse_limit("max_recipients", max_recipients)
        if is_literal(recipients):
            check_recipients(recipients, limit)  # at DAG load: a bad number is an import error, not a failed run
        store_arguments(
            self,
            message,
            recipients=recipients,
            octopush_conn_id=parse_conn_id(octopush_conn_id),
            send_at_grace=parse_grace(send_at_grace),
            on_past_send_at=parse_policy(on_past_send_at),
            max_recipients=limit,
        )

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_octopush.exceptions import CampaignParameterError
        from airflow_provider_octopush.hooks.octopush import OctopushHook
        from airflow_provider_octopush.rules.parameters import normalize_message, parse_request_id
        from airflow_provider_octopush.rules.reading import is_unset
        from airflow_provider_octopush.rules.request_ids import default_request_id
        from airflow_provider_octopush.steps.message_chunks import check_base_request_id, send_in_chunks, summary
        from airflow_provider_octopush.steps.send_at import payload_for_now
        from airflow_provider_octopush.steps.task_memory import CampaignMemory

        ti = context["ti"]
        values = {name: getattr(self, name) for name in MESSAGE_PARAMETER_NAMES if name != "request_id"}
        try:
            recipients = check_recipients(self.recipients, self.max_recipients)
            given = vars(self)["request_id"]
            base = check_base_request_id(
                default_request_id(ti.dag_id, ti.task_id, ti.run_id, ti.map_index)
                if is_unset(given)
                else parse_request_id(given)
            )
            payload = payload_for_now(
                normalize_message(values),
                grace=self.send_at_grace,
                on_past_send_at=self.on_past_send_at,
                log=self.log,
            )
        except CampaignParameterError as err:  # a no-retry error: a retry renders the same values
            err.args = (f"{err} Nobody was phoned.",)
            raise
        memory = CampaignMemory(context, self.log)
        self.log.info("Phoning %s numbers with an Octopush voice message, request_id %s.*", len(recipients), base)
        results: list[dict[str, Any]] = []
        with OctopushHook(self.octopush_conn_id) as hook:
            try:
                for result in send_in_chunks(
                    hook,
                    payload,
                    recipients,
                    base,
                    log=self.log,
                    sent_before=memory.messages_sent(),
                    remember=memory.remember_message,
                ):
                    results.append(result)
            except BaseException:
                if results:  # the chunks that went out stay on record, for the person reading the failure
                    ti.xcom_push(key="return_value", value=summary(results))
                    self.log.error(
                        "Octopush: %s of the numbers were phoned before the failure; %s",
                        sum(result["recipients"] for result in results),
                        "a retry or clear phones only the rest"
                        if memory.available
                        else "a retry or clear within 24 hours phones only the rest (Octopush refuses repeats)",
                    )
                raise
        return summary(results)
