"""How credo runs uvicorn: its options, and serving an app on its own port or on a given socket
(a worker of ``credo serve --workers N`` serves on the keeper's, ``credo.server.workers``)."""

from __future__ import annotations

import contextlib
import gc
import socket
from typing import Any

import uvicorn

from credo.server.connection_limits import protocol_with_deadline
from credo.settings import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """``uvicorn.Config``'s arguments for ``settings`` (one process or each worker alike)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "loop": "uvloop",
        "http": protocol_with_deadline(settings.request_timeout),
        # credo serves no WebSocket: an Upgrade header is ignored, the request answered as HTTP
        # (and the connection stays under the deadlines, which an upgraded one would leave).
        "ws": "none",
        "timeout_keep_alive": max(1, round(settings.keep_alive_timeout)),
        "limit_concurrency": settings.max_connections,
        "access_log": False,
        # uvicorn's own lines go through credo's handler (logs.configure), as text or JSON.
        "log_config": None,
        "log_level": "warning",
        "lifespan": "on",
        # SIGTERM: stop accepting, let in-flight requests finish (this long at most), then exit.
        "timeout_graceful_shutdown": max(1, round(settings.shutdown_timeout)),
        "ssl_certfile": settings.certfile,
        "ssl_keyfile": settings.keyfile,
        # credo reads X-Forwarded-For itself, and only at CREDO_TRUSTED_PROXY_DEPTH; uvicorn's
        # own handling would trust any loopback peer's header.
        "proxy_headers": False,
        "server_header": False,
    }


def serve_app(app: Any, options: dict[str, Any], sock: socket.socket | None = None) -> None:
    """Serve ``app`` with uvicorn: on its own port, or (a worker) on the keeper's socket."""
    # Everything loaded so far (service models, the policy catalog, SQLAlchemy) lives as long
    # as the process: keep it out of the collector's way, so full collections stay short.
    gc.collect()
    gc.freeze()
    server = uvicorn.Server(uvicorn.Config(app, **options))
    # uvicorn stops gracefully on SIGINT, then raises it again: as uvicorn.run does, that ends
    # serving normally.
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=None if sock is None else [sock])
