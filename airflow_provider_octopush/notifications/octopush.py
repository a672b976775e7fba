"""OctopushVoiceNotifier: phone a list, a tag or numbers when something happens to a DAG or task, or a
deadline is missed.

``on_failure_callback=OctopushVoiceNotifier(recipients=["+33612345678"], text="DAG {{ dag.dag_id }}
failed")`` phones the numbers at once (a message to numbers: nothing to wait for).
``OctopushVoiceNotifier(list_name="on-call", ...)`` creates a list campaign, waits a bounded time
for Octopush to compute it, and sends it (or cancels it). A callback's host kills it after a while
(the DAG processor, which runs DAG-level callbacks, after ``[dag_processor]
dag_file_processor_timeout``: 50 s by default; a Deadline Alert's sync callback, which the executor
runs, after ``[callbacks] callback_execution_timeout`` on Airflow 3.3+ when set), so every step,
retries included, fits into ``timeout``, and the campaign is always sent or cancelled before it runs
out. ``async_notify`` serves Deadline Alerts run in the triggerer.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseNotifier

from airflow_provider_octopush.rules.arguments import parse_conn_id, parse_limit, parse_seconds, store_arguments
from airflow_provider_octopush.rules.connection import DEFAULT_CONN_ID
from airflow_provider_octopush.rules.parameters import CAMPAIGN_PARAMETERS
from airflow_provider_octopush.rules.templates import check_literals, holds_template, is_literal

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from airflow.sdk import Context

    from airflow_provider_octopush.hooks.octopush import OctopushHook
    from airflow_provider_octopush.rules.recipients import Recipients

# The call parameters a notifier takes: all but send_at (a notification calls now); purpose with recipients only.
NOTIFIER_PARAMETERS = (*(name for name in CAMPAIGN_PARAMETERS if name != "send_at"), "purpose")
LIST_ONLY = ("list_name", "tag_name", "segmentation", "max_cost")
# Left for the send or the cancel after the wait, and for the DAG processor's own parsing.
SEND_RESERVE = 10.0
HOST_MARGIN = 10.0


def _field(record: Any, name: str) -> Any:
    """A DAG run's field, from the object a task callback gets or the dict a Deadline Alert gets."""
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


def notification_request_id(context: Context) -> str:
    """One key per event, so that a re-invoked callback never calls twice.

    Task callbacks: dag, task, run, map index and try (each failed try is its own event,
    unlike the operator's key). DAG callbacks: dag and run. Deadline Alerts: dag, run and
    the deadline.
    """
    from airflow_provider_octopush.rules.request_ids import default_request_id

    ti = context.get("ti")
    dag_run = context.get("dag_run")
    run_id = _field(dag_run, "run_id") or _field(dag_run, "dag_run_id") or str(context.get("run_id"))
    # A DAG callback's context also holds a "ti" (the run's last task instance, Airflow 3.1 to 3.3),
    # but only it holds "reason": without this test a DAG-level and a task-level notifier on the same
    # failure would share one request_id, and the second would be refused (code 120).
    if ti is not None and "reason" not in context:
        return default_request_id(ti.dag_id, f"notify:{ti.task_id}:try{ti.try_number}", run_id, ti.map_index)
    dag_id = _field(dag_run, "dag_id") or getattr(context.get("dag"), "dag_id", None) or str(getattr(ti, "dag_id", "?"))
    deadline = context.get("deadline")  # a Deadline Alert's context has it
    event = f"notify:deadline:{_field(deadline, 'id')}" if deadline else "notify:dag"
    return default_request_id(dag_id, event, run_id, -1)


def default_timeout(context: Context | None = None, *, in_triggerer: bool = False) -> float:
    """The limit of the host that runs this callback, under the configuration in force, less a margin.

    A Deadline Alert's sync callback (a context with ``deadline``, outside the triggerer) runs
    in the executor's callback process, killed after ``[callbacks] callback_execution_timeout``
    (Airflow 3.3+, when positive). Every other callback is bounded by the strictest host that
    may run it, the DAG processor (``[dag_processor] dag_file_processor_timeout``).
    """
    from airflow_provider_octopush.version_compat import conf

    limit = conf.getfloat("dag_processor", "dag_file_processor_timeout", fallback=50.0)
    if context is not None and "deadline" in context and not in_triggerer:
        limit = conf.getfloat("callbacks", "callback_execution_timeout", fallback=0.0) or limit
    return max(SEND_RESERVE, limit - HOST_MARGIN)


class OctopushVoiceNotifier(BaseNotifier):
    """Phone numbers, or create and send an Octopush list campaign, from a callback or a Deadline Alert.

    Takes the campaign arguments of :class:`VoiceCampaignOperator` (all templated, with
    the callback's context), plus:

    :param recipients: instead of ``list_name``/``tag_name``: numbers to phone at once, as for
        :class:`VoiceMessageOperator` (``max_contacts`` bounds how many).
    :param purpose: with ``recipients``: ``alert`` or ``wholesale`` (Octopush's default).
    :param octopush_conn_id: the Octopush connection (templated, e.g. one per environment).
    :param max_cost: cancel instead of sending when the computed cost is higher.
    :param max_contacts: cancel instead of sending when there are more contacts.
    :param poll_interval: seconds between two status reads.
    :param timeout: the longest the whole notification may take: create, wait, send or
        cancel, retries included. Default: ``[dag_processor] dag_file_processor_timeout``
        less 10 s (40 s under Airflow's defaults), so that a DAG-level callback is never
        killed half-way; for a Deadline Alert's sync callback on Airflow 3.3+,
        ``[callbacks] callback_execution_timeout`` less 10 s when that is set. Raise both
        together for large lists.
    :param wait_timeout: the longest it waits for the computation; then the campaign is
        cancelled and the callback fails. Default: ``timeout`` less 10 s for the send.
    """

    template_fields = (*NOTIFIER_PARAMETERS, "recipients", "octopush_conn_id")
    send_at = None  # a notification calls now
    channel = "voice"  # the kind of list campaign: api.facts.CHANNELS
    parameter_names = NOTIFIER_PARAMETERS  # the API parameters it takes, all templated
    list_only: tuple[str, ...] = LIST_ONLY  # the arguments that go with a list or tag, not with recipients
    list_takes_purpose = False  # Octopush's voice list create takes no purpose
    # The arguments that are not API parameters, as __init__ stores them, checked (for type checkers).
    recipients: Any
    octopush_conn_id: str
    max_cost: float | None
    max_contacts: float | None
    poll_interval: float
    timeout: float | None
    wait_timeout: float | None

    def __init__(
        self,
        *,
        text: str,
        list_name: str | None = None,
        tag_name: str | None = None,
        segmentation: str | None = None,
        sender: str | None = None,
        voice_gender: str | None = None,
        voice_language: str | None = None,
        simulation_mode: bool | str | None = None,
        auto_remove_blacklisted_numbers: bool | str | None = None,
        get_back_pressed_keys: bool | str | None = None,
        request_id: str | None = None,
        purpose: str | None = None,
        recipients: Any = None,
        octopush_conn_id: str = DEFAULT_CONN_ID,
        max_cost: float | str | None = None,
        max_contacts: int | str | None = None,
        poll_interval: float | str = 5.0,
        timeout: float | str | None = None,
        wait_timeout: float | str | None = None,
        context: Context | None = None,
    ) -> None:
        super().__init__(context)  # a Deadline Alert passes its context here
        self._store(locals())

    def _store(self, arguments: Mapping[str, Any]) -> None:
        """Check and store the arguments of ``__init__`` (its ``locals()``)."""
        campaign = {name: arguments[name] for name in self.parameter_names}
        recipients, conn_id = arguments["recipients"], arguments["octopush_conn_id"]
        # When the DAG file loads: a notifier that cannot work must not wait for the failure it reports.
        check_literals(campaign, needs_target=recipients is None)
        self._check_target(arguments)
        max_contacts = parse_limit("max_contacts", arguments["max_contacts"])
        if recipients is not None and is_literal(recipients):
            from airflow_provider_octopush.rules.recipients import check_recipients

            check_recipients(recipients, max_contacts)
        timeout, wait_timeout = arguments["timeout"], arguments["wait_timeout"]
        store_arguments(
            self,
            campaign,
            recipients=recipients,
            octopush_conn_id=conn_id if holds_template(conn_id) else parse_conn_id(conn_id),
            max_cost=parse_limit("max_cost", arguments["max_cost"]),
            max_contacts=max_contacts,
            poll_interval=parse_seconds("poll_interval", arguments["poll_interval"]),
            timeout=None if timeout is None else parse_seconds("timeout", timeout),
            wait_timeout=None if wait_timeout is None else parse_seconds("wait_timeout", wait_timeout),
        )
        if self.timeout is not None:
            self._budget()  # both bounds are known: check that they fit together now

    def _budget(self, context: Context | None = None, *, in_triggerer: bool = False) -> tuple[float, float]:
        """The whole notification's time and the wait's, checked: (timeout, wait_timeout)."""
        from airflow_provider_octopush.exceptions import ArgumentError

        timeout = default_timeout(context, in_triggerer=in_triggerer) if self.timeout is None else self.timeout
        wait_timeout = timeout - SEND_RESERVE if self.wait_timeout is None else self.wait_timeout
        if wait_timeout >= timeout or wait_timeout <= 0:
            raise ArgumentError(
                "wait_timeout",
                f"{wait_timeout:g} s does not fit in timeout {timeout:g} s",
                "greater than 0 and less than timeout, which must also hold the create and the send or cancel",
            )
        return timeout, wait_timeout

    def _hook(self, timeout: float, wait_timeout: float) -> OctopushHook:
        from airflow_provider_octopush.hooks.octopush import OctopushHook

        return OctopushHook(
            parse_conn_id(self.octopush_conn_id),  # rendered by now
            max_retry_wait=min(60.0, wait_timeout / 4),
            deadline=time.time() + timeout,
            channel=self.channel,
        )

    def notify(self, context: Context) -> None:
        timeout, wait_timeout = self._budget(context)
        with self._hook(timeout, wait_timeout) as hook:
            self._create_and_send(context, hook, wait_timeout)

    async def async_notify(self, context: Context) -> None:
        """For Deadline Alerts, in the triggerer's event loop.

        The connection is read with the async API; the create, the wait and the send, the
        same steps as :meth:`notify`, then run in a thread, so the event loop never blocks.
        """
        import asyncio

        timeout, wait_timeout = self._budget(context, in_triggerer=True)
        hook = self._hook(timeout, wait_timeout)
        try:
            await hook.aload_settings()
            await asyncio.to_thread(self._create_and_send, context, hook, wait_timeout)
        finally:
            await hook.aclose()

    def _create_and_send(self, context: Context, hook: OctopushHook, wait_timeout: float) -> None:
        if self.recipients is not None:
            self._reach_numbers(context, hook)
            return
        from airflow_provider_octopush.rules.reading import is_unset
        from airflow_provider_octopush.steps.campaign import (
            describe_send,
            send_if_allowed,
            settled_on_failure,
            wait_until_computed,
        )
        from airflow_provider_octopush.steps.turns import create_in_turn

        params = {name: getattr(self, name) for name in self.parameter_names}
        if not self.list_takes_purpose:
            del params["purpose"]
        if is_unset(params["request_id"]):
            params["request_id"] = notification_request_id(context)
        payload = self._list_payload(hook, params)
        deadline = time.time() + wait_timeout
        limit = f"the notifier's wait_timeout={wait_timeout:g} s"
        ticket, _ = create_in_turn(
            hook, payload, self.log, deadline=deadline, limit=limit, poll_interval=self.poll_interval
        )
        self.log.info("Octopush notification campaign %s, request_id %s", ticket, payload["request_id"])
        # A callback is not retried: whatever fails from here, nobody else would send or cancel it.
        with settled_on_failure(hook, ticket, self.log, kept=lambda error: None):
            status = wait_until_computed(
                hook, ticket, poll_interval=self.poll_interval, deadline=deadline, log=self.log
            )
            answer = send_if_allowed(
                hook,
                status,
                max_cost=self.max_cost,
                max_contacts=self.max_contacts,
                limit=f"wait_timeout={wait_timeout:g} s",
                log=self.log,
            )
        self.log.info("%s (notification)", describe_send(ticket, answer))

    def _list_payload(self, hook: OctopushHook, params: dict[str, Any]) -> dict[str, Any]:
        """The list campaign's create parameters, checked, with what the voice pages leave doubtful warned about."""
        from airflow_provider_octopush.rules.parameters import normalize_campaign

        return self._warned(normalize_campaign(params))

    def _numbers_payload(
        self, hook: OctopushHook, params: dict[str, Any], recipients: Recipients
    ) -> tuple[dict[str, Any], Callable[..., dict[str, Any]]]:
        """A message to ``recipients``: its parameters, checked (and warned about), and the hook's send of one chunk."""
        from airflow_provider_octopush.rules.parameters import normalize_message

        return self._warned(normalize_message(params)), hook.send_voice_message

    def _warned(self, payload: dict[str, Any]) -> dict[str, Any]:
        from airflow_provider_octopush.rules.warnings import doubtful_values

        for doubt in doubtful_values(payload):
            self.log.warning("Octopush: %s", doubt)
        return payload

    def _reach_numbers(self, context: Context, hook: OctopushHook) -> None:
        """A message to numbers: checked, then sent in chunks, each with its own request_id (a re-invoked
        callback reaches nobody twice); nothing to wait for or cancel."""
        from airflow_provider_octopush.rules.reading import is_unset
        from airflow_provider_octopush.rules.recipients import check_recipients
        from airflow_provider_octopush.steps.message_chunks import check_base_request_id, send_in_chunks, summary

        recipients = check_recipients(self.recipients, self.max_contacts)
        params = {name: getattr(self, name) for name in self.parameter_names if name not in self.list_only}
        given = params.pop("request_id")
        base = check_base_request_id(notification_request_id(context) if is_unset(given) else given)
        payload, send = self._numbers_payload(hook, params, recipients)
        done = summary(list(send_in_chunks(send, payload, recipients, base, log=self.log)))
        self.log.info("Octopush notification: %s numbers reached, tickets %s", done["recipients"], done["tickets"])

    def _check_target(self, arguments: Mapping[str, Any]) -> None:
        """Numbers, or a list or tag: one target, and only the arguments that apply to it."""
        from airflow_provider_octopush.exceptions import CampaignParameterError

        if arguments["recipients"] is None:
            if arguments["purpose"] is not None and not self.list_takes_purpose:
                raise CampaignParameterError(
                    "purpose", "is set for a list campaign", "purpose goes with recipients (a list create takes none)"
                )
            return
        with_list = " and ".join(name for name in self.list_only if name not in ("list_name", "tag_name"))
        for name in self.list_only:
            if arguments.get(name) is not None:
                raise CampaignParameterError(
                    name,
                    "is set together with recipients",
                    f"recipients are reached at once: give either recipients, or list_name/tag_name (with {with_list})",
                )
