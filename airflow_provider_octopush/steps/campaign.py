"""The campaign lifecycle after create: wait for the computation, check the budget, send or cancel.

Octopush computes a list campaign's recipients and cost asynchronously; it is sent only
once validated. The operator (normal and deferrable), the notifier and the sensor
share these steps so that the guard between "computed" and "sent" lives in one place.
Imported only at run time, by execute() and the trigger, never by DAG files.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.api.facts import (
    CODE_ALREADY_SENT,
    CODE_NOT_FOUND,
    COMPUTING,
    FAILED,
    SENT_WORDING,
)
from airflow_provider_octopush.exceptions import CampaignNotSent, OctopushApiError, OctopushError, from_event
from airflow_provider_octopush.rules.reading import as_count, finite_number
from airflow_provider_octopush.version_compat import TaskDeferred

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from airflow_provider_octopush.hooks.octopush import OctopushHook
    from airflow_provider_octopush.steps.log import Logger


@dataclass(frozen=True)
class CampaignStatus:
    """What ``GET /voice-campaign-on-list/status`` (or its SMS twin) says of a campaign."""

    ticket_number: str
    status: str
    number_of_contacts: int | float | None = None
    cost: float | None = None
    estimated_duration: float | None = None

    @classmethod
    def from_response(cls, ticket_number: str, body: dict[str, Any]) -> CampaignStatus:
        return cls(
            ticket_number=ticket_number,
            status=str(body.get("status") or COMPUTING),
            number_of_contacts=as_count(body.get("number_of_contacts")),
            cost=finite_number(body.get("cost")),
            estimated_duration=finite_number(body.get("estimated_duration")),
        )

    @property
    def computing(self) -> bool:
        return self.status == COMPUTING

    @property
    def sent(self) -> bool:
        """Octopush reports it sent (see ``SENT_WORDING``): an earlier try's send, or a person's, went through.
        Never a "ready..." status, however spelt (an SMS sample reads ``ready_to_be_send``)."""
        status = self.status.lower()
        return not status.startswith("ready") and any(word in status for word in SENT_WORDING)

    def figures(self) -> dict[str, Any]:
        """For XCom and logs."""
        return {
            "ticket_number": self.ticket_number,
            "status": self.status,
            "number_of_contacts": self.number_of_contacts,
            "cost": self.cost,
            "estimated_duration": self.estimated_duration,
        }


def poll_status(hook: OctopushHook, ticket_number: str) -> CampaignStatus:
    """The campaign's status; a campaign Octopush no longer knows (cancelled) cannot be sent: that is final."""
    try:
        return CampaignStatus.from_response(ticket_number, hook.get_campaign_status(ticket_number))
    except OctopushApiError as err:
        raise as_status_error(ticket_number, err) from None


def as_status_error(ticket_number: str, err: Exception) -> Exception:
    """What a failed status read means for the campaign: one Octopush no longer knows (131) will never be
    sent (:class:`CampaignNotSent`); any other error stands. Shared by the worker's wait and the trigger."""
    if not isinstance(err, OctopushApiError) or err.code != CODE_NOT_FOUND:
        return err
    return CampaignNotSent(
        f"Octopush no longer knows campaign {ticket_number} (code {CODE_NOT_FOUND}): it was cancelled, by an "
        "earlier try, a user or Octopush. Nothing was sent.",
        status=err.status,
        code=err.code,
        api_message=err.api_message,
    )


# What a campaign left awaiting validation does, said wherever a cancel fails.
STILL_PENDING = (
    "cancel it in the Octopush web interface: until it is sent or cancelled, Octopush refuses every new campaign "
    "of its kind on this account (code 126)"
)
WAIT_LOG_EVERY = 60.0  # seconds: a long wait says it is still waiting, without a line per poll


def wait_until_computed(
    hook: OctopushHook, ticket_number: str, *, poll_interval: float, deadline: float, log: Logger
) -> CampaignStatus:
    """Poll until the campaign leaves ``under_computation`` or ``deadline`` (epoch seconds) passes.

    Logs the first status and each change, and otherwise at most once every minute.
    """
    logged_at = -math.inf
    while True:
        status = poll_status(hook, ticket_number)
        if not status.computing or time.time() >= deadline:
            return status
        if time.monotonic() - logged_at >= WAIT_LOG_EVERY:
            logged_at = time.monotonic()
            log.info(
                "Octopush campaign %s is being computed; waiting up to %.0f s more",
                ticket_number,
                max(0.0, deadline - time.time()),
            )
        time.sleep(max(0.0, min(poll_interval, deadline - time.time())))


def status_from_event(event: dict[str, Any]) -> CampaignStatus:
    """The status a :class:`VoiceCampaignComputedTrigger` event carries; its "error" outcome is raised as the
    error the trigger met, of the same class (a no-retry error stays one)."""
    ticket = event["ticket_number"]
    if event["outcome"] == "error":
        raise from_event(event.get("error") or {}, f"Reading the status of Octopush campaign {ticket} failed")
    return CampaignStatus.from_response(ticket, event.get("response") or {})


def budget_problem(status: CampaignStatus, max_cost: float | None, max_contacts: float | None) -> str | None:
    """Why the computed campaign must not be sent, or None. Unknown figures fail a set limit."""
    if max_cost is not None and (status.cost is None or status.cost > max_cost):
        return f"its cost {status.cost} exceeds max_cost {max_cost}"
    if max_contacts is not None and (status.number_of_contacts is None or status.number_of_contacts > max_contacts):
        return f"its {status.number_of_contacts} contacts exceed max_contacts {max_contacts}"
    return None


def cancel_quietly(hook: OctopushHook, ticket_number: str, log: Logger) -> bool:
    """Cancel a campaign we will not send; True once it is cancelled (by us or anybody else).

    A failure is logged, not raised, as it must not hide the error that led here. A campaign
    that is gone already (131: a person or an earlier try cancelled it) is no error; one that
    was sent (132) cannot be cancelled, which is said plainly.
    """
    try:
        hook.cancel_campaign(ticket_number)
    except OctopushError as err:
        return cancel_refused(ticket_number, err, log)
    log.info("Octopush campaign %s cancelled", ticket_number)
    return True


def cancel_refused(ticket_number: str, err: Exception, log: Logger) -> bool:
    """Log why a cancel failed, at the level it deserves; True when the campaign is cancelled all the same."""
    code = getattr(err, "code", None)
    if code == CODE_NOT_FOUND:
        log.info("Octopush campaign %s was cancelled already (by a person, or an earlier try)", ticket_number)
        return True
    if code == CODE_ALREADY_SENT:
        log.warning("Octopush campaign %s was sent already; it cannot be cancelled", ticket_number)
        return False
    log.error("Could not cancel Octopush campaign %s; %s. (%s)", ticket_number, STILL_PENDING, err)
    return False


@contextmanager
def settled_on_failure(
    hook: OctopushHook, ticket_number: str, log: Logger, *, kept: Callable[[BaseException], str | None]
) -> Iterator[None]:
    """Around everything after a create: whatever fails, the campaign is cancelled or left to a retry.

    ``kept(error)`` says why the campaign is not to be cancelled here (a retry resumes it, it was
    cancelled already), or None. A :class:`CampaignNotSent` has settled the campaign already; a
    deferral is no failure.
    """
    try:
        yield
    except (CampaignNotSent, TaskDeferred):
        raise
    except BaseException as err:
        reason = kept(err)
        if reason:
            log.warning("Octopush campaign %s is not cancelled after %s: %s", ticket_number, type(err).__name__, reason)
        else:
            cancel_quietly(hook, ticket_number, log)  # never to be sent by this task: nobody else would cancel it
        raise


def send_if_allowed(
    hook: OctopushHook,
    status: CampaignStatus,
    *,
    max_cost: float | None,
    max_contacts: float | None,
    limit: str,
    log: Logger,
) -> dict[str, Any]:
    """Send a computed campaign that is within budget; otherwise cancel it (if still pending) and raise.

    Returns the send answer (``sending_date``). A campaign that was sent already (an earlier
    try's send went through, or a person sent it) is not sent again: its status says so and
    no send is asked for, or Octopush answers 132; the answer says ``already_sent``. Any other
    status beyond the documented ones is left to Octopush to judge: it sends only a campaign
    that is ready.
    """
    ticket = status.ticket_number
    figures = (
        f"{status.number_of_contacts} contacts, cost {status.cost}, estimated duration {status.estimated_duration}"
    )
    if status.computing:
        cancelled = cancel_quietly(hook, ticket, log)
        raise CampaignNotSent(
            f"Octopush campaign {ticket} was still being computed when {limit} ran out; nothing was sent"
            + (" and it was cancelled" if cancelled else f"; cancelling it failed: {STILL_PENDING}")
            + f". Raise {limit.split('=')[0]} for large lists."
        )
    if status.status == FAILED:
        raise CampaignNotSent(
            f"Octopush campaign {ticket} has status {FAILED!r}; nothing was sent. "
            "Check the list or tag and the campaign in the Octopush web interface."
        )
    if status.sent:
        log.info("Octopush reports campaign %s as %r: it is not sent again", ticket, status.status)
        return {"already_sent": True, "status": status.status}
    problem = budget_problem(status, max_cost, max_contacts)
    if problem:
        cancelled = cancel_quietly(hook, ticket, log)
        raise CampaignNotSent(
            f"Octopush campaign {ticket} was not sent: {problem} ({figures}). "
            + ("It was cancelled." if cancelled else f"Cancelling it failed: {STILL_PENDING}.")
        )
    log.info("Sending Octopush campaign %s: %s", ticket, figures)
    try:
        return hook.send_campaign(ticket)
    except OctopushApiError as err:
        if err.code != CODE_ALREADY_SENT:
            raise
    log.info("Octopush campaign %s was sent already (by an earlier try, or from the web interface)", ticket)
    return {"code": CODE_ALREADY_SENT, "already_sent": True}


def describe_send(ticket: str, answer: dict[str, Any]) -> str:
    """The log line for a send's answer: its sending date when Octopush gave one, never "None"."""
    if answer.get("already_sent"):
        return f"Octopush campaign {ticket} had been sent already; nothing was sent again"
    when = answer.get("sending_date")
    return f"Octopush campaign {ticket} sent" + (f"; sending date {when}" if when else "")
