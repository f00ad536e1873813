"""Role sessions: the part every way of assuming a role shares, once the trust policy said yes.

AssumeRole, AssumeRoleWithWebIdentity and AssumeRoleWithSAML differ in who the caller is and
how the trust policy is asked; what they hand back is the same: session policies checked and
packed, a duration within the role's maximum, a sealed session token acting as the role
(``credo.sts.tokens``), the temporary key's ``session_keys`` row and the role's last use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, update

from credo import arn, ids
from credo.call import Call
from credo.errors import (
    InvalidParameterValue,
    MalformedPolicyDocument,
    PackedPolicyTooLarge,
    ValidationError,
)
from credo.iam.policy_lookup import default_document
from credo.policy import parse_policy
from credo.store.schema import roles
from credo.sts.sessions import MAX_POLICY_ARNS, issue_credentials, packed_policy_size
from credo.sts.tokens import SessionClaims

DEFAULT_DURATION = 3_600
# AWS: inline and managed session policies may each be at most 2,048 characters.
MAX_SESSION_POLICY_CHARS = 2_048
DURATION_OVER_ROLE_MAX = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."


def inline_policy(params: Mapping[str, Any]) -> str | None:
    """The ``Policy`` parameter, checked for size (as the model's own checks word it) and grammar."""
    inline: str | None = params.get("Policy")
    if inline is None:
        return None
    if len(inline) > MAX_SESSION_POLICY_CHARS:
        raise ValidationError(
            f"1 validation error detected: Value '{inline}' at 'policy' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_SESSION_POLICY_CHARS}"
        )
    parse_policy(inline, "session")
    return inline


def policy_arns(params: Mapping[str, Any]) -> list[str]:
    """The ARNs of ``PolicyArns``, as given."""
    return [str(item.get("arn", "")) for item in params.get("PolicyArns", [])]


def managed_session_policies(conn: Connection, account_id: str, arns: Sequence[str]) -> list[str]:
    """The documents of ``PolicyArns``, which must be managed policies of the role's account (or AWS's)."""
    if len(arns) > MAX_POLICY_ARNS:
        raise InvalidParameterValue(f"The number of policy ARNs must not exceed {MAX_POLICY_ARNS}.")
    documents = []
    for policy_arn in arns:
        document = default_document(conn, account_id, policy_arn)
        if document is None:
            raise MalformedPolicyDocument(f"Policy {policy_arn} does not exist or is not attachable.")
        documents.append(document)
    return documents


def requested_duration(params: Mapping[str, Any], max_session_duration: int) -> int:
    """``DurationSeconds`` (an hour when absent), at most the role's ``MaxSessionDuration``."""
    requested = params.get("DurationSeconds")
    duration = int(requested) if requested is not None else DEFAULT_DURATION
    if duration > max_session_duration:
        raise ValidationError(DURATION_OVER_ROLE_MAX)
    return duration


def checked_packed_size(inline: str | None, arns: Sequence[str], tags: Sequence[tuple[str, str]]) -> int:
    """PackedPolicySize, refused with AWS's PackedPolicyTooLarge above 100%."""
    packed = packed_policy_size(inline, arns, tags)
    if packed > 100:
        raise PackedPolicyTooLarge(
            f"Packed size of session policies and session tags combined exceeded the limit ({packed}%)."
        )
    return packed


@dataclass(frozen=True)
class RoleSession:
    """What a session acting as a role carries, beside the role and its name."""

    duration: int
    session_policies: tuple[str, ...] = ()
    session_tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    mfa_authenticated_at: int | None = None
    # The long-term key behind the call (GetAccessKeyInfo); empty for federation.
    source_key_id: str = ""


def issue_role_session(
    call: Call, role: RowMapping, session_name: str, now: datetime, session: RoleSession
) -> dict[str, Any]:
    """Seal the session, record it and the role's last use; ``Credentials`` and ``AssumedRoleUser``."""
    session_arn = f"arn:{arn.PARTITION}:sts::{role['account_id']}:assumed-role/{role['name']}/{session_name}"
    session_user_id = f"{role['id']}:{session_name}"
    expires = now + timedelta(seconds=session.duration)
    claims = SessionClaims(
        access_key_id=ids.access_key_id(ids.TEMPORARY_ACCESS_KEY),
        secret_access_key=ids.secret_access_key(),
        account_id=role["account_id"],
        kind="assumed-role",
        arn=session_arn,
        user_id=session_user_id,
        user_name=None,
        identity_kind="role",
        identity_id=role["id"],
        issued_at=int(now.timestamp()),
        expires_at=int(expires.timestamp()),
        source_key_id=session.source_key_id,
        mfa_authenticated_at=session.mfa_authenticated_at,
        session_policies=session.session_policies,
        session_tags=session.session_tags,
        source_identity=session.source_identity,
        transitive_tag_keys=session.transitive_tag_keys,
    )
    # Neither row changes who may do what: no cache needs to hear of them.
    with call.services.store.write_quietly() as conn:
        credentials = issue_credentials(conn, call.services, claims)
        conn.execute(
            update(roles)
            .where(roles.c.id == role["id"])
            .values(last_used_at=now, last_used_region=call.region)
        )
    return {
        "Credentials": credentials,
        "AssumedRoleUser": {"AssumedRoleId": session_user_id, "Arn": session_arn},
    }
