"""``AuditTrail``: where each call's event goes, and when.

A call that writes (``Store.write()``) gets its event inserted inside that very transaction, by
the ``BEFORE_COMMIT`` hook the endpoint sets around its handler: the change and its record
commit together or not at all, so no acknowledged change lacks its event. Once the handler has
answered, the record is completed (response elements, or the error of a later step) with one
quiet write before the reply leaves. A call that wrote nothing — a read, a refusal, an error —
is kept in memory and written with the others of the last second by the background flush
(``flush``, run by ``server/app.py``): never a database write per read on the request path.
The same flush deletes events older than the retention, a small batch at a time.

Each settled call also feeds the last-use records (``auth/key_usage.py``): the key that signed
it was used, and its user or role attempted the service — one record per call, for the trail,
access keys' last use and IAM's service last accessed data alike.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from contextvars import Token
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.exc import DBAPIError, OperationalError

from credo.audit import identity, rows
from credo.audit.events import EventRow, api_call_event, records_answer
from credo.audit.facts import ApiCall
from credo.auth.key_usage import KeyUsage
from credo.auth.principal import Principal
from credo.clock import Clock
from credo.store.db import BEFORE_COMMIT, Store
from credo.store.schema import audit_events, roles, sso_instances, users

log = logging.getLogger("credo.audit")

# At most this many events wait in memory; past it (the store unreachable for long) new ones
# are counted and dropped, and the count logged, rather than memory growing without bound.
# Before that, past the backlog (``Settings.audit_backlog``), the server stops taking API
# requests until a flush has written what waits: under a load the flush cannot keep up with,
# requests slow down instead of events being dropped.
MAX_PENDING = 100_000
# The flush writes this many events per transaction.
FLUSH_CHUNK = 500
# Retention deletes this many events per transaction, and at most this many batches per run,
# so it never holds the write lock for long.
EXPIRY_BATCH = 500
EXPIRY_BATCHES_PER_RUN = 20
EXPIRY_INTERVAL_SECONDS = 60.0
_ISSUERS_KEPT = 4096


def event_ids(count: int) -> list[str]:
    """``count`` random (version 4) UUIDs, from one read of the system's random source."""
    found = []
    random = bytearray(os.urandom(16 * count))
    for start in range(0, 16 * count, 16):
        random[start + 6] = (random[start + 6] & 0x0F) | 0x40  # version 4
        random[start + 8] = (random[start + 8] & 0x3F) | 0x80  # RFC 4122 variant
        text = random[start : start + 16].hex()
        found.append(f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}")
    return found


class _InTransaction:
    """The ``BEFORE_COMMIT`` hook of one call: inserts its event in the first transaction that
    commits during the call (later ones of the same call find it there)."""

    __slots__ = ("call", "trail")

    def __init__(self, trail: AuditTrail, call: ApiCall) -> None:
        self.trail = trail
        self.call = call

    def __call__(self, conn: Connection) -> None:
        if self.call.event_id is not None:
            return
        [event_id] = event_ids(1)
        rows.insert_rows(conn, [self.trail.row(conn, self.call, event_id)])
        self.call.event_id = event_id


class AuditTrail:
    """Records every call's event: in the caller's transaction when it writes, else batched."""

    def __init__(
        self, store: Store, clock: Clock, usage: KeyUsage, retention_days: float = 90.0, backlog: int = 20_000
    ) -> None:
        self._store = store
        self._backlog = backlog
        # One flush at a time (the background one, a request's, LookupEvents'), in order.
        self._flushing = threading.Lock()
        self._clock = clock
        self._usage = usage
        # 0: keep every event.
        self._retention = timedelta(days=retention_days) if retention_days > 0 else None
        # Appended by requests (any thread) and taken from the left by the flush: deque's append
        # and popleft are atomic, so the request path takes no lock.
        self._pending: deque[ApiCall] = deque()
        self._dropped = 0  # since the last flush, which logs it
        self.dropped_total = 0  # since start (metrics)
        self.requests_held = 0  # requests that waited for a flush (the app's backpressure; metrics)
        # The last flush found the store unreachable: hold no request for it until one succeeds
        # (each held request would wait on a failing connection, and write nothing).
        self._store_refusing = False
        self._issuers: dict[tuple[str, str], identity.Issuer | None] = {}
        self._management: tuple[str | None] | None = None
        self._expiry_due = 0.0

    # --- the request path -------------------------------------------------------------------

    def begin(self, call: ApiCall) -> Token[Any]:
        """Until ``end``: any transaction that commits records ``call``'s event in itself."""
        return BEFORE_COMMIT.set(_InTransaction(self, call))

    def end(self, token: Token[Any]) -> None:
        BEFORE_COMMIT.reset(token)

    def settle(self, call: ApiCall) -> None:
        """The call has answered (``call.result``, or ``call.fail``): complete its event now if it
        is in the store already, else queue it for the next flush."""
        if call.params is not None:
            # A call that got as far as being decoded is an attempt on its service (AWS counts
            # refused ones too), and a use of its key if it succeeded.
            self._usage.note(
                call.principal,
                call.namespace or call.service,
                call.action,
                call.region,
                call.when,
                succeeded=call.error_code is None,
            )
        if call.result is not None and call.principal.kind != "anonymous" and not records_answer(call.action):
            # CloudTrail keeps no answer of a read (and a listing's can be large): not kept
            # while the event waits either. Unsigned federation calls keep it: it names the caller.
            call.result = None
        if call.event_id is not None:
            self._complete(call)
        elif len(self._pending) < MAX_PENDING:
            self._pending.append(call)
        else:
            self._dropped += 1  # counted without a lock: a miscount by one is harmless here

    def insert(self, conn: Connection, row: EventRow) -> None:
        """Write an event built elsewhere (a console sign-in) in the caller's transaction."""
        rows.insert_rows(conn, [row])

    def _complete(self, call: ApiCall) -> None:
        assert call.event_id is not None
        try:
            with self._store.write_quietly() as conn:
                rows.replace_row(conn, self.row(conn, call, call.event_id))
        except DBAPIError as error:
            # The event is in the store already, without its response: say so, and go on.
            log.warning(
                "could not complete the audit event %s (%s)", call.event_id, type(error.orig).__name__
            )

    # --- building ---------------------------------------------------------------------------

    def row(self, conn: Connection, call: ApiCall, event_id: str) -> EventRow:
        """``call``'s event, looking up what the record needs beyond the call (its session's issuer)."""
        issuer = self.issuer(conn, call.principal)
        fallback = self._management_account(conn) if call.principal.kind == "anonymous" else None
        return api_call_event(call, event_id, issuer, fallback)

    def issuer(self, conn: Connection, principal: Principal) -> identity.Issuer | None:
        """The role or IAM user behind a role or federated session (cached; ``None`` otherwise)."""
        needed = identity.issuer_needed(principal)
        if needed is None:
            return None
        if needed in self._issuers:
            return self._issuers[needed]
        kind, identity_id = needed
        table = roles if kind == "role" else users
        found = conn.execute(
            select(table.c.name, table.c.path, table.c.account_id).where(table.c.id == identity_id)
        ).first()
        if found is not None:
            issuer: identity.Issuer | None = identity.issuer_of(
                kind, identity_id, found.account_id, found.path, found.name
            )
        elif kind == "role":
            # The role is gone; its session still names it (without its path).
            name = principal.arn.rsplit("/", 2)[-2] if principal.arn.count("/") >= 2 else ""
            issuer = identity.issuer_of(kind, identity_id, principal.account_id, "/", name)
        else:
            issuer = None
        if len(self._issuers) >= _ISSUERS_KEPT:
            self._issuers.clear()
        self._issuers[needed] = issuer
        return issuer

    def _management_account(self, conn: Connection) -> str | None:
        """The account that owns Identity Center: the recipient of the portal's unsigned calls."""
        if self._management is None:
            owner = conn.execute(select(sso_instances.c.owner_account_id).limit(1)).scalar()
            self._management = (str(owner) if owner is not None else None,)
        return self._management[0]

    # --- the background flush ---------------------------------------------------------------

    def backlogged(self) -> bool:
        """Whether so many events wait that new API requests should wait for a flush first
        (never while the store refuses them: the events then wait, up to ``MAX_PENDING``)."""
        return len(self._pending) >= self._backlog and not self._store_refusing

    def flush(self, most: int | None = None) -> None:
        """Write the events waiting in memory, or the oldest ``most`` of them (quietly: events
        change nobody's permissions)."""
        queue = self._pending
        dropped, self._dropped = self._dropped, 0
        if dropped:
            self.dropped_total += dropped
            log.error("dropped %d audit events: the store could not take them in time", dropped)
        # Those waiting now, not those that arrive meanwhile: one flush's work is bounded. In
        # chunks, each taken and written under the lock (so in order): a transaction holds
        # SQLite's write lock only briefly, so an IAM write waiting for it (on the event loop) is
        # never held up by a whole second's reads, and a request held by the backlog waits for
        # one chunk of another flush at most.
        left = len(queue) if most is None else min(most, len(queue))
        while left > 0:
            with self._flushing:
                chunk = [queue.popleft() for _ in range(min(FLUSH_CHUNK, left, len(queue)))]
                if not chunk:
                    return
                left -= len(chunk)
                try:
                    self._write(chunk)
                    self._store_refusing = False
                except OperationalError as error:
                    # The store is unreachable: keep these for the next flush.
                    log.warning("audit events not written yet (%s); will retry", type(error.orig).__name__)
                    queue.extendleft(reversed(chunk[: max(0, MAX_PENDING - len(queue))]))
                    self._store_refusing = True
                    return
                except DBAPIError:
                    self._write_one_by_one(chunk)

    def _write_one_by_one(self, calls: list[ApiCall]) -> None:
        """One event the store refuses must not cost the others: the rest are written."""
        for call in calls:
            try:
                self._write([call])
            except DBAPIError as error:
                log.warning("dropped an audit event the store refused (%s)", type(error.orig).__name__)

    def _write(self, pending: list[ApiCall]) -> None:
        with self._store.write_quietly() as conn:
            built: list[EventRow] = []
            for call, event_id in zip(pending, event_ids(len(pending)), strict=True):
                try:
                    built.append(self.row(conn, call, event_id))
                except Exception:
                    log.exception("could not build the audit event of %s %s", call.service, call.action)
            rows.insert_rows(conn, built)

    def pending(self) -> int:
        """How many events wait in memory (tests, metrics)."""
        return len(self._pending)

    def discard_pending(self) -> None:
        """Forget what waits (dev mode's reset: every row is gone, these go too)."""
        self._pending.clear()
        self._issuers.clear()
        self._management = None

    def maintain(self) -> None:
        """The flusher's tick: write what waits; now and then, delete what is past retention."""
        self.flush()
        now = time.monotonic()
        if self._retention is not None and now >= self._expiry_due:
            self._expiry_due = now + EXPIRY_INTERVAL_SECONDS
            self.expire()

    def expire(self) -> int:
        """Delete events older than the retention, in small batches; how many went."""
        if self._retention is None:
            return 0
        cutoff = datetime.fromtimestamp(self._clock.time(), UTC) - self._retention
        removed = 0
        for _ in range(EXPIRY_BATCHES_PER_RUN):
            with self._store.write_quietly() as conn:
                ids = list(
                    conn.execute(
                        select(audit_events.c.id)
                        .where(audit_events.c.event_time < cutoff)
                        .order_by(audit_events.c.event_time)
                        .limit(EXPIRY_BATCH)
                    ).scalars()
                )
                if ids:
                    conn.execute(delete(audit_events).where(audit_events.c.id.in_(ids)))
            removed += len(ids)
            if len(ids) < EXPIRY_BATCH:
                break
        return removed
