"""The widgets service's world for the gateway tests: its definition in the store, the users
whose requests are decided, and SigV4 signing as botocore does it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from credo.gateway.catalog import GLOBAL, put_definition
from credo.gateway.definitions import load_definition
from credo.store.db import Store
from tests.conftest import DEV_ACCOUNT, REGION, Server
from tests.gateway.test_definitions import EXAMPLE
from tests.mfa_support import STEP, DeviceClock, code, create_device, enable

WIDGET = f"arn:aws:widgets:{REGION}:{DEV_ACCOUNT}:widget"


def allow(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


# Who calls, and what each may do.
POLICIES = {
    # The calling service (a gateway, the middleware in remote mode).
    "gateway": allow(
        {
            "Effect": "Allow",
            "Action": "credo:Authorize",
            "Resource": f"arn:aws:credo::{DEV_ACCOUNT}:service/widgets",
        }
    ),
    "reader": allow(
        {
            "Sid": "ReadWidgets",
            "Effect": "Allow",
            "Action": ["widgets:Get*", "widgets:List*"],
            "Resource": "*",
        },
        {
            "Sid": "NotTheSecretOnes",
            "Effect": "Deny",
            "Action": "widgets:*",
            "Resource": f"{WIDGET}/secret-*",
        },
        {
            "Sid": "RedOnly",
            "Effect": "Deny",
            "Action": "widgets:GetWidget",
            "Resource": f"{WIDGET}/paint-*",
            "Condition": {"StringNotEquals": {"widgets:Color": "red"}},
        },
    ),
    "writer": allow(
        {"Effect": "Allow", "Action": ["widgets:CreateWidget", "widgets:TagWidget"], "Resource": "*"}
    ),
    "bounded": allow({"Effect": "Allow", "Action": "widgets:*", "Resource": "*"}),
    "mfa": allow(
        {"Effect": "Allow", "Action": "widgets:List*", "Resource": "*"},
        {
            "Sid": "DeleteWithMfa",
            "Effect": "Allow",
            "Action": "widgets:DeleteWidget",
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        },
    ),
}
BOUNDARY = allow({"Effect": "Allow", "Action": "widgets:List*", "Resource": "*"})


@dataclass
class World:
    """The dev server with the widgets definition and the users, and their keys."""

    server: Server
    keys: dict[str, Credentials] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return self.server.endpoint


def build_world(server: Server) -> World:
    """Reset the server; store the widgets definition; create the users (and an MFA session)."""
    server.reset()
    store = Store(server.extra["database_url"])
    try:
        with store.write() as conn:
            put_definition(conn, load_definition(EXAMPLE.read_text()), GLOBAL, datetime.now(UTC))
    finally:
        store.dispose()
    iam = server.client("iam")
    world = World(server)
    boundary_arn = iam.create_policy(PolicyName="list-only", PolicyDocument=BOUNDARY)["Policy"]["Arn"]
    for name, policy in POLICIES.items():
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        world.keys[name] = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    iam.put_user_permissions_boundary(UserName="bounded", PermissionsBoundary=boundary_arn)
    mfa_keys = world.keys["mfa"]
    sts = server.client("sts", mfa_keys.access_key, mfa_keys.secret_key)
    plain = sts.get_session_token()["Credentials"]
    world.keys["mfa-session-without-mfa"] = _session(plain)
    clock = DeviceClock(server)
    serial, seed = create_device(iam)
    enable(iam, clock, "mfa", serial, seed)
    clock.move(STEP)
    with_mfa = sts.get_session_token(SerialNumber=serial, TokenCode=code(seed, clock.step()))["Credentials"]
    world.keys["mfa-session"] = _session(with_mfa)
    return world


def _session(credentials: dict[str, Any]) -> Credentials:
    return Credentials(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )


def signed(
    credentials: Credentials,
    method: str,
    url: str,
    body: bytes = b"",
    *,
    service: str = "widgets",
    headers: dict[str, str] | None = None,
) -> AWSRequest:
    """A request signed as botocore signs for ``service`` (Authorization header)."""
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    SigV4Auth(credentials, service, REGION).add_auth(request)
    return request


def presigned(credentials: Credentials, method: str, url: str, expires: int = 300) -> str:
    """A presigned URL, as botocore's SigV4QueryAuth makes it."""
    request = AWSRequest(method=method, url=url)
    SigV4QueryAuth(credentials, "widgets", REGION, expires=expires).add_auth(request)
    return str(request.prepare().url)


def decision_call(world: World, original: dict[str, Any], caller: str = "gateway") -> httpx.Response:
    """POST /_credo/authorize signed by ``caller`` (service ``credo``)."""
    body = json.dumps(original).encode()
    call = signed(
        world.keys[caller],
        "POST",
        world.endpoint + "/_credo/authorize",
        body,
        service="credo",
        headers={"Content-Type": "application/json"},
    )
    return httpx.post(call.url, content=body, headers=dict(call.headers.items()), timeout=30)


def as_original(request: AWSRequest, *, payload: bytes | None = None) -> dict[str, Any]:
    """What a service received, as the decision endpoint takes it."""
    parts = urlsplit(request.url)
    body = request.body if payload is None else payload
    if isinstance(body, str):
        body = body.encode()
    return {
        "method": request.method,
        "url": parts.path + (f"?{parts.query}" if parts.query else ""),
        "headers": {name: value for name, value in request.headers.items()} | {"Host": parts.netloc},
        "payload_hash": hashlib.sha256(body or b"").hexdigest(),
        "source_ip": "203.0.113.7",
        "secure_transport": True,
    }
