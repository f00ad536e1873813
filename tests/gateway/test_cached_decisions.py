"""Cached decisions stay correct: a key's signer and its remembered allowed judgements
(credo.gateway.signers) give way to revocations at the next decision, and a cached success
never lets a wrong signature through.

Each case runs against the decision endpoint (the server's caches) and against the ASGI
middleware in local mode (this process's caches, on the server's store: a change written by the
server reaches them through the store's change feed, as it reaches another server process).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from credo.gateway.catalog import put_definition, remove_definition
from credo.gateway.definitions import load_definition
from credo.gateway.local import LocalDecider
from credo.gateway.middleware import CredoMiddleware, Receive, Scope, Send
from credo.settings import Settings
from credo.store.db import Store
from tests.conftest import DEV_ACCOUNT, Server, last_changed
from tests.gateway.support import World, allow, as_original, build_world, decision_call, signed
from tests.gateway.test_definitions import EXAMPLE

SERVICE = "http://widgets.example"
FRONTENDS = ["endpoint", "middleware"]
# What a frontend says of a request: "allow", or the refusal's error code.
Decide = Callable[[AWSRequest], str]

READ = {"Effect": "Allow", "Action": "widgets:GetWidget", "Resource": "*"}
DENY_READ = {"Sid": "NoMore", "Effect": "Deny", "Action": "widgets:GetWidget", "Resource": "*"}


@pytest.fixture(scope="module")
def world(dev_server: Server) -> Iterator[World]:
    yield build_world(dev_server)


@pytest.fixture(scope="module")
def local(world: World) -> Iterator[CredoMiddleware]:
    """The middleware in local mode, on the server's store, in this process."""
    decider = LocalDecider(Settings(dev=True, database_url=world.server.extra["database_url"]))
    try:
        yield CredoMiddleware(_service, service="widgets", decider=decider)
    finally:
        decider.close()


async def _service(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture(params=FRONTENDS)
def decide(request: pytest.FixtureRequest, world: World) -> Decide:
    if request.param == "endpoint":
        return lambda call: _by_endpoint(world, call)
    middleware: CredoMiddleware = request.getfixturevalue("local")
    return lambda call: _by_middleware(middleware, call)


def _by_endpoint(world: World, call: AWSRequest) -> str:
    answer = decision_call(world, as_original(call)).json()
    return "allow" if answer["decision"] == "allow" else str(answer["reason"]["code"])


def _by_middleware(middleware: CredoMiddleware, call: AWSRequest) -> str:
    path = "/" + call.url.split("/", 3)[3]
    scope = {
        "type": "http",
        "method": call.method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(k.lower().encode(), str(v).encode()) for k, v in call.headers.items()]
        + [(b"host", b"widgets.example")],
        "client": ("203.0.113.7", 40000),
        "scheme": "https",
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    asyncio.run(middleware(scope, receive, send))
    start = sent[0]
    if start["status"] == 200:
        return "allow"
    return str(dict(start["headers"])[b"x-credo-error"].decode())


def settled(decide: Decide, make: Callable[[], AWSRequest], expected: str) -> str:
    """The decision once the frontend has heard of a change the server committed: at once in the
    server's process and, on SQLite, in this one; PostgreSQL's NOTIFY reaches this process
    milliseconds later. Polled for at most 5 s; then whatever it still says."""
    deadline = time.monotonic() + 5
    found = decide(make())
    while found != expected and time.monotonic() < deadline:
        time.sleep(0.02)
        found = decide(make())
    return found


def new_user(world: World, name: str, *statements: dict[str, Any]) -> Credentials:
    iam = world.server.client("iam")
    iam.create_user(UserName=name)
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=allow(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"])


def reading(keys: Credentials) -> Callable[[], AWSRequest]:
    return lambda: signed(keys, "GET", SERVICE + "/widgets/w-1")


def cached_allow(decide: Decide, make: Callable[[], AWSRequest]) -> None:
    """Allowed twice: the second from the signer and the remembered judgement."""
    assert decide(make()) == "allow"
    assert decide(make()) == "allow"


def test_revoked_key(world: World, decide: Decide, request: pytest.FixtureRequest) -> None:
    """A deactivated key is refused at the next decision, then a deleted one."""
    name = f"revoked-{request.node.callspec.id}"
    keys = new_user(world, name, READ)
    cached_allow(decide, reading(keys))
    iam = world.server.client("iam")
    iam.update_access_key(UserName=name, AccessKeyId=keys.access_key, Status="Inactive")
    assert settled(decide, reading(keys), "InvalidClientTokenId") == "InvalidClientTokenId"
    iam.update_access_key(UserName=name, AccessKeyId=keys.access_key, Status="Active")
    assert settled(decide, reading(keys), "allow") == "allow"
    iam.delete_access_key(UserName=name, AccessKeyId=keys.access_key)
    assert settled(decide, reading(keys), "InvalidClientTokenId") == "InvalidClientTokenId"


def test_detached_policy(world: World, decide: Decide, request: pytest.FixtureRequest) -> None:
    """Detaching the managed policy that allowed the request refuses the next one."""
    name = f"detached-{request.node.callspec.id}"
    keys = new_user(world, name)
    iam = world.server.client("iam")
    arn = iam.create_policy(PolicyName=f"read-{name}", PolicyDocument=allow(READ))["Policy"]["Arn"]
    iam.attach_user_policy(UserName=name, PolicyArn=arn)
    cached_allow(decide, reading(keys))
    iam.detach_user_policy(UserName=name, PolicyArn=arn)
    assert settled(decide, reading(keys), "AccessDenied") == "AccessDenied"


def test_changed_policy_version(world: World, decide: Decide, request: pytest.FixtureRequest) -> None:
    """A new default version of an attached managed policy applies at the next decision."""
    name = f"versioned-{request.node.callspec.id}"
    keys = new_user(world, name)
    iam = world.server.client("iam")
    arn = iam.create_policy(PolicyName=f"read-{name}", PolicyDocument=allow(READ))["Policy"]["Arn"]
    iam.attach_user_policy(UserName=name, PolicyArn=arn)
    cached_allow(decide, reading(keys))
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow(READ, DENY_READ), SetAsDefault=True)
    assert settled(decide, reading(keys), "AccessDenied") == "AccessDenied"


@pytest.mark.parametrize("where", ["user", "group"])
def test_added_explicit_deny(
    world: World, decide: Decide, where: str, request: pytest.FixtureRequest
) -> None:
    """A Deny added to the user's own policies, or to a group it is in, refuses the next request."""
    name = f"denied-{request.node.callspec.id}".replace("[", "-").replace("]", "")
    keys = new_user(world, name, READ)
    iam = world.server.client("iam")
    iam.create_group(GroupName=name)
    iam.add_user_to_group(GroupName=name, UserName=name)
    cached_allow(decide, reading(keys))
    if where == "user":
        iam.put_user_policy(UserName=name, PolicyName="deny", PolicyDocument=allow(DENY_READ))
    else:
        iam.put_group_policy(GroupName=name, PolicyName="deny", PolicyDocument=allow(DENY_READ))
    assert settled(decide, reading(keys), "AccessDenied") == "AccessDenied"


def test_changed_definition(world: World, decide: Decide, request: pytest.FixtureRequest) -> None:
    """A service definition put or removed (here by another process: this test's own store
    connection) applies to the next decision of a key whose requests were routed before."""
    keys = new_user(world, f"routed-{request.node.callspec.id}", READ)
    cached_allow(decide, reading(keys))
    route = '  - {method: GET, path: "/widgets/{WidgetId}", action: GetWidget, resource: widget}\n'
    text = EXAMPLE.read_text()
    assert route in text
    store = Store(world.server.extra["database_url"])
    try:
        with store.write() as conn:
            put_definition(conn, load_definition(text.replace(route, "")), DEV_ACCOUNT, datetime.now(UTC))
        unknown = "UnknownOperationException"
        assert settled(decide, reading(keys), unknown) == unknown
        with store.write() as conn:
            remove_definition(conn, "widgets", DEV_ACCOUNT)
    finally:
        store.dispose()
    assert settled(decide, reading(keys), "allow") == "allow"


def test_tampered_signature_after_cached_success(
    world: World, decide: Decide, request: pytest.FixtureRequest
) -> None:
    """After the key's requests were allowed from the cache, a wrong signature, or a request
    other than the one signed, is still refused."""
    keys = new_user(world, f"tampered-{request.node.callspec.id}", READ)
    cached_allow(decide, reading(keys))
    call = reading(keys)()
    call.headers.replace_header("Authorization", last_changed(call.headers["Authorization"]))
    assert decide(call) == "SignatureDoesNotMatch"
    other = reading(keys)()
    other.url = SERVICE + "/widgets/w-2"  # signed for /widgets/w-1
    assert decide(other) == "SignatureDoesNotMatch"
    wrong_secret = Credentials(keys.access_key, last_changed(keys.secret_key))
    assert decide(reading(wrong_secret)()) == "SignatureDoesNotMatch"
    assert decide(reading(keys)()) == "allow"


@pytest.mark.parametrize("frontend", ["middleware", "endpoint"])  # the server's clock moves last
def test_cached_session_expires(world: World, frontend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session allowed from the cache is refused once it has expired: its end is checked on
    every request. (Last in the module: the server's clock only moves forward; the next module
    resets it. The middleware's case has a decider of its own, whose clock it moves.)"""
    keys = new_user(world, f"session-{frontend}", READ)
    sts = world.server.client("sts", keys.access_key, keys.secret_key)
    found = sts.get_session_token(DurationSeconds=900)["Credentials"]
    session = Credentials(found["AccessKeyId"], found["SecretAccessKey"], found["SessionToken"])
    with ExitStack() as stack:
        if frontend == "endpoint":
            decide: Decide = lambda call: _by_endpoint(world, call)  # noqa: E731
            advance: Callable[[float], None] = world.server.advance_clock
        else:
            decider = LocalDecider(Settings(dev=True, database_url=world.server.extra["database_url"]))
            stack.callback(decider.close)
            middleware = CredoMiddleware(_service, service="widgets", decider=decider)
            decide = lambda call: _by_middleware(middleware, call)  # noqa: E731
            advance = decider.decider.clock.advance
        cached_allow(decide, reading(session))
        advance(16 * 60)
        real_now = botocore.auth.get_current_datetime

        def later(remove_tzinfo: bool = True) -> datetime:
            # Signed at the moved clock's time, so that the signature's date is current.
            moment: datetime = real_now(remove_tzinfo=remove_tzinfo)
            return moment + timedelta(minutes=16)

        monkeypatch.setattr(botocore.auth, "get_current_datetime", later)
        assert decide(reading(session)()) == "ExpiredToken"
