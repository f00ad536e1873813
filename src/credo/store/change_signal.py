"""A same-host "the store changed" signal: eight bytes in a memory-mapped file.

Every request asks whether anything was written since it last asked, so that caches drop in
time. For SQLite, ``PRAGMA data_version`` answers that, but it opens a read transaction: two
``fcntl`` locks and a trip through the SQLite library on every request. Processes sharing a
SQLite file are on one host by definition, so a writer can instead overwrite a shared word
after each commit, and readers compare it without a system call.
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path

_SIZE = 8


class ChangeSignal:
    """Writers ``signal()`` after committing; readers compare ``read()`` with what they saw."""

    def __init__(self, path: Path) -> None:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(descriptor).st_size < _SIZE:
                os.ftruncate(descriptor, _SIZE)
            self._map = mmap.mmap(descriptor, _SIZE)
        finally:
            os.close(descriptor)

    def read(self) -> bytes:
        return self._map[:_SIZE]

    def signal(self) -> None:
        """A fresh random value: differs from any value a reader saw, with no lock between writers."""
        self._map[:_SIZE] = os.urandom(_SIZE)

    def close(self) -> None:
        self._map.close()
