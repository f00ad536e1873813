"""nginx's auth_request mode: real nginx in front of the example service, asking credo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import DEV_ACCOUNT, Server, start_server, stop_server
from tests.gateway.services import GATEWAY_SECRET, NGINX, nginx, widgets_app
from tests.gateway.support import World, build_world, signed

pytestmark = pytest.mark.skipif(
    not Path(NGINX).exists(), reason="nginx-light is not installed (make system-tools)"
)


@pytest.fixture(scope="module")
def world(dev_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A credo server with the gateway secret on the dev server's store, and the widgets world."""
    tmp = tmp_path_factory.mktemp("gateway")
    server = start_server(
        tmp,
        "--dev",
        "--data-dir",
        str(tmp / "data"),
        env={"CREDO_GATEWAY_SECRET": GATEWAY_SECRET},
        database_url=dev_server.extra["database_url"],
    )
    server.extra["database_url"] = dev_server.extra["database_url"]
    try:
        yield build_world(server)
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def gateway(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("nginx")
    with widgets_app(tmp, "nginx") as app_url, nginx(tmp, app_url, world.endpoint) as url:
        yield url


def send(world: World, user: str, method: str, url: str, body: bytes = b"") -> httpx.Response:
    request = signed(world.keys[user], method, url, body)
    return httpx.request(method, url, content=body, headers=dict(request.headers.items()), timeout=30)


def test_allowed_reaches_the_service_with_the_principal(world: World, gateway: str) -> None:
    """An allowed request is proxied, and the service learns who sent it."""
    answer = send(world, "reader", "GET", gateway + "/widgets/w-1")
    assert answer.status_code == 200, answer.headers
    assert answer.json()["caller"] == f"arn:aws:iam::{DEV_ACCOUNT}:user/reader"


def test_refused_with_the_reason(world: World, gateway: str) -> None:
    """A refusal is nginx's 403, with credo's reason in a header."""
    answer = send(world, "reader", "DELETE", gateway + "/widgets/w-1")
    assert answer.status_code == 403
    assert answer.headers["x-credo-error"] == "AccessDenied"
    assert (
        "because no identity-based policy allows the widgets:DeleteWidget action"
        in answer.headers["x-credo-reason"]
    )


def test_unsigned_is_401(gateway: str) -> None:
    """A request without a signature is 401."""
    answer = httpx.get(gateway + "/widgets", timeout=30)
    assert answer.status_code == 401
    assert answer.headers["x-credo-error"] == "MissingAuthenticationToken"


def test_gateway_secret_is_required(world: World) -> None:
    """Only the gateway that knows the secret gets answers."""
    answer = httpx.get(
        world.endpoint + "/_credo/authorize/nginx", headers={"X-Credo-Gateway-Secret": "guess"}
    )
    assert answer.status_code == 403
    assert answer.headers["x-credo-error"] == "GatewayNotAuthenticated"
