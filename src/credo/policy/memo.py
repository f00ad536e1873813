"""``Memo``: the bounded, self-filling dictionary behind the engine's per-policy caches."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(dict[K, V]):
    """A dict that makes a missing value with ``make`` on first look-up, holding at most
    ``limit`` entries (it starts over when full: what it caches is a small working set).

    ``memo[key]`` is one dictionary look-up when the value is there: cheaper than calling a
    method that looks up and fills a dict, and the look-up and the filling are written once.
    """

    __slots__ = ("limit", "make")

    def __init__(self, make: Callable[[K], V], limit: int) -> None:
        super().__init__()
        self.make = make
        self.limit = limit

    def __missing__(self, key: K) -> V:
        value = self.make(key)
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
