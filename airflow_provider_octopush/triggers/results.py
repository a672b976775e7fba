"""VoiceResultsTrigger: wait in the triggerer until every recipient of a ticket has a final result, or a deadline.

It only reads the receiver (no side effect), so running twice after a triggerer restart is harmless; it keeps
a tally of who answered and hands back only the outcome: the resumed task reads the rows itself, so no event
carries 100 000 of them.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_octopush.exceptions import OctopushConnectionError, OctopushError, to_event
from airflow_provider_octopush.hooks.octopush import OctopushHook
from airflow_provider_octopush.rules.results import Tally
from airflow_provider_octopush.steps.results import aread_pages

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


class VoiceResultsTrigger(BaseTrigger):
    """Fire ``{"outcome": "complete" | "deadline" | "error", "summary", "error"}``.

    :param deadline: epoch seconds, absolute so that a restarted trigger keeps the same bound.
    A receiver that cannot be read (the API server restarting) is read again at the next poll until the
    deadline; a connection without ``callback_secret`` is an error at once.
    """

    def __init__(
        self,
        ticket_number: str,
        octopush_conn_id: str,
        poll_interval: float,
        deadline: float,
        expected_numbers: list[str] | None = None,
        expected_count: int | None = None,
    ) -> None:
        super().__init__()
        self.ticket_number = ticket_number
        self.octopush_conn_id = octopush_conn_id
        self.poll_interval = poll_interval
        self.deadline = deadline
        self.expected_numbers = expected_numbers
        self.expected_count = expected_count

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "ticket_number": self.ticket_number,
                "octopush_conn_id": self.octopush_conn_id,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
                "expected_numbers": self.expected_numbers,
                "expected_count": self.expected_count,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = OctopushHook(self.octopush_conn_id)
        tally = Tally(self.ticket_number, expected_numbers=self.expected_numbers, expected_count=self.expected_count)
        read = 0  # the last row id read: each poll reads only the new reports
        while True:
            try:
                async for rows, last in aread_pages(hook, self.ticket_number, read):
                    tally.add(rows)
                    read = last
            except OctopushConnectionError as err:
                yield TriggerEvent({"outcome": "error", "error": to_event(err), "summary": None})
                return
            except OctopushError as err:
                self.log.warning("%s; reading again in %g s", err, self.poll_interval)
            if tally.complete or time.time() >= self.deadline:
                outcome = "complete" if tally.complete else "deadline"
                yield TriggerEvent({"outcome": outcome, "error": None, "summary": tally.summary()})
                return
            await asyncio.sleep(min(self.poll_interval, max(self.deadline - time.time(), 0)))
