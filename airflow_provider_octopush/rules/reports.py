"""Octopush's delivery reports: what one callback says about one recipient, read from the fields it sent.

Octopush pushes one report per recipient and status to the account's ``callback_url_for_deliveries``; its
pages disagree on the status values and do not say whether the fields come as JSON, a form or a query string.
So the reading is tolerant in what it accepts (any of the three, numbers as text, unknown fields ignored,
``status`` open text: the known values mapped to an outcome, any other kept as sent) and strict in what it
keeps (the three fields that identify a report present, every kept text bounded).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.exceptions import DeliveryReportError
from airflow_provider_octopush.rules.reading import describe, finite_number, is_unset

if TYPE_CHECKING:
    from collections.abc import Mapping

# Status (upper case, as Octopush sends it) -> outcome. From both of Octopush's pages: the current unified
# one (ACK ... UNDEFINED) and the older voice one (BUSY, REFUSED, NOT_DELIVERABLE). ACK only says an operator
# took the message: not final. Every other status, known or not, is the recipient's final outcome.
OUTCOMES: dict[str, str] = {
    "DELIVERED": "delivered",
    "NOT_DELIVERED": "not_delivered",
    "NOT_DELIVERABLE": "not_delivered",
    "BUSY": "busy",
    "REFUSED": "refused",
    "NOT_ALLOWED": "refused",
    "BLACKLISTED_NUMBER": "blacklisted",
    "BAD_DESTINATION": "bad_destination",
    "UNKNOWN_DELIVERY": "unknown",
    "UNDEFINED": "unknown",
    "ACK": "pending",
}
OTHER_OUTCOME = "other"  # a status neither page lists: kept as sent, counted as final
PENDING = "pending"
# The longest text kept from a report (Octopush's tickets are ~20 characters, numbers at most 15 digits).
MAX_TEXT = {"message_id": 64, "number": 32, "status": 64, "channel": 32, "delivery_date": 32, "pressed_keys": 64}


@dataclass(frozen=True)
class DeliveryReport:
    """One recipient's status in one campaign or message, as Octopush reported it."""

    message_id: str  # the ticket the create call returned
    number: str  # E.164, as Octopush sent it
    status: str  # upper case, as sent (open text)
    outcome: str  # the status mapped (OUTCOMES), or "other"
    channel: str | None = None
    delivery_date: str | None = None  # "Y-m-d H:i:s" as sent; Octopush does not say in which time zone
    pressed_keys: str | None = None  # pressed_keys_code: the keys typed, format undocumented, kept as sent
    call_duration: float | None = None  # seconds
    charged_duration: float | None = None  # seconds

    @property
    def final(self) -> bool:
        """Whether this is the recipient's last word (anything but ACK)."""
        return self.outcome != PENDING

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


def _text(fields: Mapping[str, Any], name: str, source: str | None = None) -> str | None:
    raw = fields.get(source or name)
    if is_unset(raw) or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise DeliveryReportError(f"field {source or name!r} is {describe(raw)}; it must be a text")
    text = str(raw).strip()
    if len(text) > MAX_TEXT[name]:
        raise DeliveryReportError(
            f"field {source or name!r} is {len(text)} characters long; at most {MAX_TEXT[name]} kept"
        )
    return text


def _required(fields: Mapping[str, Any], name: str) -> str:
    text = _text(fields, name)
    if text is None:
        raise DeliveryReportError(f"field {name!r} is missing or empty")
    return text


def _seconds(fields: Mapping[str, Any], name: str) -> float | None:
    raw = fields.get(name)
    if is_unset(raw):
        return None
    number = finite_number(raw)
    if number is None or number < 0:
        raise DeliveryReportError(f"field {name!r} is {describe(raw)}; it must be a number of seconds, 0 or more")
    return number


def read_report(fields: Mapping[str, Any]) -> DeliveryReport:
    """The report these fields make (a JSON object, a form or a query string, already decoded)."""
    status = _required(fields, "status").upper()
    return DeliveryReport(
        message_id=_required(fields, "message_id"),
        number=_required(fields, "number"),
        status=status,
        outcome=OUTCOMES.get(status, OTHER_OUTCOME),
        channel=_text(fields, "channel"),
        delivery_date=_text(fields, "delivery_date"),
        pressed_keys=_text(fields, "pressed_keys", "pressed_keys_code"),
        call_duration=_seconds(fields, "call_duration"),
        charged_duration=_seconds(fields, "charged_duration"),
    )
