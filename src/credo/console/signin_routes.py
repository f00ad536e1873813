"""The sign-in pages: IAM user or root, then an MFA code or a new password when due; sign-out."""

from __future__ import annotations

import anyio.to_thread
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.call import Services
from credo.console import return_to, sessions, signin, signin_events
from credo.console.cookies import SESSION_COOKIE, SIGNIN_COOKIE, new_id
from credo.console.overview import Caller
from credo.console.own_password import change_password
from credo.console.signed_out_forms import SignedOutForms
from credo.console.web import Console, csrf_ok, forbidden, is_secure, read_form, to_signin
from credo.iam import totp

# AWS's console says the same whether the account, the user or the password was wrong.
INCORRECT = "Your authentication information is incorrect. Please try again."
THROTTLED = "Too many failed sign-in attempts. Wait a few minutes, then try again."
EXPIRED = "Your password has expired. Ask your administrator to reset it."
MISMATCH = "The new password and the retyped password do not match."

_NEXT_PAGE: dict[sessions.Stage, str] = {
    "mfa": "/signin/mfa",
    "password": "/signin/password",
    "active": "/console/home",
}


class SignInPages:
    """Routes under ``/signin`` and ``/signout``."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.forms = SignedOutForms(console, cookie=SIGNIN_COOKIE, path="/signin", purpose="signin-form")

    def routes(self) -> list[Route]:
        return [
            Route("/signin", self.user_form, methods=["GET"]),
            Route("/signin", self.user_submit, methods=["POST"]),
            Route("/signin/root", self.root_form, methods=["GET"]),
            Route("/signin/root", self.root_submit, methods=["POST"]),
            Route("/signin/mfa", self.mfa_form, methods=["GET"]),
            Route("/signin/mfa", self.mfa_submit, methods=["POST"]),
            Route("/signin/password", self.password_form, methods=["GET"]),
            Route("/signin/password", self.password_submit, methods=["POST"]),
            Route("/signout", self.sign_out, methods=["POST"]),
        ]

    # --- the password forms, before any session exists ---

    async def user_form(self, request: Request) -> Response:
        session = await self.console.session_of(request)
        if session is not None and session.stage == "active":
            return RedirectResponse("/console/home", status_code=303)
        account = request.query_params.get("account", "")[:256]
        return self.forms.render(request, "signin.html", title="Sign in", account=account, error=None)

    async def user_submit(self, request: Request) -> Response:
        form = await read_form(request)
        if not self.forms.token_ok(request, form):
            return forbidden(self.console)
        account, user_name = form.get("account", ""), form.get("username", "")
        result = await anyio.to_thread.run_sync(
            signin.check_user,
            self.console.services,
            account,
            user_name,
            form.get("password", ""),
            self._client(request),
        )
        if result.outcome is not signin.Outcome.SIGNED_IN:
            return self.forms.render(
                request, "signin.html", status=401, title="Sign in", account=account, error=_message(result)
            )
        return await self._start(request, result)

    async def root_form(self, request: Request) -> Response:
        return self.forms.render(
            request, "signin_root.html", title="Sign in as root user", email="", error=None
        )

    async def root_submit(self, request: Request) -> Response:
        form = await read_form(request)
        if not self.forms.token_ok(request, form):
            return forbidden(self.console)
        email = form.get("email", "")
        result = await anyio.to_thread.run_sync(
            signin.check_root,
            self.console.services,
            email,
            form.get("password", ""),
            self._client(request),
        )
        if result.outcome is not signin.Outcome.SIGNED_IN:
            return self.forms.render(
                request,
                "signin_root.html",
                status=401,
                title="Sign in as root user",
                email=email,
                error=_message(result),
            )
        return await self._start(request, result)

    def _client(self, request: Request) -> signin_events.SignInClient:
        """The browser, as the audit trail's ConsoleLogin event names it."""
        return signin_events.SignInClient(
            self.console.source_ip(request),
            request.headers.get("user-agent", ""),
            f"{request.url.scheme}://{request.url.netloc}{return_to.HOME}",
        )

    async def _start(self, request: Request, result: signin.SignIn) -> Response:
        """A new session (a new random id: nothing from before sign-in carries over)."""
        assert result.account_id is not None
        services = self.console.services
        old_id = self.console.signer.unsign(request.cookies.get(SESSION_COOKIE))
        cookie_id = new_id()

        def start() -> None:
            with services.store.write_quietly() as conn:
                if old_id is not None:
                    sessions.end(conn, sessions.row_key(old_id))
                sessions.start(
                    conn,
                    cookie_id,
                    account_id=result.account_id or "",
                    user_id=result.user_id,
                    stage=result.stage,
                    stamp=result.stamp,
                    now=services.clock.now(),
                )

        await anyio.to_thread.run_sync(start)
        response = (
            return_to.into_console(request)
            if result.stage == "active"
            else RedirectResponse(_NEXT_PAGE[result.stage], status_code=303)
        )
        self.console.set_session_cookie(response, request, cookie_id)
        return response

    # --- the steps after the password ---

    async def _pending(self, request: Request, stage: sessions.Stage) -> sessions.ConsoleSession | Response:
        session = await self.console.session_of(request)
        if session is None:
            return to_signin()
        if session.stage != stage:
            return RedirectResponse(_NEXT_PAGE[session.stage], status_code=303)
        return session

    async def mfa_form(self, request: Request) -> Response:
        session = await self._pending(request, "mfa")
        if isinstance(session, Response):
            return session
        return self.console.render(
            "signin_mfa.html", title="Multi-factor authentication", session=session, error=None
        )

    async def mfa_submit(self, request: Request) -> Response:
        session = await self._pending(request, "mfa")
        if isinstance(session, Response):
            return session
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        services = self.console.services
        code = form.get("code", "").strip()
        client = self._client(request)
        source_ip = client.source_ip

        def check() -> totp.Verdict | sessions.Stage:
            now = services.clock.now()
            with services.store.write_quietly() as conn:
                verdict = signin.check_mfa(conn, services, session, code)
                outcome = {"accepted": "mfa-success", "invalid": "mfa-failure", "locked": "mfa-throttled"}
                signin.record(
                    conn,
                    account=session.account_id,
                    user_name=(session.user_name or signin.ROOT).lower(),
                    account_id=session.account_id,
                    source_ip=source_ip,
                    outcome=outcome[verdict.value],
                    now=now,
                )
                _record_mfa_sign_in(conn, services, client, session, verdict is totp.Verdict.ACCEPTED)
                if verdict is not totp.Verdict.ACCEPTED:
                    return verdict
                stage: sessions.Stage = "active"
                if session.user_id is not None and signin.needs_new_password(
                    conn, session.account_id, session.user_id, now
                ):
                    stage = "password"
                sessions.advance(conn, session, stage, mfa_at=now)
                if stage == "active":
                    signin.note_password_used(conn, session.account_id, session.user_id, now)
                return stage

        answer = await anyio.to_thread.run_sync(check)
        if isinstance(answer, totp.Verdict):
            error = THROTTLED if answer is totp.Verdict.LOCKED else INCORRECT
            return self.console.render(
                "signin_mfa.html",
                status=401,
                title="Multi-factor authentication",
                session=session,
                error=error,
            )
        if answer == "active":
            return return_to.into_console(request)
        return RedirectResponse(_NEXT_PAGE[answer], status_code=303)

    async def password_form(self, request: Request) -> Response:
        session = await self._pending(request, "password")
        if isinstance(session, Response):
            return session
        return self.console.render(
            "change_password.html", title="Change password", session=session, error=None
        )

    async def password_submit(self, request: Request) -> Response:
        """ChangePassword as the user, through the authorizer, with the account's password policy."""
        session = await self._pending(request, "password")
        if isinstance(session, Response):
            return session
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        new = form.get("new_password", "")
        if new != form.get("confirm_password", ""):
            return self.console.render(
                "change_password.html", status=400, title="Change password", session=session, error=MISMATCH
            )
        caller = Caller(self.console.services, session, self.console.source_ip(request), is_secure(request))
        # This session goes on under the new password; others end at their next request.
        refused = await anyio.to_thread.run_sync(
            lambda: change_password(caller, form.get("old_password", ""), new, completes_sign_in=True)
        )
        error = refused.message if refused is not None else None
        if error is not None:
            return self.console.render(
                "change_password.html", status=400, title="Change password", session=session, error=error
            )
        return return_to.into_console(request)

    async def sign_out(self, request: Request) -> Response:
        session = await self.console.session_of(request)
        if session is not None:
            form = await read_form(request)
            if not csrf_ok(session, form):
                return forbidden(self.console)
            services = self.console.services

            def end() -> None:
                with services.store.write_quietly() as conn:
                    sessions.end(conn, session.key)

            await anyio.to_thread.run_sync(end)
        response = to_signin()
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def _record_mfa_sign_in(
    conn: Connection,
    services: Services,
    client: signin_events.SignInClient,
    session: sessions.ConsoleSession,
    accepted: bool,
) -> None:
    """The ConsoleLogin event of a sign-in that asked for an MFA code (``MFAUsed: Yes``)."""
    if accepted:
        who, shown = signin_events.signed_in(session.base_principal())
    elif session.user_id is None:
        who, shown = signin_events.failed_root(session.account_id)
    else:
        who, shown = signin_events.failed_user(session.account_id, session.user_id, session.user_name)
    signin_events.record(
        conn,
        services,
        client,
        who=who,
        user_name=shown,
        account_id=session.account_id,
        succeeded=accepted,
        mfa_used=True,
    )


def _message(result: signin.SignIn) -> str:
    if result.outcome is signin.Outcome.THROTTLED:
        return THROTTLED
    if result.outcome is signin.Outcome.EXPIRED:
        return EXPIRED
    return INCORRECT
