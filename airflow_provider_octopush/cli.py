"""``octopush-callbacks``: point an Octopush account's delivery reports at Airflow's results receiver.

Run it where the connection is readable (the API server's machine, or with ``AIRFLOW_CONN_...`` set)::

    octopush-callbacks --conn-id octopush_default --base-url https://airflow.example.com --dry-run

It shows what the account held before, refuses to replace another system's URL unless ``--replace`` is given
(Octopush holds one per account), and never prints a secret.
"""

from __future__ import annotations

import argparse
import sys

from airflow_provider_octopush.rules.connection import DEFAULT_CONN_ID

DESCRIPTION = "Point an Octopush account's delivery reports at Airflow's results receiver."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="octopush-callbacks", description=DESCRIPTION)
    parser.add_argument("--conn-id", default=DEFAULT_CONN_ID, help="the Octopush connection (default: %(default)s)")
    parser.add_argument(
        "--base-url", help="the API server's public URL, as Octopush reaches it (default: Airflow's [api] base_url)"
    )
    parser.add_argument("--replace", action="store_true", help="replace a URL the account holds for another system")
    parser.add_argument("--dry-run", action="store_true", help="show what would change; change nothing")
    options = parser.parse_args(argv)

    from airflow_provider_octopush.exceptions import OctopushError
    from airflow_provider_octopush.hooks.octopush import OctopushHook
    from airflow_provider_octopush.rules.callback_url import shown
    from airflow_provider_octopush.version_compat import conf

    base_url = options.base_url or conf.get("api", "base_url", fallback="")
    if not base_url:
        parser.error("give --base-url: Airflow's [api] base_url is not set")
    try:
        with OctopushHook(options.conn_id) as hook:
            url = hook.receiver_url(base_url)
            result = hook.set_delivery_callback_url(url, replace=options.replace, dry_run=options.dry_run)
    except OctopushError as err:
        print(f"octopush-callbacks: {err}", file=sys.stderr)
        return 1
    print(f"Before: the account's delivery reports went to {shown(result['before'])}")
    if result["before"] == url:
        print("Already the receiver of this connection: nothing changed.")
    elif options.dry_run:
        print(f"Dry run: they would go to {shown(url)}; nothing changed.")
    else:
        print(f"Now: they go to {shown(url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
