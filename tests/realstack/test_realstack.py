"""The provider under the real Airflow 3 services: backfills, restarts, fan-out, the UI's form and Test button.

The tests share one stack and run in file order; the last one scans everything the
stack wrote for the API key.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import pytest
import requests
from conftest import API_KEY, CALLBACK_SECRET, LOGIN
from harness import Stack, stack_fixture, wait_for  # noqa: F401 - stack_fixture provides "stack"

from airflow_provider_octopush.version_compat import AIRFLOW_V_3_2_PLUS, AIRFLOW_V_3_3_PLUS

if TYPE_CHECKING:
    from collections.abc import Iterator

    from conftest import Sandbox

    from airflow_provider_octopush.hooks.octopush import OctopushHook

pytestmark = pytest.mark.realstack
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BASELINES = "OCTOPUSH_BASELINES"  # set: the slow baselines of the benchmark's rows run too

CREATE = "/voice-campaign-on-list/create"
STATUS = "/voice-campaign-on-list/status"
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
    labels = ("API login (e-mail)", "API key", "API base URL", "Timeout (seconds)", "Max retries", "Simulation mode")
    for text in labels:
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


def rerun_try(stack: Stack, run: dict) -> tuple[str, int]:
    """The state and try number of a backfill run's one task (more than 1 once a reprocess cleared it)."""
    (task,) = stack.task_instances("rs_backfill", run["dag_run_id"])
    return run["state"], task["try_number"]


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
    creates = len(stack.sandbox.requests(CREATE))

    refused = stack.refused_backfills
    stack.wait_backfill(stack.create_backfill("rs_backfill", *window, "--reprocess-behavior", "completed"))
    assert len(stack.sandbox.campaigns()) == created  # nothing created twice
    if AIRFLOW_V_3_3_PLUS:  # each rerun finds its campaign in the task_state_store: no create at all
        tries = {run["dag_run_id"]: rerun_try(stack, run) for run in backfill_runs(stack, "rs_backfill")}
        # A run cleared for reprocessing has a try number of 2 or more (more: an attempt that SQLite refused
        # cleared it too); a run Airflow deleted and made anew (its clean-up of such an attempt, see
        # Stack.create_backfill) is at try 1 and lost its task state with it: its create meets code 120 and fails.
        remade = {run_id for run_id, (state, number) in tries.items() if number == 1}
        assert len(tries) == 5 and {state for run_id, (state, number) in tries.items() if number > 1} <= {"success"}
        assert {tries[run_id][0] for run_id in remade} <= {"failed"}
        assert not remade or stack.refused_backfills > refused, f"{sorted(remade)} failed with no refused attempt"
        assert len(stack.sandbox.requests(CREATE)) == creates + len(remade)
    else:  # each rerun meets code 120 and fails, saying the campaign exists
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


def test_the_deferrable_sensor_starts_in_the_triggerer_on_3_3(stack: Stack) -> None:
    """On 3.3 the scheduler hands the sensor's wait straight to the triggerer: while it waits, no executor
    has ever queued it (no ``queued_when``, no worker ``hostname``). Before 3.3 a worker starts it, then it
    defers. Either way the campaign is computed, the sensor succeeds with its figures and the send goes once."""
    wait_for("rs_sensor_start", lambda: stack.dag_ready("rs_sensor_start"), timeout=180)
    stack.sandbox.configure(computation_delay=30)
    try:
        run_id = stack.trigger("rs_sensor_start")
        ready = wait_for(
            "the sensor to wait in the triggerer",
            lambda: next(
                (
                    ti
                    for ti in stack.task_instances("rs_sensor_start", run_id)
                    if ti["task_id"] == "ready" and ti["state"] == "deferred"
                ),
                None,
            ),
            timeout=180,
        )
    finally:
        stack.sandbox.configure(computation_delay=2)
    if AIRFLOW_V_3_3_PLUS:
        assert ready["queued_when"] is None and not ready["hostname"], ready
    else:
        assert ready["queued_when"] is not None and ready["hostname"], ready
    assert stack.wait_run("rs_sensor_start", run_id, timeout=300) == "success"
    (campaign,) = campaigns_where(stack.sandbox, list_name="review-desk")
    assert campaign["status"] == "sent" and campaign["send_calls"] == 1
    entry = f"/api/v2/dags/rs_sensor_start/dagRuns/{run_id}/taskInstances/ready/xcomEntries/return_value"
    figures = stack.api("GET", entry + "?deserialize=true&stringify=false")["value"]
    assert figures["ticket_number"] == campaign["ticket_number"] and figures["status"] == "ready_to_be_sent"


def approval_run(stack: Stack, dag_id: str, list_name: str, answer: str | None) -> tuple[str, dict[str, str]]:
    """Trigger a run, answer its approval through the REST API as the UI does (or never), wait for its end."""
    wait_for(dag_id, lambda: stack.dag_ready(dag_id), timeout=180)
    run_id = stack.trigger(dag_id, {"list": list_name})
    hitl = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/approve/-1/hitlDetails"

    def asked() -> dict | None:
        try:
            return stack.api("GET", hitl)
        except urllib.error.HTTPError:  # 404 until the task has asked
            return None

    request = wait_for(f"{dag_id} to ask for approval", asked, timeout=240)
    # Answer once the scheduler has processed the parked task's executor event, as a person's answer always
    # comes after: an answer within that second races it in Airflow 3.3.2 (the scheduler then fails the
    # re-queued task, seen under load). The scheduler's own log line is the state it reports.
    finished = f"TaskInstance Finished: dag_id={dag_id}, task_id=approve, run_id={run_id}"
    wait_for(
        "the scheduler to see the approval task parked",
        lambda: finished in (stack.home / "scheduler.out").read_text(errors="replace"),
        timeout=240,
    )
    assert request["body"] == "25 contacts"  # the sensor's figures, as the approver sees them
    if answer is not None:
        answered = stack.api("PATCH", hitl, {"chosen_options": [answer], "params_input": {}})
        assert answered["chosen_options"] == [answer]
    assert stack.wait_run(dag_id, run_id, timeout=300) == "success"
    return run_id, {ti["task_id"]: ti["state"] for ti in stack.task_instances(dag_id, run_id)}


def test_approval_through_the_rest_api_sends_or_cancels_and_the_calls_start_a_downstream_dag(stack: Stack) -> None:
    """Approve: sent once, and the DAG scheduled on the campaign's asset runs with its ticket and figures.
    Reject, and no answer within the time-out (Airflow takes the default, Reject): cancelled, no asset event."""
    wait_for("rs_after_calls", lambda: stack.dag_ready("rs_after_calls"), timeout=180)
    _, states = approval_run(stack, "rs_approval", "approved-list", "Approve")
    assert states["send"] == "success" and states["withdraw"] == "skipped", states
    (sent,) = campaigns_where(stack.sandbox, list_name="approved-list")
    assert sent["status"] == "sent" and sent["send_calls"] == 1

    def downstream_runs() -> list[dict]:
        return stack.api("GET", "/api/v2/dags/rs_after_calls/dagRuns")["dag_runs"]

    (after,) = wait_for("the asset-scheduled DAG to run", downstream_runs, timeout=180)
    assert stack.wait_run("rs_after_calls", after["dag_run_id"], timeout=180) == "success"
    entry = f"/api/v2/dags/rs_after_calls/dagRuns/{after['dag_run_id']}/taskInstances/report/xcomEntries/return_value"
    (extra,) = stack.api("GET", entry + "?deserialize=true&stringify=false")["value"]
    assert extra["ticket_number"] == sent["ticket_number"] and extra["number_of_contacts"] == 25

    for dag_id, list_name, answer in (
        ("rs_approval", "rejected-list", "Reject"),
        ("rs_approval_timeout", "unanswered-list", None),
    ):
        _, states = approval_run(stack, dag_id, list_name, answer)
        assert states["send"] == "skipped" and states["withdraw"] == "success", (dag_id, states)
        (campaign,) = campaigns_where(stack.sandbox, list_name=list_name)
        assert campaign["status"] == "cancelled" and campaign["send_calls"] == 0
    assert len(downstream_runs()) == 1  # nothing announced for the cancelled campaigns


@pytest.mark.skipif(not AIRFLOW_V_3_3_PLUS, reason="a wait starts in the triggerer from Airflow 3.3")
def test_100_waiting_sensors_started_in_the_triggerer_take_no_worker(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """100 deferrable sensors waiting on 100 campaigns, started in the triggerer: none is ever queued to an
    executor before its campaign is computed. With OCTOPUSH_BASELINES=1 (``python3 dev.py bench`` says so),
    also the benchmark's baseline: the same sensors started on a worker then deferred (100 worker task starts,
    each holding a slot until it defers; two minutes more, so not in every run). Figures in
    test-artifacts/realstack-figures.json, which ``python3 dev.py bench`` reads."""
    from airflow_provider_octopush.hooks.octopush import OctopushHook

    monkeypatch.setenv(
        "AIRFLOW_CONN_OCTOPUSH_BENCH",
        json.dumps({"conn_type": "octopush", "login": LOGIN, "password": API_KEY, "host": stack.sandbox.url}),
    )
    figures: dict[str, dict[str, float]] = {}
    stack.sandbox.configure(computation_delay=3600)
    try:
        for dag_id in ("rs_sensors_triggerer", "rs_sensors_worker")[: 2 if os.environ.get(BASELINES) else 1]:
            wait_for(dag_id, lambda dag_id=dag_id: stack.dag_ready(dag_id), timeout=180)
            hook = OctopushHook("octopush_bench")
            tickets = [
                hook.create_voice_campaign_on_list(list_name=f"{dag_id}-{n:03d}", text="Wait") for n in range(100)
            ]
            hook.close()
            started = time.monotonic()
            run_id = stack.trigger(dag_id, {"tickets": [ticket["ticket_number"] for ticket in tickets]})

            def all_waiting(dag_id: str = dag_id, run_id: str = run_id) -> list[dict] | None:
                tis = stack.task_instances(dag_id, run_id)
                return tis if len(tis) == 100 and all(ti["state"] == "deferred" for ti in tis) else None

            waiting = wait_for(f"the 100 sensors of {dag_id} to wait", all_waiting, timeout=900, interval=2)
            figures[dag_id] = {
                "seconds_until_all_wait": round(time.monotonic() - started, 1),
                "worker_starts_before_the_wait": sum(1 for ti in waiting if ti["queued_when"]),
            }
            stack.sandbox.finish()
            assert stack.wait_run(dag_id, run_id, timeout=900) == "success"
    finally:
        stack.sandbox.configure(computation_delay=2)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "realstack-figures.json").write_text(json.dumps({"waiting_sensors": figures}, indent=2) + "\n")
    print(f"\nwaiting sensors: {json.dumps(figures)}")
    assert figures["rs_sensors_triggerer"]["worker_starts_before_the_wait"] == 0
    if "rs_sensors_worker" in figures:  # the baseline counts what it says it counts
        assert figures["rs_sensors_worker"]["worker_starts_before_the_wait"] == 100


def test_worker_killed_right_after_create_makes_no_second_campaign(stack: Stack) -> None:
    wait_for("rs_kill", lambda: stack.dag_ready("rs_kill"), timeout=180)
    stack.sandbox.fault(match='"killed"', delay=60)  # Octopush acts, then its answer hangs
    run_id = stack.trigger("rs_kill")
    wait_for("the campaign to be created", lambda: campaigns_where(stack.sandbox, list_name="killed"), timeout=180)
    ti_id = stack.task_instances("rs_kill", run_id)[0]["id"]

    assert wait_for("the task's processes", lambda: kill_task_processes(ti_id), timeout=60)
    assert stack.wait_run("rs_kill", run_id, timeout=300) == "failed"
    assert len(campaigns_where(stack.sandbox, list_name="killed")) == 1
    attempts = [r for r in stack.sandbox.requests(CREATE) if '"killed"' in r["body"]]
    assert len(attempts) == 2 and len({json.loads(r["body"])["request_id"] for r in attempts}) == 1


def kill_task_processes(ti_id: str) -> int:
    """SIGKILL every process running this task instance (its id is in their command lines): the worker's
    supervisor and the task runner under it, as when the worker's host dies. Returns how many."""
    found = [
        process
        for process in psutil.process_iter(["cmdline"])
        if ti_id in " ".join(process.info["cmdline"] or []) and process.pid != os.getpid()
    ]
    for process in found:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    return len(found)


@pytest.mark.skipif(not AIRFLOW_V_3_3_PLUS, reason="resuming needs Airflow 3.3's task_state_store")
def test_worker_killed_while_waiting_the_retry_sends_the_same_campaign_once(stack: Stack) -> None:
    """send=True, waiting in the worker (not deferred); the campaign takes 30 s to compute."""
    wait_for("rs_resume", lambda: stack.dag_ready("rs_resume"), timeout=180)
    polls_before = len(stack.sandbox.requests(STATUS))
    stack.sandbox.configure(computation_delay=30)
    try:
        run_id = stack.trigger("rs_resume")
        wait_for("the campaign to be created", lambda: campaigns_where(stack.sandbox, list_name="resume"), timeout=180)
    finally:
        stack.sandbox.configure(computation_delay=2)  # for campaigns created from now on
    wait_for("the task to poll the status", lambda: len(stack.sandbox.requests(STATUS)) > polls_before, timeout=60)
    ti_id = stack.task_instances("rs_resume", run_id)[0]["id"]
    assert wait_for("the task's processes", lambda: kill_task_processes(ti_id), timeout=60)
    assert stack.wait_run("rs_resume", run_id, timeout=600) == "success"
    (ti,) = stack.task_instances("rs_resume", run_id)
    assert ti["try_number"] == 2
    (campaign,) = campaigns_where(stack.sandbox, list_name="resume")
    assert campaign["status"] == "sent" and campaign["send_calls"] == 1
    assert len([r for r in stack.sandbox.requests(CREATE) if '"resume"' in r["body"]]) == 1  # the retry resumed


def run_until_deferred(stack: Stack, dag_id: str, conf: dict) -> str:
    run_id = stack.trigger(dag_id, conf)
    wait_for(
        "the task to defer",
        lambda: stack.task_instances(dag_id, run_id)[0]["state"] == "deferred",
        timeout=180,
    )
    return run_id


@pytest.mark.skipif(not AIRFLOW_V_3_3_PLUS, reason="a trigger's on_kill exists from Airflow 3.3")
def test_a_deferred_task_marked_failed_cancels_its_campaign(stack: Stack) -> None:
    wait_for("rs_deferred_kill", lambda: stack.dag_ready("rs_deferred_kill"), timeout=180)
    stack.sandbox.configure(computation_delay=600)
    try:
        run_id = run_until_deferred(stack, "rs_deferred_kill", {"list": "marked-failed"})
    finally:
        stack.sandbox.configure(computation_delay=2)
    # A trigger no triggerer has picked up yet has nothing to call on_kill on: wait until it polls.
    polls = len(stack.sandbox.requests(STATUS))
    wait_for("a triggerer to run the trigger", lambda: len(stack.sandbox.requests(STATUS)) > polls, timeout=120)
    stack.api("PATCH", f"/api/v2/dags/rs_deferred_kill/dagRuns/{run_id}/taskInstances/call", {"new_state": "failed"})
    wait_for(
        "the triggerer to cancel the campaign",
        lambda: campaigns_where(stack.sandbox, list_name="marked-failed")[0]["status"] == "cancelled",
        timeout=120,
    )
    assert campaigns_where(stack.sandbox, list_name="marked-failed")[0]["send_calls"] == 0


def test_a_triggerer_without_the_connection_ends_in_a_cancel(stack: Stack) -> None:
    """The connection reaches the workers but not the triggerer: the trigger's error event brings the
    task back to its worker, which cancels the campaign (no retry left) and says why."""
    wait_for("rs_deferred_kill", lambda: stack.dag_ready("rs_deferred_kill"), timeout=180)
    stack.stop("triggerer")
    stack.start("triggerer", {key: value for key, value in stack.env.items() if key != "AIRFLOW_CONN_OCTOPUSH_DEFAULT"})
    try:
        wait_for("the triggerer without the connection", stack.triggerer_healthy, timeout=120, interval=2)
        run_id = stack.trigger("rs_deferred_kill", {"list": "no-connection"})
        assert stack.wait_run("rs_deferred_kill", run_id, timeout=300) == "failed"
    finally:
        stack.stop("triggerer")
        stack.start("triggerer")
        wait_for("the triggerer with the connection", stack.triggerer_healthy, timeout=120, interval=2)
    (campaign,) = campaigns_where(stack.sandbox, list_name="no-connection")
    assert campaign["status"] == "cancelled" and campaign["send_calls"] == 0
    (ti,) = stack.task_instances("rs_deferred_kill", run_id)
    log = stack.api("GET", f"/api/v2/dags/rs_deferred_kill/dagRuns/{run_id}/taskInstances/call/logs/1")
    assert "octopush_default" in json.dumps(log) and ti["state"] == "failed"


def test_a_dag_level_and_a_task_level_callback_on_one_failure_each_phone_once(stack: Stack) -> None:
    """The DAG processor runs the DAG's notifier with the last task instance in its context (Airflow 3.1-3.3), the
    worker the task's: each its own request_id, so neither is refused as the other's duplicate (code 120)."""
    wait_for("rs_dag_callback", lambda: stack.dag_ready("rs_dag_callback"), timeout=180)
    run_id = stack.trigger("rs_dag_callback")
    assert stack.wait_run("rs_dag_callback", run_id, timeout=300) == "failed"

    def both_sent() -> list[dict] | None:
        sent = [c for c in campaigns_where(stack.sandbox, list_name="on-call") if c["status"] == "sent"]
        return sent if len(sent) == 2 else None

    sent = wait_for("both callbacks to phone", both_sent, timeout=180, interval=2)
    assert sorted(c["payload"]["text"] for c in sent) == ["DAG rs_dag_callback failed", "Task load failed"]
    assert len({c["request_id"] for c in sent}) == 2 and all(c["send_calls"] == 1 for c in sent)
    creates = [r for r in stack.sandbox.requests("/voice-campaign-on-list/create") if "on-call" in r["body"]]
    assert len(creates) == 2  # no create was refused as a duplicate


@pytest.mark.skipif(not AIRFLOW_V_3_3_PLUS, reason="the Deadline Alert example runs on the 3.3 stack")
def test_a_missed_deadline_phones_the_on_call_list_once(stack: Stack) -> None:
    wait_for("rs_deadline", lambda: stack.dag_ready("rs_deadline"), timeout=180)
    run_id = stack.trigger("rs_deadline")
    sent = wait_for(
        "the triggerer to run the Deadline Alert",
        lambda: [c for c in campaigns_where(stack.sandbox, list_name="on-call-deadline") if c["status"] == "sent"],
        timeout=240,
        interval=2,
    )
    assert sent[0]["payload"]["text"] == "rs_deadline is late" and sent[0]["send_calls"] == 1
    assert stack.wait_run("rs_deadline", run_id, timeout=300) == "success"  # the late load still finishes
    assert len(campaigns_where(stack.sandbox, list_name="on-call-deadline")) == 1


def test_the_sms_failure_alert_example_texts_the_on_call_numbers_once_from_the_worker(stack: Stack) -> None:
    """The example DAG as a user deploys it: its task fails in the LocalExecutor's worker, whose failure callback
    texts the on-call numbers in one chunk, once."""
    dag_id = "octopush_sms_failure_alert"
    wait_for(dag_id, lambda: stack.dag_ready(dag_id), timeout=180)
    run = stack.api("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": "2026-06-01T00:00:00+00:00"})
    assert stack.wait_run(dag_id, run["dag_run_id"], timeout=300) == "failed"

    def texted() -> list[dict]:
        return [sms for sms in stack.sandbox.sms() if f"of {dag_id} failed" in sms["payload"]["text"]]

    (sms,) = wait_for("the failure callback to text", texted, timeout=120, interval=1)
    assert [row["phone_number"] for row in sms["recipients"]] == ["+33612345678", "+33700000001"]
    assert sms["payload"]["text"] == f"Airflow: load_orders of {dag_id} failed (2026-06-01). See the task's log."
    assert sms["payload"]["type"] == "sms_premium" and sms["payload"]["purpose"] == "alert"
    sends = [r for r in stack.sandbox.requests() if r["path"].endswith("/sms-campaign/send")]
    assert len(sends) == 1  # one call: the callback ran once, and nothing was priced or retried


def test_the_real_api_server_serves_the_receiver_and_its_secret_reaches_no_log(stack: Stack) -> None:
    """The plugin loads under Airflow's default settings; the secret in the path is masked in the access log."""
    callbacks = f"{stack.url}/octopush/callbacks/octopush_default"
    report = {"message_id": "voice_realstack", "number": "+33600000001", "status": "DELIVERED"}
    answer = requests.post(f"{callbacks}/{CALLBACK_SECRET}", json=report, timeout=30)
    assert (answer.status_code, answer.content) == (200, b"")
    assert requests.post(f"{callbacks}/{'x' * 43}", data=report, timeout=30).status_code == 404
    results = requests.get(
        f"{stack.url}/octopush/results/octopush_default",
        params={"message_id": "voice_realstack"},
        headers={"Authorization": f"Bearer {CALLBACK_SECRET}"},
        timeout=30,
    )
    assert [row["number"] for row in results.json()["reports"]] == ["+33600000001"]
    log = stack.home / "api-server.out"
    wait_for("the API server's access log", lambda: "/octopush/results" in log.read_text(errors="replace"), 60, 0.2)
    assert "/octopush/callbacks/octopush_default" in log.read_text(errors="replace")
    assert CALLBACK_SECRET not in log.read_text(errors="replace")


APPOINTMENTS = "octopush_appointment_reminder"  # the example DAG, copied into the stack's DAG folder


def test_the_appointment_example_in_the_real_stack_sorts_the_answers_it_hears_back(stack: Stack) -> None:
    """The documented set-up (octopush-callbacks), then the example's own scheduled run: the sandbox calls the
    real API server's receiver back (each report twice, an ACK first), the sensor waits in the triggerer."""
    command = Path(sys.executable).with_name("octopush-callbacks")
    pointed = subprocess.run([command, "--conn-id", "octopush_default"], env=stack.env, capture_output=True, text=True)
    assert pointed.returncode == 0, pointed.stderr
    assert CALLBACK_SECRET not in pointed.stdout + pointed.stderr
    outcomes = {
        "+33600000101": {"status": "DELIVERED", "pressed_keys_code": "1"},
        "+33600000102": {"status": "DELIVERED", "pressed_keys_code": "2"},
        "+33600000103": {"status": "BUSY"},
        "+33600000104": {"status": "DELIVERED"},  # answered, pressed nothing
    }
    stack.sandbox.configure(reports=outcomes, ack_first=True, duplicate_reports=1)
    runs = f"/api/v2/dags/{APPOINTMENTS}/dagRuns"
    try:  # unpaused, the DAG (catchup=False) gets its latest interval's run from the scheduler
        wait_for(APPOINTMENTS, lambda: stack.dag_ready(APPOINTMENTS), timeout=180)
        (run,) = wait_for("the scheduled run", lambda: stack.api("GET", f"{runs}?run_type=scheduled")["dag_runs"], 120)
        assert stack.wait_run(APPOINTMENTS, run["dag_run_id"], timeout=400) == "success"
    finally:  # the account keeps its callback URL: later campaigns report nothing, to keep SQLite's writers few
        stack.sandbox.configure(reports={}, default_report=None, ack_first=False, duplicate_reports=0)

    def returned(task_id: str) -> object:
        entry = f"{runs}/{run['dag_run_id']}/taskInstances/{task_id}/xcomEntries/return_value"
        return stack.api("GET", entry + "?deserialize=true&stringify=false")["value"]

    assert returned("confirm_in_calendar") == ["+33600000101"]
    assert returned("free_the_slots") == ["+33600000102"]
    assert returned("front_desk_calls") == ["+33600000103", "+33600000104"]
    (campaign,) = [c for c in stack.sandbox.campaigns() if c["ticket_number"] == returned("call_patients")]
    assert campaign["send_calls"] == 1 and campaign["payload"]["get_back_pressed_keys"] is True
    posted = [r for r in stack.sandbox.callbacks_sent() if r["message_id"] == campaign["ticket_number"]]
    assert len(posted) == 16 and {r["answer"] for r in posted} == {200}  # an ACK and a final report, each twice


def test_the_api_key_is_nowhere(stack: Stack) -> None:
    """Logs, the metadata database (XCom, rendered fields) and the API's answers hold no key."""
    found: list[str] = []
    for path in stack.home.rglob("*"):
        text = path.read_text(errors="replace") if path.is_file() and path.suffix != ".db" else ""
        if API_KEY in text or WRONG_KEY in text or CALLBACK_SECRET in text:
            found.append(str(path))
    database = sqlite3.connect(stack.home / "airflow.db")
    for (table,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for row in database.execute(f'SELECT * FROM "{table}"').fetchall():
            if API_KEY in repr(row):
                found.append(f"table {table}")
    answers = [stack.api("GET", "/api/v2/connections"), stack.api("GET", "/ui/connections/hook_meta")]
    for dag_id in ("rs_backfill", "rs_fanout", "rs_deferrable", "rs_kill", "rs_resume", "rs_dag_callback"):
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
    # The scan saw real task logs: a guard that can fail, unlike "octopush" (in every connection listing).
    assert "Creating an Octopush voice campaign" in scanned
    for secret in (API_KEY, WRONG_KEY, CALLBACK_SECRET):
        if secret in scanned:
            found.append("an API answer")
    assert not found, f"the API key appears in: {found}"


@contextlib.contextmanager
def one_draft_per_account(stack: Stack) -> Iterator[None]:
    """The sandbox as Octopush: one campaign awaiting validation per account (code 126 for a second)."""
    stack.sandbox.cancel_drafts()  # the earlier tests' prepared campaigns, awaiting validation still
    stack.sandbox.configure(one_draft=True)
    try:
        yield
    finally:
        stack.sandbox.configure(one_draft=False)


def person_hook(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> OctopushHook:
    """A hook on the stack's sandbox, for what a person does in the Octopush web interface."""
    from airflow_provider_octopush.hooks.octopush import OctopushHook

    monkeypatch.setenv(
        "AIRFLOW_CONN_OCTOPUSH_PERSON",
        json.dumps({"conn_type": "octopush", "login": LOGIN, "password": API_KEY, "host": stack.sandbox.url}),
    )
    return OctopushHook("octopush_person")


def left_prepared(stack: Stack, monkeypatch: pytest.MonkeyPatch, name: str) -> str:
    """A campaign prepared and not sent, as a person (or a send=False task) leaves one."""
    with person_hook(stack, monkeypatch) as hook:
        return hook.create_voice_campaign_on_list(list_name=name, text="For review")["ticket_number"]


@pytest.mark.parametrize("dag_id", ["rs_turns_backfill", "rs_turns_backfill_deferred"])
def test_a_5_day_backfill_on_one_account_sends_5_campaigns_taking_turns(stack: Stack, dag_id: str) -> None:
    wait_for(f"the DAG processor to register {dag_id}", lambda: stack.dag_ready(dag_id), timeout=180)
    with one_draft_per_account(stack):
        window = ("--from-date", "2026-02-01", "--to-date", "2026-02-05", "--max-active-runs", "5")
        stack.wait_backfill(stack.create_backfill(dag_id, *window))
        runs = backfill_runs(stack, dag_id)
    assert len(runs) == 5 and {run["state"] for run in runs} == {"success"}
    digests = [c for c in stack.sandbox.campaigns() if c["payload"]["text"].startswith(f"{dag_id}: digest for 2026-02")]
    assert sorted(c["payload"]["text"] for c in digests) == [
        f"{dag_id}: digest for 2026-02-0{day}" for day in range(1, 6)
    ]
    assert {(c["status"], c["send_calls"]) for c in digests} == {("sent", 1)}


def test_a_fan_out_waits_behind_a_campaign_left_prepared_and_sends_all_10_once_it_is_cancelled(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    wait_for("the DAG processor to register rs_turns_fanout", lambda: stack.dag_ready("rs_turns_fanout"), timeout=180)
    with one_draft_per_account(stack):
        ahead = left_prepared(stack, monkeypatch, "review")
        run_id = stack.trigger("rs_turns_fanout")

        def all_waiting() -> bool:
            tis = stack.task_instances("rs_turns_fanout", run_id)
            return len(tis) == 10 and all(ti["state"] == "deferred" for ti in tis)

        wait_for("the 10 tasks to wait for their turn in the triggerer", all_waiting, timeout=300, interval=2)
        assert not campaigns_where(stack.sandbox, text="Shift change")  # nobody got past the draft left prepared
        with person_hook(stack, monkeypatch) as hook:
            hook.cancel_voice_campaign(ahead)
        assert stack.wait_run("rs_turns_fanout", run_id, timeout=600) == "success"
    sent = campaigns_where(stack.sandbox, text="Shift change")
    assert sorted(c["payload"]["list_name"] for c in sent) == [f"team-{number:02d}" for number in range(10)]
    assert {(c["status"], c["send_calls"]) for c in sent} == {("sent", 1)}


def test_a_waiter_whose_limit_passes_fails_and_leaves_nothing_prepared(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    wait_for("the DAG processor to register rs_turns_limit", lambda: stack.dag_ready("rs_turns_limit"), timeout=180)
    with one_draft_per_account(stack):
        ahead = left_prepared(stack, monkeypatch, "review-2")
        run_id = stack.trigger("rs_turns_limit")
        assert stack.wait_run("rs_turns_limit", run_id, timeout=300) == "failed"
        with person_hook(stack, monkeypatch) as hook:
            hook.cancel_voice_campaign(ahead)
    assert not campaigns_where(stack.sandbox, text="Too late")  # the waiter created nothing
    log = json.dumps(stack.api("GET", f"/api/v2/dags/rs_turns_limit/dagRuns/{run_id}/taskInstances/call/logs/1"))
    assert f"behind campaign {ahead}" in log and "wait_timeout=5 s ran out" in log
