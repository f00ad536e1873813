"""``credo serve --workers N``: processes sharing a port and a store; a dead one is replaced
while the others keep serving; SIGTERM stops them all."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import Server, start_server, stop_server
from tests.store.test_change_feed import eventually


def workers_of(server: Server) -> set[int]:
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    return {int(pid) for pid in children.read_text().split()}


@pytest.fixture
def pool(tmp_path: Path, store_kind: str, dev_server: Server) -> Any:
    """Two workers on the store under test (SQLite in its own data dir, or the session's PostgreSQL)."""
    database_url = dev_server.extra["database_url"] if store_kind == "postgresql" else None
    server = start_server(
        tmp_path, "--dev", "--data-dir", str(tmp_path / "data"), "--workers", "2", database_url=database_url
    )
    assert eventually(lambda: len(workers_of(server)) == 2)
    server.reset()  # the PostgreSQL store is the session's: start from its bootstrap state
    yield server
    stop_server(server)


def test_workers_serve_one_port_and_share_the_store(pool: Server) -> None:
    iam = pool.client("iam")
    iam.create_user(UserName="shared")
    # Each call may land on either worker: every one sees the user.
    for _ in range(10):
        assert [user["UserName"] for user in pool.client("iam").list_users()["Users"]] == ["shared"]


def test_a_killed_worker_is_replaced_while_the_others_keep_serving(pool: Server) -> None:
    outcomes: list[tuple[float, str]] = []
    stop = threading.Event()

    def load() -> None:
        sts = pool.client("sts")
        while not stop.is_set():
            try:
                sts.get_caller_identity()
                outcome = "ok"
            except botocore.exceptions.ClientError as error:
                outcome = str(error.response["Error"]["Code"])
            except botocore.exceptions.BotoCoreError as error:
                outcome = type(error).__name__  # the connection the killed worker held
            outcomes.append((time.monotonic(), outcome))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        before = workers_of(pool)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        time.sleep(2.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    after_kill = Counter(outcome for when, outcome in outcomes if when > killed_at)
    assert after_kill["ok"] > 20, after_kill
    # Only requests on the killed worker's connections fail (one per client at most), never
    # with a service error.
    failed = {outcome: count for outcome, count in after_kill.items() if outcome != "ok"}
    assert sum(failed.values()) <= len(threads), failed
    assert all("Error" in outcome for outcome in failed), failed
    assert eventually(lambda: len(workers_of(pool)) == 2 and victim not in workers_of(pool))
    assert f"worker {victim} exited with signal 9; starting another" in pool.log()


def test_sigterm_stops_every_worker(pool: Server) -> None:
    workers = workers_of(pool)
    pool.client("sts").get_caller_identity()
    pool.process.send_signal(signal.SIGTERM)
    assert pool.process.wait(timeout=30) == -signal.SIGTERM
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
