"""Signing in to the access portal at ``/start`` (the start URL of ``sso_session`` profiles) and out.

``GET /start`` shows the sign-in form, or the accounts page once signed in; ``POST /start/signin``
checks the user name and password (argon2 off the event loop, throttled: ``password_signin``) and
starts a sign-in under a new random id (waiting for an MFA code first when the user registered
a device: ``mfa_signin``); the browser then goes back to where it was sent from (the
device or authorize step) or to the accounts page. ``POST /start/signout`` ends the sign-in and
every token it approved.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console.cookies import new_id
from credo.console.signin_routes import INCORRECT, THROTTLED
from credo.console.web import forbidden, read_form
from credo.portal import password_signin
from credo.portal.mfa_signin import MFA_PATH
from credo.portal.saml_signin import SAML_LOGIN
from credo.portal.web import PORTAL_COOKIE, START, Portal, csrf_ok, safe_next
from credo.sso import identity_source, portal_sessions
from credo.sso.portal_sessions import PortalSession

TITLE = "Sign in"
Home = Callable[[Request, PortalSession], Awaitable[Response]]


class SignInPages:
    """``/start``, ``/start/signin`` and ``/start/signout``."""

    def __init__(self, portal: Portal, home: Home) -> None:
        self.portal = portal
        self.home = home

    def routes(self) -> list[Route]:
        return [
            Route(START, self.start, methods=["GET"]),
            Route(START + "/", self.start, methods=["GET"]),
            Route(START + "/signin", self.sign_in, methods=["POST"]),
            Route(START + "/signout", self.sign_out, methods=["POST"]),
        ]

    async def start(self, request: Request) -> Response:
        session = await self.portal.session_of(request)
        next_page = safe_next(request.query_params.get("next"))
        if session is not None:
            if next_page != START:
                return RedirectResponse(next_page, status_code=303)
            return await self.home(request, session)
        return await self._form(request, next_page, "", None, 200)

    async def _form(
        self, request: Request, next_page: str, username: str, error: str | None, status: int
    ) -> Response:
        with_idp = await anyio.to_thread.run_sync(identity_source.has_source, self.portal.services)
        return self.portal.signin_forms.render(
            request,
            "portal_signin.html",
            status=status,
            title=TITLE,
            next_page=next_page,
            username=username,
            error=error,
            idp_link=f"{SAML_LOGIN}?{urlencode({'next': next_page})}" if with_idp else None,
        )

    async def sign_in(self, request: Request) -> Response:
        form = await read_form(request)
        if not self.portal.signin_forms.token_ok(request, form):
            return forbidden(self.portal.console)
        username = form.get("username", "")[:128]
        next_page = safe_next(form.get("next"))
        services = self.portal.services
        result = await anyio.to_thread.run_sync(
            password_signin.check,
            services,
            username,
            form.get("password", ""),
            self.portal.source_ip(request),
        )
        if result.outcome is not password_signin.Outcome.SIGNED_IN:
            error = THROTTLED if result.outcome is password_signin.Outcome.THROTTLED else INCORRECT
            return await self._form(request, next_page, username, error, 401)
        assert result.instance is not None and result.user_id is not None
        instance, user_id = result.instance, result.user_id
        stage: portal_sessions.Stage = "mfa" if result.needs_mfa else "active"
        old_id = self.portal.console.signer.unsign(request.cookies.get(PORTAL_COOKIE))
        cookie_id = new_id()

        def start() -> None:
            with services.store.write_quietly() as conn:
                if old_id is not None:
                    portal_sessions.end(conn, portal_sessions.key_of(old_id))
                portal_sessions.start(conn, instance, cookie_id, user_id, stage, services.clock.now())

        await anyio.to_thread.run_sync(start)
        target = next_page if stage == "active" else f"{MFA_PATH}?{urlencode({'next': next_page})}"
        response = RedirectResponse(target, status_code=303)
        self.portal.set_cookie(response, request, cookie_id)
        return response

    async def sign_out(self, request: Request) -> Response:
        session = await self.portal.session_of(request)
        if session is not None:
            form = await read_form(request)
            if not csrf_ok(session, form):
                return forbidden(self.portal.console)
            services = self.portal.services

            def end() -> None:
                with services.store.write_quietly() as conn:
                    portal_sessions.end(conn, session.key)

            await anyio.to_thread.run_sync(end)
        response = RedirectResponse(START, status_code=303)
        response.delete_cookie(PORTAL_COOKIE, path="/")
        return response
