"""OctopushHook against the real sandbox server: headers, retries, idempotency, errors."""

from __future__ import annotations

import json
import socket
from typing import TYPE_CHECKING, Any

import pytest
from conftest import API_KEY, LOGIN, Sandbox, connection_json

from airflow_provider_octopush.api.answers import ticket_from
from airflow_provider_octopush.api.retries import retry_delay
from airflow_provider_octopush.exceptions import (
    CampaignParameterError,
    OctopushApiError,
    OctopushAuthError,
    OctopushDuplicateRequestError,
    OctopushError,
    OctopushNetworkError,
    OctopushRejectedError,
)
from airflow_provider_octopush.hooks.octopush import OctopushHook

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytest_httpserver import HTTPServer

CREATE = "/voice-campaign-on-list/create"
CAMPAIGN = {"list_name": "staff", "text": "Hello", "request_id": "req-1"}


@pytest.fixture
def hook(octopush_conn: Sandbox) -> Iterator[OctopushHook]:
    hook = OctopushHook(retry_backoff=0.01)
    yield hook
    hook.close()


def test_create_returns_the_ticket_and_sends_canonical_json(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    response = hook.create_voice_campaign_on_list(**CAMPAIGN, simulation_mode="TRUE", voice_language="fr_fr")
    (campaign,) = octopush_conn.campaigns()
    assert ticket_from(response) == campaign["ticket_number"]
    assert campaign["ticket_number"].startswith("voice_")
    assert campaign["payload"] == {**CAMPAIGN, "simulation_mode": True, "voice_language": "fr-FR"}


def test_one_connection_is_reused_across_calls(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    octopush_conn.configure(one_draft=False)  # three drafts at once, beyond Octopush's one
    for number in range(3):
        hook.create_voice_campaign_on_list(**{**CAMPAIGN, "request_id": f"req-{number}"})
    hook.check_balance()
    assert len({item["client_port"] for item in octopush_conn.requests()}) == 1


def test_bad_input_never_reaches_the_api(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    with pytest.raises(CampaignParameterError, match="'sender'"):
        hook.create_voice_campaign_on_list(**CAMPAIGN, sender="no spaces!")
    assert octopush_conn.requests() == []


def test_duplicate_request_id_is_refused_and_nothing_is_created_twice(
    hook: OctopushHook, octopush_conn: Sandbox
) -> None:
    hook.create_voice_campaign_on_list(**CAMPAIGN)
    with pytest.raises(OctopushDuplicateRequestError, match="earlier attempt") as info:
        hook.create_voice_campaign_on_list(**CAMPAIGN)
    assert (info.value.status, info.value.code) == (400, 120)
    assert len(octopush_conn.campaigns()) == 1


@pytest.mark.parametrize("fault", [{"drop": "after"}, {"delay": 1.5}])
def test_lost_answer_after_the_server_acted_makes_exactly_one_campaign(
    octopush_conn: Sandbox, monkeypatch: pytest.MonkeyPatch, fault: dict
) -> None:
    """The create reached Octopush, the answer was lost (reset or read time-out): the retry gets code 120."""
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(octopush_conn.url, timeout=0.5, max_retries=2))
    octopush_conn.fault(**fault)
    with pytest.raises(OctopushDuplicateRequestError, match="answer was lost"):
        OctopushHook(retry_backoff=0.01).create_voice_campaign_on_list(**CAMPAIGN)
    assert len(octopush_conn.requests(CREATE)) == 2
    assert len(octopush_conn.campaigns()) == 1


def test_without_request_id_a_possibly_received_post_is_not_retried(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    octopush_conn.fault(drop="after")
    with pytest.raises(OctopushNetworkError, match="may have reached Octopush"):
        hook.create_voice_campaign_on_list(list_name="staff", text="Hello")
    assert len(octopush_conn.requests(CREATE)) == 1
    assert len(octopush_conn.campaigns()) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_without_request_id_a_server_error_is_not_retried(
    hook: OctopushHook, octopush_conn: Sandbox, status: int
) -> None:
    octopush_conn.fault(status=status, body={"code": 500, "message": "oops"})
    with pytest.raises(OctopushApiError, match=f"HTTP {status}"):
        hook.create_voice_campaign_on_list(list_name="staff", text="Hello")
    assert len(octopush_conn.requests(CREATE)) == 1


def test_connection_dropped_before_acting_is_retried(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    octopush_conn.fault(drop="before")
    assert ticket_from(hook.create_voice_campaign_on_list(**CAMPAIGN))
    assert len(octopush_conn.requests(CREATE)) == 2
    assert len(octopush_conn.campaigns()) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_transient_status_is_retried_with_the_same_request_id(
    hook: OctopushHook, octopush_conn: Sandbox, status: int
) -> None:
    octopush_conn.fault(status=status, times=2, body="<html>Bad gateway</html>")
    hook.create_voice_campaign_on_list(**CAMPAIGN)
    bodies = {item["body"] for item in octopush_conn.requests(CREATE)}
    assert len(octopush_conn.requests(CREATE)) == 3 and len(bodies) == 1 and '"req-1"' in bodies.pop()
    assert len(octopush_conn.campaigns()) == 1


def test_retries_stop_at_max_retries_with_a_clear_error(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    octopush_conn.fault(status=503, times=10, body={"code": 500, "message": "maintenance"})
    with pytest.raises(OctopushApiError, match=r"HTTP 503.*retry later") as info:
        hook.create_voice_campaign_on_list(**CAMPAIGN)
    assert info.value.status == 503
    assert len(octopush_conn.requests(CREATE)) == 3  # max_retries=2 in the test connection
    assert octopush_conn.campaigns() == []


def test_429_honours_retry_after_even_without_request_id(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    octopush_conn.fault(status=429, headers={"Retry-After": "1"}, body={"code": 429, "message": "slow down"})
    hook.create_voice_campaign_on_list(list_name="staff", text="Hello")
    first, second = octopush_conn.requests(CREATE)
    assert second["at"] - first["at"] >= 0.95
    assert len(octopush_conn.campaigns()) == 1


def test_retry_after_is_capped(octopush_conn: Sandbox) -> None:
    octopush_conn.fault(status=429, headers={"Retry-After": "3600"})
    hook = OctopushHook(retry_backoff=0.01, max_retry_wait=0.2)
    hook.create_voice_campaign_on_list(**CAMPAIGN)
    first, second = octopush_conn.requests(CREATE)
    assert 0.15 <= second["at"] - first["at"] < 5


@pytest.mark.parametrize(("extra", "argument", "least", "most"), [(3.0, None, 1.5, 3.0), (3.0, 0.2, 0.1, 0.2)])
def test_the_back_off_is_the_connections_unless_the_hook_is_given_one(
    octopush_conn: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    extra: float,
    argument: float | None,
    least: float,
    most: float,
) -> None:
    """The connection's retry_backoff sets the first wait (jittered between half and all of it)."""
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(octopush_conn.url, retry_backoff=extra))
    octopush_conn.fault(status=503, body={"code": 500, "message": "maintenance"})
    with OctopushHook(retry_backoff=argument) as hook:
        hook.create_voice_campaign_on_list(**CAMPAIGN)
    first, second = octopush_conn.requests(CREATE)
    assert least * 0.95 <= second["at"] - first["at"] < most + 0.5


def test_the_hook_as_a_context_manager_closes_its_session(octopush_conn: Sandbox) -> None:
    with OctopushHook() as hook:
        session = hook.session
        hook.create_voice_campaign_on_list(**CAMPAIGN)
        assert session.adapters["http://"].poolmanager.pools  # a kept-alive connection was open
    assert "session" not in vars(hook) and not session.adapters["http://"].poolmanager.pools


@pytest.mark.parametrize(("code", "hint"), [(104, "top up"), (303, "list_name"), (999, "check the parameters")])
def test_other_4xx_are_not_retried_and_say_what_to_do(
    hook: OctopushHook, octopush_conn: Sandbox, code: int, hint: str
) -> None:
    octopush_conn.fault(status=400, body={"code": code, "message": "refused"})
    with pytest.raises(OctopushApiError, match=hint) as info:
        hook.create_voice_campaign_on_list(**CAMPAIGN)
    assert (info.value.status, info.value.code, info.value.api_message) == (400, code, "refused")
    assert len(octopush_conn.requests(CREATE)) == 1


def test_wrong_key_is_an_auth_error_without_the_key(octopush_conn: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "Wrong-Key-abcdef123456"
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(octopush_conn.url, password=wrong))
    with pytest.raises(OctopushAuthError, match="fix the password") as info:
        OctopushHook().create_voice_campaign_on_list(**CAMPAIGN)
    assert info.value.status == 401 and wrong not in str(info.value) and API_KEY not in str(info.value)
    assert len(octopush_conn.requests(CREATE)) == 1


def test_both_auth_headers_are_required(octopush_conn: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_OCTOPUSH_DEFAULT",
        connection_json(octopush_conn.url).replace(LOGIN, "someone-else@example.com"),
    )
    ok, message = OctopushHook().test_connection()
    assert not ok and "API login or key is wrong" in message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_connection_is_retried_then_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1/public"
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(url, max_retries=2))
    with pytest.raises(OctopushNetworkError, match="Gave up after 3 attempt"):
        OctopushHook(retry_backoff=0.01).create_voice_campaign_on_list(list_name="staff", text="Hello")


def test_test_connection_reads_the_balance(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    ok, message = hook.test_connection()
    assert ok and "balance 42.5 euros" in message and API_KEY not in message
    assert [(item["method"], item["path"]) for item in octopush_conn.requests()] == [("GET", "/wallet/check-balance")]


def test_test_connection_reports_a_bad_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json("http://127.0.0.1:1/x", timeout="never"))
    ok, message = OctopushHook().test_connection()
    assert not ok and "extra 'timeout'" in message


def test_check_balance_for_a_product_and_country(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    assert hook.check_balance("vocal_sms", "FR") == {"amount": 42.5, "unit": "euros"}
    with pytest.raises(ValueError, match="together"):
        hook.check_balance(product_name="vocal_sms")


@pytest.mark.parametrize(
    ("status", "body", "content_type", "message"),
    [
        (200, "<html><body>Login portal</body></html>", "text/html", "not a JSON object"),
        (201, '{"ticket_number": "voice_', "application/json", "not a JSON object"),
        (200, '["voice_1"]', "application/json", "not a JSON object"),
        (502, "<html>502 Bad Gateway</html>", "text/html", "HTTP 502 with a body that is not a JSON object"),
        (400, "", "application/json", "HTTP 400 with a body that is not a JSON object \\(empty\\)"),
    ],
)
def test_malformed_answers_give_clear_errors(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, status: int, body: str, content_type: str, message: str
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(httpserver.url_for("/api"), max_retries=0))
    httpserver.expect_request("/api" + CREATE, method="POST").respond_with_data(
        body, status=status, content_type=content_type
    )
    with pytest.raises(OctopushApiError, match=message):
        OctopushHook().create_voice_campaign_on_list(**CAMPAIGN)


def test_enormous_answer_is_shortened_in_the_error(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(httpserver.url_for("/api"), max_retries=0))
    httpserver.expect_request("/api" + CREATE).respond_with_data("x" * 5_000_000, status=200)
    with pytest.raises(OctopushApiError) as info:
        OctopushHook().create_voice_campaign_on_list(**CAMPAIGN)
    assert len(str(info.value)) < 600


@pytest.mark.parametrize("answer", [{}, {"ticket_number": ""}, {"ticket_number": 12}])
def test_an_answer_without_ticket_is_an_error(answer: dict) -> None:
    with pytest.raises(OctopushApiError, match="without a ticket_number"):
        ticket_from(answer)


def test_legacy_vocal_ticket_is_accepted() -> None:
    assert ticket_from({"vocal_ticket": "voice_5f3fbce61266e"}) == "voice_5f3fbce61266e"


def test_retry_delay() -> None:
    assert retry_delay(0, 1.0, 60.0, "7") == 7.0
    assert retry_delay(0, 1.0, 60.0, "600") == 60.0
    assert retry_delay(0, 1.0, 60.0, "Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past
    for attempt in range(6):
        delay = retry_delay(attempt, 1.0, 10.0, "garbage")
        assert min(2**attempt, 10) * 0.5 <= delay <= min(2**attempt, 10)


def test_invalid_connection_is_an_octopush_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json("http://127.0.0.1:1", max_retries=-2))
    with pytest.raises(OctopushError, match=r"Invalid Octopush connection.*max_retries"):
        OctopushHook().check_balance()


def test_once_the_hook_has_read_the_connection_the_key_is_masked_in_logs(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Airflow registers the password of every connection it hands out with the secrets masker;
    the hook relies on that instead of registering it again. This fails the day it stops."""
    from airflow.sdk._shared.secrets_masker import redact

    key = "Masker-Check-Key-7d1e9a"  # used nowhere else, so nothing registered it before
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(sandbox.url, password=key))
    line = f"calling with api-key {key}"
    assert key in redact(line)
    assert OctopushHook().settings.api_key == key
    assert key not in redact(line) and "***" in redact(line)


@pytest.mark.parametrize(
    "body", [{"code": 500, "message": f"rejected api-key {API_KEY}"}, f"<html>key={API_KEY}</html>"]
)
def test_an_answer_quoting_the_key_is_redacted(octopush_conn: Sandbox, body: object) -> None:
    """A proxy's error page or an echoing server may quote the request: the error never passes the key on."""
    octopush_conn.fault(status=400, body=body)
    with pytest.raises(OctopushError) as info:
        OctopushHook(retry_backoff=0.01).create_voice_campaign_on_list(**CAMPAIGN)
    assert API_KEY not in str(info.value) and "***" in str(info.value)
    assert API_KEY not in (info.value.api_message or "")


def test_an_async_answer_quoting_the_key_is_redacted(octopush_conn: Sandbox) -> None:
    import asyncio

    octopush_conn.fault(path="/voice-campaign-on-list/status", status=403, body={"code": 7, "message": API_KEY})

    async def read() -> None:
        hook = OctopushHook()
        try:
            await hook.aload_settings()
            await hook.aget_voice_campaign_status("voice_1")
        finally:
            await hook.aclose()

    with pytest.raises(OctopushError) as info:
        asyncio.run(read())
    assert API_KEY not in str(info.value) and "code 7: ***" in str(info.value)


def test_a_message_to_numbers_is_sent_in_canonical_form(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    answer = hook.send_voice_message(
        recipients=[{"phone_number": "+33 6 12 34 56 78", "param1": 7}], text="Hi", purpose="ALERT", request_id="m-1"
    )
    (message,) = octopush_conn.messages()
    assert ticket_from(answer) == message["ticket_number"]
    assert message["recipients"] == [{"phone_number": "+33612345678", "param1": "7"}]
    assert message["payload"] == {"text": "Hi", "purpose": "alert", "request_id": "m-1"}
    with pytest.raises(OctopushDuplicateRequestError, match="Nothing was sent twice"):
        hook.send_voice_message(recipients=["+33612345678"], text="Hi", request_id="m-1")


def test_a_message_beyond_500_numbers_or_with_a_list_never_reaches_the_api(
    hook: OctopushHook, octopush_conn: Sandbox
) -> None:
    with pytest.raises(CampaignParameterError, match="at most 500 a call"):
        hook.send_voice_message(recipients=[f"+336{index:08d}" for index in range(501)], text="Hi")
    with pytest.raises(CampaignParameterError, match="not a parameter of a voice message to numbers"):
        hook.send_voice_message(recipients=["+33612345678"], text="Hi", list_name="staff")
    assert octopush_conn.requests() == []


def test_a_message_answered_with_the_older_ticket_key_is_read(hook: OctopushHook, octopush_conn: Sandbox) -> None:
    """Octopush's PHP client reads ``vocal_ticket``, ``number_of_contacts`` and ``total_cost`` from this call."""
    body = {"vocal_ticket": "voice_0ld", "number_of_contacts": 1, "total_cost": 0.06}
    octopush_conn.fault(path="/voice-campaign/send", status=201, body=body)
    assert ticket_from(hook.send_voice_message(recipients=["+33612345678"], text="Hi")) == "voice_0ld"


def test_the_connections_defaults_fill_what_the_call_leaves_unset(
    octopush_conn: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A staging connection with simulation_mode on: every campaign it creates is simulated, unless the task
    says otherwise; purpose goes only where the call takes it."""
    extra = {"sender": "Shop42", "voice_gender": "Female", "purpose": "alert", "simulation_mode": "true"}
    octopush_conn.configure(one_draft=False)
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(octopush_conn.url, **extra))
    hook = OctopushHook()
    hook.create_voice_campaign_on_list(list_name="staff", text="Hi", request_id="a")
    hook.create_voice_campaign_on_list(list_name="staff", text="Hi", request_id="b", simulation_mode=False)
    first, second = (campaign["payload"] for campaign in octopush_conn.campaigns())
    assert first == {
        "list_name": "staff",
        "text": "Hi",
        "sender": "Shop42",
        "voice_gender": "female",
        "simulation_mode": True,
        "request_id": "a",
    }
    assert second["simulation_mode"] is False


def test_contact_calls_send_canonical_json_and_a_replayed_list_create_counts_as_done(
    hook: OctopushHook, octopush_conn: Sandbox
) -> None:
    octopush_conn.fault(path="/contact-list/create", drop="after")  # created, answer lost: the replay meets 302
    assert hook.create_contact_list("staff")["done_by_earlier_attempt"] is True
    with pytest.raises(OctopushRejectedError, match="code 302") as info:
        hook.create_contact_list("staff")
    assert info.value.code == 302
    hook.add_contacts(
        [{"phone_number": "+33 6 00 00 00 00", "first_name": "Ada"}, "+33600000001"],
        list_name="staff",
        tag_name="vip",
        do_not_overwrite="true",
    )
    body = json.loads(octopush_conn.requests("/contact/create")[-1]["body"])
    assert body == {
        "contacts": [{"phone_number": "+33600000000", "first_name": "Ada"}, {"phone_number": "+33600000001"}],
        "list_name": "staff",
        "tag_name": "vip",
        "do_not_overwrite": True,
    }
    hook.remove_contacts(["+33600000001"], list_name="staff")
    assert [row["phone_number"] for row in octopush_conn.lists()["staff"]] == ["+33600000000"]
    hook.empty_contact_list("staff")
    assert octopush_conn.lists()["staff"] == [] and octopush_conn.lists()["vip"] != []


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda hook: hook.create_contact_list("x" * 31), "list_name"),
        (lambda hook: hook.add_contacts(["+33600000000"], tag_name="t" * 21), "tag_name"),
        (lambda hook: hook.add_contacts(["+33600000000"]), "list_name"),
        (lambda hook: hook.add_contacts([], list_name="staff"), "contacts"),
        (lambda hook: hook.add_contacts(["0600000000"], list_name="staff"), "contacts[0].phone_number"),
        (lambda hook: hook.remove_contacts([f"+336{index:08d}" for index in range(201)]), "phone_numbers"),
        (lambda hook: hook.empty_contact_list("staff", delete_contacts="yes"), "delete_contacts"),
    ],
)
def test_bad_contact_input_never_reaches_the_api(
    hook: OctopushHook, octopush_conn: Sandbox, call: Any, parameter: str
) -> None:
    with pytest.raises(CampaignParameterError) as info:
        call(hook)
    assert info.value.parameter == parameter
    assert octopush_conn.requests() == []
