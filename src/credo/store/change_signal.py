"""A same-host change feed for a SQLite store: what each commit changed, in a memory-mapped file.

Every request asks whether anything was written since it last asked, so that caches drop in
time. Processes sharing a SQLite file are on one host by definition, so a writer publishes the
topics its transaction changed (``credo.store.changes``) into a ring of slots in a shared file
after it commits, and readers compare one counter without a system call, reading only the
slots written since they last looked. A reader that fell a whole ring behind cannot know what
it missed and drops everything.

Layout: ``topics`` counter (u64), ``commits`` counter (u64, every credo commit, quiet ones
too: the data_version backstop uses it to tell credo's commits from a sqlite3 shell's), then
``SLOTS`` slots of ``SLOT_BYTES`` (u16 length + UTF-8 topic).
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
from collections.abc import Iterable
from pathlib import Path

from credo.store.changes import EVERYTHING

SLOTS = 1024
SLOT_BYTES = 256
_HEADER = 64
_SIZE = _HEADER + SLOTS * SLOT_BYTES
_COUNTER = struct.Struct("<Q")
_LENGTH = struct.Struct("<H")


class ChangeSignal:
    """Writers ``publish()`` after committing; readers follow ``topics_seen()`` / ``topics_since()``."""

    def __init__(self, path: Path) -> None:
        self._descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self._descriptor).st_size < _SIZE:
            # Writers take the file's lock while they publish; growing it (an older, smaller
            # signal file) happens under it too.
            fcntl.flock(self._descriptor, fcntl.LOCK_EX)
            try:
                if os.fstat(self._descriptor).st_size < _SIZE:
                    os.ftruncate(self._descriptor, _SIZE)
            finally:
                fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        self._map = mmap.mmap(self._descriptor, _SIZE)

    def topics_seen(self) -> int:
        """How many topics were ever published: moves whenever a write changed something."""
        return int(_COUNTER.unpack_from(self._map, 0)[0])

    def commits(self) -> int:
        """How many commits credo made to the store (quiet ones included)."""
        return int(_COUNTER.unpack_from(self._map, 8)[0])

    def topics_since(self, seen: int) -> tuple[int, frozenset[str]]:
        """The counter now and the topics published after ``seen`` (``EVERYTHING`` if overwritten)."""
        now = self.topics_seen()
        if now - seen > SLOTS or now < seen:
            return now, frozenset({EVERYTHING})
        topics = {self._slot(number) for number in range(seen, now)}
        # A writer that lapped the ring while we read may have overwritten what we read.
        if self.topics_seen() - seen > SLOTS:
            return self.topics_seen(), frozenset({EVERYTHING})
        return now, frozenset(topics)

    def publish(self, topics: Iterable[str]) -> tuple[int, int]:
        """Append ``topics`` (none for a quiet commit) and count the commit; the topic counter
        before and after."""
        fcntl.flock(self._descriptor, fcntl.LOCK_EX)
        try:
            before = number = self.topics_seen()
            for topic in topics:
                encoded = topic.encode()
                if len(encoded) > SLOT_BYTES - _LENGTH.size:
                    encoded = EVERYTHING.encode()  # too long to carry: drop everything instead
                offset = _HEADER + (number % SLOTS) * SLOT_BYTES
                _LENGTH.pack_into(self._map, offset, len(encoded))
                self._map[offset + _LENGTH.size : offset + _LENGTH.size + len(encoded)] = encoded
                number += 1
            _COUNTER.pack_into(self._map, 8, self.commits() + 1)
            _COUNTER.pack_into(self._map, 0, number)
        finally:
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        return before, number

    def _slot(self, number: int) -> str:
        offset = _HEADER + (number % SLOTS) * SLOT_BYTES
        (length,) = _LENGTH.unpack_from(self._map, offset)
        start = offset + _LENGTH.size
        return self._map[start : start + min(length, SLOT_BYTES - _LENGTH.size)].decode(errors="replace")

    def close(self) -> None:
        self._map.close()
        os.close(self._descriptor)
