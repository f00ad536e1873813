"""My security credentials: the signed-in principal's own access keys, created, shown once, managed."""

from __future__ import annotations

import base64
import configparser
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import botocore.exceptions
import httpx
import pytest

from tests.cli.conftest import CREDO
from tests.conftest import DEV_ACCOUNT, Server, allow, error_of
from tests.console.conftest import USER_PASSWORD, console_user, csrf_of, set_root_login, sign_in, sign_in_root

PAGE = "/console/security-credentials"
# AWS's documented "manage own access keys" policy: GetAccessKeyLastUsed is authorized against
# the key's owner, like the rest.
SELF_SERVICE = json.dumps(
    allow(
        "iam:ListAccessKeys",
        "iam:CreateAccessKey",
        "iam:UpdateAccessKey",
        "iam:DeleteAccessKey",
        "iam:GetAccessKeyLastUsed",
        resource="arn:aws:iam::*:user/${aws:username}",
    )
)
KEY_ID = re.compile(r'<code id="access-key-id">([A-Z0-9]+)</code>')


def signed_in_user(iam: Any, browser: httpx.Client, policy: str | None = SELF_SERVICE) -> None:
    console_user(iam, "alice", policy=policy)
    sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)


def create_key(browser: httpx.Client, token: str | None = "page") -> httpx.Response:
    """Press **Create access key** (with the page's CSRF token unless told otherwise)."""
    data = {} if token is None else {"csrf_token": csrf_of(browser.get(PAGE)) if token == "page" else token}
    return browser.post(f"{PAGE}/create", data=data)


def csv_of(page: str) -> bytes:
    found = re.search(r'href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)" download="([^"]+)"', page)
    assert found, page
    return base64.b64decode(found.group(1))


def test_create_shows_secret_once_and_csv_imports(
    server: Server, iam: Any, browser: httpx.Client, tmp_path: Path
) -> None:
    """The new key's CSV is AWS's exact file; credo configure import takes it and the profile signs requests."""
    signed_in_user(iam, browser)
    made = create_key(browser)
    assert made.status_code == 303 and made.headers["location"] == f"{PAGE}/created"
    result = browser.get(made.headers["location"])
    key_id = KEY_ID.search(result.text).group(1)  # type: ignore[union-attr]
    [listed] = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
    assert listed["AccessKeyId"] == key_id
    body = csv_of(result.text)
    secret = body.decode("utf-8-sig").split("\r\n")[1].split(",")[1]
    assert body == f"\ufeffAccess key ID,Secret access key\r\n{key_id},{secret}\r\n".encode()
    assert 'download="alice_accessKeys.csv"' in result.text
    assert secret in result.text
    again = browser.get(f"{PAGE}/created")
    assert again.status_code == 200 and secret not in again.text and "data:text/csv" not in again.text
    assert secret not in server.log()

    path = tmp_path / "alice_accessKeys.csv"
    path.write_bytes(body)
    home = tmp_path / "home"
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(
        HOME=str(home),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        AWS_CONFIG_FILE=str(home / "config"),
    )
    done = subprocess.run(
        [CREDO, "configure", "import", "--csv", f"file://{path}", "--profile", "alice"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    profile = configparser.ConfigParser()
    profile.read(home / "credentials")
    sts = server.client(
        "sts", profile["alice"]["aws_access_key_id"], profile["alice"]["aws_secret_access_key"]
    )
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{DEV_ACCOUNT}:user/alice"
    listing = browser.get(PAGE).text
    assert key_id in listing and "(sts)" in listing


def test_third_key_refused_with_aws_message(server: Server, iam: Any, browser: httpx.Client) -> None:
    """At most two keys: the third is refused with AWS's LimitExceeded message, on the page."""
    signed_in_user(iam, browser)
    for _ in range(2):
        assert create_key(browser).status_code == 303
    refused = create_key(browser)
    assert refused.status_code == 409
    assert "Cannot exceed quota for AccessKeysPerUser: 2" in refused.text
    assert len(iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]) == 2


@pytest.mark.parametrize("token", [None, "forged"])
def test_create_without_csrf_refused(
    server: Server, iam: Any, browser: httpx.Client, token: str | None
) -> None:
    """A create without the session's CSRF token is answered 403 and makes no key."""
    signed_in_user(iam, browser)
    assert create_key(browser, token).status_code == 403
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"] == []


def test_deactivate_activate_and_delete(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Deactivate makes the key refused, Activate restores it, Delete (confirmed by key id) removes it."""
    signed_in_user(iam, browser)
    result = browser.get(create_key(browser).headers["location"]).text
    key_id = KEY_ID.search(result).group(1)  # type: ignore[union-attr]
    secret = csv_of(result).decode("utf-8-sig").split("\r\n")[1].split(",")[1]
    sts = server.client("sts", key_id, secret)
    token = csrf_of(browser.get(PAGE))
    assert (
        browser.post(
            f"{PAGE}/status", data={"csrf_token": token, "key": key_id, "status": "Inactive"}
        ).status_code
        == 303
    )
    assert "Inactive" in browser.get(PAGE).text
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sts.get_caller_identity()
    assert error_of(caught)[0] == "InvalidClientTokenId"
    browser.post(f"{PAGE}/status", data={"csrf_token": token, "key": key_id, "status": "Active"})
    assert sts.get_caller_identity()["Account"] == DEV_ACCOUNT

    confirm = browser.get(f"{PAGE}/delete", params={"key": key_id})
    assert "To confirm deletion, enter the access key ID" in confirm.text
    mismatch = browser.post(f"{PAGE}/delete", data={"csrf_token": token, "key": key_id, "confirm": "nope"})
    assert mismatch.status_code == 400
    assert len(iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]) == 1
    done = browser.post(f"{PAGE}/delete", data={"csrf_token": token, "key": key_id, "confirm": key_id})
    assert done.status_code == 303
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"] == []
    assert "No access keys." in browser.get(PAGE).text


def test_user_without_permissions_sees_access_denied(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Without the self-service permissions the page shows AWS's AccessDenied message; create does nothing."""
    signed_in_user(iam, browser, policy=None)
    page = browser.get(PAGE)
    assert page.status_code == 403
    assert (
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListAccessKeys on resource: "
        "arn:aws:iam::123456789012:user/alice because no identity-based policy allows the iam:ListAccessKeys action"
    ) in page.text
    refused = browser.post(f"{PAGE}/create", data={"csrf_token": csrf_of(page)})
    assert refused.status_code == 403
    assert (
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:CreateAccessKey on resource: "
        "arn:aws:iam::123456789012:user/alice because no identity-based policy allows the iam:CreateAccessKey action"
    ) in refused.text
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"] == []


def test_root_manages_root_keys(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Root signed in sees and creates the root user's own keys here, downloaded as rootkey.csv."""
    set_root_login(server)
    sign_in_root(browser)
    before = {key["AccessKeyId"] for key in iam.list_access_keys()["AccessKeyMetadata"]}
    listing = browser.get(PAGE).text
    assert all(key_id in listing for key_id in before)
    result = browser.get(create_key(browser).headers["location"]).text
    assert 'download="rootkey.csv"' in result
    key_id = KEY_ID.search(result).group(1)  # type: ignore[union-attr]
    assert {key["AccessKeyId"] for key in iam.list_access_keys()["AccessKeyMetadata"]} == before | {key_id}
    assert 'href="/console/security-credentials"' in browser.get("/console/home").text
