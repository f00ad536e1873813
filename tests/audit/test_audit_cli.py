"""``credo audit``: the trail read from the store, as text lines or CloudTrail records; --follow."""

from __future__ import annotations

import json
import subprocess
import threading
from typing import Any

import botocore.exceptions
import pytest

from tests.audit.support import lookup
from tests.conftest import CREDO, Server


def audit(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CREDO, "audit", "--database-url", server.extra["database_url"], *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def calls(server: Server, iam: Any) -> None:
    """A few writes, one failure, and a flush of the read-only events (LookupEvents flushes first)."""
    iam.create_user(UserName="nora")
    iam.create_user(UserName="omar")
    with pytest.raises(botocore.exceptions.ClientError):
        iam.create_user(UserName="nora")
    iam.delete_user(UserName="omar")
    lookup(server, key="EventName", value="CreateUser")


def test_text_lines(server: Server, calls: None) -> None:
    """One line per event, oldest first: time, service, action, who, address, outcome."""
    done = audit(server, "--event-name", "CreateUser")
    assert done.returncode == 0, done.stderr
    lines = [line.split("  ") for line in done.stdout.splitlines()]
    assert [line[1:] for line in lines] == [
        ["iam", "CreateUser", "root", "127.0.0.1", "-"],
        ["iam", "CreateUser", "root", "127.0.0.1", "-"],
        ["iam", "CreateUser", "root", "127.0.0.1", "EntityAlreadyExistsException"],
    ]
    assert lines[0][0].endswith("Z")


def test_json_records(server: Server, calls: None) -> None:
    """--output json: one CloudTrail record per line; --max-items keeps the newest.

    Only events the fixture's LookupEvents flushed are asked for: LookupEvents' own event is a
    read's, batched off the request path, so it may or may not be in the store yet.
    """
    done = audit(
        server, "--output", "json", "--user", "root", "--event-name", "CreateUser", "--max-items", "2"
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["requestParameters"]["userName"] for r in records] == ["omar", "nora"]
    assert [r.get("errorCode") for r in records] == [None, "EntityAlreadyExistsException"]
    assert all(r["userIdentity"]["type"] == "Root" for r in records)


def test_since_and_until(server: Server, calls: None) -> None:
    """--since/--until take ISO times or times ago."""
    assert audit(server, "--since", "1h", "--event-name", "DeleteUser").stdout.count("DeleteUser") == 1
    assert audit(server, "--until", "1h").stdout == ""
    assert audit(server, "--until", "2000-01-01T00:00:00Z").stdout == ""
    bad = audit(server, "--since", "yesterday-ish")
    assert bad.returncode == 2
    assert "neither an ISO 8601 time" in bad.stderr


def test_follow_prints_new_events(server: Server, iam: Any) -> None:
    """--follow prints events written after it started."""
    iam.create_user(UserName="before")
    command = [
        CREDO,
        "audit",
        "--database-url",
        server.extra["database_url"],
        "--follow",
        "--event-name",
        "CreateUser",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as follower:
        assert follower.stdout is not None
        try:
            assert "CreateUser" in follower.stdout.readline()
            iam.create_user(UserName="after")
            # The line comes when the follower's next poll finds the event; the kill only guards
            # against a hang, it measures no time.
            guard = threading.Timer(60, follower.kill)
            guard.start()
            try:
                assert "CreateUser" in follower.stdout.readline()
            finally:
                guard.cancel()
        finally:
            follower.terminate()
    lines = audit(server, "--output", "json", "--event-name", "CreateUser").stdout.splitlines()
    assert [json.loads(line)["requestParameters"]["userName"] for line in lines] == ["before", "after"]


def test_no_store_here(tmp_path: Any) -> None:
    """A data dir without a store is said to be one, and left without one."""
    done = subprocess.run(
        [CREDO, "audit", "--data-dir", str(tmp_path / "none")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "no store at" in done.stderr
    assert not (tmp_path / "none").exists()
