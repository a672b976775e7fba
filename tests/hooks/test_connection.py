"""Reading the connection: base URL, extras, and a key that never shows."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from conftest import API_KEY, connection_json

from airflow_provider_octopush.api.facts import BALANCE_PATH, DEFAULT_BASE_URL
from airflow_provider_octopush.exceptions import OctopushConnectionError
from airflow_provider_octopush.rules.connection import base_url_from, callback_secret_from, settings_from
from airflow_provider_octopush.version_compat import AIRFLOW_V_3_3_PLUS

if TYPE_CHECKING:
    from conftest import Sandbox


def settings(**extra: Any) -> Any:
    return settings_from(
        "octopush_default", host=None, port=None, login="me@example.com", password="s3cret-key", extra=extra
    )


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        (None, None, DEFAULT_BASE_URL),
        ("  ", None, DEFAULT_BASE_URL),
        ("http://127.0.0.1:8765/v1/public/", None, "http://127.0.0.1:8765/v1/public"),
        ("https://proxy.example.com/octopush", None, "https://proxy.example.com/octopush"),
        ("api.example.com", None, "https://api.example.com"),
        ("api.example.com", 8443, "https://api.example.com:8443"),
    ],
)
def test_base_url(host: str | None, port: int | None, url: str) -> None:
    assert base_url_from(host, port) == url


def test_defaults() -> None:
    result = settings()
    assert (result.timeout, result.max_retries, result.base_url) == (30.0, 3, DEFAULT_BASE_URL)
    assert result.retry_backoff == 1.0


def test_extras_accept_numbers_and_their_text() -> None:
    assert (settings(timeout="2.5", max_retries="0").timeout, settings(max_retries="0").max_retries) == (2.5, 0)
    assert settings(timeout=10, max_retries=10).max_retries == 10
    assert settings(timeout="", max_retries=None).timeout == 30.0
    assert (settings(retry_backoff="0.05").retry_backoff, settings(retry_backoff=60).retry_backoff) == (0.05, 60.0)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"timeout": -1}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"timeout": "nan"}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"max_retries": "three"}, "max_retries"),
        ({"max_retries": 11}, "max_retries"),
        ({"retry_backoff": 0}, "retry_backoff"),
        ({"retry_backoff": "fast"}, "retry_backoff"),
        ({"retry_backoff": 61}, "retry_backoff"),
    ],
)
def test_bad_extras_are_clear_errors(extra: dict[str, Any], field: str) -> None:
    with pytest.raises(OctopushConnectionError, match=f"'octopush_default': extra '{field}'"):
        settings(**extra)


def test_a_callback_secret_is_optional_and_checked_without_being_shown() -> None:
    good = "A1b2-C3d4_" * 4
    assert callback_secret_from("c", {"callback_secret": good}) == good
    assert callback_secret_from("c", {}) is None and callback_secret_from("c", {"callback_secret": ""}) is None
    for bad in ("short-secret", "x" * 31, "x" * 129, "has/slash" * 5, "é" * 40, 12345678901234567890123456789012345):
        with pytest.raises(
            OctopushConnectionError, match=r"'c': extra 'callback_secret' .* must be 32 to 128"
        ) as raised:
            callback_secret_from("c", {"callback_secret": bad})
        assert str(bad) not in str(raised.value)


@pytest.mark.parametrize(("login", "password", "what"), [("", "k", "login"), ("me@example.com", None, "password")])
def test_missing_credentials_are_named(login: str, password: str | None, what: str) -> None:
    with pytest.raises(OctopushConnectionError, match=f"{what} is empty"):
        settings_from("c", host=None, port=None, login=login, password=password, extra={})


def test_repr_hides_the_key() -> None:
    assert "s3cret-key" not in repr(settings()) and "s3cret-key" not in str(settings())


@pytest.mark.parametrize("good_key", [True, False])
def test_the_cli_connection_test(sandbox: Sandbox, good_key: bool) -> None:
    """``airflow connections test octopush_default``, as an operator runs it on a machine that can reach
    Octopush (Airflow allows it with [core] test_connection = Enabled): the balance read, or the refusal,
    never the key."""
    wrong = "Wrong-Cli-Key-4e2a"
    env = {
        **os.environ,
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        "AIRFLOW_CONN_OCTOPUSH_DEFAULT": connection_json(sandbox.url, **({} if good_key else {"password": wrong})),
    }
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "connections", "test", "octopush_default"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    if good_key:
        assert done.returncode == 0, output
        assert "Connection success!" in output
        assert [r["path"] for r in sandbox.requests()] == [BALANCE_PATH]
    else:
        # Airflow's CLI exits 1 on a failed test from 3.3; before, it prints the failure and exits 0.
        assert done.returncode == (1 if AIRFLOW_V_3_3_PLUS else 0), output
        assert "Connection failed!" in output and "401" in output, output
        assert wrong not in output
    assert API_KEY not in output


def test_default_parameters_are_checked_by_the_calls_rules() -> None:
    """Tolerant in what the form accepts (any case, text booleans), canonical in what is kept."""
    assert settings(voice_language="fr_fr", purpose="Alert", simulation_mode="TRUE", sender="").defaults == {
        "voice_language": "fr-FR",
        "purpose": "alert",
        "simulation_mode": True,
    }
    with pytest.raises(
        OctopushConnectionError, match="extra 'voice_gender': 'robot' is not allowed; it must be one of"
    ):
        settings(voice_gender="robot")
    assert settings(sms_type="SMS_Low_Cost", sms_sender="MyShop").defaults == {
        "sms_type": "sms_low_cost",
        "sms_sender": "MyShop",
    }
    with pytest.raises(OctopushConnectionError, match="extra 'sms_sender': 'My Shop' does not match"):
        settings(sms_sender="My Shop")
    with pytest.raises(OctopushConnectionError, match="extra 'sms_type': 'sms_vocal' is not allowed"):
        settings(sms_type="sms_vocal")
