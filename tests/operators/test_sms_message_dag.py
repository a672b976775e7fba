"""SmsMessageOperator in real DAG runs against the sandbox: checked first, priced first, everybody texted once."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from conftest import API_KEY, connection_json, load_error, task_instance, xcoms

from airflow_provider_octopush.api.facts import SMS_SEND_PATH
from airflow_provider_octopush.operators.sms_message import SMS_XCOM_KEY
from airflow_provider_octopush.version_compat import AIRFLOW_V_3_3_PLUS

if TYPE_CHECKING:
    from conftest import Sandbox

pytestmark = pytest.mark.dag

TWO = '["+33612345678", "+33 7 00 00 00 01"]'
ALERT = 'type="sms_premium", purpose="alert"'


def numbers(count: int) -> str:
    return repr([f"+336{index:08d}" for index in range(count)])


def sms_task(recipients: str, arguments: str) -> str:
    """The DAG file's one task: an SmsMessageOperator to ``recipients`` with these ``arguments``."""
    return f'SmsMessageOperator(task_id="call", recipients={recipients}, {arguments})'


def texted(sandbox: Sandbox) -> Counter[str]:
    """How many times each number was really texted (simulations left out), over every SMS the sandbox took."""
    return Counter(
        row["phone_number"]
        for sms in sandbox.sms()
        if not sms["payload"].get("simulation_mode")
        for row in sms["recipients"]
    )


def test_two_numbers_are_texted_with_the_connections_defaults_and_the_parts_shown_first(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, make_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    defaults = connection_json(sandbox.url, timeout=5, sender="Alerts", purpose="alert")
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", defaults)
    run = make_dag(tasks=sms_task(TWO, 'text="Disque plein le {{ ds }} ✅", type="sms_premium"')).test()
    assert run.state == "success"
    (sms,) = sandbox.sms()
    assert sms["payload"] == {
        "text": f"Disque plein le {run.logical_date:%Y-%m-%d} ✅",
        "type": "sms_premium",
        "sender": "Alerts",  # the connection's
        "purpose": "alert",
        "request_id": sms["request_id"],
    }
    assert [row["phone_number"] for row in sms["recipients"]] == ["+33612345678", "+33700000001"]
    pushed = xcoms(run)
    assert pushed[SMS_XCOM_KEY] == {"encoding": "UCS-2", "characters": 28, "parts": 1}
    assert pushed["return_value"]["tickets"] == [sms["sms_ticket"]] and pushed["return_value"]["recipients"] == 2
    out = capfd.readouterr().out
    assert "Texting 2 numbers with an Octopush SMS, 1 SMS (UCS-2, 28 of 70 places; not in GSM 03.38: '✅')" in out
    assert "voice pages" not in out  # the voice side's doubt about non-ASCII text is not an SMS's


def test_more_than_500_numbers_go_in_chunks_and_a_retry_texts_only_the_rest(
    octopush_conn: Sandbox, make_dag: Any
) -> None:
    octopush_conn.fault(path=SMS_SEND_PATH, status=503, match="+33600000500", times=3)
    run = make_dag(tasks=sms_task(numbers(1201), f'text="Hello", {ALERT}'), retries=1).test()
    assert run.state == "success" and task_instance(run).try_number == 2
    assert set(texted(octopush_conn).values()) == {1} and len(texted(octopush_conn)) == 1201
    assert [len(sms["recipients"]) for sms in octopush_conn.sms()] == [500, 500, 201]
    bodies = [json.loads(item["body"]) for item in octopush_conn.requests(SMS_SEND_PATH)]
    first_chunk = [body for body in bodies if body["recipients"][0]["phone_number"] == "+33600000000"]
    assert len(first_chunk) == (1 if AIRFLOW_V_3_3_PLUS else 2)  # before 3.3 Octopush's 120 says it went out
    assert [item["sent_before"] for item in xcoms(run)["return_value"]["results"]] == [True, False, False]


def test_a_marketing_sms_to_france_without_the_opt_out_mention_texts_nobody(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """The French number is in the last chunk: the whole message is refused before the first one goes."""
    recipients = [f"+44770090{index:04d}" for index in range(600)] + ["+33612345678"]
    run = make_dag(tasks=sms_task(repr(recipients), 'text="Promo -20 %", type="sms_premium"')).test()
    assert run.state == "failed"
    assert octopush_conn.requests() == []
    assert "lacks the mention 'STOP au XXXXX'" in capfd.readouterr().out


def test_a_price_above_max_cost_texts_nobody_and_one_within_it_texts_everybody(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    octopush_conn.configure(cost_per_contact=0.05)
    long_text = "a" * 200  # 2 SMS a number: 700 numbers cost 70.0
    task = sms_task(numbers(700), f'text="{long_text}", {ALERT}, max_cost=MAX')
    run = make_dag(tasks=task.replace("MAX", "69.99")).test()
    assert run.state == "failed" and task_instance(run).try_number == 1  # never retried: the price stays
    assert texted(octopush_conn) == Counter()
    assert len(octopush_conn.sms()) == 2  # the two chunks priced in simulation mode, nobody texted
    assert "it would cost 70.0, and max_cost is 69.99. Nobody was texted." in capfd.readouterr().out
    octopush_conn.reset()
    octopush_conn.configure(cost_per_contact=0.05)
    run = make_dag(tasks=task.replace("MAX", "70")).test()
    assert run.state == "success" and len(texted(octopush_conn)) == 700
    assert xcoms(run)["return_value"]["total_cost"] == 70.0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ('text="Hi", type="sms_gold"', "Parameter 'type': 'sms_gold' is not allowed"),
        (
            'text="Hi", voice_language="fr-FR"',
            "Invalid arguments were passed to SmsMessageOperator",
        ),
        ('text="Hi", max_recipients=0', "max_recipients"),
        ('text="Hi", with_replies="maybe"', "Parameter 'with_replies'"),
        ('text="Hi", max_cost="cheap"', "max_cost"),
    ],
)
def test_a_bad_literal_fails_when_the_dag_file_loads(make_dag: Any, arguments: str, message: str) -> None:
    assert message in load_error(make_dag, sms_task('["+33612345678"]', arguments))


def test_a_written_out_marketing_sms_to_france_without_the_stop_mention_is_a_load_error(make_dag: Any) -> None:
    marketing = 'text="Promo -20%", type="sms_premium", purpose="wholesale"'
    error = load_error(make_dag, sms_task('["+447700900001", "+33612345678"]', marketing))
    assert "Parameter 'text'" in error and "STOP au XXXXX" in error
    make_dag(tasks=sms_task('["+447700900001"]', marketing))  # nobody French: no mention needed
    make_dag(tasks=sms_task('"{{ var.value.numbers }}"', marketing))  # numbers to render: decided when it runs


def test_a_bad_literal_number_fails_when_the_dag_file_loads(make_dag: Any) -> None:
    error = load_error(make_dag, sms_task('["+33612345678", "0612"]', f'text="Hi", {ALERT}'))
    assert "Argument 'recipients[1].phone_number'" in error


def test_a_type_set_nowhere_is_refused_before_any_call_and_the_key_never_logged(
    octopush_conn: Sandbox, make_dag: Any, caplog: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    run = make_dag(tasks=sms_task(TWO, 'text="Hi"')).test()
    assert run.state == "failed" and octopush_conn.requests() == []
    out = capfd.readouterr().out
    assert "Parameter 'type': is not set" in out and "Nobody was texted." in out
    assert API_KEY not in caplog.text and API_KEY not in out
