"""VoiceCampaignOperator: prepare an Octopush voice campaign on a contact list or tag.

The operator only stores its arguments; ``execute()`` checks the rendered values
(:mod:`airflow_provider_octopush.validation`), derives the idempotency key, and hands
the call to :class:`~airflow_provider_octopush.hooks.octopush.OctopushHook`, imported
there so that DAG files importing this module stay light.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_octopush.connection import DEFAULT_CONN_ID
from airflow_provider_octopush.validation import CAMPAIGN_PARAMETERS, DEFAULT_SEND_AT_GRACE

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from airflow.sdk import Context

RESPONSE_XCOM_KEY = "octopush_response"


def default_request_id(dag_id: str, task_id: str, run_id: str, map_index: int) -> str:
    """The same for every try of one task instance, different for every run and map index.

    The try number is left out on purpose: a retried task must send the same key, so
    that Octopush refuses a second campaign (code 120) instead of creating one.
    """
    key = "\x1f".join((dag_id, task_id, run_id, str(map_index)))
    return "airflow-" + hashlib.sha256(key.encode()).hexdigest()[:40]


class VoiceCampaignOperator(BaseOperator):
    """Create an Octopush voice campaign (a text read aloud and phoned to a list or tag).

    Arguments carry the names of the API parameters and are all templated; one left
    at None is not sent. Values are checked after rendering and before any HTTP call.
    Returns the campaign's ticket number (XCom ``return_value``); the whole answer goes
    to XCom key ``octopush_response``.

    :param text: the message read aloud, 1 to 1224 characters.
    :param list_name: the contact list to call (a list, a tag, or both).
    :param tag_name: the contact tag to call.
    :param segmentation: ``filter`` or ``group``.
    :param sender: 3 to 11 letters or digits.
    :param send_at: when to call: an aware datetime or ISO 8601 with offset, e.g.
        ``"{{ data_interval_end }}"``. Late by up to ``send_at_grace``: sent now, with a warning.
    :param voice_gender: ``male`` or ``female``.
    :param voice_language: e.g. ``fr-FR``, ``en-GB``; see the README for the list.
    :param simulation_mode: ``True`` (or ``"true"``): Octopush simulates, nobody is called.
    :param auto_remove_blacklisted_numbers: skip blacklisted numbers (Octopush charges for it).
    :param get_back_pressed_keys: collect the keys the called person presses.
    :param request_id: idempotency key; by default derived from dag_id, task_id, run_id and
        map_index, so that retries of one task instance never make a second campaign.
    :param octopush_conn_id: the Octopush connection.
    :param send_at_grace: how late ``send_at`` may be and still mean "send now".
    :param on_past_send_at: what to do when ``send_at`` is later than that: ``fail`` (default),
        ``skip`` the task, or ``send_now``. Backfills over past dates need ``skip`` or ``send_now``.
    """

    template_fields = CAMPAIGN_PARAMETERS
    template_ext = ()
    ui_color = "#f2e6ff"

    def __init__(
        self,
        *,
        text: str,
        list_name: str | None = None,
        tag_name: str | None = None,
        segmentation: str | None = None,
        sender: str | None = None,
        send_at: str | datetime | None = None,
        voice_gender: str | None = None,
        voice_language: str | None = None,
        simulation_mode: bool | str | None = None,
        auto_remove_blacklisted_numbers: bool | str | None = None,
        get_back_pressed_keys: bool | str | None = None,
        request_id: str | None = None,
        octopush_conn_id: str = DEFAULT_CONN_ID,
        send_at_grace: timedelta = DEFAULT_SEND_AT_GRACE,
        on_past_send_at: str = "fail",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.text = text
        self.list_name = list_name
        self.tag_name = tag_name
        self.segmentation = segmentation
        self.sender = sender
        self.send_at = send_at
        self.voice_gender = voice_gender
        self.voice_language = voice_language
        self.simulation_mode = simulation_mode
        self.auto_remove_blacklisted_numbers = auto_remove_blacklisted_numbers
        self.get_back_pressed_keys = get_back_pressed_keys
        self.request_id = request_id
        self.octopush_conn_id = octopush_conn_id
        self.send_at_grace = send_at_grace
        self.on_past_send_at = on_past_send_at

    def execute(self, context: Context) -> str:
        import pendulum
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from airflow_provider_octopush.hooks.octopush import OctopushHook, ticket_from
        from airflow_provider_octopush.validation import CampaignParameterError, normalize_campaign, resolve_send_at

        ti = context["ti"]
        params = {name: getattr(self, name) for name in CAMPAIGN_PARAMETERS}
        if params["request_id"] in (None, ""):
            params["request_id"] = default_request_id(ti.dag_id, ti.task_id, ti.run_id, ti.map_index)
        try:
            decision = resolve_send_at(
                normalize_campaign(params),
                now=pendulum.now("UTC"),
                grace=self.send_at_grace,
                on_past_send_at=self.on_past_send_at,
            )
        except CampaignParameterError as err:
            # A retry renders the same values: fail now rather than burn the retries.
            raise AirflowFailException(f"{err} Nothing was sent to Octopush.") from None
        if decision.skip_reason:
            raise AirflowSkipException(decision.skip_reason)
        if decision.warning:
            self.log.warning("Octopush: %s", decision.warning)
        payload = decision.payload
        target = ", ".join(f"{name} {payload[name]!r}" for name in ("list_name", "tag_name") if name in payload)
        self.log.info("Creating an Octopush voice campaign on %s, request_id %s", target, payload["request_id"])
        hook = OctopushHook(self.octopush_conn_id)
        try:
            response = hook.create_voice_campaign_on_list(**payload)
        finally:
            hook.close()
        ticket = ticket_from(response)
        ti.xcom_push(key=RESPONSE_XCOM_KEY, value=response)
        self.log.info("Octopush voice campaign created: ticket %s, request_id %s", ticket, payload["request_id"])
        return ticket
