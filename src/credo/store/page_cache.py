"""Pages of listings, kept until a write changes what they list.

A ListUsers page of 100 users costs the server several times a GetCallerIdentity, most of it
reading the rows and building the members, and consoles and scripts list the same pages again
and again between changes. An entry names the listing topic its rows came from (e.g.
``changes.user_listing``): any write that adds, removes, renames, moves or signs in a user
notes that topic and so drops the account's pages — in this process when it commits, in the
others as the change feed delivers it, as for every cache here (``TaggedCache``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from credo.shared_result import SharedResult
from credo.store.db import Store
from credo.store.tagged_cache import Miss, TaggedCache

# Entries, each a page of at most CACHED_MEMBERS members: about 20 MB when full.
PAGE_CACHE_SIZE = 256
# Longer pages (MaxItems up to 1,000) are built each time: rarer, and ten times the memory.
CACHED_MEMBERS = 100

Page = Mapping[str, Any]


class PageCache:
    """``key → page``, each page dropped when its listing's topic changes."""

    def __init__(self, store: Store, limit: int = PAGE_CACHE_SIZE) -> None:
        self._cache: TaggedCache[Hashable, Page] = TaggedCache(store, limit)

    @property
    def hits(self) -> int:
        return self._cache.hits

    @property
    def misses(self) -> int:
        return self._cache.misses

    def page(self, key: Hashable, topic: str, members: int, build: Callable[[], Page]) -> Page:
        """The page ``build`` makes for ``key`` (of up to ``members`` members), from the cache when
        held. Callers must not change what is returned: the next caller gets the same objects
        (a ``SharedResult``, which a protocol renders once)."""
        if members > CACHED_MEMBERS:
            return build()
        found = self._cache.get(key)
        if not isinstance(found, Miss):
            return found
        ticket = self._cache.ticket()
        built = SharedResult(build())
        self._cache.put(key, built, (topic,), ticket)
        return built
