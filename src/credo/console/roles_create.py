"""**Create role**: trusted entity, permissions, name and details — nothing is made before **Create role**.

Trusted entity **AWS account** (this account, or another by its id; optionally **Require external
ID** and **Require MFA**) builds the trust policy AWS's console builds (``roles_trust``); **Custom
trust policy** takes the JSON as typed. Then CreateRole (trust policy, Description,
MaxSessionDuration, PermissionsBoundary, Tags) and AttachRolePolicy for each policy chosen. The
form draws itself again for searches, pages and **Add new tag**, and for a refusal, shown beside
the field it concerns with everything typed kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console import pickers, tag_forms
from credo.console.holder_policies import DetailPage
from credo.console.pages import ConsolePages
from credo.console.policy_forms import POLICY_COLUMNS, policy_options
from credo.console.roles_trust import CUSTOM_TEMPLATE, account_trust
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form_pairs
from credo.errors import AwsError

PATH = "/console/roles/create"
TITLE = "Create role"
HOUR = 3600
# The console's choices for Maximum session duration: 1 to 12 hours.
SESSION_HOURS = tuple(range(1, 13))
_ACCOUNT_ID = re.compile(r"[0-9]{12}")


@dataclass(frozen=True)
class Problem:
    """An error shown beside a field: AWS's message and credo's detail, or the console's own words."""

    message: str
    detail: str | None = None
    status: int = 400


def field_of(error: AwsError) -> str:
    """Which part of the form a refusal of CreateRole is about (``form``: none in particular)."""
    message = error.message
    if (
        error.code == "MalformedPolicyDocument"
        or "assumeRolePolicyDocument" in message
        or "ACLSize" in message
    ):
        return "trust"
    if error.code == "EntityAlreadyExists" or "'roleName'" in message:
        return "name"
    for marker, part in (("'description'", "description"), ("maxSessionDuration", "max_session")):
        if marker in message:
            return part
    if "oundary" in message:
        return "boundary"
    if "tag" in message.lower():
        return "tags"
    return "form"


def trust_document(form: dict[str, str], account_id: str) -> tuple[str | None, dict[str, Problem]]:
    """The trust policy the form asks for, or the problems found before asking AWS."""
    if form.get("entity") == "custom":
        return form.get("trust_policy", ""), {}
    problems: dict[str, Problem] = {}
    if form.get("account_choice") == "another":
        account_id = form.get("account_id", "").strip()
        if not _ACCOUNT_ID.fullmatch(account_id):
            problems["account"] = Problem("Enter a valid 12-digit AWS account ID.")
    external_id = None
    if form.get("require_external_id"):
        external_id = form.get("external_id", "").strip()
        if not external_id:
            problems["external_id"] = Problem("Enter the external ID to require.")
    if problems:
        return None, problems
    return account_trust(account_id, external_id=external_id, require_mfa=bool(form.get("require_mfa"))), {}


def create_params(form: dict[str, str], pairs: Sequence[tuple[str, str]], document: str) -> dict[str, Any]:
    params: dict[str, Any] = {
        "RoleName": form.get("name", "").strip(),
        "AssumeRolePolicyDocument": document,
        "MaxSessionDuration": int(form["max_session"]) if form.get("max_session", "").isdigit() else HOUR,
    }
    if form.get("description", ""):
        params["Description"] = form["description"]
    boundary = pickers.chosen_values(pairs, "boundary", single=True)
    if boundary:
        params["PermissionsBoundary"] = boundary[0]
    tags = tag_forms.tags_from_form(pairs)
    if tags:
        params["Tags"] = tags
    return params


class RoleCreatePages:
    def __init__(self, pages: ConsolePages, detail: DetailPage) -> None:
        self.pages = pages
        self.detail = detail

    def routes(self) -> list[Route]:
        guard = self.pages.signed_in
        return [
            Route(PATH, guard(self.form), methods=["GET"]),
            Route(PATH, guard(self.create), methods=["POST"]),
        ]

    async def _page(
        self,
        request: Request,
        session: ConsoleSession,
        pairs: Sequence[tuple[str, str]],
        problems: dict[str, Problem] | None = None,
    ) -> Response:
        caller = self.pages.caller(request, session)

        def gather() -> tuple[pickers.Picker, pickers.Picker]:
            options, denied = policy_options(caller)
            return (
                pickers.pick("policy", "Policy name", POLICY_COLUMNS, options, pairs, denied=denied),
                pickers.pick(
                    "boundary", "Policy name", POLICY_COLUMNS, options, pairs, single=True, denied=denied
                ),
            )

        policies, boundary = await anyio.to_thread.run_sync(gather)
        form = dict(pairs)
        problems = problems or {}
        return self.pages.page(
            "role_create.html",
            session,
            status=max((problem.status for problem in problems.values()), default=200),
            title=TITLE,
            form={
                "entity": form.get("entity", "account"),
                "account_choice": form.get("account_choice", "this"),
                "trust_policy": form.get("trust_policy", CUSTOM_TEMPLATE),
                "max_session": form.get("max_session", str(HOUR)),
                **{key: form.get(key, "") for key in ("account_id", "external_id", "name", "description")},
                **{key: bool(form.get(key)) for key in ("require_external_id", "require_mfa")},
            },
            account_id=session.account_id,
            hours=SESSION_HOURS,
            policies=policies,
            boundary=boundary,
            tags=tag_forms.editor_rows(tag_forms.tags_from_form(pairs)),
            problems=problems,
        )

    async def form(self, request: Request, session: ConsoleSession) -> Response:
        return await self._page(request, session, [])

    async def create(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        form = dict(pairs)
        if not csrf_ok(session, form):
            return forbidden(self.pages.console)
        if form.get("step") != "create":
            return await self._page(request, session, pairs)
        document, problems = trust_document(form, session.account_id)
        if document is None:
            return await self._page(request, session, pairs, problems)
        params = create_params(form, pairs, document)
        caller = self.pages.caller(request, session)
        error = await self.pages.attempt(caller, "CreateRole", **params)
        if error is not None:
            problem = Problem(error.message, error.detail, error.status)
            return await self._page(request, session, pairs, {field_of(error): problem})
        name = params["RoleName"]
        failures: list[AwsError] = []
        for arn in pickers.chosen_values(pairs, "policy"):
            failed = await self.pages.attempt(caller, "AttachRolePolicy", RoleName=name, PolicyArn=arn)
            failures += [failed] if failed is not None else []
        if failures:
            messages = [failure.message for failure in failures]
            return await self.detail(request, session, name, messages, failures[0].status)
        return RedirectResponse(f"/console/roles/{quote(name, safe='')}", status_code=303)
