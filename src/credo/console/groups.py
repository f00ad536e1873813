"""User groups: the list (search, pages, **Delete** for the chosen groups) and the routes of the family.

Every figure is what AWS's console reads for it: ListGroups for the rows, then for the rows on
the shown page GetGroup (members), ListAttachedGroupPolicies and ListGroupPolicies. Deleting a
group does what the console does first: remove its users, detach its managed policies and
delete its inline ones, then DeleteGroup.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from credo.console import listing
from credo.console.bulk_delete import DeletePages
from credo.console.groups_create import GroupCreatePages
from credo.console.groups_detail import GroupDetailPages
from credo.console.holder_policies import HolderPolicyPages
from credo.console.overview import Caller
from credo.console.pages import ConsolePages
from credo.console.policy_forms import remove_all_policies
from credo.console.sessions import ConsoleSession
from credo.errors import AwsError
from credo.iam.password_policy import as_utc

BASE = "/console/groups"
TITLE = "User groups"


@dataclass(frozen=True)
class GroupRow:
    name: str
    created: datetime
    users: int | None = None
    permissions: str = "-"


def _permissions(attached: int, inline: int) -> str:
    """The **Permissions** column: "Defined" (with how many policies) or "Not defined"."""
    if not attached and not inline:
        return "Not defined"
    return f"Defined ({attached} attached, {inline} inline)"


def _detailed(caller: Caller, row: GroupRow, denied: list[str]) -> GroupRow:
    try:
        users = len(caller.call_all("GetGroup", "Users", GroupName=row.name))
        attached = len(caller.call_all("ListAttachedGroupPolicies", "AttachedPolicies", GroupName=row.name))
        inline = len(caller.call_all("ListGroupPolicies", "PolicyNames", GroupName=row.name))
    except AwsError as error:
        if error.message not in denied:
            denied.append(error.message)
        return row
    return GroupRow(row.name, row.created, users, _permissions(attached, inline))


def delete_group(caller: Caller, name: str) -> None:
    for user in caller.call_all("GetGroup", "Users", GroupName=name):
        caller.call("RemoveUserFromGroup", GroupName=name, UserName=user["UserName"])
    remove_all_policies(caller, "Group", name)
    caller.call("DeleteGroup", GroupName=name)


class GroupsPages:
    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console
        self.detail = GroupDetailPages(pages)

    def routes(self) -> list[BaseRoute]:
        guard = self.pages.signed_in
        removes = "Its users are removed from it, its managed policies detached and its inline policies deleted first."
        return [
            Route(BASE, guard(self.list_groups), methods=["GET"]),
            *GroupCreatePages(self.pages, self.detail.show).routes(),
            *DeletePages(self.pages, BASE, "user group", removes, delete_group, self.show_list).routes(),
            *HolderPolicyPages(self.pages, "Group", BASE, self.detail.show).routes(),
            *self.detail.routes(),
        ]

    async def list_groups(self, request: Request, session: ConsoleSession) -> Response:
        return await self.show_list(request, session, [], 200)

    async def show_list(
        self, request: Request, session: ConsoleSession, errors: list[str], status: int
    ) -> Response:
        """The list, with ``errors`` (an action's failures) above it."""
        caller = self.pages.caller(request, session)
        params = request.query_params

        def gather() -> tuple[listing.Listing[GroupRow], list[str]]:
            denied: list[str] = []
            rows = [
                GroupRow(group["GroupName"], as_utc(group["CreateDate"]))
                for group in caller.call_all("ListGroups", "Groups")
            ]
            shown = listing.page_of(
                rows, lambda row: row.name, params.get("q", ""), params.get("page", "1"), BASE
            )
            detailed = [_detailed(caller, row, denied) for row in shown.rows]
            return replace(shown, rows=detailed), denied

        try:
            shown, denied = await anyio.to_thread.run_sync(gather)
        except AwsError as error:
            empty: listing.Listing[GroupRow] = listing.page_of([], lambda row: "", "", "1", BASE)
            return self.pages.page(
                "groups.html",
                session,
                status=status if errors else error.status,
                title=TITLE,
                listing=empty,
                errors=[*errors, error.message],
            )
        return self.pages.page(
            "groups.html", session, status=status, title=TITLE, listing=shown, errors=[*errors, *denied]
        )
