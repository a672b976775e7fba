"""Each recipient's final result, from the reports the receiver stored: pure, no I/O.

A recipient is reported once per status (the receiver keeps a duplicate once), maybe in any order: its
``ACK`` (not final) may come after its ``DELIVERED``. So a number's result is its last *final* report;
a number with only an ``ACK`` is still pending, one with no report at all is missing.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.rules.reports import PENDING

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping

MISSING_LISTED = 100  # the missing numbers a summary names (the count is always given)


class Tally:
    """The final result of each number of one campaign or message, as reports arrive.

    ``expected_numbers`` (who was phoned) or ``expected_count`` (how many, e.g. the campaign's
    ``number_of_contacts``) says when every recipient has answered; with numbers, which are missing.
    """

    def __init__(
        self, ticket_number: str, *, expected_numbers: Collection[str] | None = None, expected_count: int | None = None
    ) -> None:
        self.ticket_number = ticket_number
        self.expected_numbers = frozenset(expected_numbers) if expected_numbers is not None else None
        self.expected = len(self.expected_numbers) if self.expected_numbers is not None else expected_count
        self.final: dict[str, dict[str, Any]] = {}
        self.pending: set[str] = set()

    def add(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            number = row["number"]
            if row["outcome"] == PENDING:
                if number not in self.final:
                    self.pending.add(number)
                continue
            self.final[number] = dict(row)
            self.pending.discard(number)

    @property
    def complete(self) -> bool:
        if self.expected_numbers is not None:
            return self.expected_numbers <= self.final.keys()
        return self.expected is not None and len(self.final) >= self.expected

    def missing(self) -> list[str]:
        """The expected numbers without a final result, sorted (empty when only a count is expected)."""
        return sorted(self.expected_numbers - self.final.keys()) if self.expected_numbers is not None else []

    def pressed_keys(self) -> dict[str, str]:
        """The keys each number pressed, for the numbers that pressed any."""
        return {number: row["pressed_keys"] for number, row in sorted(self.final.items()) if row.get("pressed_keys")}

    def summary(self) -> dict[str, Any]:
        missing = self.missing()
        missing_count = (
            len(missing) if self.expected_numbers is not None else max((self.expected or 0) - len(self.final), 0)
        )
        return {
            "ticket_number": self.ticket_number,
            "expected": self.expected,
            "reported": len(self.final),
            "complete": self.complete,
            "counts": dict(sorted(Counter(row["outcome"] for row in self.final.values()).items())),
            "statuses": dict(sorted(Counter(row["status"] for row in self.final.values()).items())),
            "pending": len(self.pending),
            "missing_count": missing_count,
            "missing": missing[:MISSING_LISTED],
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per number with a final result, by number."""
        return [self.final[number] for number in sorted(self.final)]
