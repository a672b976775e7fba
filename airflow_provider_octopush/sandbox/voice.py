"""The sandbox's voice endpoints: campaigns on lists (sandbox.list_campaigns), their draft, messages to numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.api.facts import DIRECT_SEND_PATH, DRAFT_PATH, VOICE
from airflow_provider_octopush.rules.parameters import normalize_campaign, normalize_message
from airflow_provider_octopush.sandbox.callbacks import call_back
from airflow_provider_octopush.sandbox.list_campaigns import routes
from airflow_provider_octopush.sandbox.protocol import (
    Answer,
    Endpoint,
    Request,
    bad_input_refused,
    checked_message,
    new_ticket,
    refuse_a_repeat,
)

if TYPE_CHECKING:
    from airflow_provider_octopush.sandbox.state import SandboxState


def _checked(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    with bad_input_refused():
        return normalize_campaign(body), 1


def draft(state: SandboxState, request: Request) -> Answer:
    """The documented answer: the campaign awaiting validation (the latest, if many are), else 204."""
    with state.lock:
        pending = [
            campaign for campaign in state.campaigns.values() if campaign.pending and campaign.channel == VOICE.key
        ]
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
    **routes(VOICE, _checked, "voice_sms"),
    ("GET", DRAFT_PATH): draft,
    ("POST", DIRECT_SEND_PATH): send_message,
}
