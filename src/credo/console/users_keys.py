"""A user's access keys, managed from its Security credentials tab (``UserName`` = that user).

The actions are the shared ``access_key_actions``; this module says whose keys they are and
that a refusal is shown on the user's Security credentials tab.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from credo.console.access_key_actions import AccessKeyActions
from credo.console.sessions import ConsoleSession
from credo.console.users_paths import LIST, tab_path, user_path
from credo.errors import AwsError

if TYPE_CHECKING:
    from credo.console.users import UsersPages

TAB = "security_credentials"


class UserKeyPages:
    """The ``KeyOwner`` for a user's keys, under ``/console/users/<name>/access-keys``."""

    def __init__(self, users: UsersPages) -> None:
        self.users = users

    def routes(self) -> list[Route]:
        return AccessKeyActions(self.users.pages, self).routes(LIST + "/{name}/access-keys")

    def key_user(self, request: Request) -> str | None:
        return str(request.path_params["name"])

    def keys_path(self, request: Request) -> str:
        return user_path(request.path_params["name"], "/access-keys")

    def keys_page(self, request: Request) -> str:
        return tab_path(request.path_params["name"], TAB)

    def csv_filename(self, request: Request, _session: ConsoleSession) -> str:
        return f"{request.path_params['name']}_accessKeys.csv"

    async def keys_refused(self, request: Request, session: ConsoleSession, error: AwsError) -> Response:
        return await self.users.detail_page(request, session, TAB, [error.message], error.status)
