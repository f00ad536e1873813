"""A worker of ``credo serve --workers N`` ends when its keeper does, even one killed with SIGKILL.

Two ways, so that no worker outlives its keeper holding the port: on Linux the kernel sends the
worker SIGTERM when the keeper dies (``prctl(PR_SET_PDEATHSIG)``, asked right after the fork);
and everywhere a daemon thread looks once a second whether the worker's parent is still the
keeper (an orphan is adopted by init or a subreaper), and sends the worker SIGTERM if not.
SIGTERM is the graceful stop (uvicorn finishes the requests in flight); a worker still there
``grace`` seconds later is killed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

# <linux/prctl.h>
_PR_SET_PDEATHSIG = 1
CHECK_SECONDS = 1.0


def signal_on_parent_death(keeper: int) -> bool:
    """Ask the kernel for SIGTERM when the parent dies (Linux); false if ``keeper`` is gone already.

    Called in the child right after the fork: the keeper may have died before the request was
    made, and then no signal would ever come.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no libc to ask: the watching thread still ends the worker
    return os.getppid() == keeper


def watch_parent(keeper: int, grace: float) -> threading.Thread:
    """Start a daemon thread that stops this process once its parent is no longer ``keeper``."""
    thread = threading.Thread(target=_watch, args=(keeper, grace), name="credo-parent-watch", daemon=True)
    thread.start()
    return thread


def _watch(keeper: int, grace: float) -> None:
    while os.getppid() == keeper:
        time.sleep(CHECK_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(grace)
    os.kill(os.getpid(), signal.SIGKILL)
