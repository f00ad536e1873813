"""``userIdentity``: who made a call, in CloudTrail's words (IAMUser, AssumedRole, Root, …).

Pure, given the session issuer of a role or federated session (its role or IAM user, looked up
once by ``issuers.py``). Also LookupEvents' ``Username`` of each kind of caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from credo import arn
from credo.auth.principal import Principal

# The user name AWS records for a sign-in attempt whose name it will not repeat (it may be a
# password typed into the wrong field).
HIDDEN_USER = "HIDDEN_DUE_TO_SECURITY_REASONS"


@dataclass(frozen=True)
class Issuer:
    """The role behind a role session, or the IAM user behind a federated user's session."""

    kind: str  # "Role" or "IAMUser"
    principal_id: str
    arn: str
    account_id: str
    name: str

    def shown(self) -> dict[str, str]:
        return {
            "type": self.kind,
            "principalId": self.principal_id,
            "arn": self.arn,
            "accountId": self.account_id,
            "userName": self.name,
        }


def user_identity(
    principal: Principal, issuer: Issuer | None = None, *, console: bool = False
) -> dict[str, Any]:
    """The ``userIdentity`` of a signed call (or, with ``console``, a console action) by ``principal``."""
    kind = _TYPES.get(principal.kind, "Unknown")
    identity: dict[str, Any] = {
        "type": kind,
        "principalId": principal.user_id,
        "arn": principal.arn,
        "accountId": principal.account_id,
        "accessKeyId": principal.access_key_id,
    }
    if kind == "IAMUser" and principal.user_name:
        identity["userName"] = principal.user_name
    if principal.is_session or console or kind in ("AssumedRole", "FederatedUser"):
        context: dict[str, Any] = {
            "sessionIssuer": issuer.shown() if issuer is not None else {},
            "webIdFederationData": {},
            "attributes": {
                "creationDate": _iso(principal.token_issued_at),
                "mfaAuthenticated": "true" if principal.mfa_authenticated else "false",
            },
        }
        if principal.source_identity:
            context["sourceIdentity"] = principal.source_identity
        identity["sessionContext"] = context
    return identity


_TYPES = {
    "root": "Root",
    "user": "IAMUser",
    "assumed-role": "AssumedRole",
    "federated-user": "FederatedUser",
}


def username(principal: Principal) -> str | None:
    """LookupEvents' ``Username``: the user's name, the role session's name, ``root``."""
    if principal.kind == "root":
        return "root"
    if principal.kind == "user":
        return principal.user_name
    if principal.kind in ("assumed-role", "federated-user"):
        return principal.arn.rsplit("/", 1)[-1]
    return None


def issuer_needed(principal: Principal) -> tuple[str, str] | None:
    """Which identity ``issuers.py`` must look up: ("role" | "user", id), or ``None``."""
    if principal.kind == "assumed-role":
        return ("role", principal.identity_id)
    if principal.kind == "federated-user":
        return ("user", principal.identity_id)
    return None


def issuer_of(kind: str, identity_id: str, account_id: str, path: str, name: str) -> Issuer:
    """An issuer from the role or user row (``kind``: "role" or "user")."""
    return Issuer(
        "Role" if kind == "role" else "IAMUser",
        identity_id,
        arn.iam_arn(account_id, kind, path, name),
        account_id,
        name,
    )


def federated_identity(action: str, result: Mapping[str, Any] | None) -> tuple[dict[str, Any], str | None]:
    """An unsigned AssumeRoleWithSAML or AssumeRoleWithWebIdentity: the identity its assertion or
    token named (``SAMLUser``, ``WebIdentityUser``), known once the call succeeded."""
    if result is None:
        return {"type": "Unknown"}, None
    if action == "AssumeRoleWithSAML":
        subject = str(result.get("Subject", ""))
        qualifier = str(result.get("NameQualifier", ""))
        return {
            "type": "SAMLUser",
            "principalId": f"{qualifier}:{subject}",
            "userName": subject,
            "identityProvider": qualifier,
        }, subject
    if action == "AssumeRoleWithWebIdentity":
        subject = str(result.get("SubjectFromWebIdentityToken", ""))
        provider = str(result.get("Provider", ""))
        audience = str(result.get("Audience", ""))
        return {
            "type": "WebIdentityUser",
            "principalId": f"{provider}:{audience}:{subject}",
            "userName": subject,
            "identityProvider": provider,
        }, subject
    return {"type": "Unknown"}, None


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
