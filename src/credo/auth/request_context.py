"""The condition keys AWS puts in the request context, for one authenticated call.

Keys that AWS sets only in some situations are absent otherwise: ``aws:MultiFactorAuthPresent``
and ``aws:TokenIssueTime`` exist only for temporary credentials, ``aws:MultiFactorAuthAge`` only
when MFA was used, ``aws:username`` only for IAM users.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from credo.auth.principal import Principal

PRINCIPAL_TYPES = {
    "root": "Account",
    "user": "User",
    "assumed-role": "AssumedRole",
    "federated-user": "FederatedUser",
}

ContextValue = str | list[str]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=8)
def _time_keys(now: datetime) -> tuple[str, str]:
    """``aws:CurrentTime`` and ``aws:EpochTime`` of ``now`` (cached: whole seconds, asked by every
    request, and ``strftime`` costs more than the rest of the context)."""
    return _iso(now), str(int(now.timestamp()))


def principal_keys(
    principal: Principal, *, principal_arn: str, principal_tags: Sequence[Mapping[str, str]]
) -> dict[str, ContextValue]:
    """The keys that are the same for every request made with the principal's credentials: who
    it is, its tags and its session's facts (``request_context`` adds the request's own)."""
    context: dict[str, ContextValue] = {
        "aws:userid": principal.user_id,
        "aws:principalarn": principal_arn,
        "aws:principalaccount": principal.account_id,
        "aws:principaltype": PRINCIPAL_TYPES[principal.kind],
    }
    if principal.kind == "user" and principal.user_name:
        context["aws:username"] = principal.user_name
    if principal.is_session:
        context["aws:multifactorauthpresent"] = "true" if principal.mfa_authenticated else "false"
        if principal.token_issued_at is not None:
            context["aws:tokenissuetime"] = _iso(principal.token_issued_at)
        if principal.source_identity:
            context["aws:sourceidentity"] = principal.source_identity
    for tag in principal_tags:
        context[f"aws:principaltag/{tag['Key'].lower()}"] = tag["Value"]
    for key, value in principal.session_tags:
        context[f"aws:principaltag/{key.lower()}"] = value
    return context


def request_context(
    principal: Principal,
    *,
    principal_arn: str,
    principal_tags: Sequence[Mapping[str, str]],
    params: Mapping[str, Any],
    now: datetime,
    source_ip: str,
    secure_transport: bool,
    region: str,
    resource_tags: Sequence[Mapping[str, str]] = (),
    fixed: Mapping[str, ContextValue] | None = None,
) -> dict[str, ContextValue]:
    """Every global and IAM condition key that applies; keys are lower-case (AWS ignores case).

    ``fixed``: the principal's ``principal_keys``, when the caller kept them (credo.gateway).
    """
    context = (
        dict(fixed)
        if fixed is not None
        else principal_keys(principal, principal_arn=principal_arn, principal_tags=principal_tags)
    )
    current_time, epoch_time = _time_keys(now)
    context["aws:currenttime"] = current_time
    context["aws:epochtime"] = epoch_time
    context["aws:securetransport"] = "true" if secure_transport else "false"
    context["aws:requestedregion"] = region
    if source_ip:
        context["aws:sourceip"] = source_ip
    if principal.mfa_authenticated and principal.mfa_authenticated_at is not None and principal.is_session:
        age = int((now - principal.mfa_authenticated_at).total_seconds())
        context["aws:multifactorauthage"] = str(max(age, 0))
    if not params and not resource_tags:
        return context  # every gateway decision
    request_tags = params.get("Tags") or []
    if request_tags:
        for tag in request_tags:
            context[f"aws:requesttag/{str(tag['Key']).lower()}"] = str(tag.get("Value", ""))
        context["aws:tagkeys"] = [str(tag["Key"]) for tag in request_tags]
    elif params.get("TagKeys"):
        context["aws:tagkeys"] = [str(key) for key in params["TagKeys"]]
    for tag in resource_tags:
        key = tag["Key"].lower()
        context[f"aws:resourcetag/{key}"] = tag["Value"]
        context[f"iam:resourcetag/{key}"] = tag["Value"]
    if params.get("PolicyArn"):
        context["iam:policyarn"] = str(params["PolicyArn"])
    if params.get("PermissionsBoundary"):
        context["iam:permissionsboundary"] = str(params["PermissionsBoundary"])
    if params.get("AWSServiceName"):
        context["iam:awsservicename"] = str(params["AWSServiceName"])
    return context
