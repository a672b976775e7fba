"""Taking the account's turn in the worker: on a create refused because another campaign awaits
validation (126), read the draft until it is gone, then create again (the policy and its words are
:mod:`~airflow_provider_octopush.rules.turns`; the deferred twin is
:class:`~airflow_provider_octopush.triggers.turn.AccountFreeTrigger`). Imported only at run time.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.api.facts import CODE_DRAFT_PENDING, READY
from airflow_provider_octopush.exceptions import OctopushRejectedError, with_advice
from airflow_provider_octopush.rules.turns import how_to_free, next_read_in, waited_too_long
from airflow_provider_octopush.steps.draft_recovery import create_or_recover, find_draft, recoverable

if TYPE_CHECKING:
    from airflow_provider_octopush.api.answers import Draft
    from airflow_provider_octopush.hooks.octopush import OctopushHook
    from airflow_provider_octopush.steps.log import Logger


def is_turn_refusal(error: BaseException) -> bool:
    """A create refused because another campaign holds the account's one draft (code 126)."""
    return isinstance(error, OctopushRejectedError) and error.code == CODE_DRAFT_PENDING


def create_in_turn(
    hook: OctopushHook,
    payload: dict[str, Any],
    log: Logger,
    *,
    deadline: float,
    limit: str,
    poll_interval: float,
) -> tuple[str, dict[str, Any] | None]:
    """:func:`~airflow_provider_octopush.steps.draft_recovery.create_or_recover`, waiting for the account's
    turn (in this process) as often as another campaign holds it, until ``deadline`` (epoch seconds)."""
    since: float | None = None
    while True:
        try:
            return create_or_recover(hook, payload, log)
        except OctopushRejectedError as refusal:
            if not is_turn_refusal(refusal) or not recoverable(hook):  # no draft to watch: the refusal stands
                raise
            again = since is not None  # refused right after the account was seen free: read it after a pause
            since = since or time.time()
            wait_for_turn(
                hook,
                refusal,
                log,
                since=since,
                deadline=deadline,
                limit=limit,
                poll_interval=poll_interval,
                pause_first=again,
            )


def wait_for_turn(
    hook: OctopushHook,
    refusal: OctopushRejectedError,
    log: Logger,
    *,
    since: float,
    deadline: float,
    limit: str,
    poll_interval: float,
    pause_first: bool = False,
) -> None:
    """Return once the account holds no draft; past ``deadline``, raise ``refusal`` saying what it waited behind."""
    behind: Draft | None = None
    if pause_first:  # refused although the account looked free: Octopush's draft lags, or another create won
        time.sleep(min(next_read_in(poll_interval, time.time() - since), max(0.0, deadline - time.time())))
    while True:
        draft = find_draft(hook)
        now = time.time()
        if draft is None:
            if pause_first and now >= deadline:
                raise with_advice(refusal, waited_too_long(behind, now - since, limit)) from None
            log.info("Octopush: the account holds no campaign awaiting validation now; creating this one")
            return
        if behind is None or draft.ticket_number != behind.ticket_number:
            log.info(
                "Octopush: %s awaits validation on this account; waiting for the turn behind it (%.0f s so far, "
                "until %s)",
                draft.describe(),
                now - since,
                limit,
            )
            if draft.status == READY:
                log.info("Octopush: %s", how_to_free(draft.ticket_number))
        behind = draft
        if now >= deadline:
            raise with_advice(refusal, waited_too_long(draft, now - since, limit)) from None
        time.sleep(min(next_read_in(poll_interval, now - since), deadline - now))
