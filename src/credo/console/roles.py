"""Roles: the list (trusted entities, last activity; search, pages, **Delete**) and the family's routes.

The rows come from ListRoles (whose trust policies give **Trusted entities**); the rows on the
shown page get GetRole for **Last activity** (ListRoles leaves RoleLastUsed out, as AWS's does).
Deleting a role does what AWS's console does first: take it out of its instance profiles and
delete them, detach its managed policies and delete its inline ones; then DeleteRole. A
service-linked or otherwise protected role is refused with AWS's message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import unquote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from credo.console import listing
from credo.console.bulk_delete import DeletePages
from credo.console.holder_policies import HolderPolicyPages
from credo.console.overview import Caller
from credo.console.pages import ConsolePages
from credo.console.policy_forms import remove_all_policies
from credo.console.roles_create import RoleCreatePages
from credo.console.roles_detail import RoleDetailPages
from credo.console.roles_trust import trusted_entities
from credo.console.sessions import ConsoleSession
from credo.errors import AwsError
from credo.iam.password_policy import as_utc

BASE = "/console/roles"
TITLE = "Roles"
_REMOVES = (
    "It is removed from its instance profiles (which are deleted), its managed policies are detached "
    "and its inline policies deleted first."
)


@dataclass(frozen=True)
class RoleRow:
    name: str
    trusted: str
    created: datetime
    last_activity: datetime | None = None


def delete_role(caller: Caller, name: str) -> None:
    for profile in caller.call_all("ListInstanceProfilesForRole", "InstanceProfiles", RoleName=name):
        profile_name = profile["InstanceProfileName"]
        caller.call("RemoveRoleFromInstanceProfile", InstanceProfileName=profile_name, RoleName=name)
        caller.call("DeleteInstanceProfile", InstanceProfileName=profile_name)
    remove_all_policies(caller, "Role", name)
    caller.call("DeleteRole", RoleName=name)


def _with_last_activity(caller: Caller, row: RoleRow, denied: list[str]) -> RoleRow:
    try:
        used = caller.call("GetRole", RoleName=row.name)["Role"].get("RoleLastUsed", {})
    except AwsError as error:
        if error.message not in denied:
            denied.append(error.message)
        return row
    at = used.get("LastUsedDate")
    return replace(row, last_activity=as_utc(at) if at is not None else None)


class RolesPages:
    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console
        self.detail = RoleDetailPages(pages)

    def routes(self) -> list[BaseRoute]:
        guard = self.pages.signed_in
        return [
            Route(BASE, guard(self.list_roles), methods=["GET"]),
            *RoleCreatePages(self.pages, self.detail.show).routes(),
            *DeletePages(self.pages, BASE, "role", _REMOVES, delete_role, self.show_list).routes(),
            *HolderPolicyPages(self.pages, "Role", BASE, self.detail.show).routes(),
            *self.detail.routes(),
        ]

    async def list_roles(self, request: Request, session: ConsoleSession) -> Response:
        return await self.show_list(request, session, [], 200)

    async def show_list(
        self, request: Request, session: ConsoleSession, errors: list[str], status: int
    ) -> Response:
        """The list, with ``errors`` (an action's failures) above it."""
        caller = self.pages.caller(request, session)
        params = request.query_params

        def gather() -> tuple[listing.Listing[RoleRow], list[str]]:
            denied: list[str] = []
            rows = [
                RoleRow(
                    role["RoleName"],
                    ", ".join(trusted_entities(unquote(role["AssumeRolePolicyDocument"]), role["Path"])),
                    as_utc(role["CreateDate"]),
                )
                for role in caller.call_all("ListRoles", "Roles")
            ]
            shown = listing.page_of(
                rows,
                lambda row: f"{row.name} {row.trusted}",
                params.get("q", ""),
                params.get("page", "1"),
                BASE,
            )
            detailed = [_with_last_activity(caller, row, denied) for row in shown.rows]
            return replace(shown, rows=detailed), denied

        try:
            shown, denied = await anyio.to_thread.run_sync(gather)
        except AwsError as error:
            empty: listing.Listing[RoleRow] = listing.page_of([], lambda row: "", "", "1", BASE)
            return self.pages.page(
                "roles.html",
                session,
                status=status if errors else error.status,
                title=TITLE,
                listing=empty,
                errors=[*errors, error.message],
            )
        return self.pages.page(
            "roles.html", session, status=status, title=TITLE, listing=shown, errors=[*errors, *denied]
        )
