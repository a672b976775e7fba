"""VoiceMessageOperator in real DAG runs against the sandbox: everybody phoned once, whatever is lost or retried."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from conftest import API_KEY, connection_json, load_error, task_instance, xcoms

from airflow_provider_octopush.api.facts import DIRECT_SEND_PATH
from airflow_provider_octopush.version_compat import AIRFLOW_V_3_3_PLUS

if TYPE_CHECKING:
    from conftest import Sandbox

pytestmark = pytest.mark.dag

TWO = '["+33612345678", "+33 7 00 00 00 01"]'


def numbers(count: int) -> str:
    return repr([f"+336{index:08d}" for index in range(count)])


def phoned(sandbox: Sandbox) -> Counter[str]:
    """How many times each number was phoned, over every message the sandbox took."""
    return Counter(row["phone_number"] for message in sandbox.messages() for row in message["recipients"])


def test_two_numbers_are_phoned_with_the_connections_defaults_and_the_tasks_own_values(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, make_dag: Any
) -> None:
    """The connection sets sender, voice, purpose and simulation once; the task's own value wins."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_OCTOPUSH_DEFAULT",
        connection_json(
            sandbox.url, timeout=5, sender="Alerts", voice_language="fr_fr", purpose="alert", simulation_mode=True
        ),
    )
    run = make_dag(
        tasks=f'VoiceMessageOperator(task_id="call", recipients={TWO}, text="Disk full on {{{{ ds }}}}", '
        'voice_language="en-GB")'
    ).test()
    assert run.state == "success"
    (message,) = sandbox.messages()
    assert message["recipients"] == [{"phone_number": "+33612345678"}, {"phone_number": "+33700000001"}]
    payload = message["payload"]
    assert payload["text"] == f"Disk full on {run.logical_date:%Y-%m-%d}"
    assert {name: payload[name] for name in ("sender", "voice_language", "purpose", "simulation_mode")} == {
        "sender": "Alerts",
        "voice_language": "en-GB",  # the task's
        "purpose": "alert",
        "simulation_mode": True,
    }
    result = xcoms(run)["return_value"]
    assert result["tickets"] == [message["ticket_number"]]
    assert (result["recipients"], result["chunks"], result["chunks_sent_before"]) == (2, 1, 0)
    assert result["total_cost"] == pytest.approx(0.12)


def test_more_than_500_numbers_go_in_chunks_each_with_its_own_request_id(octopush_conn: Sandbox, make_dag: Any) -> None:
    run = make_dag(tasks=f'VoiceMessageOperator(task_id="call", recipients={numbers(1201)}, text="Hello")').test()
    assert run.state == "success"
    messages = octopush_conn.messages()
    assert [len(message["recipients"]) for message in messages] == [500, 500, 201]
    assert len({message["request_id"] for message in messages}) == 3
    assert set(phoned(octopush_conn).values()) == {1} and len(phoned(octopush_conn)) == 1201
    result = xcoms(run)["return_value"]
    assert result["tickets"] == [message["ticket_number"] for message in messages]
    assert [item["request_id"] for item in result["results"]] == [message["request_id"] for message in messages]


def test_a_lost_answer_is_replayed_and_nobody_is_phoned_twice(octopush_conn: Sandbox, make_dag: Any) -> None:
    """Octopush phoned the second chunk but its answer was lost: the replay meets 120, which means "sent"."""
    octopush_conn.fault(path=DIRECT_SEND_PATH, drop="after", match="+33600000500")
    run = make_dag(tasks=f'VoiceMessageOperator(task_id="call", recipients={numbers(1000)}, text="Hello")').test()
    assert run.state == "success"
    assert len(octopush_conn.requests(DIRECT_SEND_PATH)) == 3  # the second chunk twice
    assert set(phoned(octopush_conn).values()) == {1} and len(phoned(octopush_conn)) == 1000
    result = xcoms(run)["return_value"]
    assert [item["sent_before"] for item in result["results"]] == [False, True]
    assert len(result["tickets"]) == 1  # the lost answer's ticket is unknown


def test_a_retry_after_a_failure_midway_phones_only_the_rest(octopush_conn: Sandbox, make_dag: Any) -> None:
    """The second chunk fails beyond the hook's retries: the try fails with the first chunk's ticket on record;
    the task's retry sends the second and third chunks only (3.3: from the task's memory; before: Octopush's 120)."""
    octopush_conn.fault(path=DIRECT_SEND_PATH, status=503, match="+33600000500", times=3)
    run = make_dag(
        tasks=f'VoiceMessageOperator(task_id="call", recipients={numbers(1201)}, text="Hello")', retries=1
    ).test()
    assert run.state == "success"
    assert task_instance(run).try_number == 2
    assert set(phoned(octopush_conn).values()) == {1} and len(phoned(octopush_conn)) == 1201
    bodies = [json.loads(item["body"]) for item in octopush_conn.requests(DIRECT_SEND_PATH)]
    first_chunk = [body for body in bodies if body["recipients"][0]["phone_number"] == "+33600000000"]
    assert len(first_chunk) == (1 if AIRFLOW_V_3_3_PLUS else 2)  # 3.3 does not even ask again
    result = xcoms(run)["return_value"]
    assert [item["sent_before"] for item in result["results"]] == [True, False, False]
    assert result["chunks_sent_before"] == 1


def test_a_number_no_template_renders_is_checked_before_any_call(octopush_conn: Sandbox, make_dag: Any) -> None:
    dag = make_dag(
        tasks='VoiceMessageOperator(task_id="call", recipients="{{ dag_run.conf[\'to\'] }}", text="Hi", '
        "max_recipients=2)"
    )
    run = dag.test(run_conf={"to": "+33612345678, 0612345678"})
    assert run.state == "failed"
    run = dag.test(run_conf={"to": "+33612345678, +33612345679, +33612345670"})
    assert run.state == "failed"
    assert octopush_conn.requests() == []
    run = dag.test(run_conf={"to": "+33612345678, +33612345679"})
    assert run.state == "success"
    assert len(phoned(octopush_conn)) == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ('recipients=["+33612345678", "0612"], text="Hi"', "Argument 'recipients[1].phone_number'"),
        ('recipients=["+33612345678"], text="Hi", purpose="urgent"', "Parameter 'purpose': 'urgent' is not allowed"),
        ('recipients=["+33612345678", "+33612345679"], text="Hi", max_recipients=1', "more than max_recipients=1"),
        ('recipients=[], text="Hi"', "Argument 'recipients': is empty"),
    ],
)
def test_a_bad_literal_fails_when_the_dag_file_loads(make_dag: Any, arguments: str, message: str) -> None:
    assert message in load_error(make_dag, f'VoiceMessageOperator(task_id="call", {arguments})')


def test_the_api_key_never_reaches_the_log(octopush_conn: Sandbox, make_dag: Any, caplog: Any) -> None:
    run = make_dag(tasks=f'VoiceMessageOperator(task_id="call", recipients={TWO}, text="Hi")').test()
    assert run.state == "success"
    assert API_KEY not in caplog.text


def test_a_failed_task_phones_the_on_call_numbers_once(octopush_conn: Sandbox, make_dag: Any) -> None:
    """The notifier with ``recipients`` as a task's failure callback, in a real run: one message, no list."""
    run = make_dag(
        tasks="""
        PythonOperator(
            task_id="load",
            python_callable=lambda: 1 / 0,
            on_failure_callback=OctopushVoiceNotifier(
                recipients="+33612345678; +33700000001", text="Task {{ ti.task_id }} failed", purpose="alert"
            ),
        )
        """
    ).test()
    assert run.state == "failed"
    (message,) = octopush_conn.messages()
    assert message["payload"]["text"] == "Task load failed"
    assert len(message["recipients"]) == 2
    assert octopush_conn.campaigns() == []


def test_a_message_to_numbers_holds_no_draft_and_never_waits_for_one(octopush_conn: Sandbox, make_dag: Any) -> None:
    """A campaign awaiting validation blocks list campaigns (126), not messages to numbers: they go at once."""
    from airflow_provider_octopush.hooks.octopush import OctopushHook

    with OctopushHook() as hook:
        hook.create_voice_campaign_on_list(list_name="staff", text="left prepared")
    run = make_dag(tasks=f'VoiceMessageOperator(task_id="call", recipients={TWO}, text="Disk full")').test()
    assert run.state == "success" and len(octopush_conn.messages()) == 1
    assert octopush_conn.requests("/voice-campaign/draft") == []  # it never looked for a turn
