"""My security credentials → **Update console password**: ChangePassword as the signed-in IAM user.

The session that changed the password goes on under the new one (its credential stamp moves
with it); every other console session of that user ends at its next request. The root user's
password has no IAM API (AWS changes it through the root sign-in's own pages); credo sets it
only at ``credo init --prompt-password``, and the page says so instead of offering a form.
"""

from __future__ import annotations

import anyio.to_thread
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo.console import sessions, signin
from credo.console.mfa_devices import SELF_PATH
from credo.console.overview import Caller
from credo.console.pages import ConsolePages
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form
from credo.errors import AwsError, PasswordPolicyViolation
from credo.store.schema import login_profiles

PATH = f"{SELF_PATH}/password"
TITLE = "Update console password"
MISMATCH = "The new password and the confirmation do not match."
ROOT_PASSWORD = (
    "The root user's password is not an IAM password: no IAM API changes it. credo sets it when "
    "the store is created (credo init --email … --prompt-password) and has no way yet to change it "
    "from the console."
)


def change_password(
    caller: Caller, old: str, new: str, *, completes_sign_in: bool = False
) -> AwsError | None:
    """ChangePassword as the caller; on success this session is re-stamped so it stays signed in.

    ``completes_sign_in``: the new password a sign-in demanded, which ends that sign-in (so the
    user's PasswordLastUsed is set). Blocking (argon2, the store): run it in a worker thread.
    """
    try:
        caller.call("ChangePassword", OldPassword=old, NewPassword=new)
    except AwsError as error:
        return error
    services, session = caller.services, caller.session
    with services.store.write_quietly() as conn:
        stored = conn.execute(
            select(login_profiles.c.password_hash).where(login_profiles.c.user_id == session.user_id)
        ).scalar()
        sessions.advance(conn, session, "active", stamp=sessions.credential_stamp(stored))
        if completes_sign_in:
            signin.note_password_used(conn, session.account_id, session.user_id, services.clock.now())
    return None


class OwnPasswordPages:
    """``/console/security-credentials/password``."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[BaseRoute]:
        guard = self.pages.signed_in
        return [
            Route(PATH, guard(self.form), methods=["GET"]),
            Route(PATH, guard(self.submit), methods=["POST"]),
        ]

    def _page(
        self,
        session: ConsoleSession,
        *,
        status: int = 200,
        error: str | None = None,
        policy_error: str | None = None,
        mismatch: str | None = None,
    ) -> Response:
        return self.pages.page(
            "own_password.html",
            session,
            status=status,
            title=TITLE,
            root_note=ROOT_PASSWORD if session.is_root else None,
            error=error,
            policy_error=policy_error,
            mismatch=mismatch,
        )

    async def form(self, _request: Request, session: ConsoleSession) -> Response:
        return self._page(session)

    async def submit(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        if session.is_root:
            return self._page(session, status=400)
        new = form.get("new_password", "")
        if new != form.get("confirm_password", ""):
            return self._page(session, status=400, mismatch=MISMATCH)
        caller = self.pages.caller(request, session)
        old = form.get("current_password", "")
        error = await anyio.to_thread.run_sync(change_password, caller, old, new)
        if isinstance(error, PasswordPolicyViolation):
            return self._page(session, status=error.status, policy_error=error.message)
        if error is not None:
            return self._page(session, status=error.status, error=error.message)
        return RedirectResponse(SELF_PATH, status_code=303)
