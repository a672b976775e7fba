"""A message straight to numbers (voice or SMS), however many: chunks of 500, a request_id each, what went out.

Octopush takes at most 500 recipients a call (``POST /voice-campaign/send``, ``POST
/sms-campaign/send``) and phones or texts them at once: there is no prepared state to
cancel, so a call that went out must never be made again. Each chunk therefore carries its
own request_id (the task's key, the chunk's place and a digest of its numbers:
:func:`~airflow_provider_octopush.rules.recipients.chunk_request_id`). A replay within 24 hours
is refused by Octopush (code 120), which here means "that chunk went out before". On Airflow
3.3 the chunks sent are also remembered by the task instance, so a retry or a clear, even
after 24 hours, skips them without a call. Shared by
:class:`~airflow_provider_octopush.operators.voice_message.VoiceMessageOperator`,
:class:`~airflow_provider_octopush.operators.sms_message.SmsMessageOperator` and the notifier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.api.answers import ticket_in
from airflow_provider_octopush.api.facts import DIRECT_SEND_MAX_RECIPIENTS
from airflow_provider_octopush.exceptions import CampaignParameterError, OctopushDuplicateRequestError
from airflow_provider_octopush.rules.reading import as_count, finite_number
from airflow_provider_octopush.rules.recipients import chunk_request_id, chunked

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

    from airflow_provider_octopush.rules.recipients import Recipients
    from airflow_provider_octopush.steps.log import Logger
    from airflow_provider_octopush.steps.task_memory import CampaignMemory

# What a chunk's request_id adds to the task's key: ".<place>.<12 hex digits>".
BASE_REQUEST_ID_MAX_LENGTH = 100


def check_base_request_id(request_id: str) -> str:
    """The key the chunks' request_ids are built on: short enough to leave room for the chunk's part."""
    if len(request_id) > BASE_REQUEST_ID_MAX_LENGTH:
        raise CampaignParameterError(
            "request_id",
            f"has {len(request_id)} characters",
            f"at most {BASE_REQUEST_ID_MAX_LENGTH} for a message to numbers (each chunk adds its place and a digest)",
        )
    return request_id


def chunk_result(request_id: str, rows: Recipients, answer: Mapping[str, Any]) -> dict[str, Any]:
    """What XCom and the memory keep of one chunk: its key, how many, the ticket and cost Octopush gave."""
    return {
        "request_id": request_id,
        "recipients": len(rows),
        "ticket_number": ticket_in(answer),
        "number_of_contacts": as_count(answer.get("number_of_contacts")),
        "total_cost": finite_number(answer.get("total_cost", answer.get("cost"))),
        "sent_before": bool(answer.get("done_by_earlier_attempt")),
    }


def send_in_chunks(
    send: Callable[..., dict[str, Any]],
    payload: Mapping[str, Any],
    recipients: Recipients,
    base_request_id: str,
    *,
    log: Logger,
    sent_before: Mapping[str, dict[str, Any]] | None = None,
    remember: Callable[[str, dict[str, Any]], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Send ``recipients`` chunk by chunk with ``send`` (the hook's ``send_voice_message`` or
    ``send_sms_message``) and yield each chunk's result as soon as it is known.

    A chunk in ``sent_before`` (the memory of earlier tries) is not sent again; one that
    Octopush refuses as a repeat (code 120) went out before and counts as sent. ``remember``
    records each chunk the moment it went out. A failure stops at that chunk: the ones before
    it went out, the ones after did not, and the caller still has every result yielded.
    """
    count = -(-len(recipients) // DIRECT_SEND_MAX_RECIPIENTS)
    for index, rows in enumerate(chunked(recipients, DIRECT_SEND_MAX_RECIPIENTS), start=1):
        request_id = chunk_request_id(base_request_id, index, rows)
        earlier = (sent_before or {}).get(request_id)
        if earlier is not None:
            log.info("Octopush: chunk %s/%s (%s numbers) went out in an earlier try", index, count, len(rows))
            yield {**earlier, "sent_before": True}
            continue
        try:
            answer = send(recipients=rows, request_id=request_id, **payload)
        except OctopushDuplicateRequestError:
            log.warning(
                "Octopush: chunk %s/%s (request_id %s) was sent by an earlier try; Octopush refused it again (120)",
                index,
                count,
                request_id,
            )
            answer = {"done_by_earlier_attempt": True}
        result = chunk_result(request_id, rows, answer)
        if remember is not None:
            remember(request_id, result)
        log.info(
            "Octopush: chunk %s/%s, %s numbers: %s",
            index,
            count,
            len(rows),
            f"ticket {result['ticket_number']}" if result["ticket_number"] else "sent before",
        )
        yield result


def summary(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The message's tickets and counts, over its chunks (what the operator returns)."""
    costs = [result["total_cost"] for result in results if result["total_cost"] is not None]
    return {
        "tickets": [result["ticket_number"] for result in results if result["ticket_number"]],
        "recipients": sum(result["recipients"] for result in results),
        "chunks": len(results),
        "chunks_sent_before": sum(1 for result in results if result["sent_before"]),
        "total_cost": round(sum(costs), 4) if costs else None,
        "results": list(results),
    }


def deliver(
    send: Callable[..., dict[str, Any]],
    payload: Mapping[str, Any],
    recipients: Recipients,
    base_request_id: str,
    *,
    memory: CampaignMemory,
    ti: Any,
    log: Logger,
    done: str,
    does: str,
) -> dict[str, Any]:
    """An operator's message to numbers: :func:`send_in_chunks` with the task's memory, and the summary.

    Should a chunk fail, the chunks that went out stay on record (XCom) for the person reading the
    failure, and the log says that a retry sends only the rest. ``done``, ``does``: "phoned" and
    "phones", or "texted" and "texts".
    """
    results: list[dict[str, Any]] = []
    try:
        for result in send_in_chunks(
            send,
            payload,
            recipients,
            base_request_id,
            log=log,
            sent_before=memory.messages_sent(),
            remember=memory.remember_message,
        ):
            results.append(result)
    except BaseException:
        if results:
            ti.xcom_push(key="return_value", value=summary(results))
            log.error(
                "Octopush: %s of the numbers were %s before the failure; %s",
                sum(result["recipients"] for result in results),
                done,
                f"a retry or clear {does} only the rest"
                if memory.available
                else f"a retry or clear within 24 hours {does} only the rest (Octopush refuses repeats)",
            )
        raise
    return summary(results)


def simulated_cost(
    send: Callable[..., dict[str, Any]],
    payload: Mapping[str, Any],
    recipients: Recipients,
    base_request_id: str,
    sent_before: Mapping[str, dict[str, Any]],
) -> float | None:
    """What the chunks not yet sent would cost, as Octopush prices them: each sent with ``simulation_mode``
    (nobody is texted or phoned, nothing is billed) and without a request_id (the real send's stays unused).
    None when an answer gives no cost: a budget cannot then be checked."""
    total = 0.0
    for index, rows in enumerate(chunked(recipients, DIRECT_SEND_MAX_RECIPIENTS), start=1):
        if chunk_request_id(base_request_id, index, rows) in sent_before:
            continue
        cost = finite_number(send(recipients=rows, **{**payload, "simulation_mode": True}).get("total_cost"))
        if cost is None:
            return None
        total += cost
    return round(total, 4)
