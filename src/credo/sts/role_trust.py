"""May this caller assume this role? The role's trust policy against the caller's own policies.

AWS's "Cross-account policy evaluation logic" and "How IAM roles differ from resource-based
policies": the trust policy is the role's resource-based policy and must always allow the
caller. Within the role's account that is enough when it names the caller (user, role,
session); when it names only the account, the caller's identity policies must allow
``sts:AssumeRole`` on the role too. From another account both must allow, the caller's side
capped by its permissions boundary and session policies. The root user never gets this
far: AWS refuses root keys for AssumeRole outright (``credo.sts.assume_role``).

A role that does not exist is refused with the same AccessDenied as one whose trust policy
says no: AWS does not tell callers which roles exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, RowMapping, select

from credo import arn
from credo.auth import identity_policies
from credo.auth.identity_policies import IdentityPolicies
from credo.auth.principal import Principal
from credo.auth.request_context import ContextValue, request_context
from credo.call import Call
from credo.errors import AccessDenied
from credo.iam.roles import role_arn
from credo.policy import Policy, Request, compile_policy, evaluate
from credo.store.schema import roles

TRUST_POLICY_ID = "AssumeRolePolicy"


def denied(caller: Principal, action: str, resource: str) -> AccessDenied:
    """AWS's wording for a refused AssumeRole (and its TagSession/SetSourceIdentity parts)."""
    return AccessDenied(f"User: {caller.arn} is not authorized to perform: {action} on resource: {resource}")


def find_role_by_arn(conn: Connection, requested_arn: str) -> RowMapping | None:
    """The role whose ARN is exactly ``requested_arn`` (path included), if any."""
    parsed = arn.parse_arn(requested_arn)
    if parsed is None or parsed.service != "iam" or not parsed.resource.startswith("role/"):
        return None
    name = parsed.resource.rsplit("/", 1)[-1]
    row = (
        conn.execute(
            select(roles).where(roles.c.account_id == parsed.account, roles.c.name_lower == name.lower())
        )
        .mappings()
        .first()
    )
    if row is None or role_arn(row) != requested_arn:
        return None
    return row


@dataclass(frozen=True)
class CallerPolicies:
    """The caller's side of the decision: its identity policies and their caps."""

    identity: IdentityPolicies
    boundaries: list[Policy] | None
    session: list[Policy] | None


def caller_policies(conn: Connection, caller: Principal) -> CallerPolicies | None:
    """The caller's stored policies; ``None`` when its user or role no longer exists."""
    if caller.identity_kind == "role":
        identity = identity_policies.load_role(conn, caller.account_id, caller.identity_id)
    else:
        identity = identity_policies.load_user(conn, caller.account_id, caller.identity_id)
    if not identity.exists:
        return None
    boundaries = [identity.boundary] if identity.boundary is not None else None
    session = [compile_policy(text, "session") for text in caller.session_policies] or None
    return CallerPolicies(identity, boundaries, session)


def trust_context(
    call: Call,
    identity: IdentityPolicies,
    now: datetime,
    *,
    mfa_at: int | None,
    source_identity: str | None,
) -> dict[str, ContextValue]:
    """The request context AWS evaluates a trust policy with: the global keys plus ``sts:*``."""
    params: Mapping[str, object] = call.params
    caller = call.principal
    context = request_context(
        caller,
        principal_arn=identity.arn or caller.arn,
        principal_tags=identity.tags,
        params=params,
        now=now,
        source_ip=call.source_ip,
        secure_transport=False,
        region=call.region,
    )
    # The handler cannot see the transport, so the key is left out rather than guessed.
    context.pop("aws:securetransport", None)
    if mfa_at is not None:
        context["aws:multifactorauthpresent"] = "true"
        context["aws:multifactorauthage"] = str(max(int(now.timestamp()) - mfa_at, 0))
    context["sts:rolesessionname"] = str(params["RoleSessionName"])
    if params.get("ExternalId") is not None:
        context["sts:externalid"] = str(params["ExternalId"])
    transitive = params.get("TransitiveTagKeys")
    if isinstance(transitive, list) and transitive:
        context["sts:transitivetagkeys"] = [str(key) for key in transitive]
    if source_identity is not None:
        context["sts:sourceidentity"] = source_identity
    return context


def require_trust(
    caller: Principal,
    policies: CallerPolicies,
    trust_policy: str,
    role_arn_text: str,
    role_account: str,
    context: Mapping[str, ContextValue],
    actions: Sequence[str],
) -> None:
    """Raise AccessDenied unless every one of ``actions`` is allowed on the role."""
    trust = compile_policy(trust_policy, "trust")
    for action in actions:
        request = Request(
            action=action,
            resource=role_arn_text,
            context=context,
            principal_arn=caller.arn,
            principal_account=caller.account_id,
        )
        decision = evaluate(
            request,
            identity=policies.identity.identity,
            resource=[(TRUST_POLICY_ID, trust)],
            boundaries=policies.boundaries,
            session=policies.session,
            resource_account=role_account,
            resource_required=True,
        )
        if not decision.allowed:
            raise denied(caller, action, role_arn_text)


def require_federated_trust(
    trust_policy: str,
    role_arn_text: str,
    role_account: str,
    provider_arn: str,
    context: Mapping[str, ContextValue],
    actions: Sequence[str],
) -> None:
    """Raise AccessDenied unless the trust policy allows each of ``actions`` to a federated caller.

    A SAML or web identity caller has no IAM identity and no policies of its own: only a trust
    policy naming ``{"Federated": provider_arn}`` can let it in. AWS's message names the action
    and nothing else; credo's Detail says which part was refused.
    """
    trust = compile_policy(trust_policy, "trust")
    for action in actions:
        request = Request(
            action=action, resource=role_arn_text, context=context, principal_federated=provider_arn
        )
        decision = evaluate(
            request,
            resource=[(TRUST_POLICY_ID, trust)],
            resource_account=role_account,
            resource_required=True,
        )
        if not decision.allowed:
            raise AccessDenied(
                f"Not authorized to perform {action}",
                detail=f"The trust policy of {role_arn_text} does not allow {action} to {provider_arn} "
                "with this request's context.",
            )
