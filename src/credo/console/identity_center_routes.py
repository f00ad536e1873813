"""The IAM Identity Center section's routes: its dashboard (the instance, the access portal URL,
the setup steps) and the Users, Groups, Permission sets and AWS accounts pages."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from credo.console.identity_center import BASE, TITLE, Section
from credo.console.identity_center_accounts import AccountsPages
from credo.console.identity_center_assign import AssignPages
from credo.console.identity_center_groups import GroupsPages
from credo.console.identity_center_permission_sets import PermissionSetsPages
from credo.console.identity_center_users import UsersPages
from credo.console.pages import ConsolePages
from credo.console.sessions import ConsoleSession
from credo.sso.oidc_device import START_PATH


class IdentityCenterPages:
    def __init__(self, pages: ConsolePages) -> None:
        self.section = Section(pages)

    def routes(self) -> list[BaseRoute]:
        section = self.section
        return [
            Route(BASE, section.guard(self.dashboard), methods=["GET"]),
            *UsersPages(section).routes(),
            *GroupsPages(section).routes(),
            *PermissionSetsPages(section).routes(),
            *AccountsPages(section).routes(),
            *AssignPages(section).routes(),
        ]

    async def dashboard(self, request: Request, session: ConsoleSession) -> Response:
        center = await self.section.gather(request, session, lambda found: found)
        portal_url = f"{request.url.scheme}://{request.url.netloc}{START_PATH}"
        return self.section.page(
            "identity_center.html", session, "home", title=TITLE, center=center, portal_url=portal_url
        )
