"""The audit trail's waiting events: past ``CREDO_AUDIT_BACKLOG`` of them, API requests wait for
a flush rather than events piling up in memory (and, past 100,000, being dropped); and each
holds no more than its record needs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from credo.audit.facts import ApiCall
from credo.audit.trail import AuditTrail
from credo.auth.key_usage import KeyUsage
from credo.auth.principal import Principal
from credo.clock import Clock
from credo.store.db import Store
from tests.conftest import Server, start_server, stop_server
from tests.server.test_bootstrap import fresh_database
from tests.server.test_operator_endpoints import scrape

BACKLOG = 20
ACCOUNT = "999999999998"
CALLS = 150


@pytest.fixture
def small_backlog_server(store_kind: str, tmp_path: Path) -> Iterator[Server]:
    with fresh_database(store_kind, tmp_path) as where:
        server = start_server(
            tmp_path,
            "--dev",
            "--data-dir",
            str(tmp_path / "data"),
            *where,
            env={"CREDO_AUDIT_BACKLOG": str(BACKLOG)},
        )
        try:
            yield server
        finally:
            stop_server(server)


def test_requests_wait_for_the_flush_and_no_event_is_lost(small_backlog_server: Server) -> None:
    """Calls made faster than the once-a-second flush: requests are held while the backlog is
    written, nothing waits beyond it for long, and every call's event is there."""
    server = small_backlog_server
    sts = server.client("sts")
    for _ in range(CALLS):
        sts.get_caller_identity()
    metrics = scrape(server.endpoint)
    assert metrics[("credo_audit_requests_held_total", ())] >= 1
    assert metrics[("credo_audit_events_pending", ())] <= BACKLOG
    assert metrics[("credo_audit_events_dropped_total", ())] == 0

    pages = (
        server.client("cloudtrail")
        .get_paginator("lookup_events")
        .paginate(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}])
    )
    assert sum(len(page["Events"]) for page in pages) == CALLS


CALLER = Principal(ACCOUNT, "user", f"arn:aws:iam::{ACCOUNT}:user/u", "AIDAU", "u", "AKIAU", "user", "AIDAU")


def read_call(action: str, request_id: str) -> ApiCall:
    return ApiCall("iam", action, 0.0, CALLER, "us-east-1", "127.0.0.1", "test", request_id, params={})


@pytest.mark.parametrize(
    ("action", "kept"),
    [("ListUsers", False), ("GetUser", False), ("GetSessionToken", True), ("CreateUser", True)],
)
def test_a_waiting_event_keeps_only_the_answer_it_records(
    sqlite_store: Store, action: str, kept: bool
) -> None:
    """A read's answer (a ListUsers page of 1,000 users, say) is not in its CloudTrail record, so
    its waiting event does not hold it: a backlog of listings costs no more memory than one of
    GetCallerIdentity. Answers the record keeps (credentials issued, writes) stay."""
    trail = AuditTrail(sqlite_store, Clock(), KeyUsage(sqlite_store))
    call = read_call(action, "r-1")
    call.result = {"Users": [{"UserName": f"u{i}"} for i in range(1000)]}
    trail.settle(call)
    assert (call.result is not None) == kept
    assert trail.pending() == 1


def test_no_request_is_held_while_the_store_refuses_events(sqlite_store: Store) -> None:
    """With the store unable to take events (here: their table gone), the backlog holds no
    request (each would wait on a failing write, forever); the events wait, and are written,
    and requests held again, once the store takes them."""
    trail = AuditTrail(sqlite_store, Clock(), KeyUsage(sqlite_store), backlog=3)
    for number in range(5):
        trail.settle(read_call("ListUsers", f"r-{number}"))
    assert trail.backlogged()
    with sqlite_store.write() as conn:
        conn.exec_driver_sql("ALTER TABLE audit_events RENAME TO audit_events_away")
    trail.flush()
    assert (trail.pending(), trail.backlogged()) == (5, False)
    with sqlite_store.write() as conn:
        conn.exec_driver_sql("ALTER TABLE audit_events_away RENAME TO audit_events")
    trail.flush()
    assert trail.pending() == 0
    for number in range(3):
        trail.settle(read_call("ListUsers", f"s-{number}"))
    assert trail.backlogged()
