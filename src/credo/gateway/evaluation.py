"""May this principal do this action on this resource? The authorizer's answer for any service.

The same identity policies, permissions boundary and session policies as every IAM and STS call
(``credo.auth.authorizer``: cached compiled policies, its caps, AWS's refusal wording), plus an
optional resource-based policy the calling service supplies, decided by ``credo.policy.evaluate``
with the request context ``credo.auth.request_context`` builds and the service's own keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from credo.arn import parse_arn
from credo.auth import denials
from credo.auth.authorizer import Authorizer, access_denied
from credo.auth.request_context import ContextValue, request_context
from credo.auth.resources import Target
from credo.gateway.signers import Signer
from credo.keyring import Keyring
from credo.policy import MatchedStatement, Policy, Request, evaluate


@dataclass(slots=True)  # built per request: frozen dataclasses cost µs to build
class Judgement:
    """Allowed or not; on refusal AWS's AccessDenied message, the statements that decided
    (the Deny ones for an explicit deny) and the sealed message DecodeAuthorizationMessage reads."""

    allowed: bool
    message: str = ""
    explicit_deny: bool = False
    matched: tuple[MatchedStatement, ...] = ()
    encoded_message: str = ""


@dataclass(slots=True)  # built per request: frozen dataclasses cost µs to build
class Circumstances:
    """What the request context is made of, beside the principal."""

    now: datetime
    source_ip: str
    secure_transport: bool
    region: str
    extra: Mapping[str, ContextValue]


def remembered(
    authorizer: Authorizer, signer: Signer, action: str, resource: str, resource_account: str | None = None
) -> Judgement | None:
    """The allowed judgement ``judge`` remembered for these arguments (without a resource
    policy), counted as a decision; ``None``: call ``judge``."""
    found = signer.allowed.get((action, resource, resource_account))
    if found is not None:
        authorizer.allowed += 1
    return found


def judge(
    authorizer: Authorizer,
    keyring: Keyring,
    signer: Signer,
    action: str,
    resource: str,
    circumstances: Circumstances,
    resource_policy: Policy | None = None,
    resource_account: str | None = None,
) -> Judgement:
    """Decide ``action`` on ``resource`` for the signer's principal (see the module docstring).

    ``resource_account``: the resource's account when the caller knows it; else read from its ARN.
    Without a resource policy, an allowed judgement of an action the signer's policies decide
    without context is remembered on the signer (``credo.gateway.signers``): ``remembered``
    finds it, without the circumstances (callers ask it first).
    """
    remember = resource_policy is None and signer.context_free(action)
    key = (action, resource, resource_account)
    principal = signer.principal
    identity = signer.identity
    context = request_context(
        principal,
        principal_arn=identity.arn or principal.arn,
        principal_tags=identity.tags,
        params={},
        now=circumstances.now,
        source_ip=circumstances.source_ip,
        secure_transport=circumstances.secure_transport,
        region=circumstances.region,
        fixed=signer.context,
    )
    if circumstances.extra:
        context.update({key.lower(): value for key, value in circumstances.extra.items()})
    request = Request(
        action=action,
        resource=resource,
        context=context,
        principal_arn=principal.arn,
        principal_account=principal.account_id,
    )
    boundaries, session = signer.boundaries, signer.session
    resources: Sequence[tuple[str, Policy]] = (
        [(resource_policy.id or "ResourcePolicy", resource_policy)] if resource_policy is not None else ()
    )
    if resource_account is None:
        parsed = parse_arn(resource)
        resource_account = parsed.account if parsed is not None and parsed.account else None
    decision = evaluate(
        request,
        identity=identity.identity,
        resource=resources,
        boundaries=boundaries,
        session=session,
        resource_account=resource_account,
        is_root=principal.is_root,
    )
    if decision.allowed:
        authorizer.allowed += 1
        judgement = Judgement(True, matched=decision.matched)
        if remember:
            signer.remember(key, judgement)
        return judgement
    authorizer.denied += 1
    explicit = decision.result == "explicitDeny"
    refusal = access_denied(
        principal.arn,
        action,
        Target(resource),
        request,
        identity,
        boundaries,
        session,
        decision.result,
        resources,
    )
    why = denials.describe_denial(principal, action, resource, context, explicit, decision.matched)
    return Judgement(False, refusal.message, explicit, decision.matched, denials.encode(keyring, why))
