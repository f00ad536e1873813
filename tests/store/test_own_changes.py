"""A process's own writes reach its caches once, at commit: PostgreSQL's echo of its own NOTIFY
is skipped, while other writers' changes still arrive through the change feed."""

from __future__ import annotations

import pytest

from credo.store import changes
from credo.store.changes import EVERYTHING
from credo.store.db import Store
from credo.store.postgres_feed import MAX_PAYLOAD, parse, payload
from tests.conftest import Server
from tests.server.test_operator_endpoints import sample, scrape
from tests.store.test_change_feed import eventually

DELIVERED = "credo_store_changes_delivered_total"
SKIPPED = "credo_store_own_notifications_skipped_total"


@pytest.mark.parametrize(
    ("topics", "sent"),
    [
        (frozenset({"user:AIDA1", "key:AKIA1"}), frozenset({"user:AIDA1", "key:AKIA1"})),
        (frozenset({EVERYTHING}), frozenset({EVERYTHING})),
        # Too long for a notification: everything changed, still from its origin.
        (frozenset({f"user:{n:04d}" * 20 for n in range(100)}), frozenset({EVERYTHING})),
    ],
)
def test_a_payload_names_its_origin_and_topics(topics: frozenset[str], sent: frozenset[str]) -> None:
    """A payload carries the writer's origin and its topics, or everything when they do not fit."""
    text = payload(topics, "0123abcd")
    assert len(text.encode()) <= MAX_PAYLOAD + 64
    assert parse(text) == ("0123abcd", sent)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("user:AIDA1\nkey:AKIA1", (None, frozenset({"user:AIDA1", "key:AKIA1"}))),
        ("", (None, frozenset({EVERYTHING}))),
        ("@0123abcd\n", ("0123abcd", frozenset({EVERYTHING}))),
    ],
)
def test_a_payload_without_origin_is_anyone_s(text: str, parsed: tuple[str | None, frozenset[str]]) -> None:
    """An older credo's payload (topics only) names no origin, so every process delivers it."""
    assert parse(text) == parsed


def test_a_process_drops_its_caches_once_for_its_own_writes(server: Server, store_kind: str) -> None:
    """The server's own writes are delivered at their commits and never again by its change feed
    (on PostgreSQL: each echo skipped), while another writer's change comes through the feed once."""
    before = scrape(server.endpoint)
    iam = server.client("iam")
    for number in range(3):
        iam.create_user(UserName=f"own-{number}")
    written = sample(scrape(server.endpoint), DELIVERED, source="write") - sample(
        before, DELIVERED, source="write"
    )
    assert written >= 3

    # Another writer. PostgreSQL delivers notifications in commit order, so once the server has
    # this one it has had the echo of each of its own writes before it.
    other = Store(server.extra["database_url"])
    try:
        with other.write() as conn:
            changes.note(conn, changes.user("AIDANOBODYWROTEME000"))
    finally:
        other.dispose()

    def from_feed() -> float:
        server.client("sts").get_caller_identity()  # SQLite: a request reads the shared ring
        return sample(scrape(server.endpoint), DELIVERED, source="feed") - sample(
            before, DELIVERED, source="feed"
        )

    assert eventually(lambda: from_feed() >= 1)
    after = scrape(server.endpoint)
    assert sample(after, DELIVERED, source="feed") - sample(before, DELIVERED, source="feed") == 1
    skipped = sample(after, SKIPPED) - sample(before, SKIPPED)
    assert skipped >= written if store_kind == "postgresql" else skipped == 0
