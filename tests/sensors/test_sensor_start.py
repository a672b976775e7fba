"""Where the deferrable sensor starts: in the triggerer on Airflow 3.3+, on a worker (then deferring) before.

The scheduler side is proven on the real stack (``tests/realstack``): these tests hold the
sensor's half, what it hands the scheduler, as the DAG processor serializes it.
"""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

from airflow_provider_octopush.exceptions import CampaignParameterError
from airflow_provider_octopush.sensors.voice_campaign import START_GRACE, VoiceCampaignReadySensor
from airflow_provider_octopush.version_compat import AIRFLOW_V_3_3_PLUS

TICKET = "{{ ti.xcom_pull(task_ids='prepare') }}"


def sensor(**kwargs: Any) -> VoiceCampaignReadySensor:
    from airflow.sdk import DAG

    with DAG("sensor_start", schedule=None, start_date=pendulum.datetime(2026, 1, 1)):
        return VoiceCampaignReadySensor(task_id="ready", ticket_number=TICKET, **kwargs)


@pytest.mark.skipif(not AIRFLOW_V_3_3_PLUS, reason="the triggerer renders templates from Airflow 3.3")
def test_a_deferrable_sensor_hands_its_wait_to_the_scheduler_as_serialized() -> None:
    from airflow.serialization.serialized_objects import DagSerialization

    task = sensor(deferrable=True, poke_interval=7, timeout=600, octopush_conn_id="octopush_staging")
    rebuilt = DagSerialization.from_dict(DagSerialization.to_dict(task.dag)).get_task("ready")
    assert rebuilt.start_from_trigger is True
    args = rebuilt.start_trigger_args
    assert args.trigger_cls == "airflow_provider_octopush.triggers.voice_campaign.VoiceCampaignComputedTrigger"
    kwargs = DagSerialization.deserialize(args.trigger_kwargs)  # as the scheduler stores them in the trigger row
    assert kwargs["ticket_number"] == TICKET  # rendered in the triggerer, with the run's context
    assert kwargs["octopush_conn_id"] == "octopush_staging"
    assert kwargs["poll_interval"] == 7.0 and kwargs["deadline"] is None
    assert args.next_method == "execute_complete"
    assert args.timeout.total_seconds() == 600 + START_GRACE  # Airflow's bound comes after the trigger's own


@pytest.mark.skipif(AIRFLOW_V_3_3_PLUS, reason="the fallback of Airflow 3.1 and 3.2")
def test_before_airflow_3_3_the_sensor_starts_on_a_worker_and_defers() -> None:
    task = sensor(deferrable=True)
    assert task.start_from_trigger is False and task.start_trigger_args is None
    assert task.deferrable is True  # it still waits in the triggerer, after a worker starts it


def test_it_can_be_turned_off() -> None:
    task = sensor(deferrable=True, start_from_trigger=False)
    assert task.start_from_trigger is False and task.start_trigger_args is None


def test_a_sensor_that_does_not_defer_cannot_start_in_the_triggerer() -> None:
    with pytest.raises(CampaignParameterError, match=r"'start_from_trigger'.*only if it defers"):
        sensor(deferrable=False, start_from_trigger=True)
    assert sensor(deferrable=False).start_from_trigger is False
