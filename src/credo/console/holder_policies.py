"""Attach, detach, and create or delete inline policies, for a group's, role's or user's Permissions tab.

The same four actions, under ``{base}/{name}/policies/…``, each the API operation of the holder's
kind (``AttachGroupPolicy``, ``PutRolePolicy``…) as the signed-in principal. A refusal is shown on
the page it came from with its status; the inline editor keeps what was typed beside the error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console import pickers
from credo.console.pages import ConsolePages
from credo.console.policy_forms import POLICY_COLUMNS, policy_options, read_permissions
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form, read_form_pairs
from credo.errors import AwsError

# The detail page drawn again with errors: (request, session, name, errors, status).
DetailPage = Callable[[Request, ConsoleSession, str, list[str], int], Awaitable[Response]]

# What AWS's visual editor starts a new policy from.
NEW_POLICY = """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Statement1",
            "Effect": "Allow",
            "Action": [],
            "Resource": []
        }
    ]
}"""


class HolderPolicyPages:
    """The Permissions tab's actions for one kind of holder: ``label`` "User", "Group" or "Role"."""

    def __init__(self, pages: ConsolePages, label: str, base: str, detail: DetailPage) -> None:
        self.pages = pages
        self.console = pages.console
        self.label = label
        self.base = base
        self.detail = detail

    def routes(self) -> list[Route]:
        guard = self.pages.signed_in
        prefix = f"{self.base}/{{name}}/policies"
        return [
            Route(f"{prefix}/detach", guard(self.detach), methods=["POST"]),
            Route(f"{prefix}/attach", guard(self.attach_form), methods=["GET"]),
            Route(f"{prefix}/attach", guard(self.attach), methods=["POST"]),
            Route(f"{prefix}/inline", guard(self.inline_form), methods=["GET"]),
            Route(f"{prefix}/inline", guard(self.put_inline), methods=["POST"]),
            Route(f"{prefix}/inline/delete", guard(self.delete_inline), methods=["POST"]),
        ]

    def permissions_tab(self, name: str) -> str:
        return f"{self.base}/{quote(name, safe='')}?tab=permissions"

    def _name(self, request: Request) -> dict[str, str]:
        return {f"{self.label}Name": request.path_params["name"]}

    async def _done_or_detail(
        self, request: Request, session: ConsoleSession, error: AwsError | None
    ) -> Response:
        name = request.path_params["name"]
        if error is not None:
            return await self.detail(request, session, name, [error.message], error.status)
        return RedirectResponse(self.permissions_tab(name), status_code=303)

    async def detach(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        caller = self.pages.caller(request, session)
        error = await self.pages.attempt(
            caller, f"Detach{self.label}Policy", PolicyArn=form.get("policy_arn", ""), **self._name(request)
        )
        return await self._done_or_detail(request, session, error)

    async def delete_inline(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        caller = self.pages.caller(request, session)
        error = await self.pages.attempt(
            caller, f"Delete{self.label}Policy", PolicyName=form.get("policy_name", ""), **self._name(request)
        )
        return await self._done_or_detail(request, session, error)

    async def _attach_page(
        self,
        request: Request,
        session: ConsoleSession,
        pairs: list[tuple[str, str]],
        errors: list[str] | None = None,
        status: int = 200,
    ) -> Response:
        name = request.path_params["name"]
        caller = self.pages.caller(request, session)

        def gather() -> pickers.Picker:
            options, denied = policy_options(caller)
            held = {policy.arn for policy in read_permissions(caller, self.label, name).attached}
            options = [option for option in options if option.value not in held]
            return pickers.pick("policy", "Policy name", POLICY_COLUMNS, options, pairs, denied=denied)

        picker = await anyio.to_thread.run_sync(gather)
        return self.pages.page(
            "permissions_attach.html",
            session,
            status=status,
            title=f"Attach permissions policies to {name}",
            name=name,
            action=f"{self.base}/{quote(name, safe='')}/policies/attach",
            cancel=self.permissions_tab(name),
            choices=picker,
            errors=errors or [],
        )

    async def attach_form(self, request: Request, session: ConsoleSession) -> Response:
        return await self._attach_page(request, session, [])

    async def attach(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        if not csrf_ok(session, dict(pairs)):
            return forbidden(self.console)
        if dict(pairs).get("step") != "attach":
            return await self._attach_page(request, session, pairs)
        caller = self.pages.caller(request, session)
        failures: list[AwsError] = []
        for arn in pickers.chosen_values(pairs, "policy"):
            error = await self.pages.attempt(
                caller, f"Attach{self.label}Policy", PolicyArn=arn, **self._name(request)
            )
            if error is not None:
                failures.append(error)
        if failures:
            messages = [error.message for error in failures]
            return await self._attach_page(request, session, pairs, messages, failures[0].status)
        return RedirectResponse(self.permissions_tab(request.path_params["name"]), status_code=303)

    def _inline_page(
        self,
        session: ConsoleSession,
        name: str,
        policy_name: str,
        document: str,
        error: AwsError | None = None,
    ) -> Response:
        return self.pages.page(
            "permissions_inline.html",
            session,
            status=error.status if error is not None else 200,
            title=f"Create inline policy for {name}",
            action=f"{self.base}/{quote(name, safe='')}/policies/inline",
            cancel=self.permissions_tab(name),
            policy_name=policy_name,
            document=document,
            error=error,
        )

    async def inline_form(self, request: Request, session: ConsoleSession) -> Response:
        return self._inline_page(session, request.path_params["name"], "", NEW_POLICY)

    async def put_inline(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        policy_name, document = form.get("policy_name", ""), form.get("policy_document", "")
        caller = self.pages.caller(request, session)
        error = await self.pages.attempt(
            caller,
            f"Put{self.label}Policy",
            PolicyName=policy_name,
            PolicyDocument=document,
            **self._name(request),
        )
        if error is not None:
            return self._inline_page(session, request.path_params["name"], policy_name, document, error)
        return RedirectResponse(self.permissions_tab(request.path_params["name"]), status_code=303)
