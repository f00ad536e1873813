"""The IAM Identity Center section of the console: the instance every page works on, and the
guard that turns a refusal (or the absence of an instance) into a page.

Every page starts as AWS's Identity Center console does, with ``sso:ListInstances``: only the
management account's principals see the installation's instance, so anyone else is told there
is none (and nothing more). Then each page calls the ``sso-admin`` and ``identitystore``
operations it shows, as the signed-in principal through the API's authorizer
(``calls.invoke``), so a refusal is AWS's ``AccessDenied`` text, shown in place of the page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from credo.call import Result
from credo.console.overview import Caller
from credo.console.pages import ConsolePages
from credo.console.sessions import ConsoleSession
from credo.errors import AwsError, ResourceNotFoundException

BASE = "/console/identity-center"
TITLE = "IAM Identity Center"
# The largest page the sso-admin and identitystore list operations return.
_PAGE = 100
T = TypeVar("T")
Page = Callable[[Request, ConsoleSession], Awaitable[Response]]


class NoInstance(ResourceNotFoundException):
    """ListInstances answered the caller with no instance: this is not the management account."""

    def __init__(self) -> None:
        super().__init__(
            "There is no IAM Identity Center instance in this account.",
            detail="An installation has one instance, administered from its management account: "
            "sign in to that account to manage users, groups, permission sets and assignments.",
        )


@dataclass(frozen=True)
class Center:
    """The instance as ListInstances describes it, and the caller who works on it."""

    caller: Caller
    instance_arn: str
    identity_store_id: str
    owner_account_id: str
    created: datetime | None

    @property
    def instance_id(self) -> str:
        return self.instance_arn.rsplit("/", 1)[-1]

    def sso(self, action: str, **params: Any) -> Result:
        """An sso-admin operation on this instance."""
        return self.caller.call(action, service="sso-admin", InstanceArn=self.instance_arn, **params)

    def ids(self, action: str, **params: Any) -> Result:
        """An identitystore operation on this instance's identity store."""
        return self.caller.call(
            action, service="identitystore", IdentityStoreId=self.identity_store_id, **params
        )

    def sso_all(self, action: str, member: str, *, sized: bool = True, **params: Any) -> list[Any]:
        """Every item of a paged sso-admin list (``NextToken`` followed to the end)."""
        return _every(lambda **more: self.sso(action, **more), member, sized, params)

    def ids_all(self, action: str, member: str, **params: Any) -> list[Any]:
        """Every item of a paged identitystore list."""
        return _every(lambda **more: self.ids(action, **more), member, True, params)


def _every(call: Callable[..., Result], member: str, sized: bool, params: dict[str, Any]) -> list[Any]:
    items: list[Any] = []
    params = {**params, "MaxResults": _PAGE} if sized else dict(params)
    while True:
        result = call(**params)
        items += result.get(member, [])
        token = result.get("NextToken")
        if not token:
            return items
        params["NextToken"] = token


def center_of(caller: Caller) -> Center:
    """The instance the caller administers; ``NoInstance`` outside the management account, or
    the refusal of ListInstances."""
    instances = caller.call("ListInstances", service="sso-admin")["Instances"]
    if not instances:
        raise NoInstance()
    found = instances[0]
    return Center(
        caller,
        found["InstanceArn"],
        found["IdentityStoreId"],
        found.get("OwnerAccountId", caller.session.account_id),
        found.get("CreatedDate"),
    )


def status_of(error: AwsError) -> int:
    """The page's status for ``error``: 404 for what does not exist (the JSON services answer it
    with 400), else the error's own."""
    return 404 if isinstance(error, ResourceNotFoundException) else error.status


def path(*parts: str) -> str:
    """A path under the section, each part quoted: ``path("users", user_id)``."""
    return "/".join([BASE, *(quote(part, safe="") for part in parts)])


class Section:
    """What the section's pages share: the guard, the page with the section's navigation, and
    running gathering code (which calls the store) in a worker thread."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def guard(self, page: Page) -> Callable[[Request], Awaitable[Response]]:
        """``page`` for a signed-in session; the refusal it meets first is shown in its place."""

        async def shown(request: Request, session: ConsoleSession) -> Response:
            try:
                return await page(request, session)
            except AwsError as error:
                return self.refused(session, error)

        return self.pages.signed_in(shown)

    def refused(self, session: ConsoleSession, error: AwsError, errors: Sequence[str] = ()) -> Response:
        """The section's page for a refusal (after ``errors``, an action's earlier failures), or,
        outside the management account, the page saying there is no instance."""
        if isinstance(error, NoInstance):
            return self.page("identity_center.html", session, "home", title=TITLE, center=None, missing=error)
        return self.page(
            "identity_center_refused.html",
            session,
            "",
            status=status_of(error),
            title=TITLE,
            errors=list(errors),
            error=error,
        )

    def page(
        self, template: str, session: ConsoleSession, current: str, status: int = 200, **values: Any
    ) -> Response:
        """A page of the section; ``current`` names the navigation entry it belongs to."""
        return self.pages.page(template, session, status=status, current=current, **values)

    def caller(self, request: Request, session: ConsoleSession) -> Caller:
        return self.pages.caller(request, session)

    async def gather(self, request: Request, session: ConsoleSession, work: Callable[[Center], T]) -> T:
        """``work`` on the instance, in a worker thread (operations block on the store)."""
        caller = self.caller(request, session)
        return await anyio.to_thread.run_sync(lambda: work(center_of(caller)))
