"""VoiceMessageOperator: a text read aloud and phoned straight to numbers, no contact list.

For an alert to an on-call roster, or to numbers an upstream task computes. Octopush calls
at once (or at ``send_at``): there is no prepared campaign, no budget step and nothing to
cancel, so the operator's care goes into never phoning anybody twice (see
:mod:`~airflow_provider_octopush.steps.message_chunks`). ``execute()`` imports the hook and the
rules; DAG files importing this module stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.operators.message_to_numbers import MessageToNumbersOperator
from airflow_provider_octopush.rules.arguments import DEFAULT_SEND_AT_GRACE
from airflow_provider_octopush.rules.connection import DEFAULT_CONN_ID
from airflow_provider_octopush.rules.parameters import MESSAGE_BY_NAME

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from airflow.sdk import Context

# The names of the message parameters (the table itself is rules.parameters.MESSAGE_PARAMETERS).
MESSAGE_PARAMETER_NAMES = tuple(MESSAGE_BY_NAME)


class VoiceMessageOperator(MessageToNumbersOperator):
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
    parameter_names = MESSAGE_PARAMETER_NAMES
    nobody = "Nobody was phoned."
    done, does = "phoned", "phones"
    ui_color = "#ffe9cc"

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
        self._store_message(locals())

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_octopush.hooks.octopush import OctopushHook
        from airflow_provider_octopush.rules.parameters import normalize_message
        from airflow_provider_octopush.steps.task_memory import CampaignMemory

        rendered = recipients, base, _ = self._rendered(context, normalize_message)
        memory = CampaignMemory(context, self.log)
        self.log.info("Phoning %s numbers with an Octopush voice message, request_id %s.*", len(recipients), base)
        with OctopushHook(self.octopush_conn_id) as hook:
            return self._deliver(context, hook.send_voice_message, rendered, memory)
