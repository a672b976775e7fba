"""What the sandbox remembers: the account's campaigns, messages, contacts and lists, and the faults to inject."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from airflow_provider_octopush.api.facts import COMPUTING, READY

DEFAULT_LOGIN = "demo@example.com"
DEFAULT_API_KEY = "sandbox-api-key-0123456789"
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
    # The delivery reports sent to the account's callback URL once a campaign or message is sent
    # (sandbox/callbacks.py): per number its fields, or None for a report that never comes.
    reports: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    default_report: dict[str, Any] = field(
        default_factory=lambda: {"status": "DELIVERED", "call_duration": 21, "charged_duration": 30}
    )
    report_delay: float = 0.0
    report_interval: float = 0.0
    duplicate_reports: int = 0
    reports_reversed: bool = False
    ack_first: bool = False


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
    channel: str = "voice"  # or "sms": api.facts.CHANNELS
    parts: int = 1  # what each contact is billed: 1 call, or the SMS parts of the text

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
            "cost": round(contacts * self.parts * self.behaviour.cost_per_contact, 2),
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
        self.sms: list[dict[str, Any]] = []  # SMS to numbers, as texted
        self.contacts: dict[str, dict[str, str]] = {}  # the account's contacts, by number
        self.lists: dict[str, dict[str, None]] = {}  # list or tag name -> its numbers, in order added
        self.by_request_id: dict[str, str] = {}
        self.faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []
        self.callbacks: dict[str, str] = {}  # the account's callback URLs, by Octopush's key
        self.callbacks_sent: list[dict[str, Any]] = []  # each delivery report posted, with the answer it got

    def reset(self) -> None:
        with self.lock:
            self.behaviour = self.initial_behaviour
            self.campaigns.clear()
            self.messages.clear()
            self.sms.clear()
            self.contacts.clear()
            self.lists.clear()
            self.by_request_id.clear()
            self.faults.clear()
            self.requests.clear()
            self.callbacks.clear()
            self.callbacks_sent.clear()

    def take_fault(self, path: str, body: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.path == path and fault.times > 0 and fault.match in body:
                    fault.times -= 1
                    return fault
        return None
