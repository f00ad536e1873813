"""credo's default keychain, ``CREDO_KEYRING_BACKEND=os``, end to end against a real server.

``keyring`` loads a real backend — the tests' file-backed one, named by ``PYTHON_KEYRING_BACKEND``
as a user names theirs — so every command below goes through ``secret_store.OsKeychain``, as on
a laptop with the macOS Keychain or the Secret Service.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.cli.conftest import AwsFiles, Result
from tests.cli.keychain_support import (
    files_containing,
    key_only_csv,
    new_user_key,
    os_keychain_entries,
    os_keychain_env,
)
from tests.cli.test_keychain_sessions import allow
from tests.cli.test_rotate import ALICE, KEY_ACTIONS, server_keys, works
from tests.conftest import Server

Run = Callable[..., Result]
BACKEND = "OS keychain (credo_test_keyring.FileKeyring)"
SHOW_KEYS = (
    "import os, json; print(json.dumps([os.environ[n] for n in ('AWS_ACCESS_KEY_ID', 'AWS_SESSION_TOKEN')]))"
)


def test_add_credential_process_exec_rotate_remove(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, aws: Run, tmp_path: Path
) -> None:
    """The whole keychain journey through the OS keychain: stored, resolved by botocore, handed to a command,
    rotated, removed — and no secret left in a file afterwards."""
    env = os_keychain_env(aws_files)
    key = new_user_key(iam, "alice", allow(*KEY_ACTIONS))
    csv_path = tmp_path / "accessKeys.csv"
    csv_path.write_bytes(key_only_csv(key))
    added = credo(
        "add",
        "dev",
        "--from-csv",
        str(csv_path),
        "--endpoint-url",
        server.endpoint,
        "--region",
        "us-east-1",
        env=env,
    )
    csv_path.unlink()
    assert added.returncode == 0, added.stderr
    assert (
        added.stdout.splitlines()[0]
        == f"Stored access key {key.access_key_id} for profile dev in the {BACKEND}."
    )
    assert os_keychain_entries(aws_files)["credo:access-key"]["dev"]["AccessKeyId"] == key.access_key_id

    # botocore runs `credo credential-process dev`: a session, cached in the OS keychain.
    identity = aws("sts", "get-caller-identity", "--profile", "dev", env=env)
    assert identity.returncode == 0, identity.stderr
    assert json.loads(identity.stdout)["Arn"] == ALICE
    cached = os_keychain_entries(aws_files)["credo:session"]["dev"]
    assert cached["AccessKeyId"].startswith("ASIA")

    # credo exec hands that cached session to the command.
    shown = credo("exec", "dev", "--", "python", "-c", SHOW_KEYS, env=env)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == [cached["AccessKeyId"], cached["SessionToken"]]

    rotated = credo("rotate", "dev", env=env)
    assert rotated.returncode == 0, rotated.stderr
    [new_id] = server_keys(iam)
    entries = os_keychain_entries(aws_files)
    new_secret = entries["credo:access-key"]["dev"]["SecretAccessKey"]
    assert entries["credo:access-key"]["dev"]["AccessKeyId"] == new_id != key.access_key_id
    assert works(server, new_id, new_secret)
    assert "dev" not in entries.get("credo:session", {})  # the old key's session was dropped
    assert f"Stored {new_id} for profile dev in the {BACKEND}." in rotated.stdout

    removed = credo("remove", "dev", "--yes", env=env)
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.splitlines()[0] == "Removed the access key of profile dev and 0 cached session(s)."
    assert all(not names for names in os_keychain_entries(aws_files).values())
    assert "credential_process" not in aws_files.config.read_text()
    assert files_containing(aws_files.home, new_secret) == []
    assert files_containing(aws_files.home, key.secret_access_key) == []


def test_keyring_config_file_names_the_backend(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, tmp_path: Path
) -> None:
    """keyring's own keyringrc.cfg (default-keyring, keyring-path) chooses the OS keychain, as keyring documents."""
    env = os_keychain_env(aws_files)
    settings = aws_files.home / ".config" / "python_keyring" / "keyringrc.cfg"
    settings.parent.mkdir(parents=True)
    settings.write_text(
        f"[backend]\ndefault-keyring = {env.pop('PYTHON_KEYRING_BACKEND')}\n"
        f"keyring-path = {env.pop('PYTHONPATH').split(':')[0]}\n"
    )
    key = new_user_key(iam, "alice")
    csv_path = tmp_path / "accessKeys.csv"
    csv_path.write_bytes(key_only_csv(key))
    added = credo("add", "dev", "--from-csv", str(csv_path), env={**env, "XDG_CONFIG_HOME": ""})
    assert added.returncode == 0, added.stderr
    assert f"for profile dev in the {BACKEND}." in added.stdout
    assert os_keychain_entries(aws_files)["credo:access-key"]["dev"]["AccessKeyId"] == key.access_key_id
