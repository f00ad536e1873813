"""Access-key last-used tracking, batched so that reads never wait on a write.

AWS reports last use with hours of delay; credo records each use in memory and writes the
newest use per key at most every few seconds, and before answering GetAccessKeyLastUsed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import update

from credo.store.db import Store
from credo.store.schema import access_keys


@dataclass(slots=True)
class KeyUse:
    when: float  # seconds since the epoch: the datetime is made only when written
    service: str
    region: str


class KeyUsage:
    """Newest use of each key since the last flush."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pending: dict[str, KeyUse] = {}
        self._lock = threading.Lock()

    def record(self, access_key_id: str, use: KeyUse) -> None:
        with self._lock:
            self._pending[access_key_id] = use

    def flush(self) -> None:
        """Write pending uses; quiet writes, since last-used times change nobody's permissions."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return
        with self._store.write_quietly() as conn:
            for key_id, use in pending.items():
                conn.execute(
                    update(access_keys)
                    .where(access_keys.c.id == key_id)
                    .values(
                        last_used_at=datetime.fromtimestamp(int(use.when), UTC),
                        last_used_service=use.service,
                        last_used_region=use.region,
                    )
                )
