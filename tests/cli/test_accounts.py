"""``credo account create`` and ``credo account list`` against a store a server is using."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest
from tests.conftest import CREDO, DEV_ACCOUNT, Server


def credo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CREDO_")}
    return subprocess.run(
        [CREDO, *args], capture_output=True, text=True, env={**clean, **(env or {})}, timeout=60, check=False
    )


def test_create_prints_keys_that_work(server: Server) -> None:
    """The new account's root key (JSON output) signs requests as that account's root."""
    url = server.extra["database_url"]
    created = credo(
        "account", "create", "--dev", "--database-url", url, "--email", "ops@example.com", "--output", "json"
    )
    assert created.returncode == 0, created.stderr
    keys = json.loads(created.stdout)
    assert set(keys) == {"AccountId", "AccessKeyId", "SecretAccessKey"}
    assert len(keys["AccountId"]) == 12 and keys["AccountId"] != DEV_ACCOUNT
    client = server.client("sts", keys["AccessKeyId"], keys["SecretAccessKey"])
    assert client.get_caller_identity()["Arn"] == f"arn:aws:iam::{keys['AccountId']}:root"
    # Everything in the new account carries its id.
    iam = server.client("iam", keys["AccessKeyId"], keys["SecretAccessKey"])
    assert iam.create_user(UserName="u")["User"]["Arn"] == f"arn:aws:iam::{keys['AccountId']}:user/u"
    assert server.client("iam").list_users()["Users"] == []


def test_create_with_id_alias_and_list(server: Server) -> None:
    """--account-id and --alias are honoured; list shows every account with its alias."""
    url = server.extra["database_url"]
    created = credo(
        "account",
        "create",
        "--dev",
        "--database-url",
        url,
        "--account-id",
        "111122223333",
        "--alias",
        "team-b",
    )
    assert created.returncode == 0, created.stderr
    assert "account 111122223333 created" in created.stdout and "AWS_SECRET_ACCESS_KEY=" in created.stdout
    listed = json.loads(credo("account", "list", "--database-url", url, "--output", "json").stdout)[
        "Accounts"
    ]
    assert {(a["AccountId"], a["Alias"]) for a in listed} == {(DEV_ACCOUNT, None), ("111122223333", "team-b")}
    text = credo("account", "list", "--database-url", url).stdout
    assert "111122223333\tteam-b" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--account-id", DEV_ACCOUNT), f"account {DEV_ACCOUNT} already exists"),
        (("--account-id", "12345"), "must be 12 digits"),
        (("--alias", "taken"), "The account alias taken already exists."),
    ],
)
def test_create_refusals(server: Server, args: tuple[str, ...], message: str) -> None:
    """Duplicate ids, malformed ids and taken aliases are refused; nothing is created."""
    server.client("iam").create_account_alias(AccountAlias="taken")
    url = server.extra["database_url"]
    refused = credo("account", "create", "--dev", "--database-url", url, *args)
    assert refused.returncode != 0 and message in refused.stderr
    listed = json.loads(credo("account", "list", "--database-url", url, "--output", "json").stdout)[
        "Accounts"
    ]
    assert [a["AccountId"] for a in listed] == [DEV_ACCOUNT]


def test_wrong_master_key_is_refused(server: Server) -> None:
    """Without --dev (or with another CREDO_MASTER_KEY) the dev store's secrets do not open: refused."""
    url = server.extra["database_url"]
    other_key = base64.b64encode(b"k" * 32).decode()
    refused = credo("account", "create", "--database-url", url, env={"CREDO_MASTER_KEY": other_key})
    assert refused.returncode != 0 and "master key does not open this store's secrets" in refused.stderr


def test_no_master_key_is_refused(tmp_path: Path) -> None:
    """A data dir without master.key gets no new key made up: the command stops instead."""
    refused = credo("account", "create", "--data-dir", str(tmp_path / "empty"))
    assert refused.returncode != 0 and "no master key" in refused.stderr
    assert not (tmp_path / "empty" / "master.key").exists()


def test_store_without_accounts_is_refused(tmp_path: Path) -> None:
    """On a store that was never started, the first account is `credo serve`'s or `credo init`'s to make."""
    data = tmp_path / "data"
    refused = credo("account", "create", "--dev", "--data-dir", str(data))
    assert refused.returncode != 0 and "this store has no account yet" in refused.stderr
