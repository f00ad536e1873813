"""The server's log lines: plain text or one JSON object per line, each carrying its request's id.

While a request is served, ``REQUEST_ID`` holds the id the API returns in ``x-amzn-RequestId``
(the console gets one too); every record logged meanwhile, by credo or a library, carries it.
It is a context variable, so it follows the request into the worker thread that anyio runs it
in, and one request's id never leaks into another's lines.

Nothing here adds to what is logged: secrets stay out because no code logs parameters,
bodies or rows (``endpoint.log_failure`` even drops the database's own error text).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("credo_request_id", default=None)

# One DEBUG line per request served (``CREDO_LOG_LEVEL=debug``): service, action or route
# template, status and time; never a path as sent, a query string, a header or a body.
REQUESTS = logging.getLogger("credo.requests")

# Libraries whose INFO lines are noise for an operator (SQLAlchemy would log every statement).
_QUIET = ("sqlalchemy", "alembic", "httpx", "httpcore", "multipart")


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being served (``None`` outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, request_id;
    ``exception`` holds the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        seconds = int(record.created)
        line: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``2026-12-03T06:10:00.123Z WARNING credo.api [request REQUEST-ID] message``."""

    converter = staticmethod(time.gmtime)

    def __init__(self) -> None:
        super().__init__("%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s %(request)s%(message)s")
        self.datefmt = "%Y-%m-%dT%H:%M:%S"

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request = f"[request {request_id}] " if request_id else ""
        return super().format(record)


def configure(log_format: str, level: str) -> None:
    """Send every logger's records to stderr as ``log_format`` ("text" or "json"), at ``level`` and above.

    uvicorn is then started with ``log_config=None``, so its own lines (start-up failures,
    errors in the app) go through the same handler.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level_number(level))
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


def level_number(level: str) -> int:
    """``debug``/``info``/``warning``/``error``/``critical`` (any case) as logging's number."""
    number = logging.getLevelName(level.upper())
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r}: use debug, info, warning, error or critical")
    return number
