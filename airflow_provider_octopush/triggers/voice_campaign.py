"""VoiceCampaignComputedTrigger: wait in the triggerer until Octopush has computed a campaign.

It only reads the status: a trigger may run twice (after a triggerer restart), so
create and send stay in the worker. The one side effect it has is the cancel of
``on_kill`` (Airflow 3.3+), which runs only when a user kills the deferred task and is
harmless to repeat. The status call is the hook's async twin (httpx, one kept-alive
client across polls, the same retry policy) and the connection is read with the async
API, so nothing blocks the triggerer's event loop and no thread competes with it.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import httpx  # noqa: F401 - imported here, with the module, so that no first poll imports it inside the loop
from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_octopush.api.facts import COMPUTING
from airflow_provider_octopush.exceptions import to_event
from airflow_provider_octopush.hooks.octopush import OctopushHook
from airflow_provider_octopush.rules.arguments import parse_ticket
from airflow_provider_octopush.steps.campaign import as_status_error, cancel_refused

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


class VoiceCampaignComputedTrigger(BaseTrigger):
    """Fire once the campaign is no longer ``under_computation``, or at ``deadline``, or on any failure.

    :param ticket_number: the campaign.
    :param octopush_conn_id: the Octopush connection.
    :param poll_interval: seconds between two status reads.
    :param deadline: epoch seconds; absolute, so that a restarted trigger keeps the same bound.
        ``None`` for a wait the scheduler started (a sensor's ``start_from_trigger``): then
        Airflow's own time-out of the deferral (``timeout_after``, stored with the task) less
        ``deadline_margin``, so that this trigger's "timeout" event comes first.
    :param deadline_margin: see ``deadline``.
    :param cancel_on_kill: cancel the campaign when a user kills the deferred task (mark failed,
        mark success, clear): for the operator that created it, not for a sensor watching it.
    :param limit: which limit set ``deadline`` (e.g. ``"execution_timeout=600 s"``), handed back in
        the event so that the resumed task can say which one ran out.
    :param channel: ``"voice"`` or ``"sms"``: the kind of campaign (its status endpoint).

    The event's payload: ``{"ticket_number", "outcome": "computed" | "timeout" | "error",
    "response": <last status answer> | None, "error": <the error> | None, "limit"}``, the error as
    :func:`~airflow_provider_octopush.exceptions.to_event` describes it (class, text, HTTP
    status, Octopush code), so that the resumed task raises the same class. Every failure,
    whatever its kind (the connection missing in the triggerer, TLS, a bug), becomes an
    "error" event, so that the task always resumes and decides what happens to the campaign.
    """

    def __init__(
        self,
        ticket_number: str,
        octopush_conn_id: str,
        poll_interval: float,
        deadline: float | None,
        cancel_on_kill: bool = False,
        limit: str = "the deadline",
        deadline_margin: float = 0.0,
        channel: str = "voice",
    ) -> None:
        super().__init__()
        self.channel = channel
        self.limit = limit
        self.deadline_margin = deadline_margin
        self.ticket_number = ticket_number
        self.octopush_conn_id = octopush_conn_id
        self.poll_interval = poll_interval
        self.deadline = deadline
        self.cancel_on_kill = cancel_on_kill

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "ticket_number": self.ticket_number,
                "octopush_conn_id": self.octopush_conn_id,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
                "cancel_on_kill": self.cancel_on_kill,
                "limit": self.limit,
                "deadline_margin": self.deadline_margin,
                "channel": self.channel,
            },
        )

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        """Render the ticket in the triggerer (a sensor's ``start_from_trigger``, Airflow 3.3+).

        ``ti.xcom_pull(task_ids=...)`` without ``map_indexes`` asks for every map index, a
        request Airflow 3.3.2's triggerer cannot answer: the render would wait forever. The
        template gets a task instance whose ``xcom_pull`` asks for this task's own map index
        unless told otherwise, the one XCom a ticket can come from.
        """
        context = dict(context)
        for name in ("ti", "task_instance"):
            if name in context:
                context[name] = _OneXComPerTask(context[name])
        super().render_template_fields(context, jinja_env)

    def _deadline(self) -> float:
        if self.deadline is not None:
            return self.deadline
        timeout_after = getattr(self, "timeout_after", None)  # set by the triggerer (Airflow 3.3+)
        return timeout_after.timestamp() - self.deadline_margin if timeout_after else float("inf")

    def _event(
        self, outcome: str, response: dict[str, Any] | None = None, error: dict[str, Any] | None = None
    ) -> TriggerEvent:
        return TriggerEvent(
            {
                "ticket_number": self.ticket_number,
                "outcome": outcome,
                "response": response,
                "error": error,
                "limit": self.limit,
            }
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = OctopushHook(self.octopush_conn_id, channel=self.channel)
        try:
            # Started by the scheduler, the ticket was rendered here, never checked by a worker.
            self.ticket_number = parse_ticket(self.ticket_number)
            deadline = self._deadline()
            await hook.aload_settings()
            while True:
                response = await hook.aget_campaign_status(self.ticket_number)
                if response.get("status") != COMPUTING:
                    yield self._event("computed", response)
                    return
                remaining = deadline - time.time()
                if remaining <= 0:
                    yield self._event("timeout", response)
                    return
                # debug: a triggerer may hold hundreds of these, each polling every few seconds
                self.log.debug("Octopush campaign %s is still being computed", self.ticket_number)
                await asyncio.sleep(min(self.poll_interval, remaining))
        except asyncio.CancelledError:
            raise  # the triggerer stops this trigger (restart, user kill): not a failure of the campaign
        except Exception as err:  # anything: the resumed task must learn of it, or the campaign stays prepared
            yield self._event("error", error=to_event(as_status_error(self.ticket_number, err)))
        finally:
            await hook.aclose()

    async def on_kill(self) -> None:
        """A user killed the deferred task (Airflow 3.3+): cancel the campaign it created, as its on_kill would.

        Not called on triggerer restarts or redistribution, where the task goes on waiting.
        """
        if not self.cancel_on_kill:
            return
        hook = OctopushHook(self.octopush_conn_id, channel=self.channel)
        try:
            await hook.aload_settings()
            await hook.acancel_campaign(self.ticket_number)
            self.log.info("Task killed while waiting: Octopush campaign %s cancelled", self.ticket_number)
        except Exception as err:  # logged, never raised: the kill goes on regardless
            cancel_refused(self.ticket_number, err, self.log)
        finally:
            await hook.aclose()


class _OneXComPerTask:
    """A task instance for templates rendered in the triggerer: ``xcom_pull`` defaults to one map index."""

    def __init__(self, ti: Any) -> None:
        self._ti = ti

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ti, name)

    def xcom_pull(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("map_indexes", self._ti.map_index)
        return self._ti.xcom_pull(*args, **kwargs)
