"""The receiver's routes, mounted by the API server at ``/octopush``.

``/callbacks/<conn id>/<secret>`` takes Octopush's delivery reports (POST or GET; JSON, form or query string),
stores each once and answers 200 with an empty body, as Octopush asks, within its one second. Airflow does
not authenticate a plugin's routes: the connection's ``callback_secret`` in the path does, compared in
constant time; a wrong or missing secret and an unknown connection get the same 404, a body over
:data:`MAX_BODY` a 413, a malformed one a 400, and none of them stores anything.

``/results/<conn id>?message_id=<ticket>&after=<row>`` gives the stored reports to tasks and triggers, which
cannot read the database, page by page; it takes the same secret as a bearer token.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException as StarletteHTTPException

from airflow_provider_octopush.exceptions import DeliveryReportError, OctopushConnectionError
from airflow_provider_octopush.receiver import store
from airflow_provider_octopush.rules.callback_url import CALLBACKS_ROUTE, RESULTS_ROUTE
from airflow_provider_octopush.rules.connection import CONN_TYPE, callback_secret_from
from airflow_provider_octopush.rules.reports import read_report

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)
MAX_BODY = 16_384  # one report is a few hundred bytes
PAGE = 1000  # reports per /results page, at most
SECRET_CACHE_SECONDS = 10.0  # how long a connection's secret is reused before it is read again
SECRET_RECHECK_SECONDS = 1.0  # how soon a secret that does not match is read again
RETENTION_CHECK_SECONDS = 3600.0


class _Secrets:
    """Each connection's callback secret, read through Airflow's secrets backends, kept ``keep`` seconds.

    A secret that does not match is checked again against the connection if the kept one is older than
    ``recheck`` seconds: a rotated secret works at once, and a stream of wrong ones costs at most one read a
    second per connection.
    """

    def __init__(self, keep: float, recheck: float) -> None:
        self.keep = keep
        self.recheck = recheck
        self._cache: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def match(self, conn_id: str, given: str) -> bool:
        now = time.monotonic()
        with self._lock:
            read_at, secret = self._cache.get(conn_id, (-math.inf, None))
        age = now - read_at
        if age >= self.keep or (age >= self.recheck and not _matches(secret, given)):
            secret = _read_secret(conn_id)
            with self._lock:
                self._cache[conn_id] = (now, secret)
        return _matches(secret, given)


def _read_secret(conn_id: str) -> str | None:
    from airflow.models.connection import Connection

    from airflow_provider_octopush.version_compat import AirflowNotFoundException

    try:
        connection = Connection.get_connection_from_secrets(conn_id)
    except AirflowNotFoundException:
        return None
    if connection.conn_type != CONN_TYPE:
        return None
    try:
        return callback_secret_from(conn_id, connection.extra_dejson)
    except OctopushConnectionError as err:
        log.warning("%s; its reports are refused until it is fixed", err)
        return None


def _matches(expected: str | None, given: str) -> bool:
    # compare_digest takes as long whatever the first differing character: the secret cannot be guessed by timing
    return expected is not None and hmac.compare_digest(expected.encode(), given.encode())


async def _body(request: Request) -> bytes | None:
    """The body, or None when it is over MAX_BODY (read no further than that)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return bytes(body)


def _fields(request: Request, body: bytes) -> dict[str, Any]:
    """The report's fields: the query string's, then the body's over them (JSON object or form)."""
    fields: dict[str, Any] = dict(request.query_params)
    text = body.decode("utf-8").strip()  # UnicodeDecodeError is a ValueError: a malformed body
    if not text:
        return fields
    if "json" in request.headers.get("content-type", "") or text.startswith("{"):
        decoded = json.loads(text)
        if not isinstance(decoded, dict):
            raise ValueError("the JSON body is not an object")
        fields.update(decoded)
    else:
        fields.update(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
    return fields


def _hiding_the_secret(app: ASGIApp) -> ASGIApp:
    """``app``, to which a callback's path comes with its secret replaced by ``***``, in place.

    The API server's access log (and uvicorn's, on older Airflow) prints the path of every request from the
    same scope, after the route has run: so the secret moves into the request's state before the route sees
    it, and no log line can hold it.
    """

    async def hiding(scope: Scope, receive: Receive, send: Send) -> None:
        prefix = f"{scope.get('root_path', '')}{CALLBACKS_ROUTE}/"
        if scope["type"] == "http" and scope["path"].startswith(prefix):
            conn_id, _, secret = scope["path"].removeprefix(prefix).partition("/")
            if secret:
                scope.setdefault("state", {})["callback_secret"] = secret
                scope["path"] = f"{prefix}{conn_id}/***"
                scope["raw_path"] = scope.get("raw_path", b"").replace(secret.encode(), b"***")
        await app(scope, receive, send)

    return hiding


def create_app(
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    secret_cache_seconds: float = SECRET_CACHE_SECONDS,
    secret_recheck_seconds: float = SECRET_RECHECK_SECONDS,
) -> ASGIApp:
    """The receiver, with its own secret cache and retention clock."""
    from airflow_provider_octopush.version_compat import conf

    app = FastAPI(title="Octopush results receiver", docs_url=None, redoc_url=None, openapi_url=None)
    secrets = _Secrets(secret_cache_seconds, secret_recheck_seconds)
    retention = timedelta(days=conf.getfloat("octopush", "results_retention_days", fallback=30.0))
    last_pruned = [-RETENTION_CHECK_SECONDS]

    def prune() -> None:
        if time.monotonic() - last_pruned[0] >= RETENTION_CHECK_SECONDS:
            last_pruned[0] = time.monotonic()
            removed = store.delete_older_than(retention, now())
            if removed:
                log.info("Deleted %d Octopush reports older than %s", removed, retention)

    @app.exception_handler(StarletteHTTPException)
    async def no_details(request: Request, error: StarletteHTTPException) -> Response:
        return Response(status_code=error.status_code)  # a stranger learns nothing, Octopush gets no body

    @app.api_route(CALLBACKS_ROUTE + "/{conn_id}/***", methods=["GET", "POST"])
    async def receive(conn_id: str, request: Request) -> Response:
        if not await run_in_threadpool(secrets.match, conn_id, request.state.callback_secret):
            return Response(status_code=404)
        body = await _body(request)
        if body is None:
            return Response(status_code=413)
        try:
            report = read_report(_fields(request, body))
        except (DeliveryReportError, ValueError) as err:
            log.warning("Refused an Octopush report for connection %r: %s", conn_id, err)
            return Response(status_code=400)
        await run_in_threadpool(store.save, conn_id, report, now())
        return Response(status_code=200, background=BackgroundTask(prune))  # pruned after the answer

    @app.get(RESULTS_ROUTE + "/{conn_id}")
    async def results(conn_id: str, request: Request, message_id: str, after: int = 0) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not await run_in_threadpool(secrets.match, conn_id, token):
            return Response(status_code=404)
        rows = await run_in_threadpool(store.read, conn_id, message_id, after=after, limit=PAGE)
        for row in rows:
            row["received_at"] = row["received_at"].isoformat()
        page = {"reports": rows, "next": rows[-1]["id"] if len(rows) == PAGE else None}
        return Response(json.dumps(page), media_type="application/json")

    return _hiding_the_secret(app)
