"""The authenticated caller of one request, as every later layer sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

PrincipalKind = Literal["root", "user", "assumed-role", "federated-user", "anonymous"]
IdentityKind = Literal["root", "user", "role"]


@dataclass(frozen=True, slots=True)  # slots: tens of thousands are cached (auth.credentials)
class Principal:
    """An account's root user, an IAM user, or a session (of a user, a role or a federated user).

    ``identity_kind``/``identity_id`` name whose stored policies apply: the root, an IAM user
    (also for its GetSessionToken and GetFederationToken sessions), or a role (its sessions).
    Sessions add ``session_policies`` that narrow those permissions further.
    """

    account_id: str
    kind: PrincipalKind
    arn: str
    # AWS's "UserId": the account id for root, AIDA… for users, AROA…:session for role sessions.
    user_id: str
    # The IAM user's name; ``None`` for root and role sessions.
    user_name: str | None
    access_key_id: str
    identity_kind: IdentityKind = "user"
    identity_id: str = ""
    # Set only on temporary credentials.
    is_session: bool = False
    mfa_authenticated: bool = False
    mfa_authenticated_at: datetime | None = None
    token_issued_at: datetime | None = None
    expires_at: datetime | None = None
    session_policies: tuple[str, ...] = ()
    session_tags: tuple[tuple[str, str], ...] = field(default=())
    source_identity: str | None = None
    # Keys of ``session_tags`` that a role session passes on when it assumes another role.
    transitive_tag_keys: tuple[str, ...] = ()

    @property
    def is_root(self) -> bool:
        return self.kind == "root"
