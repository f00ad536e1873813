"""A role's **Manage tags** (TagRole for new or changed tags, UntagRole for removed ones) and its
permissions boundary (**Set permissions boundary**: PutRolePermissionsBoundary; **Remove
boundary**: DeleteRolePermissionsBoundary).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console import pickers, tag_forms
from credo.console.holder_policies import DetailPage
from credo.console.pages import ConsolePages
from credo.console.policy_forms import POLICY_COLUMNS, policy_options
from credo.console.roles_reading import read_role
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form, read_form_pairs
from credo.errors import AwsError

BASE = "/console/roles"


class RoleTagsPages:
    def __init__(self, pages: ConsolePages, detail: DetailPage) -> None:
        self.pages = pages
        self.detail = detail

    def routes(self) -> list[Route]:
        guard = self.pages.signed_in
        return [
            Route(f"{BASE}/{{name}}/tags", guard(self.tags_form), methods=["GET"]),
            Route(f"{BASE}/{{name}}/tags", guard(self.save_tags), methods=["POST"]),
            Route(f"{BASE}/{{name}}/boundary", guard(self.boundary_form), methods=["GET"]),
            Route(f"{BASE}/{{name}}/boundary", guard(self.set_boundary), methods=["POST"]),
            Route(f"{BASE}/{{name}}/boundary/delete", guard(self.remove_boundary), methods=["POST"]),
        ]

    def _back(self, name: str, tab: str) -> str:
        return f"{BASE}/{quote(name, safe='')}?tab={tab}"

    def _tags_page(
        self,
        session: ConsoleSession,
        name: str,
        tags: Sequence[dict[str, str]],
        error: AwsError | None = None,
    ) -> Response:
        return self.pages.page(
            "role_tags.html",
            session,
            status=error.status if error is not None else 200,
            title=f"Manage tags of {name}",
            action=f"{BASE}/{quote(name, safe='')}/tags",
            cancel=self._back(name, "tags"),
            tags=tag_forms.editor_rows(tags),
            error=error,
        )

    async def tags_form(self, request: Request, session: ConsoleSession) -> Response:
        name = request.path_params["name"]
        try:
            role = await anyio.to_thread.run_sync(read_role, self.pages.caller(request, session), name)
        except AwsError as error:
            return await self.detail(request, session, name, [], error.status)
        return self._tags_page(session, name, role.tags)

    async def save_tags(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        if not csrf_ok(session, dict(pairs)):
            return forbidden(self.pages.console)
        name = request.path_params["name"]
        wanted = tag_forms.tags_from_form(pairs)
        if dict(pairs).get("step") == "add-tag":
            return self._tags_page(session, name, wanted)
        caller = self.pages.caller(request, session)

        def save() -> None:
            to_set, to_remove = tag_forms.tag_changes(read_role(caller, name).tags, wanted)
            if to_remove:
                caller.call("UntagRole", RoleName=name, TagKeys=to_remove)
            if to_set:
                caller.call("TagRole", RoleName=name, Tags=to_set)

        try:
            await anyio.to_thread.run_sync(save)
        except AwsError as error:
            return self._tags_page(session, name, wanted, error)
        return RedirectResponse(self._back(name, "tags"), status_code=303)

    async def _boundary_page(
        self,
        request: Request,
        session: ConsoleSession,
        pairs: Sequence[tuple[str, str]],
        errors: list[str] | None = None,
        status: int = 200,
    ) -> Response:
        name = request.path_params["name"]
        caller = self.pages.caller(request, session)

        def gather() -> pickers.Picker:
            options, denied = policy_options(caller)
            return pickers.pick(
                "boundary", "Policy name", POLICY_COLUMNS, options, pairs, single=True, denied=denied
            )

        choices = await anyio.to_thread.run_sync(gather)
        return self.pages.page(
            "role_boundary.html",
            session,
            status=status,
            title=f"Set permissions boundary for {name}",
            action=f"{BASE}/{quote(name, safe='')}/boundary",
            cancel=self._back(name, "permissions"),
            choices=choices,
            errors=errors or [],
        )

    async def boundary_form(self, request: Request, session: ConsoleSession) -> Response:
        return await self._boundary_page(request, session, [])

    async def set_boundary(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        if not csrf_ok(session, dict(pairs)):
            return forbidden(self.pages.console)
        chosen = pickers.chosen_values(pairs, "boundary", single=True)
        if dict(pairs).get("step") != "set" or not chosen:
            return await self._boundary_page(request, session, pairs)
        name = request.path_params["name"]
        caller = self.pages.caller(request, session)
        error = await self.pages.attempt(
            caller, "PutRolePermissionsBoundary", RoleName=name, PermissionsBoundary=chosen[0]
        )
        if error is not None:
            return await self._boundary_page(request, session, pairs, [error.message], error.status)
        return RedirectResponse(self._back(name, "permissions"), status_code=303)

    async def remove_boundary(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.pages.console)
        name = request.path_params["name"]
        caller = self.pages.caller(request, session)
        error = await self.pages.attempt(caller, "DeleteRolePermissionsBoundary", RoleName=name)
        if error is not None:
            return await self.detail(request, session, name, [error.message], error.status)
        return RedirectResponse(self._back(name, "permissions"), status_code=303)
