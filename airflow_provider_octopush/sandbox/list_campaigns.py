"""The sandbox's list campaigns, voice or SMS: create, status, send, cancel, on each channel's own endpoints.

Both channels follow the documented lifecycle (computed, then validated or cancelled) with the same
strictness: a create is refused unless every parameter is in canonical form, one campaign of a channel
awaits validation at a time (126), and a ticket of another channel is not found (131).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.api.facts import (
    CODE_ALREADY_SENT,
    CODE_CAMPAIGN_BEING_BUILT,
    CODE_DRAFT_PENDING,
    CODE_NOT_FOUND,
    COMPUTING,
    READY,
)
from airflow_provider_octopush.sandbox.callbacks import call_back
from airflow_provider_octopush.sandbox.protocol import ApiError, new_ticket, refuse_a_repeat
from airflow_provider_octopush.sandbox.state import SENT, Campaign

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_octopush.api.facts import Channel
    from airflow_provider_octopush.sandbox.protocol import Answer, Endpoint, Request
    from airflow_provider_octopush.sandbox.state import SandboxState


def routes(
    channel: Channel, checked: Callable[[dict[str, Any]], tuple[dict[str, Any], int]], report_channel: str
) -> dict[tuple[str, str], Endpoint]:
    """The four endpoints of ``channel``. ``checked(body)``: the canonical parameters and the parts each
    recipient is billed (1 for voice, the SMS parts of the text), or an :class:`ApiError`.
    ``report_channel``: the ``channel`` field of the delivery reports sent once a campaign is sent."""

    def find(state: SandboxState, ticket: str) -> Campaign:
        campaign = state.campaigns.get(ticket)
        if campaign is None or campaign.cancelled_at is not None or campaign.channel != channel.key:
            raise ApiError(400, CODE_NOT_FOUND, f"Campaign {ticket} not found")
        return campaign

    def create(state: SandboxState, request: Request) -> Answer:
        body = request.body
        canonical, parts = checked(body)
        for name, value in body.items():
            if canonical.get(name) != value or type(canonical.get(name)) is not type(value):
                raise ApiError(400, 100, f"parameter {name!r}: {value!r} is not in canonical form")
        request_id = canonical.get("request_id")
        with state.lock:
            refuse_a_repeat(state, request_id)
            pending = [c for c in state.campaigns.values() if c.pending and c.channel == channel.key]
            if state.behaviour.one_draft and pending:
                raise ApiError(400, CODE_DRAFT_PENDING, "A campaign is already waiting for approval")
            ticket = new_ticket(state, request_id, channel=channel.key)
            campaign = Campaign(
                ticket, request_id, canonical, time.time(), state.behaviour, channel=channel.key, parts=parts
            )
            targets = (canonical.get("list_name"), canonical.get("tag_name"))
            held = [state.lists[name] for name in targets if name in state.lists]
            if held:
                campaign.contacts = len(set().union(*held))
            state.campaigns[ticket] = campaign
        return 201, {"ticket_number": ticket}

    def status(state: SandboxState, request: Request) -> Answer:
        """Like the documented SMS endpoint: HTTP 400 with code 129 while the campaign is being built."""
        with state.lock:
            campaign = find(state, request.ticket())
            if campaign.status == COMPUTING:
                raise ApiError(400, CODE_CAMPAIGN_BEING_BUILT, "The campaign is being built, retry in a few seconds")
            return 200, campaign.figures()

    def send(state: SandboxState, request: Request) -> Answer:
        with state.lock:
            campaign = find(state, request.ticket())
            campaign.send_calls += 1
            if campaign.status == SENT:
                raise ApiError(400, CODE_ALREADY_SENT, "The campaign has already been sent")
            if campaign.status != READY:
                raise ApiError(
                    400, CODE_CAMPAIGN_BEING_BUILT, f"The campaign cannot be sent: its status is {campaign.status}"
                )
            campaign.sent_at = time.time()
            numbers = _recipients(state, campaign)
        call_back(state, campaign.ticket_number, numbers, report_channel)
        # Documented: voice "200 OK" without a body; SMS with its sending date.
        return 200, {"sending_date": time.strftime("%Y-%m-%d %H:%M:%S")} if channel.key == "sms" else None

    def cancel(state: SandboxState, request: Request) -> Answer:
        with state.lock:
            campaign = find(state, request.ticket())
            if campaign.status == SENT:
                raise ApiError(400, CODE_ALREADY_SENT, "The campaign has already been sent and cannot be cancelled")
            campaign.cancelled_at = time.time()
        return 204, None

    return {
        ("POST", channel.create_path): create,
        ("GET", channel.status_path): status,
        ("POST", channel.send_path): send,
        ("DELETE", channel.cancel_path): cancel,
    }


def _recipients(state: SandboxState, campaign: Campaign) -> list[str]:
    """Who a sent campaign reaches: its list's and tag's numbers when the sandbox holds them, else made-up ones."""
    names = (campaign.payload.get("list_name"), campaign.payload.get("tag_name"))
    held = [number for name in names if name in state.lists for number in state.lists[name]]
    if held:
        return list(dict.fromkeys(held))
    return [f"+336{index:08d}" for index in range(1, campaign.behaviour.contacts + 1)]
