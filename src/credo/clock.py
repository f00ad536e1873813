"""The server's notion of now.

Production reads the system clock. Dev mode lets test suites move time forward (never
back) through ``POST /_credo/clock``, so expiry can be tested without sleeping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Wall-clock time plus an offset that only dev mode may change."""

    def __init__(self) -> None:
        self._offset = 0.0

    def time(self) -> float:
        """Seconds since the epoch."""
        return time.time() + self._offset

    def now(self) -> datetime:
        """An aware UTC datetime, truncated to whole seconds as AWS reports times."""
        return datetime.fromtimestamp(int(self.time()), UTC)

    def advance(self, seconds: float) -> None:
        """Move time forward; dev mode only (the caller checks)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds

    def reset(self) -> None:
        self._offset = 0.0
