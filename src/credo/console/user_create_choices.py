"""What the Create user wizard offers and resolves, read as the signed-in principal.

Groups (ListGroups), users to copy from (ListUsers), policies (ListPolicies: AWS managed and
customer managed), and a copy source's permissions (ListGroupsForUser, ListAttachedUserPolicies,
GetUser's permissions boundary). A list the caller may not read is offered as AWS's refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from credo.console.overview import Caller
from credo.errors import AwsError
from credo.iam.password_policy import as_utc

T = TypeVar("T")

AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy/"
SERVICE_ROLE_POLICY_PREFIX = AWS_POLICY_PREFIX + "aws-service-role/"


@dataclass(frozen=True)
class Named:
    """A group or user to choose from."""

    name: str
    created: datetime


@dataclass(frozen=True)
class PolicyRow:
    name: str
    arn: str
    attachments: int

    @property
    def aws_managed(self) -> bool:
        return self.arn.startswith(AWS_POLICY_PREFIX)

    @property
    def kind(self) -> str:
        """The Type column as AWS's console words it."""
        if not self.aws_managed:
            return "Customer managed"
        return "AWS managed - job function" if "/job-function/" in self.arn else "AWS managed"


@dataclass(frozen=True)
class Offered(Generic[T]):
    """A list for the wizard, or AWS's message when the caller may not read it."""

    rows: list[T]
    denied: str | None = None


@dataclass(frozen=True)
class Copied:
    """What **Copy permissions** gives the new user."""

    groups: list[str]
    policies: list[str]
    boundary: str | None


def offer(read: Callable[[], list[T]]) -> Offered[T]:
    try:
        return Offered(read())
    except AwsError as error:
        return Offered([], error.message)


def groups(caller: Caller) -> list[Named]:
    return [
        Named(group["GroupName"], as_utc(group["CreateDate"]))
        for group in caller.call_all("ListGroups", "Groups")
    ]


def users(caller: Caller) -> list[Named]:
    return [
        Named(user["UserName"], as_utc(user["CreateDate"])) for user in caller.call_all("ListUsers", "Users")
    ]


def policies(caller: Caller) -> list[PolicyRow]:
    """Every policy a user can have attached (service-role policies are AWS's to attach, not ours)."""
    return [
        PolicyRow(policy["PolicyName"], policy["Arn"], policy.get("AttachmentCount", 0))
        for policy in caller.call_all("ListPolicies", "Policies")
        if not policy["Arn"].startswith(SERVICE_ROLE_POLICY_PREFIX)
    ]


def policy_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def resolve_policies(requested: Sequence[str], known: Offered[PolicyRow]) -> tuple[list[str], list[str]]:
    """The ARNs of a deep link's ``policy=`` values (AWS managed names or full ARNs), and errors.

    A name is looked up among the AWS managed policies (whose paths vary: ``job-function/…``);
    when the caller may not list policies, a name becomes ``arn:aws:iam::aws:policy/NAME``.
    """
    by_name = {row.name: row.arn for row in known.rows if row.aws_managed}
    arns = {row.arn for row in known.rows}
    found: list[str] = []
    errors: list[str] = []
    for value in requested:
        value = value.strip()[:2048]
        arn = value if value.startswith("arn:") else by_name.get(value, AWS_POLICY_PREFIX + value)
        if known.denied is None and arn not in arns:
            errors.append(f"Policy {arn} does not exist or is not attachable.")
        else:
            found.append(arn)
    return found, errors


def copied_from(caller: Caller, user_name: str) -> Copied:
    """The source user's groups, attached managed policies and permissions boundary; raises AwsError."""
    member_of = caller.call_all("ListGroupsForUser", "Groups", UserName=user_name)
    attached = caller.call_all("ListAttachedUserPolicies", "AttachedPolicies", UserName=user_name)
    boundary = caller.call("GetUser", UserName=user_name)["User"].get("PermissionsBoundary")
    return Copied(
        [group["GroupName"] for group in member_of],
        [policy["PolicyArn"] for policy in attached],
        boundary["PermissionsBoundaryArn"] if boundary else None,
    )
