"""Identity Center's users, groups, permission sets and assignments as the console's pages show
them, read through the identitystore and sso-admin operations, and the pickers' rows.

The APIs name everything by id (user and group UUIDs, permission set ARNs); a person reads
names. Each reader here asks the operation AWS's console would ask (DescribeUser,
DescribeGroup, DescribePermissionSet…) and keeps what a row needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from credo.console.identity_center import Center, path
from credo.console.overview import Caller
from credo.console.pickers import Option
from credo.console.policy_forms import policy_link, policy_type
from credo.errors import AwsError
from credo.sso import durations, identifiers

# The session durations AWS's console offers for a permission set.
SESSION_DURATIONS = (
    ("PT1H", "1 hour"),
    ("PT2H", "2 hours"),
    ("PT4H", "4 hours"),
    ("PT8H", "8 hours"),
    ("PT12H", "12 hours"),
)
# Paths of AWS managed policies a permission set cannot hold (a service's own role policies).
_SERVICE_ROLE_PATH = "/aws-service-role/"


@dataclass(frozen=True)
class IdentityUser:
    user_id: str
    user_name: str
    display_name: str
    email: str
    given_name: str
    family_name: str
    status: str
    created: datetime | None

    @property
    def link(self) -> str:
        return path("users", self.user_id)


def user_of(item: Mapping[str, Any]) -> IdentityUser:
    """A User (ListUsers, DescribeUser) as a row: the primary email, else the first."""
    emails = item.get("Emails") or []
    primary = next((email for email in emails if email.get("Primary")), emails[0] if emails else {})
    name = item.get("Name") or {}
    return IdentityUser(
        item["UserId"],
        item.get("UserName", ""),
        item.get("DisplayName", ""),
        primary.get("Value", ""),
        name.get("GivenName", ""),
        name.get("FamilyName", ""),
        item.get("UserStatus", "ENABLED"),
        item.get("CreatedAt"),
    )


@dataclass(frozen=True)
class IdentityGroup:
    group_id: str
    name: str
    description: str
    created: datetime | None

    @property
    def link(self) -> str:
        return path("groups", self.group_id)


def group_of(item: Mapping[str, Any]) -> IdentityGroup:
    return IdentityGroup(
        item["GroupId"], item.get("DisplayName", ""), item.get("Description", ""), item.get("CreatedAt")
    )


def duration_text(duration: str) -> str:
    """A session duration as the console words it: "1 hour", "8 hours" (minutes when not whole)."""
    try:
        total = durations.seconds(duration)
    except AwsError:
        return duration
    hours, rest = divmod(total, 3600)
    if rest:
        return f"{total // 60} minutes"
    return "1 hour" if hours == 1 else f"{hours} hours"


@dataclass(frozen=True)
class PermissionSet:
    arn: str
    name: str
    description: str
    session_duration: str
    created: datetime | None

    @property
    def permission_set_id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    @property
    def link(self) -> str:
        return path("permission-sets", self.permission_set_id)

    @property
    def duration_text(self) -> str:
        return duration_text(self.session_duration)


def permission_set_of(described: Mapping[str, Any]) -> PermissionSet:
    return PermissionSet(
        described["PermissionSetArn"],
        described["Name"],
        described.get("Description", ""),
        described.get("SessionDuration", durations.DEFAULT),
        described.get("CreatedDate"),
    )


def read_permission_set(center: Center, arn: str) -> PermissionSet:
    return permission_set_of(center.sso("DescribePermissionSet", PermissionSetArn=arn)["PermissionSet"])


def permission_sets(center: Center) -> list[PermissionSet]:
    """Every permission set of the instance, by name."""
    found = [
        read_permission_set(center, arn) for arn in center.sso_all("ListPermissionSets", "PermissionSets")
    ]
    return sorted(found, key=lambda item: item.name.casefold())


def permission_set_arn(center: Center, permission_set_id: str) -> str:
    """The ARN of the instance's permission set ``ps-…`` (the pages' paths carry the id)."""
    return identifiers.permission_set_arn(center.instance_id, permission_set_id)


def users(center: Center) -> list[IdentityUser]:
    found = [user_of(item) for item in center.ids_all("ListUsers", "Users")]
    return sorted(found, key=lambda user: user.user_name.casefold())


def groups(center: Center) -> list[IdentityGroup]:
    found = [group_of(item) for item in center.ids_all("ListGroups", "Groups")]
    return sorted(found, key=lambda group: group.name.casefold())


@dataclass(frozen=True)
class Principal:
    """A user or group an assignment names, with the name to show and its page."""

    kind: str  # "USER" or "GROUP", as the APIs spell it
    principal_id: str
    name: str

    @property
    def link(self) -> str:
        return path("users" if self.kind == "USER" else "groups", self.principal_id)

    @property
    def kind_text(self) -> str:
        return "User" if self.kind == "USER" else "Group"


def principal(center: Center, kind: str, principal_id: str) -> Principal:
    """The user or group ``principal_id`` names; the id itself when it cannot be read."""
    try:
        if kind == "USER":
            name = center.ids("DescribeUser", UserId=principal_id).get("UserName", principal_id)
        else:
            name = center.ids("DescribeGroup", GroupId=principal_id).get("DisplayName", principal_id)
    except AwsError:
        name = principal_id
    return Principal(kind, principal_id, str(name))


@dataclass(frozen=True)
class Assignment:
    account_id: str
    permission_set: PermissionSet
    principal: Principal

    @property
    def account_link(self) -> str:
        return path("accounts", self.account_id)


def assignments_of(center: Center, kind: str, principal_id: str, name: str) -> list[Assignment]:
    """A user's or group's assignments (ListAccountAssignmentsForPrincipal), by account and name."""
    items = center.sso_all(
        "ListAccountAssignmentsForPrincipal",
        "AccountAssignments",
        PrincipalType=kind,
        PrincipalId=principal_id,
    )
    known: dict[str, PermissionSet] = {}
    found = []
    for item in items:
        arn = item["PermissionSetArn"]
        if arn not in known:
            known[arn] = read_permission_set(center, arn)
        found.append(Assignment(item["AccountId"], known[arn], Principal(kind, principal_id, name)))
    return sorted(found, key=lambda row: (row.account_id, row.permission_set.name.casefold()))


def user_options(center: Center) -> list[Option]:
    return [
        Option(user.user_id, user.user_name, (user.display_name, user.email), user.link)
        for user in users(center)
    ]


def group_options(center: Center) -> list[Option]:
    return [Option(group.group_id, group.name, (group.description,), group.link) for group in groups(center)]


def permission_set_options(center: Center) -> list[Option]:
    return [
        Option(item.arn, item.name, (item.description, item.duration_text), item.link)
        for item in permission_sets(center)
    ]


def aws_policy_options(caller: Caller) -> tuple[list[Option], str | None]:
    """AWS managed policies a permission set may hold (IAM's ListPolicies, Scope AWS, as AWS's
    console lists them); or AWS's refusal of ListPolicies."""
    try:
        policies = caller.call_all("ListPolicies", "Policies", Scope="AWS")
    except AwsError as error:
        return [], error.message
    options = [
        Option(policy["Arn"], policy["PolicyName"], (policy_type(policy["Arn"]),), policy_link(policy["Arn"]))
        for policy in policies
        if not str(policy.get("Path", "/")).startswith(_SERVICE_ROLE_PATH)
    ]
    return sorted(options, key=lambda option: option.label.casefold()), None
