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
        key_account = output.split("Root credentials for account ", 1)[1].split(" ", 1)[0]
        assert f"Console sign-in URL for IAM users: {server.endpoint}/signin?account={key_account}" in output
        assert key_account.isdigit()
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
        assert "when this store was first started" in again.log()
        assert "credo account rotate-root-key" in again.log()
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


def started_and_stopped(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """The output of a ``credo serve`` that started (its port answered) and was stopped."""
    server = start_server(tmp_path, *args, env=env)
    stop_server(server)
    return server.log()


def works_as_root(endpoint: str, key: str, secret: str) -> bool:
    """Whether ``key`` signs requests as an account's root user on the server at ``endpoint``."""
    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name="us-east-1",
    )
    return str(sts.get_caller_identity()["Arn"]).endswith(":root")


@pytest.mark.parametrize("given_by", ["flag", "environment"])
def test_serve_writes_root_credentials_to_a_new_file_not_stdout(tmp_path: Path, given_by: str) -> None:
    """--credentials-file (or CREDO_CREDENTIALS_FILE): the root key goes to a 0600 file, stdout names it."""
    data, path = tmp_path / "data", tmp_path / "secrets" / "root.txt"
    args = ["--data-dir", str(data)]
    env = {"CREDO_CREDENTIALS_FILE": str(path)} if given_by == "environment" else None
    if given_by == "flag":
        args += ["--credentials-file", str(path)]
    server = start_server(tmp_path, *args, env=env)
    try:
        key, secret = credentials_from(path.read_text())
        assert works_as_root(server.endpoint, key, secret)
        output = server.log()
        assert secret not in output and "AWS_SECRET_ACCESS_KEY" not in output
        assert f"root credentials are in {path} (mode 0600)" in output
    finally:
        stop_server(server)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"endpoint_url = {server.endpoint}" in path.read_text()
    assert [p.name for p in path.parent.iterdir()] == ["root.txt"]  # no temporary file left
    # Later starts create no account, so they write nothing and the file stays as it was.
    before = path.read_bytes()
    again = started_and_stopped(tmp_path, *args, env=env)
    assert "when this store was first started" in again and secret not in again
    assert path.read_bytes() == before


def test_init_writes_root_credentials_to_a_new_file(tmp_path: Path) -> None:
    """`credo init --credentials-file` prints only where the 0600 file is; its key signs as root."""
    data, path = tmp_path / "data", tmp_path / "root.txt"
    result = run_credo("init", "--data-dir", str(data), "--credentials-file", str(path))
    assert result.returncode == 0, result.stderr
    key, secret = credentials_from(path.read_text())
    assert secret not in result.stdout + result.stderr and "AWS_" not in result.stdout
    assert str(path) in result.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    server = start_server(tmp_path, "--data-dir", str(data))
    try:
        assert works_as_root(server.endpoint, key, secret)
    finally:
        stop_server(server)


@pytest.mark.parametrize("command", ["init", "serve"])
@pytest.mark.parametrize("existing", ["file", "symlink"])
def test_an_existing_credentials_file_is_never_overwritten(
    tmp_path: Path, command: str, existing: str
) -> None:
    """An existing --credentials-file stops the first start before any account is made; the file is kept."""
    data, path = tmp_path / "data", tmp_path / "root.txt"
    target = tmp_path / "elsewhere.txt"
    target.write_text("another key\n")
    if existing == "symlink":
        path.symlink_to(target)
    else:
        path.write_text("another key\n")
    port = ["--port", "1"] if command == "serve" else []
    refused = run_credo(command, *port, "--data-dir", str(data), "--credentials-file", str(path))
    assert refused.returncode != 0
    assert f"the credentials file {path} exists: refusing to overwrite it" in refused.stderr
    assert "Traceback" not in refused.stderr + refused.stdout
    assert path.read_text() == target.read_text() == "another key\n"
    # Nothing was created: the store still has no account, so a plain init makes the first one.
    assert run_credo("init", "--data-dir", str(data)).returncode == 0


MODES = [
    # (data dir mode, master.key mode, warnings expected, modes after)
    (0o755, 0o600, ["data"], (0o700, 0o600)),
    (0o700, 0o644, ["master.key"], (0o700, 0o600)),
    (0o750, 0o640, ["data", "master.key"], (0o700, 0o600)),
    (0o711, 0o604, ["data", "master.key"], (0o700, 0o600)),
    (0o700, 0o600, [], (0o700, 0o600)),
    (0o700, 0o400, [], (0o700, 0o400)),
]


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
@pytest.mark.parametrize(("dir_mode", "key_mode", "warned", "after"), MODES)
def test_open_data_dir_and_master_key_are_made_owner_only(
    tmp_path: Path,
    store: str,
    dir_mode: int,
    key_mode: int,
    warned: list[str],
    after: tuple[int, int],
) -> None:
    """At start-up a data dir or master.key open to group or others is made owner-only, with a warning."""
    if store == "postgresql" and not POSTGRES_URL:
        pytest.skip("no PostgreSQL: set CREDO_TEST_DATABASE_URL")
    with fresh_database(store, tmp_path) as where:
        # On PostgreSQL the data dir holds master.key alone.
        args = where if store == "sqlite" else [*where, "--data-dir", str(tmp_path / "keys")]
        data = Path(args[args.index("--data-dir") + 1])
        assert run_credo("init", *args).returncode == 0
        (data / "master.key").chmod(key_mode)
        data.chmod(dir_mode)
        output = started_and_stopped(tmp_path, *args)
    warnings = [line for line in output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == len(warned), output
    for name, line in zip(warned, warnings, strict=True):
        path, mode = (data, dir_mode) if name == "data" else (data / "master.key", key_mode)
        wanted = after[0] if name == "data" else after[1]
        assert line == (
            f"warning: {path} was open to group or others (mode {mode:04o}); changed to {wanted:04o}"
        )
    assert stat.S_IMODE(data.stat().st_mode) == after[0]
    assert stat.S_IMODE((data / "master.key").stat().st_mode) == after[1]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to give the data dir to another user")
def test_a_data_dir_owned_by_another_user_is_left_with_a_warning(tmp_path: Path) -> None:
    """A data dir credo does not own keeps its mode; start-up warns and goes on."""
    data = tmp_path / "data"
    assert run_credo("init", "--data-dir", str(data)).returncode == 0
    data.chmod(0o755)
    os.chown(data, 65534, 65534)
    output = started_and_stopped(tmp_path, "--data-dir", str(data))
    assert (
        f"warning: {data} is open to group or others (mode 0755) and owned by another user: left as is"
        in output
    )
    assert stat.S_IMODE(data.stat().st_mode) == 0o755
