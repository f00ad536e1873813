"""Switch role: the console acts as a role session made by STS AssumeRole, until switched back.

The form (and AWS's URL form ``/switchrole?account=…&roleName=…&displayName=…&color=…``, which
only prefills it) names an account by id or alias and a role by name (with its path). **Switch
Role** calls AssumeRole as whoever signed in — never as a role switched to before — with the
user's name as the session name, as AWS's console does, so the role's trust policy decides,
MFA conditions included (a session signed in with MFA passes its proof on). The role session's
token is sealed in the console session's row; every page then acts as that role session
(``credo.console.sessions``), for an hour (AssumeRole's default, as in AWS's console) or until
the API would refuse its credentials.
"""

from __future__ import annotations

import dataclasses
import re

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo import arn
from credo.console import sessions, signin
from credo.console.pages import ConsolePages
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form
from credo.errors import AwsError

PATH = "/console/switchrole"
TITLE = "Switch Role"
# AWS's console says this when the account or role it was given is no good.
INVALID = "Invalid information in one or more fields. Check your information or contact your administrator."
# AWS's choices of colour for the role's label, by name; the URL form may give the hex value.
COLORS = {"red": "F2B0A9", "orange": "FBBF93", "yellow": "FAD791", "green": "B7CA9D", "blue": "99BCE3"}
_ROLE = re.compile(r"[\w+=,.@-]+(/[\w+=,.@-]+)*")
_MAX_ROLE_PATH = 512 + 64
_MAX_DISPLAY_NAME = 64


def color_named(text: str) -> str | None:
    """One of ``COLORS`` from its name or its hex value (``#`` optional, any case); else ``None``."""
    text = text.strip().lower()
    if text in COLORS:
        return text
    by_hex = {value.lower(): name for name, value in COLORS.items()}
    return by_hex.get(text.removeprefix("#"))


def session_name(principal_arn: str, user_name: str | None) -> str:
    """RoleSessionName: the user's name, as AWS's console uses; a session's own name (or "root") otherwise."""
    if user_name is not None:
        return user_name
    return re.split("[/:]", principal_arn)[-1]


class SwitchRolePages:
    """``/console/switchrole`` (and AWS's ``/switchrole``, sent there), and switching back."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[BaseRoute]:
        guard = self.pages.signed_in
        return [
            Route("/switchrole", self.aws_url, methods=["GET"]),
            Route(PATH, guard(self.form), methods=["GET"]),
            Route(PATH, guard(self.switch), methods=["POST"]),
            Route(f"{PATH}/back", guard(self.switch_back), methods=["POST"]),
        ]

    async def aws_url(self, request: Request) -> Response:
        """AWS's ``/switchrole?…`` URL: the console's form with the same query (remembered across sign-in)."""
        query = request.url.query
        return RedirectResponse(f"{PATH}?{query}" if query else PATH, status_code=303)

    def _form(
        self, session: ConsoleSession, values: dict[str, str], *, status: int = 200, error: str | None = None
    ) -> Response:
        return self.pages.page(
            "switch_role.html", session, status=status, title=TITLE, values=values, colors=COLORS, error=error
        )

    async def form(self, request: Request, session: ConsoleSession) -> Response:
        """The form, prefilled from AWS's URL form; nothing changes until **Switch Role**."""
        query = request.query_params
        values = {
            "account": query.get("account", "")[:256],
            "role": query.get("roleName", "")[:_MAX_ROLE_PATH],
            "display_name": query.get("displayName", "")[:_MAX_DISPLAY_NAME],
            "color": color_named(query.get("color", "")) or "",
        }
        return self._form(session, values)

    async def switch(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        values = {
            "account": form.get("account", "").strip()[:256],
            "role": form.get("role", "").strip().strip("/")[:_MAX_ROLE_PATH],
            "display_name": form.get("display_name", "").strip()[:_MAX_DISPLAY_NAME],
            "color": color_named(form.get("color", "")) or "",
        }
        services = self.console.services

        def account_of() -> str | None:
            with services.store.read() as conn:
                return signin.resolve_account(conn, values["account"])

        account_id = await anyio.to_thread.run_sync(account_of) if values["account"] else None
        if account_id is None or not _ROLE.fullmatch(values["role"]):
            return self._form(session, values, status=400, error=INVALID)
        role_arn = f"arn:{arn.PARTITION}:iam::{account_id}:role/{values['role']}"
        # As who signed in: switching again from a role starts from the signed-in identity, as AWS's console.
        base = session.base_principal()
        caller = self.pages.caller(request, dataclasses.replace(session, role=None, switched=None))
        try:
            made = await self.pages.call(
                caller,
                "AssumeRole",
                service="sts",
                RoleArn=role_arn,
                RoleSessionName=session_name(base.arn, base.user_name),
            )
        except AwsError as error:
            return self._form(session, values, status=error.status, error=error.message)
        role_name = values["role"].rsplit("/", 1)[-1]
        display_name = values["display_name"] or f"{role_name} @ {values['account']}"[:_MAX_DISPLAY_NAME]
        token = made["Credentials"]["SessionToken"]

        def remember() -> None:
            with services.store.write_quietly() as conn:
                sessions.switch_to(
                    conn, services.keyring, session, token, display_name, values["color"] or None
                )

        await anyio.to_thread.run_sync(remember)
        return RedirectResponse("/console/home", status_code=303)

    async def switch_back(self, request: Request, session: ConsoleSession) -> Response:
        """**Switch back**: act as who signed in again."""
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        services = self.console.services

        def forget() -> None:
            with services.store.write_quietly() as conn:
                sessions.switch_back(conn, session)

        await anyio.to_thread.run_sync(forget)
        return RedirectResponse("/console/home", status_code=303)
