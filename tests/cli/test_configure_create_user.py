"""``credo configure --create-user``: the console deep link, then the new key into a profile, checked first."""

from __future__ import annotations

import configparser
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.cli.conftest import AwsFiles, Result
from tests.conftest import DEV_ACCOUNT, Server

from credo.console.csv_files import access_key_csv, password_csv

Run = Callable[..., Result]
LINK = "/console/users/create?userName=ci&policy=AdministratorAccess&programmatic=true"


def new_key(iam: Any, user: str) -> tuple[str, str]:
    """What the console's last page shows after Create user: the new user's key."""
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_link_printed_and_console_csv_written(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, aws: Run, tmp_path: Path
) -> None:
    """The link is printed and opened; the downloaded CSV's key lands in the profile, which aws then uses."""
    key_id, secret = new_key(iam, "ci")
    path = tmp_path / "ci_accessKeys.csv"
    path.write_bytes(access_key_csv(key_id, secret))
    opened = tmp_path / "opened"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\nprintf %s "$1" > {opened}\n')
    browser.chmod(0o755)
    done = credo(
        "configure", "--create-user", "ci", "--profile", "ci", "--endpoint-url", server.endpoint,
        "--csv", str(path),
        env={"BROWSER": str(browser)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"{server.endpoint}{LINK}\n" in done.stdout
    assert opened.read_text() == f"{server.endpoint}{LINK}"
    assert secret not in done.stdout + done.stderr
    credentials = configparser.ConfigParser()
    credentials.read(aws_files.credentials)
    assert dict(credentials["ci"]) == {"aws_access_key_id": key_id, "aws_secret_access_key": secret}
    identity = aws("sts", "get-caller-identity", "--profile", "ci", "--region", "us-east-1")
    assert identity.returncode == 0, identity.stderr
    assert json.loads(identity.stdout)["Arn"] == f"arn:aws:iam::{DEV_ACCOUNT}:user/ci"


def test_endpoint_from_profile_and_key_typed(
    server: Server, iam: Any, aws_files: AwsFiles, pty_credo: Callable[..., tuple[int, str]]
) -> None:
    """Without --csv the key is typed at aws configure's prompts (the secret not echoed); the endpoint is the profile's."""
    key_id, secret = new_key(iam, "ci")
    aws_files.write(config=f"[profile dev]\nendpoint_url = {server.endpoint}\n")
    status, transcript = pty_credo(
        "configure", "--create-user", "ci", "--profile", "dev", "--no-browser",
        dialogue=[("AWS Access Key ID: ", key_id), ("AWS Secret Access Key: ", secret)],
    )  # fmt: skip
    assert status == 0, transcript
    assert f"{server.endpoint}{LINK}" in transcript and secret not in transcript
    config, credentials = aws_files.read()
    assert config == f"[profile dev]\nendpoint_url = {server.endpoint}\n"
    assert credentials == f"[dev]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "cannot read"),
        ("password-csv", 'CSV header (row 1) lacks the column "Access key ID"'),
        ("other-user-row", "holds no access key for user ci, only for: other"),
        (
            "other-user-key",
            f"The access key belongs to arn:aws:iam::{DEV_ACCOUNT}:user/other, not to user ci",
        ),
        ("no-endpoint", "The profile (ci) has no endpoint_url: pass --endpoint-url"),
    ],
)
def test_refusals_are_one_line_and_write_nothing(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, tmp_path: Path, case: str, message: str
) -> None:
    """A missing file, a CSV without a key, another user's key or no endpoint: one line, exit 255, no file."""
    key_id, secret = new_key(iam, "other")
    path = tmp_path / "keys.csv"
    bodies = {
        "password-csv": password_csv("ci", "Pass-word-123", f"{server.endpoint}/signin"),
        "other-user-row": f"User Name,Access key ID,Secret access key\nother,{key_id},{secret}\n".encode(),
        "other-user-key": access_key_csv(key_id, secret),
        "no-endpoint": access_key_csv(key_id, secret),
    }
    if case in bodies:
        path.write_bytes(bodies[case])
    endpoint = [] if case == "no-endpoint" else ["--endpoint-url", server.endpoint]
    done = credo(
        "configure", "--create-user", "ci", "--profile", "ci", *endpoint, "--no-browser", "--csv", str(path)
    )
    assert done.returncode == 255
    [line] = done.stderr.splitlines()
    assert message in line
    assert aws_files.read() == (None, None)


def test_create_user_options_need_create_user(credo: Run) -> None:
    """--csv and friends without --create-user (or beside a subcommand) are a usage error."""
    assert credo("configure", "--csv", "x.csv").returncode == 2
    assert credo("configure", "--create-user", "ci", "list").returncode == 2
