"""The signed-in person's accounts and roles, and what each role offers: **Access keys** (a
session's credentials shown once, as environment variables and a credentials-file profile) and
**Management console** (a console session acting as that role session, through the console's
federation path).

Both mint a session of the role exactly as the portal API's GetRoleCredentials does
(``sso/portal_access.py``): an assignment removed a moment ago refuses the next click.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo import ids
from credo.call import Call
from credo.console import sessions, signin
from credo.console.cookies import SESSION_COOKIE, new_id
from credo.console.web import SECURITY_HEADERS, forbidden, read_form
from credo.errors import AwsError
from credo.portal.web import START, Portal, csrf_ok, to_start
from credo.server.unsigned import ANONYMOUS, REGION
from credo.sso import portal_access
from credo.sso.portal_sessions import PortalSession

TITLE = "AWS accounts"


@dataclass(frozen=True)
class AccountRoles:
    account_id: str
    name: str
    email: str
    roles: tuple[str, ...]


class AccountsPages:
    """``GET /start`` (signed in), ``POST /start/access-keys`` and ``POST /start/console``."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def routes(self) -> list[Route]:
        return [
            Route(START + "/access-keys", self.access_keys, methods=["POST"]),
            Route(START + "/console", self.management_console, methods=["POST"]),
        ]

    async def home(
        self, request: Request, session: PortalSession, error: str | None = None, status: int = 200
    ) -> Response:
        services = self.portal.services

        def read() -> list[AccountRoles]:
            with services.store.read() as conn:
                return [
                    AccountRoles(
                        account.account_id,
                        account.name,
                        account.email,
                        tuple(portal_access.reachable_roles(conn, session.user_id, account.account_id)),
                    )
                    for account in portal_access.reachable_accounts(conn, session.user_id)
                ]

        accounts = await anyio.to_thread.run_sync(read)
        return self.portal.render(
            "portal_accounts.html",
            status=status,
            title=TITLE,
            session=session,
            accounts=accounts,
            error=error,
        )

    async def _mint(self, request: Request) -> tuple[PortalSession, str, str, dict[str, Any]] | Response:
        """The role session the form asks for, or the page to answer with instead."""
        session = await self.portal.session_of(request)
        if session is None:
            return to_start()
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.portal.console)
        account_id, role_name = form.get("account_id", "")[:12], form.get("role_name", "")[:32]
        call = Call(
            "GetRoleCredentials",
            {},
            ANONYMOUS,
            self.portal.services,
            ids.request_id(),
            REGION,
            self.portal.source_ip(request),
        )
        try:
            made = await anyio.to_thread.run_sync(
                portal_access.role_credentials, call, session, account_id, role_name
            )
        except AwsError as error:
            return await self.home(
                request, session, error=f"{error.code}: {error.message}", status=error.status
            )
        return session, account_id, role_name, made

    async def access_keys(self, request: Request) -> Response:
        minted = await self._mint(request)
        if isinstance(minted, Response):
            return minted
        session, account_id, role_name, made = minted
        credentials = made["Credentials"]
        return self.portal.render(
            "portal_access_keys.html",
            title="Get credentials",
            session=session,
            account_id=account_id,
            role_name=role_name,
            profile=f"{account_id}_{role_name}",
            credentials=credentials,
            expiration=credentials["Expiration"].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            start_url=f"{request.url.scheme}://{request.url.netloc}{START}",
        )

    async def management_console(self, request: Request) -> Response:
        minted = await self._mint(request)
        if isinstance(minted, Response):
            return minted
        _session, account_id, _role_name, made = minted
        services = self.portal.services
        console = self.portal.console
        old_cookie = console.signer.unsign(request.cookies.get(SESSION_COOKIE))
        cookie_id = new_id()
        source_ip = self.portal.source_ip(request)

        def start() -> None:
            now = services.clock.now()
            with services.store.write_quietly() as conn:
                if old_cookie is not None:
                    sessions.end(conn, sessions.row_key(old_cookie))
                sessions.start_federated(
                    conn,
                    services.keyring,
                    cookie_id,
                    account_id=account_id,
                    token=made["Credentials"]["SessionToken"],
                    expires_at=made["Credentials"]["Expiration"],
                    now=now,
                )
                signin.record(
                    conn,
                    account=account_id,
                    user_name=made["AssumedRoleUser"]["Arn"],
                    account_id=account_id,
                    source_ip=source_ip,
                    outcome="federation-success",
                    now=now,
                )

        await anyio.to_thread.run_sync(start)
        response = RedirectResponse("/console/home", status_code=303, headers=SECURITY_HEADERS)
        console.set_session_cookie(response, request, cookie_id)
        return response
