"""``Marker`` / ``MaxItems`` / ``IsTruncated`` pagination with opaque, write-stable markers.

A marker names the sort key of the last item returned, not an offset, so items created or
deleted between pages neither repeat nor vanish.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from credo.errors import InvalidInput

T = TypeVar("T")
DEFAULT_MAX_ITEMS = 100


def decode_marker(marker: str | None) -> str | None:
    """The sort key after which the next page starts."""
    if marker is None:
        return None
    try:
        return base64.urlsafe_b64decode(marker.encode() + b"=" * (-len(marker) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("Invalid Marker.") from None


def encode_marker(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


def page(rows: Sequence[T], max_items: int | None, sort_key: Callable[[T], str], name: str) -> dict[str, Any]:
    """The response members for one page of ``rows`` (fetched with one extra row to spot more)."""
    limit = max_items or DEFAULT_MAX_ITEMS
    shown = list(rows[:limit])
    result: dict[str, Any] = {name: shown, "IsTruncated": len(rows) > limit}
    if len(rows) > limit:
        result["Marker"] = encode_marker(sort_key(shown[-1]))
    return result


def limit_of(max_items: int | None) -> int:
    """How many rows to fetch: one more than shown, to know whether the list is truncated."""
    return (max_items or DEFAULT_MAX_ITEMS) + 1
