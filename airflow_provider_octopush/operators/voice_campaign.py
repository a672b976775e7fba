"""Operators for Octopush voice campaigns on a contact list or tag.

``VoiceCampaignOperator`` prepares a campaign and, with ``send=True``, waits for its
computation (in the worker, or deferred to the triggerer), checks the budget and sends
it. ``SendVoiceCampaignOperator`` and ``CancelVoiceCampaignOperator`` act on a ticket
prepared earlier. The operators only store their arguments; ``execute()`` imports the
hook and the rules, so that DAG files importing this module stay light.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, TypeVar

from airflow.sdk import BaseOperator

from airflow_provider_octopush.api.facts import CHANNELS
from airflow_provider_octopush.rules.arguments import (
    DEFAULT_SEND_AT_GRACE,
    campaign_arguments,
    parse_conn_id,
    parse_ticket,
    store_arguments,
)
from airflow_provider_octopush.rules.connection import DEFAULT_CONN_ID
from airflow_provider_octopush.rules.parameters import CAMPAIGN_PARAMETERS, normalize_campaign

# default_request_id is re-exported: DAGs imported it from here before the layout of 0.2.0.
from airflow_provider_octopush.rules.request_ids import default_request_id as default_request_id
from airflow_provider_octopush.rules.templates import check_literals, has_custom_jinja, holds_template
from airflow_provider_octopush.version_compat import conf

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from contextlib import AbstractContextManager
    from datetime import datetime, timedelta

    from airflow.sdk import Context

    from airflow_provider_octopush.hooks.octopush import OctopushHook
    from airflow_provider_octopush.steps.task_memory import CampaignMemory

_T = TypeVar("_T")
RESPONSE_XCOM_KEY = "octopush_response"
STATUS_XCOM_KEY = "octopush_status"
SEND_XCOM_KEY = "octopush_send"
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_WAIT_TIMEOUT = 1800.0


class VoiceCampaignOperator(BaseOperator):
    """Create an Octopush voice campaign (a text read aloud and phoned to a list or tag).

    Arguments carry the names of the API parameters and are all templated; one left
    at None is not sent. Values are checked after rendering and before any HTTP call.
    Returns the campaign's ticket number (XCom ``return_value``); the whole answer goes
    to XCom key ``octopush_response``.

    :param text: the message read aloud, 1 to 1224 characters.
    :param list_name: the contact list to call (a list, a tag, or both).
    :param tag_name: the contact tag to call.
    :param segmentation: ``filter`` or ``group``.
    :param sender: 3 to 11 letters or digits.
    :param send_at: when to call: an aware datetime or ISO 8601 with offset, e.g.
        ``"{{ data_interval_end }}"``. Late by up to ``send_at_grace``: sent now, with a warning.
    :param voice_gender: ``male`` or ``female``.
    :param voice_language: e.g. ``fr-FR``, ``en-GB``; see docs/voice-campaign-operator.md for the list.
    :param simulation_mode: ``True`` (or ``"true"``): Octopush simulates, nobody is called.
    :param auto_remove_blacklisted_numbers: skip blacklisted numbers (Octopush charges for it).
    :param get_back_pressed_keys: collect the keys the called person presses.
    :param request_id: idempotency key; by default derived from dag_id, task_id, run_id and
        map_index, so that retries of one task instance never make a second campaign.
    :param octopush_conn_id: the Octopush connection.
    :param send_at_grace: how late ``send_at`` may be and still mean "send now".
    :param on_past_send_at: what to do when ``send_at`` is later than that: ``fail`` (default),
        ``skip`` the task, or ``send_now``. Backfills over past dates need ``skip`` or ``send_now``.
    :param send: False (default): prepare the campaign and push its ticket. True: also wait until
        Octopush has computed it, check ``max_cost`` / ``max_contacts``, and send it.
    :param max_cost: with ``send=True``, cancel instead of sending when the computed cost is higher.
    :param max_contacts: with ``send=True``, cancel instead of sending when there are more contacts.
    :param poll_interval: seconds between two status reads while waiting.
    :param wait_timeout: seconds to wait for the computation; then the campaign is cancelled.
    :param deferrable: wait in the triggerer, freeing the worker slot. Defaults to
        ``[operators] default_deferrable``.
    """

    template_fields = CAMPAIGN_PARAMETERS
    template_ext = ()
    ui_color = "#f2e6ff"
    channel = "voice"  # the kind of campaign: api.facts.CHANNELS
    parameter_names = CAMPAIGN_PARAMETERS  # the API parameters it takes, all templated
    sender_operator = "SendVoiceCampaignOperator"  # where outlets go when this task does not send
    # The arguments that are not API parameters, as __init__ stores them, checked (for type checkers).
    octopush_conn_id: str
    send_at_grace: timedelta
    on_past_send_at: str
    send: bool
    max_cost: float | None
    max_contacts: float | None
    poll_interval: float
    wait_timeout: float
    deferrable: bool
    _pending_ticket: str | None = None  # created by this task and not sent yet: on_kill cancels it
    _killed = False

    def __init__(
        self,
        *,
        text: str,
        list_name: str | None = None,
        tag_name: str | None = None,
        segmentation: str | None = None,
        sender: str | None = None,
        send_at: str | datetime | None = None,
        voice_gender: str | None = None,
        voice_language: str | None = None,
        simulation_mode: bool | str | None = None,
        auto_remove_blacklisted_numbers: bool | str | None = None,
        get_back_pressed_keys: bool | str | None = None,
        request_id: str | None = None,
        octopush_conn_id: str = DEFAULT_CONN_ID,
        send_at_grace: timedelta | float = DEFAULT_SEND_AT_GRACE,
        on_past_send_at: str = "fail",
        send: bool | str = False,
        max_cost: float | str | None = None,
        max_contacts: int | str | None = None,
        poll_interval: float | str = DEFAULT_POLL_INTERVAL,
        wait_timeout: float | str = DEFAULT_WAIT_TIMEOUT,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._store_campaign(locals())

    def _store_campaign(self, arguments: Mapping[str, Any]) -> None:
        """Check and store the arguments of ``__init__`` (its ``locals()``)."""
        campaign = {name: arguments[name] for name in self.parameter_names}
        # At DAG load, so that a bad value is an import error in the UI, never a failure after a create.
        check_literals(campaign, custom_jinja=has_custom_jinja(arguments["kwargs"].get("dag")))
        store_arguments(self, campaign, **campaign_arguments(arguments))
        if self.outlets and not self.send:
            from airflow_provider_octopush.exceptions import ArgumentError

            raise ArgumentError(
                "outlets",
                "set on a task with send=False, which succeeds having reached nobody",
                f"outlets announce sent campaigns: set send=True, or put them on the {self.sender_operator}",
            )

    def execute(self, context: Context) -> str:
        return self._run(context)

    def execute_in_turn(self, context: Context, event: dict[str, Any]) -> str:
        """Resume after :class:`~airflow_provider_octopush.triggers.turn.AccountFreeTrigger`: the account is
        free (create now, as ``execute`` would), or the wait for the turn ran out, or it failed."""
        from airflow_provider_octopush.api.answers import Draft
        from airflow_provider_octopush.api.facts import CODE_DRAFT_PENDING
        from airflow_provider_octopush.exceptions import OctopushRejectedError, from_event
        from airflow_provider_octopush.rules.turns import waited_too_long

        if event["outcome"] == "error":
            raise from_event(event["error"], "Waiting in the triggerer for the account's turn")
        if event["outcome"] == "timeout":
            draft = Draft.from_response(event["draft"]) if event.get("draft") else None
            advice = waited_too_long(draft, event["waited"], event["limit"])
            raise OctopushRejectedError(f"{event['refusal']} {advice}", status=400, code=CODE_DRAFT_PENDING)
        return self._run(context, turn=(event["since"], event["deadline"], event["limit"]))

    def _run(self, context: Context, turn: tuple[float, float, str] | None = None) -> str:
        """Create (or resume) the campaign, then wait, guard and send it. ``turn``: the wait for the account's
        turn that resumed this task (when it began, its deadline and the limit that set it)."""
        from airflow_provider_octopush.exceptions import CampaignParameterError
        from airflow_provider_octopush.hooks.octopush import OctopushHook
        from airflow_provider_octopush.steps.send_at import payload_for_now
        from airflow_provider_octopush.steps.task_memory import CampaignMemory

        ti = context["ti"]
        params = {name: getattr(self, name) for name in self.parameter_names}
        noun = CHANNELS[self.channel].noun
        memory = CampaignMemory(context, self.log)
        with OctopushHook(self.octopush_conn_id, channel=self.channel) as hook:
            try:
                params["request_id"] = self._request_id(ti)
                payload = payload_for_now(
                    self._payload(hook, params, ti),
                    grace=self.send_at_grace,
                    on_past_send_at=self.on_past_send_at,
                    log=self.log,
                    channel=self.channel,
                )
            except CampaignParameterError as err:  # a no-retry error: a retry renders the same values
                err.args = (f"{err} Nothing was sent to Octopush.",)
                raise
            request_id = payload["request_id"]
            ticket = memory.ticket_for(request_id)
            remembered = ticket is not None
            response = None
            if ticket is None:
                target = ", ".join(f"{key} {payload[key]!r}" for key in ("list_name", "tag_name") if key in payload)
                self.log.info("Creating an Octopush %s on %s, request_id %s", noun, target, request_id)
                ticket, response = self._create(hook, payload, ti, turn)
                if response is not None:
                    self.log.info("Octopush %s created: ticket %s, request_id %s", noun, ticket, request_id)
            else:
                self.log.info(
                    "Resuming Octopush campaign %s, created by an earlier try of this task (request_id %s)",
                    ticket,
                    request_id,
                )
            with self._guard(hook, ticket, memory, request_id):
                if not remembered:
                    memory.remember_created(ticket, request_id)  # first, so that a retry finds it
                if response is not None:
                    ti.xcom_push(key=RESPONSE_XCOM_KEY, value=response)
                ti.xcom_push(key="return_value", value=ticket)  # now, so that a failure later still shows it
                if not self.send:
                    return ticket
                sent = memory.sent_answer(ticket)
                if sent is not None:
                    self.log.info("Octopush campaign %s was sent by an earlier try; not sending it again", ticket)
                    ti.xcom_push(key=SEND_XCOM_KEY, value=sent)
                    self._announce(context, ticket, None, sent)  # the try that sent it failed: no event yet
                    return ticket
                deadline, limit = self._deadline(ti)
                if self.deferrable:
                    self._defer(ticket, deadline, limit)
                return self._send_when_computed(context, hook, ticket, memory, limit, deadline=deadline)

    def _payload(self, hook: OctopushHook, params: dict[str, Any], ti: Any) -> dict[str, Any]:
        """The create's parameters, checked; the hook adds the connection's defaults."""
        return normalize_campaign(params)

    def _create(
        self, hook: OctopushHook, payload: dict[str, Any], ti: Any, turn: tuple[float, float, str] | None
    ) -> tuple[str, dict[str, Any] | None]:
        """The create, waiting for the account's turn while another campaign awaits validation (code 126):
        here, or in the triggerer when deferrable. The wait is bounded like the computation's."""
        from airflow_provider_octopush.exceptions import OctopushRejectedError, with_advice
        from airflow_provider_octopush.rules.turns import waited_too_long
        from airflow_provider_octopush.steps.draft_recovery import create_or_recover, recoverable
        from airflow_provider_octopush.steps.turns import create_in_turn, is_turn_refusal

        since, deadline, limit = turn or (None, *self._deadline(ti))
        if not self.deferrable:
            return create_in_turn(
                hook, payload, self.log, deadline=deadline, limit=limit, poll_interval=self.poll_interval
            )
        try:
            return create_or_recover(hook, payload, self.log)
        except OctopushRejectedError as err:
            if not is_turn_refusal(err) or not recoverable(hook):  # no draft to watch: the refusal stands
                raise
            if since is not None and time.time() >= deadline:
                raise with_advice(err, waited_too_long(None, time.time() - since, limit)) from None
            self._defer_turn(str(err), since or time.time(), deadline, limit)
            raise  # unreachable: defer raises

    def _defer_turn(self, refusal: str, since: float, deadline: float, limit: str) -> None:
        from airflow_provider_octopush.triggers.turn import AccountFreeTrigger

        self.log.info("%s Waiting in the triggerer for this account's turn, until %s", refusal, limit)
        self.defer(
            trigger=AccountFreeTrigger(self.octopush_conn_id, self.poll_interval, since, deadline, limit, refusal),
            method_name="execute_in_turn",
        )

    def _deadline(self, ti: Any) -> tuple[float, str]:
        """When the wait must end, and which limit sets it: ``wait_timeout``, or ``execution_timeout``
        if that runs out first (Airflow does not enforce it across a deferral)."""
        deadline, limit = time.time() + self.wait_timeout, f"wait_timeout={self.wait_timeout:g} s"
        if self.execution_timeout is not None:
            started = ti.start_date.timestamp() if getattr(ti, "start_date", None) else time.time()
            ends = started + self.execution_timeout.total_seconds()
            if ends < deadline:
                deadline, limit = ends, f"execution_timeout={self.execution_timeout.total_seconds():g} s"
        return deadline, limit

    def _request_id(self, ti: Any) -> str:
        """The request_id as rendered, or the one derived from the task instance."""
        from airflow_provider_octopush.rules.parameters import parse_request_id
        from airflow_provider_octopush.rules.reading import is_unset

        rendered = vars(self)["request_id"]  # a campaign value, stored by __init__ through vars()
        if is_unset(rendered):
            return default_request_id(ti.dag_id, ti.task_id, ti.run_id, ti.map_index)
        return parse_request_id(rendered)

    def _guard(
        self, hook: OctopushHook, ticket: str, memory: CampaignMemory, request_id: str
    ) -> AbstractContextManager[None]:
        """Everything after the create runs under this: whatever fails, the campaign is cancelled or left to a retry."""
        from airflow_provider_octopush.steps.campaign import settled_on_failure
        from airflow_provider_octopush.steps.draft_recovery import names_request_id

        self._pending_ticket = ticket

        def kept(error: BaseException) -> str | None:
            self._pending_ticket = None  # settled here; on_kill has nothing left to do
            if self._killed:
                return "on_kill cancelled it"
            resumable = memory.leave_to_next_try(error, findable=lambda: names_request_id(hook, request_id))
            return "the next try resumes it" if resumable else None

        return settled_on_failure(hook, ticket, self.log, kept=kept)

    def _defer(self, ticket: str, deadline: float, limit: str) -> None:
        from airflow_provider_octopush.triggers.voice_campaign import VoiceCampaignComputedTrigger

        self.log.info("Waiting in the triggerer for Octopush to compute campaign %s", ticket)
        self.defer(
            trigger=VoiceCampaignComputedTrigger(
                ticket,
                self.octopush_conn_id,
                self.poll_interval,
                deadline,
                cancel_on_kill=True,
                limit=limit,
                channel=self.channel,
            ),
            method_name="execute_complete",
        )

    def execute_complete(self, context: Context, event: dict[str, Any], limit: str = "wait_timeout") -> str:
        """Resume after the trigger: the event says what Octopush computed (or what failed); guard and send."""
        from airflow_provider_octopush.hooks.octopush import OctopushHook
        from airflow_provider_octopush.steps.task_memory import CampaignMemory

        ticket = event["ticket_number"]
        memory = CampaignMemory(context, self.log)
        with (
            OctopushHook(self.octopush_conn_id, channel=self.channel) as hook,
            self._guard(hook, ticket, memory, self._request_id(context["ti"])),
        ):
            limit = event.get("limit") or f"wait_timeout={self.wait_timeout:g} s"
            return self._send_when_computed(context, hook, ticket, memory, limit, event=event)

    def _send_when_computed(
        self,
        context: Context,
        hook: OctopushHook,
        ticket: str,
        memory: CampaignMemory,
        limit: str,
        *,
        deadline: float | None = None,
        event: dict[str, Any] | None = None,
    ) -> str:
        """Wait here until ``deadline`` (or read the trigger's ``event``), then guard and send."""
        from airflow_provider_octopush.steps.campaign import (
            describe_send,
            send_if_allowed,
            status_from_event,
            wait_until_computed,
        )

        if event is not None:
            status = status_from_event(event)
        else:
            assert deadline is not None
            status = wait_until_computed(
                hook, ticket, poll_interval=self.poll_interval, deadline=deadline, log=self.log
            )
        context["ti"].xcom_push(key=STATUS_XCOM_KEY, value=status.figures())
        answer = send_if_allowed(
            hook, status, max_cost=self.max_cost, max_contacts=self.max_contacts, limit=limit, log=self.log
        )
        memory.remember_sent(ticket, answer)
        context["ti"].xcom_push(key=SEND_XCOM_KEY, value=answer)
        self.log.info("%s", describe_send(ticket, answer))
        self._announce(context, ticket, status.figures(), answer)
        return ticket

    def _announce(self, context: Context, ticket: str, figures: dict[str, Any] | None, answer: dict[str, Any]) -> None:
        """The extra of the outlets' asset events, if any (see :mod:`~airflow_provider_octopush.steps.asset_event`)."""
        if not self.outlets:
            return
        from airflow_provider_octopush.rules.reading import is_unset
        from airflow_provider_octopush.rules.values import parse_send_at
        from airflow_provider_octopush.steps.asset_event import announce, sent_extra

        send_at = vars(self)["send_at"]  # rendered, checked when the campaign was created
        send_at = None if is_unset(send_at) else parse_send_at(send_at).isoformat()
        announce(context, self.outlets, sent_extra(ticket, figures, answer, send_at=send_at, knows_send_at=True))

    def on_kill(self) -> None:
        """Cancel a campaign this task created and has not sent: nobody would send it otherwise."""
        ticket, self._pending_ticket = self._pending_ticket, None
        if ticket is None:
            return
        from airflow_provider_octopush.hooks.octopush import OctopushHook
        from airflow_provider_octopush.steps.campaign import cancel_quietly

        self._killed = True
        with OctopushHook(self.octopush_conn_id, channel=self.channel) as hook:
            cancel_quietly(hook, ticket, self.log)


class _TicketOperator(BaseOperator):
    """Base of the thin operators that act on a ticket prepared earlier (e.g. pulled from XCom)."""

    template_fields = ("ticket_number",)
    template_ext = ()
    channel = "voice"  # the kind of campaign the ticket is of: api.facts.CHANNELS

    def __init__(self, *, ticket_number: str, octopush_conn_id: str = DEFAULT_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not holds_template(ticket_number):
            parse_ticket(ticket_number)  # at DAG load: an empty literal ticket can never work
        self.ticket_number = ticket_number
        self.octopush_conn_id = parse_conn_id(octopush_conn_id)

    def _call(self, work: Callable[[OctopushHook, str], _T]) -> _T:
        """``work(hook, ticket)`` with the rendered ticket checked, the hook closed after."""
        from airflow_provider_octopush.hooks.octopush import OctopushHook

        ticket = parse_ticket(self.ticket_number)
        with OctopushHook(self.octopush_conn_id, channel=self.channel) as hook:
            return work(hook, ticket)


class SendVoiceCampaignOperator(_TicketOperator):
    """Send (validate) a prepared campaign. Returns Octopush's answer (``sending_date``).

    :param ticket_number: templated, e.g. ``"{{ ti.xcom_pull(task_ids='prepare') }}"``.
    """

    ui_color = "#e0f5e0"  # the calls go out

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_octopush.steps.asset_event import announce, sent_extra
        from airflow_provider_octopush.steps.campaign import describe_send, poll_status

        def send(hook: OctopushHook, ticket: str) -> dict[str, Any]:
            figures = poll_status(hook, ticket).figures() if self.outlets else None  # for the asset event
            answer = hook.send_campaign(ticket)
            self.log.info("%s", describe_send(ticket, answer))
            if self.outlets:
                extra = sent_extra(ticket, figures, answer, send_at=None, knows_send_at=False)
                announce(context, self.outlets, extra)
            return answer

        return self._call(send)


class CancelVoiceCampaignOperator(_TicketOperator):
    """Cancel a prepared campaign (impossible once sent).

    :param ticket_number: templated, e.g. ``"{{ ti.xcom_pull(task_ids='prepare') }}"``.
    """

    ui_color = "#fbe3e3"  # nobody is called

    def execute(self, context: Context) -> None:
        from airflow_provider_octopush.api.facts import CODE_ALREADY_SENT, CODE_NOT_FOUND
        from airflow_provider_octopush.exceptions import OctopushApiError, with_advice
        from airflow_provider_octopush.steps.campaign import STILL_PENDING

        try:
            self._call(lambda hook, ticket: hook.cancel_campaign(ticket))
        except OctopushApiError as err:
            if err.code in (CODE_ALREADY_SENT, CODE_NOT_FOUND):  # sent, or gone: nothing is left pending
                raise
            raise with_advice(err, f"Campaign {self.ticket_number} was not cancelled: {STILL_PENDING}.") from None
        self.log.info("Octopush campaign %s cancelled", parse_ticket(self.ticket_number))
