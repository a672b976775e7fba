"""The sandbox calls back like Octopush: per number its report, to the URL the account holds (here, the real
receiver under uvicorn), with duplicates, reports out of order and some never sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from conftest import Receiver, connection_json

from airflow_provider_octopush.hooks.octopush import OctopushHook

if TYPE_CHECKING:
    from conftest import Sandbox

SECRET = "Sandbox-Callbacks-" + "c" * 30
NUMBERS = ["+33600000001", "+33600000002", "+33600000003", "+33600000004"]


@pytest.fixture
def account(sandbox: Sandbox, receiver_server: str, monkeypatch: pytest.MonkeyPatch) -> OctopushHook:
    """``octopush_default`` on the sandbox, its account pointed at the receiver; a list of four numbers."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(sandbox.url, callback_secret=SECRET, retry_backoff=0.01)
    )
    Receiver.forget_every_report()
    hook = OctopushHook()
    hook.set_delivery_callback_url(hook.receiver_url(receiver_server))
    sandbox.fill_list("callbacks", NUMBERS)
    sandbox.configure(computation_delay=0)
    return hook


def test_a_sent_campaign_reports_each_number_as_configured(
    account: OctopushHook, sandbox: Sandbox, receiver_server: str
) -> None:
    sandbox.configure(
        reports={
            NUMBERS[0]: {"status": "DELIVERED", "pressed_keys_code": "1", "call_duration": 12},
            NUMBERS[1]: {"status": "BUSY"},
            NUMBERS[2]: None,  # never reported
        },
        duplicate_reports=1,
        reports_reversed=True,
        ack_first=True,
    )
    ticket = account.create_voice_campaign_on_list(list_name="callbacks", text="Press 1")["ticket_number"]
    account.send_voice_campaign(ticket)
    sent = sandbox.wait_for_callbacks(12)  # 3 numbers reported, each an ACK and its status, twice
    assert {report["answer"] for report in sent} == {200}
    assert [report["number"] for report in sent[:2]] == [NUMBERS[3], NUMBERS[3]]  # reversed: the last number first
    rows = Receiver(receiver_server).rows("octopush_default", ticket, SECRET)
    final = {row["number"]: row for row in rows if row["status"] != "ACK"}
    assert len(rows) == 6  # each duplicate kept once
    assert set(final) == {NUMBERS[0], NUMBERS[1], NUMBERS[3]}
    assert (final[NUMBERS[0]]["pressed_keys"], final[NUMBERS[0]]["call_duration"]) == ("1", 12.0)
    assert (final[NUMBERS[1]]["outcome"], final[NUMBERS[3]]["outcome"]) == ("busy", "delivered")


def test_a_voice_message_reports_its_recipients_and_nothing_is_posted_without_a_url(
    account: OctopushHook, sandbox: Sandbox, receiver_server: str
) -> None:
    ticket = account.send_voice_message(recipients=NUMBERS[:2], text="Alert")["ticket_number"]
    assert {report["number"] for report in sandbox.wait_for_callbacks(2)} == set(NUMBERS[:2])
    assert len(Receiver(receiver_server).rows("octopush_default", ticket, SECRET)) == 2
    sandbox.reset()  # the account holds no URL any more
    account.send_voice_message(recipients=NUMBERS[2:], text="Alert")
    assert sandbox.callbacks_sent() == []
