"""A recipient's final result from its reports, in any order: pure, no server."""

from __future__ import annotations

from airflow_provider_octopush.rules.reports import read_report
from airflow_provider_octopush.rules.results import MISSING_LISTED, Tally


def row(number: str, status: str, **fields: object) -> dict:
    return read_report({"message_id": "voice_1", "number": number, "status": status, **fields}).as_row()


def test_the_last_final_report_wins_and_a_late_ack_changes_nothing() -> None:
    tally = Tally("voice_1", expected_count=3)
    tally.add([row("+33600000001", "DELIVERED", pressed_keys_code="1"), row("+33600000001", "ACK")])
    tally.add([row("+33600000002", "ACK")])
    assert (len(tally.final), tally.pending, tally.complete) == (1, {"+33600000002"}, False)
    tally.add([row("+33600000002", "BUSY"), row("+33600000003", "VOICEMAIL")])
    summary = tally.summary()
    assert summary["complete"] and summary["pending"] == 0 and summary["missing_count"] == 0
    assert summary["counts"] == {"busy": 1, "delivered": 1, "other": 1}
    assert tally.pressed_keys() == {"+33600000001": "1"}


def test_with_the_numbers_expected_the_missing_are_named() -> None:
    expected = [f"+336000{index:05d}" for index in range(MISSING_LISTED + 5)]
    tally = Tally("voice_1", expected_numbers=expected)
    tally.add([row(expected[0], "DELIVERED")])
    summary = tally.summary()
    assert (summary["expected"], summary["missing_count"], summary["complete"]) == (105, 104, False)
    assert summary["missing"] == expected[1 : MISSING_LISTED + 1]


def test_a_count_only_tally_is_complete_at_the_count_and_never_without_one() -> None:
    assert not Tally("voice_1").complete
    tally = Tally("voice_1", expected_count=1)
    tally.add([row("+33600000001", "NOT_DELIVERED")])
    assert tally.complete and tally.rows()[0]["outcome"] == "not_delivered"
