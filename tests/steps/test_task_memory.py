"""What a failed try leaves to the next one: only a campaign the store is known to hold."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

from airflow_provider_octopush.steps.task_memory import CampaignMemory


class Store:
    """A task_state_store whose writes fail when ``broken`` (Airflow already ended the try: 404)."""

    def __init__(self, broken: bool) -> None:
        self.broken, self.values = broken, {}

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def set(self, key: str, value: Any, **_: Any) -> None:
        if self.broken:
            raise RuntimeError("API_SERVER_ERROR: 404 Task instance not found")
        self.values[key] = value


def memory(store: Store) -> CampaignMemory:
    context = {
        "task_state_store": store,
        "task": SimpleNamespace(retries=3),
        "ti": SimpleNamespace(try_number=1, max_tries=3),
    }
    return CampaignMemory(context, logging.getLogger("test"))  # type: ignore[arg-type]


def test_a_campaign_written_to_the_store_is_left_to_the_next_try() -> None:
    kept = memory(Store(broken=False))
    kept.remember_created("voice_5f3fbce61266e", "req-1")
    assert kept.leave_to_next_try(RuntimeError("network"), findable=lambda: False)


def test_a_campaign_whose_write_failed_is_not_left_to_a_try_that_could_not_find_it() -> None:
    lost = memory(Store(broken=True))
    try:
        lost.remember_created("voice_5f3fbce61266e", "req-1")
    except RuntimeError as err:
        assert not lost.leave_to_next_try(err, findable=lambda: False)  # so the guard cancels it
    else:
        raise AssertionError("the write should have failed")
