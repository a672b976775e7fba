"""The sandbox's HTTP server: each request routed by method and path to an endpoint of the tables below."""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from airflow_provider_octopush.api.facts import CODE_BAD_LOGIN
from airflow_provider_octopush.sandbox import account, admin, contacts, sms, voice
from airflow_provider_octopush.sandbox.protocol import Answer, ApiError, Endpoint, Request

if TYPE_CHECKING:
    from airflow_provider_octopush.sandbox.state import SandboxState

API_PREFIX = "/v1/public"
ADMIN_PREFIX = "/_sandbox/"
ROUTES: dict[tuple[str, str], Endpoint] = {**voice.ROUTES, **sms.ROUTES, **contacts.ROUTES, **account.ROUTES}


class SandboxHandler(BaseHTTPRequestHandler):
    """Records the request, applies an injected fault, checks the auth headers and calls the endpoint."""

    server: SandboxServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API behind its load balancer
    disable_nagle_algorithm = True  # headers and body leave at once: no 40 ms delayed-ACK stall per call

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        request = Request(parse_qs(url.query), raw)
        state = self.server.state
        if url.path.startswith(ADMIN_PREFIX):  # test hooks: no auth, no faults, not recorded
            what = url.path.removeprefix(ADMIN_PREFIX)
            endpoint = admin.ROUTES.get((method, what))
            if endpoint is None:
                self._send(404, {"code": 404, "message": f"no sandbox admin endpoint {method} {what}"})
            else:
                self._send(*endpoint(state, request))
            return
        path = url.path.removeprefix(API_PREFIX)
        body = raw.decode(errors="replace")
        with state.lock:
            state.requests.append(
                {"method": method, "path": path, "at": time.time(), "client_port": self.client_address[1], "body": body}
            )
        fault = state.take_fault(path, body)
        if fault and fault.status is not None:
            self._send(fault.status, fault.body, fault.headers)
            return
        if fault and fault.drop == "before":
            self._drop()
            return
        try:
            self._check_auth()
            status, answer = self._route(method, path, request)
        except ApiError as err:
            status, answer = err.status, {"code": err.code, "message": err.message}
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.drop == "after":
            self._drop()
            return
        self._send(status, answer)

    def _check_auth(self) -> None:
        state = self.server.state
        login_ok = secrets.compare_digest(self.headers.get("api-login", ""), state.login)
        key_ok = secrets.compare_digest(self.headers.get("api-key", ""), state.api_key)
        if not (login_ok and key_ok):
            raise ApiError(401, CODE_BAD_LOGIN, "Authentication failed: check the api-login and api-key headers")

    def _route(self, method: str, path: str, request: Request) -> Answer:
        endpoint = ROUTES.get((method, path))
        if endpoint is None:
            raise ApiError(404, 404, f"no endpoint {method} {path} in the sandbox")
        return endpoint(self.server.state, request)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        if body is None:
            data = b""
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode()
        self.send_response(status)
        headers = {"Content-Type": "application/json", **(headers or {})}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        """Close the connection without an answer, as a reset or a crashed proxy would."""
        self.close_connection = True
        self.wfile.flush()
        self.connection.shutdown(2)


class SandboxServer(ThreadingHTTPServer):
    """The sandbox HTTP server; ``url`` is the base URL to put in the connection's host."""

    daemon_threads = True

    def __init__(self, state: SandboxState, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False) -> None:
        super().__init__((host, port), SandboxHandler)
        self.state = state
        self.verbose = verbose

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}{API_PREFIX}"

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="octopush-sandbox", daemon=True)
        thread.start()
        return thread
