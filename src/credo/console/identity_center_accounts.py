"""AWS accounts: the installation's accounts with the permission sets provisioned to each, an
account's page with its assignments (**Remove access**); **Assign users or groups** is
``identity_center_assign``.

AWS's Identity Center console lists the organization's accounts with
``organizations:ListAccounts``; credo has no Organizations API, so the console asks the
authorizer for that same action before it reads the installation's accounts, and a principal
without it sees AWS's refusal. Everything else is sso-admin: ListPermissionSetsProvisionedToAccount,
ListAccountAssignments for each permission set there, DeleteAccountAssignment (which removes the
role with the account's last assignment of the permission set).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo import ids
from credo.auth.resources import Target
from credo.call import Call
from credo.console import listing
from credo.console.calls import CONSOLE_REGION
from credo.console.identity_center import Center, Section, path
from credo.console.identity_center_reading import (
    Assignment,
    PermissionSet,
    Principal,
    principal,
    read_permission_set,
)
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form
from credo.errors import AwsError, ResourceNotFoundException
from credo.sso.portal_access import Account, installation_accounts

BASE = path("accounts")
TITLE = "AWS accounts"


def list_accounts(center: Center) -> list[Account]:
    """The installation's accounts, once the caller is allowed ``organizations:ListAccounts``."""
    caller = center.caller
    services = caller.services
    call = Call(
        "ListAccounts",
        {},
        caller.session.principal(),
        services,
        ids.request_id(),
        CONSOLE_REGION,
        caller.source_ip,
    )
    services.authorizer.authorize_targets(call, "organizations", caller.secure, [Target("*")])
    with services.store.read() as conn:
        return installation_accounts(conn)


def find_account(center: Center, account_id: str) -> Account:
    found = next((account for account in list_accounts(center) if account.account_id == account_id), None)
    if found is None:
        raise ResourceNotFoundException(f"Account {account_id[:12]} is not an account of this installation.")
    return found


def provisioned_sets(center: Center, account_id: str, known: dict[str, PermissionSet]) -> list[PermissionSet]:
    """The permission sets provisioned to the account, by name (``known`` caches DescribePermissionSet)."""
    arns = center.sso_all("ListPermissionSetsProvisionedToAccount", "PermissionSets", AccountId=account_id)
    for arn in arns:
        if arn not in known:
            known[arn] = read_permission_set(center, arn)
    return sorted((known[arn] for arn in arns), key=lambda item: item.name.casefold())


@dataclass(frozen=True)
class AccountRow:
    account: Account
    permission_sets: list[PermissionSet]

    @property
    def link(self) -> str:
        return path("accounts", self.account.account_id)


@dataclass(frozen=True)
class AccountDetail:
    account: Account
    assignments: list[Assignment]


def read_account(center: Center, account_id: str) -> AccountDetail:
    account = find_account(center, account_id)
    principals: dict[tuple[str, str], Principal] = {}
    rows = []
    for permission_set in provisioned_sets(center, account_id, {}):
        items = center.sso_all(
            "ListAccountAssignments",
            "AccountAssignments",
            AccountId=account_id,
            PermissionSetArn=permission_set.arn,
        )
        for item in items:
            key = (item["PrincipalType"], item["PrincipalId"])
            if key not in principals:
                principals[key] = principal(center, *key)
            rows.append(Assignment(account_id, permission_set, principals[key]))
    rows.sort(key=lambda row: (row.principal.kind, row.principal.name.casefold(), row.permission_set.name))
    return AccountDetail(account, rows)


class AccountsPages:
    def __init__(self, section: Section) -> None:
        self.section = section

    def routes(self) -> list[BaseRoute]:
        guard = self.section.guard
        return [
            Route(BASE, guard(self.list_page), methods=["GET"]),
            Route(f"{BASE}/{{account_id}}", guard(self.detail), methods=["GET"]),
            Route(f"{BASE}/{{account_id}}/assignments/remove", guard(self.remove), methods=["POST"]),
        ]

    async def list_page(self, request: Request, session: ConsoleSession) -> Response:
        def gather(center: Center) -> list[AccountRow]:
            known: dict[str, PermissionSet] = {}
            return [
                AccountRow(account, provisioned_sets(center, account.account_id, known))
                for account in list_accounts(center)
            ]

        rows = await self.section.gather(request, session, gather)
        shown = listing.search_and_page(
            request, rows, lambda row: f"{row.account.name} {row.account.account_id} {row.account.email}"
        )
        return self.section.page(
            "identity_center_accounts.html", session, "accounts", title=TITLE, listing=shown
        )

    async def detail(self, request: Request, session: ConsoleSession) -> Response:
        return await self.show(request, session, request.path_params["account_id"], [], 200)

    async def show(
        self, request: Request, session: ConsoleSession, account_id: str, errors: list[str], status: int
    ) -> Response:
        try:
            detail = await self.section.gather(
                request, session, lambda center: read_account(center, account_id)
            )
        except AwsError as error:
            return self.section.refused(session, error, errors)
        return self.section.page(
            "identity_center_account_detail.html",
            session,
            "accounts",
            status=status,
            title=f"{detail.account.name} ({detail.account.account_id})"
            if detail.account.name != detail.account.account_id
            else detail.account.account_id,
            detail=detail,
            base=path("accounts", account_id),
            errors=errors,
        )

    async def remove(self, request: Request, session: ConsoleSession) -> Response:
        """DeleteAccountAssignment for the row's user or group and permission set."""
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.section.console)
        account_id = request.path_params["account_id"]

        def remove(center: Center) -> None:
            center.sso(
                "DeleteAccountAssignment",
                TargetId=account_id,
                TargetType="AWS_ACCOUNT",
                PermissionSetArn=form.get("permission_set_arn", ""),
                PrincipalType=form.get("principal_type", ""),
                PrincipalId=form.get("principal_id", ""),
            )

        try:
            await self.section.gather(request, session, remove)
        except AwsError as error:
            return await self.show(request, session, account_id, [error.message], error.status)
        return RedirectResponse(path("accounts", account_id), status_code=303)
