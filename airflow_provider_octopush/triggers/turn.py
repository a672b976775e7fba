"""AccountFreeTrigger: wait in the triggerer for the account's turn, holding no worker slot.

A create refused because another campaign awaits validation (126) defers here: the trigger reads
the account's draft (``GET /voice-campaign/draft``, no side effect) at the interval
:mod:`~airflow_provider_octopush.rules.turns` sets, until the account holds none or the deadline
passes. It only reads: the create is made by the resumed task, in the worker, so a trigger that
runs twice (a triggerer restart) creates nothing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_octopush.api.answers import Draft
from airflow_provider_octopush.exceptions import to_event
from airflow_provider_octopush.hooks.octopush import OctopushHook
from airflow_provider_octopush.rules.turns import DEFERRAL_HOLD, claim_lasts, next_read_in, older

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@dataclass
class _Account:
    """The deferred waiters of one account in this triggerer process, and the latest claim of a free turn."""

    waiting: dict[int, float] = field(default_factory=dict)  # id of the trigger -> when it first met the refusal
    claimed_at: float | None = None  # when the longest waiter went to create; None once a draft shows it did


_ACCOUNTS: dict[tuple[str, str], _Account] = {}  # (base URL, login) -> its waiters here


class AccountFreeTrigger(BaseTrigger):
    """Fire once the account holds no campaign awaiting validation, or at ``deadline``, or on any failure.

    :param octopush_conn_id: the Octopush connection (its account).
    :param poll_interval: the longest interval between two reads of the draft.
    :param since: epoch seconds when the task first met the refusal (the wait's age sets the interval).
    :param deadline: epoch seconds, absolute, so that a restarted trigger keeps the same bound.
    :param limit: which limit set ``deadline`` (e.g. ``"wait_timeout=600 s"``), and ``refusal``: the
        refused create's error text; both handed back in the event, for the resumed task's error.

    The event's payload: ``{"outcome": "free" | "timeout" | "error", "draft": <the last draft seen, as
    Draft.as_json> | None, "since", "deadline", "waited": seconds, "limit", "refusal", "error": <the
    error> | None}``: everything the resumed task needs (``dag.test()`` hands a method no kwargs).
    """

    def __init__(
        self, octopush_conn_id: str, poll_interval: float, since: float, deadline: float, limit: str, refusal: str
    ) -> None:
        super().__init__()
        self.octopush_conn_id = octopush_conn_id
        self.poll_interval = poll_interval
        self.since = since
        self.deadline = deadline
        self.limit = limit
        self.refusal = refusal

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "octopush_conn_id": self.octopush_conn_id,
                "poll_interval": self.poll_interval,
                "since": self.since,
                "deadline": self.deadline,
                "limit": self.limit,
                "refusal": self.refusal,
            },
        )

    def _left_to_another(self, account: _Account, now: float) -> bool:
        """The account is free, but another waiter of this triggerer has the turn: it waited longer, or it went to
        create moments ago (its draft will show)."""
        if account.claimed_at is not None and now - account.claimed_at < claim_lasts(self.poll_interval):
            return True
        return older(self.since, id(self), account.waiting)

    def _event(self, outcome: str, draft: Draft | None = None, error: dict[str, Any] | None = None) -> TriggerEvent:
        return TriggerEvent(
            {
                "outcome": outcome,
                "draft": draft.as_json() if draft else None,
                "since": self.since,
                "deadline": self.deadline,
                "waited": round(time.time() - self.since, 1),
                "limit": self.limit,
                "refusal": self.refusal,
                "error": error,
            }
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = OctopushHook(self.octopush_conn_id)
        behind: Draft | None = None
        key, account, started = id(self), _Account(), time.monotonic()
        try:
            settings = await hook.aload_settings()
            account = _ACCOUNTS.setdefault((settings.base_url, settings.login), account)
            account.waiting[key] = self.since
            while True:
                body = await hook.aget_campaign_draft()
                draft = Draft.from_response(body) if body else None
                now = time.time()
                held = time.monotonic() - started < DEFERRAL_HOLD and now < self.deadline
                if draft is None and not held and not self._left_to_another(account, now):
                    account.claimed_at = now
                    yield self._event("free", behind)
                    return
                if draft is not None:
                    account.claimed_at = None  # the claim, if any, made its draft: wait for that one now
                    if behind is None or draft.ticket_number != behind.ticket_number:
                        self.log.info("Waiting for the turn behind Octopush %s", draft.describe())
                    behind = draft
                if now >= self.deadline:
                    yield self._event("timeout", draft or behind)
                    return
                await asyncio.sleep(min(next_read_in(self.poll_interval, now - self.since), self.deadline - now))
        except asyncio.CancelledError:
            raise  # the triggerer stops this trigger (restart, user kill): the task goes on waiting or ends
        except Exception as err:  # anything: the resumed task must learn of it
            yield self._event("error", behind, error=to_event(err))
        finally:
            account.waiting.pop(key, None)
            await hook.aclose()
