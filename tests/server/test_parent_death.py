"""A worker's two ways of ending with its keeper, each alone in a real process: the kernel's
parent-death signal (Linux), and the watching thread that works everywhere."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server.test_workers import ORPHAN_BOUND, gone
from tests.store.test_change_feed import eventually

# A parent that forks one child, prints the child's pid and waits; the child asks for its end
# by the way named on the command line, then sleeps (SIGTERM kills it: default handler).
FAMILY = """
import os, sys, time
from credo.server.parent_death import signal_on_parent_death, watch_parent
keeper = os.getpid()
child = os.fork()
if child == 0:
    if sys.argv[1] == "signal":
        assert signal_on_parent_death(keeper)
    else:
        watch_parent(keeper, grace=5.0)
    print("ready", flush=True)
    while True:
        time.sleep(60)
print(child, flush=True)
while True:
    time.sleep(60)
"""


@pytest.mark.parametrize("way", ["signal", "watch"])
def test_a_child_ends_when_its_parent_is_killed(way: str, tmp_path: Path) -> None:
    """Each way alone ends the child after its parent's kill -9."""
    if way == "signal" and not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux's")
    child = 0
    with subprocess.Popen(
        [sys.executable, "-c", FAMILY, way], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    ) as parent:
        assert parent.stdout is not None
        try:
            lines = {parent.stdout.readline().strip() for _ in range(2)}
            assert "ready" in lines
            child = int(next(line for line in lines if line != "ready"))
            assert not gone(child)
        finally:
            parent.kill()
    try:
        assert eventually(lambda: gone(child), bound=ORPHAN_BOUND)
    finally:
        if child and not gone(child):
            os.kill(child, signal.SIGKILL)


def test_a_keeper_gone_before_the_request_is_noticed() -> None:
    """Asked for a keeper that is not the parent (it died between fork and prctl), the answer is false."""
    asked = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; from credo.server.parent_death import signal_on_parent_death as ask; "
            "print(ask(os.getppid()), ask(os.getpid()))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert asked.stdout.split() == ["True", "False"]
