"""Workers started again after the store's schema moved under ``credo serve --workers N``: they do
not migrate and do not stop the server; ``/readyz`` says why they are not ready, until the schema
matches again. A store a newer credo upgraded is refused at start, with a sentence, not a traceback."""

from __future__ import annotations

import functools
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from credo.store.migrate import MIGRATIONS
from tests.conftest import Server, start_server, stop_server
from tests.server.test_bootstrap import fresh_database, run_credo
from tests.server.test_operator_endpoints import _set_schema_revision
from tests.server.test_workers import workers_of
from tests.store.test_change_feed import eventually

NEWER = "0099_from_a_newer_credo"


def previous_revision() -> str:
    """The revision before this code's head (a store one migration behind)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    down = scripts.get_revision(scripts.get_current_head()).down_revision
    assert isinstance(down, str)
    return down


def replace_every_worker(server: Server) -> set[int]:
    """kill -9 each worker in turn, waiting for the keeper to start its replacement; the new pids."""
    for victim in sorted(workers_of(server)):
        os.kill(victim, signal.SIGKILL)
        assert eventually(functools.partial(replaced, server, victim))
    return workers_of(server)


def replaced(server: Server, pid: int) -> bool:
    """Whether worker ``pid`` is gone and another took its place."""
    now = workers_of(server)
    return pid not in now and len(now) == 2


@pytest.fixture
def store_url(tmp_path: Path, store_kind: str) -> Iterator[tuple[list[str], str]]:
    """A new store: ``credo serve`` options naming it, and its SQLAlchemy URL."""
    with fresh_database(store_kind, tmp_path) as where:
        if "--database-url" in where:
            yield [*where, "--data-dir", str(tmp_path / "data")], where[where.index("--database-url") + 1]
        else:
            yield where, f"sqlite:///{Path(where[where.index('--data-dir') + 1]) / 'credo.sqlite3'}"


@pytest.mark.parametrize("moved", ["behind", "ahead"])
def test_workers_started_after_a_schema_change_say_so_on_readyz(
    tmp_path: Path, store_url: tuple[list[str], str], moved: str
) -> None:
    """Replacement workers on a store whose schema moved (a step back, a newer credo's upgrade)
    leave it as it is, keep the server up and answer /readyz 503 with both revisions; once the
    schema is back, they are ready and serve."""
    where, url = store_url
    server = start_server(tmp_path, "--dev", *where, "--workers", "2")
    try:
        assert eventually(lambda: len(workers_of(server)) == 2)
        other = previous_revision() if moved == "behind" else NEWER
        head = _set_schema_revision(url, other)
        replaced = replace_every_worker(server)
        assert server.process.poll() is None  # the keeper did not give up on them
        expected = (
            f"not ready: the store's schema is at revision {other}, this server needs {head} "
            "(run `credo db upgrade`, or upgrade this server)\n"
        )
        for _ in range(6):  # new connections: the kernel hands them to either worker
            with httpx.Client(timeout=30) as fresh:
                ready = fresh.get(f"{server.endpoint}/readyz")
            assert (ready.status_code, ready.text) == (503, expected)
        assert _set_schema_revision(url, head) == other  # no worker migrated the store
        for pid in replaced:
            assert f"worker {pid}: {expected.strip()}; /readyz answers 503 until it does" in server.log()

        for _ in range(6):
            with httpx.Client(timeout=30) as fresh:
                assert fresh.get(f"{server.endpoint}/readyz").text == "ready\n"
        server.client("iam").create_user(UserName="after-restart")
        for _ in range(6):
            users = server.client("iam").list_users()["Users"]
            assert [user["UserName"] for user in users] == ["after-restart"]
            assert server.client("sts").get_caller_identity()["Account"] == "123456789012"
        assert "Traceback" not in server.log()
    finally:
        stop_server(server)


def test_a_store_a_newer_credo_upgraded_is_refused_at_start(
    tmp_path: Path, store_url: tuple[list[str], str]
) -> None:
    """credo serve (and credo db upgrade) on a store at a revision it does not know stops with a
    sentence naming both revisions."""
    where, url = store_url
    assert run_credo("init", *where).returncode == 0
    head = _set_schema_revision(url, NEWER)
    refused = run_credo("serve", "--port", "1", "--workers", "2", *where)
    assert refused.returncode == 1
    assert (
        f"the store's schema is at revision {NEWER}, which this credo does not know (it needs {head})"
        in refused.stderr
    )
    assert "Traceback" not in refused.stderr + refused.stdout
    upgrading = run_credo("db", "upgrade", *where)
    assert upgrading.returncode == 1
    assert f"the store's schema is at revision {NEWER}, which this credo does not know" in upgrading.stderr
    assert "Traceback" not in upgrading.stderr
