"""Identity Center users: the list, **Add user**, a user's page (groups, AWS account assignments)
and **Delete**.

The list is ListUsers; adding is CreateUser (the user name, email, first and last name and
display name Identity Center's directory requires) then CreateGroupMembership for each group
chosen; a user's page is DescribeUser, ListGroupMembershipsForMember (+ DescribeGroup) and
ListAccountAssignmentsForPrincipal; **Remove from group** is DeleteGroupMembership. Deleting
finds the user by name (GetUserId) and calls DeleteUser, which also removes the user's
memberships and assignments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo.console import listing, pickers
from credo.console.bulk_delete import DeletePages
from credo.console.identity_center import Center, Section, center_of, path
from credo.console.identity_center_reading import (
    Assignment,
    IdentityGroup,
    IdentityUser,
    assignments_of,
    group_of,
    group_options,
    user_of,
    users,
)
from credo.console.overview import Caller
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form, read_form_pairs
from credo.errors import AwsError

BASE = path("users")
TITLE = "Users"
_FIELDS = (
    ("user_name", "Username"),
    ("email", "Email address"),
    ("given_name", "First name"),
    ("family_name", "Last name"),
    ("display_name", "Display name"),
)


def delete_user(caller: Caller, name: str) -> None:
    center = center_of(caller)
    found = center.ids(
        "GetUserId",
        AlternateIdentifier={"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": name}},
    )
    center.ids("DeleteUser", UserId=found["UserId"])


def _new_user(form: dict[str, str]) -> dict[str, Any]:
    """CreateUser's parameters from the form; a field left empty is left out, so the API names it."""
    values = {field: form.get(field, "").strip() for field, _label in _FIELDS}
    name = {key: values[field] for key, field in (("GivenName", "given_name"), ("FamilyName", "family_name"))}
    params: dict[str, Any] = {
        "UserName": values["user_name"] or None,
        "DisplayName": values["display_name"] or None,
        "Name": {key: value for key, value in name.items() if value} or None,
    }
    if values["email"]:
        params["Emails"] = [{"Value": values["email"], "Type": "work", "Primary": True}]
    return params


@dataclass(frozen=True)
class Membership:
    membership_id: str
    group: IdentityGroup


@dataclass(frozen=True)
class UserDetail:
    user: IdentityUser
    memberships: list[Membership]
    assignments: list[Assignment]


def read_user(center: Center, user_id: str) -> UserDetail:
    user = user_of(center.ids("DescribeUser", UserId=user_id))
    items = center.ids_all(
        "ListGroupMembershipsForMember", "GroupMemberships", MemberId={"UserId": user.user_id}
    )
    memberships = [
        Membership(item["MembershipId"], group_of(center.ids("DescribeGroup", GroupId=item["GroupId"])))
        for item in items
    ]
    memberships.sort(key=lambda membership: membership.group.name.casefold())
    return UserDetail(user, memberships, assignments_of(center, "USER", user.user_id, user.user_name))


class UsersPages:
    def __init__(self, section: Section) -> None:
        self.section = section
        self.pages = section.pages

    def routes(self) -> list[BaseRoute]:
        guard = self.section.guard
        removes = "Its group memberships and AWS account assignments are removed with it."
        return [
            Route(BASE, guard(self.list_users), methods=["GET"]),
            Route(f"{BASE}/create", guard(self.create_form), methods=["GET"]),
            Route(f"{BASE}/create", guard(self.create), methods=["POST"]),
            *DeletePages(self.pages, BASE, "user", removes, delete_user, self.show_list).routes(),
            Route(f"{BASE}/{{user_id}}", guard(self.detail), methods=["GET"]),
            Route(f"{BASE}/{{user_id}}/groups/remove", guard(self.remove_from_group), methods=["POST"]),
        ]

    async def list_users(self, request: Request, session: ConsoleSession) -> Response:
        return await self.show_list(request, session, [], 200)

    async def show_list(
        self, request: Request, session: ConsoleSession, errors: list[str], status: int
    ) -> Response:
        """The list, with ``errors`` (a Delete's failures) above it."""
        try:
            rows = await self.section.gather(request, session, users)
        except AwsError as error:
            return self.section.refused(session, error, errors)
        shown = listing.search_and_page(
            request, rows, lambda user: f"{user.user_name} {user.display_name} {user.email}"
        )
        return self.section.page(
            "identity_center_users.html",
            session,
            "users",
            status=status,
            title=TITLE,
            listing=shown,
            errors=errors,
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
                options, denied = group_options(center), None
            except AwsError as refused:
                options, denied = [], refused.message
            return pickers.pick("group", "Group name", ("Description",), options, pairs, denied=denied)

        choices = await self.section.gather(request, session, gather)
        form = dict(pairs)
        return self.section.page(
            "identity_center_user_create.html",
            session,
            "users",
            status=error.status if error is not None else 200,
            title="Add user",
            fields=[(field, label, form.get(field, "")) for field, label in _FIELDS],
            groups=choices,
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
        params = _new_user(form)
        chosen = pickers.chosen_values(pairs, "group")

        def create(center: Center) -> tuple[str, list[str]]:
            user_id = str(center.ids("CreateUser", **params)["UserId"])
            failures = []
            for group_id in chosen:
                try:
                    center.ids("CreateGroupMembership", GroupId=group_id, MemberId={"UserId": user_id})
                except AwsError as failed:
                    failures.append(failed.message)
            return user_id, failures

        try:
            user_id, failures = await self.section.gather(request, session, create)
        except AwsError as error:
            return await self._form(request, session, pairs, error)
        if failures:
            return await self.show(request, session, user_id, failures, 400)
        return RedirectResponse(path("users", user_id), status_code=303)

    async def detail(self, request: Request, session: ConsoleSession) -> Response:
        return await self.show(request, session, request.path_params["user_id"], [], 200)

    async def show(
        self, request: Request, session: ConsoleSession, user_id: str, errors: list[str], status: int
    ) -> Response:
        try:
            detail = await self.section.gather(request, session, lambda center: read_user(center, user_id))
        except AwsError as error:
            return self.section.refused(session, error, errors)
        return self.section.page(
            "identity_center_user_detail.html",
            session,
            "users",
            status=status,
            title=detail.user.user_name,
            detail=detail,
            base=path("users", user_id),
            errors=errors,
        )

    async def remove_from_group(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.section.console)
        user_id = request.path_params["user_id"]
        membership = form.get("membership", "")
        try:
            await self.section.gather(
                request, session, lambda center: center.ids("DeleteGroupMembership", MembershipId=membership)
            )
        except AwsError as error:
            return await self.show(request, session, user_id, [error.message], error.status)
        return RedirectResponse(path("users", user_id), status_code=303)
