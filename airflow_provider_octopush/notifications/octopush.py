"""OctopushVoiceNotifier: phone a list or tag when something happens to a DAG or task.

``on_failure_callback=OctopushVoiceNotifier(list_name="on-call", text="DAG {{ dag.dag_id }} failed")``
creates the campaign, waits a bounded time for Octopush to compute it, and sends it.
A callback must never hang, so the whole wait is bounded by ``wait_timeout``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from airflow.sdk import BaseNotifier

from airflow_provider_octopush.connection import DEFAULT_CONN_ID
from airflow_provider_octopush.validation import CAMPAIGN_PARAMETERS

if TYPE_CHECKING:
    from airflow.sdk import Context


def notification_request_id(context: Context) -> str:
    """One key per event: dag, task, run, map index and try, so a re-invoked callback never calls twice.

    Unlike the operator's key it includes the try number: each failed try is its own event.
    """
    from airflow_provider_octopush.operators.voice_campaign import default_request_id

    ti = context.get("ti")
    dag_run = context.get("dag_run")
    run_id = dag_run.run_id if dag_run is not None else str(context.get("run_id"))
    if ti is None:  # a DAG-level callback
        dag = context.get("dag")
        return default_request_id(getattr(dag, "dag_id", "?"), "notify:dag", run_id, -1)
    return default_request_id(ti.dag_id, f"notify:{ti.task_id}:try{ti.try_number}", run_id, ti.map_index)


class OctopushVoiceNotifier(BaseNotifier):
    """Create and send an Octopush voice campaign from a callback.

    Takes the campaign arguments of :class:`VoiceCampaignOperator` (all templated, with
    the callback's context), plus:

    :param octopush_conn_id: the Octopush connection.
    :param max_cost: cancel instead of sending when the computed cost is higher.
    :param max_contacts: cancel instead of sending when there are more contacts.
    :param poll_interval: seconds between two status reads.
    :param wait_timeout: the longest the callback waits for the computation (default 120 s);
        then the campaign is cancelled and the callback fails.
    """

    template_fields = CAMPAIGN_PARAMETERS

    def __init__(
        self,
        *,
        text: str,
        list_name: str | None = None,
        tag_name: str | None = None,
        segmentation: str | None = None,
        sender: str | None = None,
        voice_gender: str | None = None,
        voice_language: str | None = None,
        simulation_mode: bool | str | None = None,
        auto_remove_blacklisted_numbers: bool | str | None = None,
        get_back_pressed_keys: bool | str | None = None,
        request_id: str | None = None,
        octopush_conn_id: str = DEFAULT_CONN_ID,
        max_cost: float | None = None,
        max_contacts: int | None = None,
        poll_interval: float = 5.0,
        wait_timeout: float = 120.0,
    ) -> None:
        super().__init__()
        self.text = text
        self.list_name = list_name
        self.tag_name = tag_name
        self.segmentation = segmentation
        self.sender = sender
        self.send_at = None  # a notification calls now
        self.voice_gender = voice_gender
        self.voice_language = voice_language
        self.simulation_mode = simulation_mode
        self.auto_remove_blacklisted_numbers = auto_remove_blacklisted_numbers
        self.get_back_pressed_keys = get_back_pressed_keys
        self.request_id = request_id
        self.octopush_conn_id = octopush_conn_id
        self.max_cost = max_cost
        self.max_contacts = max_contacts
        self.poll_interval = poll_interval
        self.wait_timeout = wait_timeout

    def notify(self, context: Context) -> None:
        from airflow_provider_octopush.campaign import check_limits, send_if_allowed, wait_until_computed
        from airflow_provider_octopush.hooks.octopush import OctopushHook, ticket_from
        from airflow_provider_octopush.validation import is_unset, normalize_campaign

        check_limits(self.max_cost, self.max_contacts, self.poll_interval, self.wait_timeout)
        params = {name: getattr(self, name) for name in CAMPAIGN_PARAMETERS}
        if is_unset(params["request_id"]):
            params["request_id"] = notification_request_id(context)
        payload = normalize_campaign(params)
        deadline = time.time() + self.wait_timeout
        hook = OctopushHook(self.octopush_conn_id, max_retry_wait=min(60.0, self.wait_timeout / 4))
        try:
            ticket = ticket_from(hook.create_voice_campaign_on_list(**payload))
            self.log.info("Octopush notification campaign %s created, request_id %s", ticket, payload["request_id"])
            status = wait_until_computed(
                hook, ticket, poll_interval=self.poll_interval, deadline=deadline, log=self.log
            )
            send_if_allowed(
                hook,
                status,
                max_cost=self.max_cost,
                max_contacts=self.max_contacts,
                wait_timeout=self.wait_timeout,
                log=self.log,
            )
        finally:
            hook.close()
        self.log.info("Octopush notification campaign %s sent", ticket)
