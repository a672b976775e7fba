"""The payload to send now: ``send_at`` decided against the clock, doubts warned about, the task skipped if asked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.rules.send_at import resolve_send_at
from airflow_provider_octopush.rules.warnings import doubtful_values

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import timedelta

    from airflow_provider_octopush.steps.log import Logger


def payload_for_now(
    payload: Mapping[str, Any], *, grace: timedelta, on_past_send_at: str, log: Logger, channel: str
) -> dict[str, Any]:
    """The payload to send now: ``send_at`` checked against the clock (:func:`resolve_send_at`), what the
    Octopush voice pages leave doubtful warned about (``channel`` "voice"; SMS has no such doubts: its
    alphabet and sender are documented). Skips the task when ``on_past_send_at`` says so."""
    import pendulum

    decision = resolve_send_at(payload, now=pendulum.now("UTC"), grace=grace, on_past_send_at=on_past_send_at)
    if decision.skip_reason:
        from airflow_provider_octopush.version_compat import AirflowSkipException

        raise AirflowSkipException(decision.skip_reason)
    doubts = doubtful_values(decision.payload) if channel == "voice" else []
    for doubt in filter(None, (decision.warning, *doubts)):
        log.warning("Octopush: %s", doubt)
    return decision.payload
