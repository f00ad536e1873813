"""ListUsers pages come from a cache, and every change to what they list shows at once.

The first test proves the cache answers (its hit counter on /metrics); the others would fail
if a write that changes a listed user, or a page, left a cached page behind — in the process
that wrote, and in another process on the same store.
"""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import Server
from tests.server.test_operator_endpoints import sample, scrape


def names(iam: Any, **params: Any) -> list[str]:
    return [user["UserName"] for user in iam.list_users(**params)["Users"]]


def page_lookups(server: Server) -> tuple[float, float]:
    samples = scrape(server.endpoint)
    return (
        sample(samples, "credo_cache_lookups_total", cache="pages", result="hit"),
        sample(samples, "credo_cache_lookups_total", cache="pages", result="miss"),
    )


def test_a_page_listed_again_comes_from_the_cache(server: Server, iam: Any) -> None:
    iam.create_user(UserName="alice")
    hits, misses = page_lookups(server)
    first = iam.list_users()
    second = iam.list_users()
    assert first["Users"] == second["Users"]
    hits_after, misses_after = page_lookups(server)
    # On PostgreSQL a miss is tried on the event loop first, then again in a thread: two misses.
    assert hits_after - hits == 1 and misses_after - misses in (1, 2)
    # Pages longer than 100 members are built each time.
    iam.list_users(MaxItems=500)
    iam.list_users(MaxItems=500)
    assert page_lookups(server) == (hits_after, misses_after)


def test_every_change_to_a_listed_user_shows_at_once(server: Server, iam: Any) -> None:
    for name in ("bob", "carol", "dave"):
        iam.create_user(UserName=name)
    assert names(iam) == ["bob", "carol", "dave"]
    first_page = iam.list_users(MaxItems=2)
    assert [user["UserName"] for user in first_page["Users"]] == ["bob", "carol"]

    iam.create_user(UserName="alice", Path="/team/")
    assert names(iam) == ["alice", "bob", "carol", "dave"]
    assert names(iam, MaxItems=2) == ["alice", "bob"]
    assert names(iam, Marker=first_page["Marker"]) == ["dave"]
    assert names(iam, PathPrefix="/team/") == ["alice"]

    iam.update_user(UserName="alice", NewUserName="zoe", NewPath="/")
    assert names(iam) == ["bob", "carol", "dave", "zoe"]
    assert names(iam, PathPrefix="/team/") == []
    listed = {user["UserName"]: user for user in iam.list_users()["Users"]}
    assert listed["zoe"]["Arn"].endswith(":user/zoe") and listed["zoe"]["Path"] == "/"

    iam.delete_user(UserName="carol")
    assert names(iam) == ["bob", "dave", "zoe"]
    assert names(iam, MaxItems=2) == ["bob", "dave"]


def eventually(read: Any, expected: Any, within: float = 10.0) -> Any:
    """``read()`` until it gives ``expected`` (another process learns of a change through the
    store's change feed: at once on SQLite, a NOTIFY away on PostgreSQL); its last answer."""
    deadline = time.monotonic() + within
    while (answer := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return answer


def test_another_process_sees_changes_made_through_this_one(server: Server, second: Server) -> None:
    here, there = server.client("iam"), second.client("iam")
    here.create_user(UserName="bob")
    assert names(there) == ["bob"]  # cached there now
    here.create_user(UserName="alice")
    assert eventually(lambda: names(there), ["alice", "bob"]) == ["alice", "bob"]
    here.update_user(UserName="bob", NewPath="/moved/")
    assert eventually(lambda: names(there, PathPrefix="/moved/"), ["bob"]) == ["bob"]
    here.delete_user(UserName="alice")
    assert eventually(lambda: names(there), ["bob"]) == ["bob"]
