"""A loopback HTTP proxy in front of ``credo serve`` that refuses chosen requests, as a flaky network or
a not-yet-consistent AWS would: the client under test talks to it as its endpoint.

Requests pass through unchanged (the ``Host`` header too, so SigV4 signatures still verify);
``refuse`` decides from the request's form and signing key whether to answer an AWS error
instead of forwarding.
"""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/")


@dataclass(frozen=True)
class Seen:
    action: str
    key_id: str


Refuse = Callable[[Seen], tuple[int, str, str] | None]  # (status, code, message) to answer instead


@dataclass
class FaultProxy:
    endpoint: str
    seen: list[Seen] = field(default_factory=list)


def error_xml(code: str, message: str) -> bytes:
    return (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
    ).encode()


@contextmanager
def fault_proxy(target: str, refuse: Refuse) -> Iterator[FaultProxy]:
    """Serve on a free loopback port until the block ends."""
    proxy = FaultProxy("")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            form = parse_qs(body.decode("utf-8", "replace"))
            found = _CREDENTIAL.search(self.headers.get("Authorization", ""))
            seen = Seen(form.get("Action", [""])[0], found.group(1) if found else "")
            proxy.seen.append(seen)
            refusal = refuse(seen)
            if refusal is not None:
                status, code, message = refusal
                self._answer(status, {"Content-Type": "text/xml"}, error_xml(code, message))
                return
            headers = {
                name: value for name, value in self.headers.items() if name.lower() != "content-length"
            }
            request = urllib.request.Request(
                target + self.path, data=body or None, headers=headers, method=self.command
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as reply:
                    self._answer(reply.status, dict(reply.headers), reply.read())
            except urllib.error.HTTPError as error:
                self._answer(error.code, dict(error.headers), error.read())

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in (
                    "content-length",
                    "transfer-encoding",
                    "connection",
                    "date",
                    "server",
                ):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            self._forward()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
