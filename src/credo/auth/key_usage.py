"""Last-use tracking (access keys, and services per user or role), batched so that reads never
wait on a write.

AWS reports last use with hours of delay ("recent activity usually appears within four hours"
for service last accessed data). credo records each use in memory, keeping only the newest per
key and per (user or role, service, tracked action), and writes what changed at most every few
seconds (``KEY_USAGE_FLUSH_SECONDS`` in ``server/app.py``), and before answering a call that
reports it: never one database write per request.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from credo.auth.principal import Principal
from credo.store.db import Store
from credo.store.schema import access_keys, service_last_accessed

log = logging.getLogger("credo.server")

# Services whose actions are tracked one by one (AWS tracks IAM's, not STS's); for the others
# only the service as a whole. Rows for the whole service have the action name "".
ACTION_TRACKED_SERVICES = frozenset({"iam"})


@dataclass(slots=True)
class KeyUse:
    when: float  # seconds since the epoch: the datetime is made only when written
    service: str
    region: str


# (entity id, service namespace, action name or "") → (when, region, account id)
_AttemptKey = tuple[str, str, str]
_Attempt = tuple[float, str, str]


class KeyUsage:
    """Newest use of each key, and newest attempt per entity and service, since the last flush."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pending: dict[str, KeyUse] = {}
        self._attempts: dict[_AttemptKey, _Attempt] = {}
        self._lock = threading.Lock()

    def note(
        self, principal: Principal, service: str, action: str, region: str, when: float, succeeded: bool
    ) -> None:
        """One authenticated call, as the audit trail settles it: an attempt on the service, and,
        when it succeeded, a use of the key that signed it."""
        if principal.kind == "anonymous":
            return
        self.record_attempt(principal, service, action, region, when)
        if succeeded and principal.access_key_id:
            self.record(principal.access_key_id, KeyUse(when, service, region))

    def record(self, access_key_id: str, use: KeyUse) -> None:
        with self._lock:
            self._pending[access_key_id] = use

    def record_attempt(
        self, principal: Principal, service: str, action: str, region: str, when: float
    ) -> None:
        """An authenticated attempt by a user or role (or a session of one) to call ``action``.

        AWS's service last accessed data counts every authenticated attempt, allowed or not;
        the account's root user has none.
        """
        if principal.identity_kind == "root":
            return
        key = (principal.identity_id, service, action if service in ACTION_TRACKED_SERVICES else "")
        with self._lock:
            self._attempts[key] = (when, region, principal.account_id)

    def flush(self) -> None:
        """Write pending uses; quiet writes, since last-used times change nobody's permissions."""
        with self._lock:
            pending, self._pending = self._pending, {}
            attempts, self._attempts = self._attempts, {}
        if not pending and not attempts:
            return
        try:
            self._write(pending, attempts)
        except DBAPIError:
            # One record the database refuses must not cost everyone's batch: write them one by
            # one, dropping (and saying so, without values) only those refused again.
            singles: list[tuple[dict[str, KeyUse], dict[_AttemptKey, _Attempt]]]
            singles = [({key_id: use}, {}) for key_id, use in pending.items()]
            singles += [({}, {key: attempt}) for key, attempt in attempts.items()]
            for one_use, one_attempt in singles:
                try:
                    self._write(one_use, one_attempt)
                except DBAPIError as error:
                    log.warning(
                        "dropped a last-use record the database refused (%s)", type(error.orig).__name__
                    )

    def _write(self, pending: dict[str, KeyUse], attempts: dict[_AttemptKey, _Attempt]) -> None:
        with self._store.write_quietly() as conn:
            if pending:
                _write_key_uses(conn, pending)
            if attempts:
                _write_attempts(conn, attempts)


# One statement for every key of a batch (executemany): with traffic spread over many keys a
# batch holds thousands, and one UPDATE each cost about 0.4 ms, holding the write lock that long.
_KEY_USE = (
    update(access_keys)
    .where(access_keys.c.id == bindparam("key_id"))
    .values(
        last_used_at=bindparam("used_at"),
        last_used_service=bindparam("used_service"),
        last_used_region=bindparam("used_region"),
    )
)


def _write_key_uses(conn: Connection, pending: dict[str, KeyUse]) -> None:
    """Each key's newest use, in key order (concurrent batches on PostgreSQL lock rows alike)."""
    conn.execute(
        _KEY_USE,
        [
            {
                "key_id": key_id,
                "used_at": datetime.fromtimestamp(int(use.when), UTC),
                "used_service": use.service,
                "used_region": use.region,
            }
            for key_id, use in sorted(pending.items())
        ],
    )


def _write_attempts(conn: Connection, attempts: dict[_AttemptKey, _Attempt]) -> None:
    """One upsert for all rows, each keeping the newer of the stored and the pending attempt."""
    rows: dict[_AttemptKey, _Attempt] = {}
    for (entity_id, service, action), attempt in attempts.items():
        whole = (entity_id, service, "")
        if whole not in rows or rows[whole][0] < attempt[0]:
            rows[whole] = attempt
        if action:
            rows[(entity_id, service, action)] = attempt
    values: list[dict[str, Any]] = [
        {
            "entity_id": entity_id,
            "service_namespace": service,
            "action_name": action,
            "account_id": account_id,
            "last_authenticated_at": datetime.fromtimestamp(int(when), UTC),
            "region": region,
        }
        # In key order, so that concurrent batches (PostgreSQL) lock rows in the same order.
        for (entity_id, service, action), (when, region, account_id) in sorted(rows.items())
    ]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(service_last_accessed)
    newer = statement.excluded.last_authenticated_at
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["entity_id", "service_namespace", "action_name"],
            set_={"last_authenticated_at": newer, "region": statement.excluded.region},
            where=service_last_accessed.c.last_authenticated_at < newer,
        ),
        values,
    )
