"""CPU-heavy operations (argon2 password hashing…) run off the event loop, so other clients go on.

Observed in one server process on SQLite (where requests otherwise run on the loop): while a
password is hashed, a coroutine that only yields keeps running. Were the hash computed on the
loop, it could not run at all until the hash was done.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from credo.server.app import create_app
from credo.server.bootstrap import effective_settings, open_services
from credo.server.operations import OPERATIONS
from credo.settings import Settings
from tests.server.test_reply_bursts import signed_scope


@pytest.mark.parametrize(
    "action",
    [
        "CreateLoginProfile",
        "UpdateLoginProfile",
        "ChangePassword",
        # Compiling large policies and making up to 1,000 × 1,000 decisions takes seconds.
        "SimulateCustomPolicy",
        "SimulatePrincipalPolicy",
        "GetContextKeysForCustomPolicy",
        "GetContextKeysForPrincipalPolicy",
    ],
)
def test_password_operations_are_marked_blocking(action: str) -> None:
    """Every operation that hashes a password or simulates policies is kept off the event loop."""
    assert OPERATIONS["iam"][action].blocking


def test_password_hashing_leaves_the_loop_free(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A coroutine keeps running, many times over, while CreateLoginProfile hashes a password."""
    monkeypatch.delenv("CREDO_INSECURE_FAST_PASSWORD_HASHING")  # the real cost: tests/__init__.py
    services, _ = open_services(effective_settings(Settings(dev=True, data_dir=tmp_path)))
    app = create_app(services)
    statuses: list[int] = []

    async def call(params: dict[str, str]) -> None:
        body = urlencode({"Version": "2010-05-08", **params}).encode()

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(signed_scope(body, "iam"), receive, send)

    async def scenario() -> int:
        await call({"Action": "CreateUser", "UserName": "alice"})
        ticks = 0
        hashing = asyncio.ensure_future(
            call({"Action": "CreateLoginProfile", "UserName": "alice", "Password": "Corr3ct-Horse-Battery!"})
        )
        while not hashing.done():
            ticks += 1
            await asyncio.sleep(0)
        await hashing
        return ticks

    try:
        ticks = asyncio.run(scenario())
    finally:
        services.store.dispose()
    assert statuses == [200, 200]
    assert ticks > 50
