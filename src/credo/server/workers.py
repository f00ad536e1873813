"""``credo serve --workers N``: N server processes sharing one listening socket, and their keeper.

The parent binds the socket, forks the workers and then only watches them: each worker opens
its own store connections, caches and threads (nothing that holds a thread or a connection is
ever forked), and serves with uvicorn on the inherited socket, the kernel handing each new
connection to one of them. Workers share nothing but the store, which keeps their caches
honest (``credo.store.changes``).

A worker that dies is replaced, so the others keep serving and the count stays N; one that
keeps dying right after its start stops the whole server, since a replacement would too.
SIGTERM or SIGINT to the parent is passed to every worker, which finishes its requests in
flight and exits (uvicorn's graceful shutdown); the parent waits for them, then returns. A
parent that dies without passing anything on (SIGKILL) takes its workers with it
(``credo.server.parent_death``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

from credo.server.parent_death import signal_on_parent_death, watch_parent

log = logging.getLogger("credo.serve")

# Deaths within this many seconds of a worker's start that stop the server instead of a restart.
FAILING_START_SECONDS = 5.0
FAILING_STARTS_ALLOWED = 3
# What the keeper passes on to its workers; blocked while it forks.
_STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT, signal.SIGHUP})


class _Stop(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    raise _Stop(signum)


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket every worker accepts on (IPv6 when ``host`` is an IPv6 address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class WorkerKeeper:
    """Forks ``count`` workers running ``serve(sock)`` and keeps them running until told to stop."""

    def __init__(
        self,
        count: int,
        sock: socket.socket,
        serve: Callable[[socket.socket], None],
        shutdown_seconds: float,
    ) -> None:
        self._count = count
        self._sock = sock
        self._serve = serve
        self._shutdown_seconds = shutdown_seconds
        self._started: dict[int, float] = {}  # pid → when it was forked
        self._failed_starts = 0

    def run(self) -> int | None:
        """Serve until SIGTERM/SIGINT (returned) or until workers keep failing to start (``None``)."""
        handlers = {signum: signal.signal(signum, _raise_stop) for signum in (signal.SIGTERM, signal.SIGINT)}
        stopped_by: int | None = None
        try:
            for _ in range(self._count):
                self._fork()
            while self._started:
                pid, status = os.waitpid(-1, 0)
                if not self._replace(pid, status):
                    break
        except _Stop as stop:
            stopped_by = stop.signum
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
            # Until the workers are gone, another signal must not cut the wait short.
            ignored = {signum: signal.signal(signum, signal.SIG_IGN) for signum in handlers}
            try:
                self._stop_all()
            finally:
                for signum, handler in ignored.items():
                    signal.signal(signum, handler)
        return stopped_by

    def _fork(self) -> None:
        # What this process has buffered would otherwise be written again by the worker.
        sys.stdout.flush()
        sys.stderr.flush()
        keeper = os.getpid()
        # No stop signal may be handled while forking: raised inside the interpreter's at-fork
        # hooks (logging's lock), ``_Stop`` would be printed as an ignored exception and lost,
        # and the keeper would keep running; in the child, it would hit the keeper's handler.
        # Blocked, a signal waits until the worker is recorded (parent) or the handlers are
        # the worker's own (child; a fork leaves the child no pending signal).
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:
                self._work(keeper, mask)
            self._started[pid] = time.monotonic()
            log.info("worker %d started", pid)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def _work(self, keeper: int, mask: set[int | signal.Signals]) -> NoReturn:
        """The worker's life, in the forked child: serve until stopped, then exit."""
        status = 1
        try:
            for signum in (signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            if not signal_on_parent_death(keeper):
                os._exit(0)  # the keeper died while this worker was being forked
            watch_parent(keeper, self._shutdown_seconds + 5)
            self._serve(self._sock)
            status = 0
        except BaseException:
            log.exception("worker %d failed", os.getpid())
        finally:
            # Never run the parent's ``finally`` blocks (the dev store's removal) here.
            os._exit(status)

    def _replace(self, pid: int, status: int) -> bool:
        """Start another worker for one that died; false when they keep failing to start."""
        started = self._started.pop(pid, None)
        if started is None:
            return True  # not a worker of ours
        how = (
            f"signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"status {os.waitstatus_to_exitcode(status)}"
        )
        if time.monotonic() - started < FAILING_START_SECONDS:
            self._failed_starts += 1
            if self._failed_starts >= FAILING_STARTS_ALLOWED:
                log.error("worker %d exited with %s right after starting; stopping", pid, how)
                return False
        log.warning("worker %d exited with %s; starting another", pid, how)
        self._fork()
        return True

    def _stop_all(self) -> None:
        """SIGTERM to every worker; wait for their graceful shutdown, then kill what is left."""
        for pid in self._started:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + self._shutdown_seconds + 5
        while self._started and time.monotonic() < deadline:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                time.sleep(0.05)
            else:
                self._started.pop(pid, None)
        for pid in self._started:
            _signal(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        self._started.clear()


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
