"""Secrets the console shows exactly once: held in this process until the result page is viewed.

A new access key's secret or a new user's password goes from the action that made it to the page
that shows it without touching a URL, a log or the store; the first view takes it away, a reload
finds nothing, and a session that never looks again cannot pin memory (oldest entries go first).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

_MAX_PENDING = 256


class ShownOnce:
    """Per-session values, each taken at most once."""

    def __init__(self, limit: int = _MAX_PENDING) -> None:
        self._limit = limit
        self._pending: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, session_key: str, purpose: str, value: Any) -> None:
        with self._lock:
            self._pending[(session_key, purpose)] = value
            self._pending.move_to_end((session_key, purpose))
            while len(self._pending) > self._limit:
                self._pending.popitem(last=False)

    def take(self, session_key: str, purpose: str) -> Any | None:
        """The value, removed; ``None`` when it was already shown (or never made)."""
        with self._lock:
            return self._pending.pop((session_key, purpose), None)
