"""WebSocket handshakes through the ASGI middleware: decided as a GET of their path.

Driven over ASGI directly, as a server hands a handshake over (the messages are ASGI's)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from credo.gateway.local import LocalDecider
from credo.gateway.middleware import CredoMiddleware
from credo.settings import Settings
from tests.conftest import DEV_ACCOUNT, Server
from tests.gateway.support import World, build_world, signed


@pytest.fixture(scope="module")
def world(dev_server: Server) -> Iterator[World]:
    yield build_world(dev_server)


async def widgets_feed(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(websocket.scope["credo.principal"].arn)
    await websocket.close()


@pytest.fixture
def middleware(world: World) -> Iterator[CredoMiddleware]:
    decider = LocalDecider(Settings(dev=True, database_url=world.server.extra["database_url"]))
    try:
        yield CredoMiddleware(
            Starlette(routes=[WebSocketRoute("/widgets", widgets_feed)]), service="widgets", decider=decider
        )
    finally:
        decider.close()


def handshake(app: CredoMiddleware, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """What the app sends back for a WebSocket handshake on ``path``."""
    scope = {
        "type": "websocket",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 40000),
        "scheme": "ws",
        "subprotocols": [],
    }
    incoming = [{"type": "websocket.connect"}, {"type": "websocket.disconnect", "code": 1000}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(dict(message))

    asyncio.run(app(scope, receive, send))
    return sent


def test_signed_handshake_reaches_the_app(world: World, middleware: CredoMiddleware) -> None:
    """An allowed handshake is accepted, with the principal on the scope."""
    headers = dict(signed(world.keys["reader"], "GET", "http://widgets.example/widgets").headers.items())
    sent = handshake(middleware, "/widgets", headers | {"Host": "widgets.example"})
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.send", "websocket.close"]
    assert sent[1]["text"] == f"arn:aws:iam::{DEV_ACCOUNT}:user/reader"


@pytest.mark.parametrize("user", [None, "writer"])
def test_refused_handshake_is_closed(world: World, middleware: CredoMiddleware, user: str | None) -> None:
    """An unsigned handshake, or one the policies refuse, is closed with 1008 and the reason."""
    headers: dict[str, str] = {"Host": "widgets.example"}
    if user is not None:  # writer may create and tag widgets, not list them
        headers |= dict(signed(world.keys[user], "GET", "http://widgets.example/widgets").headers.items())
    sent = handshake(middleware, "/widgets", headers)
    assert [m["type"] for m in sent] == ["websocket.close"]
    assert sent[0]["code"] == 1008
    assert sent[0]["reason"]
