"""A role's **Edit** (description and maximum session duration: UpdateRole) and **Edit trust policy**
(UpdateAssumeRolePolicy), each a form that shows AWS's refusal beside the field with the text kept.
"""

from __future__ import annotations

from urllib.parse import quote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console.holder_policies import DetailPage
from credo.console.pages import ConsolePages
from credo.console.roles_reading import Role, read_role
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form
from credo.errors import AwsError

BASE = "/console/roles"
SESSION_HOURS = tuple(range(1, 13))


class RoleSettingsPages:
    def __init__(self, pages: ConsolePages, detail: DetailPage) -> None:
        self.pages = pages
        self.detail = detail

    def routes(self) -> list[Route]:
        guard = self.pages.signed_in
        return [
            Route(f"{BASE}/{{name}}/edit", guard(self.edit_form), methods=["GET"]),
            Route(f"{BASE}/{{name}}/edit", guard(self.edit), methods=["POST"]),
            Route(f"{BASE}/{{name}}/trust", guard(self.trust_form), methods=["GET"]),
            Route(f"{BASE}/{{name}}/trust", guard(self.update_trust), methods=["POST"]),
        ]

    async def _current(self, request: Request, session: ConsoleSession) -> Role | None:
        """The role, or ``None`` when GetRole fails (the detail page then shows why)."""
        caller = self.pages.caller(request, session)
        try:
            return await anyio.to_thread.run_sync(read_role, caller, request.path_params["name"])
        except AwsError:
            return None

    def _back(self, name: str, tab: str) -> str:
        return f"{BASE}/{quote(name, safe='')}?tab={tab}"

    def _edit_page(
        self,
        session: ConsoleSession,
        name: str,
        description: str,
        max_session: str,
        error: AwsError | None = None,
    ) -> Response:
        return self.pages.page(
            "role_edit.html",
            session,
            status=error.status if error is not None else 200,
            title=f"Edit {name}",
            action=f"{BASE}/{quote(name, safe='')}/edit",
            cancel=self._back(name, "permissions"),
            description=description,
            max_session=max_session,
            hours=SESSION_HOURS,
            error=error,
        )

    async def edit_form(self, request: Request, session: ConsoleSession) -> Response:
        role = await self._current(request, session)
        name = request.path_params["name"]
        if role is None:
            return await self.detail(request, session, name, [], 200)
        return self._edit_page(session, name, role.description, str(role.max_session))

    async def edit(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.pages.console)
        name = request.path_params["name"]
        description, max_session = form.get("description", ""), form.get("max_session", "")
        caller = self.pages.caller(request, session)
        error = await self.pages.attempt(
            caller,
            "UpdateRole",
            RoleName=name,
            Description=description,
            MaxSessionDuration=int(max_session) if max_session.isdigit() else max_session,
        )
        if error is not None:
            return self._edit_page(session, name, description, max_session, error)
        return RedirectResponse(self._back(name, "permissions"), status_code=303)

    def _trust_page(
        self, session: ConsoleSession, name: str, document: str, error: AwsError | None = None
    ) -> Response:
        return self.pages.page(
            "role_trust_edit.html",
            session,
            status=error.status if error is not None else 200,
            title=f"Edit trust policy of {name}",
            action=f"{BASE}/{quote(name, safe='')}/trust",
            cancel=self._back(name, "trust"),
            document=document,
            error=error,
        )

    async def trust_form(self, request: Request, session: ConsoleSession) -> Response:
        role = await self._current(request, session)
        name = request.path_params["name"]
        if role is None:
            return await self.detail(request, session, name, [], 200)
        return self._trust_page(session, name, role.trust)

    async def update_trust(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.pages.console)
        name, document = request.path_params["name"], form.get("policy_document", "")
        caller = self.pages.caller(request, session)
        error = await self.pages.attempt(
            caller, "UpdateAssumeRolePolicy", RoleName=name, PolicyDocument=document
        )
        if error is not None:
            return self._trust_page(session, name, document, error)
        return RedirectResponse(self._back(name, "trust"), status_code=303)
