"""The sandbox's account endpoints: the balance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_octopush.api.facts import BALANCE_PATH
from airflow_provider_octopush.sandbox.protocol import Answer, ApiError, Endpoint, Request

if TYPE_CHECKING:
    from airflow_provider_octopush.sandbox.state import SandboxState


def balance(state: SandboxState, request: Request) -> Answer:
    if ("product_name" in request.query) != ("country_code" in request.query):
        raise ApiError(400, 100, "product_name and country_code go together")
    return 200, {"amount": state.balance, "unit": "euros"}


ROUTES: dict[tuple[str, str], Endpoint] = {("GET", BALANCE_PATH): balance}
