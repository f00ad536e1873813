"""``MaxResults`` / ``NextToken`` pages for the JSON services, with IAM's write-stable tokens.

A token names the sort key of the last item returned (``iam/paging.py``), so items created or
deleted between pages neither repeat nor vanish. A token credo did not issue is a
``ValidationException``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from credo.errors import InvalidInput, ValidationException
from credo.iam.paging import decode_marker, encode_marker

T = TypeVar("T")
DEFAULT_MAX_RESULTS = 100


def after(token: str | None) -> str | None:
    """The sort key after which the page ``token`` asks for starts."""
    try:
        return decode_marker(token or None)
    except InvalidInput:
        raise ValidationException("The NextToken is invalid.") from None


def limit_of(max_results: int | None) -> int:
    """How many rows to fetch: one more than shown, to know whether another page follows."""
    return (max_results or DEFAULT_MAX_RESULTS) + 1


def page(
    rows: Sequence[T],
    max_results: int | None,
    sort_key: Callable[[T], str],
    name: str,
    shown: Callable[[T], Any],
) -> dict[str, Any]:
    """The response members for one page of ``rows`` (fetched with ``limit_of``)."""
    limit = max_results or DEFAULT_MAX_RESULTS
    kept = list(rows[:limit])
    result: dict[str, Any] = {name: [shown(row) for row in kept]}
    if len(rows) > limit:
        result["NextToken"] = encode_marker(sort_key(kept[-1]))
    return result
