"""Shared fixtures: a real ``credo serve --dev`` process per store, and boto3 clients for it.

Every server test runs once on SQLite and, when ``CREDO_TEST_DATABASE_URL`` is set (CI sets
it to the local PostgreSQL), once more on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.auth
import botocore.exceptions
import pytest
from botocore.config import Config
from hypothesis import settings

# No per-example time limit: the suite runs its workers side by side on a small machine, and
# no test here is about speed (benchmarks/ measures that).
settings.register_profile("credo", deadline=None)
settings.load_profile("credo")

# Fixtures of the identity providers the federation tests run on loopback.
pytest_plugins = ["tests.oidc_support"]

CREDO = str(Path(sys.executable).with_name("credo"))
DEV_ACCOUNT = "123456789012"
REGION = "us-east-1"


def pytest_configure(config: pytest.Config) -> None:
    """Compile credo's sources (and the tests') to bytecode once, before any test runs.

    The suite starts well over a thousand Python processes (``credo serve``, every ``credo``
    command a test runs). With ``PYTHONDONTWRITEBYTECODE`` set, none of them writes the
    bytecode of a module changed since the last compile, so each would compile it again: about
    a third of a ``credo`` process's start-up CPU. Done by the controller only, not each xdist
    worker; a no-op when the bytecode is current.
    """
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    import compileall

    import credo

    for root in (Path(credo.__file__).parent, Path(__file__).parent):
        compileall.compile_dir(root, quiet=1, workers=1)


def worker_database_url(url: str | None) -> str | None:
    """Under pytest-xdist, each worker gets its own database beside the named one (made if missing).

    Every test session drops and recreates its database's schema, so two workers must never share one.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from credo.store.db import normalize_url

    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    admin = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).first()
            if exists is None:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


POSTGRES_URL = worker_database_url(os.environ.get("CREDO_TEST_DATABASE_URL"))
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running ``credo serve`` process."""

    endpoint: str
    process: subprocess.Popen[bytes]
    log_path: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def post(self, path: str, payload: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            self.endpoint + path, data=json.dumps(payload or {}).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def reset(self) -> None:
        self.post("/_credo/reset")

    def advance_clock(self, seconds: float) -> None:
        self.post("/_credo/clock", {"seconds": seconds})

    def client(self, service: str, key: str = "test", secret: str = "test", token: str | None = None) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            region_name=REGION,
            config=NO_RETRIES,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    tmp: Path, *args: str, env: dict[str, str] | None = None, database_url: str | None = None
) -> Server:
    """Start ``credo serve`` on a free loopback port and wait until it answers."""
    port = free_port()
    command = [CREDO, "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    if database_url:
        command += ["--database-url", database_url]
    return launch(command, port, tmp / f"server-{port}.log", env)


def launch(
    command: list[str], port: int, log_path: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Server:
    """Run ``command``, a server that listens on loopback ``port``, and wait until it accepts."""
    full_env = {**os.environ, **(env or {})}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=cwd)
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    name = Path(command[0]).name
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{name} did not start:\n{server.log()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


STORES = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason="no PostgreSQL: set CREDO_TEST_DATABASE_URL"),
    ),
]


@pytest.fixture(scope="session", params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    """Which store the server under test uses."""
    return str(request.param)


def recreate_postgres_schema(url: str) -> None:
    """Start each test session from an empty PostgreSQL schema: the test database is ours alone."""
    from sqlalchemy import create_engine, text

    from credo.store.db import normalize_url

    engine = create_engine(normalize_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _fresh_postgres() -> None:
    if POSTGRES_URL:
        recreate_postgres_schema(POSTGRES_URL)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Any]:
    """A migrated SQLite store of this test's own (a ``credo.store.db.Store``), for unit tests
    of what reads and writes it without a server."""
    from credo.store.db import Store
    from credo.store.migrate import upgrade

    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(store)
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def dev_server(store_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One dev-mode server per store for the whole session; tests reset it before use."""
    tmp = tmp_path_factory.mktemp(f"server-{store_kind}")
    database_url = POSTGRES_URL if store_kind == "postgresql" else None
    server = start_server(tmp, "--dev", "--data-dir", str(tmp / "data"), database_url=database_url)
    server.extra["database_url"] = database_url or f"sqlite:///{tmp / 'data' / 'credo.sqlite3'}"
    yield server
    stop_server(server)


@pytest.fixture
def server(dev_server: Server) -> Server:
    """The dev server, wiped back to its bootstrap state."""
    dev_server.reset()
    return dev_server


@pytest.fixture
def second(server: Server, tmp_path: Path) -> Iterator[Server]:
    """Another ``credo serve`` on the same store as ``server``."""
    other = start_server(
        tmp_path, "--dev", "--data-dir", str(tmp_path / "second"), database_url=server.extra["database_url"]
    )
    yield other
    stop_server(other)


def create_account(server: Server, account_id: str | None = None, alias: str | None = None) -> dict[str, str]:
    """Another account in the dev server's store, made as ``credo account create --dev`` makes it
    (a write by another process, which the server learns of through its store), its id and root
    key named as that command's JSON names them.

    Made in this process: a ``credo`` process per test that only needs a second account would cost
    more than the rest of the test. That command itself is tested in ``tests/cli/test_accounts.py``.
    """
    from sqlalchemy import insert

    from credo.iam.accounts import create_account as create_in_store
    from credo.server.bootstrap import configured_keyring
    from credo.settings import Settings
    from credo.store.db import Store
    from credo.store.schema import account_aliases

    store = Store(server.extra["database_url"])
    try:
        with store.write() as conn:
            keyring = configured_keyring(Settings(dev=True))
            created = create_in_store(conn, keyring, datetime.now(UTC), account_id=account_id)
            if alias is not None:
                conn.execute(insert(account_aliases).values(alias=alias, account_id=created.account_id))
    finally:
        store.dispose()
    return {
        "AccountId": created.account_id,
        "AccessKeyId": created.access_key_id,
        "SecretAccessKey": created.secret_access_key,
    }


def error_of(caught: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, str]:
    """The AWS error code and message a boto3 call failed with."""
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def last_changed(text: str) -> str:
    """The text with its last character replaced by another: a forged secret, signature or
    token sure to differ (putting a fixed character there leaves a secret as it was once in 64)."""
    return text[:-1] + ("0" if text[-1] != "0" else "1")


def allow(*actions: str, resource: str = "*") -> dict[str, Any]:
    """A one-statement identity policy allowing ``actions`` on ``resource``."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": resource}],
    }


@pytest.fixture
def iam(server: Server) -> Any:
    """An IAM client signed with the dev root keys."""
    return server.client("iam")


@pytest.fixture
def sts(server: Server) -> Any:
    """An STS client signed with the dev root keys."""
    return server.client("sts")


@pytest.fixture
def make_user(iam: Any, server: Server) -> Callable[..., tuple[str, Any]]:
    """Create a user with an access key (and an inline policy); returns (name, client factory).

    Authorization is enforced: a user made without ``policy`` may do nothing but
    GetCallerIdentity.
    """

    def make(name: str, policy: dict[str, Any] | str | None = None, **kwargs: Any) -> tuple[str, Any]:
        iam.create_user(UserName=name, **kwargs)
        if policy is not None:
            document = policy if isinstance(policy, str) else json.dumps(policy)
            iam.put_user_policy(UserName=name, PolicyName="test-policy", PolicyDocument=document)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return name, lambda service: server.client(service, key["AccessKeyId"], key["SecretAccessKey"])

    return make


@pytest.fixture
def clock(server: Server, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Move the server's time (never sleep) and sign requests as of the same moment."""
    from tests.mfa_support import DeviceClock

    device_clock = DeviceClock(server)
    real_now = botocore.auth.get_current_datetime

    def skewed(remove_tzinfo: bool = True) -> datetime:
        moment: datetime = real_now(remove_tzinfo=remove_tzinfo)
        return moment + device_clock.offset

    monkeypatch.setattr(botocore.auth, "get_current_datetime", skewed)
    return device_clock
