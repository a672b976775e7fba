"""Finding this task's campaign when its ticket was lost, through the account's pending draft.

Octopush holds at most one list campaign awaiting validation per account (a second create
is refused with code 126) and shows it at ``GET /voice-campaign/draft``. So a create refused
as a duplicate (120: this request_id made a campaign already) or as blocked (126) points at
a draft. Whether that draft is *this task's* campaign decides whether it may be sent:

- proven by request id: the draft's answer names this task's ``request_id`` (Octopush's
  documented answer does not carry one; it is read when present);
- proven by timing: this very call created the campaign moments ago and only its answer was
  lost. Octopush accepted that create, so no other draft existed then; another draft now
  would mean ours was sent or cancelled, and a new one created, within those seconds, by
  someone who never saw our ticket;
- otherwise not proven: the draft is reported (ticket, figures) and left alone. It may be
  somebody else's, created after ours was sent or cancelled, and sending it would phone the
  wrong people.

Imported only at run time.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.api.answers import Draft
from airflow_provider_octopush.api.facts import CODE_DRAFT_PENDING
from airflow_provider_octopush.exceptions import (
    OctopushDuplicateRequestError,
    OctopushError,
    OctopushRejectedError,
    with_advice,
)

if TYPE_CHECKING:
    from airflow_provider_octopush.hooks.octopush import OctopushHook
    from airflow_provider_octopush.steps.log import Logger

# How long after our own create a draft counts as proven ours by timing (see the module's docstring).
TIMING_WINDOW = 120.0


def find_draft(hook: OctopushHook) -> Draft | None:
    """The account's draft, or None. Not for a channel without a draft lookup (see :func:`recoverable`)."""
    body = hook.get_campaign_draft()
    return Draft.from_response(body) if body else None


def proof_of_ownership(draft: Draft, request_id: str, *, created_ago: float | None) -> str | None:
    """Why ``draft`` is certainly the campaign this ``request_id`` created, or None when that is not proven.

    ``created_ago``: seconds since this very call's create reached Octopush and lost its answer;
    None when the campaign was created earlier (by another try).
    """
    if draft.request_id is not None:
        return "Octopush names this task's request_id on it" if draft.request_id == request_id else None
    if created_ago is not None and created_ago <= TIMING_WINDOW:
        return (
            f"this call created it {created_ago:.0f} s ago and lost only the answer, and Octopush holds one draft "
            "per account"
        )
    return None


def recoverable(hook: OctopushHook) -> bool:
    """Whether the hook's channel shows the account's draft (voice), so that a lost ticket can be found."""
    return hook.channel.draft_path is not None


def names_request_id(hook: OctopushHook, request_id: str) -> bool:
    """Whether the account's draft answer names this request_id: then a later try can prove the campaign its own."""
    if not recoverable(hook):
        return False
    try:
        draft = find_draft(hook)
    except OctopushError:
        return False
    return draft is not None and draft.request_id == request_id


def create_or_recover(hook: OctopushHook, payload: dict[str, Any], log: Logger) -> tuple[str, dict[str, Any] | None]:
    """Create the campaign; where Octopush refuses it as a duplicate (120) or as blocked by a draft (126),
    recover the draft when it is provably this request's campaign.

    Returns the ticket and the create's answer (None for a recovered campaign). Raises the
    refusal, of its own class, with what the draft is and what to do, otherwise.
    """
    from airflow_provider_octopush.api.answers import ticket_from

    request_id = payload["request_id"]
    started = time.monotonic()
    try:
        response = hook.create_campaign_on_list(**payload)
    except OctopushDuplicateRequestError as err:
        created_ago = time.monotonic() - started if err.replayed else None
        return _recover(hook, request_id, err, created_ago, log), None
    except OctopushRejectedError as err:
        if err.code != CODE_DRAFT_PENDING:
            raise
        return _recover(hook, request_id, err, None, log), None
    return ticket_from(response), response


def _recover(
    hook: OctopushHook, request_id: str, refusal: OctopushError, created_ago: float | None, log: Logger
) -> str:
    """The ticket of the draft that is provably ours; otherwise the refusal, saying what the draft is."""
    if not recoverable(hook):
        raise with_advice(refusal, _no_lookup(hook, duplicate=isinstance(refusal, OctopushDuplicateRequestError)))
    try:
        draft = find_draft(hook)
    except OctopushError as err:
        log.warning("Octopush: could not look up the campaign awaiting validation: %s", err)
        raise refusal from None
    proof = proof_of_ownership(draft, request_id, created_ago=created_ago) if draft else None
    if draft is not None and proof is not None:
        log.info("Octopush: recovered %s, created with request_id %s: %s", draft.describe(), request_id, proof)
        return draft.ticket_number
    duplicate = isinstance(refusal, OctopushDuplicateRequestError)
    raise with_advice(refusal, _what_to_do(draft, request_id, duplicate=duplicate)) from None


def _no_lookup(hook: OctopushHook, *, duplicate: bool) -> str:
    """What to do where Octopush shows no draft (SMS): the campaign is only in its web interface."""
    noun = hook.channel.noun
    if duplicate:
        return (
            f"Octopush documents no lookup of a pending {noun}, so the one this request_id created "
            "cannot be recovered here: find it in the Octopush web interface (an earlier try's log names its "
            "ticket), then send or cancel it there. Nothing was created twice."
        )
    return (
        f"Another {noun} awaits validation on this account, and Octopush documents no lookup of it, so this task "
        "cannot wait for its turn: send or cancel that campaign (in the Octopush web interface, or with the "
        "ticket its task logged), then clear this task."
    )


def _what_to_do(draft: Draft | None, request_id: str, *, duplicate: bool) -> str:
    if draft is None:
        if duplicate:
            return (
                "No campaign awaits validation now: the one this request_id created was sent or cancelled already "
                "(by an earlier try, see its log, or in the Octopush web interface). Nothing was sent again."
            )
        return "No campaign awaits validation any more: clear the task to create it now."
    if draft.request_id is not None and draft.request_id != request_id:
        whose = f"It was created by another request ({draft.request_id}), not by this task."
    elif duplicate:
        whose = (
            "It is probably the campaign an earlier try of this task created, but Octopush does not say which "
            "request made a draft, and it may be one made after ours was sent or cancelled: it is not sent "
            "automatically."
        )
    else:
        whose = "Octopush does not say which request made it."
    return (
        f"Awaiting validation in Octopush: {draft.describe()}. {whose} Check it in the Octopush web interface, "
        f"then send it (SendVoiceCampaignOperator with ticket_number={draft.ticket_number!r}) or cancel it "
        "(CancelVoiceCampaignOperator): until then it blocks every new voice campaign on this account (code "
        f"{CODE_DRAFT_PENDING})."
    )
