"""``GET /healthz`` and ``GET /readyz``: for load balancers, supervisors and orchestrators.

``/healthz`` says the process is up and its event loop answers: ``200 ok``, never touching the
store. ``/readyz`` says it can serve: the store answers a query within ``READY_TIMEOUT`` seconds
and its schema is the one this code expects (``credo db upgrade`` done); ``200 ready``, else
``503`` with the reason on one line. Neither needs credentials, and neither says more than that.
"""

from __future__ import annotations

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from credo.store.db import Store
from credo.store.migrate import current_revisions, head_revisions

READY_TIMEOUT = 5.0


async def healthz(_request: Request) -> Response:
    return PlainTextResponse("ok\n")


class Readiness:
    """The ``/readyz`` route of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.expected = head_revisions()

    async def respond(self, _request: Request) -> Response:
        problem = f"not ready: the store did not answer within {READY_TIMEOUT:g} s\n"
        with anyio.move_on_after(READY_TIMEOUT):
            # A store that hangs (a dead database host) leaves its thread behind, not the answer.
            found: str | None = await anyio.to_thread.run_sync(self.problem, abandon_on_cancel=True)
            problem = found or ""
        if problem:
            return PlainTextResponse(problem, status_code=503)
        return PlainTextResponse("ready\n")

    def problem(self) -> str | None:
        """Why the server cannot serve, on one line ending in a newline; ``None`` when it can."""
        try:
            current = current_revisions(self.store)
        except Exception as error:
            # The type only: a driver's message can name hosts and users, or quote a row.
            return f"not ready: the store is unreachable ({type(error).__name__})\n"
        if current != self.expected:
            found = ", ".join(sorted(current)) or "none"
            wanted = ", ".join(sorted(self.expected))
            return (
                f"not ready: the store's schema is at revision {found}, this server needs "
                f"{wanted} (run `credo db upgrade`, or upgrade this server)\n"
            )
        return None
