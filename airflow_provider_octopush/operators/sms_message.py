"""SmsMessageOperator: an SMS straight to numbers, no contact list.

For an alert to an on-call roster, or to numbers an upstream task computes. Octopush texts
at once (or at ``send_at``): nothing is prepared or can be cancelled, so, as for the voice
message, the care goes into never texting anybody twice (see
:mod:`~airflow_provider_octopush.steps.message_chunks`), and into checking the whole message
before its first chunk: its parameters, the opt-out mention, its cost in SMS parts and,
with ``max_cost``, its price. ``execute()`` imports the hook and the rules; DAG files
importing this module stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.operators.message_to_numbers import MessageToNumbersOperator
from airflow_provider_octopush.rules.arguments import DEFAULT_SEND_AT_GRACE, parse_limit
from airflow_provider_octopush.rules.connection import DEFAULT_CONN_ID
from airflow_provider_octopush.rules.parameters import SMS_MESSAGE_BY_NAME
from airflow_provider_octopush.rules.templates import check_sms_literals, has_custom_jinja

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from airflow.sdk import Context

    from airflow_provider_octopush.hooks.octopush import OctopushHook
    from airflow_provider_octopush.rules.recipients import Recipients

# The names of the SMS parameters (the table itself is rules.parameters.SMS_MESSAGE_PARAMETERS).
SMS_PARAMETER_NAMES = tuple(SMS_MESSAGE_BY_NAME)
SMS_XCOM_KEY = "octopush_sms"  # the SMS parts the text costs each recipient, pushed before anything is sent


class SmsMessageOperator(MessageToNumbersOperator):
    """Text numbers (``POST /sms-campaign/send``), 500 a call, each number once.

    Arguments carry the names of the API parameters and are all templated; one left at
    None is not sent, and the connection's defaults (``sender``, ``purpose``,
    ``simulation_mode``) fill the gaps. Values are checked when the DAG file loads (those no
    template renders) and after rendering, before any call; the SMS parts the text costs go
    to the log and to XCom key ``octopush_sms`` before the first chunk. Returns the tickets
    and counts (XCom ``return_value``), as :class:`VoiceMessageOperator` does.

    :param text: the text, 1 to 1224 characters (160 in one SMS in the GSM 03.38 alphabet,
        70 with any other character; longer texts cost several SMS each).
    :param recipients: as for :class:`VoiceMessageOperator`: numbers in international form,
        rows ``{phone_number, param1..param5}``, an XCom, or a text of numbers.
    :param type: ``sms_premium`` or ``sms_low_cost``; no default.
    :param purpose: ``alert`` (transactional) or ``wholesale`` (marketing, Octopush's default).
        A marketing premium SMS to a French number must carry ``STOP au XXXXX``.
    :param with_replies: recipients can answer (in mainland France Octopush then sends from a
        short number).
    :param max_cost: refuse to text when the message would cost more (in the account's
        currency): before anything is sent, Octopush prices each chunk in simulation mode, which
        texts nobody and costs nothing. None: no price check, no extra call.
    :param max_recipients: refuse to text more numbers than this; None: no limit.
    :param sender, send_at, simulation_mode, auto_remove_blacklisted_numbers, request_id,
        octopush_conn_id, send_at_grace, on_past_send_at: as for :class:`VoiceMessageOperator`.
    """

    template_fields = (*SMS_PARAMETER_NAMES, "recipients")
    parameter_names = SMS_PARAMETER_NAMES
    channel = "sms"
    nobody = "Nobody was texted."
    done, does = "texted", "texts"
    ui_color = "#dff3ff"
    max_cost: float | None

    def __init__(
        self,
        *,
        text: str,
        recipients: Any,
        type: str | None = None,
        sender: str | None = None,
        send_at: str | datetime | None = None,
        purpose: str | None = None,
        with_replies: bool | str | None = None,
        simulation_mode: bool | str | None = None,
        auto_remove_blacklisted_numbers: bool | str | None = None,
        request_id: str | None = None,
        octopush_conn_id: str = DEFAULT_CONN_ID,
        send_at_grace: timedelta | float = DEFAULT_SEND_AT_GRACE,
        on_past_send_at: str = "fail",
        max_recipients: int | str | None = None,
        max_cost: float | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        arguments = locals()
        self._store_message(arguments, max_cost=parse_limit("max_cost", max_cost))
        check_sms_literals(arguments, recipients, custom_jinja=has_custom_jinja(kwargs.get("dag")))

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_octopush.hooks.octopush import OctopushHook
        from airflow_provider_octopush.rules.parameters import normalize_sms_message
        from airflow_provider_octopush.rules.sms_text import sms_length
        from airflow_provider_octopush.steps.task_memory import CampaignMemory

        with OctopushHook(self.octopush_conn_id) as hook:
            rendered = recipients, base, payload = self._rendered(
                context,
                normalize_sms_message,
                # the connection's defaults, then the whole message's rules over every number, before any chunk
                lambda payload, recipients: hook.sms_payload(recipients.numbers(), **payload),
            )
            length = sms_length(payload["text"])
            context["ti"].xcom_push(key=SMS_XCOM_KEY, value=length.figures())
            self.log.info(
                "Texting %s numbers with an Octopush SMS, %s each, request_id %s.*",
                len(recipients),
                length.describe(),
                base,
            )
            memory = CampaignMemory(context, self.log)
            if self.max_cost is not None:
                self._check_the_price(hook, payload, recipients, base, memory.messages_sent(), self.max_cost)
            return self._deliver(context, hook.send_sms_message, rendered, memory)

    def _check_the_price(
        self,
        hook: OctopushHook,
        payload: dict[str, Any],
        recipients: Recipients,
        base: str,
        sent_before: dict[str, dict[str, Any]],
        max_cost: float,
    ) -> None:
        """Octopush prices a message only when it is sent or simulated: the chunks still to send are simulated
        first (nobody texted, nothing billed), and nothing is sent above ``max_cost``."""
        from airflow_provider_octopush.exceptions import CampaignNotSent
        from airflow_provider_octopush.steps.message_chunks import simulated_cost

        cost = simulated_cost(hook.send_sms_message, payload, recipients, base, sent_before)
        if cost is None or cost > max_cost:
            why = "Octopush gave no price in simulation mode" if cost is None else f"it would cost {cost}"
            raise CampaignNotSent(f"The SMS was not sent: {why}, and max_cost is {max_cost:g}. Nobody was texted.")
        self.log.info("Octopush prices the SMS at %s (simulation mode, nothing billed): within max_cost", cost)
