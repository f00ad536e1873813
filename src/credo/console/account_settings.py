"""Account settings: the password policy, the account alias (and the sign-in URL it makes), and for
the root user the account email address and a way to the root access keys.

Each section reads and changes its setting through the API operations AWS's console uses
(GetAccountPasswordPolicy, ListAccountAliases, CreateAccountAlias, DeleteAccountAlias…) as the
signed-in principal; the password policy form is ``account_settings_password``, the root email
(which no IAM API changes) ``account_settings_email``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo.console.account_settings_email import AccountEmailPages, acts_as_root, root_email
from credo.console.account_settings_password import DEFAULT_RULES, PasswordPolicyPages, policy_rules
from credo.console.overview import Caller
from credo.console.pages import ConsolePages
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form, signin_url
from credo.errors import AwsError, NoSuchEntity

PATH = "/console/account-settings"
TITLE = "Account settings"


@dataclass
class Settings:
    """What the page shows; a section the caller may not read shows AWS's refusal instead."""

    password_rules: list[str] | None = None  # None: AWS's default policy applies
    alias: str | None = None
    email: str | None = None
    errors: list[str] = field(default_factory=list)


class AccountSettingsPages:
    """The routes under ``/console/account-settings``."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[BaseRoute]:
        guard = self.pages.signed_in
        return [
            Route(PATH, guard(self.overview), methods=["GET"]),
            Route(f"{PATH}/alias", guard(self.alias_form), methods=["GET"]),
            Route(f"{PATH}/alias", guard(self.set_alias), methods=["POST"]),
            Route(f"{PATH}/alias/delete", guard(self.delete_alias), methods=["POST"]),
            *PasswordPolicyPages(self.pages).routes(),
            *AccountEmailPages(self.pages).routes(),
        ]

    async def _current_alias(self, caller: Caller) -> str | None:
        aliases = (await self.pages.call(caller, "ListAccountAliases"))["AccountAliases"]
        return aliases[0] if aliases else None

    async def overview(
        self, request: Request, session: ConsoleSession, *, status: int = 200, error: str | None = None
    ) -> Response:
        """The page; ``error`` (an action's refusal) is shown above the sections' own."""
        caller = self.pages.caller(request, session)
        shown = Settings(errors=[error] if error else [])
        refusals: list[AwsError] = []
        try:
            policy = (await self.pages.call(caller, "GetAccountPasswordPolicy"))["PasswordPolicy"]
            shown.password_rules = policy_rules(policy)
        except NoSuchEntity:
            shown.password_rules = None
        except AwsError as refused:
            refusals.append(refused)
        try:
            shown.alias = await self._current_alias(caller)
        except AwsError as refused:
            refusals.append(refused)
        shown.errors += [refused.message for refused in refusals]
        if error is None and refusals:
            status = refusals[0].status
        account_id = session.principal().account_id
        if acts_as_root(session):
            shown.email = await root_email(self.console.services, session.account_id)
        return self.pages.page(
            "account_settings.html",
            session,
            status=status,
            title=TITLE,
            shown=shown,
            default_rules=DEFAULT_RULES,
            account_id=account_id,
            root=acts_as_root(session),
            signin_url=signin_url(request, shown.alias or account_id),
        )

    async def alias_form(self, request: Request, session: ConsoleSession) -> Response:
        alias = ""
        error = None
        status = 200
        try:
            alias = await self._current_alias(self.pages.caller(request, session)) or ""
        except AwsError as refused:
            error, status = refused.message, refused.status
        return self._alias_page(session, alias, status=status, error=error, existing=bool(alias))

    def _alias_page(
        self,
        session: ConsoleSession,
        alias: str,
        *,
        existing: bool,
        status: int = 200,
        error: str | None = None,
    ) -> Response:
        title = "Edit account alias" if existing else "Create account alias"
        return self.pages.page(
            "account_settings_alias.html",
            session,
            status=status,
            title=title,
            alias=alias,
            existing=existing,
            error=error,
        )

    async def set_alias(self, request: Request, session: ConsoleSession) -> Response:
        """Create or change the alias; AWS's console changes one by DeleteAccountAlias + CreateAccountAlias.

        If the new alias is refused (taken, malformed, denied) the old one is put back, so a failed
        change does not leave the account without the alias its users sign in with.
        """
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        wanted = form.get("alias", "").strip()
        caller = self.pages.caller(request, session)
        try:
            current = await self._current_alias(caller)
            if current == wanted:
                return RedirectResponse(PATH, status_code=303)
            if current is not None:
                await self.pages.call(caller, "DeleteAccountAlias", AccountAlias=current)
            try:
                await self.pages.call(caller, "CreateAccountAlias", AccountAlias=wanted)
            except AwsError:
                if current is not None:
                    await self.pages.attempt(caller, "CreateAccountAlias", AccountAlias=current)
                raise
        except AwsError as error:
            return self._alias_page(
                session, wanted, existing=bool(form.get("existing")), status=error.status, error=error.message
            )
        return RedirectResponse(PATH, status_code=303)

    async def delete_alias(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        error = await self.pages.attempt(
            self.pages.caller(request, session), "DeleteAccountAlias", AccountAlias=form.get("alias", "")
        )
        if error is not None:
            return await self.overview(request, session, status=error.status, error=error.message)
        return RedirectResponse(PATH, status_code=303)
