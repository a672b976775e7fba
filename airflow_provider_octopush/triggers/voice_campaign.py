"""VoiceCampaignComputedTrigger: wait in the triggerer until Octopush has computed a campaign.

It only reads the status: a trigger may run twice (after a triggerer restart), so
create, send and cancel stay in the worker. The status call is the hook's async twin
(httpx, one kept-alive client across polls, the same retry policy) and the connection
is read with the async API, so nothing blocks the triggerer's event loop and no thread
competes with it.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import httpx  # noqa: F401 - imported here, with the module, so that no first poll imports it inside the loop
from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_octopush.campaign import COMPUTING
from airflow_provider_octopush.exceptions import OctopushError
from airflow_provider_octopush.hooks.octopush import OctopushHook

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


class VoiceCampaignComputedTrigger(BaseTrigger):
    """Fire once the campaign is no longer ``under_computation``, or at ``deadline``.

    :param ticket_number: the campaign.
    :param octopush_conn_id: the Octopush connection.
    :param poll_interval: seconds between two status reads.
    :param deadline: epoch seconds; absolute, so that a restarted trigger keeps the same bound.

    The event's payload: ``{"ticket_number", "outcome": "computed" | "timeout" | "error",
    "response": <last status answer> | None, "message": <error text> | None}``.
    """

    def __init__(self, ticket_number: str, octopush_conn_id: str, poll_interval: float, deadline: float) -> None:
        super().__init__()
        self.ticket_number = ticket_number
        self.octopush_conn_id = octopush_conn_id
        self.poll_interval = poll_interval
        self.deadline = deadline

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "ticket_number": self.ticket_number,
                "octopush_conn_id": self.octopush_conn_id,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
            },
        )

    def _event(self, outcome: str, response: dict[str, Any] | None = None, message: str | None = None) -> TriggerEvent:
        return TriggerEvent(
            {"ticket_number": self.ticket_number, "outcome": outcome, "response": response, "message": message}
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = OctopushHook(self.octopush_conn_id)
        try:
            await hook.aload_settings()
            while True:
                response = await hook.aget_voice_campaign_status(self.ticket_number)
                if response.get("status") != COMPUTING:
                    yield self._event("computed", response)
                    return
                remaining = self.deadline - time.time()
                if remaining <= 0:
                    yield self._event("timeout", response)
                    return
                # debug: a triggerer may hold hundreds of these, each polling every few seconds
                self.log.debug("Octopush campaign %s is still being computed", self.ticket_number)
                await asyncio.sleep(min(self.poll_interval, remaining))
        except OctopushError as err:
            yield self._event("error", message=str(err))
        finally:
            await hook.aclose()
