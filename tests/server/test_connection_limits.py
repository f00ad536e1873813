"""A slow or silent client cannot hold the server: its connection is closed, others are served.

The server runs with a one-second request deadline; each hostile connection must be closed by
the server well within a generous wait (the test never asserts how fast, only that it happens).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest

from tests.conftest import REGION, Server, start_server, stop_server
from tests.server.raw_http import UNSIGNED_REQUEST, port_of, read_answer

WAIT = 20.0  # generous: the server's deadline is 1 s


def _server_with_waits(
    tmp_path_factory: pytest.TempPathFactory, request_timeout: str, keep_alive: str
) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("limits")
    env = {"CREDO_REQUEST_TIMEOUT": request_timeout, "CREDO_KEEP_ALIVE_TIMEOUT": keep_alive}
    server = start_server(tmp, "--dev", "--data-dir", str(tmp / "data"), env=env)
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A one-second request deadline and keep-alive wait."""
    yield from _server_with_waits(tmp_path_factory, "1", "1")


@pytest.fixture(scope="module")
def patient_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A one-second keep-alive wait, and a request deadline longer than any test waits."""
    yield from _server_with_waits(tmp_path_factory, "600", "1")


def _silent(sock: socket.socket) -> None:
    """Connect and say nothing."""


def _half_headers(sock: socket.socket) -> None:
    sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")


def _short_body(sock: socket.socket) -> None:
    sock.sendall(
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 100\r\n\r\nAction=GetCallerIdentity"
    )


@pytest.mark.parametrize(
    "behave",
    [
        pytest.param(_silent, id="silence"),
        pytest.param(_half_headers, id="partial headers"),
        pytest.param(_short_body, id="body shorter than Content-Length"),
    ],
)
def test_stalled_connection_is_closed_while_others_are_served(
    strict_server: Server, behave: Callable[[socket.socket], None]
) -> None:
    """The server closes a connection that stalls mid-request, and answers others meanwhile."""
    with socket.create_connection(("127.0.0.1", port_of(strict_server)), timeout=WAIT) as sock:
        behave(sock)
        sts = boto3.client(
            "sts",
            endpoint_url=strict_server.endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name=REGION,
        )
        assert sts.get_caller_identity()["Account"] == "123456789012"
        received = b""
        while chunk := sock.recv(4096):  # b"" once the server has closed the connection
            received += chunk
    # Closed without an answer, or with uvicorn's own error reply at most; never left open.
    assert received == b"" or received.startswith(b"HTTP/1.1 ")


def test_idle_kept_alive_connection_is_closed(patient_server: Server) -> None:
    """After an answer, a connection that sends nothing more is closed after the keep-alive wait
    (1 s here), long before its request deadline (600 s)."""
    with socket.create_connection(("127.0.0.1", port_of(patient_server)), timeout=WAIT) as sock:
        sock.sendall(UNSIGNED_REQUEST)
        answer, rest = read_answer(sock)
        assert answer.startswith(b"HTTP/1.1 403 ") and b"MissingAuthenticationToken" in answer
        assert rest == b""
        assert sock.recv(4096) == b""  # closed by the server, within WAIT (else socket.timeout)


def test_pipelined_requests_are_each_answered(patient_server: Server) -> None:
    """Three requests sent in one write get three answers, in order, on the connection."""
    with socket.create_connection(("127.0.0.1", port_of(patient_server)), timeout=WAIT) as sock:
        sock.sendall(UNSIGNED_REQUEST * 3)
        rest = b""
        for _ in range(3):
            answer, rest = read_answer(sock, rest)
            assert answer.startswith(b"HTTP/1.1 403 ")
        assert rest == b""


def test_websocket_upgrade_is_answered_as_http(patient_server: Server) -> None:
    """credo serves no WebSocket: a handshake is answered as the plain GET it is (uvicorn would
    otherwise hand the connection to its WebSocket protocol, and the app refuse it with 403)."""
    with socket.create_connection(("127.0.0.1", port_of(patient_server)), timeout=WAIT) as sock:
        sock.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        answer, _ = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]


def test_busy_connection_outlives_its_deadline(strict_server: Server) -> None:
    """Each request on a connection gets its own deadline: one second apart by less than the
    deadline, requests keep the connection open for longer than the deadline in all."""
    with socket.create_connection(("127.0.0.1", port_of(strict_server)), timeout=WAIT) as sock:
        started = time.monotonic()
        answers = 0
        while time.monotonic() - started < 2.5:
            sock.sendall(UNSIGNED_REQUEST)
            answer, rest = read_answer(sock)
            assert answer.startswith(b"HTTP/1.1 403 ") and rest == b""
            answers += 1
            time.sleep(0.2)
    assert answers >= 5


def test_bad_limit_settings_are_refused_clearly(tmp_path: Path) -> None:
    """A CREDO_* limit that is not a number stops credo serve with one line naming it."""
    with pytest.raises(RuntimeError) as caught:
        start_server(tmp_path, "--dev", env={"CREDO_REQUEST_TIMEOUT": "soon"})
    assert "CREDO_REQUEST_TIMEOUT must be a float number, not 'soon'" in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_huge_request_head_is_refused(strict_server: Server) -> None:
    """Headers beyond 1 MiB are answered 400 and the connection closed; the server goes on."""
    with socket.create_connection(("127.0.0.1", port_of(strict_server)), timeout=WAIT) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        try:
            for _ in range(1100):  # 1,100 × 1 KiB header lines
                sock.sendall(b"X-Filler: " + b"a" * 1024 + b"\r\n")
        except OSError:
            pass  # the server may close while we are still sending
        received = b""
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except ConnectionResetError:
            pass
    assert received.startswith(b"HTTP/1.1 400") or received == b""  # a reset may beat the answer
    assert "request head passed 1048576 bytes" in strict_server.log()
    sts = boto3.client(
        "sts",
        endpoint_url=strict_server.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name=REGION,
    )
    assert sts.get_caller_identity()["Account"] == "123456789012"
