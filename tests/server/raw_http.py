"""HTTP/1.1 spoken over a plain socket, for tests that need to see the wire itself."""

from __future__ import annotations

import socket

from tests.conftest import Server

UNSIGNED_REQUEST = (
    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 24\r\n\r\nAction=GetCallerIdentity"
)


def read_head(sock: socket.socket, pending: bytes = b"") -> tuple[bytes, bytes]:
    """One answer's status line and headers (through the blank line), and what came after."""
    data = pending
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, f"closed before a whole answer: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head + b"\r\n\r\n", rest


def read_answer(sock: socket.socket, pending: bytes = b"") -> tuple[bytes, bytes]:
    """One whole answer (head and Content-Length body), and what came after it."""
    head, rest = read_head(sock, pending)
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(rest) < length:
        chunk = sock.recv(4096)
        assert chunk, "closed mid-answer"
        rest += chunk
    return head + rest[:length], rest[length:]


def port_of(server: Server) -> int:
    return int(server.endpoint.rsplit(":", 1)[1])
