"""The error family: one module, one base class, and Airflow's no-retry marker where a retry cannot help."""

from __future__ import annotations

import inspect

import pytest

from airflow_provider_octopush import exceptions
from airflow_provider_octopush.exceptions import OctopushError
from airflow_provider_octopush.version_compat import AirflowException, AirflowFailException

FAMILY = {
    name: cls for name, cls in inspect.getmembers(exceptions, inspect.isclass) if cls.__module__ == exceptions.__name__
}
# What a retry cannot fix: the same values, the same credentials, the same request_id give the same answer.
NOT_RETRIED = {
    "CampaignParameterError",
    "OctopushConnectionError",
    "OctopushAuthError",
    "OctopushDuplicateRequestError",
    "CampaignNotSent",
}


def test_every_error_of_the_provider_is_an_octopush_error_and_an_airflow_exception() -> None:
    assert len(FAMILY) >= 8
    for cls in FAMILY.values():
        assert issubclass(cls, OctopushError) and issubclass(cls, AirflowException), cls


@pytest.mark.parametrize("name", sorted(FAMILY))
def test_only_errors_a_retry_cannot_fix_skip_airflow_retries(name: str) -> None:
    assert issubclass(FAMILY[name], AirflowFailException) is (name in NOT_RETRIED)


def test_no_other_module_defines_an_exception() -> None:
    """The README's promise: the errors live in one module."""
    import importlib
    import pkgutil

    import airflow_provider_octopush

    for module in pkgutil.walk_packages(airflow_provider_octopush.__path__, "airflow_provider_octopush."):
        if module.name in (exceptions.__name__, "airflow_provider_octopush.sandbox"):  # the sandbox's own HTTP error
            continue
        loaded = importlib.import_module(module.name)
        defined = [
            name
            for name, cls in inspect.getmembers(loaded, inspect.isclass)
            if cls.__module__ == module.name and issubclass(cls, BaseException)
        ]
        assert defined == [], f"{module.name} defines {defined}"


def test_bad_values_are_value_errors_too() -> None:
    assert issubclass(FAMILY["CampaignParameterError"], ValueError)
    error = FAMILY["CampaignParameterError"]("sender", "'x' does not match", "3 to 11 letters or digits")
    assert (error.parameter, str(error)) == (
        "sender",
        "Parameter 'sender': 'x' does not match. Rule: 3 to 11 letters or digits.",
    )
