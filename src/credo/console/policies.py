"""Policies: AWS managed and customer managed policies, listed by type, searched, and deleted.

The list is ListPolicies (every page, up to 1,000 policies each) as the signed-in principal;
search and paging work on that answer, so a page costs the same few calls however many of the
~1,500 AWS managed policies it shows. ListPolicies carries no descriptions (AWS's answer leaves
them out), so those of customer managed policies come from one GetAccountAuthorizationDetails
call, and are left blank when the caller may not make it. Deleting a customer managed policy is
what AWS's console does: detach it from every user, group and role, delete its non-default
versions, then DeletePolicy — each step as the caller, each policy's failure in AWS's words.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from credo.console.bulk_delete import DeletePages
from credo.console.listing import page_of
from credo.console.overview import Caller
from credo.console.pages import ConsolePages
from credo.console.policies_detail import PolicyDetailPages
from credo.console.policies_editor import PolicyEditorPages
from credo.console.policies_reading import (
    HOLDERS,
    PATH,
    detail_url,
    entities_using,
    is_aws_managed,
    name_of,
    policy_type,
    used_as,
)
from credo.console.sessions import ConsoleSession
from credo.errors import AwsError

# ListPolicies' Scope values, as the type filter offers them.
SCOPES = {"All": "All types", "AWS": "AWS managed", "Local": "Customer managed"}
REMOVES = (
    "It is first detached from every user, group and role it is attached to, and its non-default versions "
    "are deleted."
)


@dataclass(frozen=True)
class PolicyRow:
    name: str
    arn: str
    kind: str
    used_as: str
    description: str

    @property
    def is_aws(self) -> bool:
        return is_aws_managed(self.arn)

    @property
    def link(self) -> str:
        return detail_url(self.arn)


def list_policies(caller: Caller, scope: str) -> list[PolicyRow]:
    """Every policy of ``scope`` the caller may list; raises AccessDenied when ListPolicies is refused."""
    found = caller.call_all("ListPolicies", "Policies", Scope=scope)
    local = any(not is_aws_managed(policy["Arn"]) for policy in found)
    descriptions = _local_descriptions(caller) if local else {}
    return [
        PolicyRow(
            policy["PolicyName"],
            policy["Arn"],
            policy_type(policy["Arn"], policy["Path"]),
            used_as(policy),
            descriptions.get(policy["Arn"], ""),
        )
        for policy in found
    ]


def _local_descriptions(caller: Caller) -> dict[str, str]:
    try:
        details = caller.call_all("GetAccountAuthorizationDetails", "Policies", Filter=["LocalManagedPolicy"])
    except AwsError:
        return {}
    return {policy["Arn"]: policy.get("Description", "") for policy in details}


def delete_policy(caller: Caller, policy_arn: str) -> None:
    """Detach, drop the non-default versions, delete: AWS's console's steps; raises the first refusal."""
    if is_aws_managed(policy_arn):
        # Read-only: DeletePolicy refuses it before anything is detached.
        caller.call("DeletePolicy", PolicyArn=policy_arn)
    for holder in HOLDERS:
        for name in entities_using(caller, policy_arn, holder, "PermissionsPolicy"):
            caller.call(holder.detach, PolicyArn=policy_arn, **{holder.name_key: name})
    for version in caller.call("ListPolicyVersions", PolicyArn=policy_arn)["Versions"]:
        if not version["IsDefaultVersion"]:
            caller.call("DeletePolicyVersion", PolicyArn=policy_arn, VersionId=version["VersionId"])
    caller.call("DeletePolicy", PolicyArn=policy_arn)


class PoliciesPages:
    """The routes under ``/console/policies``."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[BaseRoute]:
        guard = self.pages.signed_in
        return [
            Route(PATH, guard(self.listing), methods=["GET"]),
            *DeletePages(
                self.pages, PATH, "policy", REMOVES, delete_policy, self.show_list, name_of
            ).routes(),
            *PolicyEditorPages(self.pages).routes(),
            *PolicyDetailPages(self.pages).routes(),
        ]

    async def listing(
        self, request: Request, session: ConsoleSession, *, status: int = 200, errors: list[str] | None = None
    ) -> Response:
        scope = request.query_params.get("scope", "All")
        scope = scope if scope in SCOPES else "All"
        errors = list(errors or [])
        rows: list[PolicyRow] = []
        try:
            rows = await anyio.to_thread.run_sync(list_policies, self.pages.caller(request, session), scope)
        except AwsError as refused:
            errors.append(refused.message)
            status = status if status != 200 else refused.status
        # Also rendered after a failed delete (a POST elsewhere): search and pager point at the list.
        query = request.query_params
        shown = page_of(
            rows,
            lambda row: f"{row.name} {row.description}",
            query.get("q", ""),
            query.get("page", "1"),
            PATH,
            keep={"scope": scope} if scope != "All" else None,
        )
        return self.pages.page(
            "policies.html",
            session,
            status=status,
            title="Policies",
            listing=shown,
            scope=scope,
            scopes=SCOPES,
            errors=errors,
        )

    async def show_list(
        self, request: Request, session: ConsoleSession, errors: list[str], status: int
    ) -> Response:
        """The list with the failures of a Delete."""
        return await self.listing(request, session, status=status, errors=errors)
