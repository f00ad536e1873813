"""**Create user group**: a name, users to add, policies to attach; nothing is made before **Create user group**.

The form draws itself again for its pickers' searches and pages (all fields kept). Creating is
what AWS's console calls, in its order: CreateGroup, AddUserToGroup for each user chosen,
AttachGroupPolicy for each policy. A refusal of CreateGroup (or a name AWS refuses) is shown
beside the name with what was chosen kept; a later refusal is shown on the new group's page.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from credo.console import pickers
from credo.console.holder_policies import DetailPage
from credo.console.overview import Caller
from credo.console.pages import ConsolePages
from credo.console.policy_forms import POLICY_COLUMNS, policy_options
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form_pairs
from credo.errors import AwsError
from credo.iam.password_policy import as_utc

PATH = "/console/groups/create"
TITLE = "Create user group"


def user_options(caller: Caller) -> tuple[list[pickers.Option], str | None]:
    """Every user as a picker row (name, creation time); or AWS's refusal of ListUsers."""
    try:
        users = caller.call_all("ListUsers", "Users")
    except AwsError as error:
        return [], error.message
    return [
        pickers.Option(
            user["UserName"],
            user["UserName"],
            (as_utc(user["CreateDate"]).strftime("%Y-%m-%d %H:%M UTC"),),
            "/console/users/" + quote(user["UserName"], safe=""),
        )
        for user in users
    ], None


class GroupCreatePages:
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
        error: AwsError | None = None,
    ) -> Response:
        caller = self.pages.caller(request, session)

        def gather() -> tuple[pickers.Picker, pickers.Picker]:
            users, users_denied = user_options(caller)
            policies, policies_denied = policy_options(caller)
            return (
                pickers.pick("user", "User name", ("Created",), users, pairs, denied=users_denied),
                pickers.pick(
                    "policy", "Policy name", POLICY_COLUMNS, policies, pairs, denied=policies_denied
                ),
            )

        users, policies = await anyio.to_thread.run_sync(gather)
        return self.pages.page(
            "group_create.html",
            session,
            status=error.status if error is not None else 200,
            title=TITLE,
            name=dict(pairs).get("name", ""),
            users=users,
            policies=policies,
            error=error,
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
        name = form.get("name", "").strip()
        caller = self.pages.caller(request, session)
        error = await self.pages.attempt(caller, "CreateGroup", GroupName=name)
        if error is not None:
            return await self._page(request, session, pairs, error)
        failures: list[AwsError] = []
        for user in pickers.chosen_values(pairs, "user"):
            failed = await self.pages.attempt(caller, "AddUserToGroup", GroupName=name, UserName=user)
            failures += [failed] if failed is not None else []
        for arn in pickers.chosen_values(pairs, "policy"):
            failed = await self.pages.attempt(caller, "AttachGroupPolicy", GroupName=name, PolicyArn=arn)
            failures += [failed] if failed is not None else []
        if failures:
            messages = [failure.message for failure in failures]
            return await self.detail(request, session, name, messages, failures[0].status)
        return RedirectResponse(f"/console/groups/{quote(name, safe='')}", status_code=303)
