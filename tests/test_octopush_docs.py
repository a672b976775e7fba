"""A second, independent check of the rules: examples from Octopush's documentation pages.

The sandbox checks requests with the provider's own rules, so a rule that is wrong for
Octopush would pass both sides unnoticed. Here the hook's payloads (captured by a plain
pytest-httpserver, not the sandbox) and the sandbox's answers are held against what
Octopush's pages show: ``tests/fixtures/octopush_docs.json``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import connection_json

from airflow_provider_octopush.api.answers import Draft, ticket_from
from airflow_provider_octopush.api.facts import CREATE_PATH, DRAFT_PATH, SEND_PATH, STATUS_PATH
from airflow_provider_octopush.hooks.octopush import OctopushHook
from airflow_provider_octopush.rules.parameters import (
    BOOLEAN_PARAMETERS,
    CAMPAIGN_PARAMETERS,
    SEGMENTATIONS,
    TEXT_MAX_LENGTH,
    VOICE_GENDERS,
    VOICE_LANGUAGES,
)
from airflow_provider_octopush.steps.campaign import CampaignStatus
from airflow_provider_octopush.steps.draft_recovery import find_draft

if TYPE_CHECKING:
    from conftest import Sandbox
    from pytest_httpserver import HTTPServer

DOCS = json.loads((Path(__file__).parent / "fixtures" / "octopush_docs.json").read_text())
PARAMETERS = DOCS["create"]["parameters"]
JSON_TYPES = {"string": str, "boolean": bool}
FULL_CAMPAIGN = {
    "list_name": "staff",
    "tag_name": "night-shift",
    "segmentation": "group",
    "text": "The nightly check found a problem.",
    "sender": "Shop42",
    "send_at": DOCS["create"]["parameters"]["send_at"]["example"],
    "voice_gender": "female",
    "voice_language": "fr-FR",
    "simulation_mode": True,
    "auto_remove_blacklisted_numbers": False,
    "get_back_pressed_keys": True,
    "request_id": "docs-check-1",
}


def test_the_provider_knows_exactly_the_documented_parameters() -> None:
    assert set(CAMPAIGN_PARAMETERS) == set(PARAMETERS)
    assert {name for name, spec in PARAMETERS.items() if spec["type"] == "boolean"} == set(BOOLEAN_PARAMETERS)
    assert list(VOICE_LANGUAGES) == PARAMETERS["voice_language"]["values"]
    assert list(VOICE_GENDERS) == PARAMETERS["voice_gender"]["values"]
    assert list(SEGMENTATIONS) == PARAMETERS["segmentation"]["values"]
    assert PARAMETERS["text"]["length"][1] == TEXT_MAX_LENGTH


@pytest.fixture
def docs_server(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    """A plain HTTP server standing in for Octopush with the documentation's answers, nothing of ours."""
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(httpserver.url_for("/v1/public")))
    httpserver.expect_request("/v1/public" + CREATE_PATH, method="POST").respond_with_json(
        DOCS["create"]["response_example"], status=201
    )
    httpserver.expect_request("/v1/public" + STATUS_PATH, method="GET").respond_with_json(
        DOCS["status"]["response_example"],
        status=201,  # the English page says 201, the French one 200
    )
    httpserver.expect_request("/v1/public" + SEND_PATH, method="POST").respond_with_data("", status=200)
    return httpserver


def sent(server: HTTPServer, path: str) -> Any:
    (request,) = [request for request, _ in server.log if request.path.endswith(path)]
    return request


def test_the_create_payload_has_the_documented_types_and_formats(docs_server: HTTPServer) -> None:
    hook = OctopushHook()
    ticket = ticket_from(hook.create_voice_campaign_on_list(**FULL_CAMPAIGN))
    assert ticket == DOCS["create"]["response_example"]["ticket_number"]
    request = sent(docs_server, CREATE_PATH)
    assert {name for name in DOCS["create"]["headers"] if request.headers.get(name)} == {"api-key", "api-login"}
    assert request.headers["Content-Type"] == "application/json"
    payload = request.get_json()
    assert set(payload) == set(PARAMETERS)
    for name, value in payload.items():
        assert type(value) is JSON_TYPES[PARAMETERS[name]["type"]], f"{name} is sent as {type(value).__name__}"
    assert payload["send_at"] == PARAMETERS["send_at"]["example"]  # the documented format, to the letter
    assert re.fullmatch(PARAMETERS["sender"]["pattern"], payload["sender"])
    for name in ("segmentation", "voice_gender", "voice_language"):
        assert payload[name] in PARAMETERS[name]["values"]


def test_the_documented_status_answer_reads_as_its_figures(docs_server: HTTPServer) -> None:
    hook = OctopushHook()
    ticket = "voice_xxxX0000xxxxx0000"
    status = CampaignStatus.from_response(ticket, hook.get_voice_campaign_status(ticket))
    assert sent(docs_server, STATUS_PATH).args["ticket_number"] == ticket
    example = DOCS["status"]["response_example"]
    assert (status.status, status.number_of_contacts, status.cost, status.estimated_duration) == (
        example["status"],
        example["number_of_contacts"],
        example["cost"],
        example["estimated_duration"],
    )
    assert hook.send_voice_campaign(ticket) == {}  # "200 OK" without a body is a success
    assert sent(docs_server, SEND_PATH).get_json().keys() == DOCS["send"]["body_example"].keys()


@pytest.mark.parametrize("documented", ["response_example", "no_draft"])
def test_the_documented_draft_answers_read_as_a_draft_or_none(httpserver: HTTPServer, documented: str) -> None:
    example = DOCS["draft"][documented]
    handler = httpserver.expect_request("/v1/public" + DRAFT_PATH, method="GET")
    if documented == "no_draft":
        handler.respond_with_data("", status=example)
    else:
        handler.respond_with_json(example, status=200)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(httpserver.url_for("/v1/public")))
        draft = find_draft(OctopushHook())
    if documented == "no_draft":
        assert draft is None
    else:
        assert draft == Draft(example["ticket_number"], "validated", 1, 0.03, request_id=None)


def shape(value: Any) -> Any:
    return {key: type(item).__name__ for key, item in value.items()} if isinstance(value, dict) else type(value)


def test_the_sandbox_answers_like_the_documentation(octopush_conn: Sandbox) -> None:
    octopush_conn.configure(computation_delay=0)
    hook = OctopushHook()
    answer = hook.create_voice_campaign_on_list(**FULL_CAMPAIGN)
    assert shape(answer) == shape(DOCS["create"]["response_example"])
    ticket = ticket_from(answer)
    assert re.fullmatch(r"voice_[0-9a-zA-Z]{13}", ticket)  # like the documented voice_5f3fbce61266e
    status = hook.get_voice_campaign_status(ticket)
    documented = DOCS["status"]["response_example"]
    assert status.keys() == documented.keys()
    assert shape(status)["status"] == "str" and status["status"] in DOCS["status"]["status_values"]
    for key in ("number_of_contacts", "cost", "estimated_duration"):
        assert isinstance(status[key], (int, float)), key
    (request,) = [item for item in octopush_conn.requests(CREATE_PATH)]
    assert json.loads(request["body"]) == FULL_CAMPAIGN
    draft = hook.get_voice_campaign_draft()
    assert draft is not None and draft.keys() == DOCS["draft"]["response_example"].keys()
    assert shape(draft) == {**shape(DOCS["draft"]["response_example"]), "status": "str", "estimated_duration": "float"}
    assert hook.send_voice_campaign(ticket) == {}
    assert len(octopush_conn.requests(SEND_PATH)) == 1
    assert hook.get_voice_campaign_draft() is None  # sent: no draft left, answered 204
