"""VoiceResultsSensor in real dag.test() runs: the sandbox phones and calls back, the receiver (under uvicorn,
mounted as the API server mounts it) stores the reports, the sensor reads them through it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from conftest import asset_events, connection_json, xcoms

if TYPE_CHECKING:
    from conftest import Sandbox

NUMBERS = ["+33600000011", "+33600000012", "+33600000013", "+33600000014", "+33600000015"]


@pytest.fixture
def phoned(results_account: Sandbox) -> Sandbox:
    results_account.fill_list("patients", NUMBERS)
    return results_account


def value(raw: Any) -> Any:
    return json.loads(raw) if isinstance(raw, str) else raw


CAMPAIGN_THEN_RESULTS = """
call = VoiceCampaignOperator(task_id="call", list_name="patients", text="Press 1", send=True, poll_interval=0.1,
                             get_back_pressed_keys=True)
results = VoiceResultsSensor(task_id="results", ticket_number="{{{{ ti.xcom_pull(task_ids='call') }}}}",
                             poke_interval=0.2, deadline={deadline}, deferrable={deferrable})
call >> results
"""


@pytest.mark.parametrize("deferrable", [False, True])
def test_every_recipients_result_is_handed_on_with_the_keys_they_pressed(
    phoned: Sandbox, make_dag: Any, deferrable: bool
) -> None:
    phoned.configure(
        reports={
            NUMBERS[0]: {"status": "DELIVERED", "pressed_keys_code": "1"},
            NUMBERS[1]: {"status": "DELIVERED", "pressed_keys_code": "2"},
            NUMBERS[2]: {"status": "BUSY"},
        },
        duplicate_reports=1,
        reports_reversed=True,
        ack_first=True,
        report_interval=0.02,
    )
    run = make_dag(tasks=CAMPAIGN_THEN_RESULTS.format(deadline=60, deferrable=deferrable)).test()
    assert run.state == "success"
    results = {key: value(raw) for key, raw in xcoms(run, "results").items()}
    summary = results["return_value"]
    answers = [report["answer"] for report in phoned.callbacks_sent()]
    assert (summary["expected"], summary["reported"], summary["complete"]) == (5, 5, True), answers
    assert summary["counts"] == {"busy": 1, "delivered": 4}
    assert results["pressed_keys"] == {NUMBERS[0]: "1", NUMBERS[1]: "2"}
    assert [row["number"] for row in results["rows_0"]] == NUMBERS and summary["row_pages"] == 1


@pytest.mark.parametrize("deferrable", [False, True])
def test_reports_that_never_come_end_at_the_deadline_naming_the_missing(
    phoned: Sandbox, make_dag: Any, deferrable: bool
) -> None:
    phoned.configure(reports={NUMBERS[3]: None, NUMBERS[4]: None})
    tasks = CAMPAIGN_THEN_RESULTS.format(deadline=2, deferrable=deferrable).replace(
        "poke_interval=0.2,", f"poke_interval=0.2, expected_numbers={NUMBERS!r},"
    )
    run = make_dag(tasks=tasks).test()
    assert run.state == "success"
    summary = value(xcoms(run, "results")["return_value"])
    assert (summary["reported"], summary["complete"], summary["missing"]) == (3, False, NUMBERS[3:])


@pytest.mark.parametrize("deferrable", [False, True])
def test_the_summary_goes_on_the_event_of_each_outlet(phoned: Sandbox, make_dag: Any, deferrable: bool) -> None:
    """A DAG scheduled on the results' asset starts with the counts in its triggering event (docs/results.md)."""
    uri = f"octopush://results/patients-{deferrable}"
    phoned.configure(reports={NUMBERS[0]: {"status": "DELIVERED", "pressed_keys_code": "1"}, NUMBERS[4]: None})
    tasks = CAMPAIGN_THEN_RESULTS.format(deadline=2, deferrable=deferrable).replace(
        "poke_interval=0.2,", f"poke_interval=0.2, outlets=[Asset({uri!r})],"
    )
    run = make_dag(tasks="from airflow.sdk import Asset\n" + tasks).test()
    assert run.state == "success"
    (extra,) = asset_events(uri)
    assert extra == value(xcoms(run, "results")["return_value"])
    assert (extra["reported"], extra["counts"], extra["missing_count"]) == (4, {"delivered": 4}, 1)


def test_a_connection_without_a_secret_fails_saying_what_to_set(
    phoned: Sandbox, make_dag: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(phoned.url, retry_backoff=0.01))
    run = make_dag(
        tasks='VoiceResultsSensor(task_id="results", ticket_number="voice_x", expected_numbers=["+33600000011"], '
        "poke_interval=0.1, deadline=5)"
    ).test()
    assert run.state == "failed"
