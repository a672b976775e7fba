"""Filling (or pruning) a contact list from rows: every row checked, the refused ones reported, batches
sent.

The rows come from an upstream task (a warehouse query, a CRM export, an on-call roster) and may be
many: they are read twice (a check here, then each batch by the hook, which puts it in the form it
sends) and never copied whole; at most one batch is held at a time. Every call here leaves the list
as one call would when replayed (a contact is keyed by its number), so each is retried like a read,
and a retry of the whole task is harmless. Octopush documents neither a batch limit (code 305 says
"too many") nor which contacts were new: the result counts the rows sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.api.facts import CODE_LIST_EXISTS, CONTACTS_DELETE_MAX
from airflow_provider_octopush.exceptions import CampaignParameterError, OctopushRejectedError
from airflow_provider_octopush.rules.recipients import CONTACT_FIELDS, PHONE_RULE, parse_row

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from airflow_provider_octopush.hooks.octopush import OctopushHook
    from airflow_provider_octopush.steps.log import Logger

MODES = ("add", "sync", "remove")
ON_BAD_ROW = ("fail", "skip")
REFUSED_SHOWN = 100  # refused rows listed in XCom and the error; the count covers them all


@dataclass
class RowCheck:
    """What the first pass found: how many rows are refused, and why for the first of them."""

    total: int = 0
    refused: set[int] = field(default_factory=set)
    shown: list[dict[str, Any]] = field(default_factory=list)


def check_rows(rows: Sequence[object]) -> RowCheck:
    """Check every row without keeping what was checked: only the refused rows' places, and why."""
    check = RowCheck(total=len(rows))
    for index, row in enumerate(rows):
        try:
            parse_row(row, CONTACT_FIELDS, "contacts", index)
        except CampaignParameterError as err:
            check.refused.add(index)
            if len(check.shown) < REFUSED_SHOWN:
                given = row.get("phone_number") if isinstance(row, dict) else row
                check.shown.append({"row": index, "phone_number": given, "reason": f"{err.parameter}: {err.problem}"})
    return check


def refuse_bad_rows(check: RowCheck) -> None:
    """``on_bad_row="fail"``: one bad row stops the task before any call, naming the first ones."""
    if not check.refused:
        return
    examples = "; ".join(f"row {item['row']}: {item['reason']}" for item in check.shown[:5])
    raise CampaignParameterError(
        "contacts",
        f"{len(check.refused)} of {check.total} rows are refused ({examples})",
        f"every row a number or {{phone_number, first_name, last_name, param1..param5}}, the number {PHONE_RULE}; "
        "or on_bad_row='skip' to send the others and report these",
    )


def batches(rows: Sequence[object], skip: set[int], size: int) -> Iterator[list[object]]:
    """The rows not in ``skip``, as given, in batches of ``size`` (the hook puts each in the form it sends)."""
    batch: list[object] = []
    for index, row in enumerate(rows):
        if index in skip:
            continue
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class ListTarget:
    """Where the rows go and how: the arguments of the operator that Octopush's calls take."""

    list_name: str | None
    tag_name: str | None
    mode: str = "add"
    create_list: bool = True
    do_not_overwrite: bool | None = None
    auto_remove_blacklisted_numbers: bool | None = None
    batch_size: int = 500


def ensure_list(hook: OctopushHook, list_name: str, log: Logger) -> bool:
    """Create the list unless it exists; True when this call created it."""
    try:
        answer = hook.create_contact_list(list_name)
    except OctopushRejectedError as err:
        if err.code != CODE_LIST_EXISTS:
            raise
        return False
    earlier = " (by an attempt whose answer was lost)" if answer.get("done_by_earlier_attempt") else ""
    log.info("Octopush contact list %r created%s", list_name, earlier)
    return True


def apply_rows(
    hook: OctopushHook, rows: Sequence[object], target: ListTarget, check: RowCheck, log: Logger
) -> dict[str, Any]:
    """Send the rows that passed ``check`` as ``target`` says; return the counts for XCom."""
    result: dict[str, Any] = {
        "list_name": target.list_name,
        "tag_name": target.tag_name,
        "mode": target.mode,
        "rows": check.total,
        "sent": 0,
        "batches": 0,
        "refused": len(check.refused),
        "refused_rows": check.shown,
        "list_created": False,
        "emptied": False,
    }
    if target.mode == "remove":
        for batch in batches(rows, check.refused, min(target.batch_size, CONTACTS_DELETE_MAX)):
            numbers = [row["phone_number"] if isinstance(row, dict) else row for row in batch]
            hook.remove_contacts(numbers, list_name=target.list_name)
            result["sent"] += len(batch)
            result["batches"] += 1
        return result
    if target.create_list and target.list_name:
        result["list_created"] = ensure_list(hook, target.list_name, log)
    if target.mode == "sync":
        assert target.list_name is not None  # checked when the DAG file loads
        hook.empty_contact_list(target.list_name)
        result["emptied"] = True
    for batch in batches(rows, check.refused, target.batch_size):
        hook.add_contacts(
            batch,
            list_name=target.list_name,
            tag_name=target.tag_name,
            do_not_overwrite=target.do_not_overwrite,
            auto_remove_blacklisted_numbers=target.auto_remove_blacklisted_numbers,
        )
        result["sent"] += len(batch)
        result["batches"] += 1
        if result["batches"] % 20 == 0:
            log.info("Octopush: %s of %s rows sent", result["sent"], check.total - len(check.refused))
    return result
