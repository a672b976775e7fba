"""The sandbox holds the provider to the documented rules, strictly."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

import pytest
from conftest import API_KEY, LOGIN, Sandbox

from airflow_provider_octopush.sandbox.cli import announced_url
from airflow_provider_octopush.sandbox.state import DEFAULT_API_KEY, DEFAULT_LOGIN

CREATE = "/voice-campaign-on-list/create"


def call(
    sandbox: Sandbox, method: str, path: str, body: Any = None, *, key: str = API_KEY, login: str = LOGIN
) -> tuple[int, Any]:
    request = urllib.request.Request(
        sandbox.url + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"api-login": login, "api-key": key, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as answer:
            data = answer.read()
            return answer.status, json.loads(data) if data else None
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def test_create_gives_a_ticket(sandbox: Sandbox) -> None:
    status, body = call(sandbox, "POST", CREATE, {"list_name": "a", "text": "b"})
    assert status == 201 and body["ticket_number"].startswith("voice_") and len(body["ticket_number"]) == 19


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"list_name": "a", "text": ""}, 107),
        ({"list_name": "a", "text": "b", "sender": "x"}, 106),
        ({"list_name": "a", "text": "b", "simulation_mode": "true"}, 100),  # a string, not a JSON boolean
        ({"list_name": "a", "text": "b", "voice_language": "fr_fr"}, 100),  # accepted by the operator, not sent so
        ({"list_name": "a", "text": "b", "colour": "blue"}, 100),
        ({"text": "b"}, 100),
    ],
)
def test_create_refuses_anything_but_the_canonical_form(sandbox: Sandbox, body: dict, code: int) -> None:
    status, answer = call(sandbox, "POST", CREATE, body)
    assert (status, answer["code"]) == (400, code)
    assert sandbox.campaigns() == []


def test_one_campaign_awaits_validation_at_a_time_and_the_draft_call_shows_it(sandbox: Sandbox) -> None:
    """As Octopush documents: a second create is refused (126) while a campaign awaits validation; the draft
    call answers that campaign, and 204 once it was sent; the send answers 200 without a body."""
    sandbox.configure(computation_delay=0)
    assert call(sandbox, "GET", "/voice-campaign/draft") == (204, None)
    ticket = call(sandbox, "POST", CREATE, {"list_name": "a", "text": "b", "request_id": "first"})[1]["ticket_number"]
    status, answer = call(sandbox, "POST", CREATE, {"list_name": "a", "text": "b", "request_id": "second"})
    assert (status, answer["code"]) == (400, 126)
    status, draft = call(sandbox, "GET", "/voice-campaign/draft")
    assert status == 200 and draft["ticket_number"] == ticket and "request_id" not in draft
    assert call(sandbox, "POST", "/voice-campaign-on-list/send", {"ticket_number": ticket}) == (200, None)
    assert call(sandbox, "GET", "/voice-campaign/draft") == (204, None)
    assert call(sandbox, "POST", CREATE, {"list_name": "a", "text": "b", "request_id": "second"})[0] == 201


def test_the_draft_names_its_request_id_only_when_configured_to(sandbox: Sandbox) -> None:
    sandbox.configure(draft_names_request_id=True)
    call(sandbox, "POST", CREATE, {"list_name": "a", "text": "b", "request_id": "mine"})
    assert call(sandbox, "GET", "/voice-campaign/draft")[1]["request_id"] == "mine"


def test_repeated_request_id_is_code_120(sandbox: Sandbox) -> None:
    body = {"list_name": "a", "text": "b", "request_id": "r1"}
    assert call(sandbox, "POST", CREATE, body)[0] == 201
    status, answer = call(sandbox, "POST", CREATE, body)
    assert (status, answer["code"]) == (400, 120)
    assert len(sandbox.campaigns()) == 1


def test_wrong_key_is_401(sandbox: Sandbox) -> None:
    status, body = call(sandbox, "GET", "/wallet/check-balance", key="nope")
    assert (status, body["code"]) == (401, 101)


def test_unknown_endpoint_is_404(sandbox: Sandbox) -> None:
    assert call(sandbox, "GET", "/sms-campaign/status")[0] == 404


def test_console_script_serves_until_stopped() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airflow_provider_octopush.sandbox",
            "--port",
            "0",
            "--balance",
            "7",
            "--many-drafts",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = announced_url(process.stdout)  # type: ignore[arg-type]
        request = urllib.request.Request(
            url + "/wallet/check-balance",
            headers={"api-login": "demo@example.com", "api-key": "sandbox-api-key-0123456789"},
        )
        with urllib.request.urlopen(request) as answer:
            assert json.load(answer) == {"amount": 7.0, "unit": "euros"}
        sandbox = Sandbox(url)
        for number in range(2):  # --many-drafts: a second campaign awaiting validation is not refused (126)
            body = {"list_name": "a", "text": "b", "request_id": f"m{number}"}
            assert call(sandbox, "POST", CREATE, body, key=DEFAULT_API_KEY, login=DEFAULT_LOGIN)[0] == 201
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_finish_ends_every_computation_now(sandbox: Sandbox) -> None:
    """How a test holds campaigns in computation for as long as it needs, then lets them go, on any machine."""
    sandbox.configure(computation_delay=600, one_draft=False)
    for number in range(2):
        assert call(sandbox, "POST", CREATE, {"list_name": "staff", "text": "Hi", "request_id": f"h{number}"})[0] == 201
    assert [c["status"] for c in sandbox.campaigns()] == ["under_computation"] * 2
    assert sandbox.finish() == 2
    assert [c["status"] for c in sandbox.campaigns()] == ["ready_to_be_sent"] * 2
    assert sandbox.finish() == 0


def test_cancel_drafts_frees_the_account_for_the_next_create(octopush_conn: Sandbox) -> None:
    from airflow_provider_octopush.hooks.octopush import OctopushHook

    with OctopushHook() as hook:
        first = hook.create_voice_campaign_on_list(list_name="staff", text="left prepared")["ticket_number"]
        assert octopush_conn.cancel_drafts() == 1 and hook.get_voice_campaign_draft() is None
        hook.create_voice_campaign_on_list(list_name="staff", text="next")  # not refused with 126
    cancelled, created = octopush_conn.campaigns()
    assert (cancelled["ticket_number"], cancelled["status"]) == (first, "cancelled")
    assert created["status"] == "under_computation"
