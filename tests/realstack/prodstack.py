"""A production-like Airflow on loopback: PostgreSQL, Redis, CeleryExecutor with two workers, two triggerers.

Airflow's own reference deployment, shrunk onto one machine: the metadata database is a
private PostgreSQL cluster, the Celery broker a private Redis, and each worker and
triggerer reports its own host name (``prod_hostname.py``), as if on its own host. The
api-server, scheduler and dag-processor run once. Everything is started by the fixture,
health-checked before use, always stopped, and its logs kept in the stack's home (the
path is printed on failure). PostgreSQL and Redis come from Debian's packages:
``python3 dev.py test`` installs them when they are missing.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from harness import HERE, Stack, airflow_env, free_port, start_sandbox, wait_for

if TYPE_CHECKING:
    from collections.abc import Iterator

WORKERS = ("worker-1", "worker-2")
TRIGGERERS = ("triggerer-1", "triggerer-2")
WORKER_SLOTS = 16
HEARTBEAT_TIMEOUT = 30  # seconds before Airflow fails the task instances of a dead worker (default 300)
TRIGGERER_THRESHOLD = 15  # seconds before a silent triggerer's triggers move (default 30)


def postgres_binary(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        pytest.skip(f"no PostgreSQL here ({name}): apt-get install postgresql (python3 dev.py test does)")
    return found[-1]


def as_postgres(*command: str) -> list[str]:
    """PostgreSQL refuses to run as root: its commands run as the postgres user when this is root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


class Services:
    """PostgreSQL and Redis on free loopback ports, in a folder of their own; stopped by ``stop()``."""

    def __init__(self, home: Path) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="octopush-prodstack-db-"))
        self.folder.chmod(0o755)
        self.pg_data = self.folder / "pg"
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.home = home
        self.redis: subprocess.Popen | None = None

    @property
    def database_url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.pg_port}/airflow"

    def start(self) -> None:
        redis = shutil.which("redis-server")
        if not redis:
            pytest.skip("no Redis here: apt-get install redis-server (python3 dev.py test does)")
        self.pg_data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.pg_data, "postgres", "postgres")
        quiet = {"check": True, "capture_output": True}
        subprocess.run(
            as_postgres(postgres_binary("initdb"), "-D", str(self.pg_data), "-U", "postgres", "-A", "trust"), **quiet
        )  # type: ignore[call-overload]
        options = f"-p {self.pg_port} -k {self.pg_data} -c listen_addresses=127.0.0.1 -c max_connections=300"
        log = self.pg_data / "server.log"
        subprocess.run(
            as_postgres(
                postgres_binary("pg_ctl"), "-D", str(self.pg_data), "-o", options, "-l", str(log), "-w", "start"
            ),
            **quiet,
        )  # type: ignore[call-overload]
        subprocess.run(
            [postgres_binary("createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "airflow"],
            **quiet,  # type: ignore[arg-type]
        )
        self.redis = subprocess.Popen(
            [
                *(redis, "--port", str(self.redis_port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=(self.home / "redis.out").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.redis is not None:
            os.killpg(self.redis.pid, signal.SIGTERM)
            self.redis.wait(timeout=30)
        if (self.pg_data / "postmaster.pid").exists():
            subprocess.run(
                as_postgres(postgres_binary("pg_ctl"), "-D", str(self.pg_data), "-m", "fast", "stop"),
                capture_output=True,
            )
        shutil.copy(self.pg_data / "server.log", self.home / "postgres.out") if (
            self.pg_data / "server.log"
        ).exists() else None
        shutil.rmtree(self.folder, ignore_errors=True)


def commands() -> dict[str, tuple[list[str], dict[str, str]]]:
    """Every service of the stack: its Airflow CLI arguments and the environment it alone gets."""
    found: dict[str, tuple[list[str], dict[str, str]]] = {
        "scheduler": (["scheduler"], {}),
        "dag-processor": (["dag-processor"], {}),
    }
    for name in WORKERS:
        found[name] = (
            ["celery", "worker", "--celery-hostname", f"{name}@%h", "--concurrency", str(WORKER_SLOTS)],
            {"OCTOPUSH_TEST_HOSTNAME": name},
        )
    for name in TRIGGERERS:
        found[name] = (["triggerer"], {"OCTOPUSH_TEST_HOSTNAME": name})
    return found


class ProdStack(Stack):
    """The stack, plus what only this topology has: its database, its broker, its workers."""

    services: Services

    def worker_ready(self, name: str) -> bool:
        log = self.home / f"{name}.out"
        return log.exists() and " ready." in log.read_text(errors="replace")

    def restart(self, service: str) -> None:
        self.start(service)
        if service in WORKERS:
            wait_for(f"{service} to be ready", lambda: self.worker_ready(service), timeout=120, interval=2)


@pytest.fixture(scope="module", name="prod")
def prod_fixture() -> Iterator[ProdStack]:
    home = Path(tempfile.mkdtemp(prefix="octopush-prodstack-"))
    shutil.copytree(HERE / "prod_dags", home / "dags")
    services = Services(home)
    sandbox_process, sandbox = start_sandbox(home)
    port = free_port()
    services.start()
    env = airflow_env(
        home,
        port,
        sandbox,
        AIRFLOW__CORE__EXECUTOR="CeleryExecutor",
        AIRFLOW__CORE__PARALLELISM="64",
        AIRFLOW__CORE__HOSTNAME_CALLABLE="prod_hostname.get",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=services.database_url,
        AIRFLOW__CELERY__BROKER_URL=f"redis://127.0.0.1:{services.redis_port}/0",
        AIRFLOW__CELERY__RESULT_BACKEND=f"db+postgresql+psycopg2://postgres@127.0.0.1:{services.pg_port}/airflow",
        AIRFLOW__CELERY__WORKER_CONCURRENCY=str(WORKER_SLOTS),
        AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT=str(HEARTBEAT_TIMEOUT),
        AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD=str(TRIGGERER_THRESHOLD),
        AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD="30",
    )
    running = ProdStack(home, env, port, sandbox, commands())
    running.services = services
    try:
        running.airflow("db", "migrate")
        for service in running.commands:  # the api-server, the scheduler, ... the triggerers
            running.start(service)
        wait_for("the Airflow services to report healthy", running.healthy, timeout=300, interval=2)
        for name in WORKERS:
            wait_for(f"{name} to be ready", lambda name=name: running.worker_ready(name), timeout=180, interval=2)
        yield running
    finally:
        running.stop_all()
        os.killpg(sandbox_process.pid, signal.SIGTERM)
        sandbox_process.wait(timeout=30)
        services.stop()
        print(f"\nproduction-like stack's logs: {home}")
