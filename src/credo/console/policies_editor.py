"""The policy editor: Create policy (CreatePolicy) and editing a policy (a new default version).

A refusal is shown beside what it is about — a ``MalformedPolicyDocument`` (AWS's message and
credo's ``detail`` saying where and why) beside the JSON, a taken or malformed name beside the
name — and everything typed is kept. A policy has at most five versions: as AWS's console does,
the editor then asks which non-default version to delete, and deletes it only once the new
document has passed every other check (CreatePolicyVersion refuses a bad document before it
counts versions).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo.console import tag_forms
from credo.console.overview import Caller
from credo.console.pages import ConsolePages
from credo.console.policies_reading import PATH, detail_url, is_aws_managed, name_of, version_document
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form_pairs
from credo.errors import AwsError, LimitExceeded, ValidationError

# What AWS's JSON editor starts from: one statement, waiting for actions and resources.
SKELETON = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Statement1", "Effect": "Allow", "Action": [], "Resource": []}],
    },
    indent=4,
)
# Form fields by the parameter a ValidationError names (``at 'policyName'``), in form order.
_FIELDS = (("policyName", "name"), ("description", "description"), ("policyDocument", "document"))


@dataclass
class Draft:
    """What the editor form holds, and the errors to show beside each part."""

    document: str = SKELETON
    name: str = ""
    description: str = ""
    tags: list[tag_forms.Tag] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def refuse(self, error: AwsError) -> None:
        """File ``error`` beside the part of the form it concerns (the page's top otherwise)."""
        place = "page"
        if error.code in ("MalformedPolicyDocument", "LimitExceeded"):
            place = "document"
        elif error.code == "EntityAlreadyExists":
            place = "name"
        elif isinstance(error, ValidationError):
            place = next((part for param, part in _FIELDS if f"at '{param}" in error.message), "page")
            if place == "page" and "at 'tags" in error.message:
                place = "tags"
        elif error.code == "InvalidInput" and "tag" in error.message.lower():
            place = "tags"
        self.errors.setdefault(place, []).append(error.message)
        if error.detail:
            self.errors[place].append(error.detail)


def draft_of(pairs: list[tuple[str, str]]) -> Draft:
    form = dict(pairs)
    tags = tag_forms.tags_from_form(pairs)
    return Draft(form.get("document", ""), form.get("name", "").strip(), form.get("description", ""), tags)


class PolicyEditorPages:
    """``/console/policies/create`` and ``/console/policies/edit?arn=…``."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[BaseRoute]:
        guard = self.pages.signed_in
        return [
            Route(f"{PATH}/create", guard(self.create_form), methods=["GET"]),
            Route(f"{PATH}/create", guard(self.create), methods=["POST"]),
            Route(f"{PATH}/edit", guard(self.edit_form), methods=["GET"]),
            Route(f"{PATH}/edit", guard(self.edit), methods=["POST"]),
        ]

    def _editor(
        self,
        session: ConsoleSession,
        draft: Draft,
        *,
        status: int = 200,
        policy_arn: str | None = None,
        deletable: list[str] | None = None,
    ) -> Response:
        """The editor; ``policy_arn`` set means editing it, ``deletable`` the versions to choose from."""
        title = f"Modify permissions in {name_of(policy_arn)}" if policy_arn else "Create policy"
        return self.pages.page(
            "policy_editor.html",
            session,
            status=status,
            title=title,
            draft=draft,
            tag_rows=tag_forms.editor_rows(draft.tags),
            policy_arn=policy_arn,
            deletable=deletable or [],
        )

    async def create_form(self, _request: Request, session: ConsoleSession) -> Response:
        return self._editor(session, Draft())

    async def create(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        form = dict(pairs)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        draft = draft_of(pairs)
        if form.get("step") == "add-tag":  # Add new tag: the form again, one row more
            return self._editor(session, draft)
        params: dict[str, object] = {"PolicyName": draft.name, "PolicyDocument": draft.document}
        if draft.description:
            params["Description"] = draft.description
        if draft.tags:
            params["Tags"] = draft.tags
        try:
            made = await self.pages.call(self.pages.caller(request, session), "CreatePolicy", **params)
        except AwsError as error:
            draft.refuse(error)
            return self._editor(session, draft, status=error.status)
        return RedirectResponse(detail_url(made["Policy"]["Arn"]), status_code=303)

    async def _deletable(self, caller: Caller, policy_arn: str) -> list[str]:
        """The non-default versions to choose from when the policy holds the most it may (five)."""
        versions = (await self.pages.call(caller, "ListPolicyVersions", PolicyArn=policy_arn))["Versions"]
        if len(versions) < 5:
            return []
        return [version["VersionId"] for version in versions if not version["IsDefaultVersion"]]

    async def edit_form(self, request: Request, session: ConsoleSession) -> Response:
        policy_arn = request.query_params.get("arn", "")
        if is_aws_managed(policy_arn):
            # AWS managed policies are read-only: their page says so instead of offering the editor.
            return RedirectResponse(detail_url(policy_arn), status_code=303)
        caller = self.pages.caller(request, session)
        draft = Draft(document="")
        try:
            policy = (await self.pages.call(caller, "GetPolicy", PolicyArn=policy_arn))["Policy"]
            draft.document = await anyio.to_thread.run_sync(
                version_document, caller, policy_arn, policy["DefaultVersionId"]
            )
            deletable = await self._deletable(caller, policy_arn)
        except AwsError as error:
            draft.refuse(error)
            return self._editor(session, draft, status=error.status, policy_arn=policy_arn)
        return self._editor(session, draft, policy_arn=policy_arn, deletable=deletable)

    async def edit(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        form = dict(pairs)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        policy_arn = form.get("arn", "")
        draft = draft_of(pairs)
        caller = self.pages.caller(request, session)
        try:
            await self._new_default_version(
                caller, policy_arn, draft.document, form.get("delete_version", "")
            )
        except AwsError as error:
            draft.refuse(error)
            deletable: list[str] = []
            if isinstance(error, LimitExceeded):
                try:
                    deletable = await self._deletable(caller, policy_arn)
                except AwsError as refused:
                    draft.refuse(refused)
            return self._editor(
                session, draft, status=error.status, policy_arn=policy_arn, deletable=deletable
            )
        return RedirectResponse(detail_url(policy_arn), status_code=303)

    async def _new_default_version(
        self, caller: Caller, policy_arn: str, document: str, to_delete: str
    ) -> None:
        """CreatePolicyVersion as the default; at five versions, delete the chosen one first."""
        params = {"PolicyArn": policy_arn, "PolicyDocument": document, "SetAsDefault": True}
        try:
            await self.pages.call(caller, "CreatePolicyVersion", **params)
        except LimitExceeded:
            if not to_delete:
                raise
            await self.pages.call(caller, "DeletePolicyVersion", PolicyArn=policy_arn, VersionId=to_delete)
            await self.pages.call(caller, "CreatePolicyVersion", **params)
