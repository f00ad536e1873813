"""A policy's page: its summary and the tabs Permissions, Entities attached, Policy versions, Tags.

The summary is GetPolicy; each tab makes the calls AWS's console makes for it (GetPolicyVersion,
ListEntitiesForPolicy, ListPolicyVersions) and its buttons are the operations of the same name
(Detach*Policy, Delete*PermissionsBoundary, SetDefaultPolicyVersion, DeletePolicyVersion,
TagPolicy, UntagPolicy), all as the signed-in principal. AWS managed policies are read-only:
no editor, no version or tag changes (the API refuses them as well).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo.call import Result
from credo.console.listing import page_of
from credo.console.overview import Caller
from credo.console.pages import ConsolePages, Page
from credo.console.policies_reading import (
    HOLDERS,
    PATH,
    Holder,
    detail_url,
    entities_using,
    entity_url,
    is_aws_managed,
    policy_type,
    version_document,
)
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form
from credo.errors import AwsError

TABS = {
    "permissions": "Permissions",
    "entities": "Entities attached",
    "versions": "Policy versions",
    "tags": "Tags",
}
PERMISSIONS_POLICY = "Permissions policy"
PERMISSIONS_BOUNDARY = "Permissions boundary"
_DETACH = {holder.kind: holder for holder in HOLDERS}
_BOUNDARY_REMOVAL = {
    "users": ("DeleteUserPermissionsBoundary", "UserName"),
    "roles": ("DeleteRolePermissionsBoundary", "RoleName"),
}
# A form turned into an operation and its parameters (``None``: nothing to do).
Built = tuple[str, dict[str, Any]] | None
Build = Callable[[dict[str, str], str], Built]


@dataclass(frozen=True)
class EntityRow:
    name: str
    holder: Holder
    used_as: str

    @property
    def link(self) -> str:
        return entity_url(self.holder.kind, self.name)


def attached_entities(caller: Caller, policy: Result) -> list[EntityRow]:
    """Who uses the policy: as a permissions policy, and as a boundary where the count says so."""
    arn = policy["Arn"]
    uses = [("PermissionsPolicy", PERMISSIONS_POLICY)]
    if policy.get("PermissionsBoundaryUsageCount"):
        uses.append(("PermissionsBoundary", PERMISSIONS_BOUNDARY))
    rows = []
    for usage, label in uses:
        for holder in HOLDERS:
            if usage == "PermissionsBoundary" and holder.label == "Group":
                continue  # groups cannot have a permissions boundary
            rows += [EntityRow(name, holder, label) for name in entities_using(caller, arn, holder, usage)]
    return rows


class PolicyDetailPages:
    """``/console/policies/detail?arn=…&tab=…`` and the forms on it."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[BaseRoute]:
        guard = self.pages.signed_in
        return [
            Route(f"{PATH}/detail", guard(self.detail), methods=["GET"]),
            Route(f"{PATH}/detach", guard(self._action("entities", _detach)), methods=["POST"]),
            Route(
                f"{PATH}/remove-boundary", guard(self._action("entities", _remove_boundary)), methods=["POST"]
            ),
            Route(
                f"{PATH}/set-default-version",
                guard(self._action("versions", _set_default_version)),
                methods=["POST"],
            ),
            Route(
                f"{PATH}/delete-version", guard(self._action("versions", _delete_version)), methods=["POST"]
            ),
            Route(f"{PATH}/tag", guard(self._action("tags", _tag)), methods=["POST"]),
            Route(f"{PATH}/untag", guard(self._action("tags", _untag)), methods=["POST"]),
        ]

    async def detail(
        self,
        request: Request,
        session: ConsoleSession,
        *,
        policy_arn: str | None = None,
        tab: str | None = None,
        refusal: AwsError | None = None,
    ) -> Response:
        """The page; after a refused action (``refusal``) it is shown again with AWS's message."""
        query = request.query_params
        policy_arn = policy_arn if policy_arn is not None else query.get("arn", "")
        tab = tab or query.get("tab", "permissions")
        tab = tab if tab in TABS else "permissions"
        caller = self.pages.caller(request, session)
        errors = [refusal.message] if refusal is not None else []
        status = refusal.status if refusal is not None else 200
        values: dict[str, object] = {}
        try:
            policy = (await self.pages.call(caller, "GetPolicy", PolicyArn=policy_arn))["Policy"]
        except AwsError as error:
            return self.pages.page(
                "policy_detail.html",
                session,
                status=error.status,
                title="Policy",
                policy=None,
                errors=[error.message],
            )
        try:
            values = await self._tab(request, caller, policy, tab)
        except AwsError as error:
            errors.append(error.message)
            status = status if refusal is not None else error.status
        return self.pages.page(
            "policy_detail.html",
            session,
            status=status,
            title=policy["PolicyName"],
            policy=policy,
            kind=policy_type(policy["Arn"], policy["Path"]),
            read_only=is_aws_managed(policy["Arn"]),
            tab=tab,
            tabs={name: detail_url(policy["Arn"], tab=name) for name in TABS},
            tab_labels=TABS,
            errors=errors,
            **values,
        )

    async def _tab(self, request: Request, caller: Caller, policy: Result, tab: str) -> dict[str, object]:
        arn = policy["Arn"]
        if tab == "permissions":
            document = await anyio.to_thread.run_sync(
                version_document, caller, arn, policy["DefaultVersionId"]
            )
            return {"document": document}
        if tab == "entities":
            rows = await anyio.to_thread.run_sync(attached_entities, caller, policy)
            # Also shown after a refused Detach (a POST elsewhere): search and pager point here.
            query = request.query_params
            listing = page_of(
                rows,
                lambda row: row.name,
                query.get("q", ""),
                query.get("page", "1"),
                f"{PATH}/detail",
                keep={"arn": arn, "tab": tab},
            )
            return {"listing": listing}
        if tab == "versions":
            versions = (await self.pages.call(caller, "ListPolicyVersions", PolicyArn=arn))["Versions"]
            shown = request.query_params.get("version")
            shown_document: str | None = None
            if shown is not None:
                shown_document = await anyio.to_thread.run_sync(version_document, caller, arn, shown)
            return {"versions": versions, "shown_version": shown, "document": shown_document}
        return {"tags": policy.get("Tags", [])}

    def _action(self, tab: str, build: Build) -> Page:
        """A form's handler: ``build`` turns the form into an operation on the policy named by ``arn``;
        afterwards back to ``tab``, or the page again with the refusal."""

        async def act(request: Request, session: ConsoleSession) -> Response:
            form = await read_form(request)
            if not csrf_ok(session, form):
                return forbidden(self.console)
            policy_arn = form.get("arn", "")
            built = build(form, policy_arn)
            if built is not None:
                action, params = built
                error = await self.pages.attempt(self.pages.caller(request, session), action, **params)
                if error is not None:
                    return await self.detail(request, session, policy_arn=policy_arn, tab=tab, refusal=error)
            return RedirectResponse(detail_url(policy_arn, tab=tab), status_code=303)

        return act


def _detach(form: dict[str, str], policy_arn: str) -> Built:
    holder = _DETACH.get(form.get("kind", ""))
    if holder is None:
        return None
    return holder.detach, {"PolicyArn": policy_arn, holder.name_key: form.get("name", "")}


def _remove_boundary(form: dict[str, str], _policy_arn: str) -> Built:
    holder = _BOUNDARY_REMOVAL.get(form.get("kind", ""))
    if holder is None:
        return None
    action, name_key = holder
    return action, {name_key: form.get("name", "")}


def _set_default_version(form: dict[str, str], policy_arn: str) -> Built:
    return "SetDefaultPolicyVersion", {"PolicyArn": policy_arn, "VersionId": form.get("version", "")}


def _delete_version(form: dict[str, str], policy_arn: str) -> Built:
    return "DeletePolicyVersion", {"PolicyArn": policy_arn, "VersionId": form.get("version", "")}


def _tag(form: dict[str, str], policy_arn: str) -> Built:
    tag = {"Key": form.get("key", "").strip(), "Value": form.get("value", "")}
    return "TagPolicy", {"PolicyArn": policy_arn, "Tags": [tag]}


def _untag(form: dict[str, str], policy_arn: str) -> Built:
    return "UntagPolicy", {"PolicyArn": policy_arn, "TagKeys": [form.get("key", "")]}
