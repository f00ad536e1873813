"""One write per response: its head held until its first body bytes, and both sent together.

uvicorn writes a response's status line and headers as soon as the app sends
``http.response.start``, and the body when it sends ``http.response.body``: two ``send()`` calls
and two TCP segments for nearly every answer credo gives (a few hundred bytes each), where one
would do. ``HeldHeadTransport`` stands between a connection and its socket: the first write a
response makes (its head) waits, and the next write (its body, or the first chunk of a streamed
one) carries it. Nothing else waits: a ``100 Continue`` (written before any response starts)
goes at once, and whatever is held leaves when the response completes without a body write
(``HEAD``), or before the connection is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

# Above this a body is handed over beside the head rather than copied onto it.
_JOIN_LIMIT = 64 * 1024


class _Cycle(Protocol):
    response_started: bool
    response_complete: bool


class _Connection(Protocol):
    @property
    def cycle(self) -> _Cycle | None: ...


class HeldHeadTransport:
    """A connection's transport, as its responses write to it (see the module docstring)."""

    __slots__ = ("_connection", "_held", "_held_for", "_transport")

    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport = transport
        self._connection = connection
        self._held: bytes | None = None
        self._held_for: object = None  # the response whose head was held (once per response)

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if len(data) < _JOIN_LIMIT:
                self._transport.write(held + data)
            else:
                self._transport.writelines((held, data))
            return
        cycle = self._connection.cycle
        if (
            cycle is not None
            and cycle.response_started
            and not cycle.response_complete
            and self._held_for is not cycle
        ):
            self._held, self._held_for = data, cycle  # the response's head: wait for its body
            return
        self._transport.write(data)

    def writelines(self, chunks: Any) -> None:
        self.write(b"".join(chunks))

    def flush(self) -> None:
        """Write what is held now (a response completed without a body write)."""
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        # The rest of the transport's methods (get_extra_info, abort, pause_reading…), as they are.
        return getattr(self._transport, name)
