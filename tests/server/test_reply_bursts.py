"""Requests that arrive together are all processed before their replies are written.

This is the order of ASGI events in one server process (SQLite store), observed through the
``receive`` and ``send`` callables an ASGI server hands the app; over HTTP the order cannot be
seen. Why it matters is in docs/architecture.md ("Threads").
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from credo.server.app import create_app
from credo.server.bootstrap import effective_settings, open_services
from credo.settings import Settings

BODY = b"Action=GetCallerIdentity&Version=2011-06-15"


def signed_scope(body: bytes = BODY, service: str = "sts") -> dict[str, Any]:
    """An ASGI scope for a POST of ``body`` to ``/``, signed by botocore with the dev root keys."""
    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1:7300/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials("test", "test"), service, "us-east-1").add_auth(request)
    headers = [(name.lower().encode(), value.encode()) for name, value in request.prepare().headers.items()]
    headers.append((b"host", b"127.0.0.1:7300"))
    return {"type": "http", "method": "POST", "path": "/", "query_string": b"", "headers": headers}


def test_replies_to_requests_that_arrive_together_leave_together(tmp_path: Path) -> None:
    services, _ = open_services(effective_settings(Settings(dev=True, data_dir=tmp_path)))
    app = create_app(services)
    events: list[str] = []
    statuses: list[int] = []

    async def one(name: str) -> None:
        async def receive() -> dict[str, Any]:
            events.append(f"{name} read")
            return {"type": "http.request", "body": BODY, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
            else:
                events.append(f"{name} reply")

        await app(signed_scope(), receive, send)

    async def together() -> None:
        await asyncio.gather(one("a"), one("b"), one("c"))

    try:
        asyncio.run(together())
    finally:
        services.store.dispose()
    assert statuses == [200, 200, 200]
    assert events == ["a read", "b read", "c read", "a reply", "b reply", "c reply"]
