"""The engine and its transactions, for SQLite (WAL) and PostgreSQL (psycopg 3) alike.

``Store.write()`` is the one way to change data: it bumps ``store_epoch`` in the same
transaction (and, for a SQLite file, raises the shared ``ChangeSignal`` after commit), and
``Store.generation()`` tells every process sharing the store, cheaply, that its caches are
stale.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from credo.store.change_signal import ChangeSignal
from credo.store.schema import store_epoch


def normalize_url(url: str) -> str:
    """Pick psycopg 3 for ``postgresql://`` URLs, as users type them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Store:
    """One database: an engine plus the change detector that keeps caches honest."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.engine: Engine
        # A SQLite file (not PostgreSQL, not in memory) is watched through these two.
        self._watch_path = ""
        self._signal: ChangeSignal | None = None
        if self.is_sqlite:
            database = parsed.database or ""
            if database and database != ":memory:":
                # The database holds sealed secrets and password hashes: owner only, wherever it
                # lives (SQLite gives its -wal and -shm files the database file's mode).
                Path(database).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
                self._watch_path = database
                self._signal = ChangeSignal(Path(database + "-changes"))
            self.engine = create_engine(
                self.url,
                # Never put statement parameters (sealed secrets, hashes, names) into errors or logs.
                hide_parameters=True,
                connect_args={"check_same_thread": False, "isolation_level": None},
                poolclass=NullPool if database in {"", ":memory:"} else None,
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)

            # pysqlite's own transaction handling is off (isolation_level=None), so SQLAlchemy
            # must emit BEGIN itself; IMMEDIATE takes the write lock up front, avoiding
            # deadlocked upgrades from read to write between processes.
            # Durability: ``write()`` commits (every IAM change: keys, passwords, policies) wait
            # for the WAL to reach the disk (synchronous=FULL, one fsync, ~3 ms here), so an
            # acknowledged credential survives a power cut; ``write_quietly()`` commits (last-used
            # times, session records) keep NORMAL, which loses at most the newest of them.
            @event.listens_for(self.engine, "begin")
            def _begin(conn: Connection) -> None:
                write = conn.info.get("write")
                if write:
                    conn.exec_driver_sql(
                        "PRAGMA synchronous=FULL" if write == "durable" else "PRAGMA synchronous=NORMAL"
                    )
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                else:
                    conn.exec_driver_sql("BEGIN")

        else:
            self.engine = create_engine(
                self.url, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True
            )
        self._watch_lock = threading.Lock()
        self._watch: sqlite3.Connection | None = None
        # Writes that bypass credo (a sqlite3 shell) move only data_version: checked this often.
        self.backstop_seconds = 1.0
        self._backstop_due = 0.0
        self._backstop_version = 0
        self._seen: object = None
        self._generation = 0
        self._changed_mark = -1

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A read-write transaction that marks the store as changed when it commits.

        Writers take turns, on every backend and across processes: SQLite's ``BEGIN IMMEDIATE``
        takes the database's write lock, and on PostgreSQL bumping ``store_epoch`` first holds
        its row lock until commit. So a handler's checks (name taken? limit reached?) still
        hold when it inserts, and two concurrent ``CreateUser`` calls for one name end in one
        user and one ``EntityAlreadyExists``, never a constraint error.
        """
        with self.engine.connect() as conn:
            conn.info["write"] = "durable"
            try:
                with conn.begin():
                    conn.execute(update(store_epoch).values(value=store_epoch.c.value + 1))
                    yield conn
            finally:
                conn.info.pop("write", None)
        if self._signal is not None:
            self._signal.signal()

    @contextmanager
    def write_quietly(self) -> Iterator[Connection]:
        """A write that cannot change any authorization (e.g. last-used times): no epoch bump."""
        with self.engine.connect() as conn:
            conn.info["write"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop("write", None)

    def generation(self) -> int:
        """A number that grows whenever anything was written (by any process) since last asked.

        Caches remember the generation they were filled at and drop themselves when it moves.
        SQLite file: the shared ``ChangeSignal`` (no system call), plus ``PRAGMA data_version``
        once a second for writes made outside credo. PostgreSQL: one primary-key read of
        ``store_epoch``.
        """
        with self._watch_lock:
            current = self._current_version()
            if current != self._seen:
                self._seen = current
                self._generation += 1
            return self._generation

    def changed(self) -> bool:
        """Whether anything was written since the previous call of ``changed`` (tests use this)."""
        before = self._changed_mark
        self._changed_mark = self.generation()
        return before != self._changed_mark

    def _current_version(self) -> object:
        if self._signal is not None:
            now = time.monotonic()
            if now >= self._backstop_due:
                self._backstop_due = now + self.backstop_seconds
                self._backstop_version = self._data_version()
            return (self._signal.read(), self._backstop_version)
        with self.engine.connect() as conn:
            value = conn.execute(select(store_epoch.c.value).where(store_epoch.c.id == 1)).scalar()
        return int(value or 0)

    def _data_version(self) -> int:
        """SQLite's counter of commits by any *other* connection (our pooled ones included)."""
        if self._watch is None:
            self._watch = sqlite3.connect(self._watch_path, check_same_thread=False)
        return int(self._watch.execute("PRAGMA data_version").fetchone()[0])

    def dispose(self) -> None:
        with self._watch_lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
            if self._signal is not None:
                self._signal.close()
                self._signal = None
        self.engine.dispose()
