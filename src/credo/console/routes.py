"""The console's routes, mounted by ``credo.server.app`` beside the Query endpoint."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from credo.call import Services
from credo.console.account_settings import AccountSettingsPages
from credo.console.credentials import SecurityCredentialsPages
from credo.console.federation import FederationEndpoint
from credo.console.groups import GroupsPages
from credo.console.identity_center_routes import IdentityCenterPages
from credo.console.mfa_pages import MfaPages
from credo.console.pages import ConsolePages
from credo.console.policies import PoliciesPages
from credo.console.roles import RolesPages
from credo.console.saml_signin import SamlSignIn
from credo.console.signin_routes import SignInPages
from credo.console.switch_role import SwitchRolePages
from credo.console.user_create import CreateUserPages
from credo.console.users import UsersPages
from credo.console.web import STATIC, Console


def console_routes(services: Services) -> list[BaseRoute]:
    console = Console(services)
    pages = ConsolePages(console)
    return [
        *SignInPages(console).routes(),
        *FederationEndpoint(pages).routes(),
        *SamlSignIn(console).routes(),
        *SwitchRolePages(pages).routes(),
        # Before the pages: their catch-all under /console would take these paths otherwise.
        Mount("/console/static", StaticFiles(directory=STATIC), name="console-static"),
        *SecurityCredentialsPages(pages).routes(),
        *MfaPages(pages).routes(),
        # The wizard's /console/users/create before the detail page's /console/users/{name}.
        *CreateUserPages(pages).routes(),
        *UsersPages(pages).routes(),
        *GroupsPages(pages).routes(),
        *RolesPages(pages).routes(),
        *PoliciesPages(pages).routes(),
        *AccountSettingsPages(pages).routes(),
        *IdentityCenterPages(pages).routes(),
        *pages.routes(),
    ]


def is_browser_visit(scope: MutableMapping[str, Any]) -> bool:
    """Whether a ``GET /`` is a person's browser (HTML wanted, no SigV4), to send to sign-in."""
    if scope.get("method") != "GET":
        return False
    query: bytes = scope.get("query_string") or b""
    if b"x-amz-" in query.lower():
        return False
    wants_html = False
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            return False
        if name == b"accept" and b"text/html" in value:
            wants_html = True
    return wants_html
