"""The ceiling of the HTTP stack: a bare ASGI app that answers every request with fixed XML.

The load benchmark runs it on the same uvicorn settings as ``credo serve`` (one worker,
uvloop, httptools, no access log), so its requests per second are the most any Python
app on this stack can reach here. It reads the whole request body, as a real endpoint
must, and picks one of two prebuilt bodies: a ListUsers result with 100 users when the
form says ``Action=ListUsers``, otherwise a GetCallerIdentity result. It does no parsing,
no signature check and no I/O beyond the socket.

With ``TRIVIAL_ASGI_BURN_LOOPS=N`` in its environment it also runs a pure-Python loop of
``N`` additions per request (``burn``): ``benchmarks.hot_path`` uses that to see what a given
amount of Python per request costs under load.

Run it with::

    uvicorn benchmarks.trivial_asgi:app --loop uvloop --http httptools --workers 1 \\
        --log-level warning --no-access-log
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_REQUEST_ID = "c6104cbe-af31-11e0-8154-cbc7ccf896c7"
_ACCOUNT = "123456789012"

GET_CALLER_IDENTITY_XML = (
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    "<GetCallerIdentityResult>"
    f"<Arn>arn:aws:iam::{_ACCOUNT}:root</Arn>"
    f"<UserId>{_ACCOUNT}</UserId>"
    f"<Account>{_ACCOUNT}</Account>"
    "</GetCallerIdentityResult>"
    f"<ResponseMetadata><RequestId>{_REQUEST_ID}</RequestId></ResponseMetadata>"
    "</GetCallerIdentityResponse>"
).encode()


def _list_users_xml(count: int) -> bytes:
    """A ListUsers response shaped like IAM's, with ``count`` users."""
    members = "".join(
        "<member>"
        "<Path>/</Path>"
        f"<UserName>user{i:03d}</UserName>"
        f"<UserId>AIDA{i:017d}</UserId>"
        f"<Arn>arn:aws:iam::{_ACCOUNT}:user/user{i:03d}</Arn>"
        "<CreateDate>2024-01-01T00:00:00Z</CreateDate>"
        "</member>"
        for i in range(count)
    )
    return (
        '<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        f"<ListUsersResult><IsTruncated>false</IsTruncated><Users>{members}</Users></ListUsersResult>"
        f"<ResponseMetadata><RequestId>{_REQUEST_ID}</RequestId></ResponseMetadata>"
        "</ListUsersResponse>"
    ).encode()


LIST_USERS_XML = _list_users_xml(100)


def _headers(body: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", b"text/xml"),
        (b"content-length", str(len(body)).encode()),
        (b"x-amzn-requestid", _REQUEST_ID.encode()),
    ]


BURN_LOOPS = int(os.environ.get("TRIVIAL_ASGI_BURN_LOOPS", "0"))


def burn(loops: int) -> int:
    """Busy work: ``loops`` additions in a Python loop."""
    total = 0
    for i in range(loops):
        total += i
    return total


_GET_CALLER_IDENTITY_HEADERS = _headers(GET_CALLER_IDENTITY_XML)
_LIST_USERS_HEADERS = _headers(LIST_USERS_XML)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer every HTTP request with 200 and a prebuilt XML body."""
    if scope["type"] != "http":
        # Lifespan and anything else: nothing to set up, so just acknowledge.
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        return
    body = b""
    more_body = True
    while more_body:
        message = await receive()
        body += message.get("body", b"")
        more_body = message.get("more_body", False)
    if BURN_LOOPS:
        burn(BURN_LOOPS)
    if b"Action=ListUsers" in body:
        payload, headers = LIST_USERS_XML, _LIST_USERS_HEADERS
    else:
        payload, headers = GET_CALLER_IDENTITY_XML, _GET_CALLER_IDENTITY_HEADERS
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
