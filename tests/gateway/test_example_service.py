"""The widgets example service behind nginx + the decision endpoint, and with the ASGI and WSGI
middleware (local and remote), called by botocore, awscurl and requests-aws4auth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path

import botocore.auth
import pytest

from tests.conftest import DEV_ACCOUNT, REGION, Server, start_server, stop_server
from tests.gateway.clients import CLIENTS, Reply
from tests.gateway.services import GATEWAY_SECRET, NGINX, nginx, widgets_app, widgets_flask_app
from tests.gateway.support import World, build_world, presigned

FRONTENDS = ["nginx", "asgi-local", "asgi-remote", "wsgi-local", "wsgi-remote"]
pytestmark = pytest.mark.skipif(
    not Path(NGINX).exists(), reason="nginx-light is not installed (make system-tools)"
)


@pytest.fixture(scope="module")
def world(dev_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A credo server with the gateway secret on the dev server's store, and the widgets world."""
    tmp = tmp_path_factory.mktemp("gateway")
    url = dev_server.extra["database_url"]
    server = start_server(
        tmp,
        "--dev",
        "--data-dir",
        str(tmp / "data"),
        env={"CREDO_GATEWAY_SECRET": GATEWAY_SECRET},
        database_url=url,
    )
    server.extra["database_url"] = url
    try:
        yield build_world(server)
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def frontends(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Each way of putting the example service behind credo: its base URL."""
    tmp = tmp_path_factory.mktemp("frontends")
    clean = {k: "" for k in os.environ if k.startswith(("CREDO_", "AWS_"))}
    local = clean | {"CREDO_DEV": "1", "CREDO_DATABASE_URL": world.server.extra["database_url"]}
    gateway = world.keys["gateway"]
    remote = clean | {
        "CREDO_ENDPOINT_URL": world.endpoint,
        "AWS_ACCESS_KEY_ID": gateway.access_key,
        "AWS_SECRET_ACCESS_KEY": gateway.secret_key,
        "AWS_CONFIG_FILE": str(tmp / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "none"),
    }
    with ExitStack() as stack:
        behind = stack.enter_context(widgets_app(tmp, "nginx"))
        yield {
            "nginx": stack.enter_context(nginx(tmp, behind, world.endpoint)),
            "asgi-local": stack.enter_context(widgets_app(tmp, "local", local)),
            "asgi-remote": stack.enter_context(widgets_app(tmp, "remote", remote)),
            "wsgi-local": stack.enter_context(widgets_flask_app(tmp, "local", local)),
            "wsgi-remote": stack.enter_context(widgets_flask_app(tmp, "remote", remote)),
        }


def call(
    world: World,
    frontends: dict[str, str],
    frontend: str,
    client: str,
    user: str,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    service: str = "widgets",
    tamper: bytes | None = None,
) -> Reply:
    # Behind nginx the body is not seen by credo: botocore must declare its hash (the other two do).
    send = CLIENTS[client]
    return send(
        world.keys[user],
        method,
        frontends[frontend] + path,
        body,
        service=service,
        tamper=tamper,
        declare=frontend == "nginx",
    )


@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("frontend", FRONTENDS)
def test_allowed_by_identity_policy(
    world: World, frontends: dict[str, str], frontend: str, client: str
) -> None:
    """An allowed request reaches the service, which knows who sent it."""
    reply = call(world, frontends, frontend, client, "reader", "GET", "/widgets/w-1")
    assert reply.status == 200, (reply.headers.get("x-credo-error"), reply.reason)
    assert reply.json()["caller"] == f"arn:aws:iam::{DEV_ACCOUNT}:user/reader"


DENIALS = {
    "explicit deny": (
        "reader",
        "GET",
        "/widgets/secret-1",
        403,
        "AccessDenied",
        "with an explicit deny in an identity-based policy (Denied by statement NotTheSecretOnes",
    ),
    "permissions boundary": (
        "bounded",
        "GET",
        "/widgets/w-1",
        403,
        "AccessDenied",
        "because no permissions boundary allows the widgets:GetWidget action",
    ),
    "no MFA": (
        "mfa-session-without-mfa",
        "DELETE",
        "/widgets/w-1",
        403,
        "AccessDenied",
        "because no identity-based policy allows the widgets:DeleteWidget action",
    ),
    "unknown action for the path": (
        "reader",
        "POST",
        "/widgets/w-1",
        403,
        "UnknownOperationException",
        "No action of widgets is mapped to POST /widgets/w-1. (DELETE, GET, PUT are mapped on this path.)",
    ),
}


@pytest.mark.parametrize("denial", list(DENIALS))
@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("frontend", FRONTENDS)
def test_denials_say_why(
    world: World, frontends: dict[str, str], frontend: str, client: str, denial: str
) -> None:
    """Each refusal is 401/403 with credo's error code and reason in headers."""
    user, method, path, status, code, reason = DENIALS[denial]
    reply = call(world, frontends, frontend, client, user, method, path)
    assert (reply.status, reply.headers.get("x-credo-error")) == (status, code), reply
    assert reason in reply.reason


@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("frontend", FRONTENDS)
def test_allowed_only_with_mfa(world: World, frontends: dict[str, str], frontend: str, client: str) -> None:
    """DeleteWidget needs aws:MultiFactorAuthPresent: a GetSessionToken session made with MFA may."""
    reply = call(world, frontends, frontend, client, "mfa-session", "DELETE", "/widgets/w-1")
    assert reply.status == 200, reply
    assert reply.json()["deleted"] == "w-1"


@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("frontend", FRONTENDS)
def test_wrong_service_in_scope(world: World, frontends: dict[str, str], frontend: str, client: str) -> None:
    """A request signed for another service name is not authenticated."""
    reply = call(world, frontends, frontend, client, "reader", "GET", "/widgets/w-1", service="gadgets")
    assert (reply.status, reply.headers.get("x-credo-error")) == (401, "SignatureDoesNotMatch"), reply
    assert "Credential should be scoped to correct service: 'widgets'." in reply.reason


@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("frontend", FRONTENDS)
def test_body_reaches_the_service(
    world: World, frontends: dict[str, str], frontend: str, client: str
) -> None:
    """A signed body is verified and handed to the service unchanged."""
    body = f'{{"color": "red", "by": "{client}"}}'.encode()
    reply = call(world, frontends, frontend, client, "writer", "PUT", f"/widgets/{client}", body)
    assert reply.status == 200, reply
    assert reply.json()["widget"]["body"] == body.decode()


@pytest.mark.parametrize("client", ["botocore", "requests-aws4auth"])
@pytest.mark.parametrize("frontend", FRONTENDS)
def test_tampered_payload(world: World, frontends: dict[str, str], frontend: str, client: str) -> None:
    """A body other than the signed one is refused: by credo, or behind nginx (which cannot see
    bodies) by the service's check against the signed X-Amz-Content-Sha256."""
    reply = call(
        world,
        frontends,
        frontend,
        client,
        "writer",
        "POST",
        "/widgets/w-1/tags",
        b'{"tag":"a"}',
        tamper=b'{"tag":"b"}',
    )
    if frontend == "nginx":
        assert reply.status == 400, reply
        assert "does not match its signed X-Amz-Content-Sha256" in reply.text
    else:
        assert (reply.status, reply.headers.get("x-credo-error")) == (401, "SignatureDoesNotMatch"), reply


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_presigned_url_expiry(
    world: World, frontends: dict[str, str], frontend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A presigned URL works until it expires, then says so."""
    import httpx

    url = frontends[frontend] + "/widgets/w-1"
    fresh = httpx.get(presigned(world.keys["reader"], "GET", url, expires=300), timeout=30)
    assert fresh.status_code == 200, fresh.headers
    real_now = botocore.auth.get_current_datetime

    def ten_minutes_ago(remove_tzinfo: bool = True) -> datetime:
        moment: datetime = real_now(remove_tzinfo=remove_tzinfo)
        return moment - timedelta(minutes=10)

    monkeypatch.setattr(botocore.auth, "get_current_datetime", ten_minutes_ago)
    expired = httpx.get(presigned(world.keys["reader"], "GET", url, expires=60), timeout=30)
    assert expired.status_code == 401
    assert expired.headers["x-credo-reason"].startswith("Signature expired:")


@pytest.mark.parametrize("frontend", ["nginx", "asgi-local"])
def test_awscurl_command_line(world: World, frontends: dict[str, str], frontend: str, tmp_path: Path) -> None:
    """The awscurl command itself, as docs/authorizer.md shows it: the answer, or why not (-i)."""
    keys = world.keys["reader"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_ACCESS_KEY_ID": keys.access_key,
        "AWS_SECRET_ACCESS_KEY": keys.secret_key,
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    awscurl = str(Path(sys.executable).with_name("awscurl"))
    base = [awscurl, "--service", "widgets", "--region", REGION]
    allowed = subprocess.run(
        [*base, frontends[frontend] + "/widgets/w-1"], capture_output=True, text=True, env=env, timeout=60
    )
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["caller"] == f"arn:aws:iam::{DEV_ACCOUNT}:user/reader"
    denied = subprocess.run(
        [*base, "-i", "-X", "DELETE", frontends[frontend] + "/widgets/w-1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    # awscurl -i prints the response headers as a dict, then the body.
    assert "'x-credo-error': 'accessdenied'" in denied.stdout.lower()
    assert "because no identity-based policy allows the widgets:DeleteWidget action" in denied.stdout


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_unsigned_is_401(frontends: dict[str, str], frontend: str) -> None:
    """A request without a signature is 401, and says so."""
    import httpx

    answer = httpx.get(frontends[frontend] + "/widgets", timeout=30)
    assert answer.status_code == 401
    assert answer.headers["x-credo-error"] == "MissingAuthenticationToken"


def test_nginx_mode_needs_the_gateway_secret(world: World) -> None:
    """Only the gateway that knows the secret gets answers from nginx mode."""
    import httpx

    answer = httpx.get(
        world.endpoint + "/_credo/authorize/nginx", headers={"X-Credo-Gateway-Secret": "guess"}, timeout=30
    )
    assert answer.status_code == 403
    assert answer.headers["x-credo-error"] == "GatewayNotAuthenticated"
