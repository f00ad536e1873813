"""The browser step of the authorization code flow: ``GET /authorize`` as sso-oidc's, then the
person's **Allow** (``POST /authorize``), then the browser back to the client's loopback
``redirect_uri`` with ``code`` and ``state`` (RFC 6749 section 4.1, PKCE S256 only).

An unknown or expired client, or a ``redirect_uri`` the registration does not list (any port
on loopback, RFC 8252), gets an error page: the browser is never sent somewhere unregistered.
Other problems go back to the client as ``error=…`` with its ``state``, as RFC 6749 says. Not
signed in: the portal's sign-in comes first, then this page again.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import anyio.to_thread
from sqlalchemy import RowMapping
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console.web import SECURITY_HEADERS, forbidden, read_form
from credo.portal.web import Portal, csrf_ok, to_start
from credo.sso import oidc_clients, oidc_codes
from credo.sso.portal_sessions import PortalSession

PATH = "/authorize"
TITLE = "Allow access"
FIELDS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge_method",
    "scopes",
    "code_challenge",
)
BAD_CLIENT = (
    "This sign-in link is not valid: the application's registration is unknown or expired, or it "
    "asked to return to an address it did not register. Start the sign-in again from the application."
)


@dataclass(frozen=True)
class AuthorizeRequest:
    params: dict[str, str]
    client: RowMapping
    scopes: list[str]


def with_query(uri: str, values: dict[str, str]) -> str:
    """``uri`` with ``values`` added to its query."""
    joiner = "&" if urlsplit(uri).query else "?"
    return f"{uri}{joiner}{urlencode(values)}"


class AuthorizePages:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def routes(self) -> list[Route]:
        return [Route(PATH, self.show, methods=["GET"]), Route(PATH, self.decide, methods=["POST"])]

    def _back(self, params: dict[str, str], values: dict[str, str]) -> Response:
        if params.get("state"):
            values["state"] = params["state"]
        return RedirectResponse(
            with_query(params["redirect_uri"], values), status_code=302, headers=SECURITY_HEADERS
        )

    async def _check(self, params: dict[str, str]) -> AuthorizeRequest | Response:
        services = self.portal.services

        def find() -> RowMapping | None:
            with services.store.read() as conn:
                return oidc_clients.find_client(conn, params.get("client_id", "")[:64], services.clock.now())

        client = await anyio.to_thread.run_sync(find)
        registered = list(oidc_clients.redirect_uris_of(client)) if client is not None else []
        if client is None or not oidc_clients.redirect_matches(registered, params.get("redirect_uri", "")):
            return self.portal.message(TITLE, BAD_CLIENT, 400)
        if not oidc_clients.allows(client, oidc_clients.AUTHORIZATION_CODE):
            return self._back(params, {"error": "unauthorized_client"})
        if params.get("response_type") != "code":
            return self._back(params, {"error": "unsupported_response_type"})
        if params.get("code_challenge_method") != "S256" or not oidc_codes.CHALLENGE.fullmatch(
            params.get("code_challenge", "")
        ):
            return self._back(
                params, {"error": "invalid_request", "error_description": "PKCE with S256 is required"}
            )
        allowed = oidc_clients.scopes_of(client)
        asked = params.get("scopes", "").split()
        if any(scope not in allowed for scope in asked):
            return self._back(params, {"error": "invalid_scope"})
        return AuthorizeRequest(params, client, asked or allowed)

    async def show(self, request: Request) -> Response:
        params = {name: request.query_params.get(name, "")[:2048] for name in FIELDS}
        checked = await self._check(params)
        if isinstance(checked, Response):
            return checked
        session = await self.portal.session_of(request)
        if session is None:
            return to_start(f"{PATH}?{request.url.query}")
        return self._consent(checked, session)

    def _consent(self, checked: AuthorizeRequest, session: PortalSession) -> Response:
        redirect = urlsplit(checked.params["redirect_uri"])
        # The answer to Allow redirects to the client's loopback listener: the one place besides
        # this server that the form may lead to (browsers apply form-action to the redirect).
        policy = SECURITY_HEADERS["content-security-policy"].replace(
            "form-action 'self'", f"form-action 'self' {redirect.scheme}://{redirect.netloc}"
        )
        return self.portal.render(
            "portal_authorize.html",
            headers={"content-security-policy": policy},
            title=TITLE,
            session=session,
            client_name=checked.client["name"],
            redirect_host=redirect.netloc,
            fields=[(name, checked.params[name]) for name in FIELDS],
        )

    async def decide(self, request: Request) -> Response:
        form = await read_form(request)
        session = await self.portal.session_of(request)
        params = {name: form.get(name, "")[:2048] for name in FIELDS}
        if session is None:
            return to_start(f"{PATH}?{urlencode(params)}")
        if not csrf_ok(session, form):
            return forbidden(self.portal.console)
        checked = await self._check(params)
        if isinstance(checked, Response):
            return checked
        if form.get("decision") != "allow":
            return self._back(params, {"error": "access_denied"})
        services = self.portal.services

        def issue() -> str:
            with services.store.write_quietly() as conn:
                return oidc_codes.issue_code(
                    conn,
                    checked.client,
                    session,
                    params["redirect_uri"],
                    params["code_challenge"],
                    checked.scopes,
                    services.clock.now(),
                )

        code = await anyio.to_thread.run_sync(issue)
        return self._back(params, {"code": code})
