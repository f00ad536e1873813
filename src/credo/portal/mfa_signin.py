"""The portal sign-in's MFA step (``/start/mfa``): after the password, a user with a registered
device types the code it shows now.

The code is single use and wrong codes lock the device and the user for a while, as at the
console (``credo.iam.totp``); every attempt is a ``sign_in_attempts`` row (``mfa-success``,
``mfa-failure``, ``mfa-throttled``) under the identity store id, as the password step's are.
Only this page accepts a sign-in still waiting for its code.
"""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console import signin
from credo.console.signin_routes import INCORRECT, THROTTLED
from credo.console.web import forbidden, read_form
from credo.iam import totp
from credo.portal.web import START, Portal, csrf_ok, safe_next, to_start
from credo.sso import portal_mfa, portal_sessions
from credo.sso.instances import load
from credo.sso.portal_sessions import PortalSession

MFA_PATH = START + "/mfa"
TITLE = "Multi-factor authentication"
OUTCOMES = {"accepted": "mfa-success", "invalid": "mfa-failure", "locked": "mfa-throttled"}


class MfaSignInPages:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def routes(self) -> list[Route]:
        return [Route(MFA_PATH, self.show, methods=["GET"]), Route(MFA_PATH, self.submit, methods=["POST"])]

    def _form(self, session: PortalSession, next_page: str, error: str | None, status: int) -> Response:
        return self.portal.render(
            "portal_mfa_signin.html",
            status=status,
            title=TITLE,
            session=session,
            next_page=next_page,
            error=error,
        )

    async def show(self, request: Request) -> Response:
        session = await self.portal.session_of(request, "mfa")
        if session is None:
            return to_start()
        return self._form(session, safe_next(request.query_params.get("next")), None, 200)

    async def submit(self, request: Request) -> Response:
        session = await self.portal.session_of(request, "mfa")
        if session is None:
            return to_start()
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.portal.console)
        next_page = safe_next(form.get("next"))
        code = form.get("code", "").strip()[:16]
        services = self.portal.services
        source_ip = self.portal.source_ip(request)

        def check() -> totp.Verdict:
            now = services.clock.now()
            with services.store.write_quietly() as conn:
                verdict = portal_mfa.check_sign_in(
                    conn, services.keyring, session.user_id, code, services.clock.time()
                )
                instance = load(conn)
                signin.record(
                    conn,
                    account=instance.identity_store_id if instance is not None else "",
                    user_name=session.user_name.lower(),
                    account_id=None,
                    source_ip=source_ip,
                    outcome=OUTCOMES[verdict.value],
                    now=now,
                )
                if verdict is totp.Verdict.ACCEPTED:
                    portal_sessions.complete_mfa(conn, session, now)
            return verdict

        verdict = await anyio.to_thread.run_sync(check)
        if verdict is totp.Verdict.ACCEPTED:
            return RedirectResponse(next_page, status_code=303)
        error = THROTTLED if verdict is totp.Verdict.LOCKED else INCORRECT
        return self._form(session, next_page, error, 401)
