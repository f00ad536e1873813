"""Caches drop exactly what a write changed, in every process sharing the store, and cost no
database round trip while nothing changes."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from sqlalchemy import create_engine, event, text

from credo.server.app import create_app
from credo.server.bootstrap import effective_settings, open_services
from credo.settings import Settings
from credo.store import changes
from credo.store.db import Store, normalize_url
from credo.store.postgres_feed import APPLICATION_NAME
from credo.store.tagged_cache import Miss, TaggedCache
from tests.conftest import POSTGRES_URL, Server, allow
from tests.server.test_reply_bursts import signed_scope

# How long another process may take to honour a change (the bound is one second; the
# tests allow more for a loaded machine, and benchmarks/propagation.py measures the real time).
PROPAGATION_BOUND = 10.0

# The change feeds' LISTEN connections to the test's database (one per server process).
_FEED_CONNECTIONS = "FROM pg_stat_activity WHERE application_name = :name AND datname = current_database()"


def eventually(check: Callable[[], bool], bound: float = PROPAGATION_BOUND) -> bool:
    """Whether ``check()`` turns true within ``bound`` seconds (polled)."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def refused(call: Callable[[], Any], code: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            call()
        except botocore.exceptions.ClientError as error:
            return bool(error.response["Error"]["Code"] == code)
        return False

    return check


def test_cached_calls_make_no_database_round_trip(server: Server, tmp_path: Path) -> None:
    """Once a key and its policies are cached, GetCallerIdentity and an authorized IAM call
    that needs no stored resource run no SQL statement at all (PostgreSQL too: the change feed
    replaces the per-request freshness read)."""
    settings = Settings(dev=True, data_dir=tmp_path / "data", database_url=server.extra["database_url"])
    services, _ = open_services(effective_settings(settings))
    statements: list[str] = []
    event.listen(services.store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    app = create_app(services)
    statuses: list[int] = []

    async def call(body: bytes, service: str) -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(signed_scope(body, service), receive, send)

    identity = b"Action=GetCallerIdentity&Version=2011-06-15"
    try:
        assert services.store.wait_current(10)
        asyncio.run(call(identity, "sts"))  # fills the key cache
        statements.clear()
        for _ in range(20):
            asyncio.run(call(identity, "sts"))
        assert statuses == [200] * 21
        assert statements == []
    finally:
        services.store.dispose()


def test_a_write_drops_only_the_entries_built_from_what_it_changed(sqlite_store: Store) -> None:
    cache: TaggedCache[str, str] = TaggedCache(sqlite_store, limit=10)
    cache.put("alice", "alice's policies", frozenset({changes.user("u1"), changes.group("g1")}), 0)
    cache.put("bob", "bob's policies", frozenset({changes.user("u2")}), 0)
    with sqlite_store.write() as conn:
        changes.note(conn, changes.group("g1"))
    assert isinstance(cache.get("alice"), Miss)
    assert cache.get("bob") == "bob's policies"
    with sqlite_store.write():
        pass  # names nothing: everything may have changed
    assert isinstance(cache.get("bob"), Miss)


def test_a_topic_drops_every_entry_naming_it_as_entries_come_and_go(sqlite_store: Store) -> None:
    """A topic named by one entry, then by three, then by one again (the others evicted or
    replaced), still drops exactly the entries naming it at the time."""
    cache: TaggedCache[str, str] = TaggedCache(sqlite_store, limit=3)
    shared = changes.group("g1")

    def put(key: str, *topics: str) -> None:
        cache.put(key, key.upper(), frozenset(topics), cache.ticket())

    def note(topic: str) -> None:
        with sqlite_store.write() as conn:
            changes.note(conn, topic)

    put("a", shared, changes.user("a"))
    put("b", shared, changes.user("b"))
    put("c", shared)
    put("d", changes.user("d"))  # evicts a: the topic still names b and c
    put("b", changes.user("b"))  # b no longer names it: c alone does
    note(changes.user("zz"))  # unrelated: nothing dropped
    assert [cache.get(key) for key in ("b", "c", "d")] == ["B", "C", "D"]
    note(shared)
    assert isinstance(cache.get("c"), Miss)
    assert [cache.get(key) for key in ("b", "d")] == ["B", "D"]
    put("e", shared)  # the topic, emptied, is named afresh
    note(changes.user("b"))
    assert isinstance(cache.get("b"), Miss)
    assert cache.get("e") == "E"
    note(shared)
    assert isinstance(cache.get("e"), Miss)
    assert cache.get("d") == "D"


def test_an_entry_read_before_a_change_is_not_kept_after_it(sqlite_store: Store) -> None:
    """A reader that started before a commit must not store what the commit replaced."""
    cache: TaggedCache[str, str] = TaggedCache(sqlite_store, limit=10)
    ticket = cache.ticket()  # the reader starts, reads the old value …
    with sqlite_store.write() as conn:
        changes.note(conn, changes.user("u1"))  # … a change commits meanwhile …
    cache.put("alice", "old", frozenset({changes.user("u1")}), ticket)  # … and it tries to store
    assert isinstance(cache.get("alice"), Miss)


def test_cache_size_is_bounded_least_recently_used_first(sqlite_store: Store) -> None:
    cache: TaggedCache[int, int] = TaggedCache(sqlite_store, limit=3)
    for number in range(3):
        cache.put(number, number, frozenset({f"user:{number}"}), cache.ticket())
    assert cache.get(0) == 0  # used: 1 is now the oldest
    cache.put(3, 3, frozenset({"user:3"}), cache.ticket())
    assert len(cache) == 3
    assert isinstance(cache.get(1), Miss)
    assert [cache.get(number) for number in (0, 2, 3)] == [0, 2, 3]


def test_another_process_honours_revocations(
    server: Server, second: Server, make_user: Any, iam: Any
) -> None:
    """Each kind of change that takes access away, made through one process, refuses the next
    requests through the other (whose caches were warm) within the propagation bound."""
    name, _ = make_user("ivy", policy=allow("iam:ListUsers"))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    ivy = second.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    ivy.list_users()

    # A managed policy's new default version.
    iam.delete_user_policy(
        UserName=name, PolicyName=next(iter(iam.list_user_policies(UserName=name)["PolicyNames"]))
    )
    arn = iam.create_policy(PolicyName="lister", PolicyDocument=json.dumps(allow("iam:ListUsers")))["Policy"][
        "Arn"
    ]
    iam.create_group(GroupName="listers")
    iam.attach_group_policy(GroupName="listers", PolicyArn=arn)
    iam.add_user_to_group(GroupName="listers", UserName=name)
    assert eventually(lambda: not refused(ivy.list_users, "AccessDenied")())
    iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=json.dumps(allow("iam:GetUser")), SetAsDefault=True
    )
    assert eventually(refused(ivy.list_users, "AccessDenied"))

    # Group membership removed.
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert eventually(lambda: not refused(ivy.list_users, "AccessDenied")())
    iam.remove_user_from_group(GroupName="listers", UserName=name)
    assert eventually(refused(ivy.list_users, "AccessDenied"))

    # The key deactivated, then deleted.
    iam.add_user_to_group(GroupName="listers", UserName=name)
    assert eventually(lambda: not refused(ivy.list_users, "AccessDenied")())
    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert eventually(refused(ivy.list_users, "InvalidClientTokenId"))
    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Active")
    assert eventually(lambda: not refused(ivy.list_users, "InvalidClientTokenId")())
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    assert eventually(refused(ivy.list_users, "InvalidClientTokenId"))


def test_another_process_honours_a_changed_trust_policy(
    server: Server, second: Server, make_user: Any, iam: Any
) -> None:
    name, _ = make_user("rex", policy=allow("sts:AssumeRole"))
    user_arn = iam.get_user(UserName=name)["User"]["Arn"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"}],
    }
    role_arn = iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    rex = second.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    assert eventually(
        lambda: (
            not refused(lambda: rex.assume_role(RoleArn=role_arn, RoleSessionName="deploy"), "AccessDenied")()
        )
    )
    trust["Statement"][0]["Principal"] = {"AWS": f"arn:aws:iam::{user_arn.split(':')[4]}:root"}
    trust["Statement"][0]["Effect"] = "Deny"
    iam.update_assume_role_policy(RoleName="deployer", PolicyDocument=json.dumps(trust))
    assert eventually(
        refused(lambda: rex.assume_role(RoleArn=role_arn, RoleSessionName="deploy"), "AccessDenied")
    )


@pytest.mark.skipif(not POSTGRES_URL, reason="no PostgreSQL: set CREDO_TEST_DATABASE_URL")
def test_a_lost_change_feed_turns_caches_off_until_it_listens_again(
    server: Server, second: Server, make_user: Any, iam: Any
) -> None:
    """PostgreSQL: while a process's LISTEN connection is gone, no change may be missed."""
    if not server.extra["database_url"].startswith("postgresql"):
        pytest.skip("the change feed is PostgreSQL's")
    name, _ = make_user("lou", policy=allow("iam:ListUsers"))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    lou = second.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    lou.list_users()
    engine = create_engine(normalize_url(server.extra["database_url"]))
    try:
        with engine.begin() as conn:
            ended = conn.execute(
                text(f"SELECT pg_terminate_backend(pid) {_FEED_CONNECTIONS}"),
                {"name": APPLICATION_NAME},
            ).all()
        assert len(ended) == 2  # one per server process
        iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
        assert eventually(refused(lou.list_users, "InvalidClientTokenId"))

        def listening_again() -> bool:
            with engine.begin() as conn:
                count = conn.execute(
                    text(f"SELECT count(*) {_FEED_CONNECTIONS}"),
                    {"name": APPLICATION_NAME},
                ).scalar()
            return count == 2

        assert eventually(listening_again)
        iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Active")
        assert eventually(lambda: not refused(lou.list_users, "InvalidClientTokenId")())
    finally:
        engine.dispose()
