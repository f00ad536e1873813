"""Connections that cannot hold the server: a deadline for each request, a cap on connections.

uvicorn closes a connection idle *between* requests (``timeout_keep_alive``), but not one that
opens and stays silent, sends half its headers, or announces a body it never sends: each would
hold a file descriptor forever, and enough of them starve every other client. Here a connection
must deliver a whole request (headers and body) within ``request_timeout`` seconds of opening or
of its previous response, or it is closed. Time spent computing the answer does not count.
"""

from __future__ import annotations

import asyncio
import resource

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, plus the request deadline."""

    request_timeout: float = 30.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_complete(self) -> None:
        self._disarm()
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
