"""AccountFreeTrigger against the sandbox: the deferred waiters of one triggerer take the account in the order they
met the refusal, and each fires once the account is free for it."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from airflow_provider_octopush.hooks.octopush import OctopushHook
from airflow_provider_octopush.triggers.turn import AccountFreeTrigger

if TYPE_CHECKING:
    from conftest import Sandbox

DRAFT = "/voice-campaign/draft"


def waiter(since: float) -> AccountFreeTrigger:
    return AccountFreeTrigger("octopush_default", 0.2, since, time.time() + 60, "wait_timeout=60 s", "refused (126)")


async def first_event(trigger: AccountFreeTrigger) -> tuple[float, dict[str, Any]]:
    async for event in trigger.run():
        return time.monotonic(), event.payload
    raise AssertionError("the trigger ended without an event")


def prepare(text: str) -> str:
    with OctopushHook() as hook:
        return hook.create_voice_campaign_on_list(list_name="staff", text=text)["ticket_number"]


def cancel(ticket: str) -> None:
    with OctopushHook() as hook:
        hook.cancel_voice_campaign(ticket)


async def reads_reach(sandbox: Sandbox, count: int, reader: asyncio.Task) -> None:
    """Until the sandbox has answered ``count`` draft reads (its own record, not a guess at timing), or the
    ``reader`` has ended (it reads no more)."""
    while len(await asyncio.to_thread(sandbox.requests, DRAFT)) < count and not reader.done():
        await asyncio.sleep(0.05)


def test_the_longest_waiter_of_a_triggerer_goes_first_and_the_next_waits_for_its_draft(octopush_conn: Sandbox) -> None:
    async def scenario() -> tuple[tuple[float, dict], tuple[float, dict], float]:
        ahead = prepare("left prepared")
        now = time.time()
        younger = asyncio.create_task(first_event(waiter(now)))
        older = asyncio.create_task(first_event(waiter(now - 100)))
        await reads_reach(octopush_conn, 2, younger)  # both wait behind the draft
        await asyncio.to_thread(cancel, ahead)
        first = await older  # the account is free: the older waiter goes
        reads = len(await asyncio.to_thread(octopush_conn.requests, DRAFT))
        await reads_reach(
            octopush_conn, reads + 2, younger
        )  # the younger reads the free account, while the older's task
        assert not younger.done()  # resumes in a worker: it leaves the account to that task's create
        mine = await asyncio.to_thread(prepare, "the older waiter's campaign")  # as the resumed task does
        reads = len(await asyncio.to_thread(octopush_conn.requests, DRAFT))
        await reads_reach(octopush_conn, reads + 2, younger)  # the younger sees that draft and waits behind it
        assert not younger.done()
        await asyncio.to_thread(cancel, mine)
        cancelled_at = time.monotonic()
        return first, await younger, cancelled_at

    (_, older_event), (younger_at, younger_event), cancelled_at = asyncio.run(scenario())
    assert older_event["outcome"] == younger_event["outcome"] == "free"
    assert younger_at >= cancelled_at  # it went only once the older waiter's campaign was gone
    assert younger_event["draft"]["status"] in ("under_computation", "ready_to_be_sent")  # what it waited behind
