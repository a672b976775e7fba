"""The sandbox's test hooks under ``/_sandbox/``: what it holds, faults to inject, its behaviour, a reset."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, replace
from typing import TYPE_CHECKING

from airflow_provider_octopush.api.facts import COMPUTING
from airflow_provider_octopush.sandbox.state import Behaviour, Fault, SandboxState

if TYPE_CHECKING:
    from airflow_provider_octopush.sandbox.protocol import Answer, Endpoint, Request


def campaigns(state: SandboxState, request: Request) -> Answer:
    with state.lock:
        return 200, [campaign.as_json() for campaign in state.campaigns.values()]


def lists(state: SandboxState, request: Request) -> Answer:
    with state.lock:
        return 200, {
            name: [state.contacts.get(number, {"phone_number": number}) for number in members]
            for name, members in state.lists.items()
        }


def messages(state: SandboxState, request: Request) -> Answer:
    with state.lock:
        return 200, list(state.messages)


def sms(state: SandboxState, request: Request) -> Answer:
    with state.lock:
        return 200, list(state.sms)


def requests(state: SandboxState, request: Request) -> Answer:
    with state.lock:
        return 200, list(state.requests)


def callbacks_sent(state: SandboxState, request: Request) -> Answer:
    with state.lock:
        return 200, list(state.callbacks_sent)


def faults(state: SandboxState, request: Request) -> Answer:
    queued = [Fault(**item) for item in json.loads(request.raw or b"[]")]
    with state.lock:
        state.faults.extend(queued)
    return 200, {"queued": len(queued)}


def config(state: SandboxState, request: Request) -> Answer:
    with state.lock:
        state.behaviour = Behaviour(**{**asdict(state.behaviour), **json.loads(request.raw or b"{}")})
        return 200, asdict(state.behaviour)


def finish(state: SandboxState, request: Request) -> Answer:
    """Every campaign still being computed is computed now: tests end a "hold" this way."""
    with state.lock:
        finished = [campaign for campaign in state.campaigns.values() if campaign.status == COMPUTING]
        for campaign in finished:
            campaign.behaviour = replace(campaign.behaviour, computation_delay=0.0)
    return 200, {"finished": len(finished)}


def cancel_drafts(state: SandboxState, request: Request) -> Answer:
    """Every campaign awaiting validation is cancelled, as a person clearing the account would: a suite that
    turns one draft per account on mid-way starts from a free account."""
    with state.lock:
        pending = [campaign for campaign in state.campaigns.values() if campaign.pending]
        for campaign in pending:
            campaign.cancelled_at = time.time()
    return 200, {"cancelled": len(pending)}


def reset(state: SandboxState, request: Request) -> Answer:
    state.reset()
    return 200, {"reset": True}


ROUTES: dict[tuple[str, str], Endpoint] = {
    ("GET", "campaigns"): campaigns,
    ("GET", "lists"): lists,
    ("GET", "messages"): messages,
    ("GET", "sms"): sms,
    ("GET", "requests"): requests,
    ("GET", "callbacks"): callbacks_sent,
    ("POST", "faults"): faults,
    ("POST", "config"): config,
    ("POST", "finish"): finish,
    ("POST", "cancel_drafts"): cancel_drafts,
    ("POST", "reset"): reset,
}
