"""The receiver's URL for a connection, and URLs shown without the secrets they may hold."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

URL_PREFIX = "/octopush"  # where the plugin mounts the receiver in the API server
CALLBACKS_ROUTE = "/callbacks"  # then /<conn id>/<secret>: Octopush's reports
RESULTS_ROUTE = "/results"  # then /<conn id>: the reports, for tasks


def receiver_url(base_url: str, conn_id: str, secret: str) -> str:
    """Where Octopush sends this connection's reports: the API server's public base URL, then the route."""
    return f"{base_url.rstrip('/')}{URL_PREFIX}{CALLBACKS_ROUTE}/{conn_id}/{secret}"


def results_url(api_base_url: str, conn_id: str) -> str:
    """Where a task reads this connection's reports: the API server as workers reach it, then the route."""
    return f"{api_base_url.rstrip('/')}{URL_PREFIX}{RESULTS_ROUTE}/{conn_id}"


def shown(url: str | None) -> str:
    """``url`` for a log or a message: secret-like path segments and any query string replaced by ``***``.

    Another system's receiver may hold its own secret in its path or query, as ours does.
    """
    if not url:
        return "(none)"
    parts = urlsplit(url)
    path = "/".join("***" if _secret_like(segment) else segment for segment in parts.path.split("/"))
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], path, "***" if parts.query else "", ""))


def _secret_like(segment: str) -> bool:
    """A token rather than a name: 32 characters or more, or 16 or more with a digit (``octopush_default`` stays)."""
    return len(segment) >= 32 or (len(segment) >= 16 and any(char.isdigit() for char in segment))
