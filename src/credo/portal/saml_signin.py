"""``POST /start/saml``: an IdP-initiated SAMLResponse from the portal's external identity
provider (``sso.identity_source``) signs its user in to the portal, as a password would.

The IdP's form is cross-site, so it carries no CSRF token: the signature, the recipient and
audience (this page), the times and single use are what make it safe, as at the console's
``/saml``. ``RelayState`` may name a portal page to go to (``safe_next``). The IdP is trusted
for the second factor: no portal MFA code is asked. Each attempt is a ``sign_in_attempts`` row
(``saml-success`` or ``saml-failure``) under the identity store id.
"""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console import signin
from credo.console.cookies import new_id
from credo.console.saml_signin import MAX_FORM
from credo.console.web import read_form
from credo.errors import AwsError
from credo.portal.web import PORTAL_COOKIE, Portal, safe_next
from credo.sso import identity_source, portal_sessions
from credo.sso.identity_source import PATH, SamlSignIn
from credo.sso.instances import load

NO_REDIRECT = (
    "The access portal has no external identity provider with an HTTP-Redirect sign-in endpoint: "
    "sign in from your identity provider's portal."
)

TITLE = "Sign-in refused"
SAML_LOGIN = PATH + "/login"


class SamlSignInPages:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def routes(self) -> list[Route]:
        return [
            Route(PATH, self.sign_in, methods=["POST"]),
            Route(SAML_LOGIN, self.to_idp, methods=["GET"]),
        ]

    async def to_idp(self, request: Request) -> Response:
        """**Sign in with your identity provider**: to the IdP with an AuthnRequest (SP-initiated)."""
        next_page = safe_next(request.query_params.get("next"))
        target = await anyio.to_thread.run_sync(identity_source.login_url, self.portal.services, next_page)
        if target is None:
            return self.portal.message(TITLE, NO_REDIRECT, 404)
        return RedirectResponse(target, status_code=303)

    async def sign_in(self, request: Request) -> Response:
        form = await read_form(request, MAX_FORM)
        encoded = form.get("SAMLResponse", "")
        next_page = safe_next(form.get("RelayState"))
        services = self.portal.services
        source_ip = self.portal.source_ip(request)
        old_id = self.portal.console.signer.unsign(request.cookies.get(PORTAL_COOKIE))
        cookie_id = new_id()

        def start() -> SamlSignIn | AwsError:
            now = services.clock.now()
            try:
                found = identity_source.sign_in(services, encoded, now)
            except AwsError as error:
                outcome: SamlSignIn | AwsError = error
            else:
                outcome = found
            with services.store.write_quietly() as conn:
                instance = load(conn)
                if isinstance(outcome, SamlSignIn):
                    if old_id is not None:
                        portal_sessions.end(conn, portal_sessions.key_of(old_id))
                    portal_sessions.start(conn, outcome.instance, cookie_id, outcome.user_id, "active", now)
                signin.record(
                    conn,
                    account=instance.identity_store_id if instance is not None else "",
                    user_name=outcome.user_name.lower() if isinstance(outcome, SamlSignIn) else "(saml)",
                    account_id=None,
                    source_ip=source_ip,
                    outcome="saml-success" if isinstance(outcome, SamlSignIn) else "saml-failure",
                    now=now,
                )
            return outcome

        outcome = await anyio.to_thread.run_sync(start)
        if isinstance(outcome, AwsError):
            text = f"{outcome.code}: {outcome.message}" + (f" ({outcome.detail})" if outcome.detail else "")
            return self.portal.message(TITLE, text, 403)
        response = RedirectResponse(next_page, status_code=303)
        self.portal.set_cookie(response, request, cookie_id)
        return response
