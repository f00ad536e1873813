"""A bounded LRU cache whose entries name the topics they were built from.

The store hands every committed change's topics (``credo.store.changes``) to ``invalidate``,
which drops exactly the entries built from them. Two rules keep it honest:

- An entry is only stored if no change arrived between the ``ticket()`` taken before reading
  the database and the ``put()``: otherwise a reader that started before a commit could store
  what the commit just replaced, after the commit's invalidation went by.
- Nothing is served or stored while the store cannot vouch for its change feed
  (``Store.current()`` false: PostgreSQL's listener is reconnecting).

The size limit keeps memory flat however many identities the store holds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Generic, TypeVar

from credo.store.changes import EVERYTHING

if TYPE_CHECKING:
    from credo.store.db import Store

K = TypeVar("K")
V = TypeVar("V")


class Miss:
    """What ``get`` returns for a key it does not hold (``None`` is a value caches keep)."""


MISS = Miss()


class TaggedCache(Generic[K, V]):
    """``key → value``, at most ``limit`` entries, each dropped when one of its topics changes."""

    def __init__(self, store: Store, limit: int) -> None:
        self._store = store
        self._limit = limit
        self._entries: OrderedDict[K, tuple[V, frozenset[str]]] = OrderedDict()
        self._keys_by_topic: dict[str, set[K]] = {}
        self._lock = threading.Lock()
        self._changes = 0
        # For /metrics: plain ints, see credo.metrics on why no lock.
        self.hits = 0
        self.misses = 0
        store.subscribe(self.invalidate)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | Miss:
        if not self._store.current():
            self.misses += 1
            return MISS
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
        if found is None:
            self.misses += 1
            return MISS
        self.hits += 1
        return found[0]

    def ticket(self) -> int:
        """Take before reading what ``put`` will store."""
        return self._changes

    def put(self, key: K, value: V, topics: frozenset[str], ticket: int) -> None:
        # Asked first, outside the lock: catching up may deliver changes to ``invalidate``.
        if not self._store.current():
            return
        with self._lock:
            if ticket != self._changes:
                return
            self._forget(key)
            self._entries[key] = (value, topics)
            for topic in topics:
                self._keys_by_topic.setdefault(topic, set()).add(key)
            while len(self._entries) > self._limit:
                self._forget(next(iter(self._entries)))

    def invalidate(self, topics: frozenset[str]) -> None:
        with self._lock:
            self._changes += 1
            if EVERYTHING in topics:
                self._entries.clear()
                self._keys_by_topic.clear()
                return
            for topic in topics:
                for key in list(self._keys_by_topic.get(topic, ())):
                    self._forget(key)

    def _forget(self, key: K) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for topic in entry[1]:
            keys = self._keys_by_topic.get(topic)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys_by_topic[topic]
