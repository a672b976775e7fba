"""The provider under the real Airflow 3 services: backfills, restarts, fan-out, the UI's form and Test button.

The tests share one stack and run in file order; the last one scans everything the
stack wrote for the API key.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import time
import urllib.error
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import pytest
from conftest import API_KEY, LOGIN
from harness import Stack, stack_fixture, wait_for  # noqa: F401 - stack_fixture provides "stack"

from airflow_provider_octopush.version_compat import AIRFLOW_V_3_2_PLUS

if TYPE_CHECKING:
    from conftest import Sandbox

pytestmark = pytest.mark.realstack
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

CREATE = "/voice-campaign-on-list/create"
WRONG_KEY = "Wrong-Realstack-Key-5be1c0"


def campaigns_where(sandbox: Sandbox, **payload: str) -> list[dict]:
    return [c for c in sandbox.campaigns() if all(c["payload"].get(k) == v for k, v in payload.items())]


def test_connection_form_as_served_to_the_react_ui(stack: Stack) -> None:
    meta = stack.api("GET", "/ui/connections/hook_meta")
    (octopush,) = [item for item in meta if item["connection_type"] == "octopush"]
    assert octopush["hook_name"] == "Octopush"
    fields = octopush["standard_fields"]
    assert fields["login"]["title"] == "API login (e-mail)" and fields["password"]["title"] == "API key"
    assert fields["host"]["title"] == "API base URL"
    assert fields["port"]["hidden"] is True and fields["password"]["placeholder"] == "your Octopush API key"
    extras = {name.rsplit("__", 1)[-1]: value for name, value in octopush["extra_fields"].items()}
    assert extras["timeout"]["schema"]["title"] == "Timeout (seconds)"
    assert extras["max_retries"]["schema"]["title"] == "Max retries"
    if AIRFLOW_V_3_2_PLUS:  # from the provider info's JSON schema; 3.1's hook widgets carry no bounds
        assert extras["max_retries"]["schema"]["maximum"] == 10


def test_connection_form_in_headless_chromium(stack: Stack) -> None:
    """The real React form, opened as a person would; screenshots in test-artifacts/, named by Airflow version."""
    pytest.importorskip("selenium", reason="install the test extras")
    from airflow import __version__ as airflow_version
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    if not (shutil.which("chromium") and shutil.which("chromedriver")):  # dev.py installs them where it can
        pytest.skip("no browser here: apt-get install chromium chromium-driver (Debian), or your system's equivalent")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1500",
        f"--user-data-dir={stack.home / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    browser = webdriver.Chrome(options=options, service=service)
    try:
        wait = WebDriverWait(browser, 60)
        browser.get(f"{stack.url}/auth/token/login")  # all-admins log-in, then the connections page
        wait.until(lambda driver: "/auth/" not in driver.current_url)  # 3.1 ignores a next= and lands at home
        browser.get(f"{stack.url}/connections")
        add = wait.until(ready.element_to_be_clickable((By.XPATH, "//button[contains(., 'Add Connection')]")))
        add.click()
        kind = wait.until(ready.element_to_be_clickable((By.XPATH, "//div[@role='dialog']//input[@role='combobox']")))
        kind.send_keys("Octopush")
        kind.send_keys(Keys.ENTER)
        wait.until(ready.visibility_of_element_located((By.XPATH, "//*[contains(text(), 'API login (e-mail)')]")))
        ARTIFACTS.mkdir(exist_ok=True)
        time.sleep(1)  # let the form settle before the picture
        pictures = [f"octopush-connection-form-airflow-{airflow_version}{part}.png" for part in ("", "-extras")]
        browser.save_screenshot(str(ARTIFACTS / pictures[0]))
        page = browser.page_source
        extras = "//div[@role='dialog']//button[contains(., 'Extra Fields') and not(contains(., 'JSON'))]"
        wait.until(ready.element_to_be_clickable((By.XPATH, extras))).click()
        wait.until(ready.visibility_of_element_located((By.XPATH, "//*[contains(text(), 'Timeout (seconds)')]")))
        time.sleep(1)  # the accordion opens with an animation
        browser.save_screenshot(str(ARTIFACTS / pictures[1]))
        page += browser.page_source
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)  # what the browser showed when a step did not happen, to see why
        browser.save_screenshot(str(ARTIFACTS / f"octopush-connection-form-airflow-{airflow_version}-failure.png"))
        raise
    finally:
        browser.quit()
    for text in ("API login (e-mail)", "API key", "API base URL", "Timeout (seconds)", "Max retries"):
        assert text in page, f"{text!r} is not on the connection form"
    for picture in pictures:
        assert (ARTIFACTS / picture).stat().st_size > 10_000


def connection_test(stack: Stack, password: str) -> dict:
    body = {
        "connection_id": "octopush_ui_test",
        "conn_type": "octopush",
        "login": LOGIN,
        "password": password,
        "host": stack.sandbox.url,
    }
    return stack.api("POST", "/api/v2/connections/test", body)


def test_the_test_button_succeeds_against_the_sandbox(stack: Stack) -> None:
    answer = connection_test(stack, API_KEY)
    assert answer["status"] is True and "balance" in answer["message"]
    assert API_KEY not in json.dumps(answer)


def test_the_test_button_fails_clearly_with_a_wrong_key(stack: Stack) -> None:
    answer = connection_test(stack, WRONG_KEY)
    assert answer["status"] is False and "API login or key is wrong" in answer["message"]
    assert WRONG_KEY not in answer["message"]


def backfill_runs(stack: Stack, dag_id: str) -> list[dict]:
    runs = stack.api("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100")["dag_runs"]
    return [run for run in runs if run["run_type"] == "backfill"]


def test_backfill_makes_one_campaign_per_date_and_a_rerun_makes_none(stack: Stack) -> None:
    wait_for("the DAG processor to register rs_backfill", lambda: stack.dag_ready("rs_backfill"), timeout=180)
    window = ("--from-date", "2026-02-01", "--to-date", "2026-02-05", "--max-active-runs", "5")
    stack.wait_backfill(stack.create_backfill("rs_backfill", *window))
    runs = backfill_runs(stack, "rs_backfill")
    assert len(runs) == 5 and {run["state"] for run in runs} == {"success"}
    # (unpaused, the DAG also made today's scheduled run: only the backfilled window is counted)
    texts = sorted(c["payload"]["text"] for c in campaigns_where(stack.sandbox, list_name="staff"))
    assert [text for text in texts if text.startswith("Report for 2026-02")] == [
        f"Report for 2026-02-0{day}" for day in range(1, 6)
    ]
    created = len(stack.sandbox.campaigns())

    stack.wait_backfill(stack.create_backfill("rs_backfill", *window, "--reprocess-behavior", "completed"))
    assert len(stack.sandbox.campaigns()) == created  # every rerun met code 120: nothing created twice
    assert {run["state"] for run in backfill_runs(stack, "rs_backfill")} == {"failed"}


def test_backfill_with_a_past_send_at_skips_as_documented(stack: Stack) -> None:
    wait_for("rs_backfill_send_at", lambda: stack.dag_ready("rs_backfill_send_at"), timeout=180)
    before = len(stack.sandbox.campaigns())
    stack.wait_backfill(
        stack.create_backfill("rs_backfill_send_at", "--from-date", "2026-03-01", "--to-date", "2026-03-05")
    )
    runs = backfill_runs(stack, "rs_backfill_send_at")
    assert len(runs) == 5
    for run in runs:
        (ti,) = stack.task_instances("rs_backfill_send_at", run["dag_run_id"])
        assert ti["state"] == "skipped"
    assert len(stack.sandbox.campaigns()) == before


def test_fan_out_over_100_lists_and_rerun_of_the_failed_ones(stack: Stack) -> None:
    wait_for("rs_fanout", lambda: stack.dag_ready("rs_fanout"), timeout=180)
    for broken in ("list-013", "list-057"):
        stack.sandbox.fault(status=503, match=f'"{broken}"', body={"code": 500, "message": "maintenance"})
    run_id = stack.trigger("rs_fanout")
    assert stack.wait_run("rs_fanout", run_id, timeout=900) == "failed"
    failed = sorted(ti["map_index"] for ti in stack.task_instances("rs_fanout", run_id) if ti["state"] == "failed")
    assert failed == [13, 57]
    assert len(campaigns_where(stack.sandbox, text="Service update")) == 98

    stack.api(
        "POST",
        "/api/v2/dags/rs_fanout/clearTaskInstances",
        {"dry_run": False, "only_failed": True, "dag_run_id": run_id, "reset_dag_runs": True},
    )
    assert stack.wait_run("rs_fanout", run_id, timeout=300) == "success"
    fanned = campaigns_where(stack.sandbox, text="Service update")
    assert len(fanned) == 100
    assert len({c["request_id"] for c in fanned}) == 100
    assert sorted(c["payload"]["list_name"] for c in fanned) == [f"list-{n:03d}" for n in range(100)]
    creates = [r for r in stack.sandbox.requests(CREATE) if "Service update" in r["body"]]
    assert len(creates) == 102  # 100, the 2 refused, and their 2 re-runs: nothing else was sent


def test_triggerer_killed_while_waiting_sends_exactly_once(stack: Stack) -> None:
    wait_for("rs_deferrable", lambda: stack.dag_ready("rs_deferrable"), timeout=180)
    stack.sandbox.configure(computation_delay=40)
    try:
        run_id = stack.trigger("rs_deferrable")
        wait_for(
            "the task to defer (its worker slot freed)",
            lambda: stack.task_instances("rs_deferrable", run_id)[0]["state"] == "deferred",
            timeout=180,
        )
        stack.stop("triggerer", signal.SIGKILL)
        time.sleep(3)
        stack.start("triggerer")
        assert stack.wait_run("rs_deferrable", run_id, timeout=400) == "success"
    finally:
        stack.sandbox.configure(computation_delay=2)
    (campaign,) = campaigns_where(stack.sandbox, list_name="night-shift")
    assert campaign["status"] == "sent" and campaign["send_calls"] == 1


def test_worker_killed_right_after_create_makes_no_second_campaign(stack: Stack) -> None:
    wait_for("rs_kill", lambda: stack.dag_ready("rs_kill"), timeout=180)
    stack.sandbox.fault(match='"killed"', delay=60)  # Octopush acts, then its answer hangs
    run_id = stack.trigger("rs_kill")
    wait_for("the campaign to be created", lambda: campaigns_where(stack.sandbox, list_name="killed"), timeout=180)
    ti_id = stack.task_instances("rs_kill", run_id)[0]["id"]

    def task_process() -> psutil.Process | None:
        for process in psutil.process_iter(["cmdline"]):
            if ti_id in " ".join(process.info["cmdline"] or []):
                return process
        return None

    os.kill(wait_for("the task's process", task_process, timeout=60).pid, signal.SIGKILL)
    assert stack.wait_run("rs_kill", run_id, timeout=300) == "failed"
    assert len(campaigns_where(stack.sandbox, list_name="killed")) == 1
    attempts = [r for r in stack.sandbox.requests(CREATE) if '"killed"' in r["body"]]
    assert len(attempts) == 2 and len({json.loads(r["body"])["request_id"] for r in attempts}) == 1


def test_the_api_key_is_nowhere(stack: Stack) -> None:
    """Logs, the metadata database (XCom, rendered fields) and the API's answers hold no key."""
    found: list[str] = []
    for path in stack.home.rglob("*"):
        text = path.read_text(errors="replace") if path.is_file() and path.suffix != ".db" else ""
        if API_KEY in text or WRONG_KEY in text:
            found.append(str(path))
    database = sqlite3.connect(stack.home / "airflow.db")
    for (table,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for row in database.execute(f'SELECT * FROM "{table}"').fetchall():
            if API_KEY in repr(row):
                found.append(f"table {table}")
    answers = [stack.api("GET", "/api/v2/connections"), stack.api("GET", "/ui/connections/hook_meta")]
    for dag_id in ("rs_backfill", "rs_fanout", "rs_deferrable", "rs_kill"):
        for run in stack.api("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=5")["dag_runs"]:
            for ti in stack.task_instances(dag_id, run["dag_run_id"])[:3]:
                path = f"/api/v2/dags/{dag_id}/dagRuns/{run['dag_run_id']}/taskInstances/{ti['task_id']}"
                answers.append(stack.api("GET", path if ti["map_index"] < 0 else f"{path}/{ti['map_index']}"))
                try:
                    log = f"{path}/logs/{max(ti['try_number'], 1)}?map_index={ti['map_index']}"
                    answers.append(stack.api("GET", log))
                except urllib.error.HTTPError:
                    pass
    scanned = json.dumps(answers)
    assert "Creating an Octopush voice campaign" in scanned or "octopush" in scanned  # the scan saw real content
    for secret in (API_KEY, WRONG_KEY):
        if secret in scanned:
            found.append("an API answer")
    assert not found, f"the API key appears in: {found}"
