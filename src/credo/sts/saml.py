"""STS AssumeRoleWithSAML: a role session for whoever brings an IdP's signed SAML assertion.

The call is usually unsigned (botocore sends it so), and when it is signed the signer plays
no part, as in AWS: the assertion is the credential. ``credo.sts.saml_assertions`` verifies it
(the path the console's ``/saml`` sign-in shares) against the provider named by
``PrincipalArn`` (which must be in the role's account); the
assertion's ``Role`` attribute must pair this role with this provider; the role's trust policy
must allow ``sts:AssumeRoleWithSAML`` (and ``sts:TagSession`` / ``sts:SetSourceIdentity`` when
the assertion sets tags or a source identity) to ``{"Federated": provider ARN}`` with the
``saml:`` keys. Each assertion is accepted once: its id is kept in ``used_saml_assertions``
until it expires. The session is issued as AssumeRole issues one (``credo.sts.role_sessions``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping

from credo.call import Call, Operation, Result
from credo.errors import AccessDenied, ExpiredTokenException
from credo.federation.saml import SamlClaims
from credo.sts import role_sessions, role_trust, saml_assertions, saml_claims

ACTION = "sts:AssumeRoleWithSAML"
NOT_AUTHORIZED = f"Not authorized to perform {ACTION}"


def _duration(
    call: Call, role: RowMapping, asked: saml_claims.SessionRequest, claims: SamlClaims, now: datetime
) -> int:
    """DurationSeconds (an hour by default) within the role's maximum, cut to the assertion's
    SessionDuration and SessionNotOnOrAfter when it sets them."""
    duration = role_sessions.requested_duration(call.params, int(role["max_session_duration"]))
    if asked.duration_limit is not None:
        duration = min(duration, asked.duration_limit)
    if claims.session_not_on_or_after is not None:
        left = int((claims.session_not_on_or_after - now).total_seconds())
        if left < saml_claims.MIN_DURATION:
            raise ExpiredTokenException(
                "Assertion is expired",
                detail="The IdP's session (SessionNotOnOrAfter) ends in less than 15 minutes.",
            )
        duration = min(duration, left)
    return duration


def assume_role_with_saml(call: Call) -> Result:
    params = call.params
    role_arn: str = params["RoleArn"]
    provider_arn: str = params["PrincipalArn"]
    inline = role_sessions.inline_policy(params)
    policy_arns = role_sessions.policy_arns(params)
    now = call.services.clock.now()
    role_account = saml_assertions.account_of(role_arn)
    verified = saml_assertions.verify_assertion(
        call.services, str(params["SAMLAssertion"]), provider_arn, role_account, now
    )
    provider, claims, asked = verified.provider, verified.claims, verified.asked
    if not saml_claims.names_role(claims, role_arn, provider_arn):
        raise AccessDenied(
            NOT_AUTHORIZED,
            detail=f"The assertion's {saml_claims.ROLE} attribute has no pair of {role_arn} and {provider_arn}.",
        )
    account_id = provider["account_id"]
    with call.services.store.read() as conn:
        role = role_trust.find_role_by_arn(conn, role_arn)
        if role is None:
            raise AccessDenied(NOT_AUTHORIZED, detail=f"No role {role_arn}.")
        context = saml_claims.trust_context(
            call, claims, asked, account_id=account_id, provider_name=provider["name"], now=now
        )
        actions = [ACTION]
        if asked.tags:
            actions.append("sts:TagSession")
        if asked.source_identity is not None:
            actions.append("sts:SetSourceIdentity")
        role_trust.require_federated_trust(
            role["trust_policy"], role_arn, role["account_id"], provider_arn, context, actions
        )
        documents = ([inline] if inline is not None else []) + role_sessions.managed_session_policies(
            conn, role["account_id"], policy_arns
        )
    duration = _duration(call, role, asked, claims, now)
    packed = role_sessions.checked_packed_size(inline, policy_arns, asked.tags)
    saml_assertions.use_once(call.services, claims, now)
    session = role_sessions.RoleSession(
        duration=duration,
        session_policies=tuple(documents),
        session_tags=asked.tags,
        transitive_tag_keys=asked.transitive_tag_keys,
        source_identity=asked.source_identity,
    )
    result: dict[str, Any] = role_sessions.issue_role_session(call, role, asked.session_name, now, session)
    if inline is not None or policy_arns or asked.tags:
        result["PackedPolicySize"] = packed
    result.update(
        Subject=claims.subject,
        SubjectType=saml_claims.subject_type(claims),
        Issuer=claims.issuer,
        Audience=claims.recipient,
        NameQualifier=context["saml:namequalifier"],
    )
    if asked.source_identity is not None:
        result["SourceIdentity"] = asked.source_identity
    return result


OPERATIONS = {"AssumeRoleWithSAML": Operation(assume_role_with_saml)}
