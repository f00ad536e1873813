"""The console's pages for a signed-in session: the guard every page shares, and the dashboard."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.call import Result
from credo.console import overview, return_to
from credo.console.sessions import ConsoleSession
from credo.console.web import Console, is_secure, signin_url, to_signin
from credo.errors import AwsError

Page = Callable[[Request, ConsoleSession], Awaitable[Response]]

_PENDING = {"mfa": "/signin/mfa", "password": "/signin/password"}


class ConsolePages:
    """Routes under ``/console``; each needs a live, fully signed-in session."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def routes(self) -> list[Route]:
        return [
            Route("/console", self.signed_in(self.home_redirect), methods=["GET"]),
            Route("/console/home", self.signed_in(self.dashboard), methods=["GET"]),
            # Anything else under /console: sign in first, then "not found".
            Route("/console/{rest:path}", self.signed_in(self.not_found), methods=["GET", "POST"]),
        ]

    def signed_in(self, page: Page) -> Callable[[Request], Awaitable[Response]]:
        async def guarded(request: Request) -> Response:
            session = await self.console.session_of(request)
            if session is None:
                response = to_signin()
                return_to.remember(response, request)
                return response
            if session.stage in _PENDING:
                return RedirectResponse(_PENDING[session.stage], status_code=303)
            return await page(request, session)

        return guarded

    def caller(self, request: Request, session: ConsoleSession) -> overview.Caller:
        """The signed-in principal, ready to call API operations through the authorizer."""
        return overview.Caller(
            self.console.services, session, self.console.source_ip(request), is_secure(request)
        )

    def page(self, template: str, session: ConsoleSession, status: int = 200, **values: object) -> Response:
        """A console page for ``session``: the navigation, who is signed in, and ``values``."""
        return self.console.render(
            template, status=status, session=session, who=session.principal().arn, **values
        )

    async def call(self, caller: overview.Caller, action: str, **params: Any) -> Result:
        """``caller.call`` in a worker thread (handlers block on the store, some on argon2)."""
        return await anyio.to_thread.run_sync(lambda: caller.call(action, **params))

    async def attempt(self, caller: overview.Caller, action: str, **params: Any) -> AwsError | None:
        """Run ``action``; the error when it is refused or fails, else ``None``."""
        try:
            await self.call(caller, action, **params)
        except AwsError as error:
            return error
        return None

    async def home_redirect(self, _request: Request, _session: ConsoleSession) -> Response:
        return RedirectResponse("/console/home", status_code=303)

    async def dashboard(self, request: Request, session: ConsoleSession) -> Response:
        shown = await anyio.to_thread.run_sync(overview.dashboard, self.caller(request, session))
        url = signin_url(request, shown.alias or shown.account_id)
        return self.page("dashboard.html", session, title="IAM Dashboard", shown=shown, signin_url=url)

    async def not_found(self, _request: Request, session: ConsoleSession) -> Response:
        return self.page("not_found.html", session, status=404, title="Page not found")
