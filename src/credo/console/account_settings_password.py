"""Account settings → Password policy: the rules in AWS's console's words, and the Edit form.

The form offers AWS's two choices: **IAM default** (DeleteAccountPasswordPolicy: AWS's default
rules apply) or **Custom** with every member of UpdateAccountPasswordPolicy. The values go to
the API as typed, so an out-of-range number is refused with AWS's validation message, shown on
the form with everything kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo.call import Result
from credo.console.pages import ConsolePages
from credo.console.sessions import ConsoleSession
from credo.console.web import csrf_ok, forbidden, read_form
from credo.errors import AwsError, NoSuchEntity

PATH = "/console/account-settings/password-policy"
SYMBOLS_SHOWN = "! @ # $ % ^ & * ( ) _ + - = [ ] { } | '"
DEFAULT_RULES = [
    "Minimum password length is 8 characters",
    "Include a minimum of three of the following mix of character types: uppercase, lowercase, "
    f"numbers, and {SYMBOLS_SHOWN} symbols",
    "Must not be identical to your AWS account name or email address",
]
# The character rules: form field, API member, AWS's wording.
CHARACTER_RULES = (
    (
        "require_uppercase",
        "RequireUppercaseCharacters",
        "Require at least one uppercase letter from the Latin alphabet (A-Z)",
    ),
    (
        "require_lowercase",
        "RequireLowercaseCharacters",
        "Require at least one lowercase letter from the Latin alphabet (a-z)",
    ),
    ("require_numbers", "RequireNumbers", "Require at least one number"),
    (
        "require_symbols",
        "RequireSymbols",
        f"Require at least one non-alphanumeric character ({SYMBOLS_SHOWN})",
    ),
)


def policy_rules(policy: Result) -> list[str]:
    """A custom policy (GetAccountPasswordPolicy's ``PasswordPolicy``) as the console lists it."""
    rules = [f"Minimum password length is {policy['MinimumPasswordLength']} characters"]
    rules += [words for _field, member, words in CHARACTER_RULES if policy.get(member)]
    if policy.get("MaxPasswordAge"):
        rules.append(f"Password expires in {policy['MaxPasswordAge']} day(s)")
    if policy.get("HardExpiry"):
        rules.append("Password expiration requires administrator reset")
    if policy.get("AllowUsersToChangePassword"):
        rules.append("Allow users to change their own password")
    if policy.get("PasswordReusePrevention"):
        rules.append(f"Remember last {policy['PasswordReusePrevention']} password(s) and prevent reuse")
    return rules


@dataclass
class PolicyForm:
    """The Edit form's fields, as typed (numbers stay text until the API reads them)."""

    custom: bool = False
    minimum_length: str = "8"
    require_uppercase: bool = False
    require_lowercase: bool = False
    require_numbers: bool = False
    require_symbols: bool = False
    expire: bool = False
    max_age: str = "90"
    hard_expiry: bool = False
    allow_change: bool = False
    prevent_reuse: bool = False
    reuse_count: str = "5"

    @classmethod
    def of_policy(cls, policy: Result | None) -> PolicyForm:
        if policy is None:
            return cls()
        checks = {field: bool(policy.get(member)) for field, member, _words in CHARACTER_RULES}
        return cls(
            custom=True,
            minimum_length=str(policy["MinimumPasswordLength"]),
            expire=bool(policy.get("MaxPasswordAge")),
            max_age=str(policy.get("MaxPasswordAge", 90)),
            hard_expiry=bool(policy.get("HardExpiry")),
            allow_change=bool(policy.get("AllowUsersToChangePassword")),
            prevent_reuse=bool(policy.get("PasswordReusePrevention")),
            reuse_count=str(policy.get("PasswordReusePrevention", 5)),
            **checks,
        )

    @classmethod
    def of_form(cls, form: dict[str, str]) -> PolicyForm:
        ticked = {name for name, value in form.items() if value == "on"}
        checks = {field: field in ticked for field, _member, _words in CHARACTER_RULES}
        return cls(
            custom=form.get("policy") == "custom",
            minimum_length=form.get("minimum_length", "").strip(),
            expire="expire" in ticked,
            max_age=form.get("max_age", "").strip(),
            hard_expiry="hard_expiry" in ticked,
            allow_change="allow_change" in ticked,
            prevent_reuse="prevent_reuse" in ticked,
            reuse_count=form.get("reuse_count", "").strip(),
            **checks,
        )

    def params(self) -> dict[str, Any]:
        """UpdateAccountPasswordPolicy's parameters (the numbers as typed: the API checks them)."""
        params: dict[str, Any] = {
            "MinimumPasswordLength": self.minimum_length,
            "AllowUsersToChangePassword": self.allow_change,
            "HardExpiry": self.hard_expiry,
        }
        params |= {member: getattr(self, field) for field, member, _words in CHARACTER_RULES}
        if self.expire:
            params["MaxPasswordAge"] = self.max_age
        if self.prevent_reuse:
            params["PasswordReusePrevention"] = self.reuse_count
        return params


class PasswordPolicyPages:
    """``GET/POST /console/account-settings/password-policy``."""

    def __init__(self, pages: ConsolePages) -> None:
        self.pages = pages
        self.console = pages.console

    def routes(self) -> list[BaseRoute]:
        guard = self.pages.signed_in
        return [
            Route(PATH, guard(self.edit_form), methods=["GET"]),
            Route(PATH, guard(self.save), methods=["POST"]),
        ]

    def _form(
        self, session: ConsoleSession, values: PolicyForm, *, status: int = 200, error: str | None = None
    ) -> Response:
        return self.pages.page(
            "account_settings_password.html",
            session,
            status=status,
            title="Edit password policy",
            values=values,
            character_rules=CHARACTER_RULES,
            default_rules=DEFAULT_RULES,
            error=error,
        )

    async def edit_form(self, request: Request, session: ConsoleSession) -> Response:
        try:
            found = await self.pages.call(self.pages.caller(request, session), "GetAccountPasswordPolicy")
        except NoSuchEntity:
            return self._form(session, PolicyForm.of_policy(None))
        except AwsError as error:
            return self._form(session, PolicyForm(), status=error.status, error=error.message)
        return self._form(session, PolicyForm.of_policy(found["PasswordPolicy"]))

    async def save(self, request: Request, session: ConsoleSession) -> Response:
        form = await read_form(request)
        if not csrf_ok(session, form):
            return forbidden(self.console)
        values = PolicyForm.of_form(form)
        caller = self.pages.caller(request, session)
        try:
            if values.custom:
                await self.pages.call(caller, "UpdateAccountPasswordPolicy", **values.params())
            else:
                await self.pages.call(caller, "DeleteAccountPasswordPolicy")
        except NoSuchEntity:
            pass  # IAM default chosen while no custom policy exists: nothing to delete
        except AwsError as error:
            return self._form(session, values, status=error.status, error=error.message)
        return RedirectResponse("/console/account-settings", status_code=303)
