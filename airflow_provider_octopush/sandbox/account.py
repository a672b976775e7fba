"""The sandbox's account endpoints: the balance, the account's settings and the callback URLs they hold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_octopush.api.facts import (
    ACCOUNT_SETTINGS_EDIT_PATH,
    ACCOUNT_SETTINGS_PATH,
    BALANCE_PATH,
    CALLBACK_KEYS,
)
from airflow_provider_octopush.sandbox.protocol import Answer, ApiError, Endpoint, Request

if TYPE_CHECKING:
    from airflow_provider_octopush.sandbox.state import SandboxState


def balance(state: SandboxState, request: Request) -> Answer:
    if ("product_name" in request.query) != ("country_code" in request.query):
        raise ApiError(400, 100, "product_name and country_code go together")
    return 200, {"amount": state.balance, "unit": "euros"}


def account_settings(state: SandboxState, request: Request) -> Answer:
    with state.lock:
        return 200, {"campaign_parameters": {"sender_for_voice_sms": "Sandbox"}, "callbacks": dict(state.callbacks)}


def edit_account_settings(state: SandboxState, request: Request) -> Answer:
    callbacks = request.body.get("callbacks")
    if not isinstance(callbacks, dict) or not callbacks:
        raise ApiError(400, 100, "callbacks must be an object of callback URLs")
    for key, url in callbacks.items():
        if key not in CALLBACK_KEYS:  # any other is refused, as a strict server would
            raise ApiError(400, 100, f"unknown callback {key!r}")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ApiError(400, 100, f"{key} must be an http(s) URL")
    with state.lock:
        state.callbacks.update(callbacks)
    return 200, {}


ROUTES: dict[tuple[str, str], Endpoint] = {
    ("GET", BALANCE_PATH): balance,
    ("GET", ACCOUNT_SETTINGS_PATH): account_settings,
    ("PATCH", ACCOUNT_SETTINGS_EDIT_PATH): edit_account_settings,
}
