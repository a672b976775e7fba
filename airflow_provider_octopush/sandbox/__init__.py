"""octopush-sandbox: a local stand-in for the Octopush API, for demos, tests and DAG authors.

It implements the endpoints this provider calls, with the documented behaviour: both
auth headers checked (401 otherwise), the parameter rules of
:mod:`airflow_provider_octopush.rules.parameters`, code 120 on a repeated ``request_id``,
tickets like ``voice_5f3fbce61266e``, and the lifecycle: a campaign is under
computation for a while (status answers 400 with code 129), then ready to be sent
(or failed); send works only when ready, and answers 200 without a body (132 once sent);
a message straight to numbers (``POST /voice-campaign/send``, 1 to 500 recipients) is
"phoned" at once and kept with its ticket, and an SMS to numbers (``POST /sms-campaign/send``, billed per
part, 121 for a marketing premium SMS to France without ``STOP au XXXXX``) is "texted" likewise; contacts
and lists (``/contact-list/create``,
``/contact/create``, ``/contact/delete``, ``/contact-list/empty``) are kept per account, and a
campaign on a list the sandbox holds has that list's contacts;
a sent campaign cannot be cancelled. One campaign awaits validation at a time (126 for a
second create; ``--many-drafts`` lifts that for load tests), and ``GET
/voice-campaign/draft`` shows it (204 when there is none). Unlike Octopush, which repairs bad input
silently, the sandbox refuses anything but the canonical form, so that a provider
bug shows up as an error instead of a quietly different campaign.

Test hooks under ``/_sandbox/`` (no auth, loopback only): ``GET campaigns``,
``GET messages``, ``GET sms``, ``GET lists``, ``GET requests``, ``POST faults`` (inject failures into the
next requests),
``POST config`` (computation delay, contacts, cost, outcome), ``POST finish`` (every campaign still
being computed is computed now), ``POST cancel_drafts`` (every campaign awaiting validation is
cancelled) and ``POST reset``.
Run ``octopush-sandbox --help``. Never imported by the hook or operator. Its modules: ``state`` (what it
remembers), ``protocol`` (what every endpoint shares), ``voice``, ``sms``, ``contacts``, ``account`` and ``admin``
(the endpoints, each module with its table of routes), ``server`` (HTTP) and ``cli``.
"""

from airflow_provider_octopush.sandbox.cli import main
from airflow_provider_octopush.sandbox.server import SandboxServer
from airflow_provider_octopush.sandbox.state import SandboxState

__all__ = ["SandboxServer", "SandboxState", "main"]
