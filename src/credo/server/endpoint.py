"""What the protocol endpoints on ``/`` share: reading the body, choosing the thread, replying.

``SignedEndpoint`` runs a protocol's ``process`` (Query in ``api.py``, JSON 1.1 in
``json_api.py``) on the event loop with SQLite and in a worker thread with PostgreSQL, and
writes the reply. It is raw ASGI, not a Starlette route: this is the hot path, and every
microsecond of framework here is paid by every client call.

Each request's id is the log context (``logs.REQUEST_ID``) while it is served, and the request
is counted in ``credo.metrics`` under the (service, action) its ``process`` names in
``scope[CALL_LABELS]`` — only known operations, so a client cannot grow the label set.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, ClassVar

import anyio.to_thread
from sqlalchemy.exc import DBAPIError

from credo import ids, metrics
from credo.call import Services
from credo.protocol import sigv4
from credo.server.logs import REQUEST_ID, REQUESTS
from credo.store.db import ON_LOOP, NeedsThread

log = logging.getLogger("credo.api")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY = 1024 * 1024
# Where ``process`` leaves the (service, action) a request is counted under.
CALL_LABELS = "credo.call"


class SignedEndpoint:
    """Authenticates, decodes, dispatches and renders one request of one protocol."""

    content_type: ClassVar[bytes] = b"text/xml"
    # The labels of a request ``process`` could not tie to an operation.
    unnamed: ClassVar[tuple[str, str]] = ("unknown", "unknown")

    def __init__(self, services: Services) -> None:
        self.services = services
        # PostgreSQL: every store access waits on the network (SQLite's take microseconds).
        self.store_waits = not services.store.is_sqlite
        self.log_requests = REQUESTS.isEnabledFor(logging.DEBUG)
        self.record = metrics.REQUESTS.record
        self.answered = metrics.ANSWERED

    def process(
        self, scope: Scope, body: bytes | None, request_id: str, on_loop: bool = False
    ) -> tuple[int, bytes] | None:
        """Status and body of the answer; ``None`` when ``on_loop`` and the operation may not run on the loop
        (the caller then runs it again in a worker thread; nothing has been changed yet)."""
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        body = await read_body(receive)
        request_id = ids.request_id()
        REQUEST_ID.set(request_id)  # this request's task (and the threads it runs in) only
        # Requests run on the loop: SQLite answers in microseconds, and with PostgreSQL a request
        # whose credentials and policies are cached needs no database at all. A request that
        # does (a PostgreSQL read or write, a blocking operation such as password hashing) is
        # done again, whole, in a worker thread; nothing had been changed yet.
        answer = self._on_loop(scope, body, request_id)
        if answer is None:
            answer = await self._in_thread(scope, body, request_id)
            self.answered.thread_pool += 1
        else:
            self.answered.event_loop += 1
        status, payload = answer
        # Let the requests that arrived together with this one be processed before any reply is
        # written, so that the replies leave in a burst. Under load that keeps the request code
        # hot in the CPU's caches, and wakes a client on the same host (a proxy, a test suite)
        # once per burst rather than once per reply: about a third less server CPU per
        # GetCallerIdentity (docs/benchmarks.md, "Hot path").
        await asyncio.sleep(0)
        labels = scope.get(CALL_LABELS, self.unnamed)
        seconds = time.perf_counter() - started
        self.record(labels, status, seconds)
        if self.log_requests:
            REQUESTS.debug("%s %s %d %.1f ms", *labels, status, seconds * 1000)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": self.reply_headers(scope, payload, request_id),
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def reply_headers(self, scope: Scope, payload: bytes, request_id: str) -> list[tuple[bytes, bytes]]:
        """The reply's headers: its type and length, and the request id as AWS names it."""
        return [
            (b"content-type", self.content_type),
            (b"content-length", b"%d" % len(payload)),
            (b"x-amzn-requestid", request_id.encode()),
        ]

    def _on_loop(self, scope: Scope, body: bytes | None, request_id: str) -> tuple[int, bytes] | None:
        """The answer, when the request can be done without waiting; ``None`` otherwise.

        With PostgreSQL, authentication and authorization run here while what they need is
        cached (they only read), and the first store access they make raises ``NeedsThread``;
        handlers other than ``store_free`` ones are left to the thread (``runs_on_loop``).
        """
        if not self.store_waits:
            return self.process(scope, body, request_id, on_loop=True)
        token = ON_LOOP.set(True)
        try:
            return self.process(scope, body, request_id, on_loop=True)
        except NeedsThread:
            return None
        finally:
            ON_LOOP.reset(token)

    async def _in_thread(self, scope: Scope, body: bytes | None, request_id: str) -> tuple[int, bytes]:
        answer = await anyio.to_thread.run_sync(self.process, scope, body, request_id)
        assert answer is not None  # only a call made on the loop defers
        return answer


def log_failure(request_id: str, error: Exception) -> None:
    """Log an unexpected failure with its traceback; a database error without its text.

    SQLAlchemy already hides statement parameters, but the database's own message can quote a
    row (PostgreSQL: ``Failing row contains (…)``), and rows hold sealed secrets and hashes.
    """
    if isinstance(error, DBAPIError):
        where = "".join(traceback.format_tb(error.__traceback__))
        log.error(
            "request %s failed: %s (SQLSTATE %s) in %s\n%s",
            request_id,
            type(error.orig).__name__,
            getattr(error.orig, "sqlstate", None),
            error.statement,
            where,
        )
    else:
        log.exception("request %s failed", request_id, exc_info=error)


async def read_body(receive: Receive) -> bytes | None:
    """The whole body, or ``None`` when it exceeds the limit."""
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):
        # Nearly every request: the body arrived in one piece.
        body: bytes = message.get("body", b"")
        return body if len(body) <= MAX_BODY else None
    chunks: list[bytes] = []
    size = 0
    while True:
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
        message = await receive()
    return b"".join(chunks)


def client_ip(scope: Scope, headers: sigv4.Headers, trusted_depth: int) -> str:
    """The peer address, or the one ``trusted_depth`` proxies back in ``X-Forwarded-For``."""
    peer = scope.get("client")
    address = str(peer[0]) if peer else ""
    if trusted_depth > 0 and "x-forwarded-for" in headers:
        hops = [hop.strip() for hop in headers["x-forwarded-for"].split(",") if hop.strip()]
        if len(hops) >= trusted_depth:
            address = hops[-trusted_depth]
    return address
