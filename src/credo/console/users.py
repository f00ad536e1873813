"""Users: the list (search, paging, **Delete** for the chosen users) and each user's detail page.

Everything shown or changed is the API operation AWS's IAM console calls, run as the signed-in
principal; a refusal is shown in AWS's words with its status. The detail page's actions live in
``holder_policies`` (shared with groups and roles), ``users_boundary``, ``users_membership``
(groups, tags) and ``users_keys``.
"""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from credo.console import listing, users_detail, users_list
from credo.console.bulk_delete import DeletePages
from credo.console.holder_policies import HolderPolicyPages
from credo.console.pages import ConsolePages
from credo.console.sessions import ConsoleSession
from credo.console.users_boundary import BoundaryPages
from credo.console.users_delete import REMOVES, delete_user
from credo.console.users_keys import UserKeyPages
from credo.console.users_membership import MembershipPages
from credo.console.users_paths import LIST, tab_path, user_path
from credo.errors import AwsError


class UsersPages:
    """``/console/users`` and every user's page below it."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[BaseRoute]:
        guard = self.pages.signed_in
        return [
            Route(LIST, guard(self.users), methods=["GET"]),
            # Before the detail page: /console/users/delete is the confirmation, not a user.
            *DeletePages(self.pages, LIST, "user", REMOVES, delete_user, self.show_list).routes(),
            *HolderPolicyPages(self.pages, "User", LIST, self.show_permissions).routes(),
            *BoundaryPages(self).routes(),
            *MembershipPages(self).routes(),
            *UserKeyPages(self).routes(),
            Route(LIST + "/{name}", guard(self.detail), methods=["GET"]),
        ]

    async def users(self, request: Request, session: ConsoleSession) -> Response:
        return await self.show_list(request, session, [], 200)

    async def show_list(
        self, request: Request, session: ConsoleSession, errors: list[str], status: int
    ) -> Response:
        """The list, with ``errors`` (an action's failures) above it."""
        caller = self.pages.caller(request, session)

        def gather() -> tuple[listing.Listing[users_list.ListedUser], users_list.UsersTable]:
            rows = sorted(
                (users_list.listed(user) for user in users_list.all_users(caller)),
                key=lambda row: row.name.lower(),
            )
            shown = listing.search_and_page(request, rows, lambda row: row.name)
            # Only the rows on the shown page cost the extra calls.
            return shown, users_list.fill_columns(caller, list(shown.rows))

        try:
            shown, table = await anyio.to_thread.run_sync(gather)
        except AwsError as error:
            return self.pages.page(
                "users.html",
                session,
                status=status if errors else error.status,
                title="Users",
                errors=[*errors, error.message],
                table=None,
            )
        return self.pages.page(
            "users.html",
            session,
            status=status,
            title="Users",
            errors=[*errors, *table.refusals],
            listing=shown,
            table=table,
            now=self.console.services.clock.now(),
            age=users_list.age,
            user_path=user_path,
        )

    async def detail(self, request: Request, session: ConsoleSession) -> Response:
        return await self.detail_page(request, session, request.query_params.get("tab", "permissions"))

    async def show_permissions(
        self, request: Request, session: ConsoleSession, _name: str, errors: list[str], status: int
    ) -> Response:
        """The Permissions tab again, after a refused policy action (``holder_policies``)."""
        return await self.detail_page(request, session, "permissions", errors, status)

    async def detail_page(
        self,
        request: Request,
        session: ConsoleSession,
        tab: str,
        errors: list[str] | None = None,
        status: int = 200,
    ) -> Response:
        """The user's page on ``tab``; ``errors`` (an action's refusal) are shown first, with ``status``.

        A user that cannot be read (NoSuchEntity, AccessDenied) is a page with AWS's message and
        that error's status; a part of the page that cannot be read shows its refusal in place.
        """
        errors = list(errors or [])
        name = request.path_params["name"]
        caller = self.pages.caller(request, session)
        try:
            detail = await anyio.to_thread.run_sync(users_detail.user_detail, caller, name, tab)
        except AwsError as refused:
            return self.pages.page(
                "user_detail.html",
                session,
                status=status if errors else refused.status,
                title=name,
                user=None,
                errors=[*errors, refused.message],
            )
        return self.pages.page(
            "user_detail.html",
            session,
            status=status,
            title=detail.name,
            user=detail,
            errors=[*errors, *detail.refusals],
            tabs=users_detail.TABS,
            now=self.console.services.clock.now(),
            age=users_list.age,
            user_path=user_path,
            tab_path=tab_path,
        )
