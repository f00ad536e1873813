"""Receive an OAuth authorization response on a loopback redirect URI (RFC 8252, section 7.3).

The browser is sent back to ``http://127.0.0.1:PORT/callback?code=…&state=…``; a one-shot HTTP
server bound to the loopback interface only, on a port the system picks, takes that request and
nothing else. Providers match such a redirect URI on any port for native clients, so the client
is registered with ``http://127.0.0.1/callback``. The caller judges the response (its ``state``,
an ``error`` from the provider); the browser is shown that verdict, the terminal gets the rest.
"""

from __future__ import annotations

import html
import http.server
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

CALLBACK_PATH = "/callback"
# A browser that opens a connection and sends nothing (a speculative preconnect) is dropped
# after this long, so it cannot hold up the real redirect.
REQUEST_TIMEOUT = 10.0

Judge = Callable[[dict[str, str]], "str | None"]


def _page(title: str, message: str) -> bytes:
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>credo login</title>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
        "<p>You can close this window and return to the terminal.</p></html>"
    ).encode()


SIGNED_IN_PAGE = _page("Signed in", "credo has the provider's answer and finishes in the terminal.")


class RedirectTimeout(Exception):
    """No browser came back to the loopback redirect URI in time."""


@dataclass
class _Outcome:
    params: dict[str, str] | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _accept_all(params: dict[str, str]) -> str | None:
    return None


class LoopbackRedirect:
    """A one-shot receiver: ``uri`` to send the browser to, ``wait()`` for its query parameters.

    ``port`` 0 lets the system pick one (for providers that match loopback redirects on any
    port); another is for providers that want the exact registered URI. ``path`` is the
    callback's path (AWS's SSO clients use ``/oauth/callback``). ``judge`` says what is wrong with a response (``None`` when nothing is); the browser's page
    says "Signed in" or shows that message.
    """

    def __init__(self, judge: Judge = _accept_all, port: int = 0, path: str = CALLBACK_PATH) -> None:
        outcome = _Outcome()
        self._outcome = outcome
        self._path = path

        class Callback(http.server.BaseHTTPRequestHandler):
            timeout = REQUEST_TIMEOUT

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                with outcome.lock:  # the first request to the callback path is the one
                    if parts.path != path or outcome.params is not None:
                        params = None
                    else:
                        query = parse_qs(parts.query, keep_blank_values=True)
                        params = outcome.params = {name: values[0] for name, values in query.items()}
                if params is None:
                    self.send_error(404)
                    return
                try:
                    problem = judge(params)
                    if problem is None:
                        self._send(200, SIGNED_IN_PAGE)
                    else:
                        self._send(400, _page("Sign-in failed", problem))
                finally:
                    outcome.arrived.set()

            def _send(self, status: int, page: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, format: str, *args: object) -> None:
                """Silent: the request line carries the authorization code."""

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Callback)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self._closed = False

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{self._path}"

    def wait(self, timeout: float) -> dict[str, str]:
        """The redirect's query parameters; ``RedirectTimeout`` after ``timeout`` seconds."""
        try:
            if not self._outcome.arrived.wait(timeout) or self._outcome.params is None:
                raise RedirectTimeout(f"no sign-in came back to {self.uri} within {timeout:g} seconds")
            return self._outcome.params
        finally:
            self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
