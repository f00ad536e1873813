"""Identity Center groups: the list, **Create group** (name, description, users to add) and
**Delete**; a group's own page is ``identity_center_group_detail``.

The list is ListGroups, with ListGroupMemberships for the member count of the rows shown;
creating is CreateGroup then CreateGroupMembership for each user chosen; deleting finds the
group by name (GetGroupId) and calls DeleteGroup, which also removes its memberships and
assignments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo.console import listing, pickers
from credo.console.bulk_delete import DeletePages
from credo.console.identity_center import Center, Section, center_of, path
from credo.console.identity_center_group_detail import GroupDetailPages
from credo.console.identity_center_reading import IdentityGroup, groups, user_options
from credo.console.overview import Caller
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form_pairs
from credo.errors import AwsError

BASE = path("groups")
TITLE = "Groups"


@dataclass(frozen=True)
class GroupRow:
    group: IdentityGroup
    members: int | None = None


def delete_group(caller: Caller, name: str) -> None:
    center = center_of(caller)
    found = center.ids(
        "GetGroupId",
        AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": name}},
    )
    center.ids("DeleteGroup", GroupId=found["GroupId"])


def _counted(center: Center, row: GroupRow) -> GroupRow:
    members = center.ids_all("ListGroupMemberships", "GroupMemberships", GroupId=row.group.group_id)
    return replace(row, members=len(members))


class GroupsPages:
    def __init__(self, section: Section) -> None:
        self.section = section
        self.pages = section.pages
        self.detail = GroupDetailPages(section)

    def routes(self) -> list[BaseRoute]:
        guard = self.section.guard
        removes = "Its memberships and AWS account assignments are removed with it; its users stay."
        return [
            Route(BASE, guard(self.list_groups), methods=["GET"]),
            Route(f"{BASE}/create", guard(self.create_form), methods=["GET"]),
            Route(f"{BASE}/create", guard(self.create), methods=["POST"]),
            *DeletePages(self.pages, BASE, "group", removes, delete_group, self.show_list).routes(),
            *self.detail.routes(),
        ]

    async def list_groups(self, request: Request, session: ConsoleSession) -> Response:
        return await self.show_list(request, session, [], 200)

    async def show_list(
        self, request: Request, session: ConsoleSession, errors: list[str], status: int
    ) -> Response:
        params = request.query_params

        def gather(center: Center) -> tuple[listing.Listing[GroupRow], list[str]]:
            rows = [GroupRow(group) for group in groups(center)]
            shown = listing.page_of(
                rows,
                lambda row: f"{row.group.name} {row.group.description}",
                params.get("q", ""),
                params.get("page", "1"),
                BASE,
            )
            denied: list[str] = []
            counted = []
            for row in shown.rows:
                try:
                    counted.append(_counted(center, row))
                except AwsError as error:
                    denied += [] if error.message in denied else [error.message]
                    counted.append(row)
            return replace(shown, rows=counted), denied

        try:
            shown, denied = await self.section.gather(request, session, gather)
        except AwsError as error:
            return self.section.refused(session, error, errors)
        return self.section.page(
            "identity_center_groups.html",
            session,
            "groups",
            status=status,
            title=TITLE,
            listing=shown,
            errors=[*errors, *denied],
        )

    async def _form(
        self,
        request: Request,
        session: ConsoleSession,
        pairs: Sequence[tuple[str, str]],
        error: AwsError | None = None,
    ) -> Response:
        def gather(center: Center) -> pickers.Picker:
            try:
                options, denied = user_options(center), None
            except AwsError as refused:
                options, denied = [], refused.message
            columns = ("Display name", "Email")
            return pickers.pick("user", "Username", columns, options, pairs, denied=denied)

        choices = await self.section.gather(request, session, gather)
        form = dict(pairs)
        return self.section.page(
            "identity_center_group_create.html",
            session,
            "groups",
            status=error.status if error is not None else 200,
            title="Create group",
            name=form.get("name", ""),
            description=form.get("description", ""),
            users=choices,
            error=error,
        )

    async def create_form(self, request: Request, session: ConsoleSession) -> Response:
        return await self._form(request, session, [])

    async def create(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        form = dict(pairs)
        if not csrf_ok(session, form):
            return forbidden(self.section.console)
        if form.get("step") != "create":
            return await self._form(request, session, pairs)
        name, description = form.get("name", "").strip(), form.get("description", "").strip()
        chosen = pickers.chosen_values(pairs, "user")

        def create(center: Center) -> tuple[str, list[str]]:
            group_id = str(
                center.ids("CreateGroup", DisplayName=name or None, Description=description or None)[
                    "GroupId"
                ]
            )
            failures = []
            for user_id in chosen:
                try:
                    center.ids("CreateGroupMembership", GroupId=group_id, MemberId={"UserId": user_id})
                except AwsError as failed:
                    failures.append(failed.message)
            return group_id, failures

        try:
            group_id, failures = await self.section.gather(request, session, create)
        except AwsError as error:
            return await self._form(request, session, pairs, error)
        if failures:
            return await self.detail.show(request, session, group_id, failures, 400)
        return RedirectResponse(path("groups", group_id), status_code=303)
