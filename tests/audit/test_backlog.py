"""Backpressure: past ``CREDO_AUDIT_BACKLOG`` waiting events, API requests wait for a flush
rather than events piling up in memory (and, past 100,000, being dropped)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Server, start_server, stop_server
from tests.server.test_bootstrap import fresh_database
from tests.server.test_operator_endpoints import scrape

BACKLOG = 20
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
