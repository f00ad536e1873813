"""A user's Groups and Tags tab actions: add to and remove from groups, manage tags.

**Add user to groups** (ListGroups → AddUserToGroup for each chosen group), **Remove**
(RemoveUserFromGroup), **Manage tags** (TagUser for new and changed rows, then UntagUser for
removed ones, so an invalid or refused change leaves every tag as it was) — as the signed-in
principal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console import pickers, tag_forms
from credo.console.overview import Caller
from credo.console.sessions import ConsoleSession
from credo.console.users_paths import LIST, tab_path, user_path
from credo.console.web import csrf_ok, forbidden, read_form, read_form_pairs
from credo.errors import AwsError

if TYPE_CHECKING:
    from credo.console.users import UsersPages

_USER = LIST + "/{name}"


def group_options(caller: Caller, name: str) -> tuple[list[pickers.Option], str | None]:
    """The groups the user is not in yet (ListGroupsForUser, ListGroups); or AWS's refusal."""
    try:
        member_of = {
            group["GroupName"] for group in caller.call_all("ListGroupsForUser", "Groups", UserName=name)
        }
        groups = caller.call_all("ListGroups", "Groups")
    except AwsError as error:
        return [], error.message
    return [
        pickers.Option(group["GroupName"], group["GroupName"], (group["Path"],))
        for group in groups
        if group["GroupName"] not in member_of
    ], None


class MembershipPages:
    def __init__(self, users: UsersPages) -> None:
        self.users = users
        self.pages = users.pages
        self.console = users.console

    def routes(self) -> list[Route]:
        guard = self.pages.signed_in
        return [
            Route(_USER + "/groups/add", guard(self.groups_form), methods=["GET"]),
            Route(_USER + "/groups/add", guard(self.add_to_groups), methods=["POST"]),
            Route(_USER + "/groups/remove", guard(self.remove_from_group), methods=["POST"]),
            Route(_USER + "/tags", guard(self.tags_form), methods=["GET"]),
            Route(_USER + "/tags", guard(self.save_tags), methods=["POST"]),
        ]

    async def _groups_page(
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
            options, denied = group_options(caller, name)
            return pickers.pick("group", "Group name", ("Path",), options, pairs, denied=denied)

        return self.pages.page(
            "user_add_groups.html",
            session,
            status=status,
            title=f"Add {name} to groups",
            action=user_path(name, "/groups/add"),
            cancel=tab_path(name, "groups"),
            choices=await anyio.to_thread.run_sync(gather),
            errors=errors or [],
        )

    async def groups_form(self, request: Request, session: ConsoleSession) -> Response:
        return await self._groups_page(request, session, [])

    async def add_to_groups(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        if not csrf_ok(session, dict(pairs)):
            return forbidden(self.console)
        if dict(pairs).get("step") != "add":
            return await self._groups_page(request, session, pairs)
        name = request.path_params["name"]
        caller = self.pages.caller(request, session)
        for group in pickers.chosen_values(pairs, "group"):
            error = await self.pages.attempt(caller, "AddUserToGroup", UserName=name, GroupName=group)
            if error is not None:
                return await self._groups_page(request, session, pairs, [error.message], error.status)
        return RedirectResponse(tab_path(name, "groups"), status_code=303)

    async def remove_from_group(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        name = request.path_params["name"]
        caller = self.pages.caller(request, session)
        error = await self.pages.attempt(
            caller, "RemoveUserFromGroup", UserName=name, GroupName=form.get("group", "")
        )
        if error is not None:
            return await self.users.detail_page(request, session, "groups", [error.message], error.status)
        return RedirectResponse(tab_path(name, "groups"), status_code=303)

    def _tags_page(
        self,
        request: Request,
        session: ConsoleSession,
        tags: list[tag_forms.Tag],
        error: AwsError | None = None,
    ) -> Response:
        name = request.path_params["name"]
        return self.pages.page(
            "user_tags.html",
            session,
            status=error.status if error is not None else 200,
            title=f"Manage tags for {name}",
            action=user_path(name, "/tags"),
            cancel=tab_path(name, "tags"),
            rows=tag_forms.editor_rows(tags),
            error=error,
        )

    async def tags_form(self, request: Request, session: ConsoleSession) -> Response:
        caller = self.pages.caller(request, session)
        try:
            found = await self.pages.call(caller, "ListUserTags", UserName=request.path_params["name"])
        except AwsError as error:
            return self._tags_page(request, session, [], error)
        return self._tags_page(request, session, list(found["Tags"]))

    async def save_tags(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        form = dict(pairs)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        tags = tag_forms.tags_from_form(pairs)
        if form.get("step") != "save":
            return self._tags_page(request, session, tags)
        name = request.path_params["name"]
        caller = self.pages.caller(request, session)
        try:
            existing = (await self.pages.call(caller, "ListUserTags", UserName=name))["Tags"]
            to_set, to_remove = tag_forms.tag_changes(existing, tags)
            if to_set:
                await self.pages.call(caller, "TagUser", UserName=name, Tags=to_set)
            if to_remove:
                await self.pages.call(caller, "UntagUser", UserName=name, TagKeys=to_remove)
        except AwsError as error:
            return self._tags_page(request, session, tags, error)
        return RedirectResponse(tab_path(name, "tags"), status_code=303)
