"""Pointing the account at the receiver: the hook's methods and the ``octopush-callbacks`` command, against the
sandbox (which keeps the account's callback URLs as Octopush does)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import Sandbox, connection_json

from airflow_provider_octopush.api.answers import delivery_callback_in
from airflow_provider_octopush.exceptions import CallbackUrlInUse, OctopushConnectionError
from airflow_provider_octopush.hooks.octopush import OctopushHook
from airflow_provider_octopush.rules.callback_url import shown

if TYPE_CHECKING:
    from collections.abc import Iterator

SECRET = "Cli-Test-Secret-" + "z" * 30
BASE = "https://airflow.example.com"
OURS = f"{BASE}/octopush/callbacks/octopush_default/{SECRET}"
THEIRS = "https://crm.example.com/hooks/octopush/3f9a2c71e0b84d5a9c1f"
EDIT = "/user/campaign-parameters/edit"


@pytest.fixture
def hook(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[OctopushHook]:
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(sandbox.url, callback_secret=SECRET))
    with OctopushHook() as hook:
        yield hook


def account_url(hook: OctopushHook) -> str | None:
    return hook.get_delivery_callback_url()


def test_the_receiver_url_is_the_base_url_the_route_and_the_secret(hook: OctopushHook) -> None:
    assert hook.receiver_url(BASE + "/") == OURS


def test_a_connection_without_a_secret_has_no_receiver_url(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(sandbox.url))
    with OctopushHook() as hook, pytest.raises(OctopushConnectionError, match="no extra 'callback_secret'"):
        hook.receiver_url(BASE)


def test_an_account_without_a_url_is_pointed_at_the_receiver_and_a_second_time_changes_nothing(
    hook: OctopushHook, sandbox: Sandbox
) -> None:
    assert account_url(hook) is None
    assert hook.set_delivery_callback_url(OURS)["changed"] is True
    assert account_url(hook) == OURS
    assert hook.set_delivery_callback_url(OURS)["changed"] is False
    assert len(sandbox.requests(EDIT)) == 1


def test_another_systems_url_is_kept_unless_replace_and_a_dry_run_changes_nothing(
    hook: OctopushHook, sandbox: Sandbox
) -> None:
    hook.set_delivery_callback_url(THEIRS)
    with pytest.raises(CallbackUrlInUse, match="replace=True") as refused:
        hook.set_delivery_callback_url(OURS)
    assert SECRET not in str(refused.value) and "3f9a2c71e0b84d5a9c1f" not in str(refused.value)
    dry = hook.set_delivery_callback_url(OURS, replace=True, dry_run=True)
    assert (dry["before"], dry["changed"], account_url(hook)) == (THEIRS, False, THEIRS)
    assert hook.set_delivery_callback_url(OURS, replace=True)["changed"] is True
    assert account_url(hook) == OURS


@pytest.mark.parametrize(
    "answer",
    [
        {"callbacks": {"callback_url_for_deliveries": OURS}},
        {"campaign_parameters": {"callbacks": {"callback_url_for_deliveries": OURS}}},
        {"callback_url_for_deliveries": OURS, "payload_type": "json"},
    ],
)
def test_the_accounts_url_is_read_from_any_of_the_shapes_seen(answer: dict) -> None:
    assert delivery_callback_in(answer) == OURS
    assert delivery_callback_in({"callbacks": {"callback_url_for_deliveries": ""}}) is None


def test_shown_urls_hold_no_secret() -> None:
    assert shown(OURS) == f"{BASE}/octopush/callbacks/octopush_default/***"
    assert shown("https://user:pw@crm.example.com/in?token=abc") == "https://crm.example.com/in?***"
    assert shown(None) == "(none)"


def command(sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess:
    executable = shutil.which("octopush-callbacks", path=str(Path(sys.executable).parent))
    assert executable, "the console script is installed with the package"
    env = {**os.environ, "AIRFLOW_CONN_OCTOPUSH_DEFAULT": connection_json(sandbox.url, callback_secret=SECRET)}
    return subprocess.run([executable, *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_command_shows_before_and_after_refuses_to_replace_and_prints_no_secret(
    hook: OctopushHook, sandbox: Sandbox
) -> None:
    hook.set_delivery_callback_url(THEIRS)
    refused = command(sandbox, "--base-url", BASE)
    assert refused.returncode == 1 and "--replace" in refused.stderr
    dry = command(sandbox, "--base-url", BASE, "--replace", "--dry-run")
    assert dry.returncode == 0 and "Dry run" in dry.stdout and account_url(hook) == THEIRS
    done = command(sandbox, "--base-url", BASE, "--replace")
    assert done.returncode == 0 and account_url(hook) == OURS
    assert "Before: the account's delivery reports went to https://crm.example.com/hooks/octopush/***" in done.stdout
    for result in (refused, dry, done):
        assert SECRET not in result.stdout + result.stderr
    assert json.loads(sandbox.requests(EDIT)[-1]["body"]) == {"callbacks": {"callback_url_for_deliveries": OURS}}
