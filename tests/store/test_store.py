"""The store itself: migrations build exactly the declared schema; secrets are sealed at rest."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from credo.server.api import log_failure
from credo.store.db import Store
from credo.store.migrate import upgrade
from credo.store.schema import access_keys, metadata
from tests.conftest import POSTGRES_URL, Server


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("no PostgreSQL: set CREDO_TEST_DATABASE_URL")
        store = Store(POSTGRES_URL)
    else:
        store = Store(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    yield store
    store.dispose()


def test_migrations_match_schema(empty_store: Store) -> None:
    """Upgrading to head yields exactly the tables and columns schema.py declares."""
    upgrade(empty_store)
    with empty_store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    relevant = [d for d in differences if not (isinstance(d, tuple) and d[0] == "remove_table")]
    assert relevant == []


def test_upgrade_is_idempotent(empty_store: Store) -> None:
    """Running the migrations twice changes nothing and does not fail."""
    upgrade(empty_store)
    upgrade(empty_store)


def test_secret_access_keys_are_sealed_at_rest(server: Server, iam: Any) -> None:
    """No secret access key appears in the database in plain text."""
    iam.create_user(UserName="alice")
    secret = iam.create_access_key(UserName="alice")["AccessKey"]["SecretAccessKey"]
    store = Store(server.extra["database_url"])
    try:
        with store.read() as conn:
            rows = conn.execute(select(access_keys)).mappings().all()
    finally:
        store.dispose()
    assert rows
    for row in rows:
        for value in row.values():
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            assert secret not in text
    database = server.extra["database_url"]
    if database.startswith("sqlite:///"):
        raw = Path(database.removeprefix("sqlite:///")).read_bytes()
        for suffix in ("-wal", ""):
            path = Path(database.removeprefix("sqlite:///") + suffix)
            if path.exists():
                raw += path.read_bytes()
        assert secret.encode() not in raw


def test_store_notices_writes_from_other_connections(tmp_path: Path) -> None:
    """changed() is true after a write by another Store on the same database, once."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    first, second = Store(url), Store(url)
    try:
        upgrade(first)
        first.changed()
        assert not first.changed()
        with second.write():
            pass
        assert first.changed()
        assert not first.changed()
    finally:
        first.dispose()
        second.dispose()


@pytest.fixture
def backstopped(tmp_path: Path) -> Iterator[Store]:
    """A settled SQLite store whose data_version backstop is due at every call."""
    store = Store(f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    try:
        upgrade(store)
        store.backstop_seconds = 0.0
        store.changed()
        assert not store.changed()
        yield store
    finally:
        store.dispose()


def _write_outside_credo(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "shared.sqlite3") as outside:
        outside.execute("UPDATE store_epoch SET value = value + 1")


def test_store_notices_writes_made_outside_credo(backstopped: Store, tmp_path: Path) -> None:
    """A write that bypasses Store.write (a sqlite3 shell) still moves the generation, via the
    once-a-second data_version backstop (here due at every call), by its second check."""
    _write_outside_credo(tmp_path)
    assert backstopped.changed() or backstopped.changed()
    assert not backstopped.changed()


def test_commit_whose_count_follows_is_not_taken_for_an_outside_write(
    backstopped: Store, tmp_path: Path
) -> None:
    """credo's writes count their commits just after committing: a backstop check in between sees
    data_version moved without the count. Caches are not dropped for that (they were, every
    few seconds under load: the audit trail's flush commits from another thread) as long as the
    count follows before the next check. The gap is made here by a raw commit, then credo's."""
    _write_outside_credo(tmp_path)
    assert not backstopped.changed()  # moved, but not counted yet: judged at the next check
    with backstopped.write_quietly():
        pass  # a commit credo counts
    assert not backstopped.changed()


def test_change_signal_file_is_private(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'private.sqlite3'}")
    try:
        signal_file = tmp_path / "private.sqlite3-changes"
        assert signal_file.stat().st_mode & 0o777 == 0o600
    finally:
        store.dispose()


def test_database_errors_are_logged_without_values(
    empty_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing statement is logged with its SQL and where, never its parameters or row values."""
    upgrade(empty_store)
    secret = "sealed-secret-that-must-not-leak"
    with pytest.raises(IntegrityError) as caught, empty_store.write() as conn:
        conn.execute(insert(access_keys).values(id=secret))  # required columns missing
    assert "parameters hidden" in str(caught.value)
    with caplog.at_level(logging.ERROR, logger="credo.api"):
        log_failure("req-1", caught.value)
    assert "IntegrityError" in caplog.text or "NotNullViolation" in caplog.text
    assert "INSERT INTO access_keys" in caplog.text
    assert secret not in caplog.text


@pytest.mark.parametrize(("durable", "expected"), [(True, 2), (False, 1)])
def test_iam_writes_reach_the_disk_before_they_are_acknowledged(
    tmp_path: Path, durable: bool, expected: int
) -> None:
    """SQLite: write() commits with synchronous=FULL (2); write_quietly() with NORMAL (1)."""
    store = Store(f"sqlite:///{tmp_path / 'sync.sqlite3'}")
    try:
        upgrade(store)
        with store.write() if durable else store.write_quietly() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == expected
    finally:
        store.dispose()
