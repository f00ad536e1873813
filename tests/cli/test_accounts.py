"""``credo account create``, ``list`` and ``rotate-root-key`` against a store a server is using."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import botocore.exceptions
import httpx
import pytest
from tests.conftest import CREDO, DEV_ACCOUNT, POSTGRES_URL, Server, start_server, stop_server
from tests.console.conftest import USER_PASSWORD, console_user, sign_in
from tests.server.test_bootstrap import credentials_from, fresh_database


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
    assert set(keys) == {"AccountId", "AccessKeyId", "SecretAccessKey", "ConsoleSignInUrl", "RootSignInUrl"}
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


def test_create_prints_console_signin_urls_that_work(server: Server) -> None:
    """Text and JSON name the IAM users' URL (by alias, else id) and root's; a user signs in through it."""
    url = server.extra["database_url"]
    port = {"CREDO_PORT": server.endpoint.rsplit(":", 1)[1]}
    created = credo("account", "create", "--dev", "--database-url", url, "--alias", "team-c", env=port)
    assert created.returncode == 0, created.stderr
    users_url = f"{server.endpoint}/signin?account=team-c"
    assert f"Console sign-in URL for IAM users: {users_url}\n" in created.stdout
    assert f"Root user (email and password): {server.endpoint}/signin/root\n" in created.stdout
    key, secret = credentials_from(created.stdout)
    console_user(server.client("iam", key, secret), "carol")
    with httpx.Client(base_url=server.endpoint, follow_redirects=False, timeout=30) as browser:
        assert 'value="team-c"' in browser.get(users_url).text
        assert sign_in(browser, "team-c", "carol", USER_PASSWORD).headers["location"] == "/console/home"
        assert "Root user email address" in browser.get(f"{server.endpoint}/signin/root").text
    as_json = credo("account", "create", "--dev", "--database-url", url, "--output", "json", env=port)
    report = json.loads(as_json.stdout)
    assert report["ConsoleSignInUrl"] == f"{server.endpoint}/signin?account={report['AccountId']}"
    assert report["RootSignInUrl"] == f"{server.endpoint}/signin/root"


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


def rotated(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """``credo account rotate-root-key … --output json``, which must succeed."""
    result = credo("account", "rotate-root-key", *args, "--output", "json", env=env)
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def refusal_of(client: Any) -> str:
    """The AWS error code a GetCallerIdentity signed by ``client`` gets."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.get_caller_identity()
    return str(caught.value.response["Error"]["Code"])


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_rotate_root_key_replaces_a_running_servers_root_key(tmp_path: Path, store: str) -> None:
    """A rotated root key signs at once on a running server sharing the store; the old one is refused."""
    if store == "postgresql" and not POSTGRES_URL:
        pytest.skip("no PostgreSQL: set CREDO_TEST_DATABASE_URL")
    env = {"CREDO_MASTER_KEY": base64.b64encode(b"r" * 32).decode()}
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    with fresh_database(store, tmp_path) as where:
        assert credo("init", *where, "--credentials-file", str(first), env=env).returncode == 0
        old_key, old_secret = credentials_from(first.read_text())
        server = start_server(tmp_path, *where, env=env)
        try:
            old = server.client("sts", old_key, old_secret)
            assert old.get_caller_identity()["Arn"].endswith(":root")  # now cached by the server
            result = credo("account", "rotate-root-key", *where, "--credentials-file", str(second), env=env)
            assert result.returncode == 0, result.stderr
            new_key, new_secret = credentials_from(second.read_text())
            assert stat.S_IMODE(second.stat().st_mode) == 0o600
            assert f"old root access key {old_key}: deleted" in result.stdout
            assert new_secret not in result.stdout and old_secret not in result.stdout + result.stderr
            new = server.client("sts", new_key, new_secret)
            assert new.get_caller_identity()["Arn"].endswith(":root")
            assert refusal_of(old) == "InvalidClientTokenId"
            listed = server.client("iam", new_key, new_secret).list_access_keys()["AccessKeyMetadata"]
            assert [(k["AccessKeyId"], k["Status"]) for k in listed] == [(new_key, "Active")]
        finally:
            stop_server(server)


OLD_KEY_CASES = [
    # (flags, what the report says of the old key, whether it still signs, its listed status)
    ((), "deleted", False, None),
    (("--keep-old",), "kept active", True, "Active"),
    (("--deactivate-old",), "deactivated", False, "Inactive"),
]


@pytest.mark.parametrize(("flags", "result", "still_signs", "status"), OLD_KEY_CASES)
def test_rotate_root_key_deletes_deactivates_or_keeps_the_old_key(
    server: Server, flags: tuple[str, ...], result: str, still_signs: bool, status: str | None
) -> None:
    """The old root key is deleted by default, kept active with --keep-old, made inactive with --deactivate-old."""
    url = server.extra["database_url"]
    try:
        report = rotated("--dev", "--database-url", url, *flags)
        assert report["AccountId"] == DEV_ACCOUNT
        assert report["OldAccessKeys"] == [{"AccessKeyId": "test", "Result": result}]
        new = server.client("iam", report["AccessKeyId"], report["SecretAccessKey"])
        assert new.get_user()["User"]["Arn"] == f"arn:aws:iam::{DEV_ACCOUNT}:root"
        old = server.client("sts")
        if still_signs:
            assert old.get_caller_identity()["Account"] == DEV_ACCOUNT
        else:
            assert refusal_of(old) == "InvalidClientTokenId"
        listed = {k["AccessKeyId"]: k["Status"] for k in new.list_access_keys()["AccessKeyMetadata"]}
        expected = {report["AccessKeyId"]: "Active"} | ({"test": status} if status else {})
        assert listed == expected
    finally:
        server.reset()


@pytest.mark.parametrize("flag", ["--keep-old", "--deactivate-old"])
def test_rotate_root_key_respects_the_two_key_limit(server: Server, flag: str) -> None:
    """A root user with two keys gets no third: keeping them is refused and nothing changes."""
    url = server.extra["database_url"]
    try:
        server.client("iam").create_access_key()
        refused = credo("account", "rotate-root-key", "--dev", "--database-url", url, flag)
        assert refused.returncode != 0
        assert "has 2 access keys, the most it may hold (AccessKeysPerUser: 2)" in refused.stderr
        assert len(server.client("iam").list_access_keys()["AccessKeyMetadata"]) == 2
        # Without the flag both old keys go and the new one is the only one.
        report = rotated("--dev", "--database-url", url)
        assert {old["Result"] for old in report["OldAccessKeys"]} == {"deleted"}
        assert len(report["OldAccessKeys"]) == 2
    finally:
        server.reset()


def test_rotate_root_key_names_the_account_by_id_or_alias(server: Server) -> None:
    """With several accounts one must be named, by id or alias; the others' root keys are untouched."""
    url = server.extra["database_url"]
    try:
        made = credo(
            "account", "create", "--dev", "--database-url", url, "--alias", "team-b", "--output", "json"
        )
        other = json.loads(made.stdout)
        unnamed = credo("account", "rotate-root-key", "--dev", "--database-url", url)
        assert unnamed.returncode != 0
        assert "several accounts: name one by id or alias with --account ID_OR_ALIAS" in unnamed.stderr
        unknown = credo("account", "rotate-root-key", "--dev", "--database-url", url, "--account", "nope")
        assert unknown.returncode != 0 and "no account has the id or alias 'nope'" in unknown.stderr
        by_alias = rotated("--dev", "--database-url", url, "--account", "team-b")
        assert by_alias["AccountId"] == other["AccountId"]
        by_id = rotated("--dev", "--database-url", url, "--account", DEV_ACCOUNT)
        assert by_id["AccountId"] == DEV_ACCOUNT
        assert by_id["OldAccessKeys"] == [{"AccessKeyId": "test", "Result": "deleted"}]
        assert refusal_of(server.client("sts", other["AccessKeyId"], other["SecretAccessKey"])) == (
            "InvalidClientTokenId"
        )
        new = server.client("sts", by_alias["AccessKeyId"], by_alias["SecretAccessKey"])
        assert new.get_caller_identity()["Account"] == other["AccountId"]
    finally:
        server.reset()


def test_rotate_root_key_keeps_the_old_key_when_the_file_cannot_be_written(
    server: Server, tmp_path: Path
) -> None:
    """An existing --credentials-file stops the rotation before anything changes."""
    url = server.extra["database_url"]
    taken = tmp_path / "taken.txt"
    taken.write_text("keep me\n")
    refused = credo(
        "account", "rotate-root-key", "--dev", "--database-url", url, "--credentials-file", str(taken)
    )
    assert (
        refused.returncode != 0
        and "refusing to overwrite it (move it away, or name a new file); nothing was changed"
        in refused.stderr
    )
    assert taken.read_text() == "keep me\n"
    assert server.client("sts").get_caller_identity()["Account"] == DEV_ACCOUNT
    keys = server.client("iam").list_access_keys()["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == ["test"]
