"""The error family, judged by what the provider raises: every failure an OctopushError, and Airflow's
no-retry marker exactly where a retry cannot help."""

from __future__ import annotations

import inspect
import socket
from typing import TYPE_CHECKING, Any

import pytest
from conftest import connection_json

from airflow_provider_octopush import exceptions
from airflow_provider_octopush.exceptions import OctopushError
from airflow_provider_octopush.hooks.octopush import OctopushHook
from airflow_provider_octopush.steps.campaign import poll_status
from airflow_provider_octopush.version_compat import AirflowFailException

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import Sandbox

CAMPAIGN = {"list_name": "staff", "text": "Hello", "request_id": "req-1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create(hook: OctopushHook) -> Any:
    return hook.create_voice_campaign_on_list(**CAMPAIGN)


def bad_parameter(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Any:
    return OctopushHook().create_voice_campaign_on_list(list_name="staff", text="Hello", sender="no spaces please")


def half_a_balance_query(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Any:
    return OctopushHook().check_balance(product_name="vocal_sms")


def empty_login(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(sandbox.url).replace("tests@example.com", ""))
    return create(OctopushHook())


def missing_connection(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Any:
    return create(OctopushHook("octopush_nowhere"))


def malformed_host(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json("http://exa mple.com:80x/v1"))
    return create(OctopushHook(retry_backoff=0.01))


def wrong_key(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(sandbox.url, password="wrong-key-123456"))
    return create(OctopushHook())


def duplicate(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Any:
    create(OctopushHook())
    return create(OctopushHook())


def refused_for_good(code: int) -> Callable[[Sandbox, pytest.MonkeyPatch], Any]:
    def call(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Any:
        sandbox.fault(status=400, body={"code": code, "message": "refused"})
        return create(OctopushHook())

    return call


def server_down(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Any:
    sandbox.fault(status=503, times=10)
    return create(OctopushHook(retry_backoff=0.01))


def nothing_listening(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Any:
    url = f"http://127.0.0.1:{free_port()}/v1/public"
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(url, max_retries=1))
    return create(OctopushHook(retry_backoff=0.01))


def cancelled_campaign(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Any:
    return poll_status(OctopushHook(), "voice_unknown")


# What each failure must raise, and whether Airflow may retry it: a retry cannot fix the same values, the
# same credentials, the same request_id, an account without credit, or a campaign that is gone.
SCENARIOS = {
    "a value breaking a rule": (bad_parameter, "CampaignParameterError", False),
    "half a balance query": (half_a_balance_query, "CampaignParameterError", False),
    "a connection without login": (empty_login, "OctopushConnectionError", False),
    "a malformed host": (malformed_host, "OctopushConnectionError", False),
    "a connection that does not exist": (missing_connection, "OctopushConnectionError", False),
    "a wrong key": (wrong_key, "OctopushAuthError", False),
    "a repeated request_id": (duplicate, "OctopushDuplicateRequestError", False),
    "no credit (105)": (refused_for_good(105), "OctopushRejectedError", False),
    "Voice SMS add-on disabled (201)": (refused_for_good(201), "OctopushRejectedError", False),
    "list missing (303)": (refused_for_good(303), "OctopushRejectedError", False),
    "a badly formed sender (106)": (refused_for_good(106), "OctopushRejectedError", False),
    "route congested (153)": (refused_for_good(153), "OctopushApiError", True),
    "an unknown code": (refused_for_good(999), "OctopushApiError", True),
    "HTTP 503 after every retry": (server_down, "OctopushApiError", True),
    "nothing listening": (nothing_listening, "OctopushNetworkError", True),
    "a campaign cancelled meanwhile": (cancelled_campaign, "CampaignNotSent", False),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_what_is_raised_is_in_the_family_and_retried_only_when_a_retry_can_help(
    scenario: str, octopush_conn: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    call, expected, retryable = SCENARIOS[scenario]
    with pytest.raises(BaseException) as raised:
        call(octopush_conn, monkeypatch)
    error = raised.value
    assert isinstance(error, OctopushError), f"{scenario}: {type(error).__mro__}"
    assert type(error).__name__ == expected, f"{scenario}: {error!r}"
    assert isinstance(error, AirflowFailException) is not retryable, scenario


def test_a_malformed_host_is_named_and_never_retried(octopush_conn: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(exceptions.OctopushConnectionError, match=r"exa mple\.com") as raised:
        malformed_host(octopush_conn, monkeypatch)
    assert "max_retries" not in str(raised.value) and "Fix the connection's host" in str(raised.value)


def test_no_other_module_defines_an_exception() -> None:
    """The docs' promise: the errors live in one module."""
    import importlib
    import pkgutil

    import airflow_provider_octopush

    for module in pkgutil.walk_packages(airflow_provider_octopush.__path__, "airflow_provider_octopush."):
        if module.name in (
            exceptions.__name__,
            "airflow_provider_octopush.sandbox.protocol",
        ):  # the sandbox's own HTTP error
            continue
        loaded = importlib.import_module(module.name)
        defined = [
            name
            for name, cls in inspect.getmembers(loaded, inspect.isclass)
            if cls.__module__ == module.name and issubclass(cls, BaseException)
        ]
        assert defined == [], f"{module.name} defines {defined}"


def test_bad_values_are_value_errors_too() -> None:
    error = exceptions.CampaignParameterError("sender", "'x' does not match", "3 to 11 letters or digits")
    assert isinstance(error, ValueError)
    assert (error.parameter, str(error)) == (
        "sender",
        "Parameter 'sender': 'x' does not match. Rule: 3 to 11 letters or digits.",
    )


def test_an_operator_argument_is_named_an_argument_and_still_caught_as_a_bad_parameter() -> None:
    error = exceptions.ArgumentError("batch_size", "got 0", "a whole number from 1 to 5000")
    assert isinstance(error, exceptions.CampaignParameterError) and isinstance(error, ValueError)
    assert str(error) == "Argument 'batch_size': got 0. Rule: a whole number from 1 to 5000."
    rebuilt = exceptions.from_event(exceptions.to_event(error), "ignored")
    assert type(rebuilt) is exceptions.ArgumentError and str(rebuilt) == str(error)
    parameter = exceptions.from_event(exceptions.to_event(exceptions.CampaignParameterError("a", "b", "c")), "x")
    assert type(parameter) is exceptions.CampaignParameterError


@pytest.mark.parametrize(
    "error",
    [
        exceptions.OctopushAuthError("no", status=401, code=101, api_message="bad login"),
        exceptions.OctopushRejectedError("no credit", status=400, code=105, api_message="credit"),
        exceptions.OctopushNetworkError("down"),
        exceptions.CampaignNotSent("gone", status=400, code=131),
    ],
    ids=lambda error: type(error).__name__,
)
def test_an_error_crosses_a_deferral_with_its_class_and_figures(error: OctopushError) -> None:
    rebuilt = exceptions.from_event(exceptions.to_event(error), "Reading the status failed")
    assert type(rebuilt) is type(error)
    assert (rebuilt.status, rebuilt.code, rebuilt.api_message) == (error.status, error.code, error.api_message)
    assert str(rebuilt) == f"Reading the status failed: {error}"


def test_readme_code_table_is_the_code_list() -> None:
    """The docs' table of Octopush codes says what api/facts.py does: the hint, and whether Airflow retries."""
    from pathlib import Path

    from airflow_provider_octopush.api.facts import (
        CODE_BAD_LOGIN,
        CODE_DUPLICATE_REQUEST,
        ERROR_HINTS,
        REJECTED_CODES,
    )

    readme = (Path(__file__).resolve().parents[1] / "docs" / "retries-and-errors.md").read_text()
    table = readme.split("| code | what to do | task retried | error |")[1].split("\n\n")[0]
    seen: set[int] = set()
    for line in table.strip().splitlines()[1:]:
        codes_cell, hint, retried, _ = (cell.strip() for cell in line.strip("|").split("|"))
        for part in codes_cell.split(","):
            first, _, last = part.strip().partition("-")
            for code in range(int(first), int(last or first) + 1):
                seen.add(code)
                if code in ERROR_HINTS:
                    assert hint == ERROR_HINTS[code], code
                no_retry = code in REJECTED_CODES or code in (CODE_BAD_LOGIN, CODE_DUPLICATE_REQUEST)
                assert retried == ("no" if no_retry else "yes") or retried == "-", code
    assert seen >= set(ERROR_HINTS) | REJECTED_CODES
