"""STS AssumeRole: temporary credentials that act as a role, for callers its trust policy allows.

The decision is ``credo.sts.role_trust``'s. What the session may do is sealed into its token
(``credo.sts.tokens``): the role it acts as, the session policies that narrow the role's
permissions, the session tags (and which of them pass on to a chained role), the source
identity, and when MFA was proven. Issuing the session is ``credo.sts.role_sessions``', shared
with the federation actions; the only rows written are the temporary key's entry in
``session_keys`` (for GetAccessKeyInfo) and the role's last use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credo.auth.principal import Principal
from credo.call import Call, Operation, Result
from credo.errors import AccessDenied, InvalidParameterValue, ValidationError
from credo.sts import role_sessions, role_trust
from credo.sts.mfa_proof import prove_mfa
from credo.sts.role_sessions import RoleSession

# AWS: a role session made with temporary credentials ("role chaining") lasts at most an hour.
CHAINED_MAX_DURATION = 3_600

DURATION_OVER_CHAINING_MAX = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
)
ROOT_MAY_NOT_ASSUME_ROLES = "Roles may not be assumed by root accounts."
TRANSITIVE_KEY_NOT_TAGGED = "The specified transitive tag key must be included in the requested tags."
DUPLICATE_TAG_KEYS = "Duplicate tag keys found. Please note that Tag keys are case insensitive."
INHERITED_TAG_OVERRIDDEN = (
    "One or more of the specified tag keys are already set as transitive tags by the calling session "
    "and cannot be overridden."
)


def _session_tags(
    caller: Principal, params: Mapping[str, Any]
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """(session tags, transitive keys): the caller's transitive tags, then the requested ones."""
    requested = [(str(tag["Key"]), str(tag["Value"])) for tag in params.get("Tags", [])]
    seen: set[str] = set()
    for key, _value in requested:
        if key.lower() in seen:
            raise InvalidParameterValue(DUPLICATE_TAG_KEYS)
        seen.add(key.lower())
    transitive = [str(key) for key in params.get("TransitiveTagKeys", [])]
    for key in transitive:
        if key.lower() not in seen:
            raise InvalidParameterValue(TRANSITIVE_KEY_NOT_TAGGED)
    # Transitive tags of a calling role session carry on down the chain and stay transitive.
    inherited_keys = {key.lower() for key in caller.transitive_tag_keys}
    inherited = [(key, value) for key, value in caller.session_tags if key.lower() in inherited_keys]
    if inherited_keys & seen:
        raise InvalidParameterValue(INHERITED_TAG_OVERRIDDEN)
    keys = tuple(dict.fromkeys([key for key, _value in inherited] + transitive))
    return tuple(inherited + requested), keys


def _duration(call: Call, max_session_duration: int) -> int:
    requested = call.params.get("DurationSeconds")
    if call.principal.is_session and requested is not None and int(requested) > CHAINED_MAX_DURATION:
        raise ValidationError(DURATION_OVER_CHAINING_MAX)
    return role_sessions.requested_duration(call.params, max_session_duration)


def _required_actions(caller: Principal, params: Mapping[str, Any]) -> list[str]:
    """AssumeRole, plus TagSession when tags are passed and SetSourceIdentity when one is set."""
    actions = ["sts:AssumeRole"]
    if params.get("Tags"):
        actions.append("sts:TagSession")
    if params.get("SourceIdentity") is not None or caller.source_identity is not None:
        actions.append("sts:SetSourceIdentity")
    return actions


def _source_identity(caller: Principal, params: Mapping[str, Any]) -> str | None:
    """A source identity, once set, stays for the whole chain of sessions (AWS cannot change it)."""
    requested: str | None = params.get("SourceIdentity")
    if caller.source_identity is not None and requested is not None and requested != caller.source_identity:
        raise ValidationError("The source identity of a role session cannot be changed.")
    return caller.source_identity if caller.source_identity is not None else requested


def assume_role(call: Call) -> Result:
    params = call.params
    caller = call.principal
    requested_arn: str = params["RoleArn"]
    session_name: str = params["RoleSessionName"]
    services = call.services
    if caller.kind == "federated-user":
        # AWS: GetFederationToken credentials may call no STS operation but GetCallerIdentity.
        raise role_trust.denied(caller, "sts:AssumeRole", requested_arn)
    if caller.is_root:
        # AWS refuses the root user's keys before looking at the role or its trust policy.
        raise AccessDenied(ROOT_MAY_NOT_ASSUME_ROLES)
    inline = role_sessions.inline_policy(params)
    tags, transitive_keys = _session_tags(caller, params)
    source_identity = _source_identity(caller, params)
    policy_arns = role_sessions.policy_arns(params)
    mfa_at = prove_mfa(call)
    if mfa_at is None and caller.mfa_authenticated_at is not None:
        # An MFA-authenticated session passes its proof on to the role session it makes.
        mfa_at = int(caller.mfa_authenticated_at.timestamp())
    now = services.clock.now()
    with services.store.read() as conn:
        role = role_trust.find_role_by_arn(conn, requested_arn)
        policies = role_trust.caller_policies(conn, caller)
        if role is None or policies is None:
            raise role_trust.denied(caller, "sts:AssumeRole", requested_arn)
        context = role_trust.trust_context(
            call, policies.identity, now, mfa_at=mfa_at, source_identity=source_identity
        )
        role_trust.require_trust(
            caller,
            policies,
            role["trust_policy"],
            requested_arn,
            role["account_id"],
            context,
            _required_actions(caller, params),
        )
        documents = ([inline] if inline is not None else []) + role_sessions.managed_session_policies(
            conn, role["account_id"], policy_arns
        )
    duration = _duration(call, int(role["max_session_duration"]))
    passes_policies_or_tags = inline is not None or bool(policy_arns) or bool(tags)
    packed = role_sessions.checked_packed_size(inline, policy_arns, tags)
    session = RoleSession(
        duration=duration,
        session_policies=tuple(documents),
        session_tags=tags,
        transitive_tag_keys=transitive_keys,
        source_identity=source_identity,
        mfa_authenticated_at=mfa_at,
        source_key_id=caller.access_key_id,
    )
    result = role_sessions.issue_role_session(call, role, session_name, now, session)
    if passes_policies_or_tags:
        result["PackedPolicySize"] = packed
    if source_identity is not None:
        result["SourceIdentity"] = source_identity
    return result


OPERATIONS = {"AssumeRole": Operation(assume_role)}
