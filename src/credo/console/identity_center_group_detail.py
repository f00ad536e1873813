"""An Identity Center group's page: its details, its members (**Add users**, **Remove**) and its
AWS account assignments.

Read with DescribeGroup, ListGroupMemberships (+ DescribeUser for each member) and
ListAccountAssignmentsForPrincipal; **Add users** is CreateGroupMembership for each user
chosen among those not yet members, **Remove** is DeleteGroupMembership.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console import pickers
from credo.console.identity_center import Center, Section, path
from credo.console.identity_center_reading import (
    Assignment,
    IdentityGroup,
    IdentityUser,
    assignments_of,
    group_of,
    user_of,
    user_options,
)
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form, read_form_pairs
from credo.errors import AwsError

BASE = path("groups")


@dataclass(frozen=True)
class Member:
    membership_id: str
    user: IdentityUser


@dataclass(frozen=True)
class GroupDetail:
    group: IdentityGroup
    members: list[Member]
    assignments: list[Assignment]


def _members(center: Center, group_id: str) -> list[Member]:
    items = center.ids_all("ListGroupMemberships", "GroupMemberships", GroupId=group_id)
    members = [
        Member(
            item["MembershipId"],
            user_of(center.ids("DescribeUser", UserId=item["MemberId"]["UserId"])),
        )
        for item in items
    ]
    return sorted(members, key=lambda member: member.user.user_name.casefold())


def read_group(center: Center, group_id: str) -> GroupDetail:
    group = group_of(center.ids("DescribeGroup", GroupId=group_id))
    return GroupDetail(
        group,
        _members(center, group.group_id),
        assignments_of(center, "GROUP", group.group_id, group.name),
    )


class GroupDetailPages:
    def __init__(self, section: Section) -> None:
        self.section = section

    def routes(self) -> list[Route]:
        guard = self.section.guard
        return [
            Route(f"{BASE}/{{group_id}}", guard(self.detail), methods=["GET"]),
            Route(f"{BASE}/{{group_id}}/members/remove", guard(self.remove), methods=["POST"]),
            Route(f"{BASE}/{{group_id}}/members/add", guard(self.add_form), methods=["GET"]),
            Route(f"{BASE}/{{group_id}}/members/add", guard(self.add), methods=["POST"]),
        ]

    async def detail(self, request: Request, session: ConsoleSession) -> Response:
        return await self.show(request, session, request.path_params["group_id"], [], 200)

    async def show(
        self, request: Request, session: ConsoleSession, group_id: str, errors: list[str], status: int
    ) -> Response:
        """The page, with ``errors`` (an action's failures) at the top."""
        try:
            detail = await self.section.gather(request, session, lambda center: read_group(center, group_id))
        except AwsError as error:
            return self.section.refused(session, error, errors)
        return self.section.page(
            "identity_center_group_detail.html",
            session,
            "groups",
            status=status,
            title=detail.group.name,
            detail=detail,
            base=path("groups", group_id),
            errors=errors,
        )

    async def remove(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.section.console)
        group_id = request.path_params["group_id"]
        membership = form.get("membership", "")
        try:
            await self.section.gather(
                request, session, lambda center: center.ids("DeleteGroupMembership", MembershipId=membership)
            )
        except AwsError as error:
            return await self.show(request, session, group_id, [error.message], error.status)
        return RedirectResponse(path("groups", group_id), status_code=303)

    async def _add_page(
        self,
        request: Request,
        session: ConsoleSession,
        pairs: Sequence[tuple[str, str]],
        errors: Sequence[str] = (),
        status: int = 200,
    ) -> Response:
        group_id = request.path_params["group_id"]

        def gather(center: Center) -> tuple[IdentityGroup, pickers.Picker]:
            group = group_of(center.ids("DescribeGroup", GroupId=group_id))
            members = {member.user.user_id for member in _members(center, group_id)}
            try:
                options = [option for option in user_options(center) if option.value not in members]
                denied = None
            except AwsError as refused:
                options, denied = [], refused.message
            columns = ("Display name", "Email")
            return group, pickers.pick("user", "Username", columns, options, pairs, denied=denied)

        group, choices = await self.section.gather(request, session, gather)
        base = path("groups", group_id)
        return self.section.page(
            "identity_center_group_add_users.html",
            session,
            "groups",
            status=status,
            title=f"Add users to {group.name}",
            action=f"{base}/members/add",
            cancel=base,
            choices=choices,
            errors=list(errors),
        )

    async def add_form(self, request: Request, session: ConsoleSession) -> Response:
        return await self._add_page(request, session, [])

    async def add(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        if not csrf_ok(session, dict(pairs)):
            return forbidden(self.section.console)
        if dict(pairs).get("step") != "add":
            return await self._add_page(request, session, pairs)
        group_id = request.path_params["group_id"]
        chosen = pickers.chosen_values(pairs, "user")

        def add(center: Center) -> list[AwsError]:
            failures = []
            for user_id in chosen:
                try:
                    center.ids("CreateGroupMembership", GroupId=group_id, MemberId={"UserId": user_id})
                except AwsError as error:
                    failures.append(error)
            return failures

        failures = await self.section.gather(request, session, add)
        if failures:
            messages = [error.message for error in failures]
            return await self._add_page(request, session, pairs, messages, failures[0].status)
        return RedirectResponse(path("groups", group_id), status_code=303)
