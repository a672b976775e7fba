"""The errors the Octopush hook raises: small, typed, and never holding the API key.

Each carries the HTTP ``status`` (None when no answer came), the Octopush ``code`` and
``message`` when the body had them, and says in its text what the user should do.
Errors that a task retry cannot fix derive from ``AirflowFailException`` so that
Airflow fails the task at once instead of burning its retries.
"""

from __future__ import annotations

from airflow_provider_octopush.version_compat import AirflowException, AirflowFailException


class OctopushError(AirflowException):
    """Base of every Octopush failure."""

    def __init__(
        self, message: str, *, status: int | None = None, code: int | None = None, api_message: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.api_message = api_message


class OctopushAuthError(OctopushError, AirflowFailException):
    """Octopush refused the credentials (HTTP 401 or code 101): fix the connection, then clear the task."""


class OctopushDuplicateRequestError(OctopushError, AirflowFailException):
    """Octopush already has a campaign with this request_id (code 120): nothing was created again."""


class OctopushApiError(OctopushError):
    """Octopush answered with an error, or with a body that is not the JSON it documents."""


class OctopushNetworkError(OctopushError):
    """No usable answer came back (connection refused, reset, time-out) after all retries."""
