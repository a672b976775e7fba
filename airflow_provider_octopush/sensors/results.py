"""VoiceResultsSensor: wait for each recipient's result of a campaign or message, then hand them on.

The results come from Octopush's callbacks, which the provider's receiver stores in Airflow's API server
(docs/results.md). The sensor waits until every expected recipient has a final status or ``deadline``
passes; either way it succeeds with what it has and says who is missing: a report Octopush never sends
must not fail the DAG, only the deadline bounds the wait.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_octopush.rules.arguments import (
    parse_conn_id,
    parse_flag,
    parse_limit,
    parse_seconds,
    parse_ticket,
)
from airflow_provider_octopush.rules.connection import DEFAULT_CONN_ID
from airflow_provider_octopush.rules.templates import holds_template
from airflow_provider_octopush.version_compat import conf

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_octopush.rules.results import Tally

ROWS_PER_XCOM = 5000  # rows per XCom page: 100 000 recipients make 20 pages, none of them large


class VoiceResultsSensor(BaseSensorOperator):
    """Succeed once every recipient of ``ticket_number`` has a final result, or at ``deadline`` with those who do.

    XCom: ``return_value``, the summary (``expected``, ``reported``, ``complete``, ``counts`` per outcome,
    ``statuses``, ``missing_count``, ``missing``: up to 100 numbers, ``row_pages``); ``pressed_keys``, the keys
    each number pressed; ``rows_0``, ``rows_1``, ...: one row per recipient with a final result (``number``,
    ``status``, ``outcome``, ``pressed_keys``, ``call_duration``, ...), at most 5000 a page. The events of its
    ``outlets`` assets carry the summary in their extra.

    :param ticket_number: templated: the campaign's or message's ticket.
    :param expected_numbers: templated: who was phoned (then the summary names the missing). Default: as many
        as the campaign's ``number_of_contacts``, read from Octopush (list campaigns only).
    :param deadline: seconds (or a timedelta) after the sensor starts; then it succeeds with what it has.
    :param deferrable: wait in the triggerer. Defaults to ``[operators] default_deferrable``.
    """

    template_fields = ("ticket_number", "expected_numbers")
    ui_color = "#e3f2e1"  # results coming back

    def __init__(
        self,
        *,
        ticket_number: str,
        expected_numbers: Any = None,
        deadline: float | timedelta = 3600,
        octopush_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("poke_interval", 30)
        super().__init__(**kwargs)
        if not holds_template(ticket_number):
            parse_ticket(ticket_number)
        if expected_numbers is not None and not holds_template(expected_numbers):
            self._expected_numbers(expected_numbers)
        self.ticket_number = ticket_number
        self.expected_numbers = expected_numbers
        seconds = deadline.total_seconds() if isinstance(deadline, timedelta) else deadline
        self.deadline = parse_seconds("deadline", seconds)
        self.octopush_conn_id = parse_conn_id(octopush_conn_id)
        self.deferrable = parse_flag("deferrable", deferrable)
        self._progress: tuple[Tally, int] | None = None  # the tally and the last row read, kept across pokes

    @staticmethod
    def _expected_numbers(value: Any) -> list[str]:
        from airflow_provider_octopush.rules.recipients import parse_recipients

        return list(parse_recipients(value, "expected_numbers").numbers())

    def _tally(self) -> Tally:
        """An empty tally of the rendered ticket, with who (or how many) is expected."""
        from airflow_provider_octopush.hooks.octopush import OctopushHook
        from airflow_provider_octopush.rules.results import Tally

        ticket = parse_ticket(self.ticket_number)
        if self.expected_numbers is not None:
            return Tally(ticket, expected_numbers=self._expected_numbers(self.expected_numbers))
        with OctopushHook(self.octopush_conn_id) as hook:
            contacts = hook.get_campaign_status(ticket).get("number_of_contacts")
        count = parse_limit("number_of_contacts", contacts)
        return Tally(ticket, expected_count=None if count is None else int(count))

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        from airflow_provider_octopush.triggers.results import VoiceResultsTrigger

        tally = self._tally()
        self.defer(
            trigger=VoiceResultsTrigger(
                tally.ticket_number,
                self.octopush_conn_id,
                float(self.poke_interval),
                time.time() + self.deadline,
                sorted(tally.expected_numbers) if tally.expected_numbers is not None else None,
                tally.expected if tally.expected_numbers is None else None,
            ),
            method_name="execute_complete",
        )

    def poke(self, context: Context) -> PokeReturnValue:
        from datetime import datetime, timezone

        started = context["ti"].start_date or datetime.now(timezone.utc)
        passed = (datetime.now(timezone.utc) - started).total_seconds() >= self.deadline
        tally = self._read()
        if not (tally.complete or passed):
            self.log.info("Octopush results: %s of %s recipients so far", len(tally.final), tally.expected)
            return PokeReturnValue(is_done=False)
        return PokeReturnValue(is_done=True, xcom_value=self._hand_on(context, tally))

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        from airflow_provider_octopush.exceptions import from_event

        if event["outcome"] == "error":
            raise from_event(event["error"], f"Waiting for the results of {self.ticket_number}")
        return self._hand_on(context, self._read())

    def _read(self) -> Tally:
        """The tally brought up to date: a poke reads only the reports stored since the last one, and asks
        Octopush for the campaign's size once."""
        from airflow_provider_octopush.hooks.octopush import OctopushHook
        from airflow_provider_octopush.steps.results import read_pages

        tally, read = self._progress or (self._tally(), 0)
        with OctopushHook(self.octopush_conn_id) as hook:
            for rows, last in read_pages(hook, tally.ticket_number, read):
                tally.add(rows)
                read = last
        self._progress = (tally, read)
        return tally

    def _hand_on(self, context: Context, tally: Tally) -> dict[str, Any]:
        """Push the pressed keys and the rows in pages; the summary is the return value."""
        rows = tally.rows()
        pages = range(0, len(rows), ROWS_PER_XCOM)
        for index, start in enumerate(pages):
            context["ti"].xcom_push(key=f"rows_{index}", value=rows[start : start + ROWS_PER_XCOM])
        context["ti"].xcom_push(key="pressed_keys", value=tally.pressed_keys())
        summary = {**tally.summary(), "row_pages": len(pages)}
        if self.outlets:
            from airflow_provider_octopush.steps.asset_event import announce

            announce(context, self.outlets, summary)
        if summary["complete"]:
            self.log.info("Octopush results of %s, every recipient: %s", tally.ticket_number, summary["counts"])
        else:
            self.log.warning(
                "Octopush results of %s at the deadline (%g s): %s reported, %s missing%s",
                tally.ticket_number,
                self.deadline,
                summary["reported"],
                summary["missing_count"],
                f" ({', '.join(summary['missing'])})" if summary["missing"] else "",
            )
        return summary
