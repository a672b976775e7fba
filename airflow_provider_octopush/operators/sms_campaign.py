"""Operators for Octopush SMS campaigns on a contact list or tag: the voice campaign's lifecycle, texted.

``SmsCampaignOperator`` prepares a campaign (``POST /sms-campaign-on-list/create``) and, with
``send=True``, waits for Octopush to compute it (in the worker, or deferred), checks the budget
and sends it, with every guarantee of :class:`~airflow_provider_octopush.operators.voice_campaign.
VoiceCampaignOperator`: its code, on the SMS endpoints. Two differences, both Octopush's: it
documents no lookup of a pending SMS campaign, so a ticket lost between tries is found only in
the task's record (Airflow 3.3+), and a create refused because another SMS campaign awaits
validation (126) fails at once, saying what to do, instead of waiting for its turn.
``execute()`` imports the hook and the rules, so that DAG files importing this module stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.operators.sms_message import SMS_XCOM_KEY
from airflow_provider_octopush.operators.voice_campaign import (
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    CancelVoiceCampaignOperator,
    SendVoiceCampaignOperator,
    VoiceCampaignOperator,
)
from airflow_provider_octopush.rules.arguments import DEFAULT_SEND_AT_GRACE
from airflow_provider_octopush.rules.connection import DEFAULT_CONN_ID
from airflow_provider_octopush.rules.parameters import SMS_CAMPAIGN_PARAMETERS
from airflow_provider_octopush.rules.templates import check_sms_literals, has_custom_jinja
from airflow_provider_octopush.version_compat import conf

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from airflow_provider_octopush.hooks.octopush import OctopushHook


class SmsCampaignOperator(VoiceCampaignOperator):
    """Create an Octopush SMS campaign on a list or tag, and with ``send=True`` send it within a budget.

    Arguments carry the names of the API parameters and are all templated; one left at None is
    not sent, and the connection's defaults (``sms_sender``, ``sms_type``, ``purpose``,
    ``simulation_mode``) fill the gaps. Values are checked when the DAG file loads (those no
    template renders) and after rendering, before any call: the type is set, and a marketing
    premium SMS (``purpose`` ``wholesale``, Octopush's default) carries ``STOP au XXXXX``, as a
    list may hold French numbers. Returns the ticket (XCom ``return_value``); XComs and
    arguments otherwise as :class:`VoiceCampaignOperator`'s.

    :param text: the text, 1 to 1224 characters (160 in one SMS in the GSM 03.38 alphabet, 70
        with any other character; Octopush bills each part).
    :param list_name: the contact list to text (a list, a tag, or both).
    :param tag_name: the contact tag to text.
    :param type: ``sms_premium`` or ``sms_low_cost``; set here or as the connection's ``sms_type``.
    :param purpose: ``alert`` (transactional) or ``wholesale`` (marketing, Octopush's default).
    :param with_replies: recipients can answer (in mainland France from a short number).
    :param sender, send_at, simulation_mode, auto_remove_blacklisted_numbers, request_id,
        octopush_conn_id, send_at_grace, on_past_send_at, send, max_cost, max_contacts,
        poll_interval, wait_timeout, deferrable: as for :class:`VoiceCampaignOperator`.
    """

    template_fields = SMS_CAMPAIGN_PARAMETERS
    ui_color = "#e6f2ff"
    channel = "sms"
    parameter_names = SMS_CAMPAIGN_PARAMETERS
    sender_operator = "SendSmsCampaignOperator"

    def __init__(
        self,
        *,
        text: str,
        list_name: str | None = None,
        tag_name: str | None = None,
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
        send: bool | str = False,
        max_cost: float | str | None = None,
        max_contacts: int | str | None = None,
        poll_interval: float | str = DEFAULT_POLL_INTERVAL,
        wait_timeout: float | str = DEFAULT_WAIT_TIMEOUT,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super(VoiceCampaignOperator, self).__init__(**kwargs)  # BaseOperator's: the arguments are this class's
        arguments = locals()
        self._store_campaign(arguments)
        check_sms_literals(arguments, None, custom_jinja=has_custom_jinja(kwargs.get("dag")))

    def _payload(self, hook: OctopushHook, params: dict[str, Any], ti: Any) -> dict[str, Any]:
        """The whole SMS, checked before the create: the connection's defaults merged, then its type and the
        opt-out mention (:meth:`OctopushHook.sms_payload`). The parts it costs each contact go to XCom
        ``octopush_sms`` before the create (and to the log with it, by the hook)."""
        from airflow_provider_octopush.rules.sms_text import sms_length

        payload = hook.sms_payload(None, **params)
        ti.xcom_push(key=SMS_XCOM_KEY, value=sms_length(payload["text"]).figures())
        return payload


class SendSmsCampaignOperator(SendVoiceCampaignOperator):
    """Send (validate) a prepared SMS campaign. Returns Octopush's answer (``sending_date``).

    :param ticket_number: templated, e.g. ``"{{ ti.xcom_pull(task_ids='prepare') }}"``.
    """

    ui_color = "#d3f0e8"  # the texts go out
    channel = "sms"


class CancelSmsCampaignOperator(CancelVoiceCampaignOperator):
    """Cancel a prepared SMS campaign (impossible once sent).

    :param ticket_number: templated, e.g. ``"{{ ti.xcom_pull(task_ids='prepare') }}"``.
    """

    ui_color = "#f7e0ea"  # nobody is texted
    channel = "sms"
