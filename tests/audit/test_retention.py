"""Retention: events older than CREDO_AUDIT_RETENTION_DAYS are deleted, in batches, resources too."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from credo.audit.events import EventRow
from credo.audit.trail import EXPIRY_BATCH, AuditTrail
from credo.auth.key_usage import KeyUsage
from credo.clock import Clock
from credo.settings import Settings, SettingsError
from credo.store.db import Store
from credo.store.migrate import upgrade
from credo.store.schema import audit_event_resources, audit_events
from tests.conftest import POSTGRES_URL

ACCOUNT = "999999999999"  # no other test writes events of this account


@pytest.fixture
def store(store_kind: str, tmp_path: Path) -> Iterator[Store]:
    opened = Store(
        POSTGRES_URL if store_kind == "postgresql" and POSTGRES_URL else f"sqlite:///{tmp_path / 'a.db'}"
    )
    upgrade(opened)
    yield opened
    with opened.write_quietly() as conn:
        conn.execute(audit_events.delete().where(audit_events.c.account_id == ACCOUNT))
    opened.dispose()


def event(moment: datetime) -> EventRow:
    event_id = str(uuid.uuid4())
    return EventRow(
        id=event_id,
        event_time=moment,
        account_id=ACCOUNT,
        event_source="iam.amazonaws.com",
        event_name="CreateUser",
        user_name="root",
        access_key_id=None,
        read_only=False,
        resources=[("AWS::IAM::User", f"user-{event_id}")],
        event="{}",
    )


def count(store: Store) -> tuple[int, int]:
    with store.read() as conn:
        events = conn.execute(
            select(func.count()).select_from(audit_events).where(audit_events.c.account_id == ACCOUNT)
        ).scalar_one()
        resources = conn.execute(
            select(func.count())
            .select_from(audit_event_resources)
            .where(audit_event_resources.c.resource_name.like("user-%"))
        ).scalar_one()
    return int(events), int(resources)


def test_old_events_go_in_batches(store: Store) -> None:
    """More old events than one batch: all go, with their resources; recent ones stay."""
    trail = AuditTrail(store, Clock(), KeyUsage(store), retention_days=30)
    now = datetime.now(UTC)
    old = EXPIRY_BATCH * 2 + 7
    with store.write_quietly() as conn:
        for index in range(old):
            trail.insert(conn, event(now - timedelta(days=31, seconds=index)))
        for index in range(3):
            trail.insert(conn, event(now - timedelta(days=29, seconds=index)))
    assert count(store) == (old + 3, old + 3)
    assert trail.expire() == old
    assert count(store) == (3, 3)


def test_zero_keeps_everything(store: Store) -> None:
    """Retention 0: nothing is deleted."""
    trail = AuditTrail(store, Clock(), KeyUsage(store), retention_days=0)
    with store.write_quietly() as conn:
        trail.insert(conn, event(datetime(2001, 1, 1, tzinfo=UTC)))
    assert trail.expire() == 0
    assert count(store) == (1, 1)


@pytest.mark.parametrize(("value", "days"), [(None, 90.0), ("7", 7.0), ("0.5", 0.5), ("0", 0.0)])
def test_retention_setting(value: str | None, days: float) -> None:
    """CREDO_AUDIT_RETENTION_DAYS, default 90 as CloudTrail's event history."""
    env = {} if value is None else {"CREDO_AUDIT_RETENTION_DAYS": value}
    assert Settings.from_environment(env).audit_retention_days == days


@pytest.mark.parametrize("value", ["-1", "ninety"])
def test_retention_setting_refused(value: str) -> None:
    """A negative or non-numeric retention is refused, naming the variable."""
    with pytest.raises(SettingsError, match="CREDO_AUDIT_RETENTION_DAYS"):
        Settings.from_environment({"CREDO_AUDIT_RETENTION_DAYS": value})
