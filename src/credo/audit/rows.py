"""Writing events: an ``audit_events`` row and its ``audit_event_resources`` rows.

Batches are inserted through the driver's own ``executemany`` with values already in the
database's terms (SQLite: the text SQLAlchemy writes for a time, 0/1 for a boolean): the flush
inserts every read-only call's event, and SQLAlchemy's per-row processing would be most of its
cost. The columns and formats are those of ``credo.store.schema``, which reads them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, update

from credo.audit.events import EventRow
from credo.store.schema import audit_event_resources, audit_events

_EVENT_COLUMNS = (
    "id",
    "event_time",
    "account_id",
    "event_source",
    "event_name",
    "user_name",
    "access_key_id",
    "read_only",
    "resources",
    "event",
)


def insert_rows(conn: Connection, rows: Sequence[EventRow]) -> None:
    """Insert events (one ``executemany`` for all, and one for all their resources)."""
    if not rows:
        return
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO audit_events ({', '.join(_EVENT_COLUMNS)}) VALUES ({', '.join([mark] * len(_EVENT_COLUMNS))})",
        [_driver_values(row, sqlite) for row in rows],
    )
    resources = [(row.id, kind[:64], name[:2048]) for row in rows for kind, name in row.resources]
    if resources:
        conn.exec_driver_sql(
            "INSERT INTO audit_event_resources (event_id, resource_type, resource_name) "
            f"VALUES ({mark}, {mark}, {mark})",
            resources,
        )


def _driver_values(row: EventRow, sqlite: bool) -> tuple[Any, ...]:
    values = row.values()
    if sqlite:
        # SQLAlchemy's SQLite DateTime text (UTC, always with microseconds), and 0/1.
        values["event_time"] = row.event_time.replace(tzinfo=None).isoformat(" ", "microseconds")
        values["read_only"] = 1 if row.read_only else 0
    return tuple(values[column] for column in _EVENT_COLUMNS)


def replace_row(conn: Connection, row: EventRow) -> None:
    """The complete record of an event written earlier in part (or, if that write was rolled
    back after all, the record itself)."""
    values = row.values()
    del values["id"]
    found = conn.execute(update(audit_events).where(audit_events.c.id == row.id).values(**values)).rowcount
    if not found:
        insert_rows(conn, [row])
        return
    conn.execute(delete(audit_event_resources).where(audit_event_resources.c.event_id == row.id))
    if row.resources:
        conn.execute(
            audit_event_resources.insert(),
            [
                {"event_id": row.id, "resource_type": kind[:64], "resource_name": name[:2048]}
                for kind, name in row.resources
            ],
        )
