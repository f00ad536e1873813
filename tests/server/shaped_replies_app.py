"""An app answering in the shapes credo's own routes never use, served on credo's HTTP protocol
(``serve_app`` with ``uvicorn_options``) for ``test_reply_writes``::

    python -m tests.server.shaped_replies_app PORT MAX_CONNECTIONS

``/stream``: a body in two chunks, no length (chunked); ``/bad-header``: a header value that
would split the head; ``/unfinished``: a response started and never completed; anything else:
``ok``.
"""

from __future__ import annotations

import sys
from typing import Any

from credo.server.uvicorn_server import serve_app, uvicorn_options
from credo.settings import Settings


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"first,", "more_body": True})
        await send({"type": "http.response.body", "body": b"second"})
    elif path == "/bad-header":
        headers = [(b"content-length", b"2"), (b"x-note", b"a\r\nset-cookie: b")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})
    elif path == "/unfinished":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    else:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})


def main() -> None:
    port, max_connections = int(sys.argv[1]), int(sys.argv[2])
    serve_app(app, uvicorn_options(Settings(host="127.0.0.1", port=port, max_connections=max_connections)))


if __name__ == "__main__":
    main()
