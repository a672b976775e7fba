"""OctopushSmsNotifier: text numbers, or a list or tag, when something happens to a DAG or task, or a deadline
is missed.

``on_failure_callback=OctopushSmsNotifier(recipients=["+33612345678"], text="DAG {{ dag.dag_id }} failed",
type="sms_premium", purpose="alert")`` texts the numbers at once, in chunks of 500, each with its own
request_id. With ``list_name`` or ``tag_name`` it creates an SMS campaign, waits a bounded time for Octopush
to compute it, and sends it within ``max_cost``/``max_contacts`` or cancels it. Everything else (the host's
time limit, the request ids of re-invoked callbacks, sync and async for Deadline Alerts) is
:class:`~airflow_provider_octopush.notifications.octopush.OctopushVoiceNotifier`'s, on the SMS endpoints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.notifications.octopush import OctopushVoiceNotifier
from airflow_provider_octopush.rules.connection import DEFAULT_CONN_ID
from airflow_provider_octopush.rules.parameters import SMS_CAMPAIGN_PARAMETERS
from airflow_provider_octopush.rules.templates import check_sms_literals

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow.sdk import Context

    from airflow_provider_octopush.hooks.octopush import OctopushHook
    from airflow_provider_octopush.rules.recipients import Recipients

# The SMS parameters a notifier takes: all but send_at (a notification texts now).
SMS_NOTIFIER_PARAMETERS = tuple(name for name in SMS_CAMPAIGN_PARAMETERS if name != "send_at")


class OctopushSmsNotifier(OctopushVoiceNotifier):
    """Text numbers, or create and send an Octopush SMS campaign on a list or tag, from a callback or a
    Deadline Alert.

    Takes the arguments of :class:`~airflow_provider_octopush.operators.sms_campaign.SmsCampaignOperator`
    but ``send_at`` (all templated, with the callback's context), and ``recipients``, ``max_cost``,
    ``max_contacts``, ``poll_interval``, ``timeout`` and ``wait_timeout`` as
    :class:`~airflow_provider_octopush.notifications.octopush.OctopushVoiceNotifier` does. ``type`` is set here
    or by the connection's ``sms_type``; a marketing premium SMS must carry ``STOP au XXXXX``: for an alert,
    ``purpose="alert"``.
    """

    template_fields = (*SMS_NOTIFIER_PARAMETERS, "recipients", "octopush_conn_id")
    channel = "sms"
    parameter_names = SMS_NOTIFIER_PARAMETERS
    list_only = ("list_name", "tag_name", "max_cost")
    list_takes_purpose = True

    def __init__(
        self,
        *,
        text: str,
        list_name: str | None = None,
        tag_name: str | None = None,
        type: str | None = None,
        sender: str | None = None,
        purpose: str | None = None,
        with_replies: bool | str | None = None,
        simulation_mode: bool | str | None = None,
        auto_remove_blacklisted_numbers: bool | str | None = None,
        request_id: str | None = None,
        recipients: Any = None,
        octopush_conn_id: str = DEFAULT_CONN_ID,
        max_cost: float | str | None = None,
        max_contacts: int | str | None = None,
        poll_interval: float | str = 5.0,
        timeout: float | str | None = None,
        wait_timeout: float | str | None = None,
        context: Context | None = None,
    ) -> None:
        super(OctopushVoiceNotifier, self).__init__(context)  # BaseNotifier's: the arguments are this class's
        arguments = locals()
        self._store(arguments)
        check_sms_literals(arguments, recipients)

    def _list_payload(self, hook: OctopushHook, params: dict[str, Any]) -> dict[str, Any]:
        """The whole SMS, checked before the create: the connection's defaults merged, then its type and the
        opt-out mention."""
        return hook.sms_payload(None, **params)

    def _numbers_payload(
        self, hook: OctopushHook, params: dict[str, Any], recipients: Recipients
    ) -> tuple[dict[str, Any], Callable[..., dict[str, Any]]]:
        """The whole SMS over every number, checked before the first chunk, and the hook's send of one chunk."""
        payload = hook.sms_payload(recipients.numbers(), **params)
        return payload, hook.send_sms_message
