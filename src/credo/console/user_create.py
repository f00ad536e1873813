"""Users → **Create user**: the IAM console's wizard, its deep link, and the page that shows the password once.

``GET /console/users/create`` opens step 1 (prefilled from a deep link such as
``?userName=ci&policy=AdministratorAccess&programmatic=true``); the steps post to
``/console/users/create/step``, which changes nothing; only **Create user** (``POST
/console/users/create``) calls the API, as the signed-in principal (``user_create_run``). The
new password and access key go through ``shown_once`` to ``/console/users/create/done``.
"""

from __future__ import annotations

from collections.abc import Sequence

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo.console import calls, csv_files, user_create_choices
from credo.console.listing import page_of
from credo.console.new_passwords import generate_password, password_policy
from credo.console.overview import Caller
from credo.console.pages import ConsolePages
from credo.console.sessions import ConsoleSession
from credo.console.signin_links import account_name
from credo.console.user_create_choices import Copied, Named, Offered, PolicyRow, offer
from credo.console.user_create_form import Draft
from credo.console.user_create_run import Created, create_user, plan
from credo.console.web import csrf_ok, forbidden, read_form_pairs, signin_url
from credo.errors import AwsError, PasswordPolicyViolation
from credo.iam.password_policy import PasswordPolicy, check_password_rules

PATH = "/console/users/create"
TITLE = "Create user"
STEPS = (
    ("details", "Specify user details"),
    ("permissions", "Set permissions"),
    ("review", "Review and create"),
)
REENTER = "Enter the custom password again: it is kept only until the user is created."
_CREATED = "new-user"


def _policy_rules(described: dict[str, object] | None) -> PasswordPolicy | None:
    """GetAccountPasswordPolicy's shape as the rules ``check_password_rules`` applies."""
    if described is None:
        return None
    return PasswordPolicy(
        minimum_password_length=int(str(described.get("MinimumPasswordLength", 6))),
        require_symbols=bool(described.get("RequireSymbols")),
        require_numbers=bool(described.get("RequireNumbers")),
        require_uppercase=bool(described.get("RequireUppercaseCharacters")),
        require_lowercase=bool(described.get("RequireLowercaseCharacters")),
        allow_users_to_change_password=bool(described.get("AllowUsersToChangePassword")),
        max_password_age=None,
        password_reuse_prevention=None,
        hard_expiry=None,
    )


def check_details(caller: Caller, draft: Draft, password: str) -> list[str]:
    """Step 1's problems, found before anything is created: the name as the API checks it, the password."""
    errors = []
    if not draft.user_name:
        errors.append("Enter a user name.")
    else:
        try:
            calls.checked("iam", "CreateUser", {"UserName": draft.user_name})
        except AwsError as error:
            errors.append(error.message)
    if draft.console_access and draft.custom_password:
        if not password:
            errors.append("Enter a custom password.")
        else:
            try:
                check_password_rules(_policy_rules(password_policy(caller)), password)
            except PasswordPolicyViolation as error:
                errors.append(error.message)
    return errors


class CreateUserPages:
    """The routes under ``/console/users/create``."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[BaseRoute]:
        guard = self.pages.signed_in
        return [
            Route(PATH, guard(self.start), methods=["GET"]),
            Route(PATH, guard(self.create), methods=["POST"]),
            Route(f"{PATH}/step", guard(self.step), methods=["POST"]),
            Route(f"{PATH}/done", guard(self.done), methods=["GET"]),
        ]

    # --- the steps (nothing changes) ---

    def _render(
        self, template: str, session: ConsoleSession, step: str, status: int = 200, **values: object
    ) -> Response:
        return self.pages.page(
            template, session, status=status, title=TITLE, steps=STEPS, step=step, **values
        )

    def _details(
        self, session: ConsoleSession, draft: Draft, errors: Sequence[str], status: int = 200
    ) -> Response:
        return self._render(
            "user_create_details.html",
            session,
            "details",
            status,
            draft=draft,
            hidden=draft.hidden("details"),
            errors=errors,
        )

    async def _permissions(
        self,
        request: Request,
        session: ConsoleSession,
        draft: Draft,
        *,
        query: str = "",
        page: str = "1",
        errors: Sequence[str] = (),
        status: int = 200,
    ) -> Response:
        caller = self.pages.caller(request, session)

        def load() -> tuple[Offered[Named], Offered[Named], Offered[PolicyRow]]:
            return (
                offer(lambda: user_create_choices.groups(caller)),
                offer(lambda: user_create_choices.users(caller)),
                offer(lambda: user_create_choices.policies(caller)),
            )

        groups, users, policies = await anyio.to_thread.run_sync(load)
        listing = page_of(policies.rows, lambda row: f"{row.name} {row.kind}", query, page, f"{PATH}/step")
        return self._render(
            "user_create_permissions.html",
            session,
            "permissions",
            status,
            draft=draft,
            hidden=draft.hidden("permissions", [row.arn for row in listing.rows]),
            errors=errors,
            groups=groups,
            users=users,
            policies_denied=policies.denied,
            listing=listing,
        )

    async def _review(
        self,
        request: Request,
        session: ConsoleSession,
        draft: Draft,
        errors: Sequence[str] = (),
        status: int = 200,
    ) -> Response:
        caller = self.pages.caller(request, session)
        shown = list(errors)
        copied: Copied | None = None
        if draft.option == "copy":
            try:
                copied = await anyio.to_thread.run_sync(
                    user_create_choices.copied_from, caller, draft.copy_from
                )
            except AwsError as error:
                shown.append(error.message)
                status = status if errors else error.status
        return self._render(
            "user_create_review.html",
            session,
            "review",
            status,
            draft=draft,
            hidden=draft.hidden("review"),
            errors=shown,
            planned=plan(draft, copied),
        )

    async def start(self, request: Request, session: ConsoleSession) -> Response:
        """Step 1, prefilled from a deep link; its ``policy=`` names are checked against ListPolicies."""
        requested = request.query_params.getlist("policy")[:20]
        arns: list[str] = []
        errors: list[str] = []
        if requested:
            caller = self.pages.caller(request, session)
            known = await anyio.to_thread.run_sync(
                lambda: offer(lambda: user_create_choices.policies(caller))
            )
            arns, errors = user_create_choices.resolve_policies(requested, known)
        return self._details(session, Draft.from_link(request.query_params, arns), errors)

    async def step(self, request: Request, session: ConsoleSession) -> Response:
        """Next, Previous, search, page, add or remove a tag: re-render a step with what was typed."""
        pairs = await read_form_pairs(request)
        form = dict(pairs)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        draft = Draft.from_form(pairs)
        origin, action = form.get("step", ""), form.get("action", "next")
        if origin == "details":
            caller = self.pages.caller(request, session)
            password = form.get("password", "")
            errors = await anyio.to_thread.run_sync(check_details, caller, draft, password)
            if errors:
                return self._details(session, draft, errors, status=400)
            if draft.console_access and draft.custom_password:
                await self.console.shown_once.put(session.key, draft.password_slot, password)
            return await self._permissions(request, session, draft)
        if origin == "permissions":
            if action == "previous":
                return self._details(session, draft, [])
            if action == "next":
                if draft.option == "copy" and not draft.copy_from:
                    message = "Choose a user to copy permissions from."
                    return await self._permissions(request, session, draft, errors=[message], status=400)
                return await self._review(request, session, draft)
            page = action.removeprefix("page:") if action.startswith("page:") else "1"
            return await self._permissions(request, session, draft, query=form.get("policy_q", ""), page=page)
        if origin == "review":
            if action == "previous":
                return await self._permissions(request, session, draft)
            if action.startswith("remove_tag:"):
                index = action.removeprefix("remove_tag:")
                if index.isdigit() and int(index) < len(draft.tags):
                    del draft.tags[int(index)]
            return await self._review(request, session, draft)
        return self._details(session, draft, [])

    # --- Create user, and the page that shows its secrets once ---

    async def create(self, request: Request, session: ConsoleSession) -> Response:
        pairs = await read_form_pairs(request)
        if not csrf_ok(session, dict(pairs)):
            return forbidden(self.console)
        draft = Draft.from_form(pairs)
        caller = self.pages.caller(request, session)
        held: str | None = None
        if draft.console_access and draft.custom_password:
            held = await self.console.shown_once.take(session.key, draft.password_slot)
            if held is None:
                return self._details(session, draft, [REENTER], status=400)

        def work() -> Created | AwsError:
            try:
                copied = (
                    user_create_choices.copied_from(caller, draft.copy_from)
                    if draft.option == "copy"
                    else None
                )
                password = held
                if draft.console_access and password is None:
                    password = generate_password(password_policy(caller))
                url = signin_url(request, account_name(caller))
                return create_user(caller, draft, copied, password, url)
            except AwsError as error:
                return error

        created = await anyio.to_thread.run_sync(work)
        if isinstance(created, AwsError):
            if held is not None:
                await self.console.shown_once.put(session.key, draft.password_slot, held)
            return await self._review(request, session, draft, [created.message], created.status)
        await self.console.shown_once.put(session.key, _CREATED, created.as_json())
        return RedirectResponse(f"{PATH}/done", status_code=303)

    async def done(self, _request: Request, session: ConsoleSession) -> Response:
        """**Retrieve password**: shown to this session once; a reload shows no secret."""
        pending = await self.console.shown_once.take(session.key, _CREATED)
        created = Created.from_json(pending) if pending is not None else None
        password_csv = key_csv = None
        if created is not None and created.password is not None:
            password_csv = csv_files.data_url(
                csv_files.password_csv(created.user_name, created.password, created.signin_url)
            )
        if created is not None and created.access_key is not None:
            key_csv = csv_files.data_url(csv_files.access_key_csv(*created.access_key))
        return self.pages.page(
            "user_create_done.html",
            session,
            title="Retrieve password",
            created=created,
            password_csv=password_csv,
            key_csv=key_csv,
        )
