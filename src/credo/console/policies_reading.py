"""What the Policies pages share: policy kinds and uses as AWS's console words them, their links,
who a policy is attached to, and a version's document as the editor and viewer show it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlencode

from credo.call import Result
from credo.console.overview import Caller

PATH = "/console/policies"
_AWS_MANAGED = ":iam::aws:policy/"


@dataclass(frozen=True)
class Holder:
    """A kind of entity a policy is attached to, as ListEntitiesForPolicy and Detach*Policy name it."""

    label: str  # EntityFilter value: User, Group, Role
    kind: str  # the console's path segment for its pages: users, groups, roles

    @property
    def member(self) -> str:
        return f"Policy{self.label}s"

    @property
    def name_key(self) -> str:
        return f"{self.label}Name"

    @property
    def detach(self) -> str:
        return f"Detach{self.label}Policy"


HOLDERS = (Holder("User", "users"), Holder("Group", "groups"), Holder("Role", "roles"))


def entities_using(caller: Caller, policy_arn: str, holder: Holder, usage: str) -> list[str]:
    """Names of ``holder``'s kind using the policy as ``usage`` (PermissionsPolicy or PermissionsBoundary)."""
    found = caller.call_all(
        "ListEntitiesForPolicy",
        holder.member,
        PolicyArn=policy_arn,
        EntityFilter=holder.label,
        PolicyUsageFilter=usage,
    )
    return [entity[holder.name_key] for entity in found]


def is_aws_managed(policy_arn: str) -> bool:
    return _AWS_MANAGED in policy_arn


def policy_type(policy_arn: str, path: str) -> str:
    """The Type column: AWS's job-function policies live under the path ``/job-function/``."""
    if not is_aws_managed(policy_arn):
        return "Customer managed"
    return "AWS managed - job function" if path.startswith("/job-function/") else "AWS managed"


def used_as(policy: Result) -> str:
    """The Used as column, from ListPolicies' counts (no extra call per policy)."""
    uses = []
    if policy.get("AttachmentCount"):
        uses.append(f"Permissions policy ({policy['AttachmentCount']})")
    if policy.get("PermissionsBoundaryUsageCount"):
        uses.append(f"Permissions boundary ({policy['PermissionsBoundaryUsageCount']})")
    return ", ".join(uses) or "-"


def detail_url(policy_arn: str, **query: str) -> str:
    """The policy's detail page (other pages link here: the URL is fixed)."""
    return f"{PATH}/detail?{urlencode({'arn': policy_arn, **query})}"


def name_of(policy_arn: str) -> str:
    return policy_arn.rsplit("/", 1)[-1]


def entity_url(kind: str, name: str) -> str:
    """The page of a user, group or role (``kind``: ``users``, ``groups``, ``roles``)."""
    return f"/console/{kind}/{quote(name, safe='')}"


def version_document(caller: Caller, policy_arn: str, version_id: str) -> str:
    """A version's JSON, pretty-printed (IAM answers it percent-encoded; boto3 decodes it, we do here)."""
    found = caller.call("GetPolicyVersion", PolicyArn=policy_arn, VersionId=version_id)
    text = unquote(found["PolicyVersion"]["Document"])
    try:
        return json.dumps(json.loads(text), indent=4)
    except ValueError:
        return text
