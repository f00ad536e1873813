"""`credo db backup` while a server runs, and `credo db restore`: the same users and keys come back."""

from __future__ import annotations

import base64
import contextlib
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from tests.conftest import NO_RETRIES, POSTGRES_URL, REGION, start_server, stop_server
from tests.server.test_bootstrap import credentials_from, fresh_database, run_credo


def _iam(endpoint: str, key: str, secret: str) -> Any:
    return boto3.client(
        "iam",
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name=REGION,
        config=NO_RETRIES,
    )


def _user_names(endpoint: str, key: str, secret: str) -> list[str]:
    return [user["UserName"] for user in _iam(endpoint, key, secret).list_users()["Users"]]


@contextlib.contextmanager
def empty_postgres_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    assert POSTGRES_URL is not None
    name = f"credo_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _store_options(where: list[str], tmp_path: Path) -> list[str]:
    """``where`` plus a data dir for master.key when it names only a database."""
    return where if "--data-dir" in where else [*where, "--data-dir", str(tmp_path / "data")]


def test_backup_while_serving_then_restore(tmp_path: Path, store_kind: str) -> None:
    """A backup taken under a running server restores to the same users and keys, with the same master key."""
    backup = tmp_path / "credo.backup"
    with fresh_database(store_kind, tmp_path) as where:
        where = _store_options(where, tmp_path)
        server = start_server(tmp_path, *where)
        try:
            root = credentials_from(server.log())
            iam = _iam(server.endpoint, *root)
            iam.create_user(UserName="alice")
            alice = iam.create_access_key(UserName="alice")["AccessKey"]
            made = run_credo("db", "backup", *where, str(backup))
            assert made.returncode == 0, made.stderr
            assert "1 accounts, 1 users, 2 access keys" in made.stdout
            assert stat.S_IMODE(backup.stat().st_mode) == 0o600
            assert run_credo("db", "backup", *where, str(backup)).returncode == 1  # never overwrites
            if store_kind == "postgresql":
                # The password goes to pg_dump in its environment, never on a command line or output.
                url = make_url(where[where.index("--database-url") + 1]).set(password="s3cret-pw")
                options = ["--database-url", url.render_as_string(hide_password=False), *where[2:]]
                second = run_credo("db", "backup", *options, str(tmp_path / "second"))
                assert second.returncode == 0, second.stderr
                assert "s3cret-pw" not in second.stdout + second.stderr
            iam.create_user(UserName="bob")  # after the backup: not in it
            if store_kind == "sqlite":
                busy = run_credo("db", "restore", *where, str(backup))
                assert busy.returncode == 1
                assert "is using the store" in busy.stderr
        finally:
            stop_server(server)
        if store_kind == "sqlite":
            restored = run_credo("db", "restore", *where, str(backup))
            target = where
        else:
            assert "running: pg_dump --format=custom" in made.stdout
            not_empty = run_credo("db", "restore", *where, str(backup))
            assert not_empty.returncode == 1 and "new, empty database" in not_empty.stderr
            target = []
        with contextlib.ExitStack() as stack:
            if store_kind == "postgresql":
                url = stack.enter_context(empty_postgres_database())
                target = ["--database-url", url, "--data-dir", where[where.index("--data-dir") + 1]]
                restored = run_credo("db", "restore", *target, str(backup))
            assert restored.returncode == 0, restored.stderr
            assert "restored 1 accounts, 1 users, 2 access keys" in restored.stdout
            again = start_server(tmp_path, *target)
            try:
                assert _user_names(again.endpoint, *root) == ["alice"]
                sts = boto3.client(
                    "sts",
                    endpoint_url=again.endpoint,
                    aws_access_key_id=alice["AccessKeyId"],
                    aws_secret_access_key=alice["SecretAccessKey"],
                    region_name=REGION,
                    config=NO_RETRIES,
                )
                assert sts.get_caller_identity()["Arn"].endswith(":user/alice")
                with pytest.raises(botocore.exceptions.ClientError):
                    _iam(again.endpoint, *root).get_user(UserName="bob")
            finally:
                stop_server(again)


def test_restore_refuses_another_master_key(tmp_path: Path) -> None:
    """A backup whose secrets the configured master key does not open is not restored."""
    data = ["--data-dir", str(tmp_path / "data")]
    assert run_credo("init", *data).returncode == 0
    backup = tmp_path / "copy"
    assert run_credo("db", "backup", *data, str(backup)).returncode == 0
    other = base64.b64encode(b"x" * 32).decode()
    refused = run_credo("db", "restore", *data, str(backup), env={"CREDO_MASTER_KEY": other})
    assert refused.returncode == 1
    assert "do not open with this store's master key" in refused.stderr
    assert "Traceback" not in refused.stderr
