"""First start, `credo init` and `credo db upgrade`: what a new operator sees."""

from __future__ import annotations

import base64
import contextlib
import os
import stat
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from tests.conftest import CREDO, POSTGRES_URL, start_server, stop_server


def run_credo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CREDO, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


def credentials_from(output: str) -> tuple[str, str]:
    values = dict(
        line.strip().split("=", 1) for line in output.splitlines() if line.strip().startswith("AWS_")
    )
    return values["AWS_ACCESS_KEY_ID"], values["AWS_SECRET_ACCESS_KEY"]


def test_first_start_prints_root_keys_once(tmp_path: Path) -> None:
    """The first start creates an account and prints its root key with a profile snippet; later starts do not."""
    data = tmp_path / "data"
    server = start_server(tmp_path, "--data-dir", str(data))
    try:
        output = server.log()
        key, secret = credentials_from(output)
        assert key.startswith("AKIA") and len(secret) == 40
        assert f"endpoint_url = {server.endpoint}" in output
        sts = boto3.client(
            "sts",
            endpoint_url=server.endpoint,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            region_name="us-east-1",
        )
        assert sts.get_caller_identity()["Arn"].endswith(":root")
    finally:
        stop_server(server)
    assert stat.S_IMODE((data / "master.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("credo.sqlite3", "credo.sqlite3-wal", "credo.sqlite3-shm", "credo.sqlite3-changes"):
        if (data / name).exists():
            assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE((data / "credo.sqlite3").stat().st_mode) == 0o600
    again = start_server(tmp_path, "--data-dir", str(data))
    try:
        assert secret not in again.log()
        assert "printed when this store was first started" in again.log()
    finally:
        stop_server(again)


def test_configured_account_and_root_keys(tmp_path: Path) -> None:
    """CREDO_ACCOUNT_ID and CREDO_ROOT_* choose the account and its root key pair."""
    env = {
        "CREDO_ACCOUNT_ID": "210987654321",
        "CREDO_ROOT_ACCESS_KEY_ID": "admin",
        "CREDO_ROOT_SECRET_ACCESS_KEY": "s3cr3t!",
    }
    server = start_server(tmp_path, "--data-dir", str(tmp_path / "d"), env=env)
    try:
        assert "s3cr3t!" not in server.log()
        identity = server.client("sts", "admin", "s3cr3t!").get_caller_identity()
        assert identity["Arn"] == "arn:aws:iam::210987654321:root"
    finally:
        stop_server(server)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CREDO_ROOT_ACCESS_KEY_ID": "ab", "CREDO_ROOT_SECRET_ACCESS_KEY": "secret"}, "3-128 printable"),
        (
            {"CREDO_ROOT_ACCESS_KEY_ID": "has space", "CREDO_ROOT_SECRET_ACCESS_KEY": "secret"},
            "without spaces",
        ),
        ({"CREDO_ROOT_ACCESS_KEY_ID": "abcd", "CREDO_ROOT_SECRET_ACCESS_KEY": "abc"}, "4-128"),
        ({"CREDO_ROOT_ACCESS_KEY_ID": "abcd"}, "set together"),
        ({"CREDO_ACCOUNT_ID": "12345"}, "12 digits"),
    ],
)
def test_bad_bootstrap_settings_are_refused_clearly(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    """Invalid root keys or account ids stop the server with a one-line reason, no traceback."""
    result = run_credo("serve", "--port", "1", "--data-dir", str(tmp_path / "d"), env=env)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_init_creates_the_account_once(tmp_path: Path) -> None:
    """`credo init` creates the store and account explicitly; a second init changes nothing."""
    data = str(tmp_path / "d")
    first = run_credo(
        "init",
        "--data-dir",
        data,
        "--account-id",
        "111122223333",
        "--email",
        "root@example.com",
        "--password",
        "Root-Passw0rd!",
    )
    assert first.returncode == 0, first.stderr
    key, _ = credentials_from(first.stdout)
    assert key.startswith("AKIA")
    assert "Root-Passw0rd!" not in first.stdout
    second = run_credo("init", "--data-dir", data)
    assert second.returncode != 0
    assert "already has an account" in second.stderr
    raw = b"".join(p.read_bytes() for p in Path(data).iterdir() if p.name.startswith("credo.sqlite3"))
    assert b"Root-Passw0rd!" not in raw
    assert b"$argon2id$" in raw


def test_db_upgrade(tmp_path: Path) -> None:
    """`credo db upgrade` migrates a new store and is safe to repeat."""
    for _ in range(2):
        result = run_credo("db", "upgrade", "--data-dir", str(tmp_path / "d"))
        assert result.returncode == 0, result.stderr
        assert "newest schema" in result.stdout


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_a_process_with_another_master_key_refuses_to_start(tmp_path: Path, store: str) -> None:
    """A second process sharing the store with a different master key stops with a clear reason."""
    first_key = base64.b64encode(b"k" * 32).decode()
    other_key = base64.b64encode(b"o" * 32).decode()
    if store == "postgresql" and not POSTGRES_URL:
        pytest.skip("no PostgreSQL: set CREDO_TEST_DATABASE_URL")
    with fresh_database(store, tmp_path) as where:
        init = run_credo("init", *where, env={"CREDO_MASTER_KEY": first_key})
        assert init.returncode == 0, init.stderr
        result = run_credo("serve", "--port", "1", *where, env={"CREDO_MASTER_KEY": other_key})
    assert result.returncode != 0
    assert "does not open this store's secrets" in result.stderr
    assert "same master key" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@contextlib.contextmanager
def fresh_database(store: str, tmp_path: Path) -> Iterator[list[str]]:
    """``credo`` options naming an empty store: a new SQLite data dir, or a new PostgreSQL database."""
    if store == "sqlite":
        yield ["--data-dir", str(tmp_path / "shared")]
        return
    assert POSTGRES_URL is not None
    name = f"credo_fresh_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield [
            "--database-url",
            make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False),
        ]
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
