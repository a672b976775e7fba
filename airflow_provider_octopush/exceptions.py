"""Every error the provider raises, one family: ``except OctopushError`` catches them all.

Each says in its text what the user should do, and none holds the API key. The errors
that a task retry cannot fix (a value breaking a rule, an incomplete connection, refused
credentials, a duplicate request, a campaign that will not be sent) also derive from
Airflow's ``AirflowFailException``, so that Airflow fails the task at once instead of
burning its retries on the same answer.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_octopush.version_compat import AirflowException, AirflowFailException, AirflowSensorTimeout


class OctopushError(AirflowException):
    """Base of every error of this provider.

    ``status`` is the HTTP status (None when no answer came or no call was made), ``code``
    and ``api_message`` what Octopush's JSON body said, when it said it.
    """

    def __init__(
        self, message: str, *, status: int | None = None, code: int | None = None, api_message: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.api_message = api_message


class CampaignParameterError(OctopushError, AirflowFailException, ValueError):
    """A parameter sent to Octopush breaks a rule; raised before any HTTP call.

    Says which parameter, what is wrong and the rule. A ``ValueError`` too, as bad values are.
    """

    KIND = "Parameter"

    def __init__(self, parameter: str, problem: str, rule: str) -> None:
        self.parameter = parameter
        self.problem = problem
        self.rule = rule
        super().__init__(f"{self.KIND} {parameter!r}: {problem}. Rule: {rule}.")


class ArgumentError(CampaignParameterError):
    """An argument of an operator, a sensor or the notifier that Octopush never sees breaks a rule
    (``batch_size``, ``poll_interval``, ``recipients``, ``outlets``, ...); raised before any HTTP call.

    A subclass of :class:`CampaignParameterError`, which these were raised as before, so that an
    ``except CampaignParameterError`` keeps catching every bad value.
    """

    KIND = "Argument"


class OctopushConnectionError(OctopushError, AirflowFailException, ValueError):
    """The Octopush connection is incomplete or one of its extras is invalid: fix the field it names."""


class OctopushAuthError(OctopushError, AirflowFailException):
    """Octopush refused the credentials (HTTP 401 or code 101): fix the connection, then clear the task."""


class OctopushDuplicateRequestError(OctopushError, AirflowFailException):
    """Octopush already has a campaign with this request_id (code 120): nothing was created again.

    ``replayed``: the refusal answered a replay of this very call, whose first answer was lost
    (so the campaign was created moments ago).
    """

    def __init__(self, message: str, *, replayed: bool = False, **answer: Any) -> None:
        super().__init__(message, **answer)
        self.replayed = replayed


class OctopushApiError(OctopushError):
    """Octopush answered with an error, or with a body that is not the JSON it documents; a retry may help."""


class OctopushRejectedError(OctopushApiError, AirflowFailException):
    """Octopush refused the request for a reason no retry can fix (no credit, add-on disabled, list missing, ...).

    The message says what to do; fix it, then clear the task.
    """


class OctopushNetworkError(OctopushError):
    """No usable answer came back (connection refused, reset, time-out) after all retries."""


class CampaignNotSent(OctopushError, AirflowFailException):
    """The campaign was not sent (failed, cancelled, not ready in time, over budget); a retry cannot change that."""


class CampaignNotReady(OctopushError, AirflowSensorTimeout):
    """A sensor's ``timeout`` passed before the campaign was computed: a sensor time-out, never retried."""


class CallbackUrlInUse(OctopushError, AirflowFailException):
    """The account already sends its delivery reports to another URL (one per account): not replaced unless asked."""


class DeliveryReportError(OctopushError, ValueError):
    """A callback's fields do not make a delivery report: the receiver refuses it and stores nothing."""


def with_advice(error: OctopushError, advice: str) -> OctopushError:
    """The same error, of the same class and with the same answer, its text followed by ``advice``."""
    return type(error)(f"{error} {advice}", status=error.status, code=error.code, api_message=error.api_message)


def to_event(error: BaseException) -> dict[str, Any]:
    """What a trigger's event carries of an error, so that the resumed task raises the same class.

    Errors from outside the family (a missing connection, a bug) travel as their class name and
    text, and come back as a plain :class:`OctopushError`, which Airflow may retry.
    """
    family = isinstance(error, OctopushError)
    described = {
        "error_class": type(error).__name__ if family else None,
        "message": str(error) if family else f"{type(error).__name__}: {error}",
        "status": getattr(error, "status", None) if family else None,
        "code": getattr(error, "code", None) if family else None,
        "api_message": getattr(error, "api_message", None) if family else None,
    }
    if isinstance(error, CampaignParameterError):  # a ticket rendered in the triggerer: its three parts
        described["parameter"] = [error.parameter, error.problem, error.rule]
        described["error_class"] = type(error).__name__
    return described


def from_event(event: dict[str, Any], context: str) -> OctopushError:
    """The error :func:`to_event` described, of the same class, its text prefixed by ``context``."""
    if event.get("parameter"):
        return (ArgumentError if event.get("error_class") == "ArgumentError" else CampaignParameterError)(
            *event["parameter"]
        )
    error_class = _REBUILT.get(event.get("error_class") or "", OctopushError)
    return error_class(
        f"{context}: {event.get('message')}",
        status=event.get("status"),
        code=event.get("code"),
        api_message=event.get("api_message"),
    )


# The classes a trigger's event can name, built as OctopushError is (CampaignParameterError from its parts).
_REBUILT: dict[str, type[OctopushError]] = {
    cls.__name__: cls
    for cls in (
        OctopushError,
        OctopushConnectionError,
        OctopushAuthError,
        OctopushDuplicateRequestError,
        OctopushApiError,
        OctopushRejectedError,
        OctopushNetworkError,
        CampaignNotSent,
        CampaignNotReady,
    )
}
