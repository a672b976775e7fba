"""The campaign lifecycle after create: wait for the computation, check the budget, send or cancel.

Octopush computes a list campaign's recipients and cost asynchronously; it is sent only
once validated. The operator (normal and deferrable), the notifier and the sensor
share these steps so that the guard between "computed" and "sent" lives in one place.
Imported only at run time, by execute() and the trigger, never by DAG files.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_octopush.exceptions import (
    CampaignNotSent,
    CampaignParameterError,
    OctopushApiError,
    OctopushError,
)
from airflow_provider_octopush.octopush_api import CODE_ALREADY_SENT, CODE_NOT_FOUND, COMPUTING, FAILED

if TYPE_CHECKING:
    from airflow_provider_octopush.hooks.octopush import OctopushHook


class Logger(Protocol):
    """What these steps need of a log: a task's or a notifier's (Airflow's own type), or the stdlib's."""

    def info(self, msg: str, /, *args: Any) -> Any: ...

    def error(self, msg: str, /, *args: Any) -> Any: ...


def _number(value: Any) -> float | None:
    """Octopush figures may come as numbers or numeric strings; anything else is unknown."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _count(value: Any) -> int | float | None:
    """A contact count: whole numbers as int, so that messages say 25, not 25.0."""
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else number


@dataclass(frozen=True)
class CampaignStatus:
    """What ``GET /voice-campaign-on-list/status`` says of a campaign."""

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
            number_of_contacts=_count(body.get("number_of_contacts")),
            cost=_number(body.get("cost")),
            estimated_duration=_number(body.get("estimated_duration")),
        )

    @property
    def computing(self) -> bool:
        return self.status == COMPUTING

    def figures(self) -> dict[str, Any]:
        """For XCom and logs."""
        return {
            "ticket_number": self.ticket_number,
            "status": self.status,
            "number_of_contacts": self.number_of_contacts,
            "cost": self.cost,
            "estimated_duration": self.estimated_duration,
        }


def check_limits(max_cost: float | None, max_contacts: int | None, poll_interval: float, wait_timeout: float) -> None:
    """Reject nonsense limits before a campaign is created, naming the argument and the rule."""
    for name, value in (("max_cost", max_cost), ("max_contacts", max_contacts)):
        if value is not None and (isinstance(value, bool) or _number(value) is None or float(value) < 0):
            raise CampaignParameterError(name, f"got {value!r}", "a number of 0 or more, or None for no limit")
    for name, value in (("poll_interval", poll_interval), ("wait_timeout", wait_timeout)):
        if isinstance(value, bool) or _number(value) is None or float(value) <= 0:
            raise CampaignParameterError(name, f"got {value!r}", "a number of seconds greater than 0")


def poll_status(hook: OctopushHook, ticket_number: str) -> CampaignStatus:
    """The campaign's status; a campaign Octopush no longer knows (cancelled) cannot be sent: that is final."""
    try:
        return CampaignStatus.from_response(ticket_number, hook.get_voice_campaign_status(ticket_number))
    except OctopushApiError as err:
        if err.code != CODE_NOT_FOUND:
            raise
        raise CampaignNotSent(
            f"Octopush no longer knows campaign {ticket_number} (code {CODE_NOT_FOUND}): it was cancelled, by an "
            "earlier try, a user or Octopush. Nothing was sent.",
            status=err.status,
            code=err.code,
            api_message=err.api_message,
        ) from None


def wait_until_computed(
    hook: OctopushHook, ticket_number: str, *, poll_interval: float, deadline: float, log: Logger
) -> CampaignStatus:
    """Poll until the campaign leaves ``under_computation`` or ``deadline`` (epoch seconds) passes."""
    while True:
        status = poll_status(hook, ticket_number)
        if not status.computing or time.time() >= deadline:
            return status
        log.info("Octopush campaign %s is still being computed; next look in %.0f s", ticket_number, poll_interval)
        time.sleep(max(0.0, min(poll_interval, deadline - time.time())))


def status_from_event(event: dict[str, Any]) -> CampaignStatus:
    """The status a :class:`VoiceCampaignComputedTrigger` event carries; its "error" outcome is raised."""
    ticket = event["ticket_number"]
    if event["outcome"] == "error":
        raise OctopushError(f"Reading the status of Octopush campaign {ticket} failed: {event.get('message')}")
    return CampaignStatus.from_response(ticket, event.get("response") or {})


def budget_problem(status: CampaignStatus, max_cost: float | None, max_contacts: int | None) -> str | None:
    """Why the computed campaign must not be sent, or None. Unknown figures fail a set limit."""
    if max_cost is not None and (status.cost is None or status.cost > max_cost):
        return f"its cost {status.cost} exceeds max_cost {max_cost}"
    if max_contacts is not None and (status.number_of_contacts is None or status.number_of_contacts > max_contacts):
        return f"its {status.number_of_contacts} contacts exceed max_contacts {max_contacts}"
    return None


def cancel_quietly(hook: OctopushHook, ticket_number: str, log: Logger) -> bool:
    """Cancel a campaign we will not send; a failure is logged, not raised, as it must not hide the cause."""
    try:
        hook.cancel_voice_campaign(ticket_number)
    except OctopushError as err:
        log.error(
            "Could not cancel Octopush campaign %s: %s. Cancel it in the Octopush web interface.", ticket_number, err
        )
        return False
    log.info("Octopush campaign %s cancelled", ticket_number)
    return True


def send_if_allowed(
    hook: OctopushHook,
    status: CampaignStatus,
    *,
    max_cost: float | None,
    max_contacts: int | None,
    wait_timeout: float,
    log: Logger,
) -> dict[str, Any]:
    """Send a computed campaign that is within budget; otherwise cancel it (if still pending) and raise.

    Returns the send answer (``sending_date``). A campaign that was sent already (an earlier
    try's send went through, or a person sent it) is not sent again: Octopush answers 132,
    and the answer says ``already_sent``. A status other than the documented ones is left to
    Octopush to judge: it sends only a campaign that is ready.
    """
    ticket = status.ticket_number
    figures = (
        f"{status.number_of_contacts} contacts, cost {status.cost}, estimated duration {status.estimated_duration}"
    )
    if status.computing:
        cancelled = cancel_quietly(hook, ticket, log)
        raise CampaignNotSent(
            f"Octopush campaign {ticket} was still being computed after wait_timeout={wait_timeout} s; nothing was "
            f"sent{' and it was cancelled' if cancelled else ''}. Raise wait_timeout for large lists."
        )
    if status.status == FAILED:
        raise CampaignNotSent(
            f"Octopush campaign {ticket} has status {FAILED!r}; nothing was sent. "
            "Check the list or tag and the campaign in the Octopush web interface."
        )
    problem = budget_problem(status, max_cost, max_contacts)
    if problem:
        cancelled = cancel_quietly(hook, ticket, log)
        raise CampaignNotSent(
            f"Octopush campaign {ticket} was not sent: {problem} ({figures}). "
            + ("It was cancelled." if cancelled else "Cancelling it failed: cancel it in the Octopush web interface.")
        )
    log.info("Sending Octopush campaign %s: %s", ticket, figures)
    try:
        return hook.send_voice_campaign(ticket)
    except OctopushApiError as err:
        if err.code != CODE_ALREADY_SENT:
            raise
    log.info("Octopush campaign %s was sent already (by an earlier try, or from the web interface)", ticket)
    return {"code": CODE_ALREADY_SENT, "already_sent": True}
