"""Reading a ticket's reports from the results receiver, as tasks and triggers must (no database access).

The receiver runs in the API server, which every worker and triggerer already reaches: its URL is the one
they use for the Execution API (``[core] execution_api_server_url``, derived from ``[api] base_url`` when
unset), without ``/execution/``. Each page is read with the connection's ``callback_secret`` as the token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.exceptions import OctopushError
from airflow_provider_octopush.rules.callback_url import results_url

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from airflow_provider_octopush.hooks.octopush import OctopushHook

TIMEOUT = 30.0


def api_server_url() -> str:
    """The API server as this process reaches it (the Execution API's URL, less its path)."""
    from airflow_provider_octopush.version_compat import conf

    execution = conf.get("core", "execution_api_server_url", fallback=None)
    if execution:
        return execution.rstrip("/").removesuffix("/execution")
    base = conf.get("api", "base_url", fallback="/") or "/"
    return f"http://localhost:8080{base}".rstrip("/") if base.startswith("/") else base.rstrip("/")


def _where(hook: OctopushHook) -> tuple[str, dict[str, str]]:
    return results_url(api_server_url(), hook.octopush_conn_id), {"Authorization": f"Bearer {hook.callback_secret}"}


def _failed(url: str, what: str) -> OctopushError:
    return OctopushError(
        f"Reading the Octopush results at {url} failed: {what}. The receiver runs in Airflow's API server: check "
        "that it is up and that the provider is installed there."
    )


def _page(url: str, status: int, page: Any, after: int) -> tuple[list[dict[str, Any]], int, bool]:
    """A page's rows, the last row id read, and whether more follow."""
    if status != 200:
        raise _failed(url, f"HTTP {status} (404: the connection's secret differs there)")
    rows = page["reports"]
    return rows, rows[-1]["id"] if rows else after, page["next"] is not None


def read_pages(hook: OctopushHook, ticket_number: str, after: int = 0) -> Iterator[tuple[list[dict[str, Any]], int]]:
    """Each page of the ticket's reports stored after row ``after``, with the last row id read."""
    import requests

    url, headers = _where(hook)
    more = True
    while more:
        try:
            query: dict[str, str | int] = {"message_id": ticket_number, "after": after}
            answer = requests.get(url, params=query, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as err:
            raise _failed(url, type(err).__name__) from None
        rows, after, more = _page(url, answer.status_code, answer.json() if answer.status_code == 200 else None, after)
        yield rows, after


async def aread_pages(
    hook: OctopushHook, ticket_number: str, after: int = 0
) -> AsyncIterator[tuple[list[dict[str, Any]], int]]:
    """:func:`read_pages` for a trigger's event loop."""
    import httpx

    await hook.aload_settings()
    url, headers = _where(hook)
    more = True
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        while more:
            try:
                answer = await client.get(url, params={"message_id": ticket_number, "after": after}, headers=headers)
            except httpx.HTTPError as err:
                raise _failed(url, type(err).__name__) from None
            rows, after, more = _page(
                url, answer.status_code, answer.json() if answer.status_code == 200 else None, after
            )
            yield rows, after
