"""**Assign users or groups** to an AWS account: users and groups, then permission sets, chosen in
one form; each pair is a CreateAccountAssignment, which provisions the permission set's role in
the account (``AWSReservedSSO_<name>_<hex>``) before it answers.

A refusal, or a request that ends ``FAILED`` (its ``FailureReason``: a customer managed policy the
account lacks…), is shown above the form with the choices kept; the pairs that succeeded stay
assigned, as in AWS's console.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console import pickers
from credo.console.identity_center import Center, Section, path
from credo.console.identity_center_accounts import find_account
from credo.console.identity_center_reading import group_options, permission_set_options, user_options
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form_pairs
from credo.errors import AwsError

BASE = path("accounts")
NOTHING_CHOSEN = "Choose at least one user or group, and at least one permission set."


def _picker(
    field: str,
    heading: str,
    columns: tuple[str, ...],
    read: Callable[[Center], list[pickers.Option]],
    center: Center,
    pairs: Sequence[tuple[str, str]],
) -> pickers.Picker:
    try:
        options, denied = read(center), None
    except AwsError as error:
        options, denied = [], error.message
    return pickers.pick(field, heading, columns, options, pairs, denied=denied)


def assign(center: Center, account_id: str, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, int]]:
    """CreateAccountAssignment for every chosen principal and permission set; each failure's
    message and status."""
    principals = [("USER", value) for value in pickers.chosen_values(pairs, "user")]
    principals += [("GROUP", value) for value in pickers.chosen_values(pairs, "group")]
    failures = []
    for arn in pickers.chosen_values(pairs, "permission_set"):
        for kind, principal_id in principals:
            try:
                status = center.sso(
                    "CreateAccountAssignment",
                    TargetId=account_id,
                    TargetType="AWS_ACCOUNT",
                    PermissionSetArn=arn,
                    PrincipalType=kind,
                    PrincipalId=principal_id,
                )["AccountAssignmentCreationStatus"]
            except AwsError as error:
                failures.append((error.message, error.status))
                continue
            if status.get("Status") == "FAILED":
                failures.append((str(status.get("FailureReason", "The assignment failed.")), 400))
    return failures


class AssignPages:
    def __init__(self, section: Section) -> None:
        self.section = section

    def routes(self) -> list[Route]:
        guard = self.section.guard
        return [
            Route(f"{BASE}/{{account_id}}/assign", guard(self.form), methods=["GET"]),
            Route(f"{BASE}/{{account_id}}/assign", guard(self.submit), methods=["POST"]),
        ]

    async def _page(
        self,
        request: Request,
        session: ConsoleSession,
        pairs: Sequence[tuple[str, str]],
        errors: Sequence[str] = (),
        status: int = 200,
    ) -> Response:
        account_id = request.path_params["account_id"]

        def gather(center: Center) -> tuple[str, list[pickers.Picker]]:
            account = find_account(center, account_id)
            return account.name, [
                _picker("user", "Username", ("Display name", "Email"), user_options, center, pairs),
                _picker("group", "Group name", ("Description",), group_options, center, pairs),
                _picker(
                    "permission_set",
                    "Permission set",
                    ("Description", "Session duration"),
                    permission_set_options,
                    center,
                    pairs,
                ),
            ]

        name, (users, groups, sets) = await self.section.gather(request, session, gather)
        base = path("accounts", account_id)
        return self.section.page(
            "identity_center_assign.html",
            session,
            "accounts",
            status=status,
            title=f"Assign users and groups to {name}",
            action=f"{base}/assign",
            cancel=base,
            users=users,
            groups=groups,
            permission_sets=sets,
            errors=list(errors),
        )

    async def form(self, request: Request, session: ConsoleSession) -> Response:
        return await self._page(request, session, [])

    async def submit(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        if not csrf_ok(session, dict(pairs)):
            return forbidden(self.section.console)
        if dict(pairs).get("step") != "assign":
            return await self._page(request, session, pairs)
        chosen = {field: pickers.chosen_values(pairs, field) for field in ("user", "group", "permission_set")}
        if not (chosen["user"] or chosen["group"]) or not chosen["permission_set"]:
            return await self._page(request, session, pairs, [NOTHING_CHOSEN], 400)
        account_id = request.path_params["account_id"]
        failures = await self.section.gather(
            request, session, lambda center: assign(center, account_id, pairs)
        )
        if failures:
            messages = [message for message, _status in failures]
            return await self._page(request, session, pairs, messages, failures[0][1])
        return RedirectResponse(path("accounts", account_id), status_code=303)
