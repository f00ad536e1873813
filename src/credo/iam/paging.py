"""``Marker`` / ``MaxItems`` / ``IsTruncated`` pagination with opaque, write-stable markers.

A marker names the sort key of the last item returned, not an offset, so items created or
deleted between pages neither repeat nor vanish.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Connection, Result, Select, Table, bindparam, select

from credo.errors import InvalidInput

T = TypeVar("T")
DEFAULT_MAX_ITEMS = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_POSITION = re.compile(r"[0-9]{1,9}")


def decode_marker(marker: str | None) -> str | None:
    """The sort key after which the next page starts.

    A marker credo issues holds no control character; one that decodes to any (``AAAA`` is
    three NULs, which PostgreSQL cannot even compare) is refused before it reaches a query.
    """
    if marker is None:
        return None
    try:
        padded = marker.encode() + b"=" * (-len(marker) % 4)
        decoded = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("Invalid Marker.") from None
    if not decoded or _CONTROL.search(decoded):
        raise InvalidInput("Invalid Marker.")
    return decoded


def decode_position(text: str | None) -> int | None:
    """A number kept in (part of) a marker: a few ASCII digits, or the marker is refused."""
    if text is None:
        return None
    if not _POSITION.fullmatch(text):
        raise InvalidInput("Invalid Marker.")
    return int(text)


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


def name_page(
    conn: Connection, table: Table, columns: tuple[str, ...], account_id: str, params: Mapping[str, Any]
) -> Result[*tuple[Any, ...]]:
    """``columns`` of one page of an account's ``table`` (users, roles, groups…) in name order, as
    ``PathPrefix``, ``Marker`` and ``MaxItems`` ask, with one row more when there are more."""
    after = decode_marker(params.get("Marker"))
    prefix = params.get("PathPrefix")
    values: dict[str, Any] = {"account_id": account_id, "limit": limit_of(params.get("MaxItems"))}
    if prefix:
        values["path_like"] = _LIKE_SPECIAL.sub(r"/\g<0>", prefix) + "%"
    if after is not None:
        values["after"] = after
    statement = _name_page_statement(table, columns, bool(prefix), after is not None)
    return conn.execute(statement, values)


# What ``startswith(…, autoescape=True)`` escapes, with "/" as the escape character.
_LIKE_SPECIAL = re.compile(r"[/%_]")


@cache
def _name_page_statement(
    table: Table, columns: tuple[str, ...], by_path: bool, after: bool
) -> Select[*tuple[Any, ...]]:
    """Built once per table, columns and filters: building and hashing a statement on every
    request cost about as much as running it."""
    query = select(*(table.c[name] for name in columns)).where(table.c.account_id == bindparam("account_id"))
    if by_path:
        query = query.where(table.c.path.like(bindparam("path_like"), escape="/"))
    if after:
        query = query.where(table.c.name_lower > bindparam("after"))
    return query.order_by(table.c.name_lower).limit(bindparam("limit"))
