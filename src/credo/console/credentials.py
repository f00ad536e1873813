"""My security credentials → access keys: the signed-in principal's own keys, managed as that principal.

Every action is the API operation of the same name (ListAccessKeys, GetAccessKeyLastUsed,
CreateAccessKey, UpdateAccessKey, DeleteAccessKey) called without ``UserName``, so it acts on
the caller's own keys — the root user's when root is signed in — and is refused exactly as the
API would refuse it. A new secret waits, sealed in the store (``shown_once``), for the session's
next view of the result page only, on any process; the page carries it (and its CSV, as a
``data:`` link), never a URL.
The actions themselves are shared with a user's page (``access_key_actions``).
"""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from credo.console.access_key_actions import AccessKeyActions, KeyRow, list_keys
from credo.console.mfa_devices import own_devices
from credo.console.pages import ConsolePages
from credo.console.sessions import ConsoleSession
from credo.errors import AwsError

PATH = "/console/security-credentials"
TITLE = "My security credentials"


class SecurityCredentialsPages:
    """The routes under ``/console/security-credentials``."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[Route]:
        return [
            Route(PATH, self.pages.signed_in(self.overview), methods=["GET"]),
            *AccessKeyActions(self.pages, self).routes(PATH),
        ]

    async def _listing(
        self, request: Request, session: ConsoleSession, *, status: int = 200, error: str | None = None
    ) -> Response:
        """The keys page; ``error`` (an action's refusal) is shown above the list's own."""
        errors = [error] if error is not None else []
        rows: list[KeyRow] = []
        try:
            rows = await anyio.to_thread.run_sync(list_keys, self.pages.caller(request, session))
        except AwsError as refused:
            errors.append(refused.message)
            status = status if error is not None else refused.status
        # The console password and MFA sections (own_password.py, mfa_pages.py).
        mfa = await anyio.to_thread.run_sync(own_devices, self.pages.caller(request, session))
        return self.pages.page(
            "security_credentials.html",
            session,
            status=status,
            title=TITLE,
            rows=rows,
            errors=errors,
            mfa=mfa,
        )

    async def overview(self, request: Request, session: ConsoleSession) -> Response:
        return await self._listing(request, session)

    # The KeyOwner side: the caller's own keys, listed on this page.

    def key_user(self, _request: Request) -> str | None:
        return None

    def keys_path(self, _request: Request) -> str:
        return PATH

    def keys_page(self, _request: Request) -> str:
        return PATH

    def csv_filename(self, _request: Request, session: ConsoleSession) -> str:
        return f"{session.user_name}_accessKeys.csv" if session.user_name else "rootkey.csv"

    async def keys_refused(self, request: Request, session: ConsoleSession, error: AwsError) -> Response:
        return await self._listing(request, session, status=error.status, error=error.message)
