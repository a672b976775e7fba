"""The ``octopush-sandbox`` command: a sandbox in its own process, announcing its URL on standard output."""

from __future__ import annotations

import argparse
from typing import IO

from airflow_provider_octopush.sandbox.server import SandboxServer
from airflow_provider_octopush.sandbox.state import DEFAULT_API_KEY, DEFAULT_LOGIN, Behaviour, SandboxState

DESCRIPTION = "octopush-sandbox: a local stand-in for the Octopush API, for demos, tests and DAG authors."
ANNOUNCEMENT = "octopush-sandbox listening on "


def announced_url(stdout: IO[str]) -> str:
    """The base URL a sandbox started as a process announces; lines Airflow may log before it are skipped."""
    for line in stdout:
        if line.startswith(ANNOUNCEMENT):
            return line.removeprefix(ANNOUNCEMENT).strip()
    raise RuntimeError("the sandbox ended without announcing its URL: see its standard error")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``octopush-sandbox`` console script."""
    parser = argparse.ArgumentParser(prog="octopush-sandbox", description=DESCRIPTION)
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
