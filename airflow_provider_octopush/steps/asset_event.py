"""What a task that sent a campaign, or heard its results, tells the DAGs scheduled on its ``outlets`` assets.

Airflow emits an asset event for every outlet of a task that succeeds; the operators that
send (``VoiceCampaignOperator(send=True)``, ``SendVoiceCampaignOperator``) succeed only once
Octopush has accepted the send, so the event means "the calls went out", and its extra
carries the campaign's figures. A cancelled or refused campaign fails the task: no event.
``VoiceResultsSensor`` puts the results' summary (counts per outcome, who is missing) on its events.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from airflow.sdk import Context

# The keys of the event's extra (the downstream DAG's contract).
EXTRA_KEYS = ("ticket_number", "number_of_contacts", "cost", "sending_date", "validated_at")


def sent_extra(
    ticket: str,
    figures: dict[str, Any] | None,
    answer: dict[str, Any] | None,
    *,
    send_at: str | None,
    knows_send_at: bool,
) -> dict[str, Any]:
    """The extra of a sent campaign's event.

    ``validated_at``: when Octopush accepted the send (UTC). ``sending_date``: Octopush's, when
    its answer has one (it documents none); else the campaign's ``send_at``; else, for the task
    that created the campaign (``knows_send_at``), ``validated_at``, the calls leaving at once;
    else ``None`` (a ``SendVoiceCampaignOperator`` does not know the ``send_at`` of a campaign
    another task created). ``number_of_contacts`` and ``cost`` are ``None`` when no status was
    read in this try (a retry finding the campaign sent by an earlier one).
    """
    figures = figures or {}
    validated_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    sending_date = (answer or {}).get("sending_date") or send_at or (validated_at if knows_send_at else None)
    return {
        "ticket_number": ticket,
        "number_of_contacts": figures.get("number_of_contacts"),
        "cost": figures.get("cost"),
        "sending_date": sending_date,
        "validated_at": validated_at,
    }


def announce(context: Context, outlets: Iterable[Any], extra: dict[str, Any]) -> None:
    """Put ``extra`` on the event of each asset outlet (aliases are left to the DAG author)."""
    from airflow.sdk import Asset

    for outlet in outlets:
        if isinstance(outlet, Asset):
            context["outlet_events"][outlet].extra.update(extra)
