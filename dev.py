#!/usr/bin/env python3
"""The project's commands, on any machine with Python 3.10+ and nothing else.

    python3 dev.py demo    # sandbox + an example DAG through `airflow dags test`; prints the ticket from XCom
    python3 dev.py test    # lint, format and type checks, then the unit and dag.test() tests on both cores
                           # (--stacks: the real-stack, package and production-like suites; --all: both;
                           # extra arguments go to pytest)
    python3 dev.py bench   # the benchmarks (--quick: a fast run that only checks they still work)
    python3 dev.py matrix  # the unit and dag.test() tests on every supported Airflow (names: run only those cells)
    python3 dev.py lock    # re-resolve the pinned dependencies of every cell, or of the named ones (needs the index)
    python3 dev.py snippets  # fill the code blocks of README.md and docs/ from the example DAGs

They create ``.venv`` (pinned by constraints.txt) on first use and refresh it when
setup.cfg or constraints.txt change; ``matrix`` makes one venv per cell in ``.venvs/``.
Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import datetime
import fcntl
import glob
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import venv
from dataclasses import dataclass
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
CONSTRAINTS = ROOT / "constraints.txt"


@dataclass(frozen=True)
class Cell:
    """One tested combination: an Airflow release on a Python version, every dependency pinned.

    The pins are resolved as of ``resolved_on``, a week after that Airflow's release: an
    older Airflow with today's libraries does not run at all (pydantic, SQLAlchemy moved on).
    """

    airflow: str
    python: str
    resolved_on: str
    realstack: str = ""  # a pytest -k expression: the real-stack tests this cell runs as well
    # A pre-release (an Airflow announced but not yet served as final): locked with Airflow's own pre-releases
    # allowed, and marked as such in README's compatibility table.
    prerelease: bool = False

    @property
    def name(self) -> str:
        return f"airflow-{self.airflow}-python-{self.python}"

    @property
    def lock(self) -> Path:
        return ROOT / "constraints" / f"{self.name}.txt"

    @property
    def venv(self) -> Path:
        return ROOT / ".venvs" / self.name


# `python3 dev.py test` runs the default cell (constraints.txt, whatever python3 is); `matrix` runs these.
# A DAG-level callback's context differs between Airflow versions: each cell proves the notifier's request ids
# on its own real DAG processor and worker; 3.2 also shows the deferrable sensor's fallback (no start in the
# triggerer before 3.3).
# The 3.1 lock pins apache-airflow-providers-standard 1.13.1 by hand (its resolution date has 1.12.1, whose
# HITL operators lack response_timeout, which the approval example uses): keep that line when re-locking.
CALLBACKS = "dag_level_and_a_task_level"
APPROVAL = "approval_through_the_rest_api"  # Airflow's HITL, on every version that has it
RECEIVER = "serves_the_receiver"  # the results receiver in each Airflow's own API server
SMS_ALERT = "sms_failure_alert"  # the SMS example's task callback in each Airflow's own worker
MATRIX = (
    Cell(
        "3.1.8",
        "3.10",
        "2026-03-18",
        realstack=f"connection_form or test_button or {CALLBACKS} or {APPROVAL} or {RECEIVER} or {SMS_ALERT}",
    ),
    Cell(
        "3.2.2",
        "3.12",
        "2026-06-05",
        realstack=f"{CALLBACKS} or sensor_starts or {APPROVAL} or {RECEIVER} or {SMS_ALERT}",
    ),
    Cell(
        "3.4.0b2",
        "3.13",
        "2026-12-01",
        realstack=f"{CALLBACKS} or {APPROVAL} or {RECEIVER} or {SMS_ALERT}",
        prerelease=True,
    ),
)
DEFAULT = Cell("3.3.2", "3.11", "2026-11-26")
# Not supported: the package test checks that importing the provider there fails with a clear message.
UNSUPPORTED = Cell("3.0.6", "3.11", "2025-09-03")


def stamp_matches(venv_dir: Path, *inputs: Path) -> tuple[bool, Path, str]:
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in inputs)).hexdigest()
    stamp = venv_dir / ".inputs-sha256"
    return stamp.exists() and stamp.read_text() == digest, stamp, digest


def uv() -> Path:
    return BIN / "uv"


def ensure_venv() -> None:
    """Create or refresh the virtual environment when the pinned inputs change.

    pip installs only uv (pinned); uv installs the rest, several times faster than pip.
    """
    fresh, stamp, digest = stamp_matches(VENV, ROOT / "setup.cfg", ROOT / "pyproject.toml", CONSTRAINTS)
    if fresh and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    print("Installing the provider and its pinned dependencies (a minute or two the first time) ...", flush=True)
    uv_pin = next(line for line in CONSTRAINTS.read_text().splitlines() if line.startswith("uv=="))
    run([PYTHON, "-m", "pip", "install", "-q", uv_pin])
    run([uv(), "pip", "install", "-q", "--python", PYTHON, "-c", CONSTRAINTS, "-e", f"{ROOT}[test,bench,prodstack]"])
    stamp.write_text(digest)


def find_python(version: str) -> Path:
    """An interpreter of that minor version: pyenv's first (where this project's machines keep them), then PATH."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = sorted(glob.glob(str(root / "versions" / f"{version}.*" / "bin" / f"python{version}")))
    if found:
        return Path(found[-1])
    on_path = shutil.which(f"python{version}")
    if on_path and subprocess.run([on_path, "--version"], capture_output=True).returncode == 0:
        return Path(on_path)
    raise SystemExit(f"No Python {version} here: install it (e.g. `pyenv install {version}`) to run this cell.")


def ensure_cell_venv(cell: Cell) -> Path:
    """The cell's venv, exactly as its lock file pins it, with the provider installed editable on top."""
    ensure_venv()  # for uv
    python = cell.venv / "bin" / "python"
    fresh, stamp, digest = stamp_matches(cell.venv, cell.lock, ROOT / "setup.cfg")
    if fresh and python.exists():
        return python
    print(f"Preparing {cell.venv} ({cell.name}) ...", flush=True)
    run([uv(), "venv", "-q", "--clear", "--python", find_python(cell.python), cell.venv])
    run([uv(), "pip", "sync", "-q", "--python", python, cell.lock])
    run([uv(), "pip", "install", "-q", "--python", python, "--no-deps", "-e", ROOT])
    stamp.write_text(digest)
    return python


def run(cmd: list[object], **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in cmd], check=True, **kwargs)  # type: ignore[call-overload]


def airflow_env(home: Path, bin_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags_examples"),
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def demo(args: list[str]) -> int:
    """Sandbox, fresh Airflow home, `airflow dags test` of the daily reminder, ticket read back from XCom.

    ``--venv DIR --home DIR``: with the Airflow and the provider installed in another venv
    (the package test runs it on the built wheel), in another throw-away home.
    """
    options = dict(zip(args[::2], args[1::2], strict=True))
    if "--venv" in options:
        bin_dir = Path(options["--venv"]).resolve() / "bin"
    else:
        ensure_venv()
        bin_dir = BIN
    home = Path(options.get("--home", DEMO_HOME)).resolve()
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env = airflow_env(home, bin_dir)
    log = home / "demo.log"
    with log.open("w") as out:
        print(f"Migrating a throw-away Airflow database in {home} ...", flush=True)
        run(["airflow", "db", "migrate"], env=env, stdout=out, stderr=subprocess.STDOUT)
        sandbox = subprocess.Popen(
            [bin_dir / "octopush-sandbox", "--port", "0", "--login", SANDBOX_LOGIN, "--api-key", SANDBOX_KEY],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            # The first line that announces it: Airflow, imported by the sandbox, may log before.
            announced = (line for line in sandbox.stdout if "listening on" in line)  # type: ignore[union-attr]
            url = next(announced).rsplit(" ", 1)[-1].strip()
            print(f"Octopush sandbox running at {url}", flush=True)
            env["AIRFLOW_CONN_OCTOPUSH_DEFAULT"] = json.dumps(
                {"conn_type": "octopush", "login": SANDBOX_LOGIN, "password": SANDBOX_KEY, "host": url}
            )
            # Tomorrow's run: its 08:30 call time lies ahead, so the campaign is created, not skipped.
            day = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
            print(f"Running `airflow dags test {DEMO_DAG} {day}` (log: {log}) ...", flush=True)
            result = subprocess.run(
                ["airflow", "dags", "test", DEMO_DAG, day], env=env, stdout=out, stderr=subprocess.STDOUT, timeout=900
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
        [bin_dir / "python", "-c", READ_XCOM, DEMO_DAG, DEMO_TASK], env=env, check=True, capture_output=True, text=True
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


# Debian packages the real-stack suites use, by a command each provides.
DEBIAN_PACKAGES = {
    "chromium": ("chromium", "the screenshot test of the connection form"),
    "chromium-driver": ("chromedriver", "the screenshot test of the connection form"),
    "postgresql": ("pg_ctl", "the production-like stack's metadata database"),
    "redis-server": ("redis-server", "the production-like stack's Celery broker"),
}


def missing_debian_packages() -> list[str]:
    has_postgres = bool(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return [
        package
        for package, (command, _) in DEBIAN_PACKAGES.items()
        if not shutil.which(command) and not (package == "postgresql" and has_postgres)
    ]


def ensure_debian_packages() -> None:
    """Debian's chromium, chromium-driver, postgresql and redis-server, for the real-stack suites.

    Installed with apt-get where this runs as root on Debian (as on CI); elsewhere the tests
    that need them say what to install and are skipped.
    """
    if not (missing_debian_packages() and shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0):
        return
    with open("/tmp/octopush-dev-apt.lock", "w") as lock:  # CI's two lanes may both get here
        fcntl.flock(lock, fcntl.LOCK_EX)
        missing = missing_debian_packages()  # again: the other lane may have installed them meanwhile
        if missing:
            uses = sorted({DEBIAN_PACKAGES[package][1] for package in missing})
            print(f"Installing Debian's {', '.join(missing)} for {'; '.join(uses)} ...", flush=True)
            quiet = {"stdout": subprocess.DEVNULL, "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
            run(["apt-get", "update", "-qq"], **quiet)
            run(["apt-get", "install", "-y", "-qq", *missing], **quiet)


# The everyday loop: everything but the suites that start Airflow's services or build packages.
UNIT = "not realstack and not prodstack and not package"
# Spread over the cores: each pytest-xdist worker has its own Airflow home, database and sandbox (tests/conftest.py).
# Two workers a core: the dag.test() tests spend much of their time waiting (on the sandbox's computation, a
# deferral, a HITL poll), so one a core left 44% of the CPU idle (243 s; two a core: 211 s, on 2 cores alone).
PARALLEL = ["-n", str(2 * max(1, os.cpu_count() or 1)), "--dist", "loadfile"]
STACKS = ("realstack", "package", "prodstack")
# A bound on each pytest run, over the per-test limits (setup.cfg): a run that outlives it (a hung worker, a
# pytest-xdist controller waiting for a crashed one) is killed with its whole process group and fails.
RUN_LIMIT = {"unit": 1500, "realstack": 2400, "package": 1200, "prodstack": 2400}


# Where each failing pytest run adds the tests that failed: CI prints the file last, as a run's own summary
# scrolls away under the output of the lane beside it and of the runs after it.
FAILURES = ROOT / "test-artifacts" / "failures.txt"


def pytest_run(python: Path, args: list[str], limit: float, cwd: Path = ROOT) -> int:
    """pytest in its own process group, killed (with everything it started) after ``limit`` seconds."""
    report = FAILURES.parent / f"junit-{os.getpid()}-{time.monotonic_ns()}.xml"
    report.parent.mkdir(exist_ok=True)
    command = [str(python), "-m", "pytest", f"--junitxml={report}", *args]
    process = subprocess.Popen(command, cwd=cwd, start_new_session=True)
    rc = 130
    try:
        rc = process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        print(f"pytest {' '.join(args)} ran past {limit:g} s: killed with every process it started", flush=True)
        rc = 124
    except KeyboardInterrupt:  # its own session does not get the terminal's Ctrl-C
        pass
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if rc:
        cell = DEFAULT.name if python.parents[1] == VENV else python.parents[1].name
        record_failures(report, f"{cell}: pytest {' '.join(args)} (exit {rc})")
    report.unlink(missing_ok=True)
    return rc


def record_failures(report: Path, heading: str) -> None:
    """Add the failed and erroring tests of a JUnit report (each with its message's first line) to FAILURES."""
    import xml.etree.ElementTree as ElementTree

    lines = [heading]
    try:
        cases = ElementTree.parse(report).getroot().iter("testcase")
    except (OSError, ElementTree.ParseError):
        cases = iter(())
        lines.append("  (no report: the run was killed or crashed; its output above says where)")
    for case in cases:
        for outcome in ("failure", "error"):
            found = case.find(outcome)
            if found is not None:
                message = (found.get("message") or "").strip().splitlines()
                name = f"{case.get('classname')}::{case.get('name')}"
                lines.append(f"  {outcome.upper()} {name}: {message[0][:300] if message else ''}")
    with FAILURES.open("a") as file:
        file.write("\n".join(lines) + "\n")


def test(args: list[str]) -> int:
    """Lint, format and type checks, then the unit and dag.test() tests in parallel, in the default cell.

    ``--stacks``: instead, the suites that start Airflow's services or build packages, one after
    another and each serially (real stack, package, production-like stack). ``--all``: both.
    Other arguments go to pytest; a selection (``-m``, ``-k``, a path) replaces the default one.
    """
    ensure_venv()
    stacks, unit = "--stacks" in args or "--all" in args, "--stacks" not in args
    pytest_args = [arg for arg in args if arg not in ("--stacks", "--all")]
    chosen = any(arg in ("-m", "-k") or arg.startswith("tests") for arg in pytest_args)
    if unit:
        run([BIN / "ruff", "check", ROOT], cwd=ROOT)
        run([BIN / "ruff", "format", "--check", ROOT], cwd=ROOT)
        run([BIN / "mypy"], cwd=ROOT)
        if pytest_run(PYTHON, [*PARALLEL, *([] if chosen else ["-m", UNIT]), *pytest_args], RUN_LIMIT["unit"]):
            return 1
    if stacks:
        ensure_debian_packages()
        runs = [(pytest_args, max(RUN_LIMIT.values()))] if chosen else []
        # Their slowest tests are named at the end: where CI's time goes.
        runs += [(["-m", marker, "--durations=10", *pytest_args], RUN_LIMIT[marker]) for marker in STACKS if not chosen]
        for selection, limit in runs:
            print(f"=== {' '.join(selection)}", flush=True)
            if pytest_run(PYTHON, selection, limit):
                return 1
    return 0


def matrix(names: list[str]) -> int:
    """The unit and dag.test() tests in every cell (or the named ones), plus each cell's real-stack tests.

    The real-stack runs first, cell after cell (they mostly wait on Airflow's services: in CI they
    share the cores with the everyday tests of the other lane), then the unit runs, each spread over
    the cores with pytest-xdist (every worker has its own Airflow home and sandbox).
    """
    unknown = set(names) - {cell.name for cell in MATRIX}
    if unknown:
        print(f"Unknown cell(s) {sorted(unknown)}; the cells are: {[cell.name for cell in MATRIX]}")
        return 2
    cells = [cell for cell in MATRIX if not names or cell.name in names]
    failed = []
    for cell in cells:
        python = ensure_cell_venv(cell)
        if cell.realstack:
            ensure_debian_packages()
            args = ["-m", "realstack", "-k", cell.realstack]
            print(f"=== {cell.name}: real-stack tests", flush=True)
            if pytest_run(python, ["-p", "no:cacheprovider", *args], RUN_LIMIT["realstack"]):
                failed.append(f"{cell.name} ({' '.join(args)})")
    for cell in cells:
        print(f"=== {cell.name}: unit and dag.test() tests", flush=True)
        unit = ["-p", "no:cacheprovider", *PARALLEL, "-m", UNIT]
        if pytest_run(cell.venv / "bin" / "python", unit, RUN_LIMIT["unit"]):
            failed.append(f"{cell.name} (-m {UNIT!r})")
    print(f"Matrix: {len(failed)} failed" + (f": {', '.join(failed)}" if failed else ", every cell passed"))
    return 1 if failed else 0


def lock(names: list[str]) -> int:
    """Re-resolve constraints.txt and every cell's lock file (or the named cells'), each as of its date."""
    ensure_venv()
    (ROOT / "constraints").mkdir(exist_ok=True)
    pin = ROOT / "constraints" / ".airflow-pin.txt"
    for cell in (DEFAULT, *MATRIX, UNSUPPORTED):
        if names and cell.name not in names:
            continue
        pin.write_text(f"apache-airflow=={cell.airflow}\n")
        if cell is UNSUPPORTED:  # Airflow alone: the package test adds the wheel without its dependencies
            sources: list[object] = [pin]
        else:
            extras = ("test", "bench", "prodstack") if cell is DEFAULT else ("test",)
            sources = [ROOT / "setup.cfg", pin, *(arg for extra in extras for arg in ("--extra", extra))]
        target = CONSTRAINTS if cell is DEFAULT else cell.lock
        print(f"Resolving {target.relative_to(ROOT)} as of {cell.resolved_on} ...", flush=True)
        try:
            run(
                [
                    *(uv(), "pip", "compile", "-q", *sources, "--python-version", cell.python),
                    *("--exclude-newer", cell.resolved_on, "--no-header", "--no-annotate"),
                    # Pre-releases only where a direct == pin names one (the cell's Airflow) or nothing else fits.
                    *(("--prerelease", "if-necessary-or-explicit") if cell.prerelease else ()),
                    *("--no-emit-package", "airflow-provider-octopush", "-o", target),
                ],
                cwd=ROOT,
            )
        finally:
            pin.unlink()
    return 0


def bench(args: list[str]) -> int:
    """The benchmarks of benchmarks/run.py, in the venv."""
    ensure_venv()
    return subprocess.run([PYTHON, ROOT / "benchmarks" / "run.py", *args], cwd=ROOT, timeout=3600).returncode


def snippets(_: list[str]) -> int:
    """Fill the code blocks of README.md and docs/ from the example DAGs (docs/snippets.py)."""
    return subprocess.run([sys.executable, ROOT / "docs" / "snippets.py"], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    commands = {
        "demo": lambda: demo(argv[1:]),
        "test": lambda: test(argv[1:]),
        "bench": lambda: bench(argv[1:]),
        "matrix": lambda: matrix(argv[1:]),
        "lock": lambda: lock(argv[1:]),
        "snippets": lambda: snippets(argv[1:]),
    }
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
