"""PostgreSQL's change feed: ``LISTEN credo_changes`` on a connection of its own, in a thread.

Every ``Store.write()`` on PostgreSQL sends ``NOTIFY credo_changes`` with its topics inside its
transaction, so PostgreSQL delivers it to every listening process when (and only if) the change
commits. This thread hands each notification's topics to the store's caches. A request then
needs no database round trip to know its cached credentials and policies are current.

The feed is only trusted while its connection is known to be alive: it runs ``SELECT 1`` after
every second without notifications (the bounded fallback poll), and from the moment anything
fails until it has listened again, ``healthy`` is false, so caches serve nothing and every
request reads the database. Listening again drops every cache, since notifications sent
meanwhile were lost.
"""

from __future__ import annotations

import logging
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


def payload(topics: frozenset[str]) -> str:
    text = "\n".join(sorted(topics))
    return text if len(text.encode()) <= MAX_PAYLOAD else EVERYTHING


def topics_of(text: str) -> frozenset[str]:
    return frozenset(text.split("\n")) if text else frozenset({EVERYTHING})


def libpq_url(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://…`` as libpq takes it."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresChangeFeed:
    """Delivers other processes' (and this one's) committed topics to ``deliver``."""

    def __init__(self, url: str, deliver: Callable[[frozenset[str]], None]) -> None:
        self._url = libpq_url(url)
        self._deliver = deliver
        self._stop = threading.Event()
        self.healthy = False
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
                self._deliver(topics_of(notification.payload))
            conn.execute("SELECT 1")
