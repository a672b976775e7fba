"""The sandbox's voice endpoints: campaigns on lists (create, status, send, cancel, draft), messages to numbers."""

from __future__ import annotations

import time
from typing import Any

from airflow_provider_octopush.api.facts import (
    CANCEL_PATH,
    CODE_ALREADY_SENT,
    CODE_CAMPAIGN_BEING_BUILT,
    CODE_DRAFT_PENDING,
    CODE_NOT_FOUND,
    COMPUTING,
    CREATE_PATH,
    DIRECT_SEND_PATH,
    DRAFT_PATH,
    READY,
    SEND_PATH,
    STATUS_PATH,
)
from airflow_provider_octopush.rules.parameters import normalize_campaign, normalize_message
from airflow_provider_octopush.sandbox.callbacks import call_back
from airflow_provider_octopush.sandbox.protocol import (
    Answer,
    ApiError,
    Endpoint,
    Request,
    bad_input_refused,
    checked_message,
    new_ticket,
    refuse_a_repeat,
)
from airflow_provider_octopush.sandbox.state import SENT, Campaign, SandboxState


def _campaign(state: SandboxState, ticket: str) -> Campaign:
    campaign = state.campaigns.get(ticket)
    if campaign is None or campaign.cancelled_at is not None:
        raise ApiError(400, CODE_NOT_FOUND, f"Campaign {ticket} not found")
    return campaign


def create(state: SandboxState, request: Request) -> Answer:
    """A campaign on a list or tag, refused unless every parameter is in canonical form; one draft at a time."""
    body = request.body
    with bad_input_refused():
        canonical = normalize_campaign(body)
    for name, value in body.items():
        if canonical.get(name) != value or type(canonical.get(name)) is not type(value):
            raise ApiError(400, 100, f"parameter {name!r}: {value!r} is not in canonical form")
    request_id = canonical.get("request_id")
    with state.lock:
        refuse_a_repeat(state, request_id)
        if state.behaviour.one_draft and any(campaign.pending for campaign in state.campaigns.values()):
            raise ApiError(400, CODE_DRAFT_PENDING, "A campaign is already waiting for approval")
        ticket = new_ticket(state, request_id)
        campaign = Campaign(ticket, request_id, canonical, time.time(), state.behaviour)
        held = [
            state.lists[name] for name in (canonical.get("list_name"), canonical.get("tag_name")) if name in state.lists
        ]
        if held:
            campaign.contacts = len(set().union(*held))
        state.campaigns[ticket] = campaign
    return 201, {"ticket_number": ticket}


def status(state: SandboxState, request: Request) -> Answer:
    """Like the documented SMS twin: HTTP 400 with code 129 while the campaign is being built."""
    with state.lock:
        campaign = _campaign(state, request.ticket())
        if campaign.status == COMPUTING:
            raise ApiError(400, CODE_CAMPAIGN_BEING_BUILT, "The campaign is being built, retry in a few seconds")
        return 200, campaign.figures()


def send(state: SandboxState, request: Request) -> Answer:
    with state.lock:
        campaign = _campaign(state, request.ticket())
        campaign.send_calls += 1
        if campaign.status == SENT:
            raise ApiError(400, CODE_ALREADY_SENT, "The campaign has already been sent")
        if campaign.status != READY:
            raise ApiError(
                400, CODE_CAMPAIGN_BEING_BUILT, f"The campaign cannot be sent: its status is {campaign.status}"
            )
        campaign.sent_at = time.time()
        numbers = _recipients(state, campaign)
    call_back(state, campaign.ticket_number, numbers)
    return 200, None  # documented: "200 OK", no body


def _recipients(state: SandboxState, campaign: Campaign) -> list[str]:
    """Who a sent campaign phones: its list's and tag's numbers when the sandbox holds them, else made-up ones."""
    names = (campaign.payload.get("list_name"), campaign.payload.get("tag_name"))
    held = [number for name in names if name in state.lists for number in state.lists[name]]
    if held:
        return list(dict.fromkeys(held))
    return [f"+336{index:08d}" for index in range(1, campaign.behaviour.contacts + 1)]


def cancel(state: SandboxState, request: Request) -> Answer:
    with state.lock:
        campaign = _campaign(state, request.ticket())
        if campaign.status == SENT:
            raise ApiError(400, CODE_ALREADY_SENT, "The campaign has already been sent and cannot be cancelled")
        campaign.cancelled_at = time.time()
    return 204, None


def draft(state: SandboxState, request: Request) -> Answer:
    """The documented answer: the campaign awaiting validation (the latest, if many are), else 204."""
    with state.lock:
        pending = [campaign for campaign in state.campaigns.values() if campaign.pending]
        if not pending:
            return 204, None
        campaign = pending[-1]
        figures = campaign.figures()
        body: dict[str, Any] = {
            "ticket_number": campaign.ticket_number,
            "status": figures["status"],
            "code": 0,
            "message": "",
            "number_of_contacts": figures["number_of_contacts"],
            "residual_credit": state.balance,
            "total_cost": figures["cost"],
            "estimated_duration": figures["estimated_duration"],
        }
        if campaign.behaviour.draft_names_request_id and campaign.request_id:
            body["request_id"] = campaign.request_id
    return 200, body


def send_message(state: SandboxState, request: Request) -> Answer:
    """A voice message to numbers: checked as strictly as a create, then "phoned" at once."""
    canonical, recipients = checked_message(request, normalize_message)
    request_id = canonical.get("request_id")
    with state.lock:
        refuse_a_repeat(state, request_id)
        ticket = new_ticket(state, request_id)
        cost = round(len(recipients) * state.behaviour.cost_per_contact, 2)
        state.messages.append(
            {"ticket_number": ticket, "request_id": request_id, "payload": canonical, "recipients": recipients}
        )
    call_back(state, ticket, [recipient["phone_number"] for recipient in recipients])
    return 201, {"ticket_number": ticket, "number_of_contacts": len(recipients), "total_cost": cost}


ROUTES: dict[tuple[str, str], Endpoint] = {
    ("POST", CREATE_PATH): create,
    ("GET", STATUS_PATH): status,
    ("POST", SEND_PATH): send,
    ("DELETE", CANCEL_PATH): cancel,
    ("GET", DRAFT_PATH): draft,
    ("POST", DIRECT_SEND_PATH): send_message,
}
