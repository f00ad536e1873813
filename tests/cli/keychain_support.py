"""Helpers for the keychain client tests: a file keychain in the temporary home, IAM users with
console-shaped CSVs, and a pseudo-terminal that is the command's controlling terminal."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.cli.conftest import AwsFiles, run_on_pty
from tests.keyring_backend.credo_test_keyring import backend_environment

PASSPHRASE = "correct horse battery staple"


def keychain_env(aws_files: AwsFiles) -> dict[str, str]:
    """Settings for credo's encrypted-file keychain, kept inside the temporary home."""
    return {
        "CREDO_KEYRING_BACKEND": "file",
        "CREDO_KEYRING_PASSPHRASE": PASSPHRASE,
        "CREDO_KEYRING_FILE": str(aws_files.home / ".local" / "share" / "credo" / "keychain.json"),
    }


def os_keychain_env(aws_files: AwsFiles, fault: str | None = None) -> dict[str, str]:
    """Settings for credo's default OS keychain, served by the tests' own keyring backend (a JSON
    file in the temporary home; ``fault`` makes an operation fail, see ``credo_test_keyring``)."""
    return backend_environment(aws_files.home / "os-keychain.json", fault)


def os_keychain_entries(aws_files: AwsFiles) -> dict[str, dict[str, Any]]:
    """What the tests' OS keychain holds: ``{service: {profile: the entry's JSON document}}``."""
    path = aws_files.home / "os-keychain.json"
    secrets: dict[str, dict[str, str]] = json.loads(path.read_text()) if path.exists() else {}
    return {
        service: {name: json.loads(text) for name, text in names.items()}
        for service, names in secrets.items()
    }


def put_os_keychain_entry(aws_files: AwsFiles, service: str, profile: str, document: dict[str, Any]) -> None:
    """Replace one entry of the tests' OS keychain, as another program using the keychain could."""
    path = aws_files.home / "os-keychain.json"
    secrets: dict[str, dict[str, str]] = json.loads(path.read_text())
    secrets.setdefault(service, {})[profile] = json.dumps(document)
    path.write_text(json.dumps(secrets))


@dataclass(frozen=True)
class IamKey:
    user: str
    access_key_id: str
    secret_access_key: str


def new_user_key(iam: Any, user: str, policy: dict[str, Any] | None = None) -> IamKey:
    """Create ``user`` (when missing) with an inline policy, and a new access key for it."""
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_user(UserName=user)
    if policy is not None:
        iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return IamKey(user, key["AccessKeyId"], key["SecretAccessKey"])


def key_only_csv(key: IamKey) -> bytes:
    """The access key download of today's console: UTF-8 with a BOM, CRLF line ends."""
    text = f"Access key ID,Secret access key\r\n{key.access_key_id},{key.secret_access_key}\r\n"
    return text.encode("utf-8-sig")


def new_user_csv(key: IamKey) -> bytes:
    """The older new-user download: user name, password, keys and console link."""
    text = (
        "User name,Password,Access key ID,Secret access key,Console login link\r\n"
        f"{key.user},Pa55word!,{key.access_key_id},{key.secret_access_key},"
        "http://127.0.0.1/signin?account=123456789012\r\n"
    )
    return text.encode("utf-8-sig")


def files_containing(root: Path, needle: str) -> list[Path]:
    """Every file under ``root`` whose bytes contain ``needle`` (what ``grep -r`` would find)."""
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and needle.encode() in path.read_bytes():
            found.append(path)
    return found


def run_on_terminal(
    argv: Sequence[str], env: dict[str, str], dialogue: Sequence[tuple[str, str]], timeout: float = 60
) -> tuple[int, str]:
    """Run ``argv`` with a pty as its controlling terminal, answering each prompt credo writes to
    ``/dev/tty`` (as ``credential_process`` must); returns (status, everything the terminal showed)."""
    return run_on_pty(argv, env, dialogue, timeout, controlling=True)
