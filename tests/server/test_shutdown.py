"""SIGTERM stops a server gracefully: no new connections, the request in flight is answered, then exit."""

from __future__ import annotations

import http.client
import signal
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import POSTGRES_URL, start_server
from tests.hostile.wire import Request, Signing, signed_parts

BODY = b"Action=GetCallerIdentity&Version=2011-06-15"


def _refuses_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return False
    except OSError:
        return True


def test_sigterm_finishes_the_request_in_flight(tmp_path: Path, store_kind: str) -> None:
    """A request whose body is still arriving when SIGTERM comes is answered in full; new connections are refused."""
    database = POSTGRES_URL if store_kind == "postgresql" else None
    server = start_server(tmp_path, "--dev", "--data-dir", str(tmp_path / "data"), database_url=database)
    try:
        host, _, port = urlsplit(server.endpoint).netloc.partition(":")
        target, headers = signed_parts(server.endpoint, Request(body=BODY, signing=Signing(service="sts")))
        lines = [f"POST {target} HTTP/1.1", f"Host: {host}:{port}"]
        lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() != "host"]
        lines.append(f"Content-Length: {len(BODY)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            # The request has begun: its head and half its body are on their way.
            sock.sendall(head + BODY[:10])
            time.sleep(0.5)  # let the server read them before it is told to stop
            server.process.send_signal(signal.SIGTERM)
            # Stopped accepting: wait (bounded) until a new connection is refused.
            deadline = time.monotonic() + 30
            while not _refuses_connections(host, int(port)):
                assert time.monotonic() < deadline, "the server still accepts connections after SIGTERM"
                time.sleep(0.1)
            assert server.process.poll() is None  # still there, for the request in flight
            sock.sendall(BODY[10:])
            response = http.client.HTTPResponse(sock, method="POST")
            response.begin()
            body = response.read()
        assert response.status == 200, body
        assert b"<Arn>arn:aws:iam::123456789012:root</Arn>" in body
        assert server.process.wait(timeout=30) == -signal.SIGTERM
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
    assert "Traceback" not in server.log()


def test_shutdown_timeout_bounds_the_wait(tmp_path: Path) -> None:
    """A request still unfinished CREDO_SHUTDOWN_TIMEOUT seconds after SIGTERM is cut off (uvicorn's
    500, which botocore retries elsewhere), and the server exits."""
    env = {"CREDO_SHUTDOWN_TIMEOUT": "1"}
    server = start_server(tmp_path, "--dev", "--data-dir", str(tmp_path / "data"), env=env)
    try:
        host, _, port = urlsplit(server.endpoint).netloc.partition(":")
        head = f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(BODY)}\r\n\r\n".encode()
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(head + BODY[:10])  # and never the rest
            time.sleep(0.5)
            server.process.send_signal(signal.SIGTERM)
            assert server.process.wait(timeout=30) == -signal.SIGTERM
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
            assert reply.startswith(b"HTTP/1.1 500 ")
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
