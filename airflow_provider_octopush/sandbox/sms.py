"""The sandbox's SMS endpoint: an SMS to numbers, checked as strictly as a voice message, then "texted" at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_octopush.api.facts import CODE_STOP_MISSING, SMS_SEND_PATH
from airflow_provider_octopush.exceptions import CampaignParameterError
from airflow_provider_octopush.rules.parameters import check_sms_content, normalize_sms_message
from airflow_provider_octopush.rules.sms_text import sms_length
from airflow_provider_octopush.sandbox.protocol import (
    Answer,
    ApiError,
    Endpoint,
    Request,
    checked_message,
    new_ticket,
    refuse_a_repeat,
)

if TYPE_CHECKING:
    from airflow_provider_octopush.sandbox.state import SandboxState


def send_sms(state: SandboxState, request: Request) -> Answer:
    """Like Octopush: billed per SMS part and recipient; the opt-out mention refused with 121 when missing."""
    canonical, recipients = checked_message(request, normalize_sms_message)
    try:
        check_sms_content(canonical, (recipient["phone_number"] for recipient in recipients))
    except CampaignParameterError as err:
        raise ApiError(400, CODE_STOP_MISSING if err.parameter == "text" else 100, str(err)) from None
    parts = sms_length(canonical["text"]).parts
    request_id = canonical.get("request_id")
    with state.lock:
        refuse_a_repeat(state, request_id)
        ticket = new_ticket(state, request_id, channel="sms")
        cost = round(len(recipients) * parts * state.behaviour.cost_per_contact, 2)
        state.sms.append(
            {"sms_ticket": ticket, "request_id": request_id, "payload": canonical, "recipients": recipients}
        )
    return 201, {"sms_ticket": ticket, "number_of_contacts": len(recipients), "total_cost": cost}


ROUTES: dict[tuple[str, str], Endpoint] = {("POST", SMS_SEND_PATH): send_sms}
