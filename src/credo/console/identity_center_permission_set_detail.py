"""A permission set's page: its details (**Edit**), policies, inline policy, permissions boundary,
tags, and the AWS accounts it is provisioned to (**Update in provisioned accounts**).

Read with DescribePermissionSet, ListManagedPoliciesInPermissionSet,
ListCustomerManagedPolicyReferencesInPermissionSet, GetInlinePolicyForPermissionSet,
GetPermissionsBoundaryForPermissionSet, ListTagsForResource and
ListAccountsForProvisionedPermissionSet (all, then those not on the latest version). **Edit** is
UpdatePermissionSet; as in AWS, a change reaches the accounts' roles only when the permission
set is provisioned again (ProvisionPermissionSet, ``ALL_PROVISIONED_ACCOUNTS``). The policy
actions live in ``identity_center_permission_set_policies``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo.console.identity_center import Center, Section, path
from credo.console.identity_center_permission_set_policies import PermissionSetPolicyPages
from credo.console.identity_center_reading import (
    SESSION_DURATIONS,
    PermissionSet,
    permission_set_arn,
    read_permission_set,
)
from credo.console.policy_forms import AttachedPolicy, policy_link, pretty
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form
from credo.errors import AwsError, ResourceNotFoundException

BASE = path("permission-sets")
NOT_LATEST = "LATEST_PERMISSION_SET_NOT_PROVISIONED"


@dataclass(frozen=True)
class ProvisionedAccount:
    account_id: str
    current: bool

    @property
    def link(self) -> str:
        return path("accounts", self.account_id)


@dataclass(frozen=True)
class PermissionSetDetail:
    permission_set: PermissionSet
    managed: list[AttachedPolicy]
    customer: list[str]  # path + name of each customer managed policy reference
    inline: str | None
    boundary: str | None  # an AWS managed policy's ARN, or a customer managed policy's path + name
    tags: list[dict[str, str]]
    accounts: list[ProvisionedAccount]

    @property
    def boundary_link(self) -> str | None:
        return policy_link(self.boundary) if self.boundary and self.boundary.startswith("arn:") else None

    @property
    def outdated(self) -> bool:
        return any(not account.current for account in self.accounts)


def _boundary(center: Center, arn: str) -> str | None:
    try:
        found: dict[str, Any] = center.sso("GetPermissionsBoundaryForPermissionSet", PermissionSetArn=arn)[
            "PermissionsBoundary"
        ]
    except ResourceNotFoundException:
        return None
    if "ManagedPolicyArn" in found:
        return str(found["ManagedPolicyArn"])
    reference = found["CustomerManagedPolicyReference"]
    return f"{reference.get('Path') or '/'}{reference['Name']}"


def read_detail(center: Center, permission_set_id: str) -> PermissionSetDetail:
    arn = permission_set_arn(center, permission_set_id)
    described = read_permission_set(center, arn)
    managed = center.sso_all(
        "ListManagedPoliciesInPermissionSet", "AttachedManagedPolicies", PermissionSetArn=arn
    )
    customer = center.sso_all(
        "ListCustomerManagedPolicyReferencesInPermissionSet",
        "CustomerManagedPolicyReferences",
        PermissionSetArn=arn,
    )
    inline = center.sso("GetInlinePolicyForPermissionSet", PermissionSetArn=arn).get("InlinePolicy")
    tags = center.sso_all("ListTagsForResource", "Tags", sized=False, ResourceArn=arn)
    provisioned = center.sso_all(
        "ListAccountsForProvisionedPermissionSet", "AccountIds", PermissionSetArn=arn
    )
    outdated = set(
        center.sso_all(
            "ListAccountsForProvisionedPermissionSet",
            "AccountIds",
            PermissionSetArn=arn,
            ProvisioningStatus=NOT_LATEST,
        )
    )
    return PermissionSetDetail(
        described,
        [AttachedPolicy(item["Name"], item["Arn"]) for item in managed],
        [f"{item.get('Path') or '/'}{item['Name']}" for item in customer],
        pretty(inline) if inline else None,
        _boundary(center, arn),
        list(tags),
        [ProvisionedAccount(account, account not in outdated) for account in sorted(provisioned)],
    )


class PermissionSetDetailPages:
    def __init__(self, section: Section) -> None:
        self.section = section

    def routes(self) -> list[BaseRoute]:
        guard = self.section.guard
        return [
            Route(f"{BASE}/{{permission_set_id}}", guard(self.detail), methods=["GET"]),
            Route(f"{BASE}/{{permission_set_id}}/edit", guard(self.edit_form), methods=["GET"]),
            Route(f"{BASE}/{{permission_set_id}}/edit", guard(self.edit), methods=["POST"]),
            Route(f"{BASE}/{{permission_set_id}}/provision", guard(self.provision), methods=["POST"]),
            *PermissionSetPolicyPages(self.section, self.show).routes(),
        ]

    async def detail(self, request: Request, session: ConsoleSession) -> Response:
        return await self.show(request, session, request.path_params["permission_set_id"], [], 200)

    async def show(
        self,
        request: Request,
        session: ConsoleSession,
        permission_set_id: str,
        errors: list[str],
        status: int,
    ) -> Response:
        """The page, with ``errors`` (an action's failures) at the top."""
        try:
            detail = await self.section.gather(
                request, session, lambda center: read_detail(center, permission_set_id)
            )
        except AwsError as error:
            return self.section.refused(session, error, errors)
        return self.section.page(
            "identity_center_permission_set_detail.html",
            session,
            "permission-sets",
            status=status,
            title=detail.permission_set.name,
            detail=detail,
            base=path("permission-sets", permission_set_id),
            errors=errors,
        )

    async def _edit_page(
        self, request: Request, session: ConsoleSession, form: dict[str, str], error: AwsError | None = None
    ) -> Response:
        permission_set_id = request.path_params["permission_set_id"]
        found = await self.section.gather(
            request,
            session,
            lambda center: read_permission_set(center, permission_set_arn(center, permission_set_id)),
        )
        return self.section.page(
            "identity_center_permission_set_edit.html",
            session,
            "permission-sets",
            status=error.status if error is not None else 200,
            title=f"Edit {found.name}",
            base=path("permission-sets", permission_set_id),
            description=form.get("description", found.description),
            duration=form.get("duration", found.session_duration),
            durations=SESSION_DURATIONS,
            error=error,
        )

    async def edit_form(self, request: Request, session: ConsoleSession) -> Response:
        return await self._edit_page(request, session, {})

    async def edit(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.section.console)
        permission_set_id = request.path_params["permission_set_id"]
        # An emptied description is left as it was: UpdatePermissionSet cannot clear one.
        changes = {
            "Description": form.get("description", "").strip() or None,
            "SessionDuration": form.get("duration", ""),
        }

        def update(center: Center) -> None:
            arn = permission_set_arn(center, permission_set_id)
            center.sso("UpdatePermissionSet", PermissionSetArn=arn, **changes)

        try:
            await self.section.gather(request, session, update)
        except AwsError as error:
            return await self._edit_page(request, session, form, error)
        return RedirectResponse(path("permission-sets", permission_set_id), status_code=303)

    async def provision(self, request: Request, session: ConsoleSession) -> Response:
        """ProvisionPermissionSet in every account it is provisioned to; a failure's reason is shown."""
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.section.console)
        permission_set_id = request.path_params["permission_set_id"]

        def provision(center: Center) -> dict[str, Any]:
            arn = permission_set_arn(center, permission_set_id)
            answer = center.sso(
                "ProvisionPermissionSet", PermissionSetArn=arn, TargetType="ALL_PROVISIONED_ACCOUNTS"
            )
            return dict(answer["PermissionSetProvisioningStatus"])

        try:
            status = await self.section.gather(request, session, provision)
        except AwsError as error:
            return await self.show(request, session, permission_set_id, [error.message], error.status)
        if status.get("Status") == "FAILED":
            reason = str(status.get("FailureReason", "Provisioning failed."))
            return await self.show(request, session, permission_set_id, [reason], 400)
        return RedirectResponse(path("permission-sets", permission_set_id), status_code=303)
