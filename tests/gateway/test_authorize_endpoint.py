"""POST /_credo/authorize: the decision endpoint, called as a service would call it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import DEV_ACCOUNT, Server
from tests.gateway.support import WIDGET, World, as_original, build_world, decision_call, presigned, signed

SERVICE = "http://widgets.example"


@pytest.fixture(scope="module")
def world(dev_server: Server) -> Iterator[World]:
    yield build_world(dev_server)


def decide(
    world: World, user: str, method: str, path: str, body: bytes = b"", **extra: Any
) -> dict[str, Any]:
    original = as_original(signed(world.keys[user], method, SERVICE + path, body)) | extra
    answer = decision_call(world, original)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_allowed_with_the_principal(world: World) -> None:
    """An allowed request is answered with the principal, the action and the resource."""
    answer = decide(world, "reader", "GET", "/widgets/w-1")
    assert answer["decision"] == "allow"
    assert answer["action"] == "widgets:GetWidget"
    assert answer["resource"] == f"{WIDGET}/w-1"
    principal = answer["principal"]
    assert principal["arn"] == f"arn:aws:iam::{DEV_ACCOUNT}:user/reader"
    assert principal["account"] == DEV_ACCOUNT
    assert principal["userId"].startswith("AIDA")
    assert answer["matchedStatements"][0]["sid"] == "ReadWidgets"


@pytest.mark.parametrize(
    ("user", "method", "path", "extra", "message", "detail"),
    [
        (
            "reader",
            "GET",
            "/widgets/secret-1",
            {},
            f"User: arn:aws:iam::{DEV_ACCOUNT}:user/reader is not authorized to perform: widgets:GetWidget "
            f"on resource: {WIDGET}/secret-1 with an explicit deny in an identity-based policy",
            "Denied by statement NotTheSecretOnes of policy user/reader/p.",
        ),
        (
            "reader",
            "DELETE",
            "/widgets/w-1",
            {},
            "because no identity-based policy allows the widgets:DeleteWidget action",
            "No statement allows this action on this resource.",
        ),
        (
            "bounded",
            "GET",
            "/widgets/w-1",
            {},
            "because no permissions boundary allows the widgets:GetWidget action",
            "No statement allows this action on this resource.",
        ),
        (
            "reader",
            "GET",
            "/widgets/paint-1",
            {"context": {"widgets:Color": "blue"}},
            "with an explicit deny in an identity-based policy",
            "Denied by statement RedOnly of policy user/reader/p.",
        ),
        (
            "reader",
            "GET",
            "/widgets/w-1",
            {
                "resource_policy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "NoReaders",
                            "Effect": "Deny",
                            "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:user/reader"},
                            "Action": "widgets:*",
                            "Resource": "*",
                        }
                    ],
                }
            },
            "with an explicit deny in a resource-based policy",
            "Denied by statement NoReaders of policy ResourcePolicy.",
        ),
    ],
)
def test_denials_say_why(
    world: World, user: str, method: str, path: str, extra: dict[str, Any], message: str, detail: str
) -> None:
    """A refusal carries AWS's AccessDenied message, the deciding statement and an encoded message."""
    answer = decide(world, user, method, path, **extra)
    assert answer["decision"] == "deny"
    assert answer["status"] == 403
    reason = answer["reason"]
    assert reason["code"] == "AccessDenied"
    assert message in reason["message"]
    assert reason["detail"] == detail
    assert reason["encodedMessage"]
    decoded = world.server.client("sts").decode_authorization_message(EncodedMessage=reason["encodedMessage"])
    assert json.loads(decoded["DecodedMessage"])["context"]["action"] == answer["action"]


def test_context_key_allows(world: World) -> None:
    """The service's own condition keys come in ``context``."""
    assert (
        decide(world, "reader", "GET", "/widgets/paint-1", context={"widgets:Color": "red"})["decision"]
        == "allow"
    )


def test_mfa_session(world: World) -> None:
    """A session from GetSessionToken may delete only when it was made with MFA."""
    without = decide(world, "mfa-session-without-mfa", "DELETE", "/widgets/w-1")
    assert without["decision"] == "deny"
    assert without["principal"]["multiFactorAuthPresent"] is False
    assert decide(world, "mfa-session", "DELETE", "/widgets/w-1")["decision"] == "allow"


@pytest.mark.parametrize(
    ("change", "status", "code", "message"),
    [
        ({"payload_hash": "0" * 64}, 401, "SignatureDoesNotMatch", "signature"),
        ({"method": "PUT"}, 401, "SignatureDoesNotMatch", "signature"),
        ({"url": "/widgets/w-2"}, 401, "SignatureDoesNotMatch", "signature"),
        (
            {"headers": {"Host": "widgets.example"}, "service": "widgets"},
            401,
            "MissingAuthenticationToken",
            "",
        ),
    ],
)
def test_unverified_requests(
    world: World, change: dict[str, Any], status: int, code: str, message: str
) -> None:
    """A request that does not match its signature is refused before any policy is read."""
    original = as_original(signed(world.keys["reader"], "GET", SERVICE + "/widgets/w-1")) | change
    answer = decision_call(world, original).json()
    assert (answer["decision"], answer["status"], answer["reason"]["code"]) == ("deny", status, code)
    assert message in answer["reason"]["message"]
    assert answer["principal"] is None


def test_signed_for_another_service(world: World) -> None:
    """A request signed for another service's name is refused when the caller names its own."""
    request = signed(world.keys["reader"], "GET", SERVICE + "/widgets/w-1", service="gadgets")
    answer = decision_call(world, as_original(request) | {"service": "widgets"}).json()
    assert answer["reason"]["code"] == "SignatureDoesNotMatch"
    assert answer["reason"]["message"] == "Credential should be scoped to correct service: 'widgets'."
    assert answer["reason"]["detail"] == "The request is signed for 'gadgets'; this service is 'widgets'."


def test_tampered_body(world: World) -> None:
    """The body's hash is part of the signature: another body is refused."""
    request = signed(world.keys["reader"], "POST", SERVICE + "/widgets/w-1/tags", b'{"tag": "a"}')
    answer = decision_call(world, as_original(request, payload=b'{"tag": "b"}')).json()
    assert answer["reason"]["code"] == "SignatureDoesNotMatch"


def test_unknown_route(world: World) -> None:
    """A path no route maps is refused, naming the methods that are mapped there."""
    answer = decide(world, "reader", "POST", "/widgets/w-1")
    assert answer["status"] == 403
    assert answer["reason"]["message"] == "No action of widgets is mapped to POST /widgets/w-1."
    assert answer["reason"]["detail"] == "DELETE, GET, PUT are mapped on this path."


def test_explicit_action(world: World) -> None:
    """A service may name the action and resource itself; an action it does not define is refused."""
    answer = decide(world, "reader", "POST", "/rpc", action="ListWidgets")
    assert (answer["decision"], answer["action"], answer["resource"]) == ("allow", "widgets:ListWidgets", "*")
    unknown = decide(world, "reader", "POST", "/rpc", action="widgets:Frobnicate")
    assert unknown["reason"]["message"] == "widgets:Frobnicate is not an action of widgets."


def test_presigned_url(world: World) -> None:
    """A presigned URL is allowed until it expires."""
    url = presigned(world.keys["reader"], "GET", SERVICE + "/widgets/w-1")
    original = {"method": "GET", "url": url, "headers": {"Host": "widgets.example"}}
    assert decision_call(world, original).json()["decision"] == "allow"
    # Forward only (the next module resets the clock); 301 s is well within the 15 minutes of skew.
    world.server.advance_clock(301)
    answer = decision_call(world, original).json()
    assert answer["reason"]["code"] == "SignatureDoesNotMatch"
    assert answer["reason"]["message"].startswith("Signature expired:")


@pytest.mark.parametrize(
    ("body", "caller", "status", "error"),
    [
        (b"{not json", "gateway", 400, "SerializationException"),
        # Deeper than Python's recursion limit: refused as any other bad JSON, not a failure.
        (b"[" * 100_000 + b"]" * 100_000, "gateway", 400, "SerializationException"),
        (b'{"method": ' + b"[" * 100_000, "gateway", 400, "SerializationException"),
        (b'{"method": "GET"}', "gateway", 400, "ValidationException"),
        (
            b'{"method": "GET", "url": "/", "headers": {}, "context": {"aws:MultiFactorAuthPresent": "true"}}',
            "gateway",
            400,
            "ValidationException",
        ),
        (
            b'{"method": "GET", "url": "/", "headers": {}, "resource_policy": {"Statement": []}}',
            "gateway",
            400,
            "ValidationException",
        ),
        (b'{"method": "GET", "url": "/", "headers": {}}', "reader", 400, "AccessDeniedException"),
    ],
)
def test_malformed_calls(world: World, body: bytes, caller: str, status: int, error: str) -> None:
    """A malformed call, or one by a caller without credo:Authorize, gets AWS's JSON error."""
    call = signed(
        world.keys[caller],
        "POST",
        world.endpoint + "/_credo/authorize",
        body,
        service="credo",
        headers={"Content-Type": "application/json"},
    )
    import httpx

    answer = httpx.post(call.url, content=body, headers=dict(call.headers.items()), timeout=30)
    assert answer.status_code == status, answer.text
    assert answer.json()["__type"] == error


def test_caller_signed_for_another_service(world: World) -> None:
    """The calling service signs for ``credo``."""
    import httpx

    call = signed(
        world.keys["gateway"], "POST", world.endpoint + "/_credo/authorize", b"{}", service="widgets"
    )
    answer = httpx.post(call.url, content=b"{}", headers=dict(call.headers.items()), timeout=30)
    assert answer.json()["__type"] == "InvalidSignatureException"


def test_account_definition_wins_and_changes_apply_at_once(world: World) -> None:
    """An account's own definition replaces the global one for its callers; removing it brings the
    global one back, without a restart (the server's cache follows the store)."""
    from datetime import UTC, datetime

    from credo.gateway.catalog import put_definition, remove_definition
    from credo.gateway.definitions import load_definition
    from credo.store.db import Store
    from tests.gateway.test_definitions import EXAMPLE

    text = EXAMPLE.read_text() + "  - {method: GET, path: /gizmos, action: ListWidgets}\n"
    store = Store(world.server.extra["database_url"])
    try:
        with store.write() as conn:
            put_definition(conn, load_definition(text), DEV_ACCOUNT, datetime.now(UTC))
        assert settled(lambda: decide(world, "reader", "GET", "/gizmos")["decision"], "allow") == "allow"
        with store.write() as conn:
            remove_definition(conn, "widgets", DEV_ACCOUNT)
    finally:
        store.dispose()
    assert settled(lambda: decide(world, "reader", "GET", "/gizmos")["status"], 403) == 403


def settled(read: Any, expected: Any) -> Any:
    """What ``read`` answers once the server has heard of a change written by another process
    (PostgreSQL delivers it by NOTIFY, milliseconds after the commit): ``expected``, or after 5 s
    whatever it still answers."""
    import time

    deadline = time.monotonic() + 5
    found = read()
    while found != expected and time.monotonic() < deadline:
        time.sleep(0.02)
        found = read()
    return found
