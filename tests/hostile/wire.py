"""Hostile requests as bytes on a socket: signed by botocore, then bent the way a case needs.

``tests.server.test_query_api.raw_call`` sends what urllib can send; the corpus also needs what
it cannot: other methods, invalid UTF-8 in a URL, signatures dated at another moment,
presigned URLs, headers edited after signing. Each request goes out on its own connection as
written here, and the reply is read with ``http.client``.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FORM = "application/x-www-form-urlencoded; charset=utf-8"
HeaderEdit = Callable[[dict[str, str]], dict[str, str]]


@dataclass(frozen=True)
class Signing:
    """How botocore signs the request: whose keys, which scope, as of when, in which place."""

    key: str = "test"
    secret: str = "test"
    token: str | None = None
    service: str = "iam"
    region: str = "us-east-1"
    skew_seconds: float = 0.0  # signed as of now plus this
    presigned: bool = False  # in the query string (X-Amz-*) rather than the Authorization header
    expires: int = 300


@dataclass(frozen=True)
class Request:
    """One request: what is signed, then what is changed after signing (``forge``, ``forge_url``,
    ``sent_body``)."""

    body: bytes = b""
    method: str = "POST"
    query: str = ""  # sent exactly as written (botocore signs it as written, too)
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str | None = FORM
    signing: Signing | None = field(default_factory=Signing)
    forge: HeaderEdit | None = None
    forge_url: Callable[[str], str] | None = None
    chunked: bool = False  # sent with Transfer-Encoding: chunked instead of Content-Length
    sent_body: bytes | None = None  # sent instead of ``body`` (which is what was signed)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


def signed_parts(endpoint: str, request: Request) -> tuple[str, dict[str, str]]:
    """The path with its query and the headers, as botocore signs them (then forged)."""
    query = f"?{request.query}" if request.query else ""
    headers = dict(request.headers)
    if request.content_type is not None:
        headers["Content-Type"] = request.content_type
    url = f"{endpoint}/{query}"
    signing = request.signing
    if signing is not None:
        aws_request = AWSRequest(method=request.method, url=url, data=request.body, headers=headers)
        credentials = Credentials(signing.key, signing.secret, signing.token)
        signer: SigV4Auth
        if signing.presigned:
            signer = SigV4QueryAuth(credentials, signing.service, signing.region, expires=signing.expires)
        else:
            signer = SigV4Auth(credentials, signing.service, signing.region)
        moment = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=signing.skew_seconds)
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=moment):
            signer.add_auth(aws_request)
        url = aws_request.url
        headers = {name: str(value) for name, value in aws_request.headers.items()}
    if request.forge is not None:
        headers = request.forge(headers)
    if request.forge_url is not None:
        url = request.forge_url(url)
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else ""), headers


def send(endpoint: str, request: Request) -> Reply:
    """Send ``request`` to the server at ``endpoint`` on a fresh connection; the status and body."""
    target, headers = signed_parts(endpoint, request)
    host = urlsplit(endpoint).netloc
    lines = [f"{request.method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() != "host"]
    body = request.body if request.sent_body is None else request.sent_body
    if request.chunked:
        lines.append("Transfer-Encoding: chunked")
        step = 64 * 1024
        pieces = [body[at : at + step] for at in range(0, len(body), step)]
        body = b"".join(b"%x\r\n%b\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"
    else:
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")
    address, _, port = host.partition(":")
    with socket.create_connection((address, int(port)), timeout=30) as sock:
        # A server refusing an oversized body may answer and close before reading it all.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head + body)
        response = http.client.HTTPResponse(sock, method=request.method)
        response.begin()
        return Reply(response.status, response.read())
