"""The real Airflow 3 stack on loopback: api-server, scheduler, dag-processor, triggerer, LocalExecutor, SQLite.

One stack for the whole module (starting it costs about a minute on two cores), on a
throw-away home, with the sandbox in its own process. Every service is stopped at the
end, whatever happened. Run these tests alone with ``python3 dev.py test -m realstack``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import API_KEY, CALLBACK_SECRET, LOGIN, Sandbox, connection_json

from airflow_provider_octopush.sandbox.cli import announced_url

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parents[1] / "dags_examples"
SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, check: Callable[[], Any], timeout: float, interval: float = 1.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Stack:
    """The running services, their home, and a small client of the public REST API."""

    def __init__(
        self,
        home: Path,
        env: dict[str, str],
        port: int,
        sandbox: Sandbox,
        commands: dict[str, tuple[list[str], dict[str, str]]] | None = None,
    ) -> None:
        self.home = home
        self.env = env
        self.refused_backfills = 0
        self.url = f"http://127.0.0.1:{port}"
        self.sandbox = sandbox
        # service name -> (airflow CLI arguments, environment added for that service alone)
        self.commands = commands or {service: ([service], {}) for service in SERVICES}
        self.commands["api-server"] = (["api-server", "--port", str(port)], {})
        self.processes: dict[str, subprocess.Popen] = {}
        self._token: str | None = None

    # services -------------------------------------------------------------------------
    def start(self, service: str, env: dict[str, str] | None = None) -> None:
        """Start one service; ``env``: another environment for it (e.g. without the connection)."""
        log = (self.home / f"{service}.out").open("a")
        args, own_env = self.commands[service]
        self.processes[service] = subprocess.Popen(
            [sys.executable, "-m", "airflow", *args],
            env={**(env or self.env), **own_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that stopping it stops its children
        )

    def stop_all(self) -> None:
        for service in list(self.processes):
            self.stop(service)

    def stop(self, service: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(service)
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

    def airflow(self, *args: str, timeout: float = 300, retry_locked: bool = True) -> str:
        """Run an Airflow CLI command; again (up to 5 times) when SQLite reports a lock conflict.

        SQLite refuses at once, without waiting, a transaction that read and then wants to
        write while another process writes; the command's transaction was rolled back whole.
        Commands that commit in several steps pass ``retry_locked=False`` and recover themselves.
        """
        for _ in range(5 if retry_locked else 1):
            result = subprocess.run(
                [sys.executable, "-m", "airflow", *args], env=self.env, capture_output=True, text=True, timeout=timeout
            )
            if result.returncode == 0 or "database is locked" not in result.stdout + result.stderr:
                break
            time.sleep(2)
        output = f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        assert result.returncode == 0, f"airflow {' '.join(args)} failed:\n{output}"
        return result.stdout

    def backfills(self, dag_id: str) -> list[dict]:
        return self.api("GET", f"/api/v2/backfills?dag_id={dag_id}&limit=100")["backfills"]

    def create_backfill(self, dag_id: str, *args: str) -> int:
        """``airflow backfill create`` for ``dag_id``; returns the new backfill's id.

        Airflow commits the backfill row before it creates the runs. When SQLite refuses the
        runs (a lock conflict), Airflow removes the half-made backfill, or, when that removal
        is refused too, its scheduler marks the run-less backfill complete about two minutes
        later; until then a new backfill is refused (AlreadyRunningBackfill). So a failed
        attempt is tried again only once Airflow reports no unfinished backfill for the DAG.
        Such a removal can take with it a run that the attempt had cleared for reprocessing, its
        task state included (seen on 3.3.2): ``refused_backfills`` counts the attempts refused.
        """
        known = {item["id"] for item in self.backfills(dag_id)}
        for attempt in range(ATTEMPTS := 8):
            try:
                self.airflow("backfill", "create", "--dag-id", dag_id, *args, retry_locked=False)
            except AssertionError as err:
                last = attempt == ATTEMPTS - 1
                if last or not ("database is locked" in str(err) or "AlreadyRunningBackfill" in str(err)):
                    raise
                self.refused_backfills += 1
                wait_for(
                    f"Airflow to finish or clean up the backfills of {dag_id}",
                    lambda: all(item["completed_at"] for item in self.backfills(dag_id)),
                    timeout=300,
                    interval=3,
                )
                # Seen in CI with both lanes on 2 cores: four refusals in a row while the scheduler was busy
                # with the previous test's runs. A growing pause lets its writes pass (at most 2.5 min in all).
                time.sleep(min(3 * 2**attempt, 30))
                continue
            return max(item["id"] for item in self.backfills(dag_id) if item["id"] not in known)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def wait_backfill(self, backfill_id: int, timeout: float = 600) -> None:
        """Until Airflow marks the backfill complete (all its runs finished)."""
        wait_for(
            f"backfill {backfill_id} to complete",
            lambda: self.scheduler_alive() and self.api("GET", f"/api/v2/backfills/{backfill_id}")["completed_at"],
            timeout,
            interval=3,
        )

    def scheduler_alive(self) -> bool:
        """Start the scheduler again if it died, and say so; always true.

        On SQLite, Airflow 3.3.2's scheduler can crash (``ObjectDeletedError``: a DagRun "has been
        deleted") when a backfill attempt refused with "database is locked" removes the runs it had
        made while the scheduler was scheduling them (seen in this suite). Airflow's own deployments
        restart a dead scheduler; so does this harness, and the tests go on asserting what was sent.
        """
        process = self.processes.get("scheduler")
        if process is not None and process.poll() is not None:
            print(f"the scheduler ended (exit code {process.returncode}; see scheduler.out): starting it again")
            self.processes.pop("scheduler")
            self.start("scheduler")
        return True

    # REST API ----------------------------------------------------------------------------
    def api(self, method: str, path: str, body: Any = None) -> Any:
        if self._token is None:
            with urllib.request.urlopen(f"{self.url}/auth/token", timeout=30) as answer:
                self._token = json.load(answer)["access_token"]
        request = urllib.request.Request(
            self.url + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"},
        )
        for attempt in range(5):
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    raw = answer.read()
                break
            except urllib.error.HTTPError as err:
                # A 5xx here is SQLite's lock conflict inside the api-server, its transaction rolled back.
                if err.code < 500 or attempt == 4:
                    raise
                time.sleep(2)
        return json.loads(raw) if raw else None

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as answer:
                health = json.load(answer)
        except (OSError, ValueError):
            return False
        parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
        return all((health.get(part) or {}).get("status") == "healthy" for part in parts)

    def dag_ready(self, dag_id: str) -> bool:
        try:
            self.api("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        except urllib.error.HTTPError:
            return False
        return True

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        run = self.api("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf or {}})
        return run["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 600) -> str:
        return wait_for(
            f"run {run_id} of {dag_id} to finish",
            lambda: (
                self.scheduler_alive() and (state := self.run_state(dag_id, run_id)) in ("success", "failed") and state
            ),
            timeout,
            interval=2,
        )

    def triggerer_healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as answer:
                return (json.load(answer).get("triggerer") or {}).get("status") == "healthy"
        except (OSError, ValueError):
            return False

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        answer = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=1000")
        return answer["task_instances"]


def start_sandbox(home: Path) -> tuple[subprocess.Popen, Sandbox]:
    """The sandbox in its own process, like the real API: two seconds of computation per campaign.

    With ``--many-drafts``: these suites run many campaigns at once on one account (fan-outs, kills mid-wait)
    to load Airflow, which Octopush itself refuses (code 126); the unit suite holds the one-draft rule.
    """
    process = subprocess.Popen(
        [
            *(
                sys.executable,
                "-m",
                "airflow_provider_octopush.sandbox",
                "--port",
                "0",
                "--computation-delay",
                "2",
            ),
            "--many-drafts",
            *("--login", LOGIN, "--api-key", API_KEY),
        ],
        stdout=subprocess.PIPE,
        stderr=(home / "sandbox.out").open("w"),
        text=True,
        start_new_session=True,
    )
    return process, Sandbox(announced_url(process.stdout))  # type: ignore[arg-type]


def airflow_env(home: Path, port: int, sandbox: Sandbox, **settings: str) -> dict[str, str]:
    """What every service of a stack shares: its home, the DAGs, one JWT secret, the connection, short timers."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(home / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="True",
        AIRFLOW__CORE__TEST_CONNECTION="Enabled",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        AIRFLOW__API__BASE_URL=f"http://127.0.0.1:{port}",
        AIRFLOW__API_AUTH__JWT_SECRET="realstack-tests-only-" + "x" * 32,
        AIRFLOW__API__SECRET_KEY="realstack-tests-only",
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
        AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT="60",
        AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC="2",
        AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD="60",
        AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD="60",
        AIRFLOW_CONN_OCTOPUSH_DEFAULT=connection_json(
            sandbox.url, timeout=10, max_retries=0, callback_secret=CALLBACK_SECRET
        ),
        PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
    )
    env.update(settings)
    return env


@pytest.fixture(scope="module", name="stack")
def stack_fixture() -> Iterator[Stack]:
    home = Path(tempfile.mkdtemp(prefix="octopush-realstack-"))
    shutil.copytree(HERE / "dags", home / "dags")
    for example in ("octopush_appointment_reminder.py", "octopush_sms_failure_alert.py"):  # as a user's DAGs are
        shutil.copy(EXAMPLES / example, home / "dags")
    sandbox_process, sandbox = start_sandbox(home)
    port = free_port()
    env = airflow_env(
        home,
        port,
        sandbox,
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__PARALLELISM="8",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS="sqlite_args.CONNECT_ARGS",
    )
    running = Stack(home, env, port, sandbox)
    try:
        running.airflow("db", "migrate")
        for service in SERVICES:
            running.start(service)
        wait_for("the Airflow services to report healthy", running.healthy, timeout=240, interval=2)
        yield running
    finally:
        running.stop_all()
        os.killpg(sandbox_process.pid, signal.SIGTERM)
        sandbox_process.wait(timeout=30)
