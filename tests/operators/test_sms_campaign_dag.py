"""SmsCampaignOperator in real DAG runs against the sandbox: the voice campaign's guarantees on the SMS endpoints.

Checked before any call, computed, sent once within its budget or cancelled, resumed by a retry (Airflow 3.3+),
and, where Octopush shows no SMS draft, a clear error instead of a wait or a guess.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from conftest import connection_json, load_error, task_instance, xcoms

from airflow_provider_octopush.api.facts import SMS
from airflow_provider_octopush.operators.sms_message import SMS_XCOM_KEY
from airflow_provider_octopush.operators.voice_campaign import SEND_XCOM_KEY, STATUS_XCOM_KEY
from airflow_provider_octopush.version_compat import AIRFLOW_V_3_3_PLUS

if TYPE_CHECKING:
    from conftest import Sandbox

pytestmark = pytest.mark.dag

LONG = "Votre colis arrive demain entre 8 h et 12 h. " * 4  # 180 GSM characters: 2 SMS parts
SEND = f'list_name="clients", text="{LONG}", type="sms_premium", purpose="alert", send=True, poll_interval=0.2'


def sms_campaign(arguments: str, task_id: str = "call") -> str:
    return f'SmsCampaignOperator(task_id="{task_id}", {arguments})'


def the_campaign(sandbox: Sandbox) -> dict[str, Any]:
    (campaign,) = sandbox.campaigns()
    return campaign


def paths(sandbox: Sandbox) -> set[str]:
    return {request["path"].split("/v1/public", 1)[-1] for request in sandbox.requests()}


@pytest.mark.parametrize("deferrable", [False, True])
def test_a_campaign_on_a_list_is_computed_and_sent_once_within_its_budget(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], deferrable: bool
) -> None:
    octopush_conn.configure(computation_delay=1.0, contacts=25, cost_per_contact=0.06)
    run = make_dag(tasks=sms_campaign(f"{SEND}, max_cost=3.5, max_contacts=30, deferrable={deferrable}")).test()
    assert run.state == "success"
    campaign = the_campaign(octopush_conn)
    assert campaign["channel"] == "sms" and campaign["ticket_number"].startswith("sms_")
    assert campaign["status"] == "sent" and campaign["send_calls"] == 1
    assert campaign["payload"] == {
        "list_name": "clients",
        "text": LONG,
        "type": "sms_premium",
        "purpose": "alert",
        "request_id": campaign["request_id"],
    }
    pushed = xcoms(run)
    assert pushed["return_value"] == campaign["ticket_number"]
    assert pushed[SMS_XCOM_KEY] == {"encoding": "GSM 03.38", "characters": 180, "parts": 2}  # before the create
    assert "creating an SMS campaign, 2 SMS (GSM 03.38, 180 of 306 places) for each contact" in capfd.readouterr().out
    assert pushed[STATUS_XCOM_KEY]["cost"] == 3.0  # 25 contacts, 2 parts each
    assert "sending_date" in pushed[SEND_XCOM_KEY]
    assert paths(octopush_conn) <= {SMS.create_path, SMS.status_path, SMS.send_path}  # never a voice endpoint


@pytest.mark.parametrize("deferrable", [False, True])
def test_over_budget_it_is_cancelled_never_sent(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], deferrable: bool
) -> None:
    octopush_conn.configure(computation_delay=0.3, contacts=25, cost_per_contact=0.06)
    run = make_dag(tasks=sms_campaign(f"{SEND}, max_cost=2.5, deferrable={deferrable}"), retries=2).test()
    assert run.state == "failed" and task_instance(run).try_number == 1
    campaign = the_campaign(octopush_conn)
    assert campaign["status"] == "cancelled" and campaign["send_calls"] == 0
    assert "its cost 3.0 exceeds max_cost 2.5" in capfd.readouterr().out


def test_the_connections_sms_defaults_fill_type_and_sender(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, make_dag: Any
) -> None:
    extra = {"sms_type": "sms_low_cost", "sms_sender": "Boutique", "sender": "33600000000"}
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(sandbox.url, timeout=5, **extra))
    assert make_dag(tasks=sms_campaign('tag_name="vip", text="Bonjour"')).test().state == "success"
    payload = the_campaign(sandbox)["payload"]
    assert payload["type"] == "sms_low_cost" and payload["sender"] == "Boutique"


def test_a_bad_literal_is_a_load_error_naming_it(make_dag: Any) -> None:
    error = load_error(make_dag, sms_campaign('list_name="clients", text="Hi", type="sms_vocal"'))
    assert "type" in error and "sms_premium" in error and "sms_low_cost" in error
    error = load_error(make_dag, sms_campaign('text="Hi", type="sms_premium"'))
    assert "list_name" in error  # neither list nor tag


def test_a_written_out_marketing_sms_without_the_stop_mention_is_a_load_error(make_dag: Any) -> None:
    """Text, type and purpose all on the task: nothing left to render or to the connection, so the DAG file fails."""
    marketing = 'list_name="clients", text="Promo -20%", type="sms_premium"'
    error = load_error(make_dag, sms_campaign(f'{marketing}, purpose="wholesale"'))
    assert "Parameter 'text'" in error and "STOP au XXXXX" in error
    make_dag(tasks=sms_campaign(marketing))  # purpose left to the connection: decided when it runs


def test_a_marketing_premium_sms_without_the_stop_mention_is_refused_before_any_call(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    run = make_dag(tasks=sms_campaign('list_name="clients", text="Promo {{ ds }} -20%", type="sms_premium"')).test()
    assert run.state == "failed"
    assert octopush_conn.requests() == [] and octopush_conn.campaigns() == []
    out = capfd.readouterr().out
    assert "text" in out and "STOP au XXXXX" in out and "Nothing was sent to Octopush" in out
    with_mention = 'text="Promo -20% STOP au XXXXX", type="sms_premium"'
    assert make_dag(tasks=sms_campaign(f'list_name="clients", {with_mention}')).test().state == "success"


@pytest.mark.parametrize("deferrable", [False, True])
def test_a_second_campaign_while_one_awaits_validation_fails_at_once_saying_what_to_do(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], deferrable: bool
) -> None:
    octopush_conn.configure(computation_delay=0)
    assert make_dag(tasks=sms_campaign(f"{SEND.replace('send=True', 'send=False')}", "first")).test().state == (
        "success"
    )
    run = make_dag(tasks=sms_campaign(f"{SEND}, deferrable={deferrable}")).test()
    assert run.state == "failed"
    out = capfd.readouterr().out
    assert "code 126" in out and "Octopush documents no lookup" in out and "then clear this task" in out
    assert "has no draft lookup" not in out  # the refusal itself ends the task, not a failed wait for the turn
    assert "/voice-campaign/draft" not in str(octopush_conn.requests())  # no voice draft taken for an SMS one
    assert [campaign["status"] for campaign in octopush_conn.campaigns()] == ["ready_to_be_sent"]


@pytest.mark.parametrize("deferrable", [False, True])
def test_a_retry_resumes_the_campaign_the_first_try_created(
    octopush_conn: Sandbox, make_dag: Any, capfd: pytest.CaptureFixture[str], deferrable: bool
) -> None:
    octopush_conn.configure(computation_delay=0.5)
    octopush_conn.fault(path=SMS.status_path, status=503, body={"code": 500, "message": "maintenance"}, times=3)
    run = make_dag(tasks=sms_campaign(f"{SEND}, deferrable={deferrable}"), retries=1).test()
    campaign = the_campaign(octopush_conn)
    out = capfd.readouterr().out
    if AIRFLOW_V_3_3_PLUS:
        assert run.state == "success" and task_instance(run).try_number == 2
        assert len(octopush_conn.requests(SMS.create_path)) == 1
        assert campaign["status"] == "sent" and campaign["send_calls"] == 1
        assert f"Resuming Octopush campaign {campaign['ticket_number']}" in out
    else:  # no task_state_store, no SMS draft lookup: the failing try cancels, the retry stops at 120
        assert run.state == "failed"
        assert campaign["status"] == "cancelled" and campaign["send_calls"] == 0
        assert "code 120" in out and "cannot be recovered here" in out


def test_the_ticket_operators_send_and_cancel_an_sms_campaign(octopush_conn: Sandbox, make_dag: Any) -> None:
    octopush_conn.configure(computation_delay=0, one_draft=False)
    prepare = SEND.replace("send=True", "send=False")
    run = make_dag(
        tasks=f"""
        {sms_campaign(prepare, "prepare")} >> SendSmsCampaignOperator(
            task_id="send", ticket_number="{{{{ ti.xcom_pull(task_ids='prepare') }}}}"
        )
        {sms_campaign(prepare.replace('"clients"', '"others"'), "prepare2")} >> CancelSmsCampaignOperator(
            task_id="cancel", ticket_number="{{{{ ti.xcom_pull(task_ids='prepare2') }}}}"
        )
        """
    ).test()
    assert run.state == "success"
    statuses = {campaign["payload"]["list_name"]: campaign["status"] for campaign in octopush_conn.campaigns()}
    assert statuses == {"clients": "sent", "others": "cancelled"}
    assert {SMS.send_path, SMS.cancel_path} <= paths(octopush_conn)
