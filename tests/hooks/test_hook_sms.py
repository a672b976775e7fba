"""The hook's SMS to numbers, against the sandbox: checked before any call, sent in canonical form, billed per part."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import requests
from conftest import API_KEY, LOGIN, connection_json

from airflow_provider_octopush.api.answers import ticket_from
from airflow_provider_octopush.exceptions import CampaignParameterError, OctopushDuplicateRequestError
from airflow_provider_octopush.hooks.octopush import OctopushHook

if TYPE_CHECKING:
    from collections.abc import Iterator

    from conftest import Sandbox

ALERT = {"type": "sms_premium", "purpose": "alert"}


@pytest.fixture
def hook(octopush_conn: Sandbox) -> Iterator[OctopushHook]:
    with OctopushHook() as hook:
        yield hook


def test_an_sms_is_sent_in_canonical_form_and_its_parts_are_counted_first(
    hook: OctopushHook, octopush_conn: Sandbox, capfd: pytest.CaptureFixture[str]
) -> None:
    octopush_conn.configure(cost_per_contact=0.05)
    text = "Disque plein sur db-1 à 97 % : intervention requise. " * 4  # 212 GSM characters: 2 SMS
    answer = hook.send_sms_message(
        recipients=["+33 6 12 34 56 78", "+33612345679"],
        text=text,
        type="SMS_PREMIUM",
        purpose="Alert",
        request_id="s-1",
    )
    (sms,) = octopush_conn.sms()
    assert ticket_from(answer) == sms["sms_ticket"] and sms["sms_ticket"].startswith("sms_")
    assert sms["payload"] == {"text": text, "type": "sms_premium", "purpose": "alert", "request_id": "s-1"}
    assert [recipient["phone_number"] for recipient in sms["recipients"]] == ["+33612345678", "+33612345679"]
    assert answer["sms"] == {"encoding": "GSM 03.38", "characters": 212, "parts": 2}
    assert answer["total_cost"] == 0.2  # 2 numbers x 2 parts
    assert "texting 2 numbers, 2 SMS (GSM 03.38, 212 of 306 places) each" in capfd.readouterr().out
    with pytest.raises(OctopushDuplicateRequestError, match="Nothing was sent twice"):
        hook.send_sms_message(recipients=["+33612345678"], text="Hi", request_id="s-1", **ALERT)


@pytest.mark.parametrize(
    ("arguments", "parameter", "rule"),
    [
        ({"text": "Hi", "purpose": "alert"}, "type", "sms_premium, sms_low_cost"),
        ({"text": "Hi", "type": "sms_gold"}, "type", "one of"),
        ({"text": "Promo -20 %", "type": "sms_premium"}, "text", "STOP au XXXXX"),  # wholesale is the default
        ({"text": "Promo", "type": "sms_premium", "purpose": "wholesale"}, "text", "STOP au XXXXX"),
        ({"text": "Hi", "get_back_pressed_keys": True, **ALERT}, "get_back_pressed_keys", "not a parameter of an SMS"),
        ({"text": "", **ALERT}, "text", "1 to 1224 characters"),
        ({"text": "Hi", "sender": "a b", **ALERT}, "sender", "3 to 11 characters"),
    ],
)
def test_a_bad_sms_never_reaches_the_api(
    hook: OctopushHook, octopush_conn: Sandbox, arguments: dict, parameter: str, rule: str
) -> None:
    with pytest.raises(CampaignParameterError, match=rule) as info:
        hook.send_sms_message(recipients=["+33612345678"], **arguments)
    assert info.value.parameter == parameter
    assert octopush_conn.requests() == []


def test_the_opt_out_mention_is_asked_only_of_marketing_premium_sms_to_france(
    hook: OctopushHook, octopush_conn: Sandbox
) -> None:
    hook.send_sms_message(recipients=["+33612345678"], text="Promo -20 %. STOP au XXXXX", type="sms_premium")
    hook.send_sms_message(recipients=["+447700900123"], text="Promo -20 %", type="sms_premium")
    hook.send_sms_message(recipients=["+33612345678"], text="Promo -20 %", type="sms_low_cost")
    assert len(octopush_conn.sms()) == 3


def test_the_sandbox_refuses_what_the_hook_refuses(octopush_conn: Sandbox) -> None:
    """Sent around the hook's checks: the sandbox answers as Octopush does (121 for the missing mention)."""
    answer = requests.post(
        octopush_conn.url + "/sms-campaign/send",
        json={"text": "Promo", "type": "sms_premium", "recipients": [{"phone_number": "+33612345678"}]},
        headers={"api-login": LOGIN, "api-key": API_KEY},
        timeout=10,
    )
    assert answer.status_code == 400 and answer.json()["code"] == 121
    assert octopush_conn.sms() == []


def test_the_connections_sms_sender_and_type_fill_what_the_task_leaves_out(
    octopush_conn: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sms_sender wins over the voice sender for an SMS; the task's own values win over both."""
    extra = {"sender": "33612345678", "sms_sender": "MyShop", "sms_type": "sms_low_cost", "purpose": "alert"}
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(octopush_conn.url, timeout=5, **extra))
    with OctopushHook() as hook:
        hook.send_sms_message(recipients=["+33612345678"], text="Hi")
        hook.send_sms_message(recipients=["+33612345678"], text="Hi", type="sms_premium", sender="Ops")
        hook.send_voice_message(recipients=["+33612345678"], text="Hi")
    first, second = (sms["payload"] for sms in octopush_conn.sms())
    assert (first["sender"], first["type"], first["purpose"]) == ("MyShop", "sms_low_cost", "alert")
    assert (second["sender"], second["type"]) == ("Ops", "sms_premium")
    (voice,) = octopush_conn.messages()
    assert voice["payload"]["sender"] == "33612345678" and "type" not in voice["payload"]
