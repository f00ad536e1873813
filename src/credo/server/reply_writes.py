"""One write per response: each request's ASGI cycle holds its response's head until the body.

uvicorn's cycle writes a response's status line and headers as soon as the app sends
``http.response.start``, and the body when it sends ``http.response.body``: two ``send()`` calls
and two TCP segments for nearly every answer credo gives (a few hundred bytes each), where one
would do. ``ReplyCycle`` is uvicorn's cycle with its two ASGI callables written for that: the
head is kept on the cycle and leaves with the first body message (the whole body, or a streamed
one's first chunk; for ``HEAD``, the empty one that completes it). A ``100 Continue``, written
before any response starts, goes at once. A response the app starts and never completes is not
sent at all: uvicorn closes its connection, and the client sees a closed connection rather than a
head without its body.

Each cycle is its own object (``connection_limits`` builds one per request), so nothing stands
between a connection and its socket; the receive side hands the body over without waiting when
it has all arrived, which is nearly every time (uvicorn's awaits an event that is already set).
Measured: docs/benchmarks.md, "Authorizer: reading the figures".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    RequestResponseCycle,
)

# Above this a body is handed over beside the head rather than copied onto it.
_JOIN_LIMIT = 64 * 1024
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class ReplyCycle(RequestResponseCycle):
    """One request and its response on a connection of ``credo serve`` (module docstring)."""

    # The response's head, from ``http.response.start`` until the first body message takes it.
    _head: bytes | None = None

    async def receive(self) -> Any:
        if self.waiting_for_100_continue and not self.transport.is_closing():
            self.transport.write(_CONTINUE)
            self.waiting_for_100_continue = False
        if not self.disconnected and not self.response_complete:
            self.flow.resume_reading()
            arrived = self.message_event
            if not arrived.is_set():
                await arrived.wait()
            arrived.clear()
        if self.disconnected or self.response_complete:
            return {"type": "http.disconnect"}
        message = {"type": "http.request", "body": bytes(self.body), "more_body": self.more_body}
        self.body = bytearray()
        return message

    async def send(self, message: Any) -> None:
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if self.disconnected:
            return
        kind = message["type"]
        if not self.response_started:
            if kind != "http.response.start":
                raise RuntimeError(f"Expected ASGI message 'http.response.start', but got '{kind}'.")
            self.response_started = True
            self.waiting_for_100_continue = False
            self._head = self._head_of(message["status"], message.get("headers", ()))
            return
        if self.response_complete:
            raise RuntimeError(f"Unexpected ASGI message '{kind}' sent, after response already completed.")
        if kind != "http.response.body":
            raise RuntimeError(f"Expected ASGI message 'http.response.body', but got '{kind}'.")
        more_body = message.get("more_body", False)
        out = self._body_bytes(message.get("body", b""), more_body)
        head = self._head
        if head is not None:
            self._head = None
            if len(out) < _JOIN_LIMIT:
                self.transport.write(head + out)
            else:
                self.transport.writelines((head, out))
        elif out:
            self.transport.write(out)
        if not more_body:
            if self.expected_content_length != 0:
                raise RuntimeError("Response content shorter than Content-Length")
            self.response_complete = True
            self.message_event.set()
            if not self.keep_alive:
                self.transport.close()
            self.on_response()

    def _body_bytes(self, body: bytes, more_body: bool) -> bytes:
        """What one body message puts on the wire: nothing for ``HEAD``, a chunk when streamed."""
        if self.scope["method"] == "HEAD":
            self.expected_content_length = 0
            return b""
        if self.chunked_encoding:
            out = b"%x\r\n%s\r\n" % (len(body), body) if body else b""
            return out if more_body else out + b"0\r\n\r\n"
        if len(body) > self.expected_content_length:
            raise RuntimeError("Response content longer than Content-Length")
        self.expected_content_length -= len(body)
        return body

    def _head_of(self, status: int, given: Iterable[tuple[bytes, bytes]]) -> bytes:
        """The status line and headers, as uvicorn writes them: names lower-cased, its default
        headers first, ``connection: close`` or chunked framing added where the headers leave
        them out. A name or value that could split the head (a control character, a colon in a
        name) is refused, as uvicorn refuses it."""
        headers = [*self.default_headers, *given]
        # Each pattern is one character class: checked once over all names, once over all values.
        if HEADER_RE.search(b"".join([name for name, _ in headers])):
            raise RuntimeError("Invalid HTTP header name.")
        if HEADER_VALUE_RE.search(b"".join([value for _, value in headers])):
            raise RuntimeError("Invalid HTTP header value.")
        parts = [STATUS_LINE[status]]
        says_close = False
        for name, value in headers:
            name = name.lower()
            if name == b"content-length" and self.chunked_encoding is None:
                self.expected_content_length = int(value.decode())
                self.chunked_encoding = False
            elif name == b"transfer-encoding" and value.lower() == b"chunked":
                self.expected_content_length = 0
                self.chunked_encoding = True
            elif name == b"connection" and b"close" in [t.strip().lower() for t in value.split(b",")]:
                self.keep_alive = False
                says_close = True
            parts += (name, b": ", value, b"\r\n")
        if not self.keep_alive and not says_close:
            parts.append(b"connection: close\r\n")
        if self.chunked_encoding is None and self.scope["method"] != "HEAD" and status not in (204, 304):
            self.chunked_encoding = True
            parts.append(b"transfer-encoding: chunked\r\n")
        parts.append(b"\r\n")
        return b"".join(parts)
