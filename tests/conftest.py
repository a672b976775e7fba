"""Shared fixtures: a throw-away Airflow home, the sandbox, and a connection pointing at it.

The environment is set at import, before anything imports Airflow, so that every
test (and every ``dag.test()``) runs on a private SQLite home.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="octopush-airflow-home-"))
# dag.test() runs only DAGs that its bundle (the DAGs folder) holds: tests write theirs here.
DAGS_FOLDER = AIRFLOW_HOME / "dags"
DAGS_FOLDER.mkdir()
os.environ.update(
    AIRFLOW_HOME=str(AIRFLOW_HOME),
    AIRFLOW__CORE__UNIT_TEST_MODE="True",
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    AIRFLOW__CORE__DAGS_FOLDER=str(DAGS_FOLDER),
)
for name in [name for name in os.environ if name.startswith("AIRFLOW_CONN_")]:
    del os.environ[name]

from airflow_provider_octopush.sandbox import SandboxServer, SandboxState  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

LOGIN = "tests@example.com"
# Long and distinctive, so that a scan of the logs for it cannot miss or misfire.
API_KEY = "k3y-Secret-9f2c71d0e4b8a6"
CALLBACK_SECRET = "Realstack-Callback-Secret-" + "q" * 20  # a connection's receiver secret, 46 characters


class Sandbox:
    """A running sandbox (in this process or another), with helpers to inspect it and inject faults."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.root = self.url.split("/v1/")[0]

    def _admin(self, what: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.root}/_sandbox/{what}", data=data, method="POST" if data else "GET")
        with urllib.request.urlopen(request) as answer:
            return json.load(answer)

    def campaigns(self) -> list[dict[str, Any]]:
        return self._admin("campaigns")

    def messages(self) -> list[dict[str, Any]]:
        """The voice messages to numbers the sandbox "phoned", in order."""
        return self._admin("messages")

    def sms(self) -> list[dict[str, Any]]:
        """The SMS to numbers the sandbox "texted", in order."""
        return self._admin("sms")

    def lists(self) -> dict[str, list[dict[str, Any]]]:
        """Every list and tag the sandbox holds, with its contacts in the order they were added."""
        return self._admin("lists")

    def fill_list(self, name: str, numbers: list[str]) -> None:
        """Make ``name`` exist and hold ``numbers`` (through the API, as a user of the web interface would)."""

        def call(method: str, path: str, body: dict[str, Any]) -> None:
            request = urllib.request.Request(
                self.url + path,
                data=json.dumps(body).encode(),
                method=method,
                headers={"api-login": LOGIN, "api-key": API_KEY, "Content-Type": "application/json"},
            )
            urllib.request.urlopen(request).close()

        call("POST", "/contact-list/create", {"list_name": name})
        call("POST", "/contact/create", {"list_name": name, "contacts": [{"phone_number": n} for n in numbers]})

    def requests(self, path: str | None = None) -> list[dict[str, Any]]:
        return [item for item in self._admin("requests") if path is None or item["path"] == path]

    def callbacks_sent(self) -> list[dict[str, Any]]:
        """The delivery reports the sandbox posted to the account's callback URL, with the answer each got."""
        return self._admin("callbacks")

    def wait_for_callbacks(self, count: int, timeout: float = 30) -> list[dict[str, Any]]:
        """The reports posted, once ``count`` have been (the sandbox posts them from a thread)."""
        deadline = time.monotonic() + timeout
        while len(sent := self.callbacks_sent()) < count:
            assert time.monotonic() < deadline, f"{len(sent)} of {count} reports posted: {sent}"
            time.sleep(0.05)
        return sent

    def reset(self) -> None:
        self._admin("reset", {})

    def configure(self, **behaviour: Any) -> None:
        """Computation delay, contacts, cost per contact, outcome of campaigns created from now on."""
        self._admin("config", behaviour)

    def cancel_drafts(self) -> int:
        """Every campaign awaiting validation is cancelled (a free account); returns how many were."""
        return self._admin("cancel_drafts", {})["cancelled"]

    def finish(self) -> int:
        """Every campaign still being computed is computed now; returns how many were."""
        return self._admin("finish", {})["finished"]

    def fault(self, **fault: Any) -> None:
        fault.setdefault("path", "/voice-campaign-on-list/create")
        self._admin("faults", [fault])


# The suites that start Airflow's services or build packages: their first test also pays for the start.
STACK_TIMEOUTS = {"realstack": 1200, "prodstack": 1500, "package": 900}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A longer time limit for the stack and package suites, unless a test sets its own."""
    for item in items:
        if item.get_closest_marker("timeout") is None:
            limits = [limit for marker, limit in STACK_TIMEOUTS.items() if item.get_closest_marker(marker)]
            if limits:
                item.add_marker(pytest.mark.timeout(max(limits)))


@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> bool | None:
    """pytest-timeout's thread timer, with the test named first: its dump alone names threads, not the test."""
    if settings.method != "thread":
        return None
    import threading

    from pytest_timeout import timeout_timer

    def expire() -> None:
        item.config.get_terminal_writer().line(f"\n{item.nodeid} ran past its {settings.timeout:g} s limit:")
        timeout_timer(item, settings)

    timer = threading.Timer(settings.timeout, expire)
    timer.name = f"time limit of {item.nodeid}"
    timer.daemon = True

    def cancel() -> None:
        timer.cancel()
        timer.join()

    item.cancel_timeout = cancel  # type: ignore[attr-defined]  # pytest-timeout's own cancel hook calls it
    timer.start()
    return True


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    server = SandboxServer(SandboxState(LOGIN, API_KEY, balance=42.5))
    server.start_in_thread()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Sandbox:
    sandbox_server.state.reset()
    return Sandbox(sandbox_server.url)


def connection_json(host: str, *, password: str = API_KEY, **extra: Any) -> str:
    conn: dict[str, Any] = {"conn_type": "octopush", "login": LOGIN, "password": password, "host": host}
    if extra:
        conn["extra"] = extra
    return json.dumps(conn)


@pytest.fixture
def octopush_conn(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """``octopush_default`` points at the sandbox, with short time-outs and back-offs for tests."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_OCTOPUSH_DEFAULT", connection_json(sandbox.url, timeout=5, max_retries=2, retry_backoff=0.01)
    )
    return sandbox


def build_the_in_process_api_once() -> None:
    """dag.test() runs each task against an in-process Execution API. Airflow 3.3 builds it once per process
    (``lru_cache`` on ``in_process_api_server``); 3.1 and 3.2 build it again for every task run, about 2 s of
    route generation each, which made their matrix cells three times slower. The same cache here, for the
    tests only: what the provider does is not touched, only how often the test harness rebuilds Airflow's app."""
    import functools

    from airflow.sdk.execution_time import supervisor

    if not hasattr(supervisor.in_process_api_server, "cache_info"):
        supervisor.in_process_api_server = functools.lru_cache(maxsize=1)(supervisor.in_process_api_server)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated metadata database, once per session, for dag.test()."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True, env=os.environ.copy()
    )
    build_the_in_process_api_once()
    return AIRFLOW_HOME


DAG_FILE = """\
from datetime import timedelta

import pendulum

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG
from airflow_provider_octopush.notifications.octopush import OctopushVoiceNotifier
from airflow_provider_octopush.operators.voice_campaign import (
    CancelVoiceCampaignOperator,
    SendVoiceCampaignOperator,
    VoiceCampaignOperator,
)
from airflow_provider_octopush.operators.contact_list import ContactListOperator
from airflow_provider_octopush.operators.sms_campaign import (
    CancelSmsCampaignOperator,
    SendSmsCampaignOperator,
    SmsCampaignOperator,
)
from airflow_provider_octopush.operators.sms_message import SmsMessageOperator
from airflow_provider_octopush.operators.voice_message import VoiceMessageOperator
from airflow_provider_octopush.sensors.results import VoiceResultsSensor
from airflow_provider_octopush.sensors.voice_campaign import VoiceCampaignReadySensor

with DAG(
    {dag_id!r},
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    default_args={{"retries": {retries}, "retry_delay": timedelta(0)}},
) as dag:
{tasks}
"""


@pytest.fixture
def make_dag(airflow_db: Path, request: pytest.FixtureRequest) -> Any:
    """Write a DAG into the DAGs folder and return it, ready for dag.test().

    ``arguments``: the argument list, as Python source, of one VoiceCampaignOperator "call";
    or ``tasks``: the DAG's body. Source, so that templates stay as a DAG author writes them.
    """
    import runpy

    counter = iter(range(1000))

    def make(arguments: str | None = None, *, tasks: str | None = None, retries: int = 0) -> Any:
        name = re.sub(r"\W", "_", request.node.name)[:80]
        dag_id = f"t_{name}_{next(counter)}"
        path = DAGS_FOLDER / f"{dag_id}.py"
        tasks = tasks or f'VoiceCampaignOperator(task_id="call", {arguments})'
        body = textwrap.indent(textwrap.dedent(tasks).strip(), "    ")
        path.write_text(DAG_FILE.format(dag_id=dag_id, retries=retries, tasks=body))
        return runpy.run_path(str(path))["dag"]

    return make


def load_error(make_dag: Any, tasks: str) -> str:
    """The error a DAG file of these ``tasks`` fails to load with (it must fail)."""
    with pytest.raises(Exception) as info:
        make_dag(tasks=tasks)
    return str(info.value)


def asset_events(uri: str) -> list[dict[str, Any]]:
    """The asset events Airflow recorded for the asset, oldest first."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(
            select(AssetEvent).join(AssetModel, AssetEvent.asset_id == AssetModel.id).where(AssetModel.uri == uri)
        ).all()
        return [dict(row.extra) for row in sorted(rows, key=lambda row: row.id)]


def task_states(dag_run: Any) -> dict[str, str | None]:
    """The state of each task of a finished run, by task id."""
    return {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


def xcoms(dag_run: Any, task_id: str = "call") -> dict[str, Any]:
    """The XComs of a task in a finished run, by key."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(XComModel.key, XComModel.value).where(
                XComModel.dag_id == dag_run.dag_id, XComModel.run_id == dag_run.run_id, XComModel.task_id == task_id
            )
        ).all()
    return dict(rows)


def task_instance(dag_run: Any) -> Any:
    (ti,) = dag_run.get_task_instances()
    return ti


class Receiver:
    """A client of the results receiver served by ``receiver_server``."""

    def __init__(self, url: str) -> None:
        self.url = url

    def callback(self, conn_id: str, secret: str, **request: Any) -> Any:
        import requests

        method = request.pop("method", "POST")
        return requests.request(method, f"{self.url}/octopush/callbacks/{conn_id}/{secret}", timeout=10, **request)

    def results(self, conn_id: str, message_id: str, token: str | None, after: int = 0) -> Any:
        import requests

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        params: dict[str, Any] = {"message_id": message_id, "after": after}
        return requests.get(f"{self.url}/octopush/results/{conn_id}", params=params, headers=headers, timeout=10)

    def rows(self, conn_id: str, message_id: str, token: str) -> list[dict[str, Any]]:
        answer = self.results(conn_id, message_id, token)
        assert answer.status_code == 200, answer.text
        return answer.json()["reports"]

    @staticmethod
    def forget_every_report() -> None:
        from datetime import datetime, timedelta, timezone

        from airflow_provider_octopush.receiver import store

        store.delete_older_than(timedelta(0), datetime.now(timezone.utc) + timedelta(days=1))


@pytest.fixture(scope="session")
def receiver_server(airflow_db: Path) -> Iterator[str]:
    """The results receiver mounted at /octopush as the API server mounts it, under uvicorn on a free loopback
    port, on this process's test database; its base URL."""
    import socket
    import threading

    import uvicorn
    from fastapi import FastAPI

    from airflow_provider_octopush.receiver.app import create_app
    from airflow_provider_octopush.rules.callback_url import URL_PREFIX

    api_server = FastAPI()
    # As the plugin mounts it, but reading each connection's secret at every request: the tests change them.
    api_server.mount(URL_PREFIX, create_app(secret_cache_seconds=0, secret_recheck_seconds=0))
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(api_server, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:  # uvicorn's own flag: set once it accepts connections
        assert thread.is_alive() and time.monotonic() < deadline, "the receiver did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{listening.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)


RESULTS_SECRET = "Results-Account-Secret-" + "r" * 30


@pytest.fixture
def results_account(octopush_conn: Sandbox, receiver_server: str, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """``octopush_default`` with a callback secret; its sandbox account calls back to the receiver, which
    workers find where they find the Execution API (as on a real deployment); no reports yet."""
    from airflow_provider_octopush.hooks.octopush import OctopushHook

    monkeypatch.setenv(
        "AIRFLOW_CONN_OCTOPUSH_DEFAULT",
        connection_json(
            octopush_conn.url, timeout=5, max_retries=2, retry_backoff=0.01, callback_secret=RESULTS_SECRET
        ),
    )
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", f"{receiver_server}/execution/")
    Receiver.forget_every_report()
    with OctopushHook() as hook:
        hook.set_delivery_callback_url(hook.receiver_url(receiver_server))
    octopush_conn.configure(computation_delay=0)
    return octopush_conn
