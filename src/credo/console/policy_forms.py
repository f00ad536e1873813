"""What the console's permission forms share: the managed-policy choices, a holder's policies, JSON.

Users, groups and roles hold policies the same way (``ListAttached{Label}Policies``,
``List{Label}Policies`` + ``Get{Label}Policy``), so one reader serves each detail page's
Permissions tab; ``policy_options`` feeds the **Attach permissions policies** pickers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from credo.console.overview import Caller
from credo.console.pickers import Option
from credo.errors import AwsError

POLICY_COLUMNS = ("Type", "Attached entities")
_AWS_POLICY = "arn:aws:iam::aws:policy/"


def policy_link(arn: str) -> str:
    return "/console/policies/detail?arn=" + quote(arn, safe="")


def policy_type(arn: str) -> str:
    """The **Type** column as the IAM console words it."""
    if not arn.startswith(_AWS_POLICY):
        return "Customer managed"
    if arn.startswith(_AWS_POLICY + "job-function/"):
        return "AWS managed - job function"
    return "AWS managed"


def policy_options(caller: Caller) -> tuple[list[Option], str | None]:
    """Every managed policy (AWS's and the account's) as picker rows; or AWS's refusal of ListPolicies."""
    try:
        policies = caller.call_all("ListPolicies", "Policies")
    except AwsError as error:
        return [], error.message
    options = [
        Option(
            policy["Arn"],
            policy["PolicyName"],
            (policy_type(policy["Arn"]), str(policy["AttachmentCount"])),
            policy_link(policy["Arn"]),
        )
        for policy in policies
    ]
    # Customer managed first, as the console lists them, then by name.
    options.sort(key=lambda option: (option.value.startswith(_AWS_POLICY), option.label.casefold()))
    return options, None


def pretty(document: str) -> str:
    """A policy document indented as the console's editor shows it (as stored when not JSON)."""
    try:
        return json.dumps(json.loads(document), indent=4)
    except ValueError:
        return document


@dataclass(frozen=True)
class AttachedPolicy:
    name: str
    arn: str

    @property
    def type(self) -> str:
        return policy_type(self.arn)

    @property
    def link(self) -> str:
        return policy_link(self.arn)


@dataclass(frozen=True)
class InlinePolicy:
    name: str
    document: str


@dataclass
class Permissions:
    """A user's, group's or role's policies; ``errors`` holds AWS's refusals of what could not be read."""

    attached: list[AttachedPolicy] = field(default_factory=list)
    inline: list[InlinePolicy] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_permissions(caller: Caller, label: str, name: str) -> Permissions:
    """``label`` is "User", "Group" or "Role", as the API's operation names spell it."""
    found = Permissions()
    name_param = {f"{label}Name": name}
    try:
        attached = caller.call_all(f"ListAttached{label}Policies", "AttachedPolicies", **name_param)
        found.attached = [AttachedPolicy(item["PolicyName"], item["PolicyArn"]) for item in attached]
    except AwsError as error:
        found.errors.append(error.message)
    try:
        names = caller.call_all(f"List{label}Policies", "PolicyNames", **name_param)
        for policy_name in names:
            got = caller.call(f"Get{label}Policy", PolicyName=policy_name, **name_param)
            found.inline.append(InlinePolicy(policy_name, pretty(unquote(got["PolicyDocument"]))))
    except AwsError as error:
        found.errors.append(error.message)
    return found


def remove_all_policies(caller: Caller, label: str, name: str) -> None:
    """Detach every managed policy and delete every inline one, as the console does before deleting
    a holder; raises the first refusal."""
    name_param = {f"{label}Name": name}
    for policy in caller.call_all(f"ListAttached{label}Policies", "AttachedPolicies", **name_param):
        caller.call(f"Detach{label}Policy", PolicyArn=policy["PolicyArn"], **name_param)
    for policy_name in caller.call_all(f"List{label}Policies", "PolicyNames", **name_param):
        caller.call(f"Delete{label}Policy", PolicyName=policy_name, **name_param)
