"""The aws CLI, unmodified, against a real credo server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Server

AWS = str(Path(sys.executable).with_name("aws"))


def aws(
    server: Server, tmp_path: Path, *args: str, key: str = "test", secret: str = "test"
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    return subprocess.run(
        [AWS, "--endpoint-url", server.endpoint, "--output", "json", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_get_caller_identity(server: Server, tmp_path: Path) -> None:
    """`aws sts get-caller-identity` returns the root ARN."""
    result = aws(server, tmp_path, "sts", "get-caller-identity")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"] == "arn:aws:iam::123456789012:root"


def test_user_and_key_lifecycle(server: Server, tmp_path: Path) -> None:
    """Create a user and a key with the CLI, then call as that user."""
    assert aws(server, tmp_path, "iam", "create-user", "--user-name", "cli-user").returncode == 0
    created = aws(server, tmp_path, "iam", "create-access-key", "--user-name", "cli-user")
    key = json.loads(created.stdout)["AccessKey"]
    who = aws(
        server, tmp_path, "sts", "get-caller-identity", key=key["AccessKeyId"], secret=key["SecretAccessKey"]
    )
    assert json.loads(who.stdout)["Arn"] == "arn:aws:iam::123456789012:user/cli-user"
    listed = json.loads(aws(server, tmp_path, "iam", "list-users").stdout)
    assert [u["UserName"] for u in listed["Users"]] == ["cli-user"]


@pytest.mark.parametrize(
    ("key", "secret", "code"),
    [
        ("AKIANOSUCHKEY0000000", "whatever", "InvalidClientTokenId"),
        ("test", "wrong", "SignatureDoesNotMatch"),
    ],
)
def test_cli_reports_auth_errors(server: Server, tmp_path: Path, key: str, secret: str, code: str) -> None:
    """Bad credentials fail the CLI with AWS's error code in its message."""
    result = aws(server, tmp_path, "sts", "get-caller-identity", key=key, secret=secret)
    assert result.returncode != 0
    assert f"({code})" in result.stderr
