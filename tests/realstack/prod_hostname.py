"""``[core] hostname_callable`` for the production-like stack: each worker and triggerer its own host name.

Two Celery workers and two triggerers run on one test machine; Airflow records which host ran a
task or holds a trigger by this name, so the tests can tell them apart as on separate hosts.
"""

from __future__ import annotations

import os
import socket


def get() -> str:
    return os.environ.get("OCTOPUSH_TEST_HOSTNAME") or socket.getfqdn()
