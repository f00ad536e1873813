"""Account settings → Account email, for the root user only.

The root user signs in with this address (``credo init --email``). No IAM API reads or changes
it — AWS changes it in its console after asking for the current password, and so does this
page: the password is checked (argon2, in a worker thread) and the address changed by
``credo.iam.accounts.change_root_email``. An IAM user or a role session gets 403 and changes
nothing, whatever its policies say: this is the root user's own setting, as at AWS.
"""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo.call import Services
from credo.console.pages import ConsolePages
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form
from credo.iam.accounts import RootEmailRefused, change_root_email, root_login
from credo.passwords import verify_password

PATH = "/console/account-settings/email"
TITLE = "Update account email"
WRONG_PASSWORD = "The password you entered is incorrect."
ROOT_ONLY = "Only the root user can change the account email address. Sign in as the root user."


def acts_as_root(session: ConsoleSession) -> bool:
    """Whether the console acts as the root user now (not as a role it switched to, nor federated)."""
    return session.principal().kind == "root"


async def root_email(services: Services, account_id: str) -> str | None:
    def read() -> str | None:
        with services.store.read() as conn:
            return root_login(conn, account_id).email

    return await anyio.to_thread.run_sync(read)


def change_email(services: Services, account_id: str, email: str, password: str) -> str | None:
    """Check the current root password, then change the address; the refusal's message, or ``None``."""
    with services.store.read() as conn:
        stored = root_login(conn, account_id).password_hash
    if stored is None or not verify_password(stored, password):
        return WRONG_PASSWORD
    try:
        # Who may sign in as root changes, but no authorization does: no cache flush needed.
        with services.store.write_quietly() as conn:
            change_root_email(conn, account_id, email)
    except RootEmailRefused as refused:
        return str(refused)
    return None


class AccountEmailPages:
    """``GET/POST /console/account-settings/email``."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[BaseRoute]:
        guard = self.pages.signed_in
        return [
            Route(PATH, guard(self.form), methods=["GET"]),
            Route(PATH, guard(self.change), methods=["POST"]),
        ]

    def _page(
        self,
        session: ConsoleSession,
        email: str,
        current: str | None,
        *,
        status: int = 200,
        error: str | None = None,
    ) -> Response:
        """The form (the refusal beside it), or for anyone but root the refusal alone."""
        return self.pages.page(
            "account_settings_email.html",
            session,
            status=status,
            title=TITLE,
            email=email,
            current=current,
            error=error,
            allowed=acts_as_root(session),
        )

    async def form(self, _request: Request, session: ConsoleSession) -> Response:
        if not acts_as_root(session):
            return self._page(session, "", None, status=403, error=ROOT_ONLY)
        current = await root_email(self.console.services, session.account_id)
        return self._page(session, "", current)

    async def change(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        if not acts_as_root(session):
            return self._page(session, "", None, status=403, error=ROOT_ONLY)
        email = form.get("email", "")
        services = self.console.services
        error = await anyio.to_thread.run_sync(
            change_email, services, session.account_id, email, form.get("password", "")
        )
        if error is not None:
            current = await root_email(services, session.account_id)
            return self._page(session, email, current, status=400, error=error)
        return RedirectResponse("/console/account-settings", status_code=303)
