"""What a user's detail page shows: its summary and one tab, each from the operations AWS's console calls.

GetUser comes first: an unknown user (NoSuchEntity) or one the caller may not read ends the page
there. Every later call that is refused leaves its part of the page empty and adds AWS's message
to ``refusals``, shown in place (as the dashboard and the lists do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from credo.console.access_key_actions import KeyRow, list_keys
from credo.console.mfa_devices import DeviceRow, list_devices
from credo.console.policy_forms import Permissions, read_permissions
from credo.errors import AwsError, NoSuchEntity
from credo.iam.password_policy import as_utc

if TYPE_CHECKING:
    from credo.console.overview import Caller

TABS = {
    "permissions": "Permissions",
    "groups": "Groups",
    "tags": "Tags",
    "security_credentials": "Security credentials",
}
Value = TypeVar("Value")


@dataclass(frozen=True)
class GroupPolicies:
    group: str
    attached: list[str]
    inline: list[str]


@dataclass(frozen=True)
class ConsoleAccess:
    enabled: bool
    created: datetime | None = None
    reset_required: bool = False


@dataclass
class UserDetail:
    """The summary every tab shows, and the chosen tab's contents (``None`` where refused)."""

    name: str
    arn: str
    path: str
    created: datetime
    password_last_used: datetime | None
    boundary_arn: str | None
    tab: str
    console_access: ConsoleAccess | None = None
    keys: list[KeyRow] | None = None
    permissions: Permissions | None = None
    via_groups: list[GroupPolicies] | None = None
    groups: list[dict[str, Any]] | None = None
    tags: list[dict[str, str]] | None = None
    mfa: list[DeviceRow] | None = None
    refusals: list[str] = field(default_factory=list)

    def attempt(self, gather: Callable[[], Value]) -> Value | None:
        try:
            return gather()
        except AwsError as error:
            if error.message not in self.refusals:
                self.refusals.append(error.message)
            return None


def user_detail(caller: Caller, name: str, tab: str) -> UserDetail:
    """The page's contents; raises GetUser's error (NoSuchEntity, AccessDenied)."""
    user = caller.call("GetUser", UserName=name)["User"]
    used = user.get("PasswordLastUsed")
    detail = UserDetail(
        name=user["UserName"],
        arn=user["Arn"],
        path=user["Path"],
        created=as_utc(user["CreateDate"]),
        password_last_used=as_utc(used) if used is not None else None,
        boundary_arn=(user.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        tab=tab if tab in TABS else "permissions",
    )
    name = detail.name
    detail.console_access = detail.attempt(lambda: _console_access(caller, name))
    detail.keys = detail.attempt(lambda: list_keys(caller, name))
    if detail.tab == "permissions":
        detail.permissions = read_permissions(caller, "User", name)
        detail.via_groups = detail.attempt(lambda: _via_groups(caller, name))
    elif detail.tab == "groups":
        detail.groups = detail.attempt(lambda: _groups(caller, name))
    elif detail.tab == "tags":
        detail.tags = detail.attempt(lambda: caller.call_all("ListUserTags", "Tags", UserName=name))
    else:
        detail.mfa = detail.attempt(lambda: list_devices(caller, name))
    return detail


def _console_access(caller: Caller, name: str) -> ConsoleAccess:
    try:
        profile = caller.call("GetLoginProfile", UserName=name)["LoginProfile"]
    except NoSuchEntity:
        return ConsoleAccess(enabled=False)
    return ConsoleAccess(True, as_utc(profile["CreateDate"]), bool(profile.get("PasswordResetRequired")))


def _groups(caller: Caller, name: str) -> list[dict[str, Any]]:
    groups = caller.call_all("ListGroupsForUser", "Groups", UserName=name)
    return [{"name": g["GroupName"], "arn": g["Arn"], "created": as_utc(g["CreateDate"])} for g in groups]


def _via_groups(caller: Caller, name: str) -> list[GroupPolicies]:
    found = []
    for group in caller.call_all("ListGroupsForUser", "Groups", UserName=name):
        group_name = group["GroupName"]
        attached = [
            policy["PolicyName"]
            for policy in caller.call_all(
                "ListAttachedGroupPolicies", "AttachedPolicies", GroupName=group_name
            )
        ]
        inline = caller.call_all("ListGroupPolicies", "PolicyNames", GroupName=group_name)
        found.append(GroupPolicies(group_name, attached, inline))
    return found
