"""A loopback container-credentials endpoint, so a long-running child never holds expired keys.

botocore's container provider reads ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` (plain http is
allowed only to loopback addresses) and sends ``AWS_CONTAINER_AUTHORIZATION_TOKEN`` as the
``Authorization`` header; it asks again before the credentials it holds expire. This server
answers only ``GET`` of its one path with the right token (compared in constant time) — any
other local process can reach the port, but not the credentials — and renews the
credentials through credo's resolver when fifteen minutes are left: botocore refreshes from
then on (and blocks every call on it below ten), so what it is given must have more. Short
credentials (``--duration 15m``) are renewed at half their life instead, not at every request.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from credo.client.exec_env import expiration_text
from credo.client.resolver import REUSE_MARGIN, Credentials

PATH = "/credo/credentials"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Say nothing: the child owns the terminal, and the path carries no secret anyway."""

    def _answer(self, status: int, document: dict[str, str]) -> None:
        body = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path != PATH:
            self._answer(404, {"code": "NotFound", "message": f"credentials are served at {PATH} only"})
            return
        given = self.headers.get("Authorization", "").encode("utf-8")
        if not hmac.compare_digest(given, self.server.token.encode("utf-8")):
            self._answer(401, {"code": "Unauthorized", "message": "missing or wrong authorization token"})
            return
        try:
            credentials = self.server.current()
        except Exception as error:  # every failure is the child's answer, never a dead server
            self._answer(500, {"code": "CredentialsUnavailable", "message": str(error)})
            return
        assert credentials.session_token is not None and credentials.expiration is not None
        self._answer(
            200,
            {
                "AccessKeyId": credentials.access_key_id,
                "SecretAccessKey": credentials.secret_access_key,
                "Token": credentials.session_token,
                "Expiration": expiration_text(credentials.expiration),
            },
        )

    def _refuse_method(self) -> None:
        self._answer(405, {"code": "MethodNotAllowed", "message": "use GET"})

    def do_POST(self) -> None:
        self._refuse_method()

    def do_PUT(self) -> None:
        self._refuse_method()

    def do_DELETE(self) -> None:
        self._refuse_method()

    def do_PATCH(self) -> None:
        self._refuse_method()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fetch: Callable[[], Credentials], clock: Callable[[], datetime]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token = secrets.token_urlsafe(32)
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._held: Credentials | None = None
        self._renew_at = clock()

    def hold(self, credentials: Credentials) -> None:
        """Serve ``credentials`` until ``REUSE_MARGIN`` before they end (half their life when that is shorter)."""
        if credentials.session_token is None or credentials.expiration is None:
            raise ValueError("the container endpoint serves temporary credentials only")
        left = credentials.expiration - self._clock()
        self._held = credentials
        self._renew_at = credentials.expiration - (REUSE_MARGIN if left > REUSE_MARGIN else left / 2)

    def current(self) -> Credentials:
        with self._lock:
            if self._held is None or self._clock() >= self._renew_at:
                self.hold(self._fetch())
            assert self._held is not None
            return self._held


class CredentialsEndpoint:
    """The endpoint's lifetime: started before the child, stopped after it."""

    def __init__(
        self,
        fetch: Callable[[], Credentials],
        first: Credentials | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._server = _Server(fetch, clock)
        if first is not None:
            self._server.hold(first)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="credo-credentials", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{PATH}"

    @property
    def token(self) -> str:
        return self._server.token

    def environment(self) -> dict[str, str]:
        return {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": self.token,
        }

    def __enter__(self) -> CredentialsEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
