"""When to try an Octopush request again, and how long to wait first: the policy, without I/O.

Shared by the hook's blocking calls (``requests``) and its event-loop calls (``httpx``,
for triggers), so that both retry exactly alike. A request is replayed after it may have
reached Octopush only when replaying is harmless (``replay_safe``: a read, a create
carrying a ``request_id``, a send or a cancel); otherwise only failures that prove it
never left (no connection made, HTTP 429) are retried.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_octopush.exceptions import OctopushNetworkError

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


class Response(Protocol):
    """What the policy and the error mapping read of an answer: the same of ``requests`` and ``httpx``."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def content(self) -> bytes: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


@dataclass(frozen=True)
class Failure:
    """An attempt that got no answer; ``reached``: it may have reached Octopush all the same."""

    kind: str
    detail: str
    reached: bool


@dataclass(frozen=True)
class Answer:
    """The answer the policy settled on, and whether an earlier attempt may have acted already."""

    response: Response
    uncertain: bool


def retry_delay(attempt: int, backoff: float, cap: float, retry_after: str | None) -> float:
    """Seconds before retry ``attempt + 1``: ``Retry-After`` if the server gave one, else exponential with jitter.

    ``Retry-After`` may be seconds or an HTTP date; either way it is capped at ``cap``.
    """
    if retry_after:
        try:
            seconds: float | None = float(retry_after)
        except ValueError:
            try:
                seconds = parsedate_to_datetime(retry_after).timestamp() - time.time()
            except (TypeError, ValueError):
                seconds = None
        if seconds is not None:
            return min(max(seconds, 0.0), cap)
    return min(backoff * 2**attempt, cap) * random.uniform(0.5, 1.0)


@dataclass(frozen=True)
class RequestRetries:
    """``max_retries`` retries of transient failures, the first after about ``backoff`` s, none longer than ``cap``.

    With a ``deadline`` (epoch seconds), a retry that would start after it is not made.
    """

    max_retries: int
    backoff: float
    cap: float
    deadline: float | None = None

    def attempts(
        self, what: str, *, replay_safe: bool, where: str, log: Any
    ) -> Generator[float | None, Response | Failure | None, Answer]:
        """Drive one request: yields None to ask for an attempt, to be answered with its response or a
        :class:`Failure`; yields seconds to wait before the next one; returns the :class:`Answer`
        to parse, or raises :class:`OctopushNetworkError`. ``what`` ("POST /path") and ``where``
        (the base URL) go into messages.
        """
        uncertain = False  # did an earlier attempt perhaps reach Octopush and act?
        for attempt in range(self.max_retries + 1):
            last_try = attempt == self.max_retries
            outcome = yield None
            if isinstance(outcome, Failure):
                if last_try or (outcome.reached and not replay_safe):
                    raise OctopushNetworkError(
                        f"{what} failed: {outcome.kind}: {outcome.detail}. "
                        + (
                            "The request may have reached Octopush, so it was not retried (it is not safe to replay)."
                            if outcome.reached and not replay_safe
                            else f"Gave up after {attempt + 1} attempt(s). Check the network and the connection's "
                            f"host ({where}), or raise the 'timeout' / 'max_retries' extras."
                        )
                    )
                uncertain = uncertain or outcome.reached
                yield self._delay(attempt, f"{outcome.kind} on {what}", None, log)
                continue
            assert outcome is not None, "answer an attempt with its response or a Failure"
            status = outcome.status_code
            if status in TRANSIENT_STATUSES and not last_try and (replay_safe or status == 429):
                uncertain = uncertain or status != 429  # a 5xx may come from a proxy after Octopush acted
                yield self._delay(attempt, f"HTTP {status} on {what}", outcome.headers.get("Retry-After"), log)
                continue
            return Answer(outcome, uncertain)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _delay(self, attempt: int, reason: str, retry_after: str | None, log: Any) -> float:
        delay = retry_delay(attempt, self.backoff, self.cap, retry_after)
        if self.deadline is not None and time.time() + delay >= self.deadline:
            raise OctopushNetworkError(f"{reason}, and no time is left for a retry before the caller's deadline.")
        log.warning("Octopush: %s; retry %d in %.1f s", reason, attempt + 1, delay)
        return delay
