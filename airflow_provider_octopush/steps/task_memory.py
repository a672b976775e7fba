"""What a task instance remembers of its campaign (or of its message's chunks) from one try to the next.

Airflow clears a task's XComs when it retries, and Octopush cannot look a campaign up by
its ``request_id`` (its draft answer does not name it: :mod:`draft_recovery`); so a retry
used to meet code 120 and stop. Airflow 3.3's
``task_state_store`` (in the context; scoped to the DAG run, task and map index, and kept
across retries and clears) keeps the ticket instead: stored as soon as the create
answers, read by the next try, which carries on from where the campaign is. On Airflow
3.1 and 3.2 there is no store: a retry finds its campaign only through the account's draft
(:mod:`~airflow_provider_octopush.steps.draft_recovery`), and sends it only where that is proven.

The records never expire: Octopush forgets a ``request_id`` after 24 hours, so a record
that expired (Airflow's default retention is 30 days) would let a clear months later
create and send the campaign again. ``[state_store] clear_on_success`` wipes them when the
task succeeds; that reopens the same gap, and the task's log says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.version_compat import NEVER_EXPIRE, conf

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow.sdk import Context

    from airflow_provider_octopush.steps.log import Logger

CAMPAIGN_KEY = "octopush_campaign"
SENT_KEY = "octopush_sent"
MESSAGES_KEY = "octopush_messages"  # the chunks of a message to numbers that went out, by request_id


class CampaignMemory:
    """The ticket this task instance created, and whether it was sent, as far as the store knows."""

    def __init__(self, context: Context, log: Logger) -> None:
        self._store: Any = context.get("task_state_store")
        self._messages: dict[str, dict[str, Any]] | None = None
        self._holds: str | None = None  # the ticket the store is known to hold, once read or written
        task, ti = context.get("task"), context.get("ti")
        # Airflow retries a failed try while the try number has not passed max_tries (and retries are set).
        self.retry_left = bool(getattr(task, "retries", 0)) and ti is not None and ti.try_number <= ti.max_tries
        if self._store is not None and conf.getboolean("state_store", "clear_on_success", fallback=False):
            log.warning(
                "[state_store] clear_on_success is set: once this task succeeds Airflow forgets its campaign, and a "
                "clear of it more than 24 hours later (after Octopush forgets the request_id) would create and send "
                "the campaign again. Leave clear_on_success off where Octopush tasks may be cleared."
            )

    @property
    def available(self) -> bool:
        return self._store is not None

    def ticket_for(self, request_id: str) -> str | None:
        """The campaign an earlier try created with this ``request_id``, if it is remembered."""
        if self._store is None:
            return None
        record = self._store.get(CAMPAIGN_KEY)
        if isinstance(record, dict) and record.get("request_id") == request_id:
            self._holds = str(record["ticket_number"])
            return self._holds
        return None

    def remember_created(self, ticket_number: str, request_id: str) -> None:
        if self._store is not None:
            self._store.set(
                CAMPAIGN_KEY, {"ticket_number": ticket_number, "request_id": request_id}, retention=NEVER_EXPIRE
            )
            self._holds = ticket_number  # only once the write succeeded: a failed one leaves nothing to resume

    def sent_answer(self, ticket_number: str) -> dict[str, Any] | None:
        """Octopush's answer to the send of that campaign, if an earlier try got it."""
        record = self._store.get(SENT_KEY) if self._store is not None else None
        if isinstance(record, dict) and record.get("ticket_number") == ticket_number:
            return dict(record.get("answer") or {})
        return None

    def remember_sent(self, ticket_number: str, answer: dict[str, Any]) -> None:
        if self._store is not None:
            self._store.set(SENT_KEY, {"ticket_number": ticket_number, "answer": answer}, retention=NEVER_EXPIRE)

    def messages_sent(self) -> dict[str, dict[str, Any]]:
        """The chunks of a message to numbers that earlier tries sent, by request_id (empty without a store).

        Read from the store once; this try's chunks are added to that copy as they go out."""
        if self._messages is None:
            record = self._store.get(MESSAGES_KEY) if self._store is not None else None
            self._messages = dict(record) if isinstance(record, dict) else {}
        return dict(self._messages)

    def remember_message(self, request_id: str, result: dict[str, Any]) -> None:
        """Add one sent chunk to the record, which holds every chunk of every try."""
        if self._store is not None:
            self._messages = {**self.messages_sent(), request_id: result}
            self._store.set(MESSAGES_KEY, self._messages, retention=NEVER_EXPIRE)

    def leave_to_next_try(self, error: BaseException, *, findable: Callable[[], bool]) -> bool:
        """Whether a try that failed while waiting leaves its campaign to the next try instead of cancelling it.

        Only where the next try will run (a retry is left, and the error is not one Airflow never
        retries) and can find the campaign for certain: from the store, where it was written (a write
        that failed, say because Airflow already ended this try, leaves nothing to find), or, without
        one (Airflow 3.1, 3.2), when ``findable()`` says Octopush's draft answer names the request_id.
        """
        from airflow_provider_octopush.version_compat import AirflowFailException

        if not self.retry_left or isinstance(error, AirflowFailException):
            return False
        return self._knows_a_campaign() or findable()

    def _knows_a_campaign(self) -> bool:
        """The store holds this task's campaign: written or read by this try, or by the try it resumes (deferred)."""
        if self._holds is not None:
            return True
        if self._store is None:
            return False
        try:
            record = self._store.get(CAMPAIGN_KEY)
        except Exception:  # the store cannot be read (Airflow ended this try): nothing is known for certain
            return False
        return isinstance(record, dict) and bool(record.get("ticket_number"))
