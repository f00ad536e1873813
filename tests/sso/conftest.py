"""Fixtures for Identity Center: boto3's sso-admin and identitystore clients on a dev server, the
instance, a second account (made with ``credo account create``), ``credo sso admin`` as an
administrator runs it, and signed raw JSON calls."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.conftest import CREDO, Server
from tests.conftest import create_account as create_account_in_store

SECOND_ACCOUNT = "210987654321"
JSON_TYPE = "application/x-amz-json-1.1"

AdminRun = Callable[..., subprocess.CompletedProcess[str]]


@dataclass(frozen=True)
class Instance:
    arn: str
    identity_store_id: str


@pytest.fixture
def sso(server: Server) -> Any:
    """An sso-admin client signed with the dev root keys."""
    return server.client("sso-admin")


@pytest.fixture
def identitystore(server: Server) -> Any:
    """An identitystore client signed with the dev root keys."""
    return server.client("identitystore")


@pytest.fixture
def instance(sso: Any) -> Instance:
    """The installation's Identity Center instance, as ListInstances names it."""
    (found,) = sso.list_instances()["Instances"]
    return Instance(found["InstanceArn"], found["IdentityStoreId"])


def create_account(server: Server, account_id: str = SECOND_ACCOUNT) -> dict[str, str]:
    """A second account in the dev server's store (as ``credo account create --dev`` makes it)."""
    return create_account_in_store(server, account_id)


@pytest.fixture
def second_account(server: Server) -> Callable[[str], Any]:
    """Client factory for the root user of a second account."""
    keys = create_account(server)
    return lambda service: server.client(service, keys["AccessKeyId"], keys["SecretAccessKey"])


@pytest.fixture
def admin(server: Server, tmp_path: Path) -> AdminRun:
    """``credo sso admin ARGS`` as a profile holding the dev root keys, with its own AWS files
    (the administrator's machine: apart from any user's files the test makes)."""
    home = tmp_path / "admin"
    home.mkdir()
    (home / "config").write_text(f"[profile root]\nregion = us-east-1\nendpoint_url = {server.endpoint}\n")
    (home / "credentials").write_text("[root]\naws_access_key_id = test\naws_secret_access_key = test\n")
    env = {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CREDO, "sso", "admin", *args, "--profile", "root"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )

    return run


def make_user(identitystore: Any, instance: Instance, name: str = "alice") -> str:
    """A user with the attributes Identity Center's directory requires; its id."""
    created = identitystore.create_user(
        IdentityStoreId=instance.identity_store_id,
        UserName=name,
        DisplayName=f"{name.capitalize()} Example",
        Name={"GivenName": name.capitalize(), "FamilyName": "Example"},
        Emails=[{"Value": f"{name}@example.com", "Type": "work", "Primary": True}],
    )
    return str(created["UserId"])


def json_call(
    server: Server,
    target: str,
    body: bytes | str,
    *,
    service: str = "sso",
    content_type: str = JSON_TYPE,
    sign: bool = True,
    method: str = "POST",
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """A raw JSON 1.1 call (signed with the dev root keys unless told otherwise): status, body, headers."""
    data = body.encode() if isinstance(body, str) else body
    headers = {"Content-Type": content_type, "X-Amz-Target": target}
    request = AWSRequest(method=method, url=server.endpoint + "/", data=data, headers=headers)
    if sign:
        SigV4Auth(Credentials("test", "test"), service, "us-east-1").add_auth(request)
    prepared = request.prepare()
    sent = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
    http = urllib.request.Request(server.endpoint + "/", data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(http, timeout=30) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read()), dict(error.headers)
