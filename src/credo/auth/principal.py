"""The authenticated caller of one request, as every later layer sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PrincipalKind = Literal["root", "user", "assumed-role", "federated-user"]


@dataclass(frozen=True)
class Principal:
    """An account's root user, an IAM user, or (later) a session of a role or federated user."""

    account_id: str
    kind: PrincipalKind
    arn: str
    # AWS's "UserId": the account id for root, AIDA… for users, AROA…:session for role sessions.
    user_id: str
    # The IAM user's name; ``None`` for root.
    user_name: str | None
    access_key_id: str

    @property
    def is_root(self) -> bool:
        return self.kind == "root"
