"""ContactListOperator in real DAG runs against the sandbox: the list ends up as asked, whatever is lost or retried."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from conftest import xcoms

from airflow_provider_octopush.api.facts import CONTACTS_CREATE_PATH, CONTACTS_DELETE_PATH, LIST_EMPTY_PATH

if TYPE_CHECKING:
    from conftest import Sandbox

pytestmark = pytest.mark.dag


def rows(count: int, start: int = 0) -> str:
    return repr([{"phone_number": f"+336{index:08d}", "param1": str(index)} for index in range(start, start + count)])


def members(sandbox: Sandbox, name: str = "staff") -> list[str]:
    return [row["phone_number"] for row in sandbox.lists()[name]]


def test_rows_go_in_batches_into_a_list_created_for_them(octopush_conn: Sandbox, make_dag: Any) -> None:
    run = make_dag(tasks=f'ContactListOperator(task_id="call", contacts={rows(1201)}, list_name="staff")').test()
    assert run.state == "success"
    assert members(octopush_conn) == [f"+336{index:08d}" for index in range(1201)]
    assert [len(json.loads(item["body"])["contacts"]) for item in octopush_conn.requests(CONTACTS_CREATE_PATH)] == [
        500,
        500,
        201,
    ]
    result = xcoms(run)["return_value"]
    assert (result["sent"], result["batches"], result["refused"], result["list_created"]) == (1201, 3, 0, True)


def test_sync_leaves_exactly_the_rows_given_and_remove_takes_them_off(octopush_conn: Sandbox, make_dag: Any) -> None:
    octopush_conn.fill_list("staff", ["+33799999999", "+33600000001"])
    run = make_dag(
        tasks=f'ContactListOperator(task_id="call", contacts={rows(3)}, list_name="staff", mode="sync")'
    ).test()
    assert run.state == "success"
    assert members(octopush_conn) == ["+33600000000", "+33600000001", "+33600000002"]
    assert xcoms(run)["return_value"]["list_created"] is False  # it existed: 302, taken as "there"
    run = make_dag(
        tasks='ContactListOperator(task_id="call", contacts=["+33600000001"], list_name="staff", mode="remove")'
    ).test()
    assert run.state == "success"
    assert members(octopush_conn) == ["+33600000000", "+33600000002"]
    assert len(octopush_conn.requests(CONTACTS_DELETE_PATH)) == 1


def test_bad_rows_stop_everything_or_are_skipped_and_reported(octopush_conn: Sandbox, make_dag: Any) -> None:
    bad = '["+33600000000", "0600000001", {"phone_number": "+33600000002", "nickname": "x"}, "+33600000003"]'
    dag = make_dag(
        tasks='ContactListOperator(task_id="call", contacts="{{ dag_run.conf[\'rows\'] }}", list_name="staff")'
    )
    assert dag.test(run_conf={"rows": bad}).state == "failed"
    assert octopush_conn.requests() == []  # one bad row: nothing sent
    run = make_dag(
        tasks=f'ContactListOperator(task_id="call", contacts={bad}, list_name="staff", on_bad_row="skip")'
    ).test()
    assert run.state == "success"
    assert members(octopush_conn) == ["+33600000000", "+33600000003"]
    result = xcoms(run)["return_value"]
    assert result["refused"] == 2
    assert [(item["row"], item["reason"].split(":")[0]) for item in result["refused_rows"]] == [
        (1, "contacts[1].phone_number"),
        (2, "contacts[2].nickname"),
    ]


def test_a_lost_answer_or_a_failed_batch_is_replayed_and_the_list_ends_right(
    octopush_conn: Sandbox, make_dag: Any
) -> None:
    """A batch whose answer is lost is replayed (harmless: a contact is keyed by its number); a batch failing
    beyond the hook's retries fails the try, and the task's retry syncs the whole list again."""
    octopush_conn.fault(path=CONTACTS_CREATE_PATH, drop="after", match="+33600000500")
    octopush_conn.fault(path=CONTACTS_CREATE_PATH, status=503, match="+33600001000", times=3)
    run = make_dag(
        tasks=f'ContactListOperator(task_id="call", contacts={rows(1201)}, list_name="staff", mode="sync")',
        retries=1,
    ).test()
    assert run.state == "success"
    assert members(octopush_conn) == [f"+336{index:08d}" for index in range(1201)]
    assert len(octopush_conn.requests(LIST_EMPTY_PATH)) == 2  # one per try


def test_too_many_contacts_in_one_call_says_to_lower_batch_size(octopush_conn: Sandbox, make_dag: Any) -> None:
    octopush_conn.configure(contacts_per_call=100)
    dag = make_dag(tasks=f'ContactListOperator(task_id="call", contacts={rows(150)}, list_name="staff")', retries=2)
    run = dag.test()
    assert run.state == "failed"
    assert len(octopush_conn.requests(CONTACTS_CREATE_PATH)) == 1  # no retry can help
    run = make_dag(
        tasks=f'ContactListOperator(task_id="call", contacts={rows(150)}, list_name="staff", batch_size=100)'
    ).test()
    assert run.state == "success" and len(members(octopush_conn)) == 150


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            'contacts=["+33600000000"], list_name="x" * 31',
            "'list_name': .* has 31 characters. Rule: at most 30",
        ),
        (
            'contacts=["+33600000000"], tag_name="t" * 21',
            "'tag_name': .* has 21 characters. Rule: at most 20",
        ),
        ('contacts=["+33600000000"], tag_name="vip", mode="sync"', "Parameter 'list_name': is not set"),
        ('contacts=["+33600000000"], list_name="staff", mode="replace"', "Argument 'mode'"),
        ('contacts=["+33600000000"], list_name="staff", batch_size=0', "Argument 'batch_size'"),
        ('contacts=["0600000000"], list_name="staff"', "1 of 1 rows are refused"),
    ],
)
def test_a_bad_literal_fails_when_the_dag_file_loads(make_dag: Any, arguments: str, message: str) -> None:
    with pytest.raises(Exception, match=message):
        make_dag(tasks=f'ContactListOperator(task_id="call", {arguments})')


@pytest.mark.parametrize(("mode", "path"), [("sync", LIST_EMPTY_PATH), ("remove", CONTACTS_DELETE_PATH)])
def test_an_empty_or_a_remove_whose_answer_is_lost_is_replayed(
    octopush_conn: Sandbox, make_dag: Any, mode: str, path: str
) -> None:
    octopush_conn.fill_list("staff", ["+33600000000", "+33600000001", "+33799999999"])
    octopush_conn.fault(path=path, drop="after")  # done by Octopush, the answer lost
    run = make_dag(
        tasks=f'ContactListOperator(task_id="call", contacts={rows(2)}, list_name="staff", mode="{mode}")'
    ).test()
    assert run.state == "success"
    assert len(octopush_conn.requests(path)) == 2
    expected = ["+33600000000", "+33600000001"] if mode == "sync" else ["+33799999999"]
    assert members(octopush_conn) == expected
