"""Never twice, never left behind, where users outgrow one machine: PostgreSQL, two Celery workers, two triggerers.

Each test states its figures as expected vs seen, from the sandbox's own request log.
The tests share one stack and run in file order; the last one scans everything the
stack wrote, its database and its broker for the API key.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
from conftest import API_KEY, CALLBACK_SECRET
from harness import wait_for
from prodstack import (  # noqa: F401 - prod_fixture provides "prod"
    HEARTBEAT_TIMEOUT,
    TRIGGERERS,
    WORKERS,
    ProdStack,
    postgres_binary,
    prod_fixture,
)

from airflow_provider_octopush.version_compat import AIRFLOW_V_3_3_PLUS

if TYPE_CHECKING:
    from conftest import Sandbox

pytestmark = pytest.mark.prodstack

CREATE = "/voice-campaign-on-list/create"
FIGURES: dict[str, object] = {}  # written to test-artifacts/prodstack-figures.json at the end


def campaigns(sandbox: Sandbox, prefix: str) -> list[dict]:
    return [c for c in sandbox.campaigns() if c["payload"].get("list_name", "").startswith(prefix)]


def creates(sandbox: Sandbox, prefix: str) -> list[dict]:
    return [r for r in sandbox.requests(CREATE) if f'"list_name": "{prefix}' in r["body"]]


def all_tis(prod: ProdStack, dag_id: str, run_id: str) -> list[dict]:
    return prod.task_instances(dag_id, run_id)


def drain(prod: ProdStack, dag_id: str) -> float:
    """Seconds from triggering the fan-out to its run's end, as Airflow reports them."""
    started = time.monotonic()
    run_id = prod.trigger(dag_id)
    assert prod.wait_run(dag_id, run_id, timeout=900) == "success"
    return time.monotonic() - started


def test_a_100_way_fan_out_runs_on_both_workers_once_each(prod: ProdStack) -> None:
    for dag_id in ("ps_fanout", "ps_fanout_baseline"):
        wait_for(dag_id, lambda dag_id=dag_id: prod.dag_ready(dag_id), timeout=180)
    baseline = drain(prod, "ps_fanout_baseline")
    ours = drain(prod, "ps_fanout")
    made = campaigns(prod.sandbox, "list-")
    (run,) = prod.api("GET", "/api/v2/dags/ps_fanout/dagRuns?limit=5")["dag_runs"]
    hosts = Counter(ti["hostname"] for ti in all_tis(prod, "ps_fanout", run["dag_run_id"]))
    FIGURES["fan_out"] = {
        "campaigns": {"expected": 100, "seen": len(made)},
        "request_ids": {"expected": 100, "seen": len({c["request_id"] for c in made})},
        "create_requests": {"expected": 100, "seen": len(creates(prod.sandbox, "list-"))},
        "tasks_per_worker": dict(hosts),
        "drain_seconds": {"VoiceCampaignOperator": round(ours, 1), "no-op PythonOperator": round(baseline, 1)},
        "drain_ratio": round(ours / baseline, 3),
    }
    assert len(made) == 100 and len({c["request_id"] for c in made}) == 100
    assert len(creates(prod.sandbox, "list-")) == 100
    assert set(hosts) == set(WORKERS), hosts  # truly spread: both workers ran some


HOLD = 3600.0  # seconds: campaigns stay in computation until the test lets them go (sandbox.finish())


def trigger_slow_campaigns(prod: ProdStack, dag_id: str, prefix: str, count: int) -> str:
    """Trigger the DAG and wait for its ``count`` campaigns, held in computation until ``prod.sandbox.finish()``.

    Held, not timed: on a loaded machine a fixed delay could run out before the last task waits.
    """
    wait_for(dag_id, lambda: prod.dag_ready(dag_id), timeout=180)
    prod.sandbox.configure(computation_delay=HOLD)
    try:
        run_id = prod.trigger(dag_id)
        wait_for(f"{count} campaigns", lambda: len(campaigns(prod.sandbox, prefix)) == count, timeout=300, interval=2)
    finally:
        prod.sandbox.configure(computation_delay=2)  # for campaigns created later
    return run_id


def sent_once(made: list[dict]) -> int:
    return sum(c["status"] == "sent" and c["send_calls"] == 1 for c in made)


def worker_of_most(prod: ProdStack, dag_id: str, run_id: str) -> str:
    running = Counter(ti["hostname"] for ti in all_tis(prod, dag_id, run_id) if ti["state"] == "running")
    return running.most_common(1)[0][0]


@pytest.mark.skipif(not AIRFLOW_V_3_3_PLUS, reason="resuming needs Airflow 3.3's task_state_store")
def test_a_worker_killed_while_20_tasks_wait_every_campaign_is_sent_once(prod: ProdStack) -> None:
    run_id = trigger_slow_campaigns(prod, "ps_wait", "wait-", 20)
    wait_for(
        "all 20 tasks to be waiting",
        lambda: sum(ti["state"] == "running" for ti in all_tis(prod, "ps_wait", run_id)) == 20,
        timeout=120,
        interval=2,
    )
    victim = worker_of_most(prod, "ps_wait", run_id)
    on_victim = sum(ti["hostname"] == victim for ti in all_tis(prod, "ps_wait", run_id))
    killed_at = time.monotonic()
    prod.stop(victim, signal.SIGKILL)  # the worker, its pool and every task under it, as a host dies
    prod.sandbox.finish()  # computations end: the other worker's tasks send now, the dead ones' retries later
    assert prod.wait_run("ps_wait", run_id, timeout=900) == "success"
    handed_on = time.monotonic() - killed_at
    prod.restart(victim)
    made = campaigns(prod.sandbox, "wait-")
    tis = all_tis(prod, "ps_wait", run_id)
    FIGURES["worker_killed"] = {
        "tasks_on_the_killed_worker": on_victim,
        "campaigns": {"expected": 20, "seen": len(made)},
        "sent_exactly_once": {
            "expected": 20,
            "seen": sent_once(made),
        },
        "left_prepared_or_cancelled": {"expected": 0, "seen": sum(c["status"] != "sent" for c in made)},
        "create_requests": {"expected": 20, "seen": len(creates(prod.sandbox, "wait-"))},
        "retried_tasks": sum(ti["try_number"] == 2 for ti in tis),
        "seconds_until_all_sent": round(handed_on, 1),
        "heartbeat_timeout": HEARTBEAT_TIMEOUT,
    }
    assert on_victim >= 1
    assert len(made) == 20 and sent_once(made) == 20
    assert len(creates(prod.sandbox, "wait-")) == 20  # the retries resumed: nothing created twice
    assert sum(ti["try_number"] == 2 for ti in tis) == on_victim


def test_a_triggerer_killed_while_50_tasks_wait_the_other_takes_over(prod: ProdStack) -> None:
    run_id = trigger_slow_campaigns(prod, "ps_defer", "defer-", 50)

    def held() -> Counter:
        """How many of the deferred tasks each triggerer (by host name) holds; None: not picked up yet."""
        jobs = prod.api("GET", "/api/v2/jobs?job_type=TriggererJob&limit=100")["jobs"]
        hosts = {job["id"]: job["hostname"] for job in jobs}
        tis = [ti for ti in all_tis(prod, "ps_defer", run_id) if ti["state"] == "deferred"]
        return Counter(hosts.get((ti.get("trigger") or {}).get("triggerer_id")) for ti in tis)

    wait_for(
        "all 50 tasks deferred to a triggerer", lambda: sum(held().values()) == 50 and None not in held(), timeout=180
    )
    holding = held()
    victim = holding.most_common(1)[0][0]
    prod.stop(victim, signal.SIGKILL)
    prod.sandbox.finish()
    assert prod.wait_run("ps_defer", run_id, timeout=600) == "success"
    prod.restart(victim)
    made = campaigns(prod.sandbox, "defer-")
    FIGURES["triggerer_killed"] = {
        "triggers_per_triggerer_before": dict(holding),
        "campaigns": {"expected": 50, "seen": len(made)},
        "sent_exactly_once": {
            "expected": 50,
            "seen": sent_once(made),
        },
        "create_requests": {"expected": 50, "seen": len(creates(prod.sandbox, "defer-"))},
    }
    assert set(holding) <= set(TRIGGERERS) and holding[victim] >= 1
    assert len(made) == 50 and sent_once(made) == 50
    assert len(creates(prod.sandbox, "defer-")) == 50


def test_the_scheduler_restarted_during_a_30_day_backfill(prod: ProdStack) -> None:
    wait_for("ps_backfill", lambda: prod.dag_ready("ps_backfill"), timeout=180)
    backfill = prod.create_backfill("ps_backfill", "--from-date", "2026-03-01", "--to-date", "2026-03-30")
    wait_for("the backfill under way", lambda: len(campaigns(prod.sandbox, "daily")) >= 5, timeout=300, interval=2)
    prod.stop("scheduler", signal.SIGKILL)
    prod.start("scheduler")
    prod.wait_backfill(backfill, timeout=900)
    made = [c for c in campaigns(prod.sandbox, "daily") if c["payload"]["text"].startswith("Report for 2026-03")]
    FIGURES["backfill_scheduler_restarted"] = {
        "campaigns": {"expected": 30, "seen": len(made)},
        "request_ids": {"expected": 30, "seen": len({c["request_id"] for c in made})},
        "days": {"expected": 30, "seen": len({c["payload"]["text"] for c in made})},
    }
    assert len(made) == 30 and len({c["request_id"] for c in made}) == 30
    assert sorted(c["payload"]["text"] for c in made) == [f"Report for 2026-03-{day:02d}" for day in range(1, 31)]


def test_a_5_day_backfill_on_one_account_sends_5_campaigns_taking_turns(prod: ProdStack) -> None:
    """Octopush holds one draft per account: the deferred tasks of a backfill, on two workers and two triggerers,
    wait for one another's turn and each sends its campaign."""
    wait_for("ps_turns_backfill", lambda: prod.dag_ready("ps_turns_backfill"), timeout=180)
    prod.sandbox.cancel_drafts()  # the earlier tests' prepared campaigns, awaiting validation still
    prod.sandbox.configure(one_draft=True)
    try:
        backfill = prod.create_backfill("ps_turns_backfill", "--from-date", "2026-04-01", "--to-date", "2026-04-05")
        prod.wait_backfill(backfill, timeout=600)
    finally:
        prod.sandbox.configure(one_draft=False)
    runs = prod.api("GET", "/api/v2/dags/ps_turns_backfill/dagRuns?limit=100")["dag_runs"]
    assert sorted(run["state"] for run in runs if run["run_type"] == "backfill") == ["success"] * 5
    made = [c for c in prod.sandbox.campaigns() if c["payload"]["text"].startswith("Digest for 2026-04")]
    assert sorted(c["payload"]["text"] for c in made) == [f"Digest for 2026-04-0{day}" for day in range(1, 6)]
    assert {(c["status"], c["send_calls"]) for c in made} == {("sent", 1)}


BURST = 10_000  # reports, each posted once more for one in 20 (Octopush may repeat a report)
BURST_RATE = 300  # reports a second, as Octopush calls back while a big campaign is being phoned


class Burst:
    """Octopush calling back: reports posted at ``BURST_RATE`` by a few threads, each one posted again until
    the receiver answers 200 (a refused connection while the API server restarts is no answer)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.acknowledged: set[str] = set()
        self.latencies: list[float] = []
        self.lock = threading.Lock()

    def post(self, report: dict[str, str], due: float, session: requests.Session) -> None:
        time.sleep(max(0.0, due - time.monotonic()))
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            sent = time.monotonic()
            try:
                answer = session.post(self.url, json=report, timeout=5)
            except requests.RequestException:
                answer = None
            if answer is not None and answer.status_code == 200:
                with self.lock:
                    self.acknowledged.add(report["number"])
                    self.latencies.append(time.monotonic() - sent)
                return
            time.sleep(0.2)
        raise AssertionError(f"the report of {report['number']} was never acknowledged")


def api_server_rss(prod: ProdStack) -> int:
    """The resident memory of the API server and every process it started, in bytes."""
    import psutil

    root = psutil.Process(prod.processes["api-server"].pid)
    return sum(process.memory_info().rss for process in [root, *root.children(recursive=True)])


def stored_reports(prod: ProdStack, message_id: str) -> list[dict]:
    """Every report the receiver holds for ``message_id``, read page by page as the results sensor does."""
    rows: list[dict] = []
    after: int | None = 0
    while after is not None:
        page = requests.get(
            f"{prod.url}/octopush/results/octopush_default",
            params={"message_id": message_id, "after": after},
            headers={"Authorization": f"Bearer {CALLBACK_SECRET}"},
            timeout=60,
        ).json()
        rows, after = rows + page["reports"], page["next"]
    return rows


@pytest.mark.timeout(600)  # 35 s of posting at the least, and an API server restart on loaded cores
def test_a_burst_of_10000_callbacks_with_the_api_server_killed_midway_stores_each_report_once(
    prod: ProdStack,
) -> None:
    """Every report the API server acknowledged is still there after it is killed (-9) and started again, and
    each report, however often posted, is stored once; the memory of the API server stays flat."""
    numbers = [f"+336{index:08d}" for index in range(BURST)]
    reports = [{"message_id": "voice_burst", "number": number, "status": "DELIVERED"} for number in numbers]
    reports += reports[::20]  # the repeats, posted last
    burst = Burst(f"{prod.url}/octopush/callbacks/octopush_default/{CALLBACK_SECRET}")
    sessions = threading.local()

    def post(index: int, report: dict[str, str], start: float) -> None:
        if not hasattr(sessions, "session"):
            sessions.session = requests.Session()
        burst.post(report, start + index / BURST_RATE, sessions.session)

    with ThreadPoolExecutor(max_workers=16) as pool:
        start = time.monotonic()
        posted = [pool.submit(post, index, report, start) for index, report in enumerate(reports)]
        wait_for("1000 acknowledged reports", lambda: len(burst.acknowledged) >= 1000, timeout=120, interval=0.1)
        memory_early = api_server_rss(prod)
        wait_for("5000 acknowledged reports", lambda: len(burst.acknowledged) >= 5000, timeout=120, interval=0.1)
        memory_midway = api_server_rss(prod)
        with burst.lock:  # what the API server had acknowledged when it was killed
            before_kill = set(burst.acknowledged)
            prod.stop("api-server", signal.SIGKILL)
        prod.start("api-server")
        wait_for("the API server to answer again", prod.healthy, timeout=300, interval=1)
        for future in posted:
            future.result()
        elapsed = time.monotonic() - start
    rows = stored_reports(prod, "voice_burst")
    stored = Counter(row["number"] for row in rows)
    latencies = sorted(burst.latencies)
    FIGURES["callback_burst"] = {
        "reports": len(reports),
        "acknowledged_before_the_kill": len(before_kill),
        "stored": len(rows),
        "seconds": round(elapsed, 1),
        "p99_answer_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1),
        "api_server_rss_mb_at_1000_and_5000": [round(memory_early / 2**20), round(memory_midway / 2**20)],
    }
    print(f"\ncallback burst: {FIGURES['callback_burst']}")
    assert before_kill <= set(stored), f"acknowledged, then lost: {sorted(before_kill - set(stored))[:10]}"
    assert set(stored) == set(numbers) and max(stored.values()) == 1, FIGURES["callback_burst"]
    assert len(rows) == BURST
    assert memory_midway - memory_early < 64 * 2**20, FIGURES["callback_burst"]  # nothing kept per report


def redis_values(port: int) -> bytes:
    """Every key and value in the broker, as bytes."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    found = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key).decode()
        value: object = {
            "string": lambda key=key: client.get(key),
            "list": lambda key=key: client.lrange(key, 0, -1),
            "hash": lambda key=key: client.hgetall(key),
            "set": lambda key=key: client.smembers(key),
            "zset": lambda key=key: client.zrange(key, 0, -1),
        }.get(kind, lambda: b"")()
        found.append(repr((key, value)).encode())
    return b"\n".join(found)


def test_the_api_key_is_in_no_log_no_row_and_no_celery_message(prod: ProdStack) -> None:
    found = [
        str(path) for path in prod.home.rglob("*") if path.is_file() and API_KEY in path.read_text(errors="replace")
    ]
    dump = subprocess.run(
        [postgres_binary("pg_dump"), "-h", "127.0.0.1", "-p", str(prod.services.pg_port), "-U", "postgres", "airflow"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "INSERT INTO" in dump or "COPY public.task_instance" in dump  # the dump has the rows
    assert "Creating an Octopush voice campaign" in "".join(
        path.read_text(errors="replace") for path in (prod.home / "logs").rglob("*.log")
    )  # the scan saw real task logs
    if API_KEY in dump:
        found.append("the PostgreSQL database")
    broker = redis_values(prod.services.redis_port)
    assert b"_kombu.binding" in broker  # the scan saw what Celery keeps in the broker
    if API_KEY.encode() in broker:
        found.append("the Redis broker")
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "prodstack-figures.json").write_text(json.dumps(FIGURES, indent=2) + "\n")
    print(f"\nproduction-like stack figures: {json.dumps(FIGURES)}")
    assert not found, f"the API key appears in: {found}"
