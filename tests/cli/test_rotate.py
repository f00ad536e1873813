"""``credo rotate``: a new key proven and stored where the old one was, the old one deleted, every failure told."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from tests.cli.conftest import CREDO, AwsFiles, Result
from tests.cli.fault_proxy import FaultProxy, Seen, fault_proxy
from tests.cli.keychain_support import (
    IamKey,
    files_containing,
    key_only_csv,
    keychain_env,
    new_user_key,
    run_on_terminal,
)
from tests.cli.test_keychain_sessions import MFA_PRESENT, allow, append_config
from tests.conftest import Server
from tests.mfa_support import DeviceClock, code, create_device, enable

Run = Callable[..., Result]
ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
KEY_ACTIONS = ("iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys")
ENV_KEYS = "import os, json; print(json.dumps([os.environ['AWS_ACCESS_KEY_ID'], os.environ['AWS_SECRET_ACCESS_KEY']]))"
INVALID_TOKEN = (403, "InvalidClientTokenId", "The security token included in the request is invalid.")


@pytest.fixture
def kc(aws_files: AwsFiles) -> dict[str, str]:
    return keychain_env(aws_files)


def add(credo: Run, kc: dict[str, str], tmp_path: Path, endpoint: str, key: IamKey, *extra: str) -> None:
    path = tmp_path / "accessKeys.csv"
    path.write_bytes(key_only_csv(key))
    result = credo(
        "add",
        "dev",
        "--from-csv",
        str(path),
        "--endpoint-url",
        endpoint,
        "--region",
        "us-east-1",
        *extra,
        env=kc,
    )
    assert result.returncode == 0, result.stderr
    path.unlink()


def server_keys(iam: Any, user: str = "alice") -> list[str]:
    return sorted(item["AccessKeyId"] for item in iam.list_access_keys(UserName=user)["AccessKeyMetadata"])


def stored_key(credo: Run, kc: dict[str, str]) -> tuple[str, str]:
    """The long-term key the keychain holds now (--no-session hands it to the command)."""
    result = credo("exec", "dev", "--no-session", "--", "python", "-c", ENV_KEYS, env=kc)
    assert result.returncode == 0, result.stderr
    key_id, secret = json.loads(result.stdout)
    return str(key_id), str(secret)


def works(server: Server, key_id: str, secret: str, token: str | None = None) -> bool:
    try:
        server.client("sts", key_id, secret, token).get_caller_identity()
    except botocore.exceptions.ClientError:
        return False
    return True


@contextmanager
def refusing_new_keys(server: Server, old: IamKey, times: int) -> Iterator[FaultProxy]:
    """A proxy answering InvalidClientTokenId to the first ``times`` GetCallerIdentity calls of any other key."""
    refused: list[Seen] = []

    def refuse(seen: Seen) -> tuple[int, str, str] | None:
        if seen.action == "GetCallerIdentity" and seen.key_id != old.access_key_id and len(refused) < times:
            refused.append(seen)
            return INVALID_TOKEN
        return None

    with fault_proxy(server.endpoint, refuse) as proxy:
        yield proxy


def test_keychain_key_is_rotated_and_sessions_renewed(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """The new key replaces the old in the keychain and on the server; cached sessions are dropped."""
    key = new_user_key(iam, "alice", allow(*KEY_ACTIONS))
    add(credo, kc, tmp_path, server.endpoint, key)
    before = json.loads(credo("credential-process", "dev", env=kc).stdout)
    result = credo("rotate", "dev", env=kc)
    assert result.returncode == 0, result.stderr
    new_id, new_secret = stored_key(credo, kc)
    assert new_id != key.access_key_id
    assert server_keys(iam) == [new_id]
    assert not works(server, key.access_key_id, key.secret_access_key)
    assert result.stdout.splitlines() == [
        f"Created access key {new_id} for {ALICE}.",
        f"Stored {new_id} for profile dev in the encrypted file {kc['CREDO_KEYRING_FILE']}.",
        f"Deleted the old key {key.access_key_id}.",
        f"Rotated the access key of profile dev ({ALICE}): {key.access_key_id} → {new_id}.",
    ]
    after = json.loads(credo("credential-process", "dev", env=kc).stdout)
    assert after["AccessKeyId"] != before["AccessKeyId"]
    assert works(server, after["AccessKeyId"], after["SecretAccessKey"], after["SessionToken"])
    assert new_secret not in result.stdout + result.stderr
    assert files_containing(aws_files.home, new_secret) == []


def test_credentials_file_key_is_rotated_in_place(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, aws: Callable[..., Result]
) -> None:
    """Plaintext keys are replaced in the credentials file (comments, other profiles and mode kept)."""
    key = new_user_key(iam, "alice", allow(*KEY_ACTIONS))
    aws_files.write(
        config=f"[profile dev]\nendpoint_url = {server.endpoint}\nregion = us-east-1\n",
        credentials=(
            "# my keys\n[other]\naws_access_key_id = AKIAOTHEREXAMPLE0001\naws_secret_access_key = other\n\n"
            f"[dev]\naws_access_key_id = {key.access_key_id}\naws_secret_access_key = {key.secret_access_key}\n"
        ),
    )
    result = credo("rotate", "dev")
    assert result.returncode == 0, result.stderr
    [new_id] = server_keys(iam)
    text = aws_files.credentials.read_text()
    assert text.startswith("# my keys\n[other]\naws_access_key_id = AKIAOTHEREXAMPLE0001\n")
    assert f"aws_access_key_id = {new_id}\n" in text and key.secret_access_key not in text
    assert stat.S_IMODE(aws_files.credentials.stat().st_mode) == 0o600
    assert f"Stored {new_id} for profile dev in {aws_files.credentials}." in result.stdout
    identity = aws("sts", "get-caller-identity", "--profile", "dev", "--endpoint-url", server.endpoint)
    assert identity.returncode == 0 and json.loads(identity.stdout)["Arn"] == ALICE


def test_mfa_protected_policy_uses_mfa_sessions(
    server: Server,
    iam: Any,
    clock: DeviceClock,
    aws_files: AwsFiles,
    kc: dict[str, str],
    credo: Run,
    tmp_path: Path,
) -> None:
    """Key calls allowed only with MFA: one code for the old key's session, the next for the new key's."""
    key = new_user_key(iam, "alice", allow(*KEY_ACTIONS, condition=MFA_PRESENT))
    serial, seed = create_device(iam, "alice-phone")
    enable(iam, clock, "alice", serial, seed)
    add(credo, kc, tmp_path, server.endpoint, key, "--mfa-serial", serial)
    clock.move(60)  # past the codes enabling used: two fresh steps ahead
    step = clock.step()
    prompt = f"Enter MFA code for {serial}: "
    status, shown = run_on_terminal(
        [CREDO, "rotate", "dev"],
        {**aws_files.env, **kc},
        [(prompt, code(seed, step)), (prompt, code(seed, step + 1))],
    )
    assert status == 0, shown
    assert "The new key needs its own MFA session" in shown
    [new_id] = server_keys(iam)
    assert new_id != key.access_key_id and f"→ {new_id}." in shown
    # The new key's MFA session is the one cached: no third code.
    status, shown = run_on_terminal([CREDO, "credential-process", "dev"], {**aws_files.env, **kc}, [])
    assert status == 0 and "Enter MFA code" not in shown


def test_quota_of_two_keys_changes_nothing(
    server: Server, iam: Any, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """A user with two keys already: IAM's LimitExceeded, the other key named, nothing changed."""
    key = new_user_key(iam, "alice", allow(*KEY_ACTIONS))
    other = new_user_key(iam, "alice")
    add(credo, kc, tmp_path, server.endpoint, key)
    result = credo("rotate", "dev", env=kc)
    assert result.returncode == 255 and result.stdout == ""
    assert result.stderr.startswith(
        "An error occurred (LimitExceeded) when calling the CreateAccessKey operation: "
        "Cannot exceed quota for AccessKeysPerUser: 2\n"
    )
    assert f"already has two access keys, the most it may have: {key.access_key_id} " in result.stderr
    assert f"aws iam delete-access-key --access-key-id {other.access_key_id} --profile dev" in result.stderr
    assert result.stderr.rstrip().endswith("Nothing was changed.")
    assert server_keys(iam) == sorted([key.access_key_id, other.access_key_id])
    assert stored_key(credo, kc) == (key.access_key_id, key.secret_access_key)


def test_new_key_refused_is_deleted_again(
    server: Server, iam: Any, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """GetCallerIdentity keeps refusing the new key: it is retried, then deleted; the old key stays."""
    key = new_user_key(iam, "alice", allow(*KEY_ACTIONS))
    with refusing_new_keys(server, key, times=1000) as proxy:
        add(credo, kc, tmp_path, proxy.endpoint, key)
        result = credo("rotate", "dev", env=kc)
    assert result.returncode == 255
    proofs = [
        seen for seen in proxy.seen if seen.action == "GetCallerIdentity" and seen.key_id != key.access_key_id
    ]
    assert len(proofs) == 5  # the first try and four retries
    new_id = proofs[0].key_id
    assert (
        f"The new key {new_id} was not stored: it did not work: An error occurred (InvalidClientTokenId) when "
        "calling the GetCallerIdentity operation: The security token included in the request is invalid.\n"
        f"It was deleted again. Nothing changed: profile dev still uses {key.access_key_id}.\n"
    ) in result.stderr
    assert server_keys(iam) == [key.access_key_id]
    assert stored_key(credo, kc) == (key.access_key_id, key.secret_access_key)


def test_new_key_refused_and_not_deletable_says_two_keys_exist(
    server: Server, iam: Any, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """When the new key can be neither proven nor deleted, both keys are named and the one to delete said."""
    key = new_user_key(iam, "alice", allow("iam:CreateAccessKey"))
    with refusing_new_keys(server, key, times=1000) as proxy:
        add(credo, kc, tmp_path, proxy.endpoint, key)
        result = credo("rotate", "dev", env=kc)
    assert result.returncode == 255
    [new_id] = [k for k in server_keys(iam) if k != key.access_key_id]
    assert (
        "It could not be deleted again: An error occurred (AccessDenied) when calling the DeleteAccessKey"
        in result.stderr
    )
    assert (
        f"Two keys exist now: {key.access_key_id} (still stored for profile dev, and working) and {new_id} "
        f"(stored nowhere; its secret is gone). Delete {new_id}: aws iam delete-access-key --access-key-id {new_id}"
    ) in result.stderr
    assert stored_key(credo, kc) == (key.access_key_id, key.secret_access_key)


def test_new_key_is_proven_after_brief_refusals(
    server: Server, iam: Any, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """A new key refused twice (as AWS's eventual consistency can) is retried, then the rotation completes."""
    key = new_user_key(iam, "alice", allow(*KEY_ACTIONS))
    with refusing_new_keys(server, key, times=2) as proxy:
        add(credo, kc, tmp_path, proxy.endpoint, key)
        result = credo("rotate", "dev", env=kc)
    assert result.returncode == 0, result.stderr
    [new_id] = server_keys(iam)
    proofs = [seen for seen in proxy.seen if seen.action == "GetCallerIdentity" and seen.key_id == new_id]
    assert len(proofs) == 3


def test_deletion_refused_leaves_the_new_key_stored(
    server: Server, iam: Any, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """DeleteAccessKey refused by policy: the new key is stored and works; the old one is reported, still active."""
    key = new_user_key(iam, "alice", allow("iam:CreateAccessKey", "iam:ListAccessKeys"))
    add(credo, kc, tmp_path, server.endpoint, key)
    result = credo("rotate", "dev", env=kc)
    assert result.returncode == 255
    new_id, new_secret = stored_key(credo, kc)
    assert new_id != key.access_key_id
    assert result.stderr == (
        f"An error occurred (AccessDenied) when calling the DeleteAccessKey operation: User: {ALICE} is not "
        f"authorized to perform: iam:DeleteAccessKey on resource: {ALICE} because no identity-based policy "
        "allows the iam:DeleteAccessKey action\n"
        f"The new key {new_id} is stored for profile dev and works, but the old key {key.access_key_id} is still "
        f"active on the server. Delete it when you can: aws iam delete-access-key --access-key-id "
        f"{key.access_key_id} --profile dev\n"
    )
    assert server_keys(iam) == sorted([key.access_key_id, new_id])
    assert works(server, new_id, new_secret) and works(server, key.access_key_id, key.secret_access_key)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param(
            "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = dev\n",
            "Profile admin assumes a role; the access key is profile dev's: credo rotate dev",
            id="role-on-keychain",
        ),
        pytest.param(
            "[profile admin]\ncredential_process = /bin/true\n",
            "Profile admin has no access key of its own to rotate (its credentials: process)",
            id="process",
        ),
        pytest.param("", "The config profile (admin) could not be found", id="unknown"),
    ],
)
def test_profiles_without_their_own_key_are_refused(
    server: Server,
    iam: Any,
    aws_files: AwsFiles,
    credo: Run,
    kc: dict[str, str],
    tmp_path: Path,
    config: str,
    message: str,
) -> None:
    """Only a profile holding a long-term key can be rotated; the message says which one to rotate."""
    key = new_user_key(iam, "alice", allow(*KEY_ACTIONS))
    add(credo, kc, tmp_path, server.endpoint, key)
    append_config(aws_files, "\n" + config)
    result = credo("rotate", "admin", env=kc)
    assert result.returncode == 255 and result.stderr.strip() == message
    assert server_keys(iam) == [key.access_key_id]
