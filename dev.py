#!/usr/bin/env python3
"""The project's two commands, on any machine with Python 3.10+ and nothing else.

    python3 dev.py demo   # sandbox + an example DAG through `airflow dags test`; prints the ticket from XCom
    python3 dev.py test   # lint, format check and the test suite (extra arguments go to pytest)
    python3 dev.py bench  # the benchmarks (--quick: a fast run that only checks they still work)

Both create ``.venv`` (pinned by constraints.txt) on first use and refresh it when
setup.cfg or constraints.txt change. Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
DEMO_HOME = ROOT / ".airflow-demo"
DEMO_DAG = "octopush_daily_reminder"
DEMO_TASK = "call_volunteers"
SANDBOX_LOGIN = "demo@example.com"
SANDBOX_KEY = "sandbox-api-key-0123456789"


def ensure_venv() -> None:
    """Create or refresh the virtual environment when the pinned inputs change."""
    inputs = b"".join((ROOT / name).read_bytes() for name in ("setup.cfg", "pyproject.toml", "constraints.txt"))
    stamp = VENV / ".inputs-sha256"
    digest = hashlib.sha256(inputs).hexdigest()
    if stamp.exists() and stamp.read_text() == digest and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    print("Installing the provider and its pinned dependencies (a few minutes the first time) ...", flush=True)
    run([PYTHON, "-m", "pip", "install", "-q", "-c", ROOT / "constraints.txt", "-e", f"{ROOT}[test,bench]"])
    stamp.write_text(digest)


def run(cmd: list[object], **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in cmd], check=True, **kwargs)  # type: ignore[call-overload]


def airflow_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags_examples"),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def demo() -> int:
    """Sandbox, fresh Airflow home, `airflow dags test` of the daily reminder, ticket read back from XCom."""
    ensure_venv()
    shutil.rmtree(DEMO_HOME, ignore_errors=True)
    DEMO_HOME.mkdir()
    env = airflow_env(DEMO_HOME)
    log = DEMO_HOME / "demo.log"
    with log.open("w") as out:
        print(f"Migrating a throw-away Airflow database in {DEMO_HOME} ...", flush=True)
        run(["airflow", "db", "migrate"], env=env, stdout=out, stderr=subprocess.STDOUT)
        sandbox = subprocess.Popen(
            [BIN / "octopush-sandbox", "--port", "0", "--login", SANDBOX_LOGIN, "--api-key", SANDBOX_KEY],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            url = sandbox.stdout.readline().rsplit(" ", 1)[-1].strip()  # type: ignore[union-attr]
            print(f"Octopush sandbox running at {url}", flush=True)
            env["AIRFLOW_CONN_OCTOPUSH_DEFAULT"] = json.dumps(
                {"conn_type": "octopush", "login": SANDBOX_LOGIN, "password": SANDBOX_KEY, "host": url}
            )
            # Tomorrow's run: its 08:30 call time lies ahead, so the campaign is created, not skipped.
            day = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
            print(f"Running `airflow dags test {DEMO_DAG} {day}` (log: {log}) ...", flush=True)
            result = subprocess.run(
                ["airflow", "dags", "test", DEMO_DAG, day], env=env, stdout=out, stderr=subprocess.STDOUT
            )
            with urllib.request.urlopen(url.split("/v1/")[0] + "/_sandbox/campaigns") as answer:
                campaigns = json.load(answer)
        finally:
            sandbox.terminate()
            sandbox.wait()
    if result.returncode:
        print(log.read_text()[-4000:])
        print(f"`airflow dags test` failed; the whole log is in {log}")
        return result.returncode
    xcom = subprocess.run(
        [PYTHON, "-c", READ_XCOM, DEMO_DAG, DEMO_TASK], env=env, check=True, capture_output=True, text=True
    )
    ticket, response = json.loads(xcom.stdout.strip().splitlines()[-1])
    print(f"Ticket pushed to XCom by {DEMO_DAG}.{DEMO_TASK}: {ticket}")
    print(f"Whole answer (XCom key octopush_response): {json.dumps(response)}")
    print(f"Campaigns the sandbox holds: {len(campaigns)}, request_id {campaigns[-1]['request_id']}")
    return 0 if campaigns and campaigns[-1]["ticket_number"] == ticket else 1


# Runs inside the venv: the return_value and octopush_response XComs of the task's latest run.
READ_XCOM = """
import json, sys
from sqlalchemy import select
from airflow.models.xcom import XComModel
from airflow.utils.session import create_session
dag_id, task_id = sys.argv[1:3]
with create_session() as session:
    rows = session.execute(
        select(XComModel.key, XComModel.value)
        .where(XComModel.dag_id == dag_id, XComModel.task_id == task_id)
        .order_by(XComModel.timestamp)
    ).all()
values = dict(rows)
print(json.dumps([values["return_value"], values.get("octopush_response")]))
"""


def ensure_browser() -> None:
    """Debian's chromium and chromedriver, for the screenshot test of the connection form.

    Installed with apt-get where this runs as root on Debian (as on CI); elsewhere the
    screenshot test says what to install and is skipped.
    """
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("Installing Debian's chromium and chromium-driver for the UI screenshot test ...", flush=True)
        quiet = {"stdout": subprocess.DEVNULL, "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
        run(["apt-get", "update", "-qq"], **quiet)
        run(["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"], **quiet)


def test(pytest_args: list[str]) -> int:
    """Lint, format check, then pytest."""
    ensure_venv()
    ensure_browser()
    run([BIN / "ruff", "check", ROOT], cwd=ROOT)
    run([BIN / "ruff", "format", "--check", ROOT], cwd=ROOT)
    return subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=ROOT).returncode


def bench(args: list[str]) -> int:
    """The benchmarks of benchmarks/run.py, in the venv."""
    ensure_venv()
    return subprocess.run([PYTHON, ROOT / "benchmarks" / "run.py", *args], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    commands = {"demo": demo, "test": lambda: test(argv[1:]), "bench": lambda: bench(argv[1:])}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
