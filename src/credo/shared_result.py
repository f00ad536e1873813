"""A result that many calls answer with unchanged, so a protocol may render it once.

The page cache (``credo.store.page_cache``) serves the same ListUsers page to every caller until
a write changes it, and rendering 100 users as XML is most of such a call's cost. A
``SharedResult`` carries its renderings (``renderings``, keyed by what the protocol renders it
as): they are made from contents nobody may change, and they live and die with the result, so
they are dropped exactly when the page is.

Here, beside nothing, because the store below makes these and the protocols above render them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class SharedResult(dict[str, Any]):
    """A result mapping served unchanged to many calls; read it, never change it."""

    __slots__ = ("renderings",)

    def __init__(self, content: Mapping[str, Any]) -> None:
        super().__init__(content)
        self.renderings: dict[object, str] = {}
