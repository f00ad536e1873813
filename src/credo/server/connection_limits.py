"""Connections that cannot hold the server: a deadline for each request, a cap on its head.

uvicorn closes a connection idle *between* requests (``timeout_keep_alive``), but not one that
opens and stays silent, sends half its headers, or announces a body it never sends: each would
hold a file descriptor forever, and enough of them starve every other client. Here a connection
must deliver a whole request (headers and body) within ``request_timeout`` seconds of opening or
of its previous response, or it is closed. Time spent computing the answer does not count.
"""

from __future__ import annotations

import asyncio
import logging
import resource

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("credo.server")

# The request line and headers together. botocore's requests carry a few KiB, but a session
# token holding managed session policies (compressed, sealed, base64) can reach a few hundred.
MAX_HEAD_BYTES = 1024 * 1024


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, plus the request deadline and a cap on the request head
    (httptools itself accepts headers of any size)."""

    request_timeout: float = 30.0
    _deadline: asyncio.TimerHandle | None = None
    _in_head = True
    _head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        # Counted chunks may hold the start of the body too: judge only while still in the head.
        if self._in_head and self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            log.warning("closed a connection whose request head passed %d bytes", MAX_HEAD_BYTES)
            self.send_400_response("Request headers too large.")

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self._in_head, self._head_bytes = True, 0  # what follows is the next request's head
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection gets its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout, self._deadline_passed)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _deadline_passed(self) -> None:
        self._deadline = None
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
