"""The example DAGs import cleanly and run against the sandbox (the approval example: test_approval_dag.py)."""

from __future__ import annotations

import json
import runpy
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from conftest import DAGS_FOLDER, ROOT, Sandbox, task_states, xcoms

from airflow_provider_octopush.version_compat import AIRFLOW_V_3_2_PLUS

if TYPE_CHECKING:
    from pathlib import Path

EXAMPLES = sorted((ROOT / "dags_examples").glob("*.py"))


# One interpreter imports Airflow's SDK once and forks a child per example, as the DAG processor does: each child
# starts from the SDK alone and reports what its import did (an error, a warning, an HTTP library loaded).
_IMPORTER = """
import json, os, runpy, sys, traceback, warnings
import airflow.sdk
assert "requests" not in sys.modules, "airflow.sdk itself imported requests"
for path in sys.argv[1:]:
    read, write = os.pipe()
    if os.fork() == 0:
        os.close(read)
        try:
            warnings.simplefilter("error")
            dags = [v for v in runpy.run_path(path).values() if type(v).__name__ == "DAG"]
            assert len(dags) == 1 and dags[0].tasks, dags
            assert "requests" not in sys.modules, "requests imported at parse time"
            outcome = ""
        except BaseException:
            outcome = traceback.format_exc()
        os.write(write, outcome.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as child:
        print("outcome", json.dumps({path: child.read()}), flush=True)
    os.wait()
"""


@pytest.fixture(scope="module")
def example_imports() -> dict[str, str]:
    """Each example's path and the traceback its import raised ("" when it imported cleanly)."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTER, *map(str, EXAMPLES)], check=True, capture_output=True, text=True
    )
    lines = [line.removeprefix("outcome ") for line in done.stdout.splitlines() if line.startswith("outcome ")]
    return {path: outcome for line in lines for path, outcome in json.loads(line).items()}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_example_imports_cleanly(path: Path, example_imports: dict[str, str]) -> None:
    """Imported in a fresh interpreter, as the DAG processor does: no error, no warning, no HTTP library."""
    if path.stem == "octopush_deadline_alert" and not AIRFLOW_V_3_2_PLUS:
        pytest.skip("Deadline Alerts are in airflow.sdk from Airflow 3.2 (docs/notifier.md: Deadline Alerts)")
    assert example_imports[str(path)] == ""


def example_dag(name: str) -> Any:
    target = DAGS_FOLDER / f"example_{name}.py"
    shutil.copy(ROOT / "dags_examples" / f"{name}.py", target)
    return runpy.run_path(str(target))["dag"]


@pytest.mark.dag
def test_tag_simulation_example_runs(octopush_conn: Sandbox, airflow_db: Path) -> None:
    run = example_dag("octopush_tag_simulation").test(run_conf={"tag_name": "night-shift"})
    assert run.state == "success"
    (campaign,) = octopush_conn.campaigns()
    assert campaign["payload"]["tag_name"] == "night-shift" and campaign["payload"]["simulation_mode"] is True


@pytest.mark.dag
def test_daily_reminder_example_calls_at_half_past_eight_paris_time(octopush_conn: Sandbox, airflow_db: Path) -> None:
    from datetime import datetime, timezone

    run = example_dag("octopush_daily_reminder").test(logical_date=datetime(2030, 6, 1, 22, 0, tzinfo=timezone.utc))
    assert run.state == "success"
    (campaign,) = octopush_conn.campaigns()
    assert campaign["payload"]["send_at"] == "2030-06-02T08:30:00+02:00"
    assert xcoms(run, "call_volunteers")["return_value"] == campaign["ticket_number"]
    # "phone the list" means validated: Octopush calls at 08:30 (the example used to prepare it only)
    assert campaign["status"] == "sent" and campaign["send_calls"] == 1


@pytest.mark.dag
def test_send_with_budget_example_sends_once(octopush_conn: Sandbox, airflow_db: Path) -> None:
    octopush_conn.configure(computation_delay=0, contacts=30)
    run = example_dag("octopush_send_with_budget").test()
    assert run.state == "success"
    (campaign,) = octopush_conn.campaigns()
    assert campaign["status"] == "sent" and campaign["send_calls"] == 1
    assert "12 missing deliveries" in campaign["payload"]["text"]


@pytest.mark.dag
def test_failure_alert_example_phones_on_call(octopush_conn: Sandbox, airflow_db: Path) -> None:
    octopush_conn.configure(computation_delay=0, contacts=3)
    run = example_dag("octopush_failure_alert").test()
    assert run.state == "failed"
    (campaign,) = octopush_conn.campaigns()
    assert campaign["status"] == "sent"
    assert campaign["payload"]["text"].startswith("Alert. Task load_orders of DAG octopush_failure_alert failed.")


@pytest.mark.dag
def test_on_call_alert_example_phones_the_roster_once(octopush_conn: Sandbox, airflow_db: Path) -> None:
    run = example_dag("octopush_on_call_alert").test()
    assert run.state == "success"
    (message,) = octopush_conn.messages()
    assert message["recipients"] == [
        {"phone_number": "+33612345678", "param1": "Ada"},
        {"phone_number": "+33700000001", "param1": "Linus"},
    ]
    assert message["payload"]["purpose"] == "alert"
    assert message["payload"]["text"].startswith("Alert from Airflow: 3 nightly checks failed.")
    assert xcoms(run, "phone_on_call")["return_value"]["tickets"] == [message["ticket_number"]]


def test_the_code_in_the_docs_is_the_code_the_tests_run() -> None:
    """README's and docs/' snippet blocks hold the example DAGs' marked regions (python3 dev.py snippets)."""
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import snippets
    finally:
        sys.path.remove(str(ROOT / "docs"))
    documents = snippets.documents()
    assert sum(text.count("<!-- snippet:") for text in (path.read_text() for path in documents)) >= 1
    for path in documents:
        assert snippets.render(path.read_text()) == path.read_text(), f"{path.name}: run python3 dev.py snippets"


@pytest.mark.dag
def test_sms_failure_alert_example_texts_the_on_call_numbers_once(octopush_conn: Sandbox, airflow_db: Path) -> None:
    run = example_dag("octopush_sms_failure_alert").test()
    assert run.state == "failed"
    (sms,) = octopush_conn.sms()
    assert [row["phone_number"] for row in sms["recipients"]] == ["+33612345678", "+33700000001"]
    assert sms["payload"]["type"] == "sms_premium" and sms["payload"]["purpose"] == "alert"
    failed = f"load_orders of octopush_sms_failure_alert failed ({run.logical_date:%Y-%m-%d})"
    assert sms["payload"]["text"] == f"Airflow: {failed}. See the task's log."
    assert octopush_conn.campaigns() == [] and octopush_conn.messages() == []


@pytest.mark.dag
@pytest.mark.parametrize(
    ("cost_per_contact", "state", "status"), [(0.06, "success", "sent"), (1.5, "failed", "cancelled")]
)
def test_sms_campaign_example_texts_the_filled_list_within_its_budget(
    octopush_conn: Sandbox, airflow_db: Path, cost_per_contact: float, state: str, status: str
) -> None:
    from datetime import datetime, timezone

    octopush_conn.configure(computation_delay=0, cost_per_contact=cost_per_contact)
    run = example_dag("octopush_sms_campaign_with_budget").test(logical_date=datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert run.state == state
    members = octopush_conn.lists()["sms-deliveries-20300101"]
    assert [row["phone_number"] for row in members] == ["+33612345678", "+33700000001"]
    (campaign,) = octopush_conn.campaigns()
    assert campaign["channel"] == "sms" and campaign["contacts"] == 2  # the list's two rows, 1 part each
    assert campaign["status"] == status and campaign["send_calls"] == (1 if status == "sent" else 0)
    assert campaign["payload"]["with_replies"] is True


@pytest.mark.dag
def test_rows_to_campaign_example_fills_the_list_and_calls_exactly_those_rows(
    octopush_conn: Sandbox, airflow_db: Path
) -> None:
    octopush_conn.configure(computation_delay=0)
    octopush_conn.fill_list("deliveries-20300101", ["+33799999999"])  # yesterday's leftover: sync removes it
    from datetime import datetime, timezone

    run = example_dag("octopush_rows_to_campaign").test(logical_date=datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert run.state == "success"
    members = octopush_conn.lists()["deliveries-20300101"]
    assert [row["phone_number"] for row in members] == ["+33612345678", "+33700000001"]
    assert members[0] == {
        "phone_number": "+33612345678",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "param1": "9:00",
    }
    filled = xcoms(run, "fill_list")["return_value"]
    assert (filled["sent"], filled["refused"], filled["emptied"]) == (2, 1, True)
    assert filled["refused_rows"][0]["row"] == 2
    (campaign,) = octopush_conn.campaigns()
    assert campaign["status"] == "sent" and campaign["contacts"] == 2


@pytest.mark.dag
def test_appointment_reminder_sends_confirmed_cancelled_and_unreached_to_their_tasks(
    results_account: Sandbox, airflow_db: Path
) -> None:
    results_account.configure(
        reports={
            "+33600000101": {"status": "DELIVERED", "pressed_keys_code": "1"},
            "+33600000102": {"status": "DELIVERED", "pressed_keys_code": "2"},
            "+33600000103": {"status": "BUSY"},
            "+33600000104": {"status": "DELIVERED"},  # answered, pressed nothing
        },
        ack_first=True,
        duplicate_reports=1,
    )
    from datetime import datetime, timezone

    run = example_dag("octopush_appointment_reminder").test(logical_date=datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert run.state == "success"
    assert xcoms(run, "confirm_in_calendar")["return_value"] == ["+33600000101"]
    assert xcoms(run, "free_the_slots")["return_value"] == ["+33600000102"]
    assert xcoms(run, "front_desk_calls")["return_value"] == ["+33600000103", "+33600000104"]
    (campaign,) = results_account.campaigns()
    assert campaign["payload"]["get_back_pressed_keys"] is True and campaign["contacts"] == 4


def _on_call_escalation(acknowledge_within: float) -> Any:
    """The escalation example, each wait for a 1 shortened to ``acknowledge_within`` seconds."""
    dag = example_dag("octopush_on_call_escalation")
    for sensor in (task for task in dag.tasks if task.task_id.startswith("answer_")):
        sensor.deadline, sensor.poke_interval = acknowledge_within, 0.2
    return dag


@pytest.mark.dag
def test_on_call_escalation_phones_the_next_until_one_presses_1_and_nobody_after(
    results_account: Sandbox, airflow_db: Path
) -> None:
    results_account.configure(
        reports={
            "+33600000201": {"status": "BUSY"},
            "+33600000202": {"status": "DELIVERED", "pressed_keys_code": "1"},
            "+33600000203": {"status": "DELIVERED", "pressed_keys_code": "1"},
        },
        duplicate_reports=1,
    )
    run = _on_call_escalation(acknowledge_within=60).test()
    assert run.state == "success"
    phoned = [message["recipients"][0]["phone_number"] for message in results_account.messages()]
    assert phoned == ["+33600000201", "+33600000202"]
    states = task_states(run)
    assert states["nobody_acknowledged_0"] == "success" and states["phone_2"] == "skipped"
    assert states["rota_silent"] == "skipped"
    assert xcoms(run, "answer_1")["pressed_keys"] == {"+33600000202": "1"}


@pytest.mark.dag
def test_on_call_escalation_fails_when_the_whole_rota_stays_silent(results_account: Sandbox, airflow_db: Path) -> None:
    results_account.configure(
        reports={
            "+33600000201": {"status": "DELIVERED"},  # answered, pressed nothing
            "+33600000202": None,  # Octopush never reports
            "+33600000203": {"status": "DELIVERED", "pressed_keys_code": "2"},
        }
    )
    run = _on_call_escalation(acknowledge_within=1).test()
    assert run.state == "failed"
    phoned = [message["recipients"][0]["phone_number"] for message in results_account.messages()]
    assert phoned == ["+33600000201", "+33600000202", "+33600000203"]
    assert task_states(run)["rota_silent"] == "failed"
    assert xcoms(run, "answer_1")["return_value"]["missing"] == ["+33600000202"]
