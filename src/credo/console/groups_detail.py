"""A user group's page: Summary (name, ARN, creation time), **Users** and **Permissions** tabs.

Members come from GetGroup; **Remove** is RemoveUserFromGroup and **Add users** AddUserToGroup for
each user chosen. The Permissions tab's actions are ``holder_policies``' (the group has no tags:
IAM groups cannot be tagged).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console import listing, pickers
from credo.console.groups_create import user_options
from credo.console.overview import Caller
from credo.console.pages import ConsolePages
from credo.console.policy_forms import Permissions, read_permissions
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form, read_form_pairs
from credo.errors import AwsError
from credo.iam.password_policy import as_utc

BASE = "/console/groups"
TABS = ("users", "permissions")


@dataclass(frozen=True)
class Group:
    name: str
    arn: str
    created: datetime
    users: list[dict[str, Any]]


def read_group(caller: Caller, name: str) -> Group:
    """The group and all its members; raises NoSuchEntity (or the refusal) from GetGroup."""
    first = caller.call("GetGroup", GroupName=name)
    users = (
        caller.call_all("GetGroup", "Users", GroupName=name) if first.get("IsTruncated") else first["Users"]
    )
    group = first["Group"]
    return Group(group["GroupName"], group["Arn"], as_utc(group["CreateDate"]), list(users))


def detail_path(name: str) -> str:
    return f"{BASE}/{quote(name, safe='')}"


class GroupDetailPages:
    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[Route]:
        guard = self.pages.signed_in
        return [
            Route(f"{BASE}/{{name}}", guard(self.detail), methods=["GET"]),
            Route(f"{BASE}/{{name}}/users/remove", guard(self.remove_user), methods=["POST"]),
            Route(f"{BASE}/{{name}}/users/add", guard(self.add_users_form), methods=["GET"]),
            Route(f"{BASE}/{{name}}/users/add", guard(self.add_users), methods=["POST"]),
        ]

    async def detail(self, request: Request, session: ConsoleSession) -> Response:
        return await self.show(request, session, request.path_params["name"], [], 200)

    async def show(
        self, request: Request, session: ConsoleSession, name: str, errors: list[str], status: int
    ) -> Response:
        """The page, with ``errors`` (an action's failures) at the top; the tab the action belongs to."""
        tab = request.query_params.get("tab") or (
            "permissions" if "/policies" in request.url.path else "users"
        )
        tab = tab if tab in TABS else "users"
        caller = self.pages.caller(request, session)

        def gather() -> tuple[Group, Permissions | None]:
            group = read_group(caller, name)
            return group, read_permissions(caller, "Group", group.name) if tab == "permissions" else None

        try:
            group, permissions = await anyio.to_thread.run_sync(gather)
        except AwsError as error:
            return self.pages.page(
                "entity_missing.html",
                session,
                status=error.status,
                title=name,
                errors=[*errors, error.message],
                back=BASE,
                back_label="User groups",
            )
        params = request.query_params
        members = listing.page_of(
            group.users,
            lambda user: str(user["UserName"]),
            params.get("q", ""),
            params.get("page", "1"),
            detail_path(group.name),
        )
        return self.pages.page(
            "group_detail.html",
            session,
            status=status,
            title=group.name,
            group=group,
            base=detail_path(group.name),
            tab=tab,
            members=members,
            permissions=permissions,
            errors=errors,
        )

    async def remove_user(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        name = request.path_params["name"]
        caller = self.pages.caller(request, session)
        error = await self.pages.attempt(
            caller, "RemoveUserFromGroup", GroupName=name, UserName=form.get("user", "")
        )
        if error is not None:
            return await self.show(request, session, name, [error.message], error.status)
        return RedirectResponse(detail_path(name), status_code=303)

    async def _add_page(
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
            options, denied = user_options(caller)
            try:
                members = {user["UserName"] for user in read_group(caller, name).users}
            except AwsError as error:
                members, denied = set(), denied or error.message
            options = [option for option in options if option.value not in members]
            return pickers.pick("user", "User name", ("Created",), options, pairs, denied=denied)

        picker = await anyio.to_thread.run_sync(gather)
        return self.pages.page(
            "group_add_users.html",
            session,
            status=status,
            title=f"Add users to {name}",
            action=f"{detail_path(name)}/users/add",
            cancel=detail_path(name),
            choices=picker,
            errors=errors or [],
        )

    async def add_users_form(self, request: Request, session: ConsoleSession) -> Response:
        return await self._add_page(request, session, [])

    async def add_users(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        if not csrf_ok(session, dict(pairs)):
            return forbidden(self.console)
        if dict(pairs).get("step") != "add":
            return await self._add_page(request, session, pairs)
        name = request.path_params["name"]
        caller = self.pages.caller(request, session)
        failures: list[AwsError] = []
        for user in pickers.chosen_values(pairs, "user"):
            error = await self.pages.attempt(caller, "AddUserToGroup", GroupName=name, UserName=user)
            failures += [error] if error is not None else []
        if failures:
            messages = [error.message for error in failures]
            return await self._add_page(request, session, pairs, messages, failures[0].status)
        return RedirectResponse(detail_path(name), status_code=303)
