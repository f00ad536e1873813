"""AWS-shaped identifiers."""

from __future__ import annotations

import re
import uuid

import pytest

from credo import ids


def test_request_ids_are_version_4_uuids() -> None:
    """Request ids parse as UUID4 and print back unchanged, and do not repeat."""
    seen = {ids.request_id() for _ in range(2000)}
    assert len(seen) == 2000
    for value in seen:
        parsed = uuid.UUID(value)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, value)


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda: ids.access_key_id(), r"AKIA[A-Z2-7]{16}"),
        (lambda: ids.access_key_id(ids.TEMPORARY_ACCESS_KEY), r"ASIA[A-Z2-7]{16}"),
        (lambda: ids.entity_id(ids.USER), r"AIDA[A-Z2-7]{17}"),
        (ids.secret_access_key, r"[A-Za-z0-9+/]{40}"),
        (ids.account_id, r"[1-9][0-9]{11}"),
    ],
)
def test_id_shapes(make: object, pattern: str) -> None:
    """Ids and secrets have AWS's prefixes, lengths and alphabets."""
    for _ in range(200):
        assert re.fullmatch(pattern, make())  # type: ignore[operator]
