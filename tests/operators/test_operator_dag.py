"""VoiceCampaignOperator in real DAG runs (dag.test() on a throw-away SQLite home) against the sandbox."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import AIRFLOW_HOME, API_KEY, Sandbox, connection_json, task_instance, xcoms

from airflow_provider_octopush.operators.voice_campaign import RESPONSE_XCOM_KEY
from airflow_provider_octopush.rules.request_ids import default_request_id

pytestmark = pytest.mark.dag

SIMPLE = 'list_name="staff", text="Hello"'


def request_ids(sandbox: Sandbox) -> list[str]:
    return [json.loads(item["body"]).get("request_id") for item in sandbox.requests("/voice-campaign-on-list/create")]


def test_templated_campaign_is_created_once_and_its_ticket_pushed(octopush_conn: Sandbox, make_dag: Any) -> None:
    dag = make_dag(
        """
        list_name="{{ dag_run.conf['list'] }}",
        text="Reminder for {{ ds }}: the meeting starts at nine.",
        sender="{{ dag_run.conf['sender'] }}",
        voice_language="{{ 'fr_FR' }}",
        voice_gender="Female",
        segmentation="group",
        simulation_mode="{{ dag_run.conf['simulate'] }}",
        get_back_pressed_keys=False,
        auto_remove_blacklisted_numbers="{{ true }}",
        tag_name="{{ dag_run.conf.get('tag', '') }}",
        send_at="{{ data_interval_end + macros.timedelta(days=1) }}",
        """
    )
    logical_date = datetime(2030, 1, 2, 6, 0, tzinfo=timezone.utc)
    run = dag.test(logical_date=logical_date, run_conf={"list": "volunteers", "sender": "Shop42", "simulate": "True"})
    assert run.state == "success"
    (campaign,) = octopush_conn.campaigns()
    assert campaign["payload"] == {
        "list_name": "volunteers",
        "segmentation": "group",
        "text": "Reminder for 2030-01-02: the meeting starts at nine.",
        "sender": "Shop42",
        "send_at": "2030-01-03T06:00:00+00:00",
        "voice_gender": "female",
        "voice_language": "fr-FR",
        "simulation_mode": True,
        "auto_remove_blacklisted_numbers": True,
        "get_back_pressed_keys": False,
        "request_id": default_request_id(dag.dag_id, "call", run.run_id, -1),
    }
    pushed = xcoms(run)
    assert pushed["return_value"] == campaign["ticket_number"]
    assert pushed[RESPONSE_XCOM_KEY] == {"ticket_number": campaign["ticket_number"]}


def test_two_runs_make_two_campaigns(octopush_conn: Sandbox, make_dag: Any) -> None:
    octopush_conn.configure(one_draft=False)  # two prepared campaigns at once, which Octopush refuses (126)
    dag = make_dag(SIMPLE)
    first = dag.test(logical_date=datetime(2030, 1, 1, tzinfo=timezone.utc))
    second = dag.test(logical_date=datetime(2030, 1, 2, tzinfo=timezone.utc))
    assert (first.state, second.state) == ("success", "success")
    assert len({campaign["request_id"] for campaign in octopush_conn.campaigns()}) == 2


def test_given_request_id_wins(octopush_conn: Sandbox, make_dag: Any) -> None:
    run = make_dag(SIMPLE + ', request_id="custom-{{ ds_nodash }}"').test(
        logical_date=datetime(2030, 1, 5, tzinfo=timezone.utc)
    )
    assert run.state == "success"
    assert [campaign["request_id"] for campaign in octopush_conn.campaigns()] == ["custom-20300105"]


def test_task_retry_reuses_the_request_id_and_creates_one_campaign(octopush_conn: Sandbox, make_dag: Any) -> None:
    octopush_conn.fault(status=503, times=3, body={"code": 500, "message": "maintenance"})
    run = make_dag(SIMPLE, retries=2).test()
    assert run.state == "success" and task_instance(run).try_number == 2
    ids = request_ids(octopush_conn)
    assert len(ids) == 4 and len(set(ids)) == 1
    assert len(octopush_conn.campaigns()) == 1


def test_rerun_of_a_created_campaign_fails_clearly_without_a_second_one(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """Clearing a successful task (or reprocessing its run) replays the same request_id: Octopush says 120."""
    dag = make_dag(SIMPLE, retries=2)
    when = datetime(2030, 2, 1, tzinfo=timezone.utc)
    assert dag.test(logical_date=when, run_after=when).state == "success"
    again = dag.test(logical_date=when, run_after=when)
    assert again.state == "failed"
    assert len(request_ids(octopush_conn)) == 2  # one per run: the 120 burnt none of the task's retries
    assert len(octopush_conn.campaigns()) == 1
    assert "already created it" in capfd.readouterr().out


def test_a_lost_create_answer_recovers_the_campaign_made_once(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """The create reached Octopush, its answer was lost, the replay meets 120: the draft is ours by timing."""
    octopush_conn.fault(drop="after")
    run = make_dag(SIMPLE, retries=3).test()
    assert run.state == "success" and task_instance(run).try_number == 1
    (campaign,) = octopush_conn.campaigns()
    assert len(set(request_ids(octopush_conn))) == 1
    assert xcoms(run)["return_value"] == campaign["ticket_number"]
    out = capfd.readouterr().out
    assert f"recovered campaign {campaign['ticket_number']}" in out and "lost only the answer" in out


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        ('list_name="staff", text="{{ \'\' }}"', "text"),
        ('list_name="staff", text="{{ \'x\' * 1225 }}"', "text"),
        (SIMPLE + ", sender=\"{{ 'bad sender' }}\"", "sender"),
        (SIMPLE + ", voice_language=\"{{ 'fr-FX' }}\"", "voice_language"),
        (SIMPLE + ", voice_gender=\"{{ 'robot' }}\"", "voice_gender"),
        (SIMPLE + ", segmentation=\"{{ 'everyone' }}\"", "segmentation"),
        (SIMPLE + ", simulation_mode=\"{{ 'yes' }}\"", "simulation_mode"),
        (SIMPLE + ', send_at="{{ ds }}"', "send_at"),
        (SIMPLE + ', send_at="{{ ds }}T10:00:00"', "send_at"),
        (SIMPLE + ", send_at=\"{{ 'next tuesday' }}\"", "send_at"),
        (SIMPLE + ", request_id=\"{{ 'has spaces' }}\"", "request_id"),
        ("text=\"Hello\", list_name=\"{{ dag_run.conf.get('list', '') }}\"", "list_name"),
    ],
)
def test_bad_rendered_input_fails_before_any_http_call(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], arguments: str, parameter: str
) -> None:
    run = make_dag(arguments, retries=2).test(logical_date=datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert run.state == "failed" and task_instance(run).try_number == 1  # no retry burnt on bad input
    assert octopush_conn.requests() == []
    output = capfd.readouterr().out
    assert f"Parameter '{parameter}'" in output and "Rule:" in output and "Nothing was sent" in output
    # raised as itself (an OctopushError, no retry), not re-wrapped in a bare AirflowFailException
    assert f"CampaignParameterError: Parameter '{parameter}'" in output


PAST = 'send_at="{{ data_interval_end - macros.timedelta(hours=2) }}"'


def test_past_send_at_fails_by_default(octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture) -> None:
    run = make_dag(f"{SIMPLE}, {PAST}").test()
    assert run.state == "failed" and octopush_conn.requests() == []
    assert "on_past_send_at" in capfd.readouterr().out


def test_past_send_at_can_be_skipped(octopush_conn: Sandbox, make_dag: Any) -> None:
    run = make_dag(f'{SIMPLE}, {PAST}, on_past_send_at="skip"').test()
    assert task_instance(run).state == "skipped" and octopush_conn.requests() == []


def test_past_send_at_can_mean_now(octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture) -> None:
    run = make_dag(f'{SIMPLE}, {PAST}, on_past_send_at="send_now"').test()
    assert run.state == "success"
    assert "send_at" not in octopush_conn.campaigns()[0]["payload"]
    assert "sending now" in capfd.readouterr().out


def test_slightly_late_send_at_is_sent_now(octopush_conn: Sandbox, make_dag: Any) -> None:
    run = make_dag(f'{SIMPLE}, send_at="{{{{ data_interval_end - macros.timedelta(seconds=30) }}}}"').test()
    assert run.state == "success"
    assert "send_at" not in octopush_conn.campaigns()[0]["payload"]


def test_other_connection_id(sandbox: Sandbox, make_dag: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_MARKETING", connection_json(sandbox.url))
    assert make_dag(SIMPLE + ', octopush_conn_id="octopush_marketing"').test().state == "success"
    assert len(sandbox.campaigns()) == 1


def test_the_api_key_reaches_no_log(
    sandbox: Sandbox,
    make_dag: Any,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Success, API error, a lost answer, auth failure: the key shows nowhere a user could read."""
    sandbox.configure(one_draft=False)  # the first run leaves its campaign prepared: the others must not wait for it
    wrong_key = "Wrong-Key-7d1e55aa90c3"
    runs: list[Any] = []
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(sandbox.url, max_retries=1))
    runs.append(make_dag(SIMPLE).test())
    sandbox.fault(status=400, body={"code": 104, "message": "not enough credit"})
    runs.append(make_dag(SIMPLE).test())
    sandbox.fault(drop="after")
    runs.append(make_dag("tag_name='x', text='y'").test())
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(sandbox.url, password=wrong_key))
    runs.append(make_dag(SIMPLE).test())
    # the lost answer (third run) is recovered through the draft; the others fail on the API error and the key
    assert [run.state for run in runs] == ["success", "failed", "success", "failed"]
    captured = capfd.readouterr()
    files = "".join(path.read_text(errors="replace") for path in AIRFLOW_HOME.rglob("*.log"))
    everything = captured.out + captured.err + caplog.text + files + json.dumps([xcoms(run) for run in runs])
    assert "Creating an Octopush voice campaign" in everything  # the scan did see the task logs
    for secret in (API_KEY, wrong_key):
        assert secret not in everything
