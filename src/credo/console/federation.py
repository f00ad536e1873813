"""The federation endpoint, as AWS's ``signin.aws.amazon.com/federation``: console sign-in from temporary credentials.

``Action=getSigninToken&Session=<JSON of sessionId, sessionKey, sessionToken>[&SessionDuration=N]``
answers ``{"SigninToken": "…"}`` for role-session or GetFederationToken credentials
(``credo.console.signin_tokens``); ``Action=login&Destination=…&SigninToken=…`` consumes the
token, starts a console session acting as those credentials (``credo.console.sessions``) and
sends the browser to ``Destination`` when it is a console page of this server, else to the
dashboard. The query strings carry secrets: nothing here logs them (and ``credo serve`` keeps
no access log).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo.audit import identity
from credo.console import return_to, sessions, signin, signin_events, signin_tokens
from credo.console.cookies import SESSION_COOKIE, new_id
from credo.console.pages import ConsolePages
from credo.console.web import SECURITY_HEADERS, read_form

INVALID_ACTION = "Invalid Action parameter"
TOKEN_REFUSED = (
    "The sign-in token is not valid: it has expired, was already used, or its credentials no longer work."
)
# "." and ".." segments, percent-encoded or not: a browser resolves them, leaving /console.
_DOT_SEGMENT = re.compile(r"/(\.|%2e){1,2}(/|\?|$)", re.IGNORECASE)
_NO_STORE = {"cache-control": "no-store", "x-content-type-options": "nosniff"}


def safe_destination(destination: str, scheme: str, netloc: str) -> str:
    """``Destination`` if it is a console page of this very server, else the dashboard: no open redirect."""
    if not destination.isprintable() or not destination.isascii() or " " in destination:
        return return_to.HOME  # urlsplit would quietly drop some controls
    try:
        parts = urlsplit(destination)
    except ValueError:
        return return_to.HOME
    if (parts.scheme or parts.netloc) and (parts.scheme.lower(), parts.netloc.lower()) != (
        scheme.lower(),
        netloc.lower(),
    ):
        return return_to.HOME
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    if not return_to.is_console_path(target) or _DOT_SEGMENT.search(parts.path):
        return return_to.HOME
    return target


class FederationEndpoint:
    """``GET``/``POST /federation``."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[BaseRoute]:
        return [Route("/federation", self.federation, methods=["GET", "POST"])]

    async def federation(self, request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params.update(await read_form(request))
        action = params.get("Action", "")
        if action == "getSigninToken":
            return await self.get_signin_token(params)
        if action == "login":
            return await self.login(request, params)
        return PlainTextResponse(INVALID_ACTION, status_code=400, headers=_NO_STORE)

    async def get_signin_token(self, params: dict[str, str]) -> Response:
        services = self.console.services
        try:
            token = await anyio.to_thread.run_sync(
                signin_tokens.issue, services, params.get("Session", ""), params.get("SessionDuration")
            )
        except signin_tokens.Refused as refused:
            return PlainTextResponse(refused.message, status_code=400, headers=_NO_STORE)
        return JSONResponse({"SigninToken": token}, headers=_NO_STORE)

    async def login(self, request: Request, params: dict[str, str]) -> Response:
        services = self.console.services
        source_ip = self.console.source_ip(request)
        client = signin_events.SignInClient(
            source_ip,
            request.headers.get("user-agent", ""),
            f"{request.url.scheme}://{request.url.netloc}{return_to.HOME}",
        )
        old_cookie = self.console.signer.unsign(request.cookies.get(SESSION_COOKIE))
        cookie_id = new_id()

        def sign_in() -> bool:
            granted = signin_tokens.consume(services, params.get("SigninToken", ""))
            now = services.clock.now()
            with services.store.write_quietly() as conn:
                if granted is not None:
                    if old_cookie is not None:
                        sessions.end(conn, sessions.row_key(old_cookie))  # this browser's previous session
                    sessions.start_federated(
                        conn,
                        services.keyring,
                        cookie_id,
                        account_id=granted.principal.account_id,
                        token=granted.session_token,
                        expires_at=granted.ends,
                        now=now,
                    )
                signin.record(
                    conn,
                    account=granted.principal.account_id if granted is not None else "",
                    user_name=granted.principal.arn if granted is not None else "(federation)",
                    account_id=granted.principal.account_id if granted is not None else None,
                    source_ip=source_ip,
                    outcome="federation-success" if granted is not None else "federation-failure",
                    now=now,
                )
                if granted is not None:
                    principal = granted.principal
                    who = identity.user_identity(principal, services.audit.issuer(conn, principal))
                    user_name = identity.username(principal)
                else:
                    who, user_name = {"type": "Unknown"}, None
                signin_events.record(
                    conn,
                    services,
                    client,
                    who=who,
                    user_name=user_name,
                    account_id=granted.principal.account_id if granted is not None else None,
                    succeeded=granted is not None,
                    mfa_used=granted is not None and granted.principal.mfa_authenticated,
                )
            return granted is not None

        if not await anyio.to_thread.run_sync(sign_in):
            return self.console.render(
                "federation_refused.html", status=400, title="Sign-in link not valid", message=TOKEN_REFUSED
            )
        destination = safe_destination(params.get("Destination", ""), request.url.scheme, request.url.netloc)
        response = RedirectResponse(destination, status_code=302, headers=SECURITY_HEADERS)
        self.console.set_session_cookie(response, request, cookie_id)
        return response
