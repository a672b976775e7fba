"""The sandbox calls back like Octopush: a delivery report per recipient to the URL the account holds.

What each number reports is configurable (``POST /_sandbox/config``): ``reports`` maps a number to its fields
(``status``, ``pressed_keys_code``, ``call_duration``, ...) or to ``null`` for a report that never comes;
the others get ``default_report``. ``report_delay`` before the first, ``report_interval`` between two,
``duplicate_reports`` extra copies of each, ``reports_reversed`` to send them in the reverse order, and
``ack_first`` for an ``ACK`` before each final status. Each report is a JSON POST, as Octopush's sample
handlers read them; what was sent and answered is kept in ``GET /_sandbox/callbacks``.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.api.facts import DELIVERY_CALLBACK_KEY

if TYPE_CHECKING:
    from airflow_provider_octopush.sandbox.state import Behaviour, SandboxState


def reports_for(behaviour: Behaviour, ticket: str, numbers: list[str], channel: str) -> list[dict[str, Any]]:
    """The reports the recipients of one campaign or message get, in the order they are sent."""
    reports = []
    for number in numbers:
        fields = behaviour.reports.get(number, behaviour.default_report)
        if fields is None:  # this recipient's report never comes
            continue
        report = {"message_id": ticket, "number": number, "channel": channel, **fields}
        copies = ([{**report, "status": "ACK"}] if behaviour.ack_first else []) + [report]
        reports += copies * (1 + behaviour.duplicate_reports)
    return reports[::-1] if behaviour.reports_reversed else reports


def call_back(state: SandboxState, ticket: str, numbers: list[str], channel: str = "voice_sms") -> None:
    """Send the reports of a campaign or message just sent, from a thread, if the account holds a URL."""
    with state.lock:
        url = state.callbacks.get(DELIVERY_CALLBACK_KEY)
        behaviour = state.behaviour
    if not url:
        return
    reports = reports_for(behaviour, ticket, numbers, channel)
    threading.Thread(
        target=_post_all, args=(state, url, reports, behaviour), name=f"sandbox-callbacks-{ticket}", daemon=True
    ).start()


def _post_all(state: SandboxState, url: str, reports: list[dict[str, Any]], behaviour: Behaviour) -> None:
    time.sleep(behaviour.report_delay)
    for index, report in enumerate(reports):
        if index and behaviour.report_interval:
            time.sleep(behaviour.report_interval)
        request = urllib.request.Request(
            url, data=json.dumps(report).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                status = answer.status
        except urllib.error.HTTPError as err:
            status = err.code
        except OSError as err:
            status = f"{type(err).__name__}: {err}"
        with state.lock:
            state.callbacks_sent.append({**report, "answer": status})
