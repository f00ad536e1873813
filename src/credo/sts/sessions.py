"""GetSessionToken and GetFederationToken: temporary credentials for an IAM user (or the root user).

Both are called with long-term keys only. The session acts with the caller's permissions;
a GetSessionToken session may also carry proof of MFA, a GetFederationToken session carries
the session policies (and tags) that narrow it. Everything is sealed into the session token
(``credo.sts.tokens``); the only row written is the temporary key id's entry in
``session_keys``, for GetAccessKeyInfo.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert

from credo import arn, ids
from credo.auth.principal import Principal, PrincipalKind
from credo.call import Call, Operation, Result, Services
from credo.errors import AccessDenied, InvalidParameterValue, MalformedPolicyDocument, PackedPolicyTooLarge
from credo.iam.policy_lookup import default_document
from credo.policy import parse_policy
from credo.store.schema import session_keys
from credo.sts.mfa_proof import prove_mfa
from credo.sts.tokens import SessionClaims

DEFAULT_DURATION = 43_200
# AWS: sessions of the root user last at most an hour; longer requests are cut to an hour.
ROOT_MAX_DURATION = 3_600
MAX_POLICY_ARNS = 10
# Rows of expired temporary keys are kept this long, so GetAccessKeyInfo still answers for them.
SESSION_KEY_RETENTION = timedelta(days=90)
# Budget for the compressed session policies, ARNs and tags; PackedPolicySize is a percentage of it.
PACKED_LIMIT = 2_048


def _refuse_session_credentials(call: Call) -> None:
    if call.principal.is_session:
        raise AccessDenied(f"Cannot call {call.action} with session credentials")


def _duration(call: Call) -> int:
    duration = int(call.params.get("DurationSeconds") or DEFAULT_DURATION)
    return min(duration, ROOT_MAX_DURATION) if call.principal.is_root else duration


def _issue(
    call: Call,
    *,
    kind: PrincipalKind,
    principal_arn: str,
    user_id: str,
    mfa_at: int | None = None,
    policies: tuple[str, ...] = (),
    session_tags: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    """New temporary credentials acting as the caller's identity; the ``Credentials`` shape."""
    caller: Principal = call.principal
    services = call.services
    now = services.clock.now()
    expires = now + timedelta(seconds=_duration(call))
    claims = SessionClaims(
        access_key_id=ids.access_key_id(ids.TEMPORARY_ACCESS_KEY),
        secret_access_key=ids.secret_access_key(),
        account_id=caller.account_id,
        kind=kind,
        arn=principal_arn,
        user_id=user_id,
        user_name=caller.user_name,
        identity_kind=caller.identity_kind,
        identity_id=caller.identity_id,
        issued_at=int(now.timestamp()),
        expires_at=int(expires.timestamp()),
        source_key_id=caller.access_key_id,
        mfa_authenticated_at=mfa_at,
        session_policies=policies,
        session_tags=session_tags,
    )
    # Not a change to who may do what: no cache needs to hear of it.
    with services.store.write_quietly() as conn:
        return issue_credentials(conn, services, claims)


def issue_credentials(conn: Connection, services: Services, claims: SessionClaims) -> dict[str, Any]:
    """Seal the session token, remember its key id (for GetAccessKeyInfo); the ``Credentials`` shape."""
    token = services.credentials.session_tokens.seal(claims)
    issued = datetime.fromtimestamp(claims.issued_at, UTC)
    expires = datetime.fromtimestamp(claims.expires_at, UTC)
    conn.execute(delete(session_keys).where(session_keys.c.expires_at < issued - SESSION_KEY_RETENTION))
    conn.execute(
        insert(session_keys).values(
            id=claims.access_key_id,
            account_id=claims.account_id,
            source_key_id=claims.source_key_id,
            expires_at=expires,
        )
    )
    return {
        "AccessKeyId": claims.access_key_id,
        "SecretAccessKey": claims.secret_access_key,
        "SessionToken": token,
        "Expiration": expires,
    }


def get_session_token(call: Call) -> Result:
    _refuse_session_credentials(call)
    mfa_at = prove_mfa(call)
    principal = call.principal
    credentials = _issue(
        call, kind=principal.kind, principal_arn=principal.arn, user_id=principal.user_id, mfa_at=mfa_at
    )
    return {"Credentials": credentials}


def _session_policies(call: Call) -> tuple[list[str], tuple[str, ...]]:
    """(the managed policy ARNs, every session policy document): inline first, then managed."""
    documents: list[str] = []
    inline = call.params.get("Policy")
    if inline is not None:
        parse_policy(inline, "session")
        documents.append(inline)
    policy_arns = [str(item.get("arn", "")) for item in call.params.get("PolicyArns", [])]
    if len(policy_arns) > MAX_POLICY_ARNS:
        raise InvalidParameterValue(f"The number of policy ARNs must not exceed {MAX_POLICY_ARNS}.")
    if policy_arns:
        with call.services.store.read() as conn:
            for policy_arn in policy_arns:
                document = default_document(conn, call.principal.account_id, policy_arn)
                if document is None:
                    raise MalformedPolicyDocument(f"Policy {policy_arn} does not exist or is not attachable.")
                documents.append(document)
    return policy_arns, tuple(documents)


def _session_tags(tags: Sequence[Mapping[str, Any]]) -> tuple[tuple[str, str], ...]:
    seen: set[str] = set()
    for tag in tags:
        key = str(tag["Key"]).lower()
        if key in seen:
            raise InvalidParameterValue(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            )
        seen.add(key)
    return tuple((str(tag["Key"]), str(tag["Value"])) for tag in tags)


def packed_policy_size(
    inline: str | None, policy_arns: Sequence[str], tags: Sequence[tuple[str, str]]
) -> int:
    """PackedPolicySize: the compressed session policy, ARNs and tags as a percentage of the budget.

    AWS does not publish its packing; this is the same idea (compressed size against a fixed
    budget), so the number moves the way AWS's does but will not equal it.
    """
    minified = "" if inline is None else json.dumps(json.loads(inline), separators=(",", ":"))
    packed = zlib.compress(json.dumps([minified, list(policy_arns), list(tags)]).encode(), 9)
    return math.ceil(100 * len(packed) / PACKED_LIMIT)


def get_federation_token(call: Call) -> Result:
    _refuse_session_credentials(call)
    principal = call.principal
    name: str = call.params["Name"]
    policy_arns, documents = _session_policies(call)
    session_tags = _session_tags(call.params.get("Tags", []))
    packed = packed_policy_size(call.params.get("Policy"), policy_arns, session_tags)
    if packed > 100:
        raise PackedPolicyTooLarge(
            f"Packed size of session policies and session tags combined exceeded the limit ({packed}%)."
        )
    federated_arn = f"arn:{arn.PARTITION}:sts::{principal.account_id}:federated-user/{name}"
    federated_id = f"{principal.account_id}:{name}"
    credentials = _issue(
        call,
        kind="federated-user",
        principal_arn=federated_arn,
        user_id=federated_id,
        policies=documents,
        session_tags=session_tags,
    )
    return {
        "Credentials": credentials,
        "FederatedUser": {"FederatedUserId": federated_id, "Arn": federated_arn},
        "PackedPolicySize": packed,
    }


OPERATIONS = {
    "GetSessionToken": Operation(get_session_token),
    "GetFederationToken": Operation(get_federation_token),
}
