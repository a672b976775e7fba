"""Where the receiver keeps delivery reports: a table of the provider's own in Airflow's metadata database.

Only the API server writes and reads it (tasks and triggers have no database access in Airflow 3: they read
through the receiver's authenticated ``/results`` route). One row per connection, ticket, number and status,
so that a report Octopush sends twice is kept once. The table is created when the receiver first needs it
(``create_all`` with ``checkfirst``, under Airflow's migration lock, as edge3 does), outside Airflow's own
migrations: ``airflow db reset`` leaves it, ``airflow db clean`` does not prune it; the receiver deletes
reports older than the retention itself.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Column, Float, Index, Integer, MetaData, String, Table, UniqueConstraint
from sqlalchemy.exc import IntegrityError

if TYPE_CHECKING:
    from airflow_provider_octopush.rules.reports import DeliveryReport

TABLE_NAME = "octopush_delivery_report"
METADATA = MetaData()


def _table() -> Table:
    from airflow.utils.sqlalchemy import UtcDateTime  # the API server's Airflow, imported when the table is built

    return Table(
        TABLE_NAME,
        METADATA,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("conn_id", String(250), nullable=False),
        Column("message_id", String(64), nullable=False),
        Column("number", String(32), nullable=False),
        Column("status", String(64), nullable=False),
        Column("outcome", String(32), nullable=False),
        Column("channel", String(32)),
        Column("delivery_date", String(32)),
        Column("pressed_keys", String(64)),
        Column("call_duration", Float),
        Column("charged_duration", Float),
        Column("received_at", UtcDateTime, nullable=False),
        UniqueConstraint("conn_id", "message_id", "number", "status", name=f"{TABLE_NAME}_once"),
        Index(f"idx_{TABLE_NAME}_ticket", "conn_id", "message_id", "id"),
        Index(f"idx_{TABLE_NAME}_received_at", "received_at"),
    )


REPORTS = _table()
REPORT_FIELDS = (
    "number",
    "status",
    "outcome",
    "channel",
    "delivery_date",
    "pressed_keys",
    "call_duration",
    "charged_duration",
)
_created = threading.Event()
_creating = threading.Lock()


def _session() -> Any:
    from airflow.utils.session import create_session

    return create_session()


def ensure_table() -> None:
    """Create the table once per process, if the database does not have it yet."""
    if _created.is_set():
        return
    with _creating:
        if _created.is_set():
            return
        from airflow.utils.db import DBLocks, create_global_lock

        with _session() as session, create_global_lock(session=session, lock=DBLocks.MIGRATIONS):
            METADATA.create_all(session.get_bind(), checkfirst=True)
        _created.set()


def save(conn_id: str, report: DeliveryReport, received_at: datetime) -> bool:
    """Store one report; False when this connection already holds it (a duplicate, kept once)."""
    ensure_table()
    row = {"conn_id": conn_id, "message_id": report.message_id, "received_at": received_at}
    row.update({name: getattr(report, name) for name in REPORT_FIELDS})
    try:
        with _session() as session:
            session.execute(REPORTS.insert().values(**row))
    except IntegrityError:
        return False
    return True


def read(conn_id: str, message_id: str, *, after: int, limit: int) -> list[dict[str, Any]]:
    """A page of one ticket's reports on one connection, in the order they were stored, after row ``after``."""
    ensure_table()
    columns = [REPORTS.c.id, *(REPORTS.c[name] for name in REPORT_FIELDS), REPORTS.c.received_at]
    query = (
        REPORTS.select()
        .with_only_columns(*columns)
        .where(REPORTS.c.conn_id == conn_id, REPORTS.c.message_id == message_id, REPORTS.c.id > after)
        .order_by(REPORTS.c.id)
        .limit(limit)
    )
    with _session() as session:
        return [dict(row._mapping) for row in session.execute(query)]


def delete_older_than(age: timedelta, now: datetime | None = None) -> int:
    """Forget the reports received more than ``age`` ago; how many went."""
    ensure_table()
    cutoff = (now or datetime.now(timezone.utc)) - age
    with _session() as session:
        return session.execute(REPORTS.delete().where(REPORTS.c.received_at < cutoff)).rowcount
