"""Issue 18's "Done when", as people do it: from the server's bootstrap state an administrator
sets everything up with ``credo sso admin`` only, the user runs ``credo configure sso`` (choosing
among two accounts and two roles) and then ``credo sso login``, and unmodified botocore — the
aws CLI and boto3 — acts as the provisioned role in the second account."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx

from tests.cli.conftest import AwsFiles, Result
from tests.conftest import DEV_ACCOUNT, Server
from tests.sso.conftest import SECOND_ACCOUNT, AdminRun, create_account
from tests.sso.portal.support import (
    PASSWORD,
    answer_device,
    caller_arn,
    credo_process,
    read_until,
    set_password,
    url_in,
)

ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"


def _admin_sets_up(admin: AdminRun, server: Server) -> None:
    """alice in group Admins; PlatformAdmin (AdministratorAccess) and AuditReadOnly (ReadOnlyAccess)
    for the group in the second account, AuditReadOnly in the dev account too; her password."""
    steps = [
        ("create-user", "alice", "--display-name", "Alice Example", "--given-name", "Alice",
         "--family-name", "Example", "--email", "alice@example.com"),
        ("create-group", "Admins"),
        ("add-to-group", "alice", "Admins"),
        ("create-permission-set", "PlatformAdmin", "--session-duration", "PT8H",
         "--managed-policy", "arn:aws:iam::aws:policy/AdministratorAccess"),
        ("create-permission-set", "AuditReadOnly",
         "--managed-policy", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        ("assign", "PlatformAdmin", "--account", SECOND_ACCOUNT, "--group", "Admins"),
        ("assign", "AuditReadOnly", "--account", SECOND_ACCOUNT, "--group", "Admins"),
        ("assign", "AuditReadOnly", "--account", DEV_ACCOUNT, "--group", "Admins"),
    ]  # fmt: skip
    for step in steps:
        done = admin(*step)
        assert done.returncode == 0, (step, done.stderr)
    password = set_password(server, "alice")
    assert password.returncode == 0, password.stderr


def _configure_sso(server: Server, aws_files: AwsFiles, web: httpx.Client) -> str:
    """`credo configure sso` with the device code answered on the portal; its transcript."""
    answers = [
        "corp",  # SSO session name
        f"{server.endpoint}/start",  # SSO start URL
        "us-east-1",  # SSO region
        "",  # SSO registration scopes: the default
        "2",  # the account: the second of two
        "2",  # the role: the second of two
        "",  # CLI default client Region: the SSO region
        "json",  # CLI default output format
        "journey",  # CLI profile name
    ]
    process = credo_process(
        ["configure", "sso", "--use-device-code", "--no-browser", "--endpoint-url", server.endpoint],
        aws_files.env,
    )
    try:
        assert process.stdin is not None
        process.stdin.write("\n".join(answers) + "\n")
        process.stdin.flush()
        lines = read_until(process.stdout, "/start/device?user_code=")  # type: ignore[arg-type]
        answer_device(web, url_in(lines, "/start/device?user_code="))
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    transcript = "".join(lines) + rest
    assert process.returncode == 0, transcript
    return transcript


def _login_in_the_browser(aws_files: AwsFiles, page: Any) -> None:
    """`credo sso login --profile journey`: PKCE, signed in and allowed in Chromium."""
    from playwright.sync_api import expect

    process = credo_process(["sso", "login", "--profile", "journey", "--no-browser"], aws_files.env)
    try:
        lines = read_until(process.stdout, "/authorize?")  # type: ignore[arg-type]
        page.goto(url_in(lines, "/authorize?"))
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Allow").click()
        expect(page.get_by_role("heading", name="Signed in")).to_be_visible()
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, "".join(lines) + rest


def test_from_bootstrap_to_the_role_in_a_second_account(
    server: Server,
    admin: AdminRun,
    aws_files: AwsFiles,
    browser: Callable[[], httpx.Client],
    new_page: Callable[[], Any],
    credo: Callable[..., Result],
    aws: Callable[..., Result],
) -> None:
    """Admin by `credo sso admin`, `credo configure sso` picks account 2 of 2 and role 2 of 2, a
    separate `credo sso login`; the aws CLI and boto3 are assumed-role/AWSReservedSSO_PlatformAdmin_<hex>/alice
    in the second account."""
    keys = create_account(server)
    assert keys["AccountId"] == SECOND_ACCOUNT
    _admin_sets_up(admin, server)
    second_iam = server.client("iam", keys["AccessKeyId"], keys["SecretAccessKey"])
    roles = {
        role["RoleName"].rsplit("_", 1)[0]: role["RoleName"]
        for role in second_iam.list_roles(PathPrefix=ROLE_PATH)["Roles"]
    }
    assert set(roles) == {"AWSReservedSSO_PlatformAdmin", "AWSReservedSSO_AuditReadOnly"}
    role_name = roles["AWSReservedSSO_PlatformAdmin"]
    assert re.fullmatch(r"AWSReservedSSO_PlatformAdmin_[0-9a-f]{16}", role_name)

    transcript = _configure_sso(server, aws_files, browser())
    assert "There are 2 AWS accounts available to you." in transcript
    assert f"[1] {DEV_ACCOUNT} ({DEV_ACCOUNT})" in transcript
    assert f"[2] {SECOND_ACCOUNT} ({SECOND_ACCOUNT})" in transcript
    assert "There are 2 roles available to you." in transcript
    assert "[1] AuditReadOnly" in transcript and "[2] PlatformAdmin" in transcript
    assert "aws sts get-caller-identity --profile journey" in transcript
    config = aws_files.config.read_text()
    assert "[sso-session corp]" in config and "[profile journey]" in config
    assert f"sso_account_id = {SECOND_ACCOUNT}" in config and "sso_role_name = PlatformAdmin" in config

    # The sign-in configure made ends; only the separate login below can make a token.
    logged_out = credo("sso", "logout", "--profile", "journey")
    assert logged_out.returncode == 0 and "Logged out" in logged_out.stdout, logged_out.stderr
    assert caller_arn("journey", aws_files.env).returncode != 0
    _login_in_the_browser(aws_files, new_page())

    expected = f"arn:aws:sts::{SECOND_ACCOUNT}:assumed-role/{role_name}/alice"
    cli = aws("sts", "get-caller-identity", "--profile", "journey")
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["Arn"] == expected
    resolved = caller_arn("journey", aws_files.env)
    assert resolved.returncode == 0, resolved.stderr
    assert resolved.stdout.strip() == expected
