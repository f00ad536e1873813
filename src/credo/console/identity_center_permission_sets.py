"""Permission sets: the list, **Create permission set** and **Delete**; a permission set's own page
is ``identity_center_permission_set_detail``.

Creating is what AWS's console calls, in its order: CreatePermissionSet (name, description,
session duration, tags), AttachManagedPolicyToPermissionSet for each AWS managed policy chosen
(from IAM's ListPolicies, as the console offers them), PutInlinePolicyToPermissionSet. The
inline policy is checked first with the operation's own checks, so a bad document is refused
beside the editor in AWS's words and nothing is created; a later refusal is shown on the new
permission set's page. Deleting is DeletePermissionSet (refused while it has assignments).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo.console import listing, pickers, tag_forms
from credo.console.bulk_delete import DeletePages
from credo.console.identity_center import Center, Section, center_of, path
from credo.console.identity_center_permission_set_detail import PermissionSetDetailPages
from credo.console.identity_center_reading import SESSION_DURATIONS, aws_policy_options, permission_sets
from credo.console.overview import Caller
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form_pairs
from credo.errors import AwsError, ResourceNotFoundException
from credo.sso.permission_set_policies import check_inline_policy

BASE = path("permission-sets")
TITLE = "Permission sets"


def delete_permission_set(caller: Caller, name: str) -> None:
    center = center_of(caller)
    found = next((item for item in permission_sets(center) if item.name == name), None)
    if found is None:
        raise ResourceNotFoundException(f"No permission set is called {name}.")
    center.sso("DeletePermissionSet", PermissionSetArn=found.arn)


def _attach_all(center: Center, arn: str, policies: Sequence[str], inline: str) -> list[str]:
    """Attach the policies and put the inline policy; AWS's message for each refusal."""
    failures = []
    for policy_arn in policies:
        try:
            center.sso(
                "AttachManagedPolicyToPermissionSet", PermissionSetArn=arn, ManagedPolicyArn=policy_arn
            )
        except AwsError as error:
            failures.append(error.message)
    if inline:
        try:
            center.sso("PutInlinePolicyToPermissionSet", PermissionSetArn=arn, InlinePolicy=inline)
        except AwsError as error:
            failures.append(error.message)
    return failures


class PermissionSetsPages:
    def __init__(self, section: Section) -> None:
        self.section = section
        self.pages = section.pages
        self.detail = PermissionSetDetailPages(section)

    def routes(self) -> list[BaseRoute]:
        guard = self.section.guard
        removes = "Its provisioned roles are removed from every account; it must have no assignments."
        return [
            Route(BASE, guard(self.list_sets), methods=["GET"]),
            Route(f"{BASE}/create", guard(self.create_form), methods=["GET"]),
            Route(f"{BASE}/create", guard(self.create), methods=["POST"]),
            *DeletePages(
                self.pages, BASE, "permission set", removes, delete_permission_set, self.show_list
            ).routes(),
            *self.detail.routes(),
        ]

    async def list_sets(self, request: Request, session: ConsoleSession) -> Response:
        return await self.show_list(request, session, [], 200)

    async def show_list(
        self, request: Request, session: ConsoleSession, errors: list[str], status: int
    ) -> Response:
        try:
            rows = await self.section.gather(request, session, permission_sets)
        except AwsError as error:
            return self.section.refused(session, error, errors)
        shown = listing.search_and_page(request, rows, lambda row: f"{row.name} {row.description}")
        return self.section.page(
            "identity_center_permission_sets.html",
            session,
            "permission-sets",
            status=status,
            title=TITLE,
            listing=shown,
            errors=errors,
        )

    async def _form(
        self,
        request: Request,
        session: ConsoleSession,
        pairs: Sequence[tuple[str, str]],
        errors: dict[str, AwsError] | None = None,
    ) -> Response:
        caller = self.section.caller(request, session)

        def gather(_center: Center) -> pickers.Picker:
            options, denied = aws_policy_options(caller)
            return pickers.pick("policy", "Policy name", ("Type",), options, pairs, denied=denied)

        choices = await self.section.gather(request, session, gather)
        form = dict(pairs)
        errors = errors or {}
        shown = next(iter(errors.values()), None)
        return self.section.page(
            "identity_center_permission_set_create.html",
            session,
            "permission-sets",
            status=shown.status if shown is not None else 200,
            title="Create permission set",
            form=form,
            duration=form.get("duration", "PT1H"),
            durations=SESSION_DURATIONS,
            policies=choices,
            tag_rows=tag_forms.editor_rows(tag_forms.tags_from_form(pairs)),
            errors=errors,
        )

    async def create_form(self, request: Request, session: ConsoleSession) -> Response:
        return await self._form(request, session, [])

    async def create(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        form = dict(pairs)
        if not csrf_ok(session, form):
            return forbidden(self.section.console)
        if form.get("step") != "create":
            return await self._form(request, session, pairs)
        inline = form.get("inline_policy", "").strip()
        if inline:
            try:
                check_inline_policy(inline)
            except AwsError as error:
                return await self._form(request, session, pairs, {"inline": error})
        params: dict[str, Any] = {
            "Name": form.get("name", "").strip(),
            "Description": form.get("description", "").strip() or None,
            "SessionDuration": form.get("duration", "PT1H"),
            "Tags": tag_forms.tags_from_form(pairs) or None,
        }
        chosen = pickers.chosen_values(pairs, "policy")

        def create(center: Center) -> tuple[str, list[str]]:
            arn = str(center.sso("CreatePermissionSet", **params)["PermissionSet"]["PermissionSetArn"])
            return arn, _attach_all(center, arn, chosen, inline)

        try:
            arn, failures = await self.section.gather(request, session, create)
        except AwsError as error:
            return await self._form(request, session, pairs, {"page": error})
        permission_set_id = arn.rsplit("/", 1)[-1]
        if failures:
            return await self.detail.show(request, session, permission_set_id, failures, 400)
        return RedirectResponse(path("permission-sets", permission_set_id), status_code=303)
