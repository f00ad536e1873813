"""``credo serve --dev`` without ``--data-dir`` removes its temporary store however it stops."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CREDO, POSTGRES_URL, Server, start_server

STOPS = [
    # (signal sent, how the process ends: died of SIGTERM as uvicorn intends, or exit status 0)
    pytest.param(signal.SIGTERM, -signal.SIGTERM, id="SIGTERM"),
    pytest.param(signal.SIGINT, 0, id="SIGINT"),
    pytest.param(signal.SIGHUP, -signal.SIGTERM, id="SIGHUP"),
]


def _database_args(store_kind: str) -> dict[str, str | None]:
    return {"database_url": POSTGRES_URL if store_kind == "postgresql" else None}


def _dev_stores(tmpdir: Path) -> list[Path]:
    return sorted(tmpdir.glob("credo-dev-*"))


def _stop(server: Server, signum: int) -> int:
    server.process.send_signal(signum)
    try:
        return server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
        raise


@pytest.fixture
def signals_not_ignored() -> Iterator[None]:
    """The server is started with SIGHUP's default action, whatever this run inherited: a run
    under ``nohup`` ignores SIGHUP, and an ignored signal stays ignored in the processes it starts
    (as it should: ``nohup credo serve`` is not stopped by a hang-up)."""
    before = signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, before)


@pytest.mark.parametrize(("signum", "returncode"), STOPS)
@pytest.mark.usefixtures("signals_not_ignored")
def test_signal_removes_temporary_store(
    tmp_path: Path, store_kind: str, signum: signal.Signals, returncode: int
) -> None:
    """A dev server stopped by a signal after serving a request leaves no temporary store behind."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    server = start_server(tmp_path, "--dev", env={"TMPDIR": str(tmpdir)}, **_database_args(store_kind))
    try:
        assert server.client("sts").get_caller_identity()["Account"] == "123456789012"
        created = _dev_stores(tmpdir)
        assert len(created) == 1 and created[0].is_dir()
    finally:
        status = _stop(server, signum)
    assert status == returncode, server.log()
    assert _dev_stores(tmpdir) == []


def test_failed_start_removes_temporary_store(tmp_path: Path, store_kind: str) -> None:
    """A dev server that cannot listen (its port is taken) exits with an error and leaves no temporary store."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        command = [CREDO, "serve", "--dev", "--host", "127.0.0.1", "--port", port]
        if store_kind == "postgresql" and POSTGRES_URL:
            command += ["--database-url", POSTGRES_URL]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=60, env={**os.environ, "TMPDIR": str(tmpdir)}
        )
    assert done.returncode > 0, done.stdout + done.stderr
    assert "dev mode" in done.stdout and "address already in use" in done.stderr
    assert _dev_stores(tmpdir) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_given_data_dir_stays(tmp_path: Path, signum: signal.Signals) -> None:
    """A data dir passed with --data-dir is the operator's: stopping the dev server keeps it and its store."""
    data = tmp_path / "data"
    server = start_server(tmp_path, "--dev", "--data-dir", str(data))
    _stop(server, signum)
    assert (data / "credo.sqlite3").is_file()


def test_ignored_sighup_stays_ignored(tmp_path: Path) -> None:
    """Under ``nohup`` (SIGHUP ignored) a hang-up does not stop the dev server; SIGTERM still cleans up."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    # An ignored signal stays ignored across exec, as nohup relies on.
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        server = start_server(tmp_path, "--dev", env={"TMPDIR": str(tmpdir)})
    finally:
        signal.signal(signal.SIGHUP, previous)
    try:
        server.process.send_signal(signal.SIGHUP)
        assert server.client("sts").get_caller_identity()["Account"] == "123456789012"
        assert server.process.poll() is None
        assert len(_dev_stores(tmpdir)) == 1
    finally:
        status = _stop(server, signal.SIGTERM)
    assert status == -signal.SIGTERM, server.log()
    assert _dev_stores(tmpdir) == []
