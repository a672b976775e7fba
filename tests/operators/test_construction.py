"""Checks when the DAG file loads: every argument that no template renders is refused there, by name.

A bad value must show as an import error in the UI, not as a failure after a campaign was created.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pendulum
import pytest
from airflow.sdk import DAG

from airflow_provider_octopush.exceptions import CampaignParameterError
from airflow_provider_octopush.notifications.octopush import OctopushVoiceNotifier
from airflow_provider_octopush.operators.voice_campaign import (
    CancelVoiceCampaignOperator,
    SendVoiceCampaignOperator,
    VoiceCampaignOperator,
)
from airflow_provider_octopush.sensors.voice_campaign import VoiceCampaignReadySensor

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Sandbox

CAMPAIGN = {"list_name": "staff", "text": "Hello"}


def build(cls: type, **arguments: Any) -> Any:
    with DAG("t_construction", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")):
        return cls(task_id="t", **arguments)


@pytest.mark.parametrize(
    ("arguments", "parameter", "problem"),
    [
        ({"send": True, "max_cost": "five euros"}, "max_cost", "is not a number"),
        ({"send": True, "max_contacts": -1}, "max_contacts", "is negative"),
        ({"poll_interval": -1}, "poll_interval", "is not greater than 0"),
        ({"wait_timeout": "soon"}, "wait_timeout", "is not a number"),
        ({"on_past_send_at": "never"}, "on_past_send_at", "is not allowed"),
        ({"send_at_grace": -5}, "send_at_grace", "is negative"),
        ({"send": "yes"}, "send", "is not a boolean"),
        ({"deferrable": "maybe"}, "deferrable", "is not a boolean"),
        ({"octopush_conn_id": ""}, "octopush_conn_id", "is empty"),
        ({"list_name": None}, "list_name", "neither list_name nor tag_name"),
        ({"text": ""}, "text", "is empty"),
        ({"sender": "bad sender"}, "sender", "does not match"),
        ({"voice_language": "klingon"}, "voice_language", "is not allowed"),
        ({"send_at": datetime(2026, 5, 1, 8, 30)}, "send_at", "naive"),
        ({"list_name": " staff"}, "list_name", "stray spaces"),
        ({"max_cost": ["5"]}, "max_cost", "is not a number"),  # unhashable: checked past the cache
        ({"send": True, "wait_timeout": 0}, "wait_timeout", "is not greater than 0"),  # after a good one is cached
    ],
)
def test_the_operator_refuses_a_bad_argument_when_built(arguments: dict, parameter: str, problem: str) -> None:
    with pytest.raises(CampaignParameterError, match=problem) as info:
        build(VoiceCampaignOperator, **{**CAMPAIGN, **arguments})
    assert info.value.parameter == parameter and "Rule:" in str(info.value)


def test_a_value_equal_to_a_good_one_of_another_type_is_still_refused() -> None:
    """The own arguments' check is cached per distinct set: True equals 1, and must not pass as the 1 before it."""
    assert build(VoiceCampaignOperator, **CAMPAIGN, poll_interval=1).poll_interval == 1
    with pytest.raises(CampaignParameterError, match="bool True is not a number") as info:
        build(VoiceCampaignOperator, **CAMPAIGN, poll_interval=True)
    assert info.value.parameter == "poll_interval"


def test_numbers_read_from_variables_or_params_are_converted() -> None:
    """``max_cost="5"`` (a Variable, a params value) used to pass, then fail with a TypeError after the create."""
    task = build(VoiceCampaignOperator, **CAMPAIGN, send="true", max_cost="5", max_contacts="50", wait_timeout="600")
    assert (task.send, task.max_cost, task.max_contacts, task.wait_timeout) == (True, 5, 50, 600.0)


@pytest.mark.parametrize(
    "arguments",
    [
        {"sender": "{{ params.sender }}"},
        {"list_name": None, "tag_name": "{{ params.tag }}"},
        {"text": "{{ params.text }}"},
        {"send_at": "{{ data_interval_end }}"},
        {"simulation_mode": "{% if params.dry %}true{% else %}false{% endif %}"},
    ],
)
def test_templated_values_wait_for_their_rendering(arguments: dict) -> None:
    build(VoiceCampaignOperator, **{**CAMPAIGN, **arguments})


def test_a_dag_with_other_jinja_delimiters_is_checked_after_rendering_only() -> None:
    with DAG(
        "t_jinja",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        jinja_environment_kwargs={"variable_start_string": "[[", "variable_end_string": "]]"},
    ):
        VoiceCampaignOperator(task_id="t", list_name="staff", text="Hello", sender="[[ params.sender ]]")


@pytest.mark.parametrize("cls", [VoiceCampaignReadySensor, SendVoiceCampaignOperator, CancelVoiceCampaignOperator])
def test_ticket_operators_refuse_an_empty_ticket_when_built(cls: type) -> None:
    with pytest.raises(CampaignParameterError) as info:
        build(cls, ticket_number="  ")
    assert info.value.parameter == "ticket_number"
    build(cls, ticket_number="{{ ti.xcom_pull(task_ids='prepare') }}")


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        ({"text": ""}, "text"),
        ({"list_name": None}, "list_name"),
        ({"poll_interval": "x"}, "poll_interval"),
        ({"max_cost": -1}, "max_cost"),
        ({"timeout": 30, "wait_timeout": 30}, "wait_timeout"),
        ({"timeout": 0}, "timeout"),
        ({"voice_gender": "robot"}, "voice_gender"),
    ],
)
def test_the_notifier_refuses_a_bad_argument_when_built(arguments: dict, parameter: str) -> None:
    """A notifier runs only when something fails: the worst moment to learn that it cannot work."""
    with pytest.raises(CampaignParameterError) as info:
        OctopushVoiceNotifier(**{**CAMPAIGN, **arguments})
    assert info.value.parameter == parameter


def test_a_bad_argument_is_an_import_error_of_the_dag_file(tmp_path: Path) -> None:
    """What the UI shows: the DAG file does not load, and the error names the argument and the rule."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 3.1
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]

    (tmp_path / "bad.py").write_text(
        textwrap.dedent(
            """
            import pendulum
            from airflow.sdk import DAG
            from airflow_provider_octopush.operators.voice_campaign import VoiceCampaignOperator

            with DAG("bad", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")):
                VoiceCampaignOperator(task_id="call", list_name="staff", text="Hi", send=True, poll_interval=-1)
            """
        )
    )
    bag = DagBag(dag_folder=str(tmp_path))  # examples are off in the tests' Airflow home
    (error,) = bag.import_errors.values()
    assert "Argument 'poll_interval': -1 is not greater than 0. Rule: a number of seconds" in error
    assert "bad" not in bag.dags


@pytest.mark.dag
def test_a_number_given_as_text_sends_within_budget(octopush_conn: Sandbox, make_dag: Any) -> None:
    """The issue's case: ``max_cost="5"`` used to create the campaign, then die in the guard, leaving it prepared."""
    octopush_conn.configure(computation_delay=0.2)
    run = make_dag('list_name="staff", text="Hello", send=True, max_cost="5", poll_interval="0.1"').test()
    assert run.state == "success"
    ((campaign,),) = [octopush_conn.campaigns()]
    assert campaign["status"] == "sent" and campaign["send_calls"] == 1
