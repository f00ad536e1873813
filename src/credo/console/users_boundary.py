"""A user's permissions boundary: set it from a managed policy, or remove it.

**Set boundary** picks one managed policy (ListPolicies) and calls PutUserPermissionsBoundary;
**Remove boundary** calls DeleteUserPermissionsBoundary — as the signed-in principal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console import pickers
from credo.console.policy_forms import POLICY_COLUMNS, policy_options
from credo.console.sessions import ConsoleSession
from credo.console.users_paths import LIST, tab_path, user_path
from credo.console.web import csrf_ok, forbidden, read_form, read_form_pairs

if TYPE_CHECKING:
    from credo.console.users import UsersPages

_BOUNDARY = LIST + "/{name}/boundary"


class BoundaryPages:
    def __init__(self, users: UsersPages) -> None:
        self.users = users
        self.pages = users.pages

    def routes(self) -> list[Route]:
        guard = self.pages.signed_in
        return [
            Route(_BOUNDARY, guard(self.choose), methods=["GET"]),
            Route(_BOUNDARY, guard(self.set_boundary), methods=["POST"]),
            Route(_BOUNDARY + "/delete", guard(self.delete_boundary), methods=["POST"]),
        ]

    async def _page(
        self,
        request: Request,
        session: ConsoleSession,
        pairs: list[tuple[str, str]],
        errors: list[str] | None = None,
        status: int = 200,
    ) -> Response:
        name = request.path_params["name"]
        caller = self.pages.caller(request, session)

        def gather() -> pickers.Picker:
            options, denied = policy_options(caller)
            return pickers.pick(
                "policy", "Policy name", POLICY_COLUMNS, options, pairs, single=True, denied=denied
            )

        return self.pages.page(
            "user_boundary.html",
            session,
            status=status,
            title=f"Set permissions boundary for {name}",
            action=user_path(name, "/boundary"),
            cancel=tab_path(name, "permissions"),
            choices=await anyio.to_thread.run_sync(gather),
            errors=errors or [],
        )

    async def choose(self, request: Request, session: ConsoleSession) -> Response:
        return await self._page(request, session, [])

    async def set_boundary(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        if not csrf_ok(session, dict(pairs)):
            return forbidden(self.pages.console)
        if dict(pairs).get("step") != "set":
            return await self._page(request, session, pairs)
        chosen = pickers.chosen_values(pairs, "policy", single=True)
        if not chosen:
            return await self._page(request, session, pairs, ["Choose a policy to set as the boundary."], 400)
        name = request.path_params["name"]
        error = await self.pages.attempt(
            self.pages.caller(request, session),
            "PutUserPermissionsBoundary",
            UserName=name,
            PermissionsBoundary=chosen[0],
        )
        if error is not None:
            return await self._page(request, session, pairs, [error.message], error.status)
        return RedirectResponse(tab_path(name, "permissions"), status_code=303)

    async def delete_boundary(self, request: Request, session: ConsoleSession) -> Response:
        if not csrf_ok(session, await read_form(request)):
            return forbidden(self.pages.console)
        name = request.path_params["name"]
        error = await self.pages.attempt(
            self.pages.caller(request, session), "DeleteUserPermissionsBoundary", UserName=name
        )
        if error is not None:
            return await self.users.detail_page(
                request, session, "permissions", [error.message], error.status
            )
        return RedirectResponse(tab_path(name, "permissions"), status_code=303)
