"""Connections that cannot hold the server: a deadline for each request, a cap on its head.

uvicorn closes a connection idle *between* requests (``timeout_keep_alive``), but not one that
opens and stays silent, sends half its headers, or announces a body it never sends: each would
hold a file descriptor forever, and enough of them starve every other client. Here a connection
must deliver a whole request (headers and body) within ``request_timeout`` seconds of opening or
of its previous response, or it is closed. Time spent computing the answer does not count.

The deadlines, and uvicorn's keep-alive wait, are kept by one timer per event loop
(``DeadlineSweeper``) that closes the overdue connections a few times per second, rather than
uvicorn's way, a ``loop.call_later`` timer armed and cancelled for every request: that served
1.20× the decisions and 1.26× the GetCallerIdentity calls per second (docs/benchmarks.md,
"Authorizer: reading the figures"). A connection is closed up to a quarter of its deadline (at
most a second) late.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from urllib.parse import unquote

import httptools
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from credo.server.reply_writes import ReplyCycle

log = logging.getLogger("credo.server")

# The request line and headers together. botocore's requests carry a few KiB, but a session
# token holding managed session policies (compressed, sealed, base64) can reach a few hundred.
MAX_HEAD_BYTES = 1024 * 1024


class DeadlineSweeper:
    """Closes one event loop's overdue connections; its timer runs only while any is open."""

    def __init__(self, loop: asyncio.AbstractEventLoop, interval: float) -> None:
        self.loop = loop
        self.interval = interval
        self.connections: set[DeadlineHttpToolsProtocol] = set()
        self._timer: asyncio.TimerHandle | None = None

    def watch(self, connection: DeadlineHttpToolsProtocol) -> None:
        self.connections.add(connection)
        if self._timer is None:
            self._timer = self.loop.call_later(self.interval, self._sweep)

    def forget(self, connection: DeadlineHttpToolsProtocol) -> None:
        self.connections.discard(connection)

    def _sweep(self) -> None:
        now = self.loop.time()
        for connection in [c for c in self.connections if c.overdue(now)]:
            connection.close_overdue()
        if self.connections:
            self._timer = self.loop.call_later(self.interval, self._sweep)
        else:
            self._timer = None
            del _SWEEPERS[self.loop]


# One sweeper per event loop with open connections (a process serves on one loop).
_SWEEPERS: dict[asyncio.AbstractEventLoop, DeadlineSweeper] = {}


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, plus the request deadline and a cap on the request head
    (httptools itself accepts headers of any size)."""

    request_timeout: float = 30.0
    # loop.time() when the current request's deadline started; None while its answer is computed.
    armed_at: float | None = None
    # loop.time() of the last answer while no byte of the next request has come (keep-alive).
    idle_since: float | None = None
    _sweeper: DeadlineSweeper
    _in_head = True
    _head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        loop = self.loop
        sweeper = _SWEEPERS.get(loop)
        if sweeper is None:
            interval = min(1.0, self.request_timeout / 4, self.timeout_keep_alive / 4)
            sweeper = _SWEEPERS[loop] = DeadlineSweeper(loop, interval)
        self._sweeper = sweeper
        self.armed_at = loop.time()
        sweeper.watch(self)

    def data_received(self, data: bytes) -> None:
        self.idle_since = None
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        # Counted chunks may hold the start of the body too: judge only while still in the head.
        if self._in_head and self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            log.warning("closed a connection whose request head passed %d bytes", MAX_HEAD_BYTES)
            self.send_400_response("Request headers too large.")

    def on_headers_complete(self) -> None:
        """uvicorn's steps at the end of a request's head (the scope's method, path and query, the
        concurrency limit, a pipelined request queued), with a ``ReplyCycle`` for the request: each
        answer in one write (``reply_writes``). No WebSocket upgrade to consider (``ws="none"``)."""
        self._in_head = False
        parser, scope = self.parser, self.scope
        version = parser.get_http_version()
        scope["method"] = parser.get_method().decode("ascii")
        if version != "1.1":
            scope["http_version"] = version
        url = httptools.parse_url(self.url)
        raw_path: bytes = url.path
        path = raw_path.decode("ascii")
        if "%" in path:
            path = unquote(path)
        scope["path"] = self.root_path + path
        scope["raw_path"] = self.root_path.encode("ascii") + raw_path
        scope["query_string"] = url.query or b""
        app = self.app
        limit = self.limit_concurrency
        if limit is not None and (len(self.connections) >= limit or len(self.tasks) >= limit):
            app = service_unavailable
            self.logger.warning("Exceeded concurrency limit.")
        previous = self.cycle
        self.cycle = cycle = ReplyCycle(
            scope=scope,
            transport=self.transport,
            flow=self.flow,
            logger=self.logger,
            access_logger=self.access_logger,
            access_log=self.access_log,
            default_headers=self.server_state.default_headers,
            message_event=asyncio.Event(),
            expect_100_continue=self.expect_100_continue,
            keep_alive=version != "1.0" and parser.should_keep_alive(),
            on_response=self.on_response_complete,
        )
        if previous is None or previous.response_complete:
            self._start_asgi_task(cycle, app)
        else:  # pipelined: starts when the one before it is answered
            self.flow.pause_reading()
            self.pipeline.appendleft((cycle, app))

    def on_message_complete(self) -> None:
        self.armed_at = None
        self._in_head, self._head_bytes = True, 0  # what follows is the next request's head
        super().on_message_complete()

    def on_response_complete(self) -> None:
        now = self.loop.time()
        if self.pipeline or self.transport.is_closing():
            super().on_response_complete()  # the next pipelined request starts, or nothing waits
        else:
            # uvicorn's own steps but for its keep-alive timer: the sweeper keeps that wait.
            self.server_state.total_requests += 1
            self.flow.resume_reading()
            self.idle_since = now
        if not self.transport.is_closing():
            self.armed_at = now  # the next request gets its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self.armed_at = self.idle_since = None
        self._sweeper.forget(self)
        super().connection_lost(exc)

    def overdue(self, now: float) -> bool:
        """Idle past the keep-alive wait, or a request not whole within its deadline."""
        idle, armed = self.idle_since, self.armed_at
        return (idle is not None and now - idle >= self.timeout_keep_alive) or (
            armed is not None and now - armed >= self.request_timeout
        )

    def close_overdue(self) -> None:
        self.armed_at = self.idle_since = None
        if not self.transport.is_closing():
            self.transport.close()


def protocol_with_deadline(seconds: float) -> type[DeadlineHttpToolsProtocol]:
    """The protocol class uvicorn should build connections with, for this deadline."""
    return type("CredoHttpProtocol", (DeadlineHttpToolsProtocol,), {"request_timeout": seconds})


def raise_open_file_limit() -> int:
    """Lift the soft limit on open files to the hard one (each connection holds one); the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard
    return soft
