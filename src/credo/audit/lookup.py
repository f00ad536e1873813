"""Finding events: filters by LookupEvents' attributes and a time range, newest first, paged.

The one query behind CloudTrail's LookupEvents and ``credo audit``. Pages are cut by a cursor
(the last event's time and id), so a page never repeats or skips an event written meanwhile
into an older part of the range.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, false, or_, select

from credo.store.schema import audit_event_resources, audit_events

# LookupEvents' attribute keys, each with the column (or resource column) it matches exactly.
ATTRIBUTES = (
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
)
_COLUMNS = {
    "EventId": audit_events.c.id,
    "EventName": audit_events.c.event_name,
    "Username": audit_events.c.user_name,
    "EventSource": audit_events.c.event_source,
    "AccessKeyId": audit_events.c.access_key_id,
}


@dataclass(frozen=True)
class Query:
    """Which events: of one account (``None``: every account), matching every filter, in a range."""

    account_id: str | None = None
    filters: tuple[tuple[str, str], ...] = ()
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the time and id of its last (oldest) event."""

    event_time: datetime
    event_id: str


@dataclass(frozen=True)
class Found:
    """One event as lookups return it."""

    id: str
    event_time: datetime
    event_name: str
    event_source: str
    read_only: bool
    access_key_id: str | None
    user_name: str | None
    resources: list[dict[str, str]]
    event: str

    def record(self) -> dict[str, Any]:
        """The CloudTrail record itself."""
        parsed: dict[str, Any] = json.loads(self.event)
        return parsed


def as_utc(moment: datetime) -> datetime:
    """SQLite gives times back without a zone; they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def page(
    conn: Connection, query: Query, limit: int, after: Cursor | None = None
) -> tuple[list[Found], Cursor | None]:
    """Up to ``limit`` events, newest first, after ``after``; and the cursor of the next page, if any."""
    statement = _select(query)
    if after is not None:
        statement = statement.where(
            or_(
                audit_events.c.event_time < after.event_time,
                and_(audit_events.c.event_time == after.event_time, audit_events.c.id < after.event_id),
            )
        )
    statement = statement.order_by(audit_events.c.event_time.desc(), audit_events.c.id.desc()).limit(
        limit + 1
    )
    found = [_found(row) for row in conn.execute(statement)]
    if len(found) <= limit:
        return found, None
    found = found[:limit]
    return found, Cursor(found[-1].event_time, found[-1].id)


def recent(conn: Connection, query: Query, since: datetime, limit: int = 1000) -> list[Found]:
    """Events at or after ``since``, oldest first (``credo audit --follow``)."""
    statement = (
        _select(query)
        .where(audit_events.c.event_time >= since)
        .order_by(audit_events.c.event_time, audit_events.c.id)
        .limit(limit)
    )
    return [_found(row) for row in conn.execute(statement)]


def _select(query: Query) -> Select[Any]:
    statement = select(
        audit_events.c.id,
        audit_events.c.event_time,
        audit_events.c.event_name,
        audit_events.c.event_source,
        audit_events.c.read_only,
        audit_events.c.access_key_id,
        audit_events.c.user_name,
        audit_events.c.resources,
        audit_events.c.event,
    )
    if query.account_id is not None:
        statement = statement.where(audit_events.c.account_id == query.account_id)
    if query.start is not None:
        statement = statement.where(audit_events.c.event_time >= query.start)
    if query.end is not None:
        statement = statement.where(audit_events.c.event_time <= query.end)
    return statement.where(*_conditions(query.filters))


def _conditions(filters: Sequence[tuple[str, str]]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for key, value in filters:
        if key in _COLUMNS:
            conditions.append(_COLUMNS[key] == value)
        elif key == "ReadOnly":
            conditions.append(
                audit_events.c.read_only == (value == "true") if value in ("true", "false") else false()
            )
        elif key in ("ResourceName", "ResourceType"):
            column = (
                audit_event_resources.c.resource_name
                if key == "ResourceName"
                else audit_event_resources.c.resource_type
            )
            conditions.append(
                audit_events.c.id.in_(select(audit_event_resources.c.event_id).where(column == value))
            )
        else:
            conditions.append(false())
    return conditions


def _found(row: Any) -> Found:
    return Found(
        id=row.id,
        event_time=as_utc(row.event_time),
        event_name=row.event_name,
        event_source=row.event_source,
        read_only=bool(row.read_only),
        access_key_id=row.access_key_id,
        user_name=row.user_name,
        resources=json.loads(row.resources),
        event=row.event,
    )
