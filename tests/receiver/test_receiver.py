"""The receiver's routes, served by uvicorn on a free loopback port, against the test Airflow's database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import Receiver, connection_json

from airflow_provider_octopush.receiver import store
from airflow_provider_octopush.receiver.app import MAX_BODY
from airflow_provider_octopush.rules.reports import read_report

SECRET = "s" * 20 + "-_0123456789abcdefghij"  # 42 URL-safe characters
OTHER_SECRET = "o" * 43
REPORT = {"message_id": "voice_5f3fbce61266e", "number": "+33612345678", "status": "DELIVERED", "channel": "voice_sms"}


class Client(Receiver):
    """The receiver, with this module's report and secret as defaults."""

    def results(self, conn_id: str, message_id: str, token: str | None = SECRET, after: int = 0) -> Any:
        return super().results(conn_id, message_id, token, after)

    def rows(self, conn_id: str, message_id: str = REPORT["message_id"], token: str = SECRET) -> list[dict[str, Any]]:
        return super().rows(conn_id, message_id, token)


@pytest.fixture
def receiver(receiver_server: str, monkeypatch: pytest.MonkeyPatch) -> Client:
    """Connections ``results_a`` and ``results_b`` with their own secrets, ``no_secret`` without; no reports."""
    monkeypatch.setenv("AIRFLOW_CONN_RESULTS_A", connection_json("http://unused", callback_secret=SECRET))
    monkeypatch.setenv("AIRFLOW_CONN_RESULTS_B", connection_json("http://unused", callback_secret=OTHER_SECRET))
    monkeypatch.setenv("AIRFLOW_CONN_NO_SECRET", connection_json("http://unused"))
    Receiver.forget_every_report()
    return Client(receiver_server)


def test_a_json_report_is_stored_and_answered_with_an_empty_body(receiver: Client) -> None:
    answer = receiver.callback("results_a", SECRET, json={**REPORT, "pressed_keys_code": "1", "call_duration": 31})
    assert (answer.status_code, answer.content) == (200, b"")
    [row] = receiver.rows("results_a")
    assert row["number"] == "+33612345678" and row["outcome"] == "delivered"
    assert (row["pressed_keys"], row["call_duration"], row["channel"]) == ("1", 31.0, "voice_sms")


@pytest.mark.parametrize("encoding", ["form", "query string", "form without a content type"])
def test_form_and_query_string_reports_are_stored_unknown_fields_ignored(receiver: Client, encoding: str) -> None:
    fields = {**REPORT, "status": "Voicemail_Left", "meta_data": "whatever", "sim_card_number": "x"}
    if encoding == "form":
        answer = receiver.callback("results_a", SECRET, data=fields)
    elif encoding == "query string":
        answer = receiver.callback("results_a", SECRET, method="GET", params=fields)
    else:
        body = "&".join(f"{key}={value}" for key, value in fields.items())
        answer = receiver.callback("results_a", SECRET, data=body.replace("+", "%2B"), headers={"Content-Type": ""})
    assert (answer.status_code, answer.content) == (200, b"")
    [row] = receiver.rows("results_a")
    assert (row["number"], row["status"], row["outcome"]) == ("+33612345678", "VOICEMAIL_LEFT", "other")


def test_a_report_delivered_twice_counts_once(receiver: Client) -> None:
    for _ in range(3):
        assert receiver.callback("results_a", SECRET, json=REPORT).status_code == 200
    assert receiver.callback("results_a", SECRET, json={**REPORT, "status": "ACK"}).status_code == 200
    assert [row["status"] for row in receiver.rows("results_a")] == ["DELIVERED", "ACK"]


@pytest.mark.parametrize(
    ("conn_id", "secret"),
    [
        ("results_a", SECRET[:-1] + "X"),  # one character off
        ("results_a", OTHER_SECRET),  # another connection's secret
        ("results_b", SECRET),
        ("no_secret", SECRET),  # a connection that receives nothing
        ("missing", SECRET),
        ("results_a", ""),
    ],
)
def test_a_wrong_secret_is_refused_and_stores_nothing(receiver: Client, conn_id: str, secret: str) -> None:
    answer = receiver.callback(conn_id, secret, json=REPORT)
    assert answer.status_code == 404 and answer.content == b""
    assert receiver.rows("results_a") == [] and receiver.rows("results_b", token=OTHER_SECRET) == []


def test_reports_reach_only_their_own_connection(receiver: Client) -> None:
    assert receiver.callback("results_b", OTHER_SECRET, json=REPORT).status_code == 200
    assert receiver.rows("results_a") == []
    assert len(receiver.rows("results_b", token=OTHER_SECRET)) == 1
    assert receiver.results("results_b", REPORT["message_id"], token=SECRET).status_code == 404
    assert receiver.results("results_b", REPORT["message_id"], token=None).status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (json.dumps({**REPORT, "padding": "x" * MAX_BODY}), 413),
        ("[1, 2]", 400),
        ('{"message_id": "voice_1", "number": "+336', 400),
        (json.dumps({"message_id": "voice_1", "number": "+33612345678"}), 400),  # no status
        (json.dumps({**REPORT, "call_duration": "-3"}), 400),
        (json.dumps({**REPORT, "number": "+" * 40}), 400),
        (b"\xff\xfe", 400),
    ],
    ids=["oversized", "not an object", "truncated", "no status", "negative duration", "long number", "not utf-8"],
)
def test_an_oversized_or_malformed_body_is_refused_and_stores_nothing(
    receiver: Client, body: str | bytes, status: int
) -> None:
    answer = receiver.callback("results_a", SECRET, data=body, headers={"Content-Type": "application/json"})
    assert (answer.status_code, answer.content) == (status, b"")
    assert receiver.rows("results_a") == [] and receiver.rows("results_a", "voice_1") == []


def test_results_come_in_pages_in_the_order_they_were_stored(receiver: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("airflow_provider_octopush.receiver.app.PAGE", 2)
    for number in range(5):
        assert receiver.callback("results_a", SECRET, json={**REPORT, "number": f"+3361234567{number}"}).ok
    numbers, after = [], 0
    while after is not None:
        page = receiver.results("results_a", REPORT["message_id"], after=after).json()
        numbers += [row["number"] for row in page["reports"]]
        after = page["next"]
    assert numbers == [f"+3361234567{number}" for number in range(5)]


def test_reports_older_than_the_retention_are_deleted(receiver: Client) -> None:
    received = datetime(2026, 1, 1, tzinfo=timezone.utc)
    store.save("results_a", read_report(REPORT), received)
    store.save("results_a", read_report({**REPORT, "number": "+33600000000"}), received + timedelta(days=2))
    assert store.delete_older_than(timedelta(days=30), received + timedelta(days=31)) == 1
    assert [row["number"] for row in receiver.rows("results_a")] == ["+33600000000"]
