"""``credo migrate`` and ``credo list``: plaintext keys into the keychain, and where each profile's come from."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.cli.conftest import AwsFiles, Result
from tests.cli.keychain_support import files_containing, key_only_csv, keychain_env, new_user_key
from tests.conftest import Server

Run = Callable[..., Result]
ACCOUNT = "123456789012"

CREDENTIALS = """# Keys for the team sandbox
[default]
# alice's laptop key
aws_access_key_id = {alice_id}
aws_secret_access_key = {alice_secret}

[temp]
aws_access_key_id = ASIATEMPEXAMPLE00001
aws_secret_access_key = temp-secret
aws_session_token = temp-token

[ops]
aws_access_key_id = {bob_id}
aws_secret_access_key = {bob_secret}
region = us-east-1

[roleuser]
aws_access_key_id = AKIAROLEUSEREXAMPLE1
aws_secret_access_key = role-user-secret

[proc]
aws_access_key_id = AKIAPROCEXAMPLE00001
aws_secret_access_key = proc-secret
"""

CONFIG = """# shared settings
[default]
region = us-east-1
endpoint_url = {endpoint}

[profile ops]
endpoint_url = {endpoint}

[profile roleuser]
role_arn = arn:aws:iam::123456789012:role/x
source_profile = default

[profile proc]
credential_process = cat /nonexistent
"""

AFTER = """# Keys for the team sandbox
# alice's laptop key

[temp]
aws_access_key_id = ASIATEMPEXAMPLE00001
aws_secret_access_key = temp-secret
aws_session_token = temp-token

[ops]
region = us-east-1

[roleuser]
aws_access_key_id = AKIAROLEUSEREXAMPLE1
aws_secret_access_key = role-user-secret

[proc]
aws_access_key_id = AKIAPROCEXAMPLE00001
aws_secret_access_key = proc-secret
"""


@pytest.fixture
def kc(aws_files: AwsFiles) -> dict[str, str]:
    return keychain_env(aws_files)


@pytest.fixture
def plaintext(server: Server, iam: Any, aws_files: AwsFiles) -> dict[str, Any]:
    """alice's and bob's keys in plain text, beside profiles migrate must leave alone; the file 0644."""
    alice, bob = new_user_key(iam, "alice"), new_user_key(iam, "bob")
    aws_files.write(
        CONFIG.format(endpoint=server.endpoint),
        CREDENTIALS.format(
            alice_id=alice.access_key_id,
            alice_secret=alice.secret_access_key,
            bob_id=bob.access_key_id,
            bob_secret=bob.secret_access_key,
        ),
    )
    aws_files.credentials.chmod(0o644)
    return {"alice": alice, "bob": bob}


def arn(aws: Run, kc: dict[str, str], profile: str) -> str:
    result = aws("sts", "get-caller-identity", "--profile", profile, env=kc)
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["Arn"])


def test_migrate_moves_keys_and_keeps_the_rest(
    plaintext: dict[str, Any], aws_files: AwsFiles, credo: Run, aws: Run, kc: dict[str, str]
) -> None:
    """Long-term keys leave the file for the keychain; comments, sessions and other profiles stay; mode 0600."""
    result = credo("migrate", env=kc)
    assert result.returncode == 0, result.stderr
    alice, bob = plaintext["alice"], plaintext["bob"]
    assert (
        f"Moved access key {alice.access_key_id} of profile default into the encrypted file " in result.stdout
    )
    assert f"Moved access key {bob.access_key_id} of profile ops into the encrypted file " in result.stdout
    assert f"Rewrote {aws_files.credentials} without them (mode 0600)." in result.stdout
    assert "Skipped profile temp: it holds temporary credentials (a session token)" in result.stderr
    assert "Skipped profile roleuser: it has role_arn, so botocore does not use these keys" in result.stderr
    assert "Skipped profile proc: it has another credential_process" in result.stderr
    config, credentials = aws_files.read()
    assert credentials == AFTER
    assert stat.S_IMODE(aws_files.credentials.stat().st_mode) == 0o600
    assert config is not None and config.startswith("# shared settings\n[default]\nregion = us-east-1\n")
    assert config.count("credential-process") == 2
    assert arn(aws, kc, "default") == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert arn(aws, kc, "ops") == f"arn:aws:iam::{ACCOUNT}:user/bob"
    for key in (alice, bob):
        assert files_containing(aws_files.home, key.secret_access_key) == []
    again = credo("migrate", env=kc)
    assert again.returncode == 0
    assert again.stdout == f"No plaintext access keys to migrate in {aws_files.credentials}.\n"
    assert aws_files.read() == (config, credentials)


def test_migrate_one_profile(
    plaintext: dict[str, Any], aws_files: AwsFiles, credo: Run, kc: dict[str, str]
) -> None:
    """--profile migrates only the profiles named."""
    result = credo("migrate", "--profile", "ops", env=kc)
    assert result.returncode == 0, result.stderr
    _, credentials = aws_files.read()
    assert credentials is not None
    assert plaintext["alice"].secret_access_key in credentials
    assert plaintext["bob"].secret_access_key not in credentials
    missing = credo("migrate", "--profile", "nosuch", env=kc)
    assert missing.returncode == 255
    assert missing.stderr == f"Profile nosuch is not in the credentials file {aws_files.credentials}\n"


def test_keychain_failure_changes_no_file(plaintext: dict[str, Any], aws_files: AwsFiles, credo: Run) -> None:
    """When the keychain cannot take the keys, both files stay as they were."""
    before = aws_files.read()
    result = credo("migrate", env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert result.returncode == 255
    assert "No OS keychain is available" in result.stderr
    assert aws_files.read() == before


# --- credo list --------------------------------------------------------------------------------

LIST_CONFIG = """[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = dev
endpoint_url = {endpoint}

[profile portal]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin

[profile ci]
role_arn = arn:aws:iam::123456789012:role/ci
web_identity_token_file = /tmp/token

[profile tool]
credential_process = /usr/bin/get-creds

[profile empty]
region = us-east-1
"""


def test_list_names_every_source_and_the_session(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """Each profile's source as botocore would pick it; keychain and role profiles show the cached session."""
    key = new_user_key(iam, "alice")
    aws_files.write(
        LIST_CONFIG.format(endpoint=server.endpoint),
        "[plain]\naws_access_key_id = AKIAPLAINEXAMPLE0001\naws_secret_access_key = plain-secret\n",
    )
    csv_path = tmp_path / "keys.csv"
    csv_path.write_bytes(key_only_csv(key))
    assert (
        credo("add", "dev", "--from-csv", str(csv_path), "--endpoint-url", server.endpoint, env=kc).returncode
        == 0
    )
    assert credo("credential-process", "dev", env=kc).returncode == 0
    result = credo("list", "--output", "json", env=kc)
    assert result.returncode == 0, result.stderr
    rows = {row["profile"]: row for row in json.loads(result.stdout)["Profiles"]}
    assert list(rows) == ["admin", "portal", "ci", "tool", "empty", "dev", "plain"]
    assert {name: row["source"] for name, row in rows.items()} == {
        "admin": "role",
        "portal": "sso",
        "ci": "web-identity",
        "tool": "process",
        "empty": "none",
        "dev": "keychain",
        "plain": "file",
    }
    assert rows["dev"]["detail"] == "*" * 16 + key.access_key_id[-4:]
    assert rows["dev"]["session_expiration"] is not None
    assert re.fullmatch(r"expires \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in 1[01]h\d\dm\)", rows["dev"]["session"])
    assert rows["admin"]["detail"] == "arn:aws:iam::123456789012:role/admin from dev"
    assert rows["admin"]["session"] == "-"
    table = credo("list", env=kc)
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["PROFILE", "CREDENTIALS", "SESSION", "DETAIL"]
    assert re.match(r"dev\s+keychain\s+expires ", lines[6])
    assert "plain-secret" not in table.stdout + result.stdout


def test_list_without_a_keychain_still_lists(aws_files: AwsFiles, credo: Run) -> None:
    """An unavailable keychain is a warning: the profiles are listed, without sessions."""
    aws_files.write("[profile dev]\ncredential_process = credo credential-process dev\n")
    result = credo("list", env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert result.returncode == 0
    assert result.stderr.startswith("warning: No OS keychain is available")
    assert result.stdout.splitlines()[1].split() == ["dev", "keychain", "-", "dev"]
