"""Each answer leaves in one write: its head and body in one TCP segment (server/reply_writes.py).

What the client's kernel counts (``TCP_INFO``'s data segments received) shows it from outside:
two for an answer whose head and body were written apart. The cases that must not wait for a
body are here too: ``100 Continue``, an answer to ``HEAD``, a connection the answer closes; and,
from an app served on credo's protocol (``shaped_replies_app``), the shapes credo's own routes never
use: a streamed answer, a broken one, the connection limit's 503.
"""

from __future__ import annotations

import socket
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Server, free_port, launch, start_server, stop_server
from tests.server.raw_http import UNSIGNED_REQUEST, port_of, read_answer, read_head

WAIT = 10.0  # a held head would never come: the read times out instead
# ``struct tcp_info`` (linux/tcp.h): tcpi_data_segs_in, segments received that carried data.
DATA_SEGMENTS_IN_OFFSET = 152


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("replies")
    running = start_server(tmp, "--dev", "--data-dir", str(tmp / "data"))
    yield running
    stop_server(running)


def _connect(server: Server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port_of(server)), timeout=WAIT)


def _data_segments_received(sock: socket.socket) -> int:
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    return int(struct.unpack_from("I", info, DATA_SEGMENTS_IN_OFFSET)[0])


@pytest.mark.skipif(sys.platform != "linux", reason="TCP_INFO's layout is Linux's")
@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(UNSIGNED_REQUEST, id="API error (Query endpoint)"),
        pytest.param(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", id="operator route (Starlette)"),
    ],
)
def test_an_answer_is_one_segment(server: Server, request_bytes: bytes) -> None:
    with _connect(server) as sock:
        sock.sendall(request_bytes)
        answer, rest = read_answer(sock)
        assert answer.startswith(b"HTTP/1.1 ") and rest == b""
        assert _data_segments_received(sock) == 1


def test_head_request_is_answered_at_once(server: Server) -> None:
    """An answer to HEAD has no body write to carry its head: it leaves when the answer is done,
    and the connection serves the next request."""
    with _connect(server) as sock:
        sock.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head, rest = read_head(sock)
        assert head.startswith(b"HTTP/1.1 200 ") and rest == b""
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer, _ = read_answer(sock)
        assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b"ok\n")


def test_continue_is_sent_before_the_body_comes(server: Server) -> None:
    """``Expect: 100-continue``: the interim answer leaves at once (the client waits for it)."""
    head, _, body = UNSIGNED_REQUEST.partition(b"\r\n\r\n")
    with _connect(server) as sock:
        sock.sendall(head + b"\r\nExpect: 100-continue\r\n\r\n")
        interim, rest = read_head(sock)
        assert interim.startswith(b"HTTP/1.1 100 ") and rest == b""
        sock.sendall(body)
        answer, _ = read_answer(sock)
        assert answer.startswith(b"HTTP/1.1 403 ") and b"MissingAuthenticationToken" in answer


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        pytest.param(UNSIGNED_REQUEST, b"403", id="with a body"),
        pytest.param(b"HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"200", id="HEAD"),
    ],
)
def test_answer_that_closes_the_connection_is_whole(
    server: Server, request_bytes: bytes, status: bytes
) -> None:
    """``Connection: close``: what was held leaves before the connection is closed."""
    request = request_bytes.replace(b"Host: 127.0.0.1\r\n", b"Host: 127.0.0.1\r\nConnection: close\r\n")
    with _connect(server) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(4096):  # until the server closes
            received += chunk
    assert received.startswith(b"HTTP/1.1 " + status + b" ")
    assert b"connection: close" in received.lower()
    if request.startswith(b"HEAD"):
        assert received.endswith(b"\r\n\r\n")
    else:
        assert received.endswith(b"</ErrorResponse>") or received.endswith(b"</Response>")


@pytest.fixture(scope="module")
def shaped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """``shaped_replies_app`` on credo's protocol, at most two connections; its port."""
    port = free_port()
    command = [sys.executable, "-m", "tests.server.shaped_replies_app", str(port), "2"]
    log_path = tmp_path_factory.mktemp("shaped") / "app.log"
    running = launch(command, port, log_path, cwd=Path(__file__).resolve().parents[2])
    yield port
    stop_server(running)


def _received_until_closed(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
        return received


@pytest.mark.skipif(sys.platform != "linux", reason="TCP_INFO's layout is Linux's")
def test_streamed_answer_leaves_with_its_first_chunk(shaped: int) -> None:
    """No length: chunked, the head and first chunk in one segment, then the rest."""
    with socket.create_connection(("127.0.0.1", shaped), timeout=WAIT) as sock:
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head, rest = read_head(sock)
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(4096)
            assert chunk, "closed mid-answer"
            rest += chunk
        assert head.startswith(b"HTTP/1.1 200 ") and b"transfer-encoding: chunked" in head
        assert rest == b"6\r\nfirst,\r\n6\r\nsecond\r\n0\r\n\r\n"
        assert _data_segments_received(sock) == 2


@pytest.mark.parametrize("path", ["/bad-header", "/unfinished"])
def test_broken_answer_is_not_sent(shaped: int, path: str) -> None:
    """A header value that would split the head, or a response never completed: the connection
    is closed and not one byte of the head leaves (no header can be smuggled in)."""
    assert _received_until_closed(shaped, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()) == b""


def test_head_request_gets_the_head_only(shaped: int) -> None:
    received = _received_until_closed(shaped, b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert received.startswith(b"HTTP/1.1 200 ") and received.endswith(b"\r\n\r\n")
    assert b"content-length: 2\r\n" in received


def test_connection_past_the_limit_is_answered_503(shaped: int) -> None:
    with socket.create_connection(("127.0.0.1", shaped), timeout=WAIT) as first:
        first.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_answer(first)[0].endswith(b"\r\n\r\nok")
        received = _received_until_closed(shaped, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert received.startswith(b"HTTP/1.1 503 ") and received.endswith(b"Service Unavailable")
