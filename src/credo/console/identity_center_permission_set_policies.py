"""A permission set's policy actions: attach and detach AWS managed policies, write or delete the
inline policy, set or remove the permissions boundary.

Each is the sso-admin operation of the same name as the signed-in principal
(AttachManagedPolicyToPermissionSet, PutInlinePolicyToPermissionSet,
PutPermissionsBoundaryToPermissionSet…). The inline editor shows a refusal beside the JSON, in
AWS's words with credo's detail, and keeps what was typed. The changes reach the accounts' roles
when the permission set is provisioned again (its page offers it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console import pickers
from credo.console.holder_policies import NEW_POLICY
from credo.console.identity_center import Center, Section, path
from credo.console.identity_center_reading import aws_policy_options, permission_set_arn, read_permission_set
from credo.console.policy_forms import pretty
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form, read_form_pairs
from credo.errors import AwsError

BASE = path("permission-sets")
# The detail page drawn again with errors: (request, session, permission set id, errors, status).
DetailPage = Callable[[Request, ConsoleSession, str, list[str], int], Awaitable[Response]]


class PermissionSetPolicyPages:
    def __init__(self, section: Section, detail: DetailPage) -> None:
        self.section = section
        self.detail = detail

    def routes(self) -> list[Route]:
        guard = self.section.guard
        prefix = f"{BASE}/{{permission_set_id}}"
        return [
            Route(f"{prefix}/policies/detach", guard(self.detach), methods=["POST"]),
            Route(f"{prefix}/policies/attach", guard(self.attach_form), methods=["GET"]),
            Route(f"{prefix}/policies/attach", guard(self.attach), methods=["POST"]),
            Route(f"{prefix}/inline", guard(self.inline_form), methods=["GET"]),
            Route(f"{prefix}/inline", guard(self.put_inline), methods=["POST"]),
            Route(f"{prefix}/inline/delete", guard(self.delete_inline), methods=["POST"]),
            Route(f"{prefix}/boundary", guard(self.boundary_form), methods=["GET"]),
            Route(f"{prefix}/boundary", guard(self.put_boundary), methods=["POST"]),
            Route(f"{prefix}/boundary/delete", guard(self.delete_boundary), methods=["POST"]),
        ]

    async def _run(
        self, request: Request, session: ConsoleSession, action: str, **params: Any
    ) -> AwsError | None:
        """``action`` on the permission set the path names; its refusal, if any."""
        permission_set_id = request.path_params["permission_set_id"]

        def run(center: Center) -> None:
            center.sso(action, PermissionSetArn=permission_set_arn(center, permission_set_id), **params)

        try:
            await self.section.gather(request, session, run)
        except AwsError as error:
            return error
        return None

    async def _done(self, request: Request, session: ConsoleSession, error: AwsError | None) -> Response:
        permission_set_id = request.path_params["permission_set_id"]
        if error is not None:
            return await self.detail(request, session, permission_set_id, [error.message], error.status)
        return RedirectResponse(path("permission-sets", permission_set_id), status_code=303)

    async def _posted(self, request: Request, session: ConsoleSession) -> dict[str, str] | None:
        form = await read_form(request)
        return form if csrf_ok(session, form) else None

    async def detach(self, request: Request, session: ConsoleSession) -> Response:
        form = await self._posted(request, session)
        if form is None:
            return forbidden(self.section.console)
        error = await self._run(
            request,
            session,
            "DetachManagedPolicyFromPermissionSet",
            ManagedPolicyArn=form.get("policy_arn", ""),
        )
        return await self._done(request, session, error)

    async def _picker_page(
        self,
        request: Request,
        session: ConsoleSession,
        pairs: Sequence[tuple[str, str]],
        *,
        boundary: bool,
        errors: Sequence[str] = (),
        status: int = 200,
    ) -> Response:
        """**Attach policies** (several AWS managed policies) or **Set permissions boundary** (one)."""
        permission_set_id = request.path_params["permission_set_id"]
        caller = self.section.caller(request, session)

        def gather(center: Center) -> tuple[str, pickers.Picker]:
            name = read_permission_set(center, permission_set_arn(center, permission_set_id)).name
            options, denied = aws_policy_options(caller)
            picker = pickers.pick(
                "policy", "Policy name", ("Type",), options, pairs, single=boundary, denied=denied
            )
            return name, picker

        name, choices = await self.section.gather(request, session, gather)
        base = path("permission-sets", permission_set_id)
        return self.section.page(
            "identity_center_permission_set_policies.html",
            session,
            "permission-sets",
            status=status,
            title=f"Set permissions boundary for {name}"
            if boundary
            else f"Attach AWS managed policies to {name}",
            action=f"{base}/boundary" if boundary else f"{base}/policies/attach",
            button="Set boundary" if boundary else "Attach policies",
            legend="Permissions boundary" if boundary else "AWS managed policies",
            cancel=base,
            choices=choices,
            errors=list(errors),
        )

    async def attach_form(self, request: Request, session: ConsoleSession) -> Response:
        return await self._picker_page(request, session, [], boundary=False)

    async def attach(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        if not csrf_ok(session, dict(pairs)):
            return forbidden(self.section.console)
        if dict(pairs).get("step") != "save":
            return await self._picker_page(request, session, pairs, boundary=False)
        failures = []
        for policy_arn in pickers.chosen_values(pairs, "policy"):
            error = await self._run(
                request, session, "AttachManagedPolicyToPermissionSet", ManagedPolicyArn=policy_arn
            )
            failures += [error] if error is not None else []
        if failures:
            messages = [error.message for error in failures]
            return await self._picker_page(
                request, session, pairs, boundary=False, errors=messages, status=failures[0].status
            )
        return await self._done(request, session, None)

    async def boundary_form(self, request: Request, session: ConsoleSession) -> Response:
        return await self._picker_page(request, session, [], boundary=True)

    async def put_boundary(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        if not csrf_ok(session, dict(pairs)):
            return forbidden(self.section.console)
        chosen = pickers.chosen_values(pairs, "policy", single=True)
        if dict(pairs).get("step") != "save" or not chosen:
            return await self._picker_page(request, session, pairs, boundary=True)
        error = await self._run(
            request,
            session,
            "PutPermissionsBoundaryToPermissionSet",
            PermissionsBoundary={"ManagedPolicyArn": chosen[0]},
        )
        if error is not None:
            return await self._picker_page(
                request, session, pairs, boundary=True, errors=[error.message], status=error.status
            )
        return await self._done(request, session, None)

    async def delete_boundary(self, request: Request, session: ConsoleSession) -> Response:
        if await self._posted(request, session) is None:
            return forbidden(self.section.console)
        error = await self._run(request, session, "DeletePermissionsBoundaryFromPermissionSet")
        return await self._done(request, session, error)

    async def _editor(
        self, request: Request, session: ConsoleSession, document: str | None, error: AwsError | None = None
    ) -> Response:
        permission_set_id = request.path_params["permission_set_id"]

        def gather(center: Center) -> tuple[str, str]:
            arn = permission_set_arn(center, permission_set_id)
            name = read_permission_set(center, arn).name
            if document is not None:
                return name, document
            current = center.sso("GetInlinePolicyForPermissionSet", PermissionSetArn=arn).get("InlinePolicy")
            return name, pretty(current) if current else NEW_POLICY

        name, shown = await self.section.gather(request, session, gather)
        base = path("permission-sets", permission_set_id)
        return self.section.page(
            "identity_center_inline_policy.html",
            session,
            "permission-sets",
            status=error.status if error is not None else 200,
            title=f"Inline policy of {name}",
            action=f"{base}/inline",
            cancel=base,
            document=shown,
            error=error,
        )

    async def inline_form(self, request: Request, session: ConsoleSession) -> Response:
        return await self._editor(request, session, None)

    async def put_inline(self, request: Request, session: ConsoleSession) -> Response:
        form = await self._posted(request, session)
        if form is None:
            return forbidden(self.section.console)
        document = form.get("inline_policy", "")
        error = await self._run(request, session, "PutInlinePolicyToPermissionSet", InlinePolicy=document)
        if error is not None:
            return await self._editor(request, session, document, error)
        return await self._done(request, session, None)

    async def delete_inline(self, request: Request, session: ConsoleSession) -> Response:
        if await self._posted(request, session) is None:
            return forbidden(self.section.console)
        error = await self._run(request, session, "DeleteInlinePolicyFromPermissionSet")
        return await self._done(request, session, error)
