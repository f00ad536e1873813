"""The engine and its transactions, for SQLite (WAL) and PostgreSQL (psycopg 3) alike.

``Store.write()`` is the one way to change what anyone may do: its transaction names the
topics it changed (``credo.store.changes``), and when it commits the store hands them to every
cache in this process and to every other process sharing the store — through the memory-mapped
``ChangeSignal`` beside a SQLite file, through ``NOTIFY`` on PostgreSQL
(``credo.store.postgres_feed``). ``Store.current()`` says whether caches are up to date, with
no database round trip.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from credo.store import changes
from credo.store.change_signal import ChangeSignal
from credo.store.postgres_feed import CHANNEL, PostgresChangeFeed, new_origin, payload

# Called inside every ``Store.write()`` transaction just before it commits, with its
# connection, when the current context sets it: the audit trail records a mutating call's event
# in the same transaction as its change, so no acknowledged change lacks its event.
BEFORE_COMMIT: ContextVar[Callable[[Connection], None] | None] = ContextVar(
    "credo.store.before_commit", default=None
)


# The account a write changes, when the caller knows it is only that one (an IAM call): on
# PostgreSQL, writers to different accounts then run in parallel, and writers to one account
# take turns. ``None``: the write may touch anything, and takes turns with every writer.
WRITE_SCOPE: ContextVar[str | None] = ContextVar("credo.store.write_scope", default=None)

# Set while a request runs on the event loop against a store whose every access waits on the
# network (PostgreSQL): the first access raises ``NeedsThread`` instead of blocking the loop.
ON_LOOP: ContextVar[bool] = ContextVar("credo.store.on_loop", default=False)


class NeedsThread(BaseException):
    """A store access from code running on the event loop: run the request again in a thread.

    A ``BaseException``, so that no handler's ``except Exception`` turns it into a failure;
    whatever ran before the first store access changed nothing in the store.
    """


# PostgreSQL advisory lock keys: every writer holds the store-wide one (shared when its scope is
# one account, exclusive otherwise); account ids are 12 digits, so they never collide with it.
_STORE_WIDE_LOCK = -1


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
        # A SQLite file (not PostgreSQL, not in memory) is watched through these two, and held
        # in use through the third (``credo db restore`` waits for no holder).
        self._watch_path = ""
        self._signal: ChangeSignal | None = None
        self._in_use: int | None = None
        if self.is_sqlite:
            database = parsed.database or ""
            if database and database != ":memory:":
                # The database holds sealed secrets and password hashes: owner only, wherever it
                # lives (SQLite gives its -wal and -shm files the database file's mode).
                Path(database).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
                self._watch_path = database
                self._signal = ChangeSignal(Path(database + "-changes"))
                self._in_use = hold_in_use(Path(database))
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
                self.url,
                pool_size=10,
                max_overflow=10,
                pool_pre_ping=True,
                hide_parameters=True,
            )
        self._watch_lock = threading.Lock()
        self._watch: sqlite3.Connection | None = None
        # Writes that bypass credo (a sqlite3 shell) move only data_version: checked this often.
        self.backstop_seconds = 1.0
        self._backstop_due = 0.0
        self._backstop_version = -1
        self._backstop_commits = -1
        # data_version moved without credo's count at the last check (see ``_catch_up``).
        self._unexplained = False
        self._topics_seen = self._signal.topics_seen() if self._signal is not None else 0
        self._subscribers: list[Callable[[frozenset[str]], None]] = []
        self._feed: PostgresChangeFeed | None = None
        # Names this store's NOTIFYs, so that its own change feed skips them.
        self._origin = new_origin()
        self._changes_delivered = 0
        self._changed_mark = -1
        # For /metrics (plain ints, see credo.metrics): changes handed to the caches at this
        # store's own commits, and by the change feed (other writers; everything on a reconnect).
        self.changes_from_writes = 0
        self.changes_from_feed = 0

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction."""
        if ON_LOOP.get():
            raise NeedsThread
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A read-write transaction whose changes reach every cache when it commits.

        Writers that could conflict take turns, on every backend and across processes:
        SQLite's ``BEGIN IMMEDIATE`` takes the database's write lock, and on PostgreSQL a
        transaction-scoped advisory lock is held until commit — per account when
        ``WRITE_SCOPE`` names one, store-wide otherwise. So a handler's checks (name taken?
        limit reached?) still hold when it inserts, and two concurrent ``CreateUser`` calls for
        one name end in one user and one ``EntityAlreadyExists``, never a constraint error.
        """
        if ON_LOOP.get():
            raise NeedsThread
        topics: frozenset[str] | None = None
        with self.engine.connect() as conn:
            conn.info["write"] = "durable"
            try:
                with conn.begin():
                    if not self.is_sqlite:
                        _take_turn(conn, WRITE_SCOPE.get())
                    yield conn
                    before_commit = BEFORE_COMMIT.get()
                    if before_commit is not None:
                        before_commit(conn)
                    topics = changes.noted(conn)
                    self._notify(conn, topics)
            except BaseException:
                changes.discard(conn)
                self._commit_failed(topics)
                raise
            finally:
                conn.info.pop("write", None)
        self._delivered(topics)

    @contextmanager
    def write_quietly(self) -> Iterator[Connection]:
        """A write that cannot change any authorization (e.g. last-used times), committed without
        waiting for the disk: no cache drops, except entries built from topics it notes (a listing
        showing a last-used time)."""
        if ON_LOOP.get():
            raise NeedsThread
        topics: frozenset[str] | None = None
        with self.engine.connect() as conn:
            conn.info["write"] = True
            try:
                with conn.begin():
                    yield conn
                    topics = changes.noted_only(conn)
                    if topics:
                        self._notify(conn, topics)
            except BaseException:
                changes.discard(conn)
                self._commit_failed(topics)
                raise
            finally:
                conn.info.pop("write", None)
        if topics:
            self._delivered(topics)
        elif self._signal is not None:
            self._signal.publish(())

    def _notify(self, conn: Connection, topics: frozenset[str]) -> None:
        """PostgreSQL: tell every listener ``topics`` changed when, and only if, ``conn`` commits."""
        if not self.is_sqlite:
            conn.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": CHANNEL, "payload": payload(topics, self._origin)},
            )

    def _commit_failed(self, topics: frozenset[str] | None) -> None:
        """A write that failed once its topics were noted: the commit itself failed, or its
        answer was lost. It may have happened all the same, and this store's feed skips its own
        notifications: this process's caches drop what it may have changed."""
        if topics:
            self.changes_from_writes += 1
            self._deliver(topics)

    def _delivered(self, topics: frozenset[str]) -> None:
        """After a commit: ``topics`` to this process's caches, and to other processes on SQLite."""
        self.changes_from_writes += 1
        self._deliver(topics)
        if self._signal is not None:
            before, after = self._signal.publish(topics)
            with self._watch_lock:
                # Delivered here already: unless another process published first, this process
                # need not read its own topics back from the ring.
                if self._topics_seen == before:
                    self._topics_seen = after

    def subscribe(self, deliver: Callable[[frozenset[str]], None]) -> None:
        """Hand every committed change's topics to ``deliver`` (a cache's ``invalidate``).

        On PostgreSQL the first subscriber starts the ``LISTEN`` thread; a store nobody caches
        from (a CLI command) never opens that connection.
        """
        self._subscribers.append(deliver)
        if not self.is_sqlite and self._feed is None:
            self._feed = PostgresChangeFeed(self.url, self._origin, self._delivered_by_feed)
            self._feed.start()

    def current(self) -> bool:
        """Whether caches are up to date with every commit made so far, by any process.

        SQLite file: compares the shared ``ChangeSignal``'s counter (no system call) and
        delivers what other processes published since; ``PRAGMA data_version`` once a second
        catches writes made outside credo (within two checks). PostgreSQL: the change feed is
        listening.
        """
        if self._feed is not None:
            return self._feed.healthy
        if self._signal is None:
            return True
        if self._signal.topics_seen() != self._topics_seen or time.monotonic() >= self._backstop_due:
            self._catch_up(self._signal)
        return True

    def changed(self) -> bool:
        """Whether any change was delivered since the previous call of ``changed`` (tests use this)."""
        self.current()
        before = self._changed_mark
        self._changed_mark = self._changes_delivered
        return before != self._changed_mark

    def wait_current(self, timeout: float) -> bool:
        """Wait until ``current()`` (PostgreSQL: the change feed listens); false on timeout."""
        deadline = time.monotonic() + timeout
        while not self.current():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def _catch_up(self, signal: ChangeSignal) -> None:
        with self._watch_lock:
            seen, topics = signal.topics_since(self._topics_seen)
            self._topics_seen = seen
            now = time.monotonic()
            if now >= self._backstop_due:
                self._backstop_due = now + self.backstop_seconds
                version, commits = self._data_version(), signal.commits()
                if commits != self._backstop_commits or version == self._backstop_version:
                    self._backstop_version, self._backstop_commits = version, commits
                    self._unexplained = False
                elif self._unexplained:
                    # data_version moved and, a whole check later, credo's count still has not:
                    # a commit credo did not make (a sqlite3 shell).
                    topics = frozenset({changes.EVERYTHING})
                    self._backstop_version, self._unexplained = version, False
                else:
                    # Or one of credo's own, seen between its commit and its count (another
                    # thread's write, its count waiting for the GIL): judged at the next check.
                    self._unexplained = True
        if topics:
            self._delivered_by_feed(topics)

    def _delivered_by_feed(self, topics: frozenset[str]) -> None:
        self.changes_from_feed += 1
        self._deliver(topics)

    @property
    def own_notifications_skipped(self) -> int:
        """PostgreSQL: notifications of this store's own commits its feed did not deliver again."""
        return self._feed.own_skipped if self._feed is not None else 0

    def _deliver(self, topics: frozenset[str]) -> None:
        self._changes_delivered += 1
        for deliver in self._subscribers:
            deliver(topics)

    def _data_version(self) -> int:
        """SQLite's counter of commits by any *other* connection (our pooled ones included)."""
        if self._watch is None:
            self._watch = sqlite3.connect(self._watch_path, check_same_thread=False)
        return int(self._watch.execute("PRAGMA data_version").fetchone()[0])

    def dispose(self) -> None:
        if self._feed is not None:
            self._feed.stop()
            self._feed = None
        with self._watch_lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
            if self._signal is not None:
                self._signal.close()
                self._signal = None
            if self._in_use is not None:
                os.close(self._in_use)
                self._in_use = None
        self.engine.dispose()


def in_use_path(database: Path) -> Path:
    """The lock file every process using a SQLite store holds shared (``credo db restore``
    takes it exclusively, so it never swaps a database file from under a server)."""
    return database.with_name(database.name + "-lock")


def hold_in_use(database: Path) -> int:
    """A shared lock on the store's lock file, held until the returned descriptor is closed."""
    fd = os.open(in_use_path(database), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def _take_turn(conn: Connection, account_id: str | None) -> None:
    """PostgreSQL: wait for the writers this one could conflict with (see ``Store.write``)."""
    if account_id is None or not account_id.isdigit():
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _STORE_WIDE_LOCK})
        return
    conn.execute(
        text("SELECT pg_advisory_xact_lock_shared(:store), pg_advisory_xact_lock(:account)"),
        {"store": _STORE_WIDE_LOCK, "account": int(account_id)},
    )
