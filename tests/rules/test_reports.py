"""Reading a delivery report from a callback's fields: pure, no server."""

from __future__ import annotations

import pytest

from airflow_provider_octopush.exceptions import DeliveryReportError
from airflow_provider_octopush.rules.reports import OUTCOMES, read_report

FIELDS = {"message_id": "voice_5f3fbce61266e", "number": "+33612345678", "status": "DELIVERED"}


@pytest.mark.parametrize(
    ("status", "outcome", "final"),
    [
        ("DELIVERED", "delivered", True),
        ("busy", "busy", True),  # any case: Octopush's pages spell statuses in upper case, a proxy may not
        (" NOT_DELIVERABLE ", "not_delivered", True),
        ("ACK", "pending", False),
        ("VOICEMAIL", "other", True),  # in neither page: kept as sent, and final
    ],
)
def test_the_status_is_open_text_known_values_mapped(status: str, outcome: str, final: bool) -> None:
    report = read_report({**FIELDS, "status": status})
    assert (report.status, report.outcome, report.final) == (status.strip().upper(), outcome, final)


def test_both_pages_statuses_are_known() -> None:
    current = {
        "ACK",
        "DELIVERED",
        "NOT_DELIVERED",
        "NOT_ALLOWED",
        "UNKNOWN_DELIVERY",
        "BAD_DESTINATION",
        "BLACKLISTED_NUMBER",
        "UNDEFINED",
    }
    older_voice = {"DELIVERED", "NOT_DELIVERED", "NOT_DELIVERABLE", "BUSY", "REFUSED", "BLACKLISTED_NUMBER"}
    assert current | older_voice == set(OUTCOMES)


def test_voice_fields_are_read_from_text_and_unknown_fields_ignored() -> None:
    report = read_report(
        {**FIELDS, "pressed_keys_code": "12", "call_duration": "31", "charged_duration": 60, "meta_data": {"a": 1}}
    )
    assert (report.pressed_keys, report.call_duration, report.charged_duration) == ("12", 31.0, 60)
    assert "meta_data" not in report.as_row()


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"number": "+33612345678", "status": "DELIVERED"}, "message_id"),
        ({**FIELDS, "number": "  "}, "number"),
        ({**FIELDS, "status": None}, "status"),
        ({**FIELDS, "number": ["+33612345678"]}, "number"),
        ({**FIELDS, "status": True}, "status"),
        ({**FIELDS, "call_duration": "long"}, "call_duration"),
        ({**FIELDS, "charged_duration": -1}, "charged_duration"),
        ({**FIELDS, "message_id": "v" * 65}, "message_id"),
    ],
)
def test_a_report_that_cannot_be_read_names_its_field(fields: dict, named: str) -> None:
    with pytest.raises(DeliveryReportError, match=repr(named)):
        read_report(fields)
