"""``credo rotate`` when a step fails: the state left is a working stored key, and the message says which.

Storing faults are real ones: the tests' keyring backend (credo's default OS keychain path)
refusing or half-doing an operation, and I/O errors injected by ``strace`` into the reads of
the credentials file — permissions cannot make a write succeed and its read-back fail, and
they do not bind root.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.cli.conftest import CREDO, AwsFiles, Result
from tests.cli.keychain_support import (
    new_user_key,
    os_keychain_entries,
    os_keychain_env,
    run_on_terminal,
)
from tests.cli.test_keychain_sessions import MFA_PRESENT, allow
from tests.cli.test_rotate import ALICE, KEY_ACTIONS, add, server_keys, works
from tests.conftest import Server
from tests.mfa_support import DeviceClock, code, create_device, enable, wrong_code

Run = Callable[..., Result]
STRACE = shutil.which("strace")
CREATED = re.compile(r"^Created access key (\S+) for ", re.MULTILINE)
KEYS = "credo:access-key"


def created_key(output: str) -> str:
    found = CREATED.search(output)
    assert found is not None, output
    return found.group(1)


def stored_entry(aws_files: AwsFiles) -> dict[str, Any]:
    return os_keychain_entries(aws_files)[KEYS]["dev"]


def session_key(credo: Run, env: dict[str, str]) -> str:
    result = credo("credential-process", "dev", env=env)
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["AccessKeyId"])


# --- the keychain -------------------------------------------------------------------------------------


def test_keychain_refusing_to_drop_old_sessions_only_warns(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, tmp_path: Path
) -> None:
    """The new key stored and read back, then the old sessions cannot be deleted: a warning; the rotation completes."""
    env = os_keychain_env(aws_files)
    key = new_user_key(iam, "alice", allow(*KEY_ACTIONS))
    add(credo, env, tmp_path, server.endpoint, key)
    old_session = session_key(credo, env)  # a cached session, for the rotation to try to delete
    result = credo("rotate", "dev", env=os_keychain_env(aws_files, fault="delete credo:session"))
    assert result.returncode == 0, result.stderr
    [new_id] = server_keys(iam)
    assert new_id != key.access_key_id
    entry = stored_entry(aws_files)
    assert entry["AccessKeyId"] == new_id and works(server, new_id, entry["SecretAccessKey"])
    assert result.stderr == (
        f"warning: the sessions cached from {key.access_key_id} could not be deleted: The OS keychain refused "
        "to delete a secret: test keychain fault: delete under credo:session refused. They are not used again "
        "(they were made from the old key) and expire on their own.\n"
    )
    assert os_keychain_entries(aws_files)["credo:session"]["dev"]["AccessKeyId"] == old_session
    assert session_key(credo, env) != old_session  # left in the keychain, but not used


def test_keychain_error_after_writing_puts_the_old_key_back(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, tmp_path: Path
) -> None:
    """A keychain that wrote the new key but reported an error: the old entry is put back as it was before the
    new key is deleted, so "nothing changed" is true — the cached session still serves."""
    env = os_keychain_env(aws_files)
    key = new_user_key(iam, "alice", allow(*KEY_ACTIONS))
    add(credo, env, tmp_path, server.endpoint, key)
    old_session = session_key(credo, env)
    before = stored_entry(aws_files)
    result = credo("rotate", "dev", env=os_keychain_env(aws_files, fault=f"set {KEYS} after"))
    assert result.returncode == 255
    new_id = created_key(result.stdout)
    assert result.stderr == (
        f"The new key {new_id} was not stored: it could not be stored: The OS keychain refused to store a "
        f"secret: test keychain fault: set under {KEYS} reported an error.\n"
        f"It was deleted again. Nothing changed: profile dev still uses {key.access_key_id}.\n"
    )
    assert stored_entry(aws_files) == before
    assert server_keys(iam) == [key.access_key_id]
    assert session_key(credo, env) == old_session


# --- the credentials file -----------------------------------------------------------------------------


def traced(argv: list[str], env: dict[str, str], log: Path, fail_opens: tuple[Path, str] | None) -> Result:
    """Run ``argv`` under strace, logging every open and rename; ``fail_opens`` (a path, and strace's ``when``
    counted over that path's opens only: ``3``, ``3+``) makes those opens fail with EIO."""
    command = [str(STRACE), "-f", "-qq", "-o", str(log), "-e", "trace=openat,open,rename,renameat,renameat2"]
    if fail_opens is not None:
        path, when = fail_opens
        command = [str(STRACE), "-f", "-qq", "-o", str(log), "-P", str(path), "-e", "trace=openat,open"]
        command += ["-e", f"inject=openat,open:error=EIO:when={when}"]
    done = subprocess.run([*command, *argv], env=env, capture_output=True, text=True, timeout=120)
    return Result(done.returncode, done.stdout, done.stderr)


def read_back_open(log: Path, path: Path) -> int:
    """Which open of ``path``, counted from 1, is the first after a rename replaced it (the read-back)."""
    quoted = json.dumps(str(path))
    opens = 0
    for line in log.read_text().splitlines():
        if re.search(r"\brename(at2?)?\(", line) and line.split(" = ")[0].endswith(f"{quoted})"):
            return opens + 1
        if re.search(r"\bopen(at)?\((AT_FDCWD, )?" + re.escape(quoted), line):
            opens += 1
    raise AssertionError(f"{path} was never replaced: {log.read_text()}")


def file_key(aws_files: AwsFiles) -> str:
    found = re.search(r"^aws_access_key_id = (\S+)$", aws_files.credentials.read_text(), re.MULTILINE)
    assert found is not None
    return found.group(1)


@pytest.mark.skipif(STRACE is None, reason="needs strace (make system-tools installs it)")
def test_credentials_file_not_read_back_gets_the_old_key_again(
    server: Server, iam: Any, aws_files: AwsFiles, tmp_path: Path
) -> None:
    """The file written but its read-back failing (EIO): the old key is written back and read before the new key is
    deleted; when the file cannot be read at all any more, nothing is deleted and both keys are named."""
    key = new_user_key(iam, "alice", allow(*KEY_ACTIONS))
    aws_files.write(
        config=f"[profile dev]\nendpoint_url = {server.endpoint}\nregion = us-east-1\n",
        credentials=f"[dev]\naws_access_key_id = {key.access_key_id}\naws_secret_access_key = {key.secret_access_key}\n",
    )
    log = tmp_path / "strace.log"
    argv = [CREDO, "rotate", "dev"]
    # A rotation traced without faults finds which open of the file is the read-back.
    done = traced(argv, aws_files.env, log, None)
    assert done.returncode == 0, done.stderr
    read_back = read_back_open(log, aws_files.credentials)
    current = file_key(aws_files)
    assert server_keys(iam) == [current]

    done = traced(argv, aws_files.env, log, (aws_files.credentials, str(read_back)))
    assert done.returncode == 255
    new_id = created_key(done.stdout)
    assert done.stderr == (
        f"The new key {new_id} was not stored: it could not be stored: [Errno 5] Input/output error: "
        f"'{aws_files.credentials}'.\nIt was deleted again. Nothing changed: profile dev still uses {current}.\n"
    )
    assert file_key(aws_files) == current and server_keys(iam) == [current]

    done = traced(argv, aws_files.env, log, (aws_files.credentials, f"{read_back}+"))
    assert done.returncode == 255
    new_id = created_key(done.stdout)
    error = f"[Errno 5] Input/output error: '{aws_files.credentials}'."
    assert done.stderr == (
        f"The new key {new_id} could not be stored for profile dev: {error}\n"
        f"The old key {current} could not be put back: {error} reading {aws_files.credentials} failed: {error}\n"
        f"Nothing was deleted: both {current} and {new_id} are still active on the server. When "
        f"{aws_files.credentials} can be used again, see which key profile dev holds and delete the other one: "
        "aws iam delete-access-key --access-key-id ID --profile dev\n"
    )
    assert server_keys(iam) == sorted([current, new_id])
    assert file_key(aws_files) == new_id  # written before its read-back failed, and said to be unknown


# --- the server refusing a step -----------------------------------------------------------------------


def test_create_access_key_refused_changes_nothing(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, tmp_path: Path
) -> None:
    """CreateAccessKey refused for another reason than the two-key quota: IAM's error, and nothing changed."""
    env = os_keychain_env(aws_files)
    key = new_user_key(iam, "alice", allow("iam:ListAccessKeys", "iam:DeleteAccessKey"))
    add(credo, env, tmp_path, server.endpoint, key)
    before = stored_entry(aws_files)
    result = credo("rotate", "dev", env=env)
    assert result.returncode == 255 and result.stdout == ""
    assert result.stderr == (
        f"An error occurred (AccessDenied) when calling the CreateAccessKey operation: User: {ALICE} is not "
        f"authorized to perform: iam:CreateAccessKey on resource: {ALICE} because no identity-based policy "
        "allows the iam:CreateAccessKey action\n"
        f"Nothing was changed: {key.access_key_id} is still stored.\n"
    )
    assert server_keys(iam) == [key.access_key_id]
    assert stored_entry(aws_files) == before


def test_new_keys_mfa_session_refused_leaves_it_stored(
    server: Server, iam: Any, clock: DeviceClock, aws_files: AwsFiles, credo: Run, tmp_path: Path
) -> None:
    """A wrong code for the new key's own MFA session: the new key is stored and works, the old one is still
    active on the server, and the message says so with the command to delete it."""
    env = os_keychain_env(aws_files)
    key = new_user_key(iam, "alice", allow(*KEY_ACTIONS, condition=MFA_PRESENT))
    serial, seed = create_device(iam, "alice-phone")
    enable(iam, clock, "alice", serial, seed)
    add(credo, env, tmp_path, server.endpoint, key, "--mfa-serial", serial)
    clock.move(60)
    step = clock.step()
    prompt = f"Enter MFA code for {serial}: "
    status, shown = run_on_terminal(
        [CREDO, "rotate", "dev"],
        {**aws_files.env, **env},
        [(prompt, code(seed, step)), (prompt, wrong_code(seed, step + 1))],
    )
    assert status == 255, shown
    entry = stored_entry(aws_files)
    new_id = entry["AccessKeyId"]
    assert new_id != key.access_key_id and works(server, new_id, entry["SecretAccessKey"])
    assert server_keys(iam) == sorted([key.access_key_id, new_id])
    assert (
        "An error occurred (AccessDenied) when calling the GetSessionToken operation: MultiFactorAuthentication "
        "failed with invalid MFA one time pass code. \n"  # AWS's message ends with a space
        f"The new key {new_id} is stored for profile dev and works, but the old key {key.access_key_id} is still "
        f"active on the server. Delete it when you can: aws iam delete-access-key --access-key-id "
        f"{key.access_key_id} --profile dev\n"
    ) in shown
