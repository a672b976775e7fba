"""A ``send_at`` in the past is never passed on silently: the decision, given the time (no clock here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.exceptions import CampaignParameterError
from airflow_provider_octopush.rules.arguments import DEFAULT_SEND_AT_GRACE, parse_grace, parse_policy
from airflow_provider_octopush.rules.values import format_send_at, parse_send_at

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True)
class SendAtDecision:
    """What to do with a campaign whose ``send_at`` was checked against the clock."""

    payload: dict[str, Any]
    warning: str | None = None
    skip_reason: str | None = None


def resolve_send_at(
    payload: Mapping[str, Any],
    *,
    now: datetime,
    grace: timedelta = DEFAULT_SEND_AT_GRACE,
    on_past_send_at: str = "fail",
) -> SendAtDecision:
    """Never pass a past ``send_at`` on silently.

    Up to ``grace`` late: send now (``send_at`` dropped) with a warning. Older: by
    ``on_past_send_at``, fail (the default), skip, or send now with a warning. That
    is the choice a backfill over past dates has to make.
    """
    policy = parse_policy(on_past_send_at)
    grace = parse_grace(grace)
    if "send_at" not in payload:
        return SendAtDecision(dict(payload))
    send_at = parse_send_at(payload["send_at"])
    late = now - send_at
    if late <= timedelta(0):
        return SendAtDecision(dict(payload))
    now_payload = {name: value for name, value in payload.items() if name != "send_at"}
    lateness = f"send_at {format_send_at(send_at)} is {_format_delta(late)} in the past"
    if late <= grace:
        return SendAtDecision(now_payload, warning=f"{lateness} (within the {_format_delta(grace)} grace): sending now")
    if policy == "send_now":
        return SendAtDecision(now_payload, warning=f"{lateness}: sending now, as on_past_send_at='send_now' asks")
    if policy == "skip":
        return SendAtDecision(now_payload, skip_reason=f"{lateness}: skipped, as on_past_send_at='skip' asks")
    raise CampaignParameterError(
        "send_at",
        f"{lateness}, beyond the {_format_delta(grace)} grace",
        "a time in the future; for runs over past dates (backfills) set on_past_send_at to 'skip' or "
        "'send_now', or widen send_at_grace",
    )


def _format_delta(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{seconds:02d}s"
    return f"{seconds}s"
