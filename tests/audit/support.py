"""Reading the audit trail in tests: through LookupEvents (as root), and straight from the store."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import create_engine, select

from credo.store.db import normalize_url
from credo.store.schema import audit_event_resources, audit_events
from tests.conftest import Server


def lookup(
    server: Server, *, key: str | None = None, value: str | None = None, **kwargs: Any
) -> list[dict[str, Any]]:
    """Every page of LookupEvents (the dev root's), newest first."""
    client = server.client("cloudtrail")
    if key is not None:
        kwargs["LookupAttributes"] = [{"AttributeKey": key, "AttributeValue": value}]
    events: list[dict[str, Any]] = []
    for page in client.get_paginator("lookup_events").paginate(**kwargs):
        events += page["Events"]
    return events


def records(server: Server, event_name: str, **kwargs: Any) -> list[dict[str, Any]]:
    """The CloudTrail records of ``event_name`` events, newest first."""
    found = lookup(server, key="EventName", value=event_name, **kwargs)
    return [json.loads(event["CloudTrailEvent"]) for event in found]


def record_of(server: Server, event_name: str, request_id: str | None = None) -> dict[str, Any]:
    """The one record of ``event_name`` (with ``request_id``, when given)."""
    found = [r for r in records(server, event_name) if request_id is None or r.get("requestID") == request_id]
    assert len(found) == 1, found
    return found[0]


def stored_text(server: Server) -> str:
    """Everything in the audit tables, as one string (to look for secrets in)."""
    engine = create_engine(normalize_url(server.extra["database_url"]))
    try:
        with engine.connect() as conn:
            rows = [repr(tuple(row)) for row in conn.execute(select(audit_events))]
            rows += [repr(tuple(row)) for row in conn.execute(select(audit_event_resources))]
    finally:
        engine.dispose()
    return "\n".join(rows)


def stored_records(server: Server) -> list[dict[str, Any]]:
    """The records in the store right now, without flushing anything."""
    engine = create_engine(normalize_url(server.extra["database_url"]))
    try:
        with engine.connect() as conn:
            return [json.loads(text) for text in conn.execute(select(audit_events.c.event)).scalars()]
    finally:
        engine.dispose()
