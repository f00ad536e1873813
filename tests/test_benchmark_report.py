"""The shared docs/benchmarks.md writer replaces only the section it is given."""

from __future__ import annotations

import pytest
from benchmarks.report import replace_section

DOCUMENT = "# Benchmarks\n\n## A\n\nold a\n\n## B\n\n```\n## not a heading\n```\nold b\n\n## C\n\nc\n"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("## A", "# Benchmarks\n\n## A\nnew\n\n## B\n\n```\n## not a heading\n```\nold b\n\n## C\n\nc\n"),
        ("## B", "# Benchmarks\n\n## A\n\nold a\n\n## B\nnew\n\n## C\n\nc\n"),
        ("## C", "# Benchmarks\n\n## A\n\nold a\n\n## B\n\n```\n## not a heading\n```\nold b\n\n## C\nnew\n"),
        ("## D", DOCUMENT.rstrip("\n") + "\n\n## D\nnew\n"),
    ],
)
def test_replace_section(title: str, expected: str) -> None:
    """Only the titled section changes (headings inside code fences do not end it); a new one is appended."""
    assert replace_section(DOCUMENT, title, f"{title}\nnew\n") == expected


def test_empty_document_gets_a_title() -> None:
    """Writing into nothing starts the document with its title."""
    assert replace_section("", "## A", "## A\nx\n") == "# Benchmarks\n\n## A\nx\n"
