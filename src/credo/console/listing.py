"""Search and paging for the console's lists, as the IAM console's tables offer them.

A list page takes ``?q=`` (case-insensitive substring of the row's searchable text) and
``?page=`` (1-based); bad values fall back to the first page rather than an error. A page's own
filters (``keep``, e.g. the Policies type filter) ride along in the pager's links and the search.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request

Row = TypeVar("Row")

PAGE_SIZE = 25
_MAX_QUERY = 128


@dataclass(frozen=True)
class Listing(Generic[Row]):
    """One page of a filtered list, with what the pager template needs."""

    rows: Sequence[Row]
    total: int
    query: str
    page: int
    pages: int
    path: str
    keep: Mapping[str, str] = field(default_factory=dict)
    page_size: int = PAGE_SIZE

    def link(self, page: int) -> str:
        params = {"q": self.query, "page": str(page)} if self.query else {"page": str(page)}
        return f"{self.path}?{urlencode({**self.keep, **params})}"

    @property
    def first_shown(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.page_size + 1

    @property
    def last_shown(self) -> int:
        return min(self.page * self.page_size, self.total)


def search_and_page(
    request: Request,
    rows: Sequence[Row],
    text_of: Callable[[Row], str],
    page_size: int = PAGE_SIZE,
    keep: Mapping[str, str] | None = None,
) -> Listing[Row]:
    """The page of ``rows`` the request asks for, keeping those whose text contains ``q``."""
    params = request.query_params
    return page_of(
        rows, text_of, params.get("q", ""), params.get("page", "1"), request.url.path, page_size, keep
    )


def page_of(
    rows: Sequence[Row],
    text_of: Callable[[Row], str],
    query: str,
    page_text: str,
    path: str,
    page_size: int = PAGE_SIZE,
    keep: Mapping[str, str] | None = None,
) -> Listing[Row]:
    """``search_and_page`` for a search and page that arrive some other way (a wizard's form)."""
    query = query.strip()[:_MAX_QUERY]
    needle = query.casefold()
    kept = [row for row in rows if needle in text_of(row).casefold()] if needle else list(rows)
    pages = max(1, -(-len(kept) // page_size))
    try:
        page = int(page_text)
    except ValueError:
        page = 1
    page = min(max(page, 1), pages)
    start = (page - 1) * page_size
    return Listing(
        kept[start : start + page_size], len(kept), query, page, pages, path, dict(keep or {}), page_size
    )
