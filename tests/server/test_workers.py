"""``credo serve --workers N``: processes sharing a port and a store; a dead one is replaced
while the others keep serving; SIGTERM stops them all, and a keeper killed outright takes its
workers with it."""

from __future__ import annotations

import os
import re
import signal
import socket
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import Server, start_server, stop_server
from tests.store.test_change_feed import eventually

# How long the workers of a killed keeper may take to go (they stop within a second or two:
# the bound is for a loaded machine).
ORPHAN_BOUND = 20.0
# Lines a clean start or stop never writes: tracebacks, exceptions Python ignored (its at-fork
# hooks'), warnings and errors.
TROUBLE = re.compile(r"Traceback|Exception ignored|Error|WARNING|ERROR|Warning")


def workers_of(server: Server) -> set[int]:
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    return {int(pid) for pid in children.read_text().split()}


def gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie nobody reaped yet counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return "zombie" in status


def start_pool(tmp_path: Path, store_kind: str, dev_server: Server, count: int = 2) -> Server:
    """``count`` workers on the store under test (SQLite in its own data dir, or the session's PostgreSQL)."""
    database_url = dev_server.extra["database_url"] if store_kind == "postgresql" else None
    return start_server(
        tmp_path,
        "--dev",
        "--data-dir",
        str(tmp_path / "data"),
        "--workers",
        str(count),
        database_url=database_url,
    )


@pytest.fixture
def pool(tmp_path: Path, store_kind: str, dev_server: Server) -> Any:
    """Two workers on the store under test, serving."""
    server = start_pool(tmp_path, store_kind, dev_server)
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


def test_workers_end_when_their_keeper_is_killed(pool: Server) -> None:
    """kill -9 of the keeper: every worker stops (the kernel's parent-death signal), and the port is free."""
    workers = workers_of(pool)
    pool.client("sts").get_caller_identity()
    port = int(pool.endpoint.rsplit(":", 1)[1])
    pool.process.kill()
    pool.process.wait()
    assert eventually(lambda: all(gone(pid) for pid in workers), bound=ORPHAN_BOUND), [
        pid for pid in workers if not gone(pid)
    ]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with socket.socket() as sock:  # nobody holds the port: a new server could bind it
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))


def test_a_clean_start_writes_no_traceback_or_warning(pool: Server) -> None:
    """Forking the workers leaves nothing on stderr but the start lines (no at-fork exception, no warning)."""
    pool.client("sts").get_caller_identity()
    log = pool.log()
    assert log.count("started") == 2, log
    assert not TROUBLE.search(log), log


def test_sigterm_while_the_workers_are_forked_stops_the_server(
    tmp_path: Path, store_kind: str, dev_server: Server
) -> None:
    """SIGTERM arriving while the keeper forks is neither lost nor printed as an ignored exception:
    the server stops, every worker with it, and the log holds no traceback."""
    server = start_pool(tmp_path, store_kind, dev_server, count=6)
    try:
        assert eventually(lambda: "started" in server.log())
        workers = workers_of(server)
        for _ in range(3):
            server.process.send_signal(signal.SIGTERM)
            time.sleep(0.005)
        assert server.process.wait(timeout=60) == -signal.SIGTERM
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
    assert eventually(lambda: all(gone(pid) for pid in workers), bound=ORPHAN_BOUND)
    assert not TROUBLE.search(server.log()), server.log()
