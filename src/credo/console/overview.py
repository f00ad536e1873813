"""What the dashboard and the Users page show, gathered through the API's operations as the caller.

Each figure comes from the operation AWS's console would call (GetAccountSummary, ListUsers,
ListMFADevices, ListAccessKeys, ListAccountAliases), so a caller sees only what the API
would show them; a refusal is reported in place of the figure, in AWS's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from credo.call import Result, Services
from credo.console import calls
from credo.console.sessions import ConsoleSession
from credo.errors import AwsError
from credo.iam.password_policy import as_utc

KEY_AGE_LIMIT = timedelta(days=90)


@dataclass(frozen=True)
class Caller:
    """The session and request details every operation call needs."""

    services: Services
    session: ConsoleSession
    source_ip: str
    secure: bool

    def call(self, action: str, service: str = "iam", **params: Any) -> Result:
        """``service:action`` as the session's principal; raises its ``AwsError`` (AccessDenied…)."""
        return calls.invoke(
            self.services,
            self.session.principal(),
            service,
            action,
            params,
            source_ip=self.source_ip,
            secure_transport=self.secure,
        )

    def call_all(self, action: str, member: str, **params: Any) -> list[Any]:
        """Every item of a paged list operation (``Marker`` followed to the end), e.g. ListPolicies' Policies."""
        items: list[Any] = []
        while True:
            result = self.call(action, MaxItems=1000, **params)
            items += result[member]
            if not result.get("IsTruncated"):
                return items
            params["Marker"] = result["Marker"]


@dataclass
class Dashboard:
    account_id: str
    alias: str | None = None
    # Each recommendation AWS's IAM dashboard shows, when it applies.
    recommendations: list[str] = field(default_factory=list)
    # AWS's messages for what the caller may not see.
    denied: list[str] = field(default_factory=list)


def dashboard(caller: Caller) -> Dashboard:
    shown = Dashboard(account_id=caller.session.account_id)
    try:
        aliases = caller.call("ListAccountAliases")["AccountAliases"]
        shown.alias = aliases[0] if aliases else None
    except AwsError as error:
        shown.denied.append(error.message)
    try:
        summary = caller.call("GetAccountSummary")["SummaryMap"]
        if not summary.get("AccountMFAEnabled"):
            shown.recommendations.append("Add MFA for the root user.")
        if summary.get("AccountAccessKeysPresent"):
            shown.recommendations.append(
                "Deactivate or delete the root user's access keys; use IAM users or roles instead."
            )
    except AwsError as error:
        shown.denied.append(error.message)
    try:
        _user_recommendations(caller, shown)
    except AwsError as error:
        shown.denied.append(error.message)
    return shown


def _user_recommendations(caller: Caller, shown: Dashboard) -> None:
    now = caller.services.clock.now()
    # Imported here: the Users pages' modules build on Caller, defined in this one.
    from credo.console.users_list import list_users

    users = list_users(caller)
    without_mfa = [user.name for user in users if not user.has_mfa]
    if without_mfa:
        shown.recommendations.append(
            f"Add MFA for {len(without_mfa)} IAM user(s) without it: {', '.join(without_mfa)}."
        )
    old_keys = []
    for user in users:
        for key in caller.call("ListAccessKeys", UserName=user.name)["AccessKeyMetadata"]:
            if key["Status"] == "Active" and now - as_utc(key["CreateDate"]) > KEY_AGE_LIMIT:
                old_keys.append(f"{user.name} ({key['AccessKeyId']})")
    if old_keys:
        shown.recommendations.append(
            f"Rotate {len(old_keys)} active access key(s) older than 90 days: {', '.join(old_keys)}."
        )
