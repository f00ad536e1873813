"""A bounded LRU cache whose entries name the topics they were built from.

The store hands every committed change's topics (``credo.store.changes``) to ``invalidate``,
which drops exactly the entries built from them. Two rules keep it honest:

- An entry is only stored if no change arrived between the ``ticket()`` taken before reading
  the database and the ``put()``: otherwise a reader that started before a commit could store
  what the commit just replaced, after the commit's invalidation went by.
- Nothing is served or stored while the store cannot vouch for its change feed
  (``Store.current()`` false: PostgreSQL's listener is reconnecting).

The size limit keeps memory flat however many identities the store holds, and an entry is kept
small, since tens of thousands are held: its topics as a tuple, and a topic that one entry alone
names (a key's own, nearly every one) indexes that entry's key directly rather than a set of one
(docs/benchmarks.md, "Scale": about half of a cached access key's memory was those sets).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection
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
        self._entries: OrderedDict[K, tuple[V, tuple[str, ...]]] = OrderedDict()
        # topic → the one key whose entry names it, or the set of them when several do (a key is
        # hashable, so never a set itself).
        self._keys_by_topic: dict[str, K | set[K]] = {}
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
        # No lock: each OrderedDict call is one step under the GIL (keys are strings and tuples of
        # them, hashed and compared in C), and an entry dropped between the two (by ``put`` or
        # ``invalidate`` in another thread) was read before it went, as under a lock. The lock
        # cost a third of a hit, paid twice per decision.
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return MISS
        try:  # noqa: SIM105 (contextlib.suppress: a context manager on every hit)
            self._entries.move_to_end(key)
        except KeyError:
            pass  # dropped since: the value read stands, as it would had the drop come next
        self.hits += 1
        return found[0]

    def ticket(self) -> int:
        """Take before reading what ``put`` will store."""
        return self._changes

    def put(self, key: K, value: V, topics: Collection[str], ticket: int) -> None:
        """Keep ``value`` under ``key`` (``topics`` named once each), unless a change came since ``ticket``."""
        # Asked first, outside the lock: catching up may deliver changes to ``invalidate``.
        if not self._store.current():
            return
        with self._lock:
            if ticket != self._changes:
                return
            self._forget(key)
            self._entries[key] = (value, tuple(topics))
            index = self._keys_by_topic
            for topic in topics:
                if topic not in index:
                    index[topic] = key
                    continue
                held = index[topic]
                if isinstance(held, set):
                    held.add(key)
                elif held != key:
                    index[topic] = {held, key}
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
                if topic not in self._keys_by_topic:
                    continue
                held = self._keys_by_topic[topic]
                for key in list(held) if isinstance(held, set) else [held]:
                    self._forget(key)

    def _forget(self, key: K) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        index = self._keys_by_topic
        for topic in entry[1]:
            if topic not in index:
                continue
            held = index[topic]
            if isinstance(held, set):
                held.discard(key)
                if len(held) == 1:
                    index[topic] = next(iter(held))
            elif held == key:
                del index[topic]
