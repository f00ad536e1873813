"""Helpers for the access portal tests: a user with a portal password and an assignment, unsigned
sso-oidc and sso clients, the portal's pages driven with httpx, and an ``sso_session`` config."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

import boto3
import httpx
from botocore import UNSIGNED
from botocore.config import Config
from sqlalchemy import update

from tests.conftest import CREDO, REGION, Server
from tests.sso.conftest import Instance, make_user

PASSWORD = "Portal-Pass-2024!"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
UNSIGNED_CONFIG = Config(signature_version=UNSIGNED, retries={"max_attempts": 1})


@dataclass(frozen=True)
class Assigned:
    """A portal user assigned a permission set in an account."""

    user_id: str
    user_name: str
    permission_set_arn: str
    account_id: str


def oidc(server: Server) -> Any:
    return boto3.client("sso-oidc", region_name=REGION, endpoint_url=server.endpoint, config=UNSIGNED_CONFIG)


def portal(server: Server) -> Any:
    return boto3.client("sso", region_name=REGION, endpoint_url=server.endpoint, config=UNSIGNED_CONFIG)


def set_password(
    server: Server, user_name: str, password: str = PASSWORD
) -> subprocess.CompletedProcess[str]:
    """``credo sso admin set-password`` on the server's store, the password on standard input."""
    return subprocess.run(
        [
            CREDO,
            "sso",
            "admin",
            "set-password",
            user_name,
            "--password-stdin",
            "--database-url",
            server.extra["database_url"],
        ],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )


def give_password(server: Server, user_id: str, password: str = PASSWORD) -> None:
    """What ``credo sso admin set-password`` stores for a user not signed in yet, written from
    this process: a ``credo`` process per test costs more than the rest of most portal tests.
    The command is tested in test_portal_admin_settings.py, test_journey.py and test_portal_api.py."""
    from credo.passwords import hash_password
    from credo.store.db import Store
    from credo.store.schema import sso_users

    store = Store(server.extra["database_url"])
    try:
        with store.write() as conn:
            conn.execute(
                update(sso_users)
                .where(sso_users.c.id == user_id)
                .values(password_hash=hash_password(password), password_changed_at=datetime.now(UTC))
            )
    finally:
        store.dispose()


def permission_set(
    sso: Any, instance: Instance, name: str = "AdministratorAccess", policy: str = "AdministratorAccess"
) -> str:
    arn = str(
        sso.create_permission_set(InstanceArn=instance.arn, Name=name, SessionDuration="PT2H")[
            "PermissionSet"
        ]["PermissionSetArn"]
    )
    sso.attach_managed_policy_to_permission_set(
        InstanceArn=instance.arn, PermissionSetArn=arn, ManagedPolicyArn=f"arn:aws:iam::aws:policy/{policy}"
    )
    return arn


def assign(
    sso: Any,
    instance: Instance,
    permission_set_arn: str,
    principal_id: str,
    account_id: str,
    kind: str = "USER",
) -> None:
    status = sso.create_account_assignment(
        InstanceArn=instance.arn,
        TargetId=account_id,
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set_arn,
        PrincipalType=kind,
        PrincipalId=principal_id,
    )["AccountAssignmentCreationStatus"]
    assert status["Status"] == "SUCCEEDED", status


def portal_user(
    server: Server, sso: Any, identitystore: Any, instance: Instance, account_id: str, name: str = "alice"
) -> Assigned:
    """A user with a portal password and AdministratorAccess in ``account_id``."""
    user_id = make_user(identitystore, instance, name)
    give_password(server, user_id)
    arn = permission_set(sso, instance)
    assign(sso, instance, arn, user_id, account_id)
    return Assigned(user_id, name, arn, account_id)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def field_of(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found is not None, page
    return html.unescape(found.group(1))


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page's forms, unescaped."""
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {name: html.unescape(value) for name, value in found}


def sign_in(
    client: httpx.Client, url: str, user_name: str = "alice", password: str = PASSWORD
) -> httpx.Response:
    """Open ``url`` (a portal page), sign in on the form it leads to; the page after sign-in."""
    page = client.get(url)
    assert "/start/signin" in page.text, page.text
    return client.post(
        "/start/signin",
        data={
            "csrf_token": csrf_of(page.text),
            "next": field_of(page.text, "next"),
            "username": user_name,
            "password": password,
        },
    )


def answer_device(
    client: httpx.Client, verification_url: str, decision: str = "allow", **sign_in_args: str
) -> httpx.Response:
    """Sign in at the device page (if needed) and Allow or Deny the request it shows."""
    page = client.get(verification_url)
    if "/start/signin" in page.text:
        page = sign_in(client, verification_url, **sign_in_args)
    assert "Allow" in page.text, page.text
    return client.post(
        "/start/device",
        data={
            "csrf_token": csrf_of(page.text),
            "user_code": field_of(page.text, "user_code"),
            "decision": decision,
        },
    )


def device_token(
    server: Server, client: httpx.Client, grant_types: list[str] | None = None, user_name: str = "alice"
) -> dict[str, Any]:
    """Register, start a device authorization, allow it on the portal, CreateToken: the token answer
    with the registration (``clientId``, ``clientSecret``) beside it."""
    sso_oidc = oidc(server)
    extra = {"grantTypes": grant_types} if grant_types else {}
    registration = sso_oidc.register_client(
        clientName="tests", clientType="public", scopes=["sso:account:access"], **extra
    )
    client_args = {"clientId": registration["clientId"], "clientSecret": registration["clientSecret"]}
    started = sso_oidc.start_device_authorization(**client_args, startUrl=server.endpoint + "/start")
    answer_device(client, started["verificationUriComplete"], user_name=user_name)
    token = sso_oidc.create_token(**client_args, grantType=DEVICE_GRANT, deviceCode=started["deviceCode"])
    return {**token, **client_args}


def sso_config(
    server: Server, account_id: str, role: str = "AdministratorAccess", session: str = "corp"
) -> str:
    """An ``[sso-session]`` and a profile ``dev`` using it, reaching credo through ``endpoint_url``."""
    return (
        f"[sso-session {session}]\n"
        f"sso_start_url = {server.endpoint}/start\n"
        f"sso_region = {REGION}\n"
        "sso_registration_scopes = sso:account:access\n\n"
        "[profile dev]\n"
        f"sso_session = {session}\n"
        f"sso_account_id = {account_id}\n"
        f"sso_role_name = {role}\n"
        f"region = {REGION}\n"
        f"endpoint_url = {server.endpoint}\n"
    )


def read_until(stream: IO[str], needle: str, timeout: float = 60) -> list[str]:
    """Lines of a child's output up to the first holding ``needle`` (a reader thread keeps the wait bounded)."""
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:
        for line in stream:
            lines.append(line)
            if needle in line:
                found.set()
                return
        found.set()

    threading.Thread(target=read, daemon=True).start()
    assert found.wait(timeout), f"no {needle!r} in {lines!r}"
    assert any(needle in line for line in lines), lines
    return lines


def url_in(lines: list[str], marker: str) -> str:
    """The first URL in ``lines`` containing ``marker``."""
    for line in lines:
        found = re.search(r"(http://\S+)", line)
        if found and marker in found.group(1):
            return found.group(1)
    raise AssertionError(f"no URL with {marker!r} in {lines!r}")


def credo_process(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """``credo ARGS`` running, its output readable line by line, standard input writable."""
    return subprocess.Popen(
        [CREDO, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


CALLER_ARN = (
    "import boto3, sys; "
    "print(boto3.Session(profile_name=sys.argv[1]).client('sts').get_caller_identity()['Arn'])"
)


def caller_arn(profile: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """GetCallerIdentity by unmodified boto3 with ``profile``, in a process with the test's files."""
    return subprocess.run(
        [sys.executable, "-c", CALLER_ARN, profile], capture_output=True, text=True, env=env, timeout=60
    )
