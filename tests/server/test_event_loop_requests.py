"""Where requests are answered, seen on ``/metrics``: a cached GetCallerIdentity on the event loop
on both stores (on PostgreSQL it needs no database, so no thread); on PostgreSQL a write in the
thread pool, after its first store access on the loop sent it there."""

from __future__ import annotations

from tests.conftest import Server
from tests.server.test_operator_endpoints import sample, scrape

ANSWERED = "credo_signed_requests_answered_total"


def answered(server: Server) -> tuple[float, float]:
    """Signed requests answered so far on the event loop and in the thread pool."""
    samples = scrape(server.endpoint)
    return sample(samples, ANSWERED, on="event_loop"), sample(samples, ANSWERED, on="thread_pool")


def test_a_cached_get_caller_identity_is_answered_on_the_event_loop(server: Server, store_kind: str) -> None:
    """With its key cached, GetCallerIdentity never goes to a thread, on PostgreSQL too."""
    sts = server.client("sts")
    sts.get_caller_identity()  # fills the credential cache
    loop, threads = answered(server)
    for _ in range(5):
        sts.get_caller_identity()
    assert answered(server) == (loop + 5, threads)


def test_a_write_on_postgresql_is_answered_in_the_thread_pool(server: Server, store_kind: str) -> None:
    """CreateUser needs the database: on PostgreSQL it is answered in a thread, on SQLite on the loop."""
    iam = server.client("iam")
    iam.get_user()  # the caller's credentials and policies cached
    loop, threads = answered(server)
    iam.create_user(UserName="threaded")
    if store_kind == "postgresql":
        assert answered(server) == (loop, threads + 1)
    else:
        assert answered(server) == (loop + 1, threads)
