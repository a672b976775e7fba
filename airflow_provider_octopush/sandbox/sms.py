"""The sandbox's SMS endpoints: an SMS to numbers, checked as strictly as a voice message, then "texted" at once;
SMS campaigns on lists (sandbox.list_campaigns)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.api.facts import CODE_STOP_MISSING, SMS, SMS_SEND_PATH
from airflow_provider_octopush.exceptions import CampaignParameterError
from airflow_provider_octopush.rules.parameters import check_sms_content, normalize_sms_campaign, normalize_sms_message
from airflow_provider_octopush.rules.sms_text import sms_length
from airflow_provider_octopush.sandbox.list_campaigns import routes
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

if TYPE_CHECKING:
    from collections.abc import Iterable

    from airflow_provider_octopush.sandbox.state import SandboxState


def _content_checked(canonical: dict[str, Any], phone_numbers: Iterable[str] | None) -> int:
    """The SMS parts each recipient is billed; the opt-out mention refused with 121 when missing."""
    try:
        check_sms_content(canonical, phone_numbers)
    except CampaignParameterError as err:
        raise ApiError(400, CODE_STOP_MISSING if err.parameter == "text" else 100, str(err)) from None
    return sms_length(canonical["text"]).parts


def _checked_campaign(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    with bad_input_refused():
        canonical = normalize_sms_campaign(body)
    return canonical, _content_checked(canonical, None)


def send_sms(state: SandboxState, request: Request) -> Answer:
    """Like Octopush: billed per SMS part and recipient; the opt-out mention refused with 121 when missing."""
    canonical, recipients = checked_message(request, normalize_sms_message)
    parts = _content_checked(canonical, (recipient["phone_number"] for recipient in recipients))
    request_id = canonical.get("request_id")
    with state.lock:
        refuse_a_repeat(state, request_id)
        ticket = new_ticket(state, request_id, channel="sms")
        cost = round(len(recipients) * parts * state.behaviour.cost_per_contact, 2)
        state.sms.append(
            {"sms_ticket": ticket, "request_id": request_id, "payload": canonical, "recipients": recipients}
        )
    return 201, {"sms_ticket": ticket, "number_of_contacts": len(recipients), "total_cost": cost}


ROUTES: dict[tuple[str, str], Endpoint] = {("POST", SMS_SEND_PATH): send_sms, **routes(SMS, _checked_campaign, "sms")}
