"""VoiceCampaignReadySensor: wait until a prepared campaign is ready to be sent.

For flows where a person reviews a prepared campaign (its cost, its contacts) before
a later task sends it. Poke and reschedule modes read the status from the worker;
``deferrable=True`` waits in the triggerer with the operator's trigger and, on Airflow
3.3+, starts there: the scheduler hands the wait to the triggerer, which renders the
ticket itself, and no worker slot is taken until the campaign is computed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_octopush.rules.arguments import parse_conn_id, parse_flag, parse_ticket
from airflow_provider_octopush.rules.connection import DEFAULT_CONN_ID
from airflow_provider_octopush.rules.templates import holds_template
from airflow_provider_octopush.version_compat import AIRFLOW_V_3_3_PLUS, conf

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_octopush.steps.campaign import CampaignStatus

# Airflow's own time-out of a wait started in the triggerer comes this long after the sensor's, so that
# the trigger's "timeout" event (and the sensor's clear error) always arrives first.
START_GRACE = 60.0


class VoiceCampaignReadySensor(BaseSensorOperator):
    """Succeed when the campaign's status is ``ready_to_be_sent``; fail at once if it is ``failed``.

    Pushes the status figures (``number_of_contacts``, ``cost``, ``estimated_duration``) to XCom.

    :param ticket_number: templated, e.g. ``"{{ ti.xcom_pull(task_ids='prepare') }}"``.
    :param octopush_conn_id: the Octopush connection.
    :param deferrable: wait in the triggerer. Defaults to ``[operators] default_deferrable``.
    :param start_from_trigger: start the deferrable wait in the triggerer, without a worker.
        Default: whenever ``deferrable``, on Airflow 3.3+ (earlier versions cannot render the
        ticket's template there, so the sensor starts on a worker and defers, silently).
    """

    template_fields = ("ticket_number",)
    ui_color = "#fff4d6"  # waiting on Octopush

    def __init__(
        self,
        *,
        ticket_number: str,
        octopush_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        start_from_trigger: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not holds_template(ticket_number):
            parse_ticket(ticket_number)  # at DAG load: an empty literal ticket can never work
        self.ticket_number = ticket_number
        self.octopush_conn_id = parse_conn_id(octopush_conn_id)
        self.deferrable = parse_flag("deferrable", deferrable)
        if start_from_trigger is None:
            start_from_trigger = self.deferrable
        elif parse_flag("start_from_trigger", start_from_trigger) and not self.deferrable:
            from airflow_provider_octopush.exceptions import ArgumentError

            raise ArgumentError(
                "start_from_trigger", "True without deferrable=True", "a wait starts in the triggerer only if it defers"
            )
        if start_from_trigger and AIRFLOW_V_3_3_PLUS:
            self._start_in_triggerer()

    def _start_in_triggerer(self) -> None:
        """Let the scheduler create the trigger itself (Airflow renders ``ticket_number`` in the triggerer).

        The trigger's deadline then follows Airflow's own time-out of the deferral, less
        :data:`START_GRACE`: a restarted trigger keeps the same bound.
        """
        from datetime import timedelta

        from airflow.triggers.base import StartTriggerArgs

        self.start_from_trigger = True
        self.start_trigger_args = StartTriggerArgs(
            trigger_cls="airflow_provider_octopush.triggers.voice_campaign.VoiceCampaignComputedTrigger",
            trigger_kwargs={
                "ticket_number": self.ticket_number,
                "octopush_conn_id": self.octopush_conn_id,
                "poll_interval": float(self.poke_interval),
                "deadline": None,
                "deadline_margin": START_GRACE,
                "limit": f"timeout={self.timeout:g} s",
            },
            next_method="execute_complete",
            next_kwargs=None,
            timeout=timedelta(seconds=self.timeout + START_GRACE),
        )

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        from airflow_provider_octopush.triggers.voice_campaign import VoiceCampaignComputedTrigger

        self.defer(
            trigger=VoiceCampaignComputedTrigger(
                parse_ticket(self.ticket_number), self.octopush_conn_id, self.poke_interval, time.time() + self.timeout
            ),
            method_name="execute_complete",
        )

    def poke(self, context: Context) -> PokeReturnValue:
        from airflow_provider_octopush.hooks.octopush import OctopushHook
        from airflow_provider_octopush.steps.campaign import poll_status

        with OctopushHook(self.octopush_conn_id) as hook:
            status = poll_status(hook, parse_ticket(self.ticket_number))
        return self._judge(status)

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        from airflow_provider_octopush.exceptions import CampaignNotReady
        from airflow_provider_octopush.steps.campaign import status_from_event

        if event["outcome"] == "timeout":
            raise CampaignNotReady(
                f"Octopush campaign {event['ticket_number']} was not computed within the sensor's timeout "
                f"({self.timeout:g} s); it stays prepared: send it later, or cancel it."
            )
        return self._judge(status_from_event(event)).xcom_value  # "computed": never still computing

    def _judge(self, status: CampaignStatus) -> PokeReturnValue:
        from airflow_provider_octopush.api.facts import READY

        if status.status == READY:
            self.log.info("Octopush campaign ready: %s", status.figures())
            return PokeReturnValue(is_done=True, xcom_value=status.figures())
        if status.computing:
            return PokeReturnValue(is_done=False)
        raise self._not_ready(status)

    def _not_ready(self, status: CampaignStatus) -> Exception:
        from airflow_provider_octopush.exceptions import CampaignNotSent

        return CampaignNotSent(
            f"Octopush campaign {status.ticket_number} has status {status.status!r}: it will not become ready. "
            "Check the list or tag and the campaign in the Octopush web interface."
        )
