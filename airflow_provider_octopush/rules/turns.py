"""Campaigns of one account taking turns: how often a waiter reads the account's draft, and what it says.

Octopush holds one campaign awaiting validation per account and refuses a second create (code 126).
A refused create waits for its turn: it reads ``GET /voice-campaign/draft`` (no side effect, no
cost) until the draft ahead of it is sent, cancelled or gone, then creates again.

Who goes next is decided by Octopush: the first create that reaches it once the account is free.
Tasks share no store that every supported Airflow lets them write, so waiters in different
processes cannot form a queue. Two rules order them instead:

- the deferred waiters of one triggerer form a queue by when they first met the refusal: when the
  account is free only the longest waiting goes, and the others leave it the account for
  :func:`claim_lasts` (until its draft appears), then wait for that draft in turn;
- across processes (waiters in workers, other triggerers) the interval between a waiter's reads
  shrinks as its wait grows (:func:`next_read_in`): the one that has waited longest reads most
  often, so it is the most likely to see the account free first.

No waiter holds another back for longer than a claim, and none waits past its own limit: it then
fails, naming the draft it waited behind, having created nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_provider_octopush.api.answers import Draft

# A waiter's reads go from every poll_interval to every poll_interval / FASTEST, in proportion to its wait,
# reached after RAMP poll intervals of waiting.
FASTEST = 4.0
RAMP = 30.0


def next_read_in(poll_interval: float, waited: float) -> float:
    """Seconds until a waiter that has waited ``waited`` seconds reads the draft again."""
    progress = min(1.0, max(0.0, waited) / (RAMP * poll_interval))
    return poll_interval / (1.0 + (FASTEST - 1.0) * progress)


# A deferred waiter takes a free turn no sooner than this after it deferred: Airflow can fail a task resumed
# within seconds of its deferral (a stale success of the deferring exit, apache/airflow#67287, #72716), and a
# resumed waiter creates its campaign at once, with its request_id; a try ended under it would burn that id.
DEFERRAL_HOLD = 15.0


def claim_lasts(poll_interval: float) -> float:
    """How long the waiters of one triggerer leave a free account to the one of them that went to create:
    its task resumes in a worker before it creates (seconds, more on a loaded scheduler)."""
    return max(20.0, 3 * poll_interval)


def older(since: float, key: int, others: dict[int, float]) -> bool:
    """Whether another waiter of this triggerer (``others``: key -> since) has waited longer (ties by key)."""
    return any((other_since, other) < (since, key) for other, other_since in others.items() if other != key)


def how_to_free(ticket: str) -> str:
    """What a person does about a draft that blocks the account."""
    return (
        f"A campaign prepared and not sent (send=False, or created in the Octopush web interface) blocks every new "
        f"voice campaign on the account until it is sent (SendVoiceCampaignOperator with ticket_number={ticket!r}, "
        "or in the Octopush web interface) or cancelled (CancelVoiceCampaignOperator)."
    )


def waited_too_long(draft: Draft | None, waited: float, limit: str) -> str:
    """The advice of a waiter whose limit passed: what blocked it, and that it created nothing."""
    if draft is None:
        return (
            f"Waited {waited:.0f} s for a turn ({limit} ran out); the account was free at the last read, but "
            "another create took each turn first. Nothing was created by this task: clear it to try again."
        )
    return (
        f"Waited {waited:.0f} s for a turn behind {draft.describe()} ({limit} ran out). Nothing was created by "
        f"this task. {how_to_free(draft.ticket_number)} Then clear this task."
    )
