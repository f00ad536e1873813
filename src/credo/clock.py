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
        # The last second ``now`` was asked for and its datetime: one tuple, so that a thread
        # reading it never pairs one second with another's datetime.
        self._last: tuple[int, datetime] = (0, datetime.fromtimestamp(0, UTC))

    def time(self) -> float:
        """Seconds since the epoch."""
        return time.time() + self._offset

    def now(self) -> datetime:
        """An aware UTC datetime, truncated to whole seconds as AWS reports times.

        Built once per second: every request asks, and building one costs more than the asking.
        """
        second = int(self.time())
        last = self._last
        if last[0] != second:
            last = self._last = (second, datetime.fromtimestamp(second, UTC))
        return last[1]

    def advance(self, seconds: float) -> None:
        """Move time forward; dev mode only (the caller checks)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds

    def reset(self) -> None:
        self._offset = 0.0
