"""``CredoWSGIMiddleware``: the ASGI middleware's decisions in front of a WSGI app (Flask).

Same modes and answers as ``credo.gateway.middleware``; an allowed request reaches the app with
``environ["credo.principal"]`` (a ``Caller``), ``environ["credo.action"]`` and
``environ["credo.resource"]``.

    app.wsgi_app = CredoWSGIMiddleware(app.wsgi_app, service="widgets")
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from credo.gateway.decision import OriginalRequest
from credo.gateway.local import LocalDecider
from credo.gateway.middleware import MAX_BODY, Mode, make_decider
from credo.gateway.remote import RemoteDecider

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_STATUS_TEXT = {401: "401 Unauthorized", 403: "403 Forbidden", 413: "413 Content Too Large"}


class CredoWSGIMiddleware:
    def __init__(
        self,
        app: WSGIApp,
        *,
        service: str,
        mode: Mode = "local",
        decider: LocalDecider | RemoteDecider | None = None,
        endpoint_url: str | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        self.app = app
        self.service = service
        self.max_body = max_body
        self.decider = decider if decider is not None else make_decider(mode, endpoint_url)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length_text = environ.get("CONTENT_LENGTH") or "0"
        length = int(length_text) if length_text.isdigit() else 0
        if length > self.max_body:
            start_response(_STATUS_TEXT[413], [("Content-Type", "text/plain")])
            return [b"request body too large\n"]
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        outcome = self.decider.decide(original_request(environ, body, self.service))
        if not outcome.allowed:
            status, headers, payload = outcome.refusal()
            start_response(
                _STATUS_TEXT.get(status, f"{status} Refused"),
                [(name.decode(), value.decode("latin-1")) for name, value in headers],
            )
            return [payload]
        environ["credo.principal"] = outcome.caller
        environ["credo.action"] = outcome.action
        environ["credo.resource"] = outcome.resource
        return self.app(environ, start_response)


def original_request(environ: dict[str, Any], body: bytes, service: str) -> OriginalRequest:
    """The request as sent: the raw URI when the server keeps it (gunicorn, werkzeug)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        url = str(raw)
    else:
        url = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "/"))
        if environ.get("QUERY_STRING"):
            url += "?" + environ["QUERY_STRING"]
    headers = [
        (key[5:].replace("_", "-").lower(), str(value))
        for key, value in environ.items()
        if key.startswith("HTTP_")
    ]
    for key, name in (("CONTENT_TYPE", "content-type"), ("CONTENT_LENGTH", "content-length")):
        if environ.get(key):
            headers.append((name, str(environ[key])))
    return OriginalRequest(
        method=environ["REQUEST_METHOD"],
        url=url,
        headers=headers,
        payload_hash=hashlib.sha256(body).hexdigest(),
        source_ip=str(environ.get("REMOTE_ADDR", "")),
        secure_transport=environ.get("wsgi.url_scheme") == "https",
        service=service,
    )
