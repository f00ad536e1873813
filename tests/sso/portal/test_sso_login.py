"""``credo sso login`` / ``logout`` / ``populate`` and ``credo configure sso`` against credo serve,
then unmodified boto3 and the aws CLI resolving the ``sso_session`` profile through botocore's own
SSO providers: role credentials, token refresh through CreateToken, revocation."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.cli.conftest import AwsFiles, Result
from tests.conftest import Server
from tests.sso.portal.support import (
    Assigned,
    answer_device,
    caller_arn,
    credo_process,
    portal,
    read_until,
    sso_config,
    url_in,
)

ROLE_PREFIX = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_"


def _token_file(aws_files: AwsFiles) -> Any:
    cache = aws_files.home / ".aws" / "sso" / "cache"
    return cache / (hashlib.sha1(b"corp").hexdigest() + ".json")


def device_login(server: Server, aws_files: AwsFiles, web: httpx.Client, *args: str) -> str:
    """``credo sso login --use-device-code`` with the device page allowed through httpx; its output."""
    process = credo_process(["sso", "login", "--use-device-code", "--no-browser", *args], aws_files.env)
    try:
        lines = read_until(process.stdout, "/start/device?user_code=")  # type: ignore[arg-type]
        answer_device(web, url_in(lines, "/start/device?user_code="))
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, "".join(lines) + rest
    return "".join(lines) + rest


def test_device_login_then_boto3_and_the_aws_cli_act_as_the_role(
    server: Server,
    alice: Assigned,
    aws_files: AwsFiles,
    browser: Callable[[], httpx.Client],
    aws: Callable[..., Result],
) -> None:
    """After `credo sso login --use-device-code`, boto3 and `aws sts get-caller-identity` act as
    assumed-role/AWSReservedSSO_AdministratorAccess_…/alice, from botocore's token cache."""
    aws_files.write(config=sso_config(server, "123456789012"))
    output = device_login(server, aws_files, browser(), "--profile", "dev")
    assert f"Successfully logged into Start URL: {server.endpoint}/start" in output
    token = json.loads(_token_file(aws_files).read_text())
    assert token["startUrl"] == server.endpoint + "/start" and token["refreshToken"].startswith("aor")
    assert oct(_token_file(aws_files).stat().st_mode & 0o777) == "0o600"
    done = caller_arn("dev", aws_files.env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(ROLE_PREFIX) and done.stdout.strip().endswith("/alice")
    cli = aws("sts", "get-caller-identity", "--profile", "dev")
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["Arn"].startswith(ROLE_PREFIX)


def test_botocore_refreshes_an_expiring_token_through_credo(
    server: Server, alice: Assigned, aws_files: AwsFiles, browser: Callable[[], httpx.Client]
) -> None:
    """With expiresAt within 15 minutes, botocore calls CreateToken with the refresh token and
    writes the new token to the cache; the old refresh token no longer works."""
    aws_files.write(config=sso_config(server, "123456789012"))
    device_login(server, aws_files, browser(), "--sso-session", "corp")
    path = _token_file(aws_files)
    before = json.loads(path.read_text())
    soon = datetime.now(UTC) + timedelta(minutes=5)
    path.write_text(json.dumps({**before, "expiresAt": soon.strftime("%Y-%m-%dT%H:%M:%SZ")}))
    done = caller_arn("dev", aws_files.env)
    assert done.returncode == 0, done.stderr
    after = json.loads(path.read_text())
    assert after["accessToken"] != before["accessToken"]
    assert after["refreshToken"] != before["refreshToken"]
    assert after["expiresAt"] > soon.strftime("%Y-%m-%dT%H:%M:%SZ")
    client = portal(server)
    with pytest.raises(client.exceptions.UnauthorizedException):
        client.list_accounts(accessToken=before["accessToken"])


def test_logout_revokes_and_forgets_the_token(
    server: Server,
    alice: Assigned,
    aws_files: AwsFiles,
    browser: Callable[[], httpx.Client],
    credo: Callable[..., Result],
) -> None:
    """`credo sso logout` ends the token at the portal and removes the cache; boto3 then fails."""
    aws_files.write(config=sso_config(server, "123456789012"))
    device_login(server, aws_files, browser(), "--profile", "dev")
    token = json.loads(_token_file(aws_files).read_text())["accessToken"]
    done = credo("sso", "logout", "--profile", "dev")
    assert done.returncode == 0 and "Logged out" in done.stdout
    assert not _token_file(aws_files).exists()
    client = portal(server)
    with pytest.raises(client.exceptions.UnauthorizedException):
        client.list_accounts(accessToken=token)
    assert caller_arn("dev", aws_files.env).returncode != 0


def test_populate_writes_a_profile_per_role(
    server: Server,
    alice: Assigned,
    aws_files: AwsFiles,
    browser: Callable[[], httpx.Client],
    credo: Callable[..., Result],
) -> None:
    """`credo sso populate` writes ACCOUNT.ROLE profiles that boto3 resolves through the portal."""
    aws_files.write(config=sso_config(server, "123456789012"))
    device_login(server, aws_files, browser(), "--profile", "dev")
    done = credo("sso", "populate", "--profile", "dev")
    assert done.returncode == 0, done.stderr
    assert "123456789012.AdministratorAccess" in done.stdout and "1 profile(s) written" in done.stdout
    config = aws_files.config.read_text()
    assert "[profile 123456789012.AdministratorAccess]" in config
    resolved = caller_arn("123456789012.AdministratorAccess", aws_files.env)
    assert resolved.returncode == 0, resolved.stderr
    assert resolved.stdout.startswith(ROLE_PREFIX)


def test_configure_sso_end_to_end(
    server: Server, alice: Assigned, aws_files: AwsFiles, browser: Callable[[], httpx.Client]
) -> None:
    """`credo configure sso` asks as `aws configure sso` does, signs in with the device code, finds
    the one account and role, and writes a profile boto3 resolves."""
    answers = ["corp", f"{server.endpoint}/start", "us-east-1", "", "", "", "work"]
    process = credo_process(
        ["configure", "sso", "--use-device-code", "--no-browser", "--endpoint-url", server.endpoint],
        aws_files.env,
    )
    try:
        assert process.stdin is not None
        process.stdin.write("\n".join(answers) + "\n")
        process.stdin.flush()
        lines = read_until(process.stdout, "/start/device?user_code=")  # type: ignore[arg-type]
        answer_device(browser(), url_in(lines, "/start/device?user_code="))
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    transcript = "".join(lines) + rest
    assert process.returncode == 0, transcript
    assert "aws sts get-caller-identity --profile work" in transcript
    config = aws_files.config.read_text()
    assert "[sso-session corp]" in config and "[profile work]" in config
    assert f"endpoint_url = {server.endpoint}" in config
    resolved = caller_arn("work", aws_files.env)
    assert resolved.returncode == 0, resolved.stderr
    assert resolved.stdout.startswith(ROLE_PREFIX)
