"""What the Policies pages share: policy kinds and uses as AWS's console words them, their links,
every page of a list operation, and a version's document as the editor and viewer show it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote, urlencode

from credo.call import Result
from credo.console.overview import Caller

PATH = "/console/policies"
_AWS_MANAGED = ":iam::aws:policy/"
# Holders of an attachment: ListEntitiesForPolicy's member, its name key, the console's path
# segment for the holder's page, and the detach action.
HOLDERS = (
    ("PolicyUsers", "UserName", "users", "DetachUserPolicy"),
    ("PolicyGroups", "GroupName", "groups", "DetachGroupPolicy"),
    ("PolicyRoles", "RoleName", "roles", "DetachRolePolicy"),
)


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


def pages_of(caller: Caller, action: str, **params: Any) -> Iterator[Result]:
    """Each page of a paged list operation, following its Marker."""
    while True:
        result = caller.call(action, **params)
        yield result
        if not result.get("IsTruncated"):
            return
        params["Marker"] = result["Marker"]


def version_document(caller: Caller, policy_arn: str, version_id: str) -> str:
    """A version's JSON, pretty-printed (IAM answers it percent-encoded; boto3 decodes it, we do here)."""
    found = caller.call("GetPolicyVersion", PolicyArn=policy_arn, VersionId=version_id)
    text = unquote(found["PolicyVersion"]["Document"])
    try:
        return json.dumps(json.loads(text), indent=4)
    except ValueError:
        return text
