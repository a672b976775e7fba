"""The campaign rules, without any HTTP: every rule rejects what it should and names itself."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_provider_octopush.exceptions import CampaignParameterError
from airflow_provider_octopush.rules.arguments import (
    parse_conn_id,
    parse_grace,
    parse_limit,
    parse_policy,
    parse_seconds,
    parse_ticket,
)
from airflow_provider_octopush.rules.parameters import (
    CAMPAIGN_PARAMETERS,
    MESSAGE_BY_NAME,
    PARAMETERS,
    SMS_CAMPAIGN_BY_NAME,
    SMS_MESSAGE_PARAMETERS,
    Parameter,
    normalize_campaign,
)
from airflow_provider_octopush.rules.send_at import resolve_send_at
from airflow_provider_octopush.rules.values import parse_bool, parse_send_at

BASE = {"list_name": "staff", "text": "Hello"}
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)


def reject(parameter: str, **params: object) -> CampaignParameterError:
    with pytest.raises(CampaignParameterError) as info:
        normalize_campaign({**BASE, **params})
    assert info.value.parameter == parameter
    assert repr(parameter) in str(info.value) and "Rule:" in str(info.value)
    return info.value


def test_minimal_campaign_sends_only_what_is_set() -> None:
    assert normalize_campaign({**BASE, "sender": None, "tag_name": ""}) == BASE


@pytest.mark.parametrize("text", ["", "   \n", "x" * 1225, 42, None])
def test_text_rule(text: object) -> None:
    error = reject("text", text=text)
    assert "1224" in error.rule


def test_text_limits_are_inclusive() -> None:
    assert normalize_campaign({**BASE, "text": "x" * 1224})["text"] == "x" * 1224
    assert normalize_campaign({**BASE, "text": "é"})["text"] == "é"


@pytest.mark.parametrize("sender", ["ab", "abcdefghijkl", "my sender", "Café", "ab-c", 123])
def test_sender_rule(sender: object) -> None:
    assert "3 to 11" in reject("sender", sender=sender).rule


@pytest.mark.parametrize("sender", ["abc", "ABCDEFGHIJK", "Shop42"])
def test_sender_accepted(sender: str) -> None:
    assert normalize_campaign({**BASE, "sender": sender})["sender"] == sender


@pytest.mark.parametrize(
    ("name", "given", "sent"),
    [
        ("voice_language", "fr-FR", "fr-FR"),
        ("voice_language", "FR_fr", "fr-FR"),
        ("voice_language", " en-gb ", "en-GB"),
        ("voice_gender", "Female", "female"),
        ("segmentation", "GROUP", "group"),
    ],
)
def test_enums_are_sent_canonical(name: str, given: str, sent: str) -> None:
    assert normalize_campaign({**BASE, name: given})[name] == sent


@pytest.mark.parametrize(
    ("name", "value"),
    [("voice_language", "fr-FX"), ("voice_language", "french"), ("voice_gender", "robot"), ("segmentation", "all")],
)
def test_enums_reject_unknown_values(name: str, value: str) -> None:
    assert "one of" in reject(name, **{name: value}).rule


@pytest.mark.parametrize(("value", "expected"), [(True, True), ("true", True), ("TRUE", True), ("False", False)])
def test_booleans_accept_jinja_renderings(value: object, expected: bool) -> None:
    assert parse_bool("simulation_mode", value) is expected
    assert normalize_campaign({**BASE, "simulation_mode": value})["simulation_mode"] is expected


@pytest.mark.parametrize("value", ["yes", "1", 1, 0, "t", "None"])
def test_booleans_reject_anything_else(value: object) -> None:
    reject("get_back_pressed_keys", get_back_pressed_keys=value)


def test_a_list_or_a_tag_is_required() -> None:
    with pytest.raises(CampaignParameterError, match="neither list_name nor tag_name"):
        normalize_campaign({"text": "Hello"})
    assert normalize_campaign({"tag_name": "vip", "text": "Hello"}) == {"tag_name": "vip", "text": "Hello"}


@pytest.mark.parametrize("name", [" staff", "staff\n", "st\taff"])
def test_list_name_rejects_stray_whitespace(name: str) -> None:
    reject("list_name", list_name=name)


def test_unknown_parameter_is_rejected() -> None:
    error = reject("voice_langage", voice_langage="fr-FR")
    assert "not a parameter" in error.problem


@pytest.mark.parametrize("request_id", ["has space", "x" * 129, "é"])
def test_request_id_rule(request_id: str) -> None:
    reject("request_id", request_id=request_id)


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("2026-05-01T14:30:00+02:00", "2026-05-01T14:30:00+02:00"),
        ("2026-05-01T12:30:00.123456Z", "2026-05-01T12:30:00+00:00"),
        (datetime(2026, 5, 1, 12, 30, 5, 999, tzinfo=timezone.utc), "2026-05-01T12:30:05+00:00"),
    ],
)
def test_send_at_is_sent_as_iso_with_offset(value: object, sent: str) -> None:
    assert normalize_campaign({**BASE, "send_at": value})["send_at"] == sent


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2026-05-01T12:30:00", "naive"),
        (datetime(2026, 5, 1, 12, 30), "naive"),
        ("2026-05-01", "date"),
        ("tomorrow", "not a date-time"),
        ("2026-13-45T99:00:00+00:00", "not a date-time"),
        (1714566600, "got int"),
    ],
)
def test_send_at_rejects_naive_and_unparsable(value: object, problem: str) -> None:
    with pytest.raises(CampaignParameterError, match=problem) as info:
        parse_send_at(value)
    assert info.value.parameter == "send_at"


def test_future_send_at_is_kept() -> None:
    payload = {**BASE, "send_at": "2026-05-01T12:10:00+00:00"}
    assert resolve_send_at(payload, now=NOW).payload == payload


def test_slightly_late_send_at_means_now_with_a_warning() -> None:
    decision = resolve_send_at({**BASE, "send_at": "2026-05-01T11:57:00+00:00"}, now=NOW)
    assert decision.payload == BASE
    assert decision.warning and "3m00s in the past" in decision.warning and decision.skip_reason is None


def test_old_send_at_fails_by_default_and_says_what_to_do() -> None:
    with pytest.raises(CampaignParameterError, match="on_past_send_at") as info:
        resolve_send_at({**BASE, "send_at": "2026-04-30T12:00:00+00:00"}, now=NOW)
    assert info.value.parameter == "send_at" and "24h00m" in info.value.problem


def test_old_send_at_policies() -> None:
    old = {**BASE, "send_at": "2026-04-30T12:00:00+00:00"}
    skipped = resolve_send_at(old, now=NOW, on_past_send_at="skip")
    assert skipped.skip_reason and "skipped" in skipped.skip_reason
    now = resolve_send_at(old, now=NOW, on_past_send_at="send_now")
    assert now.payload == BASE and now.warning
    widened = resolve_send_at(old, now=NOW, grace=timedelta(days=2))
    assert widened.payload == BASE and widened.warning


def test_bad_policy_and_grace_are_rejected() -> None:
    with pytest.raises(CampaignParameterError, match="on_past_send_at"):
        resolve_send_at(BASE, now=NOW, on_past_send_at="later")
    with pytest.raises(CampaignParameterError, match="send_at_grace"):
        resolve_send_at(BASE, now=NOW, grace=timedelta(minutes=-1))


def test_long_bad_values_are_shortened_in_errors() -> None:
    error = reject("voice_language", voice_language="x" * 5000)
    assert len(str(error)) < 400


def test_every_entry_point_takes_exactly_the_defined_parameters() -> None:
    """The operators and the notifier name the parameters as the one definition does, each defaulting to None
    (not sent) but ``text``; the hook takes exactly those names, refusing any other by name."""
    import inspect

    from airflow_provider_octopush.notifications.octopush import NOTIFIER_PARAMETERS, OctopushVoiceNotifier
    from airflow_provider_octopush.operators.voice_campaign import VoiceCampaignOperator
    from airflow_provider_octopush.operators.voice_message import VoiceMessageOperator

    entry_points = (
        (VoiceCampaignOperator, CAMPAIGN_PARAMETERS, set()),
        (VoiceMessageOperator, tuple(MESSAGE_BY_NAME), {"recipients"}),
        (OctopushVoiceNotifier, NOTIFIER_PARAMETERS, {"recipients"}),
    )
    for cls, names, others in entry_points:
        signature = inspect.signature(cls.__init__).parameters
        assert set(names) <= set(signature), cls
        assert set(cls.template_fields) - {"octopush_conn_id"} == set(names) | others, cls
        for name in names:
            assert signature[name].default is (inspect.Parameter.empty if name == "text" else None), (cls, name)
    assert set(CAMPAIGN_PARAMETERS) - set(NOTIFIER_PARAMETERS) == {"send_at"}  # a notification calls now
    assert set(MESSAGE_BY_NAME) - set(CAMPAIGN_PARAMETERS) == {"purpose"}


def test_the_hook_refuses_a_name_outside_the_definition() -> None:
    from airflow_provider_octopush.hooks.octopush import OctopushHook

    with pytest.raises(CampaignParameterError, match="not a parameter of a voice campaign") as info:
        OctopushHook().create_voice_campaign_on_list(list_name="staff", text="Hello", voice_langage="fr-FR")
    assert info.value.parameter == "voice_langage"


@pytest.mark.parametrize(
    ("page", "parameters"),
    [
        ("voice-campaign-operator.md", PARAMETERS),
        ("sms-campaign-operator.md", tuple(SMS_CAMPAIGN_BY_NAME.values())),
        ("sms-message-operator.md", SMS_MESSAGE_PARAMETERS),
    ],
)
def test_readme_table_is_the_definition(page: str, parameters: tuple[Parameter, ...]) -> None:
    """Each page's table of arguments says, row by row, what the one definition says: no copy drifts."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "docs" / page).read_text()
    rows = {line.split("|")[1].strip(" `"): line for line in readme.splitlines() if line.startswith("| `")}
    for parameter in parameters:
        assert rows.get(parameter.name) == f"| `{parameter.name}` | {parameter.rule} | {parameter.sent} |", (
            parameter.name
        )


@pytest.mark.parametrize(
    ("parse", "value", "expected"),
    [
        (lambda value: parse_limit("max_cost", value), "5", 5),
        (lambda value: parse_limit("max_cost", value), " 2.5 ", 2.5),
        (lambda value: parse_limit("max_cost", value), 0, 0),
        (lambda value: parse_limit("max_cost", value), None, None),
        (lambda value: parse_seconds("wait_timeout", value), "600", 600.0),
        (lambda value: parse_seconds("poll_interval", value), 0.5, 0.5),
        (parse_grace, 30, timedelta(seconds=30)),
        (parse_grace, timedelta(minutes=1), timedelta(minutes=1)),
        (parse_policy, "Send_Now", "send_now"),
    ],
)
def test_numbers_given_as_text_are_read_as_numbers(parse: Any, value: object, expected: object) -> None:
    assert parse(value) == expected


@pytest.mark.parametrize(
    ("parse", "value", "parameter"),
    [
        (lambda value: parse_limit("max_cost", value), -1, "max_cost"),
        (lambda value: parse_limit("max_contacts", value), "many", "max_contacts"),
        (lambda value: parse_limit("max_cost", value), True, "max_cost"),
        (lambda value: parse_limit("max_cost", value), float("nan"), "max_cost"),
        (lambda value: parse_seconds("poll_interval", value), 0, "poll_interval"),
        (lambda value: parse_seconds("wait_timeout", value), "-5", "wait_timeout"),
        (lambda value: parse_seconds("wait_timeout", value), None, "wait_timeout"),
        (parse_grace, -1, "send_at_grace"),
        (parse_policy, "never", "on_past_send_at"),
        (parse_ticket, "  ", "ticket_number"),
        (parse_conn_id, "", "octopush_conn_id"),
    ],
)
def test_operator_arguments_are_refused_by_name(parse: Any, value: object, parameter: str) -> None:
    with pytest.raises(CampaignParameterError) as info:
        parse(value)
    assert info.value.parameter == parameter and "Rule:" in str(info.value)


STORED = (
    *CAMPAIGN_PARAMETERS,
    "octopush_conn_id",
    "send_at_grace",
    "on_past_send_at",
    "send",
    "max_cost",
    "max_contacts",
    "poll_interval",
    "wait_timeout",
    "deferrable",
)


def test_storing_the_arguments_with_vars_skips_nothing_setattr_would_do() -> None:
    """__init__ stores its arguments with one vars() update (cheaper at DAG parse). That is right only
    while BaseOperator.__setattr__ does nothing more for these names during __init__: this test fails
    on the Airflow where it starts to (a converter, a hook on init kwargs), on every matrix cell."""
    import pendulum
    from airflow.sdk import DAG, BaseOperator

    from airflow_provider_octopush.operators.voice_campaign import VoiceCampaignOperator

    for name in STORED:
        assert getattr(VoiceCampaignOperator, f"_convert_{name}", None) is None, name

    class AssignedOneByOne(VoiceCampaignOperator):
        def __init__(self, **kwargs: object) -> None:
            super().__init__(**kwargs)
            for name in STORED:
                setattr(self, name, getattr(self, name))  # through BaseOperator.__setattr__, still inside __init__

    arguments = {name: None for name in CAMPAIGN_PARAMETERS} | {
        "text": "Hello {{ ds }}",
        "list_name": "staff",
        "send": True,
        "max_cost": 2.5,
        "deferrable": True,
    }
    with DAG("t_vars", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")):
        fast = VoiceCampaignOperator(task_id="fast", **arguments)
        slow = AssignedOneByOne(task_id="slow", **arguments)

    def state(operator: BaseOperator) -> dict[str, object]:
        found = {key: value for key, value in vars(operator).items() if key not in ("task_id", "_log")}
        found["_BaseOperator__init_kwargs"] = {
            key: value for key, value in found["_BaseOperator__init_kwargs"].items() if key != "task_id"
        }
        return found

    assert state(fast).keys() == state(slow).keys()
    for key, value in state(fast).items():
        assert value == state(slow)[key], key
    assert isinstance(fast, BaseOperator) and fast.template_fields == CAMPAIGN_PARAMETERS
