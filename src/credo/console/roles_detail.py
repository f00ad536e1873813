"""A role's page: Summary (ARN, creation and last activity, maximum session duration, description,
the switch-role link) and the **Permissions**, **Trust relationships** and **Tags** tabs.

Read with GetRole (and ListAccountAliases for the link's account, the id when there is no alias
or it may not be read); the tabs' actions live in ``holder_policies``, ``roles_settings`` and
``roles_tags``. A role Identity Center provisioned says so and offers none of them.
"""

from __future__ import annotations

from urllib.parse import quote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from credo.console.identity_center_roles import ProvisionedFrom, provisioned_from
from credo.console.pages import ConsolePages
from credo.console.policy_forms import Permissions, read_permissions
from credo.console.roles_reading import Role, account_name, read_role
from credo.console.roles_settings import RoleSettingsPages
from credo.console.roles_tags import RoleTagsPages
from credo.console.roles_trust import switch_role_link
from credo.console.sessions import ConsoleSession
from credo.errors import AwsError

BASE = "/console/roles"
TABS = ("permissions", "trust", "tags")


def detail_path(name: str) -> str:
    return f"{BASE}/{quote(name, safe='')}"


def _tab_of(request: Request) -> str:
    """The tab asked for; after an action, the tab the action belongs to."""
    tab = request.query_params.get("tab")
    if tab is None:
        path = request.url.path
        tab = next((part for part in ("trust", "tags") if path.endswith(f"/{part}")), "permissions")
    return tab if tab in TABS else "permissions"


class RoleDetailPages:
    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[Route]:
        guard = self.pages.signed_in
        return [
            Route(f"{BASE}/{{name}}", guard(self.detail), methods=["GET"]),
            *RoleSettingsPages(self.pages, self.show).routes(),
            *RoleTagsPages(self.pages, self.show).routes(),
        ]

    async def detail(self, request: Request, session: ConsoleSession) -> Response:
        return await self.show(request, session, request.path_params["name"], [], 200)

    async def show(
        self, request: Request, session: ConsoleSession, name: str, errors: list[str], status: int
    ) -> Response:
        """The page, with ``errors`` (an action's failures) at the top."""
        tab = _tab_of(request)
        caller = self.pages.caller(request, session)

        def gather() -> tuple[Role, str, Permissions | None, ProvisionedFrom | None]:
            role = read_role(caller, name)
            permissions = read_permissions(caller, "Role", role.name) if tab == "permissions" else None
            managed = provisioned_from(caller.services, role.role_id, role.name)
            return role, account_name(caller), permissions, managed

        try:
            role, account, permissions, managed = await anyio.to_thread.run_sync(gather)
        except AwsError as error:
            return self.pages.page(
                "entity_missing.html",
                session,
                status=error.status,
                title=name,
                errors=[*errors, error.message],
                back=BASE,
                back_label="Roles",
            )
        base_url = f"{request.url.scheme}://{request.url.netloc}"
        return self.pages.page(
            "role_detail.html",
            session,
            status=status,
            title=role.name,
            role=role,
            base=detail_path(role.name),
            tab=tab,
            permissions=permissions,
            switch_link=switch_role_link(base_url, account, role.path, role.name),
            managed=managed,
            errors=errors,
        )
