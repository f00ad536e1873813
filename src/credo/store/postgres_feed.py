"""PostgreSQL's change feed: ``LISTEN credo_changes`` on a connection of its own, in a thread.

Every ``Store.write()`` on PostgreSQL sends ``NOTIFY credo_changes`` with its topics inside its
transaction, so PostgreSQL delivers it to every listening process when (and only if) the change
commits. This thread hands each notification's topics to the store's caches. A request then
needs no database round trip to know its cached credentials and policies are current.

PostgreSQL delivers a notification to its sender's process too, whose caches the write itself
emptied at commit (``Store.write``): each payload starts with its ``Store``'s origin, a random
name, and the feed skips its own instead of dropping the same entries again (and discarding
every cache fill in flight meanwhile). A payload without one (an older credo) is delivered.

The feed is only trusted while its connection is known to be alive: it runs ``SELECT 1`` after
every second without notifications (the bounded fallback poll), and from the moment anything
fails until it has listened again, ``healthy`` is false, so caches serve nothing and every
request reads the database. Listening again drops every cache, since notifications sent
meanwhile were lost.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import make_url

from credo.store.changes import EVERYTHING

log = logging.getLogger("credo.store")

CHANNEL = "credo_changes"
# PostgreSQL refuses payloads of 8000 bytes or more; a longer list is sent as EVERYTHING.
MAX_PAYLOAD = 7900
POLL_SECONDS = 1.0
# How the feed's connection shows in pg_stat_activity.
APPLICATION_NAME = "credo-change-feed"
RETRY_SECONDS = 0.5


# Starts a payload's first line when it names its origin (no topic starts with it).
_ORIGIN = "@"


def new_origin() -> str:
    """A name for one ``Store``'s notifications, unique among the processes sharing a database."""
    return secrets.token_hex(8)


def payload(topics: frozenset[str], origin: str) -> str:
    """The notification of ``topics`` changed by ``origin``'s write."""
    text = "\n".join(sorted(topics))
    if len(text.encode()) > MAX_PAYLOAD:
        text = EVERYTHING
    return f"{_ORIGIN}{origin}\n{text}"


def parse(text: str) -> tuple[str | None, frozenset[str]]:
    """A payload's origin (``None`` if it names none) and topics (``EVERYTHING`` if none)."""
    origin = None
    if text.startswith(_ORIGIN):
        first, _, text = text.partition("\n")
        origin = first[len(_ORIGIN) :]
    return origin, frozenset(text.split("\n")) if text else frozenset({EVERYTHING})


def libpq_url(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://…`` as libpq takes it."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresChangeFeed:
    """Delivers the topics other writers than ``origin`` committed to ``deliver``."""

    def __init__(self, url: str, origin: str, deliver: Callable[[frozenset[str]], None]) -> None:
        self._url = libpq_url(url)
        self._origin = origin
        self._deliver = deliver
        self._stop = threading.Event()
        self.healthy = False
        # Notifications of ``origin``'s own writes, skipped (for /metrics; see credo.metrics).
        self.own_skipped = 0
        self._thread = threading.Thread(target=self._run, name="credo-change-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=POLL_SECONDS * 3)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._url, autocommit=True, connect_timeout=5, application_name=APPLICATION_NAME
                ) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Whatever changed while nobody listened is unknown: start from nothing.
                    self._deliver(frozenset({EVERYTHING}))
                    self.healthy = True
                    self._listen(conn)
            except Exception as error:  # any failure: caches off, then retry
                if self.healthy:
                    log.warning("change feed lost (%s); caches off until it is back", type(error).__name__)
            self.healthy = False
            self._deliver(frozenset({EVERYTHING}))
            self._stop.wait(RETRY_SECONDS)

    def _listen(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        while not self._stop.is_set():
            for notification in conn.notifies(timeout=POLL_SECONDS):
                origin, topics = parse(notification.payload)
                if origin == self._origin:
                    self.own_skipped += 1
                else:
                    self._deliver(topics)
            conn.execute("SELECT 1")
