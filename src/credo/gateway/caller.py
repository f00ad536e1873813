"""Who a request to your service came from, as the middleware hands it to your code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from credo.auth.principal import Principal
from credo.auth.request_context import PRINCIPAL_TYPES


@dataclass(slots=True)  # built per request: frozen dataclasses cost µs to build
class Caller:
    """``scope["credo.principal"]`` (ASGI) or ``environ["credo.principal"]`` (WSGI)."""

    account: str
    arn: str
    user_id: str
    type: str  # "User", "AssumedRole", "FederatedUser", "Account"
    access_key_id: str = ""
    session_tags: dict[str, str] = field(default_factory=dict)
    multi_factor_auth_present: bool = False

    @classmethod
    def of(cls, principal: Principal) -> Caller:
        return cls(
            principal.account_id,
            principal.arn,
            principal.user_id,
            PRINCIPAL_TYPES.get(principal.kind, principal.kind),
            principal.access_key_id,
            dict(principal.session_tags),
            principal.mfa_authenticated,
        )

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Caller:
        """From the decision endpoint's ``principal`` (``answers.principal_document``)."""
        return cls(
            str(document["account"]),
            str(document["arn"]),
            str(document["userId"]),
            str(document["type"]),
            str(document.get("accessKeyId", "")),
            {str(k): str(v) for k, v in (document.get("sessionTags") or {}).items()},
            bool(document.get("multiFactorAuthPresent", False)),
        )

    def document(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "arn": self.arn,
            "userId": self.user_id,
            "type": self.type,
            "accessKeyId": self.access_key_id,
            "sessionTags": self.session_tags,
            "multiFactorAuthPresent": self.multi_factor_auth_present,
        }
