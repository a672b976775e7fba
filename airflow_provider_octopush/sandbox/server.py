"""octopush-sandbox: a local stand-in for the Octopush API, for demos, tests and DAG authors.

It implements the endpoints this provider calls, with the documented behaviour: both
auth headers checked (401 otherwise), the parameter rules of
:mod:`airflow_provider_octopush.rules.parameters`, code 120 on a repeated ``request_id``,
tickets like ``voice_5f3fbce61266e``, and the lifecycle: a campaign is under
computation for a while (status answers 400 with code 129), then ready to be sent
(or failed); send works only when ready, and answers 200 without a body (132 once sent);
a message straight to numbers (``POST /voice-campaign/send``, 1 to 500 recipients) is
"phoned" at once and kept with its ticket; contacts and lists (``/contact-list/create``,
``/contact/create``, ``/contact/delete``, ``/contact-list/empty``) are kept per account, and a
campaign on a list the sandbox holds has that list's contacts;
a sent campaign cannot be cancelled. One campaign awaits validation at a time (126 for a
second create; ``--many-drafts`` lifts that for load tests), and ``GET
/voice-campaign/draft`` shows it (204 when there is none). Unlike Octopush, which repairs bad input
silently, the sandbox refuses anything but the canonical form, so that a provider
bug shows up as an error instead of a quietly different campaign.

Test hooks under ``/_sandbox/`` (no auth, loopback only): ``GET campaigns``,
``GET messages``, ``GET lists``, ``GET requests``, ``POST faults`` (inject failures into the next requests),
``POST config`` (computation delay, contacts, cost, outcome), ``POST finish`` (every campaign still
being computed is computed now) and ``POST reset``.
Run ``octopush-sandbox --help``. Never imported by the hook or operator.
"""

from __future__ import annotations

import argparse
import json
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

from airflow_provider_octopush.api.facts import (
    BALANCE_PATH,
    CANCEL_PATH,
    CODE_ALREADY_SENT,
    CODE_BAD_LOGIN,
    CODE_CAMPAIGN_BEING_BUILT,
    CODE_DRAFT_PENDING,
    CODE_DUPLICATE_REQUEST,
    CODE_LIST_EXISTS,
    CODE_NOT_FOUND,
    CODE_SENDER_MALFORMED,
    CODE_TEXT_MISSING,
    CODE_TOO_MANY_CONTACTS,
    COMPUTING,
    CONTACTS_CREATE_PATH,
    CONTACTS_DELETE_MAX,
    CONTACTS_DELETE_PATH,
    CREATE_PATH,
    DIRECT_SEND_MAX_RECIPIENTS,
    DIRECT_SEND_PATH,
    DRAFT_PATH,
    LIST_CREATE_PATH,
    LIST_EMPTY_PATH,
    LIST_NAME_MAX_LENGTH,
    READY,
    SEND_PATH,
    STATUS_PATH,
    TAG_NAME_MAX_LENGTH,
)
from airflow_provider_octopush.exceptions import CampaignParameterError
from airflow_provider_octopush.rules.parameters import normalize_campaign, normalize_message
from airflow_provider_octopush.rules.recipients import (
    CONTACT_FIELDS,
    parse_list_name,
    parse_phone_number,
    parse_recipients,
    parse_row,
)

DEFAULT_LOGIN = "demo@example.com"
DEFAULT_API_KEY = "sandbox-api-key-0123456789"
API_PREFIX = "/v1/public"
# Octopush's codes for the parameters that have one; others get 100 (our choice: undocumented).
PARAMETER_CODES = {"text": CODE_TEXT_MISSING, "sender": CODE_SENDER_MALFORMED}
# What the sandbox answers for states Octopush does not document (ours to choose).
SENT = "sent"
CANCELLED = "cancelled"


@dataclass
class Behaviour:
    """How the sandbox computes a campaign: how long, how many contacts, at what cost, with what outcome.

    Changed at run time with ``POST /_sandbox/config``; applies to campaigns created afterwards.
    """

    computation_delay: float = 2.0
    contacts: int = 25
    cost_per_contact: float = 0.06
    seconds_per_contact: float = 20.0
    outcome: str = READY  # or "failed"
    # Octopush holds one campaign awaiting validation per account (126 for a second one). False: any
    # number at once, beyond what Octopush allows, for load tests of Airflow itself.
    one_draft: bool = True
    # Octopush's documented draft answer does not name the request_id; True adds it (an undocumented
    # answer, for the tests of a recovery that relies on it).
    draft_names_request_id: bool = False
    # Octopush states no limit of contacts a /contact/create call; beyond this one the sandbox answers 305.
    contacts_per_call: int = 5000


@dataclass
class Campaign:
    """A campaign as the sandbox keeps it; ``status`` follows the documented lifecycle."""

    ticket_number: str
    request_id: str | None
    payload: dict[str, Any]
    created_at: float
    behaviour: Behaviour
    sent_at: float | None = None
    cancelled_at: float | None = None
    send_calls: int = 0
    contacts: int | None = None  # the list's or tag's size when the sandbox holds it, else the behaviour's

    @property
    def pending(self) -> bool:
        """Awaiting validation: being computed or ready, neither sent nor cancelled (nor failed)."""
        return self.status in (COMPUTING, READY)

    @property
    def status(self) -> str:
        if self.cancelled_at is not None:
            return CANCELLED
        if self.sent_at is not None:
            return SENT
        if time.time() < self.created_at + self.behaviour.computation_delay:
            return COMPUTING
        return self.behaviour.outcome

    def figures(self) -> dict[str, Any]:
        contacts = self.behaviour.contacts if self.contacts is None else self.contacts
        return {
            "number_of_contacts": contacts,
            "cost": round(contacts * self.behaviour.cost_per_contact, 2),
            "estimated_duration": round(contacts * self.behaviour.seconds_per_contact / 60, 1),
            "status": self.status,
        }

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status}


@dataclass
class Fault:
    """A failure to inject into the next ``times`` requests on ``path``.

    ``status``: answer with it (and ``body``, ``headers``) without acting.
    ``drop``: ``"before"`` closes the connection without acting, ``"after"`` acts first
    (the answer is lost after Octopush did the work). ``delay``: act, then wait that many
    seconds before answering (a client time-out then loses an answer to done work).
    """

    path: str
    times: int = 1
    match: str = ""  # only requests whose body contains this text
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: str | None = None
    delay: float = 0.0


class SandboxState:
    """Everything the sandbox remembers, behind one lock."""

    def __init__(self, login: str, api_key: str, balance: float, behaviour: Behaviour | None = None) -> None:
        self.login = login
        self.api_key = api_key
        self.balance = balance
        self.lock = threading.Lock()
        self.initial_behaviour = behaviour or Behaviour()
        self.behaviour = self.initial_behaviour
        self.campaigns: dict[str, Campaign] = {}
        self.messages: list[dict[str, Any]] = []  # messages to numbers, as phoned
        self.contacts: dict[str, dict[str, str]] = {}  # the account's contacts, by number
        self.lists: dict[str, dict[str, None]] = {}  # list or tag name -> its numbers, in order added
        self.by_request_id: dict[str, str] = {}
        self.faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []

    def reset(self) -> None:
        with self.lock:
            self.behaviour = self.initial_behaviour
            self.campaigns.clear()
            self.messages.clear()
            self.contacts.clear()
            self.lists.clear()
            self.by_request_id.clear()
            self.faults.clear()
            self.requests.clear()

    def take_fault(self, path: str, body: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.path == path and fault.times > 0 and fault.match in body:
                    fault.times -= 1
                    return fault
        return None


class ApiError(Exception):
    """An Octopush error answer: HTTP status, code, message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class SandboxHandler(BaseHTTPRequestHandler):
    """Routes one request; the state lives on the server."""

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

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if url.path.startswith("/_sandbox/"):
            self._admin(method, url.path.removeprefix("/_sandbox/"), raw)
            return
        path = url.path.removeprefix(API_PREFIX)
        state = self.server.state
        with state.lock:
            state.requests.append(
                {
                    "method": method,
                    "path": path,
                    "at": time.time(),
                    "client_port": self.client_address[1],
                    "body": raw.decode(errors="replace"),
                }
            )
        fault = state.take_fault(path, raw.decode(errors="replace"))
        if fault and fault.status is not None:
            self._send(fault.status, fault.body, fault.headers)
            return
        if fault and fault.drop == "before":
            self._drop()
            return
        try:
            self._check_auth()
            status, body = self._route(method, path, parse_qs(url.query), raw)
        except ApiError as err:
            status, body = err.status, {"code": err.code, "message": err.message}
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.drop == "after":
            self._drop()
            return
        self._send(status, body)

    def _check_auth(self) -> None:
        state = self.server.state
        login_ok = secrets.compare_digest(self.headers.get("api-login", ""), state.login)
        key_ok = secrets.compare_digest(self.headers.get("api-key", ""), state.api_key)
        if not (login_ok and key_ok):
            raise ApiError(401, CODE_BAD_LOGIN, "Authentication failed: check the api-login and api-key headers")

    def _route(self, method: str, path: str, query: dict[str, list[str]], raw: bytes) -> tuple[int, Any]:
        if (method, path) == ("POST", CREATE_PATH):
            return self._create(_json_body(raw))
        if (method, path) == ("GET", STATUS_PATH):
            return self._status(_ticket(query.get("ticket_number", [""])[0]))
        if (method, path) == ("POST", SEND_PATH):
            return self._send_campaign(_ticket(_json_body(raw).get("ticket_number")))
        if (method, path) == ("DELETE", CANCEL_PATH):
            return self._cancel(_ticket(_json_body(raw).get("ticket_number")))
        if (method, path) == ("GET", BALANCE_PATH):
            return self._balance(query)
        if (method, path) == ("GET", DRAFT_PATH):
            return self._draft()
        if (method, path) == ("POST", DIRECT_SEND_PATH):
            return self._send_message(_json_body(raw))
        if (method, path) == ("POST", LIST_CREATE_PATH):
            return self._create_list(_json_body(raw))
        if (method, path) == ("POST", CONTACTS_CREATE_PATH):
            return self._add_contacts(_json_body(raw))
        if (method, path) == ("DELETE", CONTACTS_DELETE_PATH):
            return self._remove_contacts(_json_body(raw))
        if (method, path) == ("POST", LIST_EMPTY_PATH):
            return self._empty_list(_json_body(raw))
        raise ApiError(404, 404, f"no endpoint {method} {path} in the sandbox")

    def _campaign(self, ticket: str) -> Campaign:
        campaign = self.server.state.campaigns.get(ticket)
        if campaign is None or campaign.cancelled_at is not None:
            raise ApiError(400, CODE_NOT_FOUND, f"Campaign {ticket} not found")
        return campaign

    def _status(self, ticket: str) -> tuple[int, Any]:
        """Like the documented SMS twin: HTTP 400 with code 129 while the campaign is being built."""
        with self.server.state.lock:
            campaign = self._campaign(ticket)
            if campaign.status == COMPUTING:
                raise ApiError(400, CODE_CAMPAIGN_BEING_BUILT, "The campaign is being built, retry in a few seconds")
            return 200, campaign.figures()

    def _send_campaign(self, ticket: str) -> tuple[int, Any]:
        with self.server.state.lock:
            campaign = self._campaign(ticket)
            campaign.send_calls += 1
            if campaign.status == SENT:
                raise ApiError(400, CODE_ALREADY_SENT, "The campaign has already been sent")
            if campaign.status != READY:
                raise ApiError(
                    400, CODE_CAMPAIGN_BEING_BUILT, f"The campaign cannot be sent: its status is {campaign.status}"
                )
            campaign.sent_at = time.time()
        return 200, None  # documented: "200 OK", no body

    def _draft(self) -> tuple[int, Any]:
        """The documented answer: the campaign awaiting validation (the latest, if many are), else 204."""
        state = self.server.state
        with state.lock:
            pending = [campaign for campaign in state.campaigns.values() if campaign.pending]
            if not pending:
                return 204, None
            campaign = pending[-1]
            figures = campaign.figures()
            body = {
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

    def _cancel(self, ticket: str) -> tuple[int, Any]:
        with self.server.state.lock:
            campaign = self._campaign(ticket)
            if campaign.status == SENT:
                raise ApiError(400, CODE_ALREADY_SENT, "The campaign has already been sent and cannot be cancelled")
            campaign.cancelled_at = time.time()
        return 204, None

    def _create(self, body: dict[str, Any]) -> tuple[int, Any]:
        try:
            canonical = normalize_campaign(body)
        except CampaignParameterError as err:
            raise ApiError(400, PARAMETER_CODES.get(err.parameter, 100), str(err)) from None
        for name, value in body.items():
            if canonical.get(name) != value or type(canonical.get(name)) is not type(value):
                raise ApiError(400, 100, f"parameter {name!r}: {value!r} is not in canonical form")
        state = self.server.state
        request_id = canonical.get("request_id")
        with state.lock:
            _refuse_a_repeat(state, request_id)
            if state.behaviour.one_draft and any(campaign.pending for campaign in state.campaigns.values()):
                raise ApiError(400, CODE_DRAFT_PENDING, "A campaign is already waiting for approval")
            ticket = _new_ticket(state, request_id)
            campaign = Campaign(ticket, request_id, canonical, time.time(), state.behaviour)
            held = [
                state.lists[name]
                for name in (canonical.get("list_name"), canonical.get("tag_name"))
                if name in state.lists
            ]
            if held:
                campaign.contacts = len(set().union(*held))
            state.campaigns[ticket] = campaign
        return 201, {"ticket_number": ticket}

    def _send_message(self, body: dict[str, Any]) -> tuple[int, Any]:
        """A voice message to numbers: checked as strictly as a create, then "phoned" at once."""
        parameters = {name: value for name, value in body.items() if name != "recipients"}
        try:
            canonical = normalize_message(parameters)
            recipients = parse_recipients(body.get("recipients"))
        except CampaignParameterError as err:
            raise ApiError(400, PARAMETER_CODES.get(err.parameter, 100), str(err)) from None
        if canonical != parameters or recipients != body["recipients"]:
            raise ApiError(400, 100, "a parameter or recipient is not in canonical form")
        if len(recipients) > DIRECT_SEND_MAX_RECIPIENTS:
            raise ApiError(400, 100, f"at most {DIRECT_SEND_MAX_RECIPIENTS} recipients a request")
        state = self.server.state
        request_id = canonical.get("request_id")
        with state.lock:
            _refuse_a_repeat(state, request_id)
            ticket = _new_ticket(state, request_id)
            cost = round(len(recipients) * state.behaviour.cost_per_contact, 2)
            state.messages.append(
                {"ticket_number": ticket, "request_id": request_id, "payload": canonical, "recipients": recipients}
            )
        return 201, {"ticket_number": ticket, "number_of_contacts": len(recipients), "total_cost": cost}

    def _list_name(self, body: dict[str, Any], name: str = "list_name", *, limit: int = LIST_NAME_MAX_LENGTH) -> str:
        try:
            return parse_list_name(body.get(name), name, limit=limit)
        except CampaignParameterError as err:
            raise ApiError(400, 100, str(err)) from None

    def _existing_list(self, body: dict[str, Any]) -> dict[str, None]:
        name = self._list_name(body)
        if name not in self.server.state.lists:
            raise ApiError(400, 303, f"The list {name} does not exist")
        return self.server.state.lists[name]

    def _create_list(self, body: dict[str, Any]) -> tuple[int, Any]:
        name = self._list_name(body)
        with self.server.state.lock:
            if name in self.server.state.lists:
                raise ApiError(400, CODE_LIST_EXISTS, f"The list {name} already exists")
            self.server.state.lists[name] = {}
        return 201, {"list_name": name}

    def _add_contacts(self, body: dict[str, Any]) -> tuple[int, Any]:
        """Contacts keyed by number; ``do_not_overwrite`` true leaves an existing one's fields as they are
        (the developer pages' reading, which the provider follows)."""
        state = self.server.state
        given = body.get("contacts")
        if not isinstance(given, list) or not given:
            raise ApiError(400, 100, "contacts must be a non-empty array")
        if len(given) > state.behaviour.contacts_per_call:
            raise ApiError(400, CODE_TOO_MANY_CONTACTS, "Too many contacts in one request")
        try:
            rows = [parse_row(row, CONTACT_FIELDS, "contacts", index) for index, row in enumerate(given)]
        except CampaignParameterError as err:
            raise ApiError(400, 100, str(err)) from None
        if rows != given:
            raise ApiError(400, 100, "a contact is not in canonical form")
        keep = _flag(body, "do_not_overwrite")
        with state.lock:
            targets = []
            if "list_name" in body:
                targets.append(self._existing_list(body))
            if "tag_name" in body:
                targets.append(state.lists.setdefault(self._list_name(body, "tag_name", limit=TAG_NAME_MAX_LENGTH), {}))
            if not targets:
                raise ApiError(400, 100, "list_name or tag_name is required")
            for row in rows:
                number = row["phone_number"]
                if not (keep and number in state.contacts):
                    state.contacts[number] = row
                for target in targets:
                    target[number] = None
        return 201, None

    def _remove_contacts(self, body: dict[str, Any]) -> tuple[int, Any]:
        state = self.server.state
        numbers = body.get("phone_numbers")
        if not isinstance(numbers, list) or not 1 <= len(numbers) <= CONTACTS_DELETE_MAX:
            raise ApiError(400, 100, f"phone_numbers must hold 1 to {CONTACTS_DELETE_MAX} numbers")
        try:
            if [parse_phone_number(number) for number in numbers] != numbers:
                raise ApiError(400, 100, "a number is not in canonical form")
        except CampaignParameterError as err:
            raise ApiError(400, 100, str(err)) from None
        with state.lock:
            lists = [self._existing_list(body)] if "list_name" in body else list(state.lists.values())
            for number in numbers:
                for members in lists:
                    members.pop(number, None)
                if "list_name" not in body:
                    state.contacts.pop(number, None)
        return 204, None

    def _empty_list(self, body: dict[str, Any]) -> tuple[int, Any]:
        state = self.server.state
        delete = _flag(body, "delete_contacts")
        with state.lock:
            members = self._existing_list(body)
            if delete:
                for number in members:
                    state.contacts.pop(number, None)
            members.clear()
        return 200, {}

    def _balance(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        if ("product_name" in query) != ("country_code" in query):
            raise ApiError(400, 100, "product_name and country_code go together")
        return 200, {"amount": self.server.state.balance, "unit": "euros"}

    def _admin(self, method: str, what: str, raw: bytes) -> None:
        state = self.server.state
        if (method, what) == ("GET", "campaigns"):
            with state.lock:
                self._send(200, [campaign.as_json() for campaign in state.campaigns.values()])
        elif (method, what) == ("GET", "lists"):
            with state.lock:
                self._send(
                    200,
                    {
                        name: [state.contacts.get(number, {"phone_number": number}) for number in members]
                        for name, members in state.lists.items()
                    },
                )
        elif (method, what) == ("GET", "messages"):
            with state.lock:
                self._send(200, list(state.messages))
        elif (method, what) == ("GET", "requests"):
            with state.lock:
                self._send(200, list(state.requests))
        elif (method, what) == ("POST", "faults"):
            faults = [Fault(**item) for item in json.loads(raw or b"[]")]
            with state.lock:
                state.faults.extend(faults)
            self._send(200, {"queued": len(faults)})
        elif (method, what) == ("POST", "config"):
            with state.lock:
                state.behaviour = Behaviour(**{**asdict(state.behaviour), **json.loads(raw or b"{}")})
                self._send(200, asdict(state.behaviour))
        elif (method, what) == ("POST", "finish"):
            with state.lock:  # every campaign still being computed is computed now: tests end a "hold" this way
                finished = [c for c in state.campaigns.values() if c.status == COMPUTING]
                for campaign in finished:
                    campaign.behaviour = replace(campaign.behaviour, computation_delay=0.0)
                self._send(200, {"finished": len(finished)})
        elif (method, what) == ("POST", "reset"):
            state.reset()
            self._send(200, {"reset": True})
        else:
            self._send(404, {"code": 404, "message": f"no sandbox admin endpoint {method} {what}"})

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


def _flag(body: dict[str, Any], name: str) -> bool:
    """A JSON boolean, absent meaning false (text or numbers are refused: strict, as everywhere here)."""
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise ApiError(400, 100, f"{name} must be a JSON boolean")
    return value


def _refuse_a_repeat(state: SandboxState, request_id: str | None) -> None:
    """Code 120 for a request_id seen before (Octopush keeps them 24 hours; the sandbox, until a reset)."""
    if request_id and request_id in state.by_request_id:
        raise ApiError(400, CODE_DUPLICATE_REQUEST, "A request with the same request_id already exists")


def _new_ticket(state: SandboxState, request_id: str | None) -> str:
    """A ticket like Octopush's (``voice_`` and 13 hex digits), its request_id remembered."""
    ticket = "voice_" + secrets.token_hex(7)[:13]
    if request_id:
        state.by_request_id[request_id] = ticket
    return ticket


def _json_body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise ApiError(400, 100, "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, 100, "the body must be a JSON object")
    return body


def _ticket(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ApiError(400, 100, "ticket_number is missing")
    return value


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


ANNOUNCEMENT = "octopush-sandbox listening on "


def announced_url(stdout: IO[str]) -> str:
    """The base URL a sandbox started as a process announces; lines Airflow may log before it are skipped."""
    for line in stdout:
        if line.startswith(ANNOUNCEMENT):
            return line.removeprefix(ANNOUNCEMENT).strip()
    raise RuntimeError("the sandbox ended without announcing its URL: see its standard error")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``octopush-sandbox`` console script."""
    parser = argparse.ArgumentParser(prog="octopush-sandbox", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free one; default: 8765)")
    parser.add_argument("--login", default=DEFAULT_LOGIN, help=f"API login to accept (default: {DEFAULT_LOGIN})")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="API key to accept (default: the demo key)")
    parser.add_argument("--balance", type=float, default=100.0, help="credit reported by check-balance")
    parser.add_argument("--computation-delay", type=float, default=2.0, help="seconds a campaign stays in computation")
    parser.add_argument("--contacts", type=int, default=25, help="contacts of every list or tag (default: 25)")
    parser.add_argument("--cost-per-contact", type=float, default=0.06, help="euros per contact (default: 0.06)")
    parser.add_argument(
        "--many-drafts",
        action="store_true",
        help="let any number of campaigns await validation at once (Octopush allows one: code 126); for load tests",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    behaviour = Behaviour(args.computation_delay, args.contacts, args.cost_per_contact, one_draft=not args.many_drafts)
    state = SandboxState(args.login, args.api_key, args.balance, behaviour)
    server = SandboxServer(state, args.host, args.port, verbose=args.verbose)
    print(f"{ANNOUNCEMENT}{server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
